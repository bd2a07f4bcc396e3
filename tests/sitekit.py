"""Building fixture sites and reading what they output.

`build_site()` is the one way tests build: it copies a fixture site (a
content folder under tests/fixtures/) into a temporary folder, writes its
clinic.toml (the fixture clinic, tests/fixtures/clinic.toml, with the test's
changes), and builds it with the documented build (clinicsite.build) into
that folder with its own cache — never the repository's output or cache.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import shutil
import socket
import tempfile
import tomllib
from pathlib import Path
from urllib.parse import unquote, urlsplit

import tomli_w
from bs4 import BeautifulSoup

from clinicsite.build import build
from clinicsite.serve import StaticServer  # noqa: F401  (re-exported for tests and bench)

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
FIXTURE_CLINIC = tomllib.loads((FIXTURES / "clinic.toml").read_text(encoding="utf-8"))
REAL_CLINIC = tomllib.loads((REPO / "clinic.toml").read_text(encoding="utf-8"))
PUBLISH = str(REPO / "publishconf.py")
DEVELOP = str(REPO / "pelicanconf.py")
ORIGIN = "https://clinic.example.com"
TODAY = "2026-06-01"  # fixture builds judge review dates against this day

# Debian's Chromium with the flags it needs on a machine with no outside
# network (the browser tests, the search tests and bench/lighthouse.py).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


# One page of each type of the real site, by its path in the output.
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
    "services": "services/index.html",
    "service": "services/dry-needling/index.html",
    "practitioners": "practitioners/index.html",
    "location": "locations/exampletown/index.html",
    "accessibility": "accessibility/index.html",
    "privacy": "privacy/index.html",
    "feedback": "feedback/index.html",
    "search": "search/index.html",
    "404": "404.html",
}


class BuiltSite:
    """A built output folder and the origin its absolute URLs use."""

    def __init__(self, root: Path, origin: str, problems: list[str] | None = None, project: Path | None = None):
        self.root = Path(root).resolve()  # the release folder the output link points to
        self.origin = origin.rstrip("/")
        self.problems = problems or []
        self.project = project

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
            path = urlsplit(url[len(self.origin):]).path
        elif parts.path.startswith("/"):
            path = parts.path
        else:
            base = ("/" + page_rel).rsplit("/", 1)[0] + "/"
            path = base + parts.path if parts.path else "/" + page_rel
        path = unquote(path)
        target = (self.root / path.lstrip("/")).resolve()
        if path.endswith("/") or target.is_dir():
            target = target / "index.html"
        return target


def merge(base: dict, changes: dict) -> dict:
    """`base` with `changes` deep-merged in; a None value deletes the key."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


# Encoded image variants and drawn images of each fixture site, kept from its
# first build in this test session and copied into later projects' caches:
# they are functions of their inputs (keyed by them), and encoding AVIF costs
# seconds. Nothing else of a cache is shared.
_WARM = Path(tempfile.mkdtemp(prefix="clinicsite-warm-"))
WARM_PARTS = ("images", "assets")


def fixture_project(tmp: Path, site: str = "baseline", clinic: dict | None = None, extra_posts=(),
                    real: bool = False, warm: bool = True) -> Path:
    """A project folder in `tmp`: content/ (a copy of the fixture site, or of
    the real content with `real`), clinic.toml, safety/ and, with `warm`,
    the images already encoded for this fixture site in this session."""
    project = Path(tmp)
    source = _WARM / ("real" if real else site)
    if warm and source.is_dir():
        shutil.copytree(source, project / "cache", dirs_exist_ok=True)
    content = project / "content"
    shutil.copytree(REPO / "content" if real else FIXTURES / site, content)
    for post in extra_posts:
        shutil.copy(post, content / "posts" / Path(post).name)
    data = merge(REAL_CLINIC if real else FIXTURE_CLINIC, clinic or {})
    (project / "clinic.toml").write_bytes(tomli_w.dumps(data).encode())
    if not (project / "safety").exists():
        shutil.copytree(REPO / "safety", project / "safety")
    return project


def overrides(project: Path, **settings) -> dict:
    return {
        "PATH": str(project / "content"),
        "CACHE_PATH": str(project / "cache"),
        "CLINICSITE_CLINIC_FILE": str(project / "clinic.toml"),
        "CLINICSITE_SAFETY_PATH": str(project / "safety"),
        "CLINICSITE_TODAY": TODAY,
        # Readability loads a large dictionary (~3 s a build); the report's tests turn it on.
        "CLINICSITE_READABILITY": False,
        **settings,
    }


def build_site(tmp: Path, site: str = "baseline", *, settings: str = PUBLISH, clinic: dict | None = None,
               extra_posts=(), real: bool = False, expect_ok: bool = True, **override) -> BuiltSite:
    """Build a fixture site (see the module's doc); with `expect_ok`, fail the
    test if the build logged any problem."""
    project = fixture_project(Path(tmp), site, clinic, extra_posts, real)
    if real:
        override.setdefault("CLINICSITE_TODAY", None)
    override.setdefault("SITEURL", ORIGIN if settings == PUBLISH else "")
    result = build(settings, project / "output", overrides(project, **override))
    if expect_ok:
        assert result.ok, "build logged problems:\n" + "\n".join(result.problems)
    keep = _WARM / ("real" if real else site)
    if result.ok and not keep.exists():
        for part in WARM_PARTS:
            if (project / "cache" / part).is_dir():
                shutil.copytree(project / "cache" / part, keep / part)
    return BuiltSite(result.output, override["SITEURL"] or "", result.problems, project)


def posts_of(built: BuiltSite) -> list[dict]:
    """The published posts' front matter, read from the built project's
    Markdown files — the expectation the pages are checked against."""
    import datetime as dt

    import yaml
    from pelican.settings import DEFAULT_CONFIG
    from pelican.utils import get_date, slugify

    posts = []
    for path in sorted((built.project / "content" / "posts").glob("*.md")):
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---", 2)[1])
        if meta.get("status", "published") != "published":
            continue
        date = meta["date"]
        date = get_date(date) if isinstance(date, str) else date
        if not isinstance(date, dt.datetime):
            date = dt.datetime.combine(date, dt.time())
        meta.update(file=path.name, date=date, slug=meta.get("slug") or slugify(meta["title"], regex_subs=DEFAULT_CONFIG["SLUG_REGEX_SUBSTITUTIONS"]))
        posts.append(meta)
    return posts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def text(el) -> str:
    """An element's text with whitespace collapsed, as a reader sees it."""
    return " ".join(el.get_text(" ").split())


def digest(root: Path) -> dict[str, str]:
    """sha256 of every file below `root`, by relative path."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(Path(root).rglob("*"))
        if p.is_file()
    }
