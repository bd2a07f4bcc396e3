"""`invoke publish` (clinicsite.deploy.publish.publish) to a local folder
served by Debian's nginx, with the config rendered from deploy/nginx.conf
and the workers running as nobody, as a packaged nginx's do.

- Whatever the publishing user's umask, every folder of the target is 0755
  and every file 0644, so the web server's own user can read the site.
- The headers travel with the site: a publish that changes the stylesheet,
  with the reload command, changes the Content-Security-Policy nginx sends
  (from the build's _nginx.conf), and Chromium applies the new style with no
  CSP violation. Nobody re-renders or touches the nginx config. The
  operator's /.well-known/ in the target survives the publish.
- A failed build publishes nothing.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import stat
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sitekit import PUBLISH, REPO, digest, fixture_project, free_port, overrides
from nginxkit import SECURITY_TXT, VIOLATIONS_JS, Nginx, Tab
from tools import in_ci, require

from clinicsite.deploy.publish import publish
from clinicsite.errors import ContentError

# Appended to the theme's stylesheet by the second publish; the first has no outline-offset.
RESTYLE = "\nbody{outline-offset:7px}\n"
BROKEN_POST = """---
title: A post without its description
date: 2026-01-06T08:00:00+00:00
authors: [Byron Lam]
topics: [sciatica]
---

The front matter has no description, which every post needs.
"""


def need_root(why: str) -> None:
    if os.geteuid() == 0:
        return
    reason = f"needs root {why}"
    if in_ci():
        pytest.fail(f"CI must run every test, but this one {reason}", pytrace=False)
    pytest.skip(reason)


def publish_with_umask_077(target: Path, reload: str = "", override: dict | None = None) -> None:
    """publish() by a user whose files nobody else may read (umask 077)."""
    old = os.umask(0o077)
    try:
        publish(PUBLISH, str(target), reload, override)
    finally:
        os.umask(old)


def nobody() -> str:
    """nginx's `user` value for nobody (Debian's group for it is nogroup)."""
    entry = pwd.getpwnam("nobody")
    return f"nobody {grp.getgrgid(entry.pw_gid).gr_name}"


def worker_uids(master: int) -> set[int]:
    """The uids of nginx's workers: the master's children."""
    uids = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            status = dict(line.split(":", 1) for line in (proc / "status").read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if int(status.get("PPid", "0")) == master:
            uids.add(int(status["Uid"].split()[0]))
    return uids


@dataclass
class Live:
    project: Path
    target: Path
    settings: dict = field(repr=False)
    nginx: Nginx = field(repr=False)

    def post(self) -> str:
        return next(p for p in sorted((self.target / "posts").iterdir()) if (p / "index.html").is_file()).name


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The real content (with its own copy of the theme) published, under
    umask 077, to a new target folder, then served by nginx as nobody. The
    target is under a fresh world-traversable folder in /tmp (pytest's
    temporary folders are 0700: nobody could not reach it there)."""
    require("rsync", "by publish (Debian package rsync)")
    need_root("to start nginx's master, whose workers run as nobody")
    base = Path(tempfile.mkdtemp(prefix="clinicsite-publish-", dir="/tmp"))
    try:
        base.chmod(0o755)
        project = fixture_project(tmp_path_factory.mktemp("publish"), real=True)
        shutil.copytree(REPO / "theme", project / "theme")
        port = free_port()
        # As build_site(real=True): the real content is judged against today.
        settings = overrides(project, SITEURL=f"http://127.0.0.1:{port}", CLINICSITE_TODAY=None,
                             THEME=str(project / "theme"))
        target = base / "site"
        publish_with_umask_077(target, override=settings)
        with Nginx(target, port, base / "nginx", user=nobody()) as nginx:
            yield Live(project, target, settings, nginx)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_published_files_are_world_readable_whatever_the_umask(live):
    wrong = []
    for path in [live.target, *sorted(live.target.rglob("*"))]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        expected = None if path.is_symlink() else 0o755 if path.is_dir() else 0o644
        if expected is not None and mode != expected:
            wrong.append(f"{path}: {mode:04o}, expected {expected:04o}")
    assert not wrong, f"{len(wrong)} wrong modes:\n" + "\n".join(wrong[:20])
    assert worker_uids(live.nginx.proc.pid) == {pwd.getpwnam("nobody").pw_uid}, "nginx's workers do not run as nobody"
    for path in ("/", f"/posts/{live.post()}/"):
        resp = live.nginx.fetch(path, Accept_Encoding="identity")
        assert resp.status == 200, f"{resp.url}: status {resp.status} from nginx as nobody:\n{live.nginx.log()}"
        assert resp.body == (live.target / path.lstrip("/") / "index.html").read_bytes()


def wait_for_new_csp(live: Live, old: str, timeout: float = 10) -> str:
    """nginx reloads asynchronously: new workers take over in a moment."""
    deadline = time.monotonic() + timeout
    while True:
        csp = live.nginx.fetch("/", "HEAD").header("Content-Security-Policy")
        if csp != old or time.monotonic() > deadline:
            return csp
        time.sleep(0.05)


@pytest.mark.browser
def test_a_new_stylesheet_and_its_csp_are_published_together(live, browser):
    origin = live.nginx.origin
    pages = [f"{origin}/", f"{origin}/posts/{live.post()}/"]
    config = live.nginx.conf.read_bytes()
    context = browser.new_context()  # one visitor, before and after: cached pages are revalidated
    context.add_init_script(VIOLATIONS_JS)
    try:
        tab = Tab(context, origin)
        for url in pages:
            assert tab.load(url) == [], "before the restyle"
            assert tab.evaluate("getComputedStyle(document.body).outlineOffset") == "0px", url
        old_csp = live.nginx.fetch("/", "HEAD").header("Content-Security-Policy")

        # The operator's /.well-known/ is not the build's, and a publish keeps it.
        (live.target / ".well-known").mkdir(exist_ok=True)
        (live.target / ".well-known" / "security.txt").write_bytes(SECURITY_TXT)

        css = live.project / "theme" / "static" / "css" / "site.css"
        css.write_text(css.read_text(encoding="utf-8") + RESTYLE, encoding="utf-8")
        publish_with_umask_077(live.target, live.nginx.reload_command, live.settings)

        new_csp = wait_for_new_csp(live, old_csp)
        assert new_csp != old_csp, f"nginx still sends the old CSP after publish(reload=…):\n{live.nginx.log()}"
        assert "outline-offset:7px" in (live.target / "index.html").read_text(encoding="utf-8")
        problems = []
        for url in pages:
            problems += tab.load(url)
            offset = tab.evaluate("getComputedStyle(document.body).outlineOffset")
            if offset != "7px":
                problems.append(f"{url}: outline-offset {offset}: the new stylesheet did not apply")
        assert not problems, "\n".join(problems)
    finally:
        context.close()
    assert live.nginx.conf.read_bytes() == config, "the nginx config was changed"
    well_known = live.nginx.fetch("/.well-known/security.txt")
    assert (well_known.status, well_known.body) == (200, SECURITY_TXT), "the publish removed /.well-known/"


def test_a_failed_build_publishes_nothing(live, tmp_path):
    project = fixture_project(tmp_path / "broken", real=True)
    (project / "content" / "posts" / "2026-01-06-broken.md").write_text(BROKEN_POST, encoding="utf-8")
    settings = {**live.settings, **overrides(project, CLINICSITE_TODAY=None)}
    before = digest(live.target)
    marker = tmp_path / "reloaded"
    with pytest.raises(ContentError) as failed:
        publish_with_umask_077(live.target, f"touch {marker}", settings)
    message = str(failed.value)
    assert "build failed" in message and "nothing was copied" in message, message
    assert "2026-01-06-broken.md" in message or "description" in message, f"the error does not say what failed:\n{message}"
    assert digest(live.target) == before, "a failed build changed the target"
    assert not marker.exists(), "a failed build reloaded the web server"
    assert live.nginx.fetch("/").status == 200
