"""Production serving: Debian's nginx, with the config rendered from
deploy/nginx.conf (clinicsite.deploy.nginx.render), serving a production
build of the real content whose SITEURL is that nginx's origin on 127.0.0.1.

Checked over real HTTP: every sitemap URL and every file answers 200 with
the build's headers (_nginx.conf); unknown paths, the build's header files
and dotfiles answer 404 with the theme's page, /.well-known/ is served;
methods other than GET and HEAD answer 405 with Allow and every header;
gzip and brotli clients get the precompressed files; fingerprinted files are
cached for a year and nothing else is; content types; every URL a page
names resolves; and Chromium loads the pages with no CSP violation and no
request to another origin. What the headers files hold: test_headers.py.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import json
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import brotli
import pytest
from bs4 import BeautifulSoup
from nginxkit import SECURITY_TXT, VIOLATIONS_JS, Nginx, Response, Tab, worker_user
from sitekit import ORIGIN, BuiltSite, build_site, free_port

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
FINGERPRINT = re.compile(r"\.([0-9a-f]{10})\.[A-Za-z0-9]+$")
REQUIRED = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
PERMISSIONS = ("camera=()", "microphone=()", "geolocation=()", "payment=()")
COMPRESSED = (".gz", ".br")
# Files in the served tree that are not content: never served.
HIDDEN = {".env": b"SECRET=1\n", ".git/config": b"[core]\n", ".well-known/.htpasswd": b"x:y\n"}


@dataclass
class Served:
    site: BuiltSite
    nginx: Nginx

    def fetch(self, path: str, method: str = "GET", body: bytes | None = None, **headers: str) -> Response:
        return self.nginx.fetch(path, method, body, **headers)

    def files(self) -> list[str]:
        """Every content file's URL path: not the .gz/.br siblings, the
        build's header files or the dotfiles (checked on their own)."""
        return [
            "/" + self.site.rel(p)
            for p in sorted(self.site.root.rglob("*"))
            if p.is_file() and p.suffix not in COMPRESSED and p.name not in ("_headers", "_nginx.conf")
            and not any(part.startswith(".") for part in p.relative_to(self.site.root).parts)
        ]

    @functools.cached_property
    def headers(self) -> dict[str, str]:
        """The build's headers for every response (its _nginx.conf)."""
        text = (self.site.root / "_nginx.conf").read_text(encoding="utf-8")
        found = dict(re.findall(r'(?m)^add_header ([A-Za-z-]+) "([^"]*)" always;$', text))
        assert "Content-Security-Policy" in found, f"_nginx.conf has no CSP line:\n{text}"
        return found


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The real content built for nginx's origin, plus what an operator might
    leave in the served folder (.well-known/security.txt, dotfiles), served."""
    tmp = tmp_path_factory.mktemp("nginx")
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    with pytest.MonkeyPatch.context() as mp:
        # As `SITEURL=… invoke publish` sets it: publishconf.py derives
        # FEED_DOMAIN from the environment's SITEURL when it is read.
        mp.setenv("SITEURL", origin)
        site = build_site(tmp / "project", real=True, SITEURL=origin)
    for rel, data in {".well-known/security.txt": SECURITY_TXT, **HIDDEN}.items():
        (site.root / rel).parent.mkdir(parents=True, exist_ok=True)
        (site.root / rel).write_bytes(data)
    with Nginx(site.root, port, tmp / "nginx", user=worker_user()) as nginx:
        yield Served(site, nginx)


# --- Checking a response ------------------------------------------------------------------


def style_hashes(html: bytes) -> set[str]:
    """The CSP hash sources of a page's <style> elements, as a browser computes them."""
    return {
        "'sha256-" + base64.b64encode(hashlib.sha256("".join(s.strings).encode()).digest()).decode() + "'"
        for s in BeautifulSoup(html, "html.parser").find_all("style")
    }


def header_problems(served: Served, resp: Response) -> list[str]:
    """Every header the build wants, once, with its value; the required ones
    (whatever the build wants); no cookie; for an uncompressed page, a CSP
    that allows its inline styles."""
    problems = []
    for name, value in served.headers.items():
        got = resp.headers.get_all(name) or []
        if got != [value]:
            problems.append(f"{resp.url}: {name} is {got}, expected [{value!r}]")
    for name, value in REQUIRED.items():
        if resp.header(name) != value:
            problems.append(f"{resp.url}: {name} is {resp.header(name)!r}, expected {value!r}")
    features = {f.strip() for f in (resp.header("Permissions-Policy") or "").split(",")}
    if not features.issuperset(PERMISSIONS):
        problems.append(f"{resp.url}: Permissions-Policy {resp.header('Permissions-Policy')!r} lacks {PERMISSIONS}")
    csp = resp.headers.get_all("Content-Security-Policy") or []
    if len(csp) != 1:
        problems.append(f"{resp.url}: {len(csp)} Content-Security-Policy headers, expected 1")
    elif (resp.header("Content-Type") or "").startswith("text/html") and not resp.header("Content-Encoding"):
        style_src = re.search(r"style-src([^;]*)", csp[0])
        blocked = style_hashes(resp.body) - set(style_src[1].split() if style_src else ())
        if blocked:
            problems.append(f"{resp.url}: the CSP's style-src blocks the page's <style> {sorted(blocked)}")
    if resp.headers.get_all("Set-Cookie"):
        problems.append(f"{resp.url}: Set-Cookie {resp.headers.get_all('Set-Cookie')}")
    return problems


def is_fingerprinted(served: Served, path: str) -> bool:
    match = FINGERPRINT.search(path)
    data = served.site.root / path.lstrip("/")
    return bool(match) and data.is_file() and hashlib.sha256(data.read_bytes()).hexdigest()[:10] == match[1]


def sitemap_paths(served: Served) -> list[str]:
    locs = re.findall(r"<loc>([^<]+)</loc>", (served.site.root / "sitemap.xml").read_text(encoding="utf-8"))
    assert locs, "sitemap.xml lists no URL"
    foreign = [loc for loc in locs if not loc.startswith(served.nginx.origin + "/")]
    assert not foreign, f"sitemap.xml lists URLs off the site's origin: {foreign}"
    return [urlsplit(loc).path for loc in locs]


# --- Every URL, every file ------------------------------------------------------------------


def test_every_sitemap_url_answers_200_with_every_header(served):
    problems = []
    for path in sitemap_paths(served):
        resp = served.fetch(path, Accept_Encoding="identity")
        if resp.status != 200:
            problems.append(f"{resp.url}: status {resp.status}")
            continue
        problems += header_problems(served, resp)
        if resp.header("Cache-Control") != REVALIDATE:
            problems.append(f"{resp.url}: Cache-Control {resp.header('Cache-Control')!r}, expected {REVALIDATE!r}")
        if resp.header("Content-Type") != "text/html; charset=utf-8":
            problems.append(f"{resp.url}: Content-Type {resp.header('Content-Type')!r}")
    assert not problems, "\n".join(problems)


def test_every_file_answers_200_with_every_header_and_its_caching(served):
    """Images, feeds, the manifest, Pagefind's index: not only pages carry the
    headers. Fingerprinted files are cached for a year, the rest revalidated."""
    problems = []
    immutable = 0
    for path in served.files():
        resp = served.fetch(path, "HEAD")
        if resp.status != 200:
            problems.append(f"{resp.url}: status {resp.status}")
            continue
        problems += header_problems(served, resp)
        expected = IMMUTABLE if is_fingerprinted(served, path) else REVALIDATE
        immutable += expected == IMMUTABLE
        if resp.headers.get_all("Cache-Control") != [expected]:
            problems.append(f"{resp.url}: Cache-Control {resp.headers.get_all('Cache-Control')}, expected [{expected!r}]")
    assert immutable >= 10, f"only {immutable} fingerprinted files"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "path",
    [
        "/no-such-page/",
        "/posts/no-such-post/",
        "/feeds/",  # a folder without index.html
        "/x.png",
        "/social/missing.0123456789.png",  # looks fingerprinted: a 404 must not be cached for a year
        "/_headers",
        "/_nginx.conf",
        *["/" + rel for rel in HIDDEN],
    ],
)
def test_unknown_or_hidden_path_answers_404_with_the_theme_page(served, path):
    resp = served.fetch(path, Accept_Encoding="identity")
    assert resp.status == 404, f"{resp.url}: status {resp.status}, expected 404"
    assert resp.body == (served.site.root / "404.html").read_bytes(), f"{resp.url}: the body is not 404.html"
    assert not header_problems(served, resp), "\n".join(header_problems(served, resp))
    assert resp.header("Cache-Control") == REVALIDATE, f"{resp.url}: Cache-Control {resp.header('Cache-Control')!r}"


def test_the_404_page_is_precompressed_too(served):
    resp = served.fetch("/no-such-page/", Accept_Encoding="br")
    assert (resp.status, resp.header("Content-Encoding")) == (404, "br")
    assert brotli.decompress(resp.body) == (served.site.root / "404.html").read_bytes()


def test_a_folder_without_slash_redirects_relatively(served):
    resp = served.fetch("/book")
    assert (resp.status, resp.header("Location")) == (301, "/book/")
    assert not header_problems(served, resp), "\n".join(header_problems(served, resp))


def test_well_known_is_served_but_other_dotfiles_are_not(served):
    resp = served.fetch("/.well-known/security.txt")
    assert resp.status == 200, f"{resp.url}: status {resp.status}"
    assert resp.body == SECURITY_TXT
    assert resp.header("Content-Type") == "text/plain; charset=utf-8"
    assert not header_problems(served, resp), "\n".join(header_problems(served, resp))
    for path in HIDDEN:  # also one inside .well-known
        assert served.fetch("/" + path).status == 404, f"/{path} is served"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_other_methods_answer_405_with_allow_and_every_header(served, method):
    post = next(p for p in sitemap_paths(served) if p.startswith("/posts/") and p != "/posts/")
    for path in ("/", post, "/no-such-page/"):
        resp = served.fetch(path, method, body=b"name=value", Content_Type="application/x-www-form-urlencoded")
        assert resp.status == 405, f"{method} {resp.url}: status {resp.status}, expected 405"
        assert resp.headers.get_all("Allow") == ["GET, HEAD"], f"{method} {resp.url}: Allow {resp.headers.get_all('Allow')}"
        assert not header_problems(served, resp), "\n".join(header_problems(served, resp))
    get = served.fetch("/")
    assert get.status == 200 and get.header("Allow") is None, "a GET answer carries Allow"


# --- Precompressed files ------------------------------------------------------------------


DECOMPRESS = {"gzip": gzip.decompress, "br": brotli.decompress}


@pytest.mark.parametrize("encoding, suffix", [("gzip", ".gz"), ("br", ".br")])
def test_clients_get_the_precompressed_file(served, encoding, suffix):
    problems, sent = [], 0
    for path in served.files():
        sibling = served.site.root / (path.lstrip("/") + suffix)
        resp = served.fetch(path, Accept_Encoding=encoding)
        if not sibling.exists():
            if resp.header("Content-Encoding"):
                problems.append(f"{resp.url}: Content-Encoding {resp.header('Content-Encoding')} without a {suffix} file")
            continue
        sent += 1
        if resp.status != 200 or resp.header("Content-Encoding") != encoding:
            problems.append(f"{resp.url}: status {resp.status}, Content-Encoding {resp.header('Content-Encoding')!r}")
        elif resp.body != sibling.read_bytes():
            problems.append(f"{resp.url}: the body is not {path}{suffix}")
        elif DECOMPRESS[encoding](resp.body) != (served.site.root / path.lstrip("/")).read_bytes():
            problems.append(f"{resp.url}: {path}{suffix} does not decompress to {path}")
        if "accept-encoding" not in (resp.header("Vary") or "").lower():
            problems.append(f"{resp.url}: Vary {resp.header('Vary')!r} lacks Accept-Encoding")
        problems += header_problems(served, resp)
    assert sent >= 20, f"only {sent} precompressed files"
    assert not problems, "\n".join(problems)


def test_identity_clients_get_the_file(served):
    problems = []
    for path in served.files():
        if not (served.site.root / (path.lstrip("/") + ".gz")).exists():
            continue
        resp = served.fetch(path.removesuffix("index.html"), Accept_Encoding="identity")
        if resp.header("Content-Encoding") is not None:
            problems.append(f"{resp.url}: Content-Encoding {resp.header('Content-Encoding')}")
        elif resp.body != (served.site.root / path.lstrip("/")).read_bytes():
            problems.append(f"{resp.url}: the body is not {path}")
    assert not problems, "\n".join(problems)


# --- Content types ---------------------------------------------------------------------------

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml; charset=utf-8",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
    ".webmanifest": "application/manifest+json; charset=utf-8",
    ".atom.xml": "application/atom+xml; charset=utf-8",
    ".rss.xml": "application/rss+xml; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",  # sitemap.xml
}


def test_content_types(served):
    # The stylesheet is inlined, so the build has no .css: serve one to check.
    probe = served.site.root / "probe.css"
    probe.write_text("p{color:red}", encoding="utf-8")
    try:
        problems, seen = [], set()
        for path in [*served.files(), "/probe.css"]:
            suffix = next((s for s in TYPES if path.endswith(s)), None)
            if suffix is None:
                continue  # Pagefind's index parts (application/octet-stream)
            seen.add(suffix)
            resp = served.fetch(path, "HEAD")
            if resp.header("Content-Type") != TYPES[suffix]:
                problems.append(f"{resp.url}: Content-Type {resp.header('Content-Type')!r}, expected {TYPES[suffix]!r}")
    finally:
        probe.unlink()
    assert seen == TYPES.keys(), f"the build has no file ending in {sorted(TYPES.keys() - seen)}"
    assert not problems, "\n".join(problems)


# --- References --------------------------------------------------------------------------------


def referenced_urls(served: Served) -> dict[str, str]:
    """Every URL on our origin that a page names (href, src, srcset, meta
    content such as og:image, JSON-LD) or the manifest does: {url: where}."""
    origin = served.nginx.origin
    urls: dict[str, str] = {}

    def add(value: str, base: str, where: str):
        url = urljoin(base, value.strip()).split("#")[0]
        if url.startswith(origin + "/") or url == origin:
            urls.setdefault(url, where)
        elif url.startswith(ORIGIN):
            urls.setdefault(url, where)  # the placeholder origin: flagged below

    def walk(node, base: str, where: str):
        if isinstance(node, dict):
            for value in node.values():
                walk(value, base, where)
        elif isinstance(node, list):
            for value in node:
                walk(value, base, where)
        elif isinstance(node, str) and node.startswith(("http://", "https://")):
            add(node, base, where)

    for page in served.site.html_files():
        rel = served.site.rel(page)
        base = f"{origin}/{rel}"
        soup = served.site.soup(rel)
        for tag in soup.find_all(True):
            for attr in ("href", "src", "content"):
                value = tag.get(attr)
                if isinstance(value, str) and (attr != "content" or value.startswith(("http://", "https://", "/"))):
                    if not value.startswith(("mailto:", "tel:")):
                        add(value, base, rel)
            for attr in ("srcset", "imagesrcset"):
                for candidate in (tag.get(attr) or "").split(","):
                    if candidate.strip():
                        add(candidate.split()[0], base, rel)
        for script in soup.find_all("script", type="application/ld+json"):
            walk(json.loads(script.string), base, rel + " (JSON-LD)")
    manifests = sorted(served.site.root.glob("manifest*.webmanifest"))
    assert manifests, "the build has no web app manifest"
    for manifest in manifests:
        walk(json.loads(manifest.read_text(encoding="utf-8")), f"{origin}/", served.site.rel(manifest))
    return urls


def test_every_url_a_page_names_resolves(served):
    urls = referenced_urls(served)
    foreign = sorted(f"{where}: {url}" for url, where in urls.items() if not url.startswith(served.nginx.origin))
    assert not foreign, f"pages name the placeholder origin {ORIGIN}, not the site's:\n" + "\n".join(foreign)
    names = "\n".join(urls)
    for kind in (r"/social/_site\.[0-9a-f]{10}\.png", r"/favicon\.[0-9a-f]{10}\.svg", r"/icon-512\.[0-9a-f]{10}\.png",
                 r"/manifest\.[0-9a-f]{10}\.webmanifest", r"/feeds/all\.atom\.xml"):
        assert re.search(kind + "$", names, re.M), f"no page names {kind}"
    bad = []
    for url, where in sorted(urls.items()):
        resp = served.fetch(url, "HEAD")
        if resp.status != 200:
            bad.append(f"{where}: {url} answers {resp.status}")
    assert not bad, "\n".join(bad)


# --- A real browser -----------------------------------------------------------------------------

def browser_pages(served: Served) -> dict[str, str]:
    paths = sitemap_paths(served)

    def first(prefix: str) -> str:
        found = [p for p in paths if p.startswith(prefix) and p != prefix]
        assert found, f"the sitemap has no page under {prefix}"
        return found[0]

    pages = {"home": "/", "post": first("/posts/"), "author": first("/authors/"), "topic": first("/topics/"),
             "book": "/book/", "404": "/no-such-page/"}
    if (served.site.root / "search" / "index.html").is_file():
        pages["search"] = "/search/?q=sciatica"  # runs Pagefind: WebAssembly, a worker, fetches
    return pages


@pytest.mark.browser
def test_chromium_loads_every_kind_of_page_with_no_csp_violation(served, browser):
    problems = []
    context = browser.new_context()
    context.add_init_script(VIOLATIONS_JS)
    try:
        tab = Tab(context, served.nginx.origin)
        for kind, path in browser_pages(served).items():
            problems += tab.load(served.nginx.origin + path, 404 if kind == "404" else 200,
                                 ready="#search-results li a" if kind == "search" else None)
    finally:
        context.close()
    assert not problems, "\n".join(problems)
