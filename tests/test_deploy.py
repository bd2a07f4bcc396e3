"""Production serving: the production build, post-processed (fingerprinted
images, _headers, .gz/.br files), served by Debian's nginx with the config
rendered from deploy/nginx.conf on a free port of 127.0.0.1.

Checked over real HTTP: every sitemap URL answers 200 with every security
header; unknown paths answer 404 with the theme's page; precompressed files
are what gzip and brotli clients get; fingerprinted files are cached for a
year and pages are revalidated; the responses score A+ on the MDN HTTP
Observatory's table; Chromium reports no CSP violation on any page type; and
`invoke publish` ships exactly a direct production build.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import http.client
import json
import os
import pwd
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import brotli
import pytest
from bs4 import BeautifulSoup
from conftest import PUBLISH, build_ok
from sitekit import REPO, free_port
from tools import require

from clinicsite import deploy
from clinicsite import fingerprint as fp

BROTLI_MODULE = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so"
IMMUTABLE = "public, max-age=31536000, immutable"
EXPECTED = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
PERMISSIONS = ("camera=()", "microphone=()", "geolocation=()", "payment=()")
CSP_REQUIRED = {
    "default-src": {"'none'"},
    "img-src": {"'self'"},
    "manifest-src": {"'self'"},
    "script-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}
COMPRESSIBLE = (".html", ".css", ".xml", ".js", ".svg", ".json", ".webmanifest", ".txt")


# --- Fixtures: build, post-process, serve ---------------------------------------


@dataclass
class Prod:
    root: Path
    origin: str
    port: int
    tmp: Path

    def files(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*") if p.is_file())

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


@pytest.fixture(scope="session")
def prod(tmp_path_factory) -> Prod:
    """A production build for the nginx origin, post-processed for serving."""
    tmp = tmp_path_factory.mktemp("deploy")
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    # SITEURL in the environment too, as `invoke publish` gets it: publishconf.py
    # derives FEED_DOMAIN from it when it is read.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SITEURL", origin)
        built = build_ok(PUBLISH, tmp / "output", SITEURL=origin, CACHE_PATH=str(tmp / "cache"))
    result = deploy.postprocess(built.root, tmp / "cache", origin=origin)
    assert not result.problems, "postprocess reported:\n" + "\n".join(result.problems)
    return Prod(built.root, origin, port, tmp)


def nginx_cmd(conf: Path, prefix: Path, *extra: str) -> list[str]:
    nginx = require("nginx", "to serve the production build")
    require(BROTLI_MODULE, "for brotli_static (libnginx-mod-http-brotli-static)")
    glob = f"pid {prefix / 'nginx.pid'}; error_log stderr;"
    if "-t" not in extra:
        glob = "daemon off; " + glob
    return [nginx, *extra, "-p", f"{prefix}/", "-c", str(conf), "-g", glob]


def render_conf(prod: Prod) -> tuple[Path, Path]:
    prefix = prod.tmp / "nginx"
    prefix.mkdir(exist_ok=True)
    # As root, workers would run as nobody, who cannot read pytest's 0700 tmp.
    user = pwd.getpwuid(os.getuid()).pw_name if os.geteuid() == 0 else None
    conf = prefix / "nginx.conf"
    conf.write_text(deploy.render_nginx_conf(prod.root, prod.port, user=user, temp_dir=prefix / "temp"), encoding="utf-8")
    (prefix / "temp").mkdir(exist_ok=True)
    return conf, prefix


@pytest.fixture(scope="session")
def server(prod):
    """nginx serving the build on 127.0.0.1:<port>, stopped at the end."""
    conf, prefix = render_conf(prod)
    log = open(prefix / "stderr.log", "wb")
    proc = subprocess.Popen(nginx_cmd(conf, prefix), stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while True:
            if proc.poll() is not None:
                pytest.fail(f"nginx exited with {proc.returncode}:\n{(prefix / 'stderr.log').read_text()}")
            try:
                socket.create_connection(("127.0.0.1", prod.port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"nginx did not listen on {prod.port}:\n{(prefix / 'stderr.log').read_text()}")
                time.sleep(0.05)
        yield prod
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@dataclass
class Response:
    url: str
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    search: bool = False  # the site ships Pagefind's search bundle

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


def fetch(prod: Prod, path: str, method: str = "GET", **headers: str) -> Response:
    """One request, the body as sent (no decompression, no redirects)."""
    if path.startswith("http"):
        path = urlsplit(path).path
    conn = http.client.HTTPConnection("127.0.0.1", prod.port, timeout=10)
    try:
        conn.request(method, path, headers={k.replace("_", "-"): v for k, v in headers.items()})
        resp = conn.getresponse()
        search = (prod.root / "pagefind" / "pagefind.js").is_file()
        return Response(prod.origin + path, resp.status, resp.headers, resp.read(), search)
    finally:
        conn.close()


def sitemap_paths(prod: Prod) -> list[str]:
    xml = (prod.root / "sitemap.xml").read_text(encoding="utf-8")
    locs = re.findall(r"<loc>([^<]+)</loc>", xml)
    assert locs, "sitemap.xml lists no URL"
    return [urlsplit(loc).path for loc in locs]


def parse_csp(value: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in value.split(";"):
        tokens = part.split()
        if tokens:
            directives.setdefault(tokens[0].lower(), tokens[1:])
    return directives


def inline_style_hashes(html: bytes) -> set[str]:
    """sha256 sources for the page's <style> elements, as a browser computes them."""
    soup = BeautifulSoup(html, "html.parser")
    return {
        "'sha256-" + base64.b64encode(hashlib.sha256(s.string.encode("utf-8")).digest()).decode() + "'"
        for s in soup.find_all("style")
    }


def header_problems(resp: Response) -> list[str]:
    """Every required header, checked; messages name the URL and the header."""
    problems = []
    for name, value in EXPECTED.items():
        if resp.header(name) != value:
            problems.append(f"{resp.url}: {name} is {resp.header(name)!r}, expected {value!r}")
    perms = resp.header("Permissions-Policy") or ""
    for feature in PERMISSIONS:
        if feature not in perms.replace(" ", ""):
            problems.append(f"{resp.url}: Permissions-Policy {perms!r} lacks {feature}")
    if resp.headers.get_all("Set-Cookie"):
        problems.append(f"{resp.url}: Set-Cookie {resp.headers.get_all('Set-Cookie')}")
    csp_values = resp.headers.get_all("Content-Security-Policy") or []
    if len(csp_values) != 1:
        problems.append(f"{resp.url}: {len(csp_values)} Content-Security-Policy headers, expected 1")
        return problems
    csp = parse_csp(csp_values[0])
    required = dict(CSP_REQUIRED)
    if resp.search:
        # Pagefind: fetches its index, compiles WebAssembly (no JS eval).
        required["script-src"] = {"'self'", "'wasm-unsafe-eval'"}
        required["connect-src"] = {"'self'"}
    elif "connect-src" in csp:
        problems.append(f"{resp.url}: Content-Security-Policy connect-src {csp['connect-src']} without site search")
    for directive, sources in required.items():
        if set(csp.get(directive, [])) != sources:
            problems.append(
                f"{resp.url}: Content-Security-Policy {directive} is {csp.get(directive)}, expected {sorted(sources)}"
            )
    for directive, sources in csp.items():
        bad = {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "data:", "*", "http:", "https:"} & set(sources)
        if bad:
            problems.append(f"{resp.url}: Content-Security-Policy {directive} allows {sorted(bad)}")
    style = set(csp.get("style-src", []))
    if (resp.header("Content-Type") or "").startswith("text/html") and not resp.header("Content-Encoding"):
        missing = inline_style_hashes(resp.body) - style
        if missing:
            problems.append(
                f"{resp.url}: Content-Security-Policy style-src {sorted(style)} lacks the page's <style> {sorted(missing)}"
            )
    return problems


# --- The config --------------------------------------------------------------------


def test_nginx_config_passes_nginx_t(prod):
    conf, prefix = render_conf(prod)
    run = subprocess.run(nginx_cmd(conf, prefix, "-t"), capture_output=True, text=True)
    assert run.returncode == 0, f"nginx -t {conf}:\n{run.stderr}"
    assert "test is successful" in run.stderr


def test_nginx_config_loads_brotli_and_serves_precompressed(prod):
    text = deploy.render_nginx_conf(prod.root, prod.port)
    assert f'load_module "{BROTLI_MODULE}";' in text
    for directive in ("gzip_static on;", "brotli_static on;", "error_page 404 /404.html;"):
        assert directive in text, f"rendered nginx.conf lacks {directive!r}"
    assert "@@" not in text
    # Headers are set once, in the server block, with `always`: a location
    # with its own add_header would silently drop them.
    code = re.sub(r"(?m)^\s*#.*$", "", text)
    server_block = code[code.index("    server {") :]
    first_location = re.search(r"(?m)^\s*location\b", server_block).start()
    assert "add_header" not in server_block[first_location:], "a location has its own add_header"
    assert server_block.count("add_header") == 7, "expected 6 security headers and Cache-Control"
    for line in re.findall(r"^\s*add_header .*$", text, re.M):
        assert line.rstrip().endswith("always;"), f"add_header without always: {line.strip()}"


# --- Every URL, every header ---------------------------------------------------------------


def test_every_sitemap_url_answers_200_with_every_header(server):
    problems = []
    for path in sitemap_paths(server):
        resp = fetch(server, path)
        if resp.status != 200:
            problems.append(f"{resp.url}: status {resp.status}")
            continue
        problems += header_problems(resp)
        cache = resp.header("Cache-Control") or ""
        short = re.fullmatch(r"(?:public, )?max-age=(\d+)", cache)
        if not (cache == "no-cache" or short and int(short[1]) <= 300):
            problems.append(f"{resp.url}: Cache-Control {cache!r}, expected short caching for HTML")
        if not (resp.header("Content-Type") or "").startswith("text/html; charset=utf-8"):
            problems.append(f"{resp.url}: Content-Type {resp.header('Content-Type')!r}")
    assert not problems, "\n".join(problems)


def test_every_file_answers_with_every_header(server):
    """Images, feeds, the manifest, robots.txt: not only pages carry the headers."""
    problems = []
    for path in server.files():
        rel = server.rel(path)
        if rel == "_headers" or path.suffix in (".gz", ".br"):
            continue
        resp = fetch(server, "/" + rel, "HEAD")
        if resp.status != 200:
            problems.append(f"{resp.url}: status {resp.status}")
        problems += header_problems(resp)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", ["/no-such-page/", "/posts/no-such-post/", "/feeds/", "/x.png", "/_headers"])
def test_unknown_path_answers_404_with_the_theme_page(server, path):
    resp = fetch(server, path, Accept_Encoding="identity")
    assert resp.status == 404, f"{resp.url}: status {resp.status}, expected 404"
    assert resp.body == (server.root / "404.html").read_bytes(), f"{resp.url}: body is not 404.html"
    assert not header_problems(resp), "\n".join(header_problems(resp))
    assert "Page not found" in resp.body.decode()


def test_404_page_is_precompressed_too(server):
    resp = fetch(server, "/no-such-page/", Accept_Encoding="br")
    assert resp.status == 404
    assert resp.header("Content-Encoding") == "br"
    assert brotli.decompress(resp.body) == (server.root / "404.html").read_bytes()


def test_folder_without_slash_redirects_relatively(server):
    resp = fetch(server, "/book")
    assert resp.status == 301 and resp.header("Location") == "/book/", (resp.status, resp.header("Location"))


# --- Precompression ------------------------------------------------------------------------


def text_files(prod: Prod) -> list[Path]:
    return [p for p in prod.files() if p.suffix in COMPRESSIBLE]


def test_every_text_file_has_deterministic_gz_and_br(prod):
    problems = []
    for path in text_files(prod):
        data = path.read_bytes()
        for suffix, decompress in ((".gz", gzip.decompress), (".br", brotli.decompress)):
            sibling = path.with_name(path.name + suffix)
            if not sibling.exists():
                # Allowed only where compression would not save a byte.
                if len(data) > 200:
                    problems.append(f"{prod.rel(path)}: no {suffix}")
                continue
            packed = sibling.read_bytes()
            if decompress(packed) != data:
                problems.append(f"{prod.rel(sibling)} does not decompress to {prod.rel(path)}")
            if len(packed) >= len(data):
                problems.append(f"{prod.rel(sibling)} is not smaller than the file")
            if suffix == ".gz" and packed[4:8] != b"\0\0\0\0":
                problems.append(f"{prod.rel(sibling)}: gzip header mtime is not 0")
            if suffix == ".gz" and packed != gzip.compress(data, compresslevel=9, mtime=0):
                problems.append(f"{prod.rel(sibling)} is not gzip level 9 with mtime 0")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("encoding, suffix", [("gzip", ".gz"), ("br", ".br")])
def test_clients_get_the_precompressed_file(server, encoding, suffix):
    problems = []
    served = 0
    for path in text_files(server):
        sibling = path.with_name(path.name + suffix)
        url = "/" + server.rel(path)
        resp = fetch(server, url, Accept_Encoding=encoding)
        if not sibling.exists():
            if resp.header("Content-Encoding"):
                problems.append(f"{resp.url}: Content-Encoding {resp.header('Content-Encoding')} without a {suffix} file")
            continue
        served += 1
        if resp.status != 200 or resp.header("Content-Encoding") != encoding:
            problems.append(f"{resp.url}: status {resp.status}, Content-Encoding {resp.header('Content-Encoding')!r}, expected {encoding}")
        elif resp.body != sibling.read_bytes():
            problems.append(f"{resp.url}: body is not the {suffix} file")
        if "accept-encoding" not in (resp.header("Vary") or "").lower():
            problems.append(f"{resp.url}: Vary {resp.header('Vary')!r} lacks Accept-Encoding")
        problems += header_problems(resp)
    assert served > 20, f"only {served} precompressed files served"
    assert not problems, "\n".join(problems)


def test_identity_clients_get_the_file(server):
    for rel in ("index.html", "sitemap.xml", "manifest.webmanifest"):
        resp = fetch(server, "/" + rel.removesuffix("index.html"), Accept_Encoding="identity")
        assert resp.header("Content-Encoding") is None, f"{resp.url}: Content-Encoding {resp.header('Content-Encoding')}"
        assert resp.body == (server.root / rel).read_bytes(), f"{resp.url}: body differs from {rel}"


def test_precompress_uses_the_cache(prod, tmp_path):
    """A second run over unchanged files compresses nothing; a changed file is redone."""
    from clinicsite.precompress import precompress

    out = tmp_path / "out"
    (out / "a").mkdir(parents=True)
    (out / "index.html").write_text("<p>" + "hello clinic " * 200)
    (out / "a" / "feed.xml").write_text("<feed>" + "<entry/>" * 300 + "</feed>")
    first = precompress(out, tmp_path / "cache")
    assert (first.files, first.compressed, first.cached) == (2, 4, 0)
    second = precompress(out, tmp_path / "cache")
    assert (second.compressed, second.cached, second.written) == (0, 4, 4)
    (out / "index.html").write_text("<p>" + "changed " * 200)
    third = precompress(out, tmp_path / "cache")
    assert (third.compressed, third.cached) == (2, 2)
    assert gzip.decompress((out / "index.html.gz").read_bytes()) == (out / "index.html").read_bytes()
    (out / "a" / "feed.xml").unlink()
    fourth = precompress(out, tmp_path / "cache")
    assert fourth.removed == 2 and not (out / "a" / "feed.xml.gz").exists()


# --- Fingerprinting and caching ------------------------------------------------------------------


def test_images_are_fingerprinted_and_originals_gone(prod):
    names = {prod.rel(p) for p in prod.files()}
    posts = len(list((prod.root / "posts").glob("*/index.html")))
    authors = len(list((prod.root / "authors").glob("*/index.html")))
    expected = {
        r"social/_?[a-z0-9-]+\.[0-9a-f]{10}\.png": posts + 1,
        r"authors/[a-z0-9-]+/avatar\.[0-9a-f]{10}\.svg": authors,
        r"icon-192\.[0-9a-f]{10}\.png": 1,
        r"icon-512\.[0-9a-f]{10}\.png": 1,
        r"apple-touch-icon\.[0-9a-f]{10}\.png": 1,
        r"favicon\.[0-9a-f]{10}\.svg": 1,
    }
    for pattern, count in expected.items():
        found = [n for n in names if re.fullmatch(pattern, n)]
        assert len(found) == count, f"{pattern}: {len(found)} files, expected {count}: {found}"
        for name in found:
            assert fp.is_fingerprinted(prod.root / name), f"{name}: hash is not its content's"
    for plain in ("favicon.svg", "icon-192.png", "icon-512.png", "apple-touch-icon.png", "social/_site.png"):
        assert plain not in names, f"{plain} should have been renamed"
    for kept in ("favicon.ico", "robots.txt", "sitemap.xml", "manifest.webmanifest", "feeds/all.atom.xml", "404.html"):
        assert kept in names, f"{kept} must keep its name"


def origin_urls(prod: Prod) -> set[str]:
    """Every URL on the origin that a page, the manifest or JSON-LD names."""
    urls: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, str) and node.startswith(prod.origin + "/"):
            urls.add(node)

    for page in prod.root.rglob("*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
        for tag in soup.find_all(True):
            for attr in ("href", "src", "content"):
                value = tag.get(attr)
                if isinstance(value, str) and value.startswith(prod.origin + "/"):
                    urls.add(value)
        for script in soup.find_all("script", type="application/ld+json"):
            walk(json.loads(script.string))
    walk(json.loads((prod.root / "manifest.webmanifest").read_text()))
    return {u.split("#")[0] for u in urls}


def test_every_referenced_url_resolves(server):
    """After renaming, no page, manifest icon or JSON-LD image points at a missing file."""
    urls = origin_urls(server)
    assert any(re.search(r"/social/_site\.[0-9a-f]{10}\.png$", u) for u in urls), "no fingerprinted social image referenced"
    assert any(re.search(r"/favicon\.[0-9a-f]{10}\.svg$", u) for u in urls), "no fingerprinted favicon referenced"
    bad = []
    for url in sorted(urls):
        resp = fetch(server, url, "HEAD")
        if resp.status != 200:
            bad.append(f"{url}: {resp.status}")
    assert not bad, "\n".join(bad)


def test_no_reference_to_a_plain_asset_name_is_left(prod):
    plain = re.compile(
        r"/(?:favicon\.svg|icon-(?:192|512)\.png|apple-touch-icon\.png|social/_?[a-z0-9-]+\.png|authors/[a-z0-9-]+/avatar\.svg)\b"
    )
    left = []
    for path in prod.files():
        if path.suffix in (".html", ".xml", ".webmanifest", ".json", ".txt"):
            for m in plain.finditer(path.read_text(encoding="utf-8")):
                left.append(f"{prod.rel(path)}: {m.group(0)}")
    assert not left, "\n".join(left)


def test_fingerprinted_files_are_immutable_and_others_are_not(server):
    problems = []
    fingerprinted = [p for p in server.files() if fp.is_fingerprinted(p)]
    assert len(fingerprinted) >= 10
    for path in fingerprinted:
        resp = fetch(server, "/" + server.rel(path), "HEAD")
        if resp.status != 200 or resp.header("Cache-Control") != IMMUTABLE:
            problems.append(f"{resp.url}: status {resp.status}, Cache-Control {resp.header('Cache-Control')!r}, expected {IMMUTABLE!r}")
    for rel in ("favicon.ico", "robots.txt", "sitemap.xml", "manifest.webmanifest", "feeds/all.atom.xml", "", "book/"):
        resp = fetch(server, "/" + rel, "HEAD")
        if "immutable" in (resp.header("Cache-Control") or "") or "max-age=31536000" in (resp.header("Cache-Control") or ""):
            problems.append(f"{resp.url}: Cache-Control {resp.header('Cache-Control')!r} must not be long-lived")
    assert not problems, "\n".join(problems)


def test_content_types(server):
    expected = {
        "/manifest.webmanifest": "application/manifest+json",
        "/feeds/all.atom.xml": "application/atom+xml",
        "/feeds/all.rss.xml": "application/rss+xml",
        "/sitemap.xml": "application/xml",
        "/robots.txt": "text/plain",
        "/favicon.ico": "image/x-icon",
    }
    types = {
        "png": "image/png", "svg": "image/svg+xml", "js": "text/javascript",
        "webp": "image/webp", "avif": "image/avif", "jpg": "image/jpeg",
    }
    for path in server.files():
        if path.suffix in (".gz", ".br"):
            continue  # served in place of their originals, never by name
        if fp.is_fingerprinted(path):
            expected["/" + server.rel(path)] = types[path.suffix[1:]]
    for url, ctype in expected.items():
        resp = fetch(server, url, "HEAD")
        assert (resp.header("Content-Type") or "").split(";")[0] == ctype, f"{url}: Content-Type {resp.header('Content-Type')!r}, expected {ctype}"


def test_postprocess_is_idempotent(prod, tmp_path):
    import shutil

    copy = tmp_path / "site"
    shutil.copytree(prod.root, copy)
    before = {p.relative_to(copy).as_posix(): p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    result = deploy.postprocess(copy, prod.tmp / "cache", origin=prod.origin)
    after = {p.relative_to(copy).as_posix(): p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    assert not result.problems
    assert result.fingerprint.renamed == 0 and result.precompress.compressed == 0
    assert before.keys() == after.keys() and before == after


def test_relative_reference_is_reported_not_broken(tmp_path):
    """A reference fingerprinting cannot rewrite is a problem, not a silent 404."""
    (tmp_path / "posts" / "a").mkdir(parents=True)
    (tmp_path / "favicon.svg").write_text("<svg/>")
    (tmp_path / "index.html").write_text('<link rel="canonical" href="https://x.example/"><img src="https://x.example/favicon.svg">')
    (tmp_path / "posts" / "a" / "index.html").write_text(
        '<img src="../../favicon.svg"><a href="https://other.example/favicon.svg">x</a>'
    )
    (tmp_path / "icon-192.png").write_bytes(b"png")
    (tmp_path / "book.html").write_text('<link rel="icon" href="/icon-192.png">')
    result = fp.fingerprint(tmp_path, visit=lambda rel, text: text)
    assert len(result.problems) == 1 and "../../favicon.svg" in result.problems[0], result.problems
    # A visitor (the CSP scan) ends with each file's final text.
    assert result.visited == {p.relative_to(tmp_path).as_posix(): p.read_text() for p in tmp_path.rglob("*.html")}
    # The file named relatively keeps its name: nothing points at a missing file.
    assert (tmp_path / "favicon.svg").exists() and "favicon.svg" not in result.manifest
    assert 'src="https://x.example/favicon.svg"' in (tmp_path / "index.html").read_text()
    post = (tmp_path / "posts" / "a" / "index.html").read_text()
    assert "https://other.example/favicon.svg" in post, "another site's URL was rewritten"
    # The others are fingerprinted as usual.
    new = result.manifest["icon-192.png"]
    assert (tmp_path / new).exists() and f'href="/{new}"' in (tmp_path / "book.html").read_text()


# --- _headers ------------------------------------------------------------------------------------


def parse_headers_file(text: str) -> dict[str, dict[str, str]]:
    rules: dict[str, dict[str, str]] = {}
    current = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            current = rules.setdefault(line.strip(), {})
        else:
            name, _, value = line.strip().partition(":")
            assert current is not None, f"_headers: header before any path: {line!r}"
            current[name.strip()] = value.strip()
    return rules


def headers_rule_matches(pattern: str, path: str) -> bool:
    if pattern.endswith("/*"):
        return path.startswith(pattern[:-1])
    return path == pattern


def test_headers_file_has_the_same_headers_as_nginx(server):
    rules = parse_headers_file((server.root / "_headers").read_text())
    assert "/*" in rules, "_headers has no /* rule"
    served = fetch(server, "/")
    for name in ("Content-Security-Policy", *EXPECTED, "Permissions-Policy"):
        assert rules["/*"].get(name) == served.header(name), f"_headers /*: {name} differs from nginx's"
    assert "Cache-Control" not in rules["/*"], "Cache-Control under /* would merge into the immutable rules"
    fingerprinted = {"/" + server.rel(p) for p in server.files() if fp.is_fingerprinted(p)}
    immutable = [p for p, h in rules.items() if h.get("Cache-Control") == IMMUTABLE]
    for url in fingerprinted:
        assert any(headers_rule_matches(p, url) for p in immutable), f"_headers: {url} is not immutable"
    for path in server.files():
        url = "/" + server.rel(path)
        if url not in fingerprinted and not url.endswith((".gz", ".br")):
            assert not any(headers_rule_matches(p, url) for p in immutable), f"_headers: {url} made immutable"


# --- The pages themselves -----------------------------------------------------------------------


def test_pages_have_nothing_a_strict_csp_blocks(prod):
    problems = []
    for page in sorted(prod.root.rglob("*.html")):
        rel = prod.rel(page)
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
        for tag in soup.find_all(True):
            for attr, value in tag.attrs.items():
                if attr.lower().startswith("on"):
                    problems.append(f"{rel}: <{tag.name} {attr}=...> inline event handler")
                if attr.lower() == "style":
                    problems.append(f"{rel}: <{tag.name} style=...> needs 'unsafe-inline'")
                if attr.lower() in ("href", "src", "action", "formaction", "xlink:href") and str(value).strip().lower().startswith("javascript:"):
                    problems.append(f"{rel}: <{tag.name} {attr}={value!r}> javascript: URL")
        scripts = soup.find_all("script")
        ld = [s for s in scripts if (s.get("type") or "").lower() == "application/ld+json"]
        for s in scripts:
            if s.get("src"):
                continue
            if s not in ld:
                problems.append(f"{rel}: inline <script type={s.get('type')!r}> is not JSON-LD")
        if len(ld) != 1:
            problems.append(f"{rel}: {len(ld)} JSON-LD scripts, expected 1")
        for s in ld:
            try:
                json.loads(s.string)
            except (TypeError, ValueError) as exc:
                problems.append(f"{rel}: JSON-LD does not parse: {exc}")
        for a in soup.find_all(["a", "area", "form"], target=True):
            if a["target"].lower() == "_blank" and "noopener" not in (a.get("rel") or []):
                problems.append(f"{rel}: {a.name} target=_blank without rel=noopener: {a.get('href')}")
        if len(soup.find_all("style")) != 1:
            problems.append(f"{rel}: {len(soup.find_all('style'))} <style> elements, expected 1")
    assert not problems, "\n".join(problems)


# --- Mozilla (MDN HTTP) Observatory ----------------------------------------------------------------
#
# The MDN HTTP Observatory's tests and modifiers (mdn/mdn-http-observatory,
# src/grader/charts.js SCORE_TABLE and src/analyzer/tests/*.js): start at 100,
# subtract the penalties; if that is 90 or more, add the bonuses too.
# Not measurable here: `redirection` (http -> https needs TLS, which the
# production front end terminates) is scored 0, as a correct redirect is; and
# HSTS is judged by the header nginx sends, as it would be over https.

SCORE_TABLE = {
    "csp-implemented-with-no-unsafe-default-src-none": 10,
    "csp-implemented-with-no-unsafe": 5,
    "csp-implemented-with-unsafe-inline-in-style-src-only": 0,
    "csp-implemented-with-insecure-scheme-in-passive-content-only": -10,
    "csp-implemented-with-unsafe-eval": -10,
    "csp-implemented-with-unsafe-inline": -20,
    "csp-implemented-with-insecure-scheme": -20,
    "csp-header-invalid": -25,
    "csp-not-implemented": -25,
    "cookies-not-found": 0,
    "cookies-secure-with-httponly-sessions-and-samesite": 5,
    "cookies-secure-with-httponly-sessions": 0,
    "cookies-without-secure-flag": -20,
    "cross-origin-resource-sharing-not-implemented": 0,
    "cross-origin-resource-sharing-implemented-with-public-access": 0,
    "cross-origin-resource-sharing-implemented-with-universal-access": -50,
    "redirection-to-https": 0,
    "referrer-policy-private": 5,
    "referrer-policy-not-implemented": 0,
    "referrer-policy-unsafe": -5,
    "referrer-policy-header-invalid": -5,
    "hsts-implemented-max-age-at-least-six-months": 0,
    "hsts-implemented-max-age-less-than-six-months": -10,
    "hsts-not-implemented": -20,
    "hsts-header-invalid": -20,
    "sri-implemented-and-all-scripts-loaded-securely": 5,
    "sri-not-implemented-but-no-scripts-loaded": 0,
    "sri-not-implemented-but-all-scripts-loaded-from-secure-origin": 0,
    "sri-not-implemented-but-external-scripts-loaded-securely": -5,
    "sri-not-implemented-and-external-scripts-not-loaded-securely": -50,
    "x-content-type-options-nosniff": 0,
    "x-content-type-options-not-implemented": -5,
    "x-content-type-options-header-invalid": -5,
    "x-frame-options-implemented-via-csp": 5,
    "x-frame-options-sameorigin-or-deny": 0,
    "x-frame-options-allow-from-origin": 0,
    "x-frame-options-not-implemented": -20,
    "x-frame-options-header-invalid": -20,
    "corp-implemented-with-same-origin": 10,
    "corp-implemented-with-same-site": 10,
    "corp-implemented-with-cross-origin": 0,
    "corp-not-implemented": 0,
    "corp-header-invalid": -5,
}
GRADES = [(100, "A+"), (90, "A"), (85, "A-"), (80, "B+"), (70, "B"), (65, "B-"), (60, "C+"), (50, "C"), (45, "C-"), (40, "D+"), (30, "D"), (25, "D-"), (0, "F")]
BROAD = {"ftp:", "http:", "https:", "*", "http://*", "http://*.*", "https://*", "https://*.*"}
UNSAFE_INLINE = {"'unsafe-inline'", "data:"}


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name.lower())
    return values[0] if values else None


def csp_result(headers: dict[str, list[str]]) -> tuple[str, dict]:
    values = headers.get("content-security-policy", [])
    policies = [p.strip() for v in values for p in v.split(",") if p.strip()]
    if not policies:
        return "csp-not-implemented", {}
    csp: dict[str, set[str]] = {}
    for policy in policies:
        for part in policy.split(";"):
            tokens = part.strip().split()
            if not tokens:
                continue
            name = tokens[0].lower()
            if not re.fullmatch(r"[a-z-]+", name):
                return "csp-header-invalid", {}
            # Keywords and schemes are case-insensitive; hashes and nonces are not.
            sources = {t if t.startswith(("'sha", "'nonce")) else t.lower() for t in tokens[1:]}
            csp[name] = csp[name] & sources if name in csp else sources
    script = set(csp.get("script-src") or csp.get("default-src") or {"*"})
    style = set(csp.get("style-src") or csp.get("default-src") or {"*"})
    obj = csp.get("object-src") or csp.get("default-src") or {"*"}
    hashes = lambda s: any(x.startswith(("'sha256-", "'sha384-", "'sha512-", "'nonce-")) for x in s)  # noqa: E731
    for s in (script, style):
        if hashes(s):
            s.discard("'unsafe-inline'")
    policy = {
        "antiClickjacking": not (csp.get("frame-ancestors", {"*"}) & BROAD),
        "insecureBaseUri": bool(csp.get("base-uri", {"*"}) & (BROAD | UNSAFE_INLINE)),
        "insecureFormAction": bool(csp.get("form-action", {"*"}) & BROAD),
        "unsafeObjects": bool(obj & BROAD),
        "defaultNone": csp.get("default-src") == {"'none'"},
        "data": csp,
    }
    if script & (BROAD | UNSAFE_INLINE) or obj & BROAD:
        result = "csp-implemented-with-unsafe-inline"
    elif (script | style) & {"'unsafe-eval'"}:
        result = "csp-implemented-with-unsafe-eval"
    elif style & (BROAD | UNSAFE_INLINE):
        result = "csp-implemented-with-unsafe-inline-in-style-src-only"
    elif policy["defaultNone"]:
        result = "csp-implemented-with-no-unsafe-default-src-none"
    else:
        result = "csp-implemented-with-no-unsafe"
    return result, policy


def observatory(headers: dict[str, list[str]], html: str) -> tuple[int, str, dict[str, str]]:
    """(score, grade, {test: result}) for one response's headers and body."""
    results: dict[str, str] = {}
    results["content-security-policy"], policy = csp_result(headers)

    cookies = headers.get("set-cookie", [])
    if not cookies:
        results["cookies"] = "cookies-not-found"
    elif all("secure" in c.lower() and "httponly" in c.lower() and "samesite" in c.lower() for c in cookies):
        results["cookies"] = "cookies-secure-with-httponly-sessions-and-samesite"
    elif all("secure" in c.lower() for c in cookies):
        results["cookies"] = "cookies-secure-with-httponly-sessions"
    else:
        results["cookies"] = "cookies-without-secure-flag"

    acao = _first(headers, "Access-Control-Allow-Origin")
    if not acao:
        results["cross-origin-resource-sharing"] = "cross-origin-resource-sharing-not-implemented"
    elif acao.strip() == "*":
        results["cross-origin-resource-sharing"] = "cross-origin-resource-sharing-implemented-with-public-access"
    else:
        results["cross-origin-resource-sharing"] = "cross-origin-resource-sharing-implemented-with-universal-access"

    results["redirection"] = "redirection-to-https"  # see above: not measurable without TLS

    referrer = ", ".join(headers.get("referrer-policy", []))
    if not referrer:
        results["referrer-policy"] = "referrer-policy-not-implemented"
    else:
        good = ["no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"]
        bad = ["origin", "origin-when-cross-origin", "unsafe-url", "no-referrer-when-downgrade"]
        known = [v.strip().lower() for v in referrer.split(",") if v.strip().lower() in good + bad]
        last = known[-1] if known else ""
        results["referrer-policy"] = (
            "referrer-policy-private" if last in good else "referrer-policy-unsafe" if last in bad else "referrer-policy-header-invalid"
        )

    hsts = _first(headers, "Strict-Transport-Security")
    if hsts is None:
        results["strict-transport-security"] = "hsts-not-implemented"
    else:
        max_age = None
        for param in (p.strip().lower() for p in hsts.split(";")):
            if param.startswith("max-age="):
                try:
                    max_age = int(param[8:])
                except ValueError:
                    max_age = None
        if "," in hsts or max_age is None:
            results["strict-transport-security"] = "hsts-header-invalid"
        elif max_age < 15_552_000:
            results["strict-transport-security"] = "hsts-implemented-max-age-less-than-six-months"
        else:
            results["strict-transport-security"] = "hsts-implemented-max-age-at-least-six-months"

    soup = BeautifulSoup(html, "html.parser")
    external = [s for s in soup.find_all("script", src=True)]
    if not external:
        results["subresource-integrity"] = "sri-not-implemented-but-no-scripts-loaded"
    elif all(s.get("integrity") for s in external):
        results["subresource-integrity"] = "sri-implemented-and-all-scripts-loaded-securely"
    elif all(not urlsplit(s["src"]).netloc for s in external):
        results["subresource-integrity"] = "sri-not-implemented-but-all-scripts-loaded-from-secure-origin"
    elif all(s["src"].startswith("https://") for s in external):
        results["subresource-integrity"] = "sri-not-implemented-but-external-scripts-loaded-securely"
    else:
        results["subresource-integrity"] = "sri-not-implemented-and-external-scripts-not-loaded-securely"

    xcto = _first(headers, "X-Content-Type-Options")
    results["x-content-type-options"] = (
        "x-content-type-options-not-implemented" if xcto is None
        else "x-content-type-options-nosniff" if xcto.strip().lower() == "nosniff"
        else "x-content-type-options-header-invalid"
    )

    xfo = (_first(headers, "X-Frame-Options") or "").strip().lower()
    if policy.get("data", {}).get("frame-ancestors"):
        results["x-frame-options"] = "x-frame-options-implemented-via-csp"
    elif xfo in ("deny", "sameorigin"):
        results["x-frame-options"] = "x-frame-options-sameorigin-or-deny"
    elif xfo.startswith("allow-from"):
        results["x-frame-options"] = "x-frame-options-allow-from-origin"
    else:
        results["x-frame-options"] = "x-frame-options-header-invalid" if xfo else "x-frame-options-not-implemented"

    corp = (_first(headers, "Cross-Origin-Resource-Policy") or "").strip().lower()
    results["cross-origin-resource-policy"] = {
        "": "corp-not-implemented",
        "same-origin": "corp-implemented-with-same-origin",
        "same-site": "corp-implemented-with-same-site",
        "cross-origin": "corp-implemented-with-cross-origin",
    }.get(corp, "corp-header-invalid")

    modifiers = [SCORE_TABLE[r] for r in results.values()]
    uncurved = 100 + sum(m for m in modifiers if m < 0)
    score = max(100 + sum(modifiers) if uncurved >= 90 else uncurved, 0)
    grade = next(g for floor, g in GRADES if min(score - score % 5, 100) >= floor)
    results["_policy"] = {k: v for k, v in policy.items() if k != "data"}  # type: ignore[assignment]
    return score, grade, results


def _headers_of(resp: Response) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in resp.headers.items():
        out.setdefault(name.lower(), []).append(value)
    return out


@pytest.mark.parametrize(
    "headers, expected_score, expected_grade",
    [
        ({}, 30, "D"),  # CSP -25, XCTO -5, XFO -20, HSTS -20
        (
            {
                "content-security-policy": ["default-src 'self'; script-src 'self' 'unsafe-inline'"],
                "strict-transport-security": ["max-age=300"],
                "x-content-type-options": ["nosniff"],
                "x-frame-options": ["DENY"],
            },
            70,  # unsafe-inline -20, short HSTS -10
            "B",
        ),
        (
            {
                "content-security-policy": ["default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"],
                "strict-transport-security": ["max-age=63072000"],
                "x-content-type-options": ["nosniff"],
                "referrer-policy": ["no-referrer"],
            },
            110,  # style-src unsafe-inline 0, XFO via CSP +5, referrer +5
            "A+",
        ),
    ],
)
def test_observatory_scorer_reproduces_known_scores(headers, expected_score, expected_grade):
    score, grade, results = observatory(headers, "<p>no scripts</p>")
    assert (score, grade) == (expected_score, expected_grade), results


@pytest.mark.parametrize("path", ["/", "/posts/how-dry-needling-can-help-sciatica/", "/authors/byron-lam/", "/topics/sciatica/", "/book/", "/no-such-page/"])
def test_observatory_grade_is_a_plus(server, path):
    resp = fetch(server, path, Accept_Encoding="identity")
    score, grade, results = observatory(_headers_of(resp), resp.body.decode("utf-8"))
    detail = "\n".join(f"  {test}: {r} ({SCORE_TABLE.get(r, '')})" for test, r in results.items() if test != "_policy")
    assert score >= 100 and grade == "A+", f"{resp.url}: Observatory score {score} ({grade}):\n{detail}"
    policy = results["_policy"]
    assert policy["defaultNone"] and policy["antiClickjacking"], f"{resp.url}: {policy}"
    assert not (policy["insecureBaseUri"] or policy["insecureFormAction"] or policy["unsafeObjects"]), f"{resp.url}: {policy}"


# --- A real browser behind nginx -------------------------------------------------------------------

VIOLATIONS_JS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
});
"""


def browser_pages(prod: Prod) -> dict[str, str]:
    paths = sitemap_paths(prod)

    def first(prefix: str) -> str:
        found = [p for p in paths if p.startswith(prefix) and p != prefix]
        assert found, f"sitemap has no page under {prefix}"
        return found[0]

    pages = {
        "home": "/",
        "post": first("/posts/"),
        "author": first("/authors/"),
        "topic": first("/topics/"),
        "book": "/book/",
        "404": "/no-such-page/",
    }
    if (prod.root / "search" / "index.html").is_file():
        pages["search"] = "/search/?q=sciatica"  # runs Pagefind: WebAssembly, worker, fetches
    return pages


@pytest.mark.browser
def test_chromium_reports_no_csp_violation(server, browser):
    problems = []
    try:
        context = browser.new_context()
        context.add_init_script(VIOLATIONS_JS)
        for kind, path in browser_pages(server).items():
            url = server.origin + path
            page = context.new_page()
            console: list[str] = []
            failed: list[str] = []
            page.on("console", lambda m, console=console: console.append(m.text))
            page.on("requestfailed", lambda r, failed=failed: failed.append(f"{r.url}: {r.failure}"))
            page.on(
                "response",
                lambda r, failed=failed, url=url: r.status >= 400 and r.url != url and failed.append(f"{r.url}: {r.status}"),
            )
            resp = page.goto(url, wait_until="load")
            expected = 404 if kind == "404" else 200
            if resp is None or resp.status != expected:
                problems.append(f"{kind} {url}: status {resp and resp.status}, expected {expected}")
            page.wait_for_load_state("networkidle")
            if kind == "search":
                try:
                    page.wait_for_selector("#search-results li a", timeout=15000)
                except Exception:
                    problems.append(f"{kind} {url}: no search result appeared under the CSP")
            for text in console:
                if "Content Security Policy" in text or "Permissions-Policy" in text or "Refused to" in text:
                    problems.append(f"{kind} {url}: console: {text}")
            for v in page.evaluate("window.__violations"):
                problems.append(f"{kind} {url}: securitypolicyviolation: {v}")
            problems += [f"{kind} {url}: subresource {f}" for f in failed]
            # The inline stylesheet applied (a blocked <style> has no sheet).
            rules = page.evaluate(
                "() => [...document.styleSheets].reduce((n, s) => n + s.cssRules.length, 0)"
            )
            position = page.evaluate("getComputedStyle(document.querySelector('.skip-link')).position")
            if not rules or position != "absolute":
                problems.append(f"{kind} {url}: the inline stylesheet did not apply ({rules} rules)")
            # Images load: the fingerprinted avatars and icons resolve.
            broken = page.evaluate(
                "() => [...document.images].filter((i) => !i.complete || !i.naturalWidth).map((i) => i.src)"
            )
            problems += [f"{kind} {url}: image did not load: {b}" for b in broken]
            page.close()
    finally:
        context.close()
    assert not problems, "\n".join(problems)


# --- invoke publish ----------------------------------------------------------------------------------

# Pagefind 1.5.2 writes its filter files in hash-map order, so they (and the
# meta file and entry point naming them) differ between any two builds of
# the same pages (Pagefind/pagefind#638). Those are compared by count per
# folder, not by name/bytes.
UNSTABLE = re.compile(r"^pagefind/(?:filter/[^/]+|pagefind\.[^/]+\.pf_meta|pagefind-entry\.json(?:\.gz|\.br)?)$")


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def unstable_shape(files: dict[str, bytes]) -> dict[str, int]:
    shape: dict[str, int] = {}
    for name in files:
        if UNSTABLE.match(name):
            folder = name.rsplit("/", 1)[0]
            shape[folder] = shape.get(folder, 0) + 1
    return shape


def test_invoke_publish_ships_exactly_the_production_build(prod, tmp_path):
    require("rsync", "by invoke publish")
    target = tmp_path / "target"
    (target / "stale").mkdir(parents=True)
    (target / "stale" / "old.html").write_text("left from an earlier publish")
    env = {**os.environ, "SITEURL": prod.origin}
    env.pop("PUBLISH_TARGET", None)
    run = subprocess.run(
        [sys.executable, "-m", "invoke", "publish", "--target", str(target)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, f"invoke publish failed:\n{run.stdout}\n{run.stderr}"
    # `prod` is a direct production build for the same SITEURL (build() then
    # postprocess(), with fresh caches: the repository's caches must not
    # change a byte).
    published, expected = tree(target), tree(prod.root)
    assert "stale/old.html" not in published, "rsync --delete left a stale file"
    assert unstable_shape(published) == unstable_shape(expected), "Pagefind's bundle differs in shape"
    published = {k: v for k, v in published.items() if not UNSTABLE.match(k)}
    expected = {k: v for k, v in expected.items() if not UNSTABLE.match(k)}
    missing = sorted(expected.keys() - published.keys())
    extra = sorted(published.keys() - expected.keys())
    differ = sorted(k for k in expected.keys() & published.keys() if expected[k] != published[k])
    assert not (missing or extra or differ), (
        f"invoke publish differs from the production build: missing {missing}, extra {extra}, different {differ}"
    )


def test_scan_pages_finds_what_the_csp_would_block(tmp_path):
    (tmp_path / "clean.html").write_text("<!DOCTYPE html><style>p{color:red}</style><p>Fine.</p>", encoding="utf-8")
    (tmp_path / "bad.html").write_text(
        '<!DOCTYPE html><style>p{}</style><p style="color:red" onclick="x()">x</p>'
        '<a href="javascript:void(0)">x</a><script>alert(1)</script>',
        encoding="utf-8",
    )
    scan = deploy.scan_pages(tmp_path)
    assert len(scan.style_hashes) == 2
    text = "\n".join(scan.problems)
    for needle in ("onclick", "style=", "javascript:", "inline <script"):
        assert needle in text, text
    assert not [p for p in scan.problems if p.startswith("clean.html")]


def test_postprocess_scans_pages_with_or_without_files_to_fingerprint(tmp_path):
    """postprocess() feeds the CSP scan from the fingerprint step's reads:
    the style hashes must reach _headers whether or not there was anything
    to rename, and match what scan_pages() finds on the final files."""
    for case, extra in (("none", {}), ("one", {"favicon.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>"})):
        site = tmp_path / case
        site.mkdir()
        link = '<link rel="icon" href="/favicon.svg">' if extra else ""
        (site / "index.html").write_text(
            f"<!DOCTYPE html><head>{link}<style>p{{color:red}}</style></head><p>x</p>", encoding="utf-8"
        )
        for name, body in extra.items():
            (site / name).write_text(body, encoding="utf-8")
        result = deploy.postprocess(site, tmp_path / f"cache-{case}", origin="https://clinic.example.com")
        assert result.problems == []
        (expected,) = deploy.scan_pages(site).style_hashes
        assert expected in (site / "_headers").read_text(encoding="utf-8")
        assert bool(result.fingerprint.renamed) == bool(extra)


def test_windowed_rewrite_finds_the_same_tokens_as_the_whole_text(monkeypatch):
    """fingerprint.rewrite_text runs its token regex only on the runs of
    text around file-extension hits; on any text the result must be what
    the regex gives over the whole text."""
    import random

    from clinicsite import fingerprint as fp

    manifest = {"social/a.png": "social/a.1234567890.png", "favicon.svg": "favicon.abcdefabcd.svg",
                "theme/search.js": "theme/search.0011223344.js", "images/x.webp": "images/x.5555555555.webp"}
    base = fp.Base.parse("https://clinic.example.com")
    pieces = ["/social/a.png", "https://clinic.example.com/favicon.svg", "../favicon.svg", "&quot;", "&#39;",
              " ", "\xa0", '"', "'", ",", ";", "?v=1", "#f", "x", ".png", ".PNG", "/theme/search.js",
              "images/x.webp", "/images/x.webp 2x", "=", "(", ")", "&amp;", "\u2009", "social/a.png",
              "y" * 5000]
    windowed = fp._runs

    def whole(text):
        monkeypatch.setattr(fp, "_runs", lambda t: [(0, len(t))])
        try:
            return fp.rewrite_text(text, "posts/x/index.html", manifest, base)
        finally:
            monkeypatch.setattr(fp, "_runs", windowed)

    rng = random.Random(8)
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert fp.rewrite_text(text, "posts/x/index.html", manifest, base) == whole(text), repr(text)
