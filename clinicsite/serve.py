"""Serve a built site over HTTP on 127.0.0.1, with the theme's 404 page for
unknown paths — the local preview (`invoke serve`) and the tests' server."""

from __future__ import annotations

import http.server
import logging
import threading
from pathlib import Path


class StaticServer:
    """The output served over real HTTP on 127.0.0.1, with the 404 page."""

    def __init__(self, root: Path, port: int, host: str = "127.0.0.1"):
        root = str(root)

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=root, **kw)

            def log_message(self, *args):
                pass

            def send_error(self, code, message=None, explain=None):
                page = Path(root) / "404.html"
                if code == 404 and page.exists():
                    body = page.read_bytes()
                    self.send_response(404)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(body)
                    return
                super().send_error(code, message, explain)

        self.httpd = http.server.ThreadingHTTPServer((host, port), Handler)
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
