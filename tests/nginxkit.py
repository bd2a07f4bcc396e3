"""Debian's nginx as a child process serving a built site with the rendered
deploy/nginx.conf, and a Chromium tab that reports everything wrong with a
load (CSP violations, other origins, failed subresources). Used by
test_nginx.py, test_publish.py and test_editor.py."""

from __future__ import annotations

import http.client
import os
import pwd
import shlex
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from tools import require

from clinicsite.deploy.nginx import BROTLI_MODULE, render

SECURITY_TXT = b"Contact: mailto:security@example.com\nExpires: 2030-01-01T00:00:00.000Z\n"


# --- nginx as a child process ---------------------------------------------------------


@dataclass
class Response:
    url: str
    status: int
    headers: http.client.HTTPMessage = field(repr=False)
    body: bytes = field(repr=False)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


class Nginx:
    """Debian's nginx serving `root` on 127.0.0.1:`port` with the rendered
    deploy/nginx.conf; its prefix, pid file and temp folders in `prefix`,
    its error log on stderr (kept in prefix/stderr.log). `with` starts and
    stops it. `user` is the worker user when the master runs as root;
    `options` go to render() as they are. The feedback log is
    prefix/feedback.log unless `feedback_log` says otherwise."""

    def __init__(self, root: Path, port: int, prefix: Path, user: str | None = None, **options):
        self.binary = require("nginx", "to serve the production build (Debian package nginx)")
        require(BROTLI_MODULE, "for brotli_static (Debian package libnginx-mod-http-brotli-static)")
        self.root, self.port, self.prefix = Path(root), port, Path(prefix)
        self.origin = f"http://127.0.0.1:{port}"
        (self.prefix / "temp").mkdir(parents=True, exist_ok=True)
        self.conf = self.prefix / "nginx.conf"
        self.feedback_log = Path(options.setdefault("feedback_log", self.prefix / "feedback.log"))
        self.conf.write_text(render(self.root, port, user=user, temp_dir=self.prefix / "temp", **options), encoding="utf-8")
        self.globals = f"pid {self.prefix / 'nginx.pid'}; error_log stderr;"
        self.proc: subprocess.Popen | None = None

    def command(self, *args: str, daemon: bool = True) -> list[str]:
        glob = self.globals if daemon else "daemon off; " + self.globals
        return [self.binary, *args, "-p", f"{self.prefix}/", "-c", str(self.conf), "-g", glob]

    @property
    def reload_command(self) -> str:
        """What publish(reload=…) runs: signal this nginx to re-read its config."""
        return shlex.join(self.command("-s", "reload"))

    def log(self) -> str:
        return (self.prefix / "stderr.log").read_text(errors="replace")

    def __enter__(self) -> Nginx:
        with open(self.prefix / "stderr.log", "wb") as log:
            self.proc = subprocess.Popen(self.command(daemon=False), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"nginx exited with {self.proc.returncode}:\n{self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                if time.monotonic() > deadline:
                    self.__exit__()
                    pytest.fail(f"nginx did not listen on port {self.port}:\n{self.log()}")
                time.sleep(0.05)

    def __exit__(self, *exc) -> None:
        if self.proc is None:
            return
        self.proc.terminate()  # SIGTERM: the master stops its workers and exits
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def fetch(self, path: str, method: str = "GET", body: bytes | None = None, **headers: str) -> Response:
        """One request; the body as sent (no decompression, no redirects).
        Header names in `headers` use _ for -."""
        if path.startswith("http"):
            parts = urlsplit(path)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers={k.replace("_", "-"): v for k, v in headers.items()})
            resp = conn.getresponse()
            return Response(self.origin + path, resp.status, resp.headers, resp.read())
        finally:
            conn.close()


def worker_user() -> str | None:
    """As root, the workers would run as nobody, who cannot read pytest's
    0700 temporary folders: run them as ourselves (test_publish.py runs
    them as nobody, on a world-readable target)."""
    return pwd.getpwuid(os.geteuid()).pw_name if os.geteuid() == 0 else None


# --- A real browser ----------------------------------------------------------------------

VIOLATIONS_JS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
});
"""


PAGE_STATE_JS = """() => ({
  violations: window.__violations,
  rules: [...document.styleSheets].reduce((n, s) => n + s.cssRules.length, 0),
  skipLink: document.querySelector('.skip-link') && getComputedStyle(document.querySelector('.skip-link')).position,
  brokenImages: [...document.images].filter((i) => !i.complete || !i.naturalWidth).map((i) => i.src),
})"""


class Tab:
    """One Chromium page that loads URLs one after another and reports, per
    load, everything wrong: its status, CSP reports (console messages and
    securitypolicyviolation events), requests to another origin, failed
    subresources, an inline stylesheet that did not apply (a <style> the CSP
    blocks has no rules, and the skip link is then not positioned), images
    that did not load."""

    def __init__(self, context, origin: str):
        self.origin = origin
        self.page = context.new_page()
        self.url = ""
        self.events: list[str] = []
        self.requests: set = set()  # this load's (a navigation aborts the last page's favicon request)
        self.page.on("console", self._console)
        self.page.on("request", self._request)
        self.page.on("requestfailed", self._failed)
        self.page.on("response", lambda r: r.status >= 400 and r.url != self.url
                     and self.events.append(f"{r.url} answers {r.status}"))

    def _failed(self, request) -> None:
        # Chromium cancels a favicon fetch it no longer needs (the tab's icon
        # was already drawn, or the page moved on): not a failure of the site.
        if request.failure == "net::ERR_ABORTED" and "/favicon" in request.url:
            return
        if request in self.requests:
            self.events.append(f"{request.url} failed: {request.failure}")

    def _console(self, message) -> None:
        if any(s in message.text for s in ("Content Security Policy", "Refused to", "Permissions-Policy")):
            self.events.append(f"console: {message.text}")

    def _request(self, request) -> None:
        self.requests.add(request)
        if urlsplit(request.url).scheme in ("http", "https") and not request.url.startswith(self.origin + "/"):
            self.events.append(f"a request to another origin: {request.url}")

    def load(self, url: str, expected_status: int = 200, ready: str | None = None) -> list[str]:
        """Load `url`; with `ready`, also wait for that selector (a script's work)."""
        self.url, self.events, self.requests = url, [], set()
        problems = []
        resp = self.page.goto(url, wait_until="load")
        if resp is None or resp.status != expected_status:
            problems.append(f"status {resp and resp.status}, expected {expected_status}")
        if ready:
            try:
                self.page.wait_for_selector(ready, timeout=15000)
            except Exception:
                problems.append(f"{ready} did not appear")
            self.page.wait_for_load_state("networkidle")
        state = self.page.evaluate(PAGE_STATE_JS)
        problems += [f"securitypolicyviolation: {v}" for v in state["violations"]]
        if not state["rules"] or state["skipLink"] != "absolute":
            problems.append(f"the inline stylesheet did not apply ({state['rules']} rules)")
        problems += [f"the image {src} did not load" for src in state["brokenImages"]]
        return [f"{url}: {p}" for p in problems + self.events]

    def evaluate(self, js: str):
        return self.page.evaluate(js)
