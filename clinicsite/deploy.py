"""Production serving: the security headers (with a Content-Security-Policy
computed from the built pages), the `_headers` file for Netlify and
Cloudflare Pages, the nginx config rendered from deploy/nginx.conf, and
`postprocess()`, which turns a finished production build into what is
published: fingerprinted images, `_headers`, precompressed .gz/.br files.

    python -m clinicsite.deploy postprocess --output DIR [--settings publishconf.py]
    python -m clinicsite.deploy nginx --site DIR --root /srv/clinic --port 8080 > clinic.conf
    python -m clinicsite.deploy headers --output DIR
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import logging
import os
import posixpath
import re
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from . import fingerprint as fp
from .precompress import Stats, precompress

logger = logging.getLogger(__name__)

TEMPLATE = Path(__file__).resolve().parents[1] / "deploy" / "nginx.conf"
BROTLI_MODULE = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so"

HSTS = "max-age=63072000; includeSubDomains"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


# --- What the pages need from the CSP -------------------------------------


def _csp_text(text: str) -> bytes:
    # Browsers hash the element's text after HTML input normalisation.
    return text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")


def _sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(_csp_text(text)).digest()).decode() + "'"


class _PageScan(HTMLParser):
    """Inline <style> contents and what a strict CSP would block."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.styles: list[str] = []
        self.problems: list[str] = []
        self._in: str | None = None
        self._buf: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"inline event handler {name}= on <{tag}>")
            if name == "style":
                self.problems.append(f"style= attribute on <{tag}> (needs 'unsafe-inline')")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"javascript: URL in <{tag} {name}>")
        if tag == "style":
            self._in, self._buf = "style", []
        elif tag == "script" and "src" not in a:
            if (a.get("type") or "").strip().lower() != "application/ld+json":
                self.problems.append(f"inline <script type={a.get('type')!r}> (only JSON-LD may be inline)")
            self._in, self._buf = "script", []

    def handle_data(self, data):
        if self._in:
            self._buf.append(data)

    def handle_entityref(self, name):  # raw text elements never get here
        if self._in:
            self._buf.append(f"&{name};")

    def handle_charref(self, name):
        if self._in:
            self._buf.append(f"&#{name};")

    def handle_endtag(self, tag):
        if tag == self._in:
            if tag == "style":
                self.styles.append("".join(self._buf))
            self._in = None


@dataclass
class PageScan:
    """What the pages need from the CSP (their inline styles' hashes) and
    what it would block, page by page: a page scanned again replaces its
    earlier scan."""

    _pages: dict[str, tuple[frozenset[str], tuple[str, ...]]] = field(default_factory=dict, repr=False)

    @property
    def style_hashes(self) -> list[str]:
        return sorted({h for hashes, _ in self._pages.values() for h in hashes})

    @property
    def problems(self) -> list[str]:  # "file: what"
        return [f"{rel}: {p}" for rel in sorted(self._pages) for p in self._pages[rel][1]]

    def add(self, rel: str, text: str) -> None:
        """Scan one HTML page (`rel`: its path in the output)."""
        self.put(rel, scan_page(text))

    def put(self, rel: str, scanned: tuple[frozenset[str], tuple[str, ...]]) -> None:
        """Record what scan_page() found in `rel` (maybe in another process)."""
        self._pages[rel] = scanned


def scan_page(text: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """One HTML page's inline style hashes and what the CSP would block."""
    if not _suspect(text):
        return frozenset(_sha256_source(s) for s in _STYLE.findall(text)), ()
    parser = _PageScan()
    parser.feed(text)
    parser.close()
    return frozenset(_sha256_source(s) for s in parser.styles), tuple(parser.problems)


# Anything _PageScan could object to. Pages without a match (all of ours)
# skip the full parse: Python's HTMLParser costs ~10 ms a page. Searched in
# the page's lower-cased UTF-8 bytes (ASCII lowering, twice as fast as
# str.lower() on text with non-ASCII characters; HTML's attribute
# separators are ASCII whitespace) with patterns that start with a literal,
# which the regex engine finds fast (one case-insensitive pattern with a
# leading \s tried every position: 1.4 s over 1,000 posts, now 0.2 s).
_HANDLERS = (re.compile(rb"on[a-z]+\s*="), re.compile(rb"style\s*="))
_INLINE_SCRIPT = re.compile(rb"""<script\b(?![^>]*\ssrc=)(?![^>]*type=["']?application/ld\+json)""")
_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)


def _suspect(text: str) -> bool:
    low = text.encode("utf-8").lower()
    if b"javascript:" in low or _INLINE_SCRIPT.search(low):
        return True
    # An attribute: the name follows whitespace.
    return any(m.start() and low[m.start() - 1 : m.start()].isspace() for rx in _HANDLERS for m in rx.finditer(low))


def scan_pages(output_dir: str | os.PathLike) -> PageScan:
    output_dir = Path(output_dir)
    result = PageScan()
    for path in sorted(output_dir.rglob("*.html")):
        result.add(path.relative_to(output_dir).as_posix(), path.read_text(encoding="utf-8"))
    return result


def uses_search(output_dir: str | os.PathLike) -> bool:
    """Pagefind's bundle is in the output (clinicsite/search.py)."""
    return (Path(output_dir) / "pagefind" / "pagefind.js").is_file()


def content_security_policy(output_dir: str | os.PathLike, scan: PageScan | None = None) -> str:
    """default-src 'none' plus exactly what the built pages use.

    With site search, Pagefind (in the page and in its worker, which gets
    this policy from its own response) fetches its index from our origin
    (connect-src 'self') and compiles WebAssembly ('wasm-unsafe-eval', which
    allows no JavaScript eval)."""
    scan = scan or scan_pages(output_dir)
    search = uses_search(output_dir)
    directives = [
        ("default-src", ["'none'"]),
        ("script-src", ["'self'", "'wasm-unsafe-eval'"] if search else ["'self'"]),
        *([("connect-src", ["'self'"])] if search else []),
        ("style-src", scan.style_hashes or ["'none'"]),
        ("img-src", ["'self'"]),
        ("manifest-src", ["'self'"]),
        ("object-src", ["'none'"]),
        ("base-uri", ["'self'"]),
        ("form-action", ["'self'"]),
        ("frame-ancestors", ["'none'"]),
    ]
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives)


def security_headers(output_dir: str | os.PathLike, scan: PageScan | None = None) -> dict[str, str]:
    """The headers every response carries (in this order)."""
    return {
        "Content-Security-Policy": content_security_policy(output_dir, scan),
        "Strict-Transport-Security": HSTS,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": PERMISSIONS_POLICY,
        "Cross-Origin-Opener-Policy": "same-origin",
    }


# --- _headers (Netlify, Cloudflare Pages) ---------------------------------


def _immutable_paths(output_dir: Path) -> list[str]:
    """URL patterns for the fingerprinted files: `/dir/*` for a folder that
    holds nothing else, the file's own path otherwise (both hosts merge
    matching rules, and cap how many there may be)."""
    # Paths as strings from os.walk: pathlib's rglob, hashing and parents
    # cost ~0.6 s over the 7,000 files of a 1,000-post site.
    files: list[str] = []
    for folder, _, names in os.walk(output_dir):
        rel = Path(folder).relative_to(output_dir).as_posix()
        prefix = "" if rel == "." else rel + "/"
        files += [prefix + name for name in names if prefix or name != "_headers"]
    fixed = {rel for rel in files if fp.NAME_RE.match(posixpath.basename(rel)) and fp.is_fingerprinted(output_dir / rel)}

    def covered(rel: str) -> bool:
        if rel in fixed:
            return True
        return rel.endswith((".gz", ".br")) and rel[:-3] in fixed

    # Folders holding anything not fingerprinted, found in one pass (an
    # rglob per file and ancestor grew with n²: 20 s at 1,000 posts).
    impure: set[str] = set()
    for rel in files:
        if not covered(rel):
            folder = posixpath.dirname(rel)
            while folder and folder not in impure:
                impure.add(folder)
                folder = posixpath.dirname(folder)
    patterns: set[str] = set()
    for rel in fixed:
        # The highest folder below the root that holds only fingerprinted files.
        best = None
        folder = posixpath.dirname(rel)
        while folder and folder not in impure:
            best = folder
            folder = posixpath.dirname(folder)
        patterns.add(f"/{best}/*" if best is not None else f"/{rel}")
    return sorted(patterns)


def headers_file(output_dir: str | os.PathLike, scan: PageScan | None = None) -> str:
    output_dir = Path(output_dir)
    lines = [
        "# Generated by clinicsite.deploy.write_headers: the same headers as deploy/nginx.conf.",
        "# No Cache-Control under /*: hosts merge every matching rule, and their default",
        "# for everything else (max-age=0, must-revalidate) is the short caching pages need.",
        "/*",
    ]
    lines += [f"  {name}: {value}" for name, value in security_headers(output_dir, scan).items()]
    for pattern in _immutable_paths(output_dir):
        lines += ["", pattern, f"  Cache-Control: {IMMUTABLE}"]
    return "\n".join(lines) + "\n"


def write_headers(output_dir: str | os.PathLike, scan: PageScan | None = None) -> Path:
    """Write `<output_dir>/_headers`; return its path."""
    path = Path(output_dir) / "_headers"
    path.write_text(headers_file(output_dir, scan), encoding="utf-8")
    return path


# --- nginx ------------------------------------------------------------------


def _quote(value: str) -> str:
    if '"' in value or "\\" in value or "$" in value:
        raise ValueError(f"nginx config: cannot quote {value!r}")
    return f'"{value}"'


def render_nginx_conf(
    root: str | os.PathLike,
    port: int,
    *,
    host: str = "127.0.0.1",
    site_dir: str | os.PathLike | None = None,
    server_name: str = "_",
    user: str | None = None,
    temp_dir: str | os.PathLike | None = None,
    access_log: str = "off",
    brotli_module: str = BROTLI_MODULE,
) -> str:
    """deploy/nginx.conf filled in for serving `root` on host:port.

    The CSP's style hashes come from the built pages in `site_dir` (default:
    `root`), so render it again whenever the stylesheet changed. `user` is
    the worker user (needed when the master runs as root and `root` is not
    readable by nobody); `temp_dir` holds nginx's temporary files (default:
    the compiled-in paths); `access_log` is off by default: the visits of a
    clinic's pages about medical conditions are sensitive."""
    site_dir = Path(site_dir or root)
    scan = scan_pages(site_dir)
    headers = security_headers(site_dir, scan)
    header_lines = "\n".join(
        f"        add_header {name} {_quote(value)} always;" for name, value in headers.items()
    )
    temp_lines = ""
    if temp_dir is not None:
        temp_lines = "\n".join(
            f"    {kind}_temp_path {_quote(str(Path(temp_dir) / kind))};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
    values = {
        "USER": f"user {user};" if user else "# user: the compiled-in default",
        "BROTLI_MODULE": _quote(brotli_module),
        "ACCESS_LOG": access_log if access_log == "off" else _quote(access_log),
        "TEMP_PATHS": temp_lines or "    # temp paths: the compiled-in defaults",
        "LISTEN": f"{host}:{int(port)}",
        "SERVER_NAME": server_name,
        "ROOT": _quote(str(Path(root).resolve())),
        "SECURITY_HEADERS": header_lines,
        "IMMUTABLE": _quote(IMMUTABLE),
        "REVALIDATE": _quote(REVALIDATE),
        # A map key is a regex, not interpolated: only the quote must not occur.
        "FINGERPRINT_RE": f'"~{fp.URL_SUFFIX_RE}"',
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    left = re.findall(r"@@[A-Z_]+@@", text)
    if left:
        raise ValueError(f"{TEMPLATE}: unfilled placeholders {sorted(set(left))}")
    return text


# --- The whole step -----------------------------------------------------------


@dataclass
class PostprocessResult:
    fingerprint: fp.FingerprintResult
    headers: Path
    precompress: Stats
    problems: list[str] = field(default_factory=list)


def _visit_page(rel: str, text: str):
    """What postprocess needs from each page's final text: its CSP scan and,
    if Pagefind indexes it, the key of its bytes."""
    from . import search as site_search

    if rel.endswith(".html"):
        return scan_page(text), site_search.page_digest(text)
    return None


def postprocess(
    output_dir: str | os.PathLike,
    cache_dir: str | os.PathLike,
    origin: str | None = None,
    search: bool = False,
    search_parts: int = 1,
    processes: int | None = None,
) -> PostprocessResult:
    """Turn a finished production build into what is published, in order:

    1. fingerprint the images and rewrite their references (changes HTML),
       scanning each final page for the CSP as it goes, the files shared
       between `processes` (None: both cores; parallel.fork_map);
    2. with `search`, index the final HTML in `search_parts` parts
       (clinicsite/search.py: Pagefind in its own process, on the other
       core, or the cached parts) and meanwhile precompress everything else;
    3. precompress Pagefind's bundle once it is written;
    4. write `_headers` (CSP hashes from the final HTML, the renamed files).

    Compressed files are cached in `cache_dir`/precompress. Idempotent.
    Problems are logged as warnings — inside the atomic build they fail
    it — and returned."""
    from . import search as site_search

    output_dir = Path(output_dir)
    cache = Path(cache_dir) / "precompress"
    fingerprinted = fp.fingerprint(output_dir, origin, visit=_visit_page, processes=processes)
    scan = PageScan()  # each page's final text, scanned by the fingerprint step
    indexed_pages = {}  # the pages Pagefind indexes, with the sha256 of their bytes
    for rel, seen in fingerprinted.visited.items():
        if seen is not None:
            scan.put(rel, seen[0])
            if seen[1]:
                indexed_pages[rel] = seen[1]
    problems = list(fingerprinted.problems)
    indexing = (
        site_search.Indexing(output_dir, cache_dir, indexed_pages, search_parts).start() if search else None
    )
    try:
        stats = precompress(output_dir, cache, skip=(site_search.BUNDLE,) if search else ())
    finally:
        indexed = indexing.finish() if indexing else True
    if not indexed:
        problems.append("the search index failed (see above)")
    elif search:
        stats += precompress(output_dir / site_search.BUNDLE, cache)
    for problem in scan.problems:
        logger.warning("postprocess: %s: blocked by the Content-Security-Policy in production", problem)
    headers = write_headers(output_dir, scan)
    return PostprocessResult(fingerprinted, headers, stats, problems + scan.problems)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    post = sub.add_parser("postprocess", help="fingerprint, _headers and precompress a finished build")
    post.add_argument("--output", required=True)
    post.add_argument("--settings", help="read CACHE_PATH and SITEURL from these Pelican settings")
    post.add_argument("--cache", help="cache folder (default: the settings' CACHE_PATH)")
    post.add_argument("--origin", help="the site's SITEURL (default: the settings', or the home page's canonical)")
    conf = sub.add_parser("nginx", help="print the nginx config for a built site")
    conf.add_argument("--site", default="output", help="the built output (for the CSP hashes)")
    conf.add_argument("--root", help="where nginx serves it from (default: --site)")
    conf.add_argument("--port", type=int, default=8080)
    conf.add_argument("--host", default="127.0.0.1")
    conf.add_argument("--server-name", default="_")
    conf.add_argument("--user")
    conf.add_argument("--temp-dir")
    conf.add_argument("--access-log", default="off")
    head = sub.add_parser("headers", help="write <output>/_headers")
    head.add_argument("--output", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    if args.command == "nginx":
        sys.stdout.write(
            render_nginx_conf(
                args.root or args.site,
                args.port,
                host=args.host,
                site_dir=args.site,
                server_name=args.server_name,
                user=args.user,
                temp_dir=args.temp_dir,
                access_log=args.access_log,
            )
        )
        return 0
    if args.command == "headers":
        write_headers(args.output)
        return 0
    cache, origin = args.cache, args.origin
    if args.settings:
        from pelican.settings import read_settings

        settings = read_settings(args.settings)
        cache = cache or settings["CACHE_PATH"]
        origin = origin or settings["SITEURL"] or None
    if not cache:
        parser.error("postprocess: pass --cache or --settings")
    result = postprocess(args.output, cache, origin)
    if result.problems:
        logger.error("postprocess: %d problem(s), see above", len(result.problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
