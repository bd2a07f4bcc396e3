"""Helpers for tests over a built site: parse pages, map URLs to files."""

from __future__ import annotations

import functools
import socket
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup

from clinicsite.serve import StaticServer  # noqa: F401  (re-exported for tests and bench)

REPO = Path(__file__).resolve().parents[1]
ORIGIN = "https://clinic.example.com"

# Debian's Chromium with the flags it needs on a machine with no outside
# network (the browser tests, the search tests and bench/lighthouse.py).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

# One page of each type, by its path in the output.
PAGE_TYPES = {
    "home": "index.html",
    "post": "posts/how-dry-needling-can-help-sciatica/index.html",
    "post-with-table": "posts/sciatica-treatments-compared/index.html",
    "post-with-image": "posts/piriformis-syndrome-explained/index.html",
    "author": "authors/byron-lam/index.html",
    "authors": "authors/index.html",
    "topic": "topics/sciatica/index.html",
    "topics": "topics/index.html",
    "archives": "archives/index.html",
    "category": "category/guides/index.html",
    "book": "book/index.html",
    "search": "search/index.html",
    "404": "404.html",
}


class BuiltSite:
    """A built output folder and the origin its absolute URLs use."""

    def __init__(self, root: Path, origin: str):
        self.root = Path(root)
        self.origin = origin.rstrip("/")

    def html_files(self) -> list[Path]:
        return sorted(self.root.rglob("*.html"))

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    @functools.lru_cache(maxsize=None)
    def soup(self, rel: str) -> BeautifulSoup:
        return BeautifulSoup((self.root / rel).read_text(encoding="utf-8"), "lxml")

    def url_of(self, rel: str) -> str:
        return f"{self.origin}/{rel.removesuffix('index.html')}"

    def file_for(self, url: str, page_rel: str = "") -> Path | None:
        """The output file a link resolves to, or None for external links."""
        parts = urlsplit(url)
        if parts.scheme in ("mailto", "tel"):
            return None
        if parts.scheme or parts.netloc:
            if not url.startswith(self.origin + "/") and url != self.origin:
                return None
            path = url[len(self.origin):]
            path = urlsplit(path).path
        elif parts.path.startswith("/"):
            path = parts.path
        else:
            base = "/" + page_rel
            base = base.rsplit("/", 1)[0] + "/"
            path = base + parts.path if parts.path else "/" + page_rel
        path = unquote(path)
        target = (self.root / path.lstrip("/")).resolve()
        if path.endswith("/") or target.is_dir():
            target = target / "index.html"
        return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def content_posts(folder: Path = REPO / "content" / "posts") -> list[dict]:
    """The posts' front matter, read straight from the Markdown files — the
    expectation the built pages are checked against."""
    import yaml

    posts = []
    for path in sorted(folder.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        meta = yaml.safe_load(text.split("---", 2)[1])
        meta["file"] = path.name
        if meta.get("status", "published") == "published":
            posts.append(meta)
    return posts


def text(el) -> str:
    """An element's text with whitespace collapsed, as a reader sees it."""
    return " ".join(el.get_text(" ").split())


def digest(root: Path) -> dict[str, str]:
    """sha256 of every file below `root`, by relative path."""
    import hashlib

    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(Path(root).rglob("*"))
        if p.is_file()
    }
