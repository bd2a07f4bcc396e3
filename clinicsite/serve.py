"""Serve a built site over HTTP on 127.0.0.1 — `invoke serve`, the live
preview and the tests' server — the way the real server does: the theme's
404 page for unknown paths, no folder listings, 400 for a malformed path.

With a Preview (clinicsite.preview), every page also gets a small script
that reloads it once a save changed the site, and while the last save has a
problem every page is replaced by that problem (file, line, field and fix),
so an author sees it where they look, not only in a terminal."""

from __future__ import annotations

import html
import http.server
import json
import logging
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

RELOAD = "/_preview/reload.js"
STATUS = "/_preview/status"
RELOAD_JS = """// The preview: reload when a save changed the site (clinicsite/serve.py).
(() => {
  let seen = null;
  const check = async () => {
    try {
      const now = await (await fetch("%(status)s", { cache: "no-store" })).json();
      const key = now.generation + ":" + now.problems.length;
      if (seen !== null && key !== seen) location.reload();
      seen = key;
    } catch (err) { /* the preview is restarting: try again */ }
    setTimeout(check, 500);
  };
  check();
})();
""" % {"status": STATUS}


def error_page(problems: list[str]) -> bytes:
    items = "".join(f"<li><code>{html.escape(p)}</code></li>" for p in problems)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>The last save has a problem - preview</title><meta name="robots" content="noindex">
<style>body{{font:1.05rem/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1.25rem;color:#1b1f23;background:#fff}}
h1{{font-size:1.5rem}}li{{margin:.75rem 0}}code{{white-space:pre-wrap;font-size:1rem}}.box{{border-left:6px solid #a4161a;padding:.5rem 1rem;background:#fbeaea}}</style>
</head><body><main>
<h1>The last save has a problem</h1>
<div class="box"><p>The site was not changed: the preview still has the last version that worked. Fix what is listed and save again; this page then shows the site.</p>
<ul>{items}</ul></div>
<p>Each line names the file, the line in it, the field and how to fix it.</p>
</main><script src="{RELOAD}"></script></body></html>
""".encode()


class StaticServer:
    """The output served over real HTTP on 127.0.0.1."""

    def __init__(self, root: Path, port: int, host: str = "127.0.0.1", preview=None, admin=None):
        """`admin(path)`: (bytes, content type, extra headers) for a path under
        /admin/ — the local editor (clinicsite.editor) — or None."""
        root = str(root)

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=root, **kw)

            def log_message(self, *args):
                pass

            def send_head(self):
                path = urlsplit(self.path).path
                try:
                    decoded = unquote(path, errors="strict")
                except UnicodeDecodeError:
                    decoded = "\x00"
                if "\x00" in decoded or not path.startswith("/"):
                    self.send_error(400, "Malformed path")
                    return None
                if preview is not None and path.startswith("/_preview/"):
                    return self._preview(path)
                if admin is not None and path == "/admin":
                    self.send_response(301)
                    self.send_header("Location", "/admin/")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                if admin is not None and path.startswith("/admin/"):
                    found = admin(path)
                    if found is None:
                        self.send_error(404)
                        return None
                    return self._body(200, found[1], found[0], found[2])
                if preview is not None and preview.problems and self._is_page(path):
                    return self._body(500, "text/html; charset=utf-8", error_page(preview.problems))
                if preview is not None and self._is_page(path):
                    page = Path(self.translate_path(path))
                    page = page / "index.html" if page.is_dir() else page
                    if page.is_file() and path.endswith(("/", ".html")):
                        tag = f'<script src="{RELOAD}"></script></body>'.encode()
                        return self._body(200, "text/html; charset=utf-8", page.read_bytes().replace(b"</body>", tag, 1))
                return super().send_head()

            def _is_page(self, path: str) -> bool:
                return path.endswith(("/", ".html")) or "." not in path.rsplit("/", 1)[-1]

            def _preview(self, path):
                if path == STATUS:
                    data = json.dumps({"generation": preview.generation, "problems": preview.problems}).encode()
                    return self._body(200, "application/json", data)
                if path == RELOAD:
                    return self._body(200, "text/javascript; charset=utf-8", RELOAD_JS.encode())
                self.send_error(404)
                return None

            def _body(self, status: int, ctype: str, data: bytes, headers: dict | None = None):
                import io

                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                return io.BytesIO(data)

            def guess_type(self, path):
                if str(path).endswith(".webmanifest"):
                    return "application/manifest+json"
                return super().guess_type(path)

            def list_directory(self, path):
                self.send_error(404)  # no folder listings, as nginx
                return None

            def send_error(self, code, message=None, explain=None):
                page = Path(root) / "404.html"
                if code == 404 and page.exists():
                    body = page.read_bytes()
                    if preview is not None:  # a page not built yet: it reloads once it is
                        body = body.replace(b"</body>", f'<script src="{RELOAD}"></script></body>'.encode(), 1)
                    self.send_response(404)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(body)
                    return
                super().send_error(code, message, explain)

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128  # the listen backlog: a burst of requests waits, not fails

        self.httpd = Server((host, port), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.url = f"http://{host}:{port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def serve_forever(root: str, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve until Ctrl-C."""
    server = StaticServer(Path(root), port, host)
    logging.getLogger(__name__).info("Serving %s/ at %s/ (Ctrl-C to stop)", root, server.url)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
