"""The headers files a production build writes into the site
(clinicsite/deploy/headers.py): `_headers` for Netlify/Cloudflare Pages and
`_nginx.conf` for deploy/nginx.conf.

Contract checks on the real content's production build (the session `site`
fixture): both files carry the same header set; the Content-Security-Policy
is strict and allows exactly the inline styles the pages have; the other
security headers have their required values; and `_headers` caches exactly
the fingerprinted files for a year. How nginx serves them: test_nginx.py.
"""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from sitekit import BuiltSite

IMMUTABLE = "public, max-age=31536000, immutable"
# A fingerprinted name: name.<first 10 hex of the file's sha256>.ext (clinicsite/assets.py).
FINGERPRINT = re.compile(r"\.([0-9a-f]{10})\.[A-Za-z0-9]+$")
PERMISSIONS = ("camera=()", "microphone=()", "geolocation=()", "payment=()")
FORBIDDEN_SOURCES = {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "data:", "*", "http:", "https:"}
NGINX_LINE = re.compile(r'add_header ([A-Za-z-]+) "([^"]*)" always;')
# Cloudflare Pages reads at most 100 rules from _headers.
MAX_RULES = 100


# --- Reading the files ----------------------------------------------------------------


def headers_rules(site: BuiltSite) -> dict[str, list[tuple[str, str]]]:
    """_headers as {URL pattern: [(header, value), ...]} in file order."""
    rules: dict[str, list[tuple[str, str]]] = {}
    current = None
    for number, line in enumerate((site.root / "_headers").read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            assert line.startswith("/"), f"_headers:{number}: a rule's pattern must start with /: {line!r}"
            assert line.strip() not in rules, f"_headers:{number}: {line.strip()} has two rules"
            current = rules.setdefault(line.strip(), [])
            continue
        name, colon, value = line.strip().partition(":")
        assert colon and current is not None, f"_headers:{number}: not `Name: value` under a pattern: {line!r}"
        current.append((name.strip(), value.strip()))
    return rules


def nginx_headers(site: BuiltSite) -> list[tuple[str, str]]:
    """_nginx.conf's add_header lines as [(header, value), ...]."""
    pairs = []
    for number, line in enumerate((site.root / "_nginx.conf").read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = NGINX_LINE.fullmatch(line.strip())
        assert match, f'_nginx.conf:{number}: not `add_header Name "value" always;`: {line!r}'
        pairs.append((match[1], match[2]))
    return pairs


def site_headers(site: BuiltSite) -> dict[str, str]:
    """The headers of every response: _headers' /* rule."""
    rules = headers_rules(site)
    assert "/*" in rules, "_headers has no /* rule"
    return dict(rules["/*"])


def parse_csp(value: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in value.split(";"):
        tokens = part.split()
        if tokens:
            assert tokens[0].lower() not in directives, f"CSP names {tokens[0]} twice (browsers ignore the second)"
            directives[tokens[0].lower()] = tokens[1:]
    return directives


@pytest.fixture(scope="module")
def csp(site) -> dict[str, list[str]]:
    return parse_csp(site_headers(site)["Content-Security-Policy"])


def inline_style_hashes(site: BuiltSite) -> dict[str, set[str]]:
    """The CSP hash source of each inline <style> element, by page, computed
    as a browser does: sha256 over the element's text as UTF-8, base64."""
    hashes: dict[str, set[str]] = {}
    for page in site.html_files():
        rel = site.rel(page)
        for style in site.soup(rel).find_all("style"):
            digest = hashlib.sha256("".join(style.strings).encode("utf-8")).digest()
            hashes.setdefault(f"'sha256-{base64.b64encode(digest).decode()}'", set()).add(rel)
    return hashes


def headers_pattern(pattern: str) -> re.Pattern:
    """A _headers URL pattern: `*` is a splat (anything, slashes too), `:name` one segment."""
    parts = re.split(r"(\*|:[A-Za-z_]+)", pattern)
    return re.compile("".join(".*" if p == "*" else "[^/]+" if p.startswith(":") else re.escape(p) for p in parts))


def fingerprinted(site: BuiltSite) -> tuple[set[str], set[str]]:
    """Every file's URL path, split into (fingerprinted, others). A file is
    fingerprinted when its name carries the first 10 hex of its content's
    sha256. The .gz/.br siblings are left out: they are nginx's (which
    sends them in place of their originals); Netlify and Cloudflare
    compress by themselves and never serve them."""
    fixed, others = set(), set()
    for path in sorted(site.root.rglob("*")):
        if not path.is_file() or path.suffix in (".gz", ".br"):
            continue
        match = FINGERPRINT.search(path.name)
        is_fixed = bool(match) and hashlib.sha256(path.read_bytes()).hexdigest()[: len(match[1])] == match[1]
        (fixed if is_fixed else others).add("/" + site.rel(path))
    return fixed, others


# --- The two files agree --------------------------------------------------------------


def test_headers_and_nginx_conf_carry_the_same_headers(site):
    everywhere = headers_rules(site)["/*"]
    nginx = nginx_headers(site)
    names = [name.lower() for name, _ in everywhere]
    assert len(names) == len(set(names)), f"_headers /* names a header twice: {names}"
    assert sorted(nginx) == sorted(everywhere), (
        f"_nginx.conf and _headers /* differ:\n  only in _nginx.conf: {sorted(set(nginx) - set(everywhere))}"
        f"\n  only in _headers: {sorted(set(everywhere) - set(nginx))}"
    )
    # Cache-Control is not a site-wide header: hosts merge every matching
    # rule, so one under /* would also reach the immutable files.
    assert "cache-control" not in names, "_headers: Cache-Control under /*"


def test_the_other_security_headers(site):
    headers = site_headers(site)
    assert headers.get("Strict-Transport-Security") == "max-age=63072000; includeSubDomains"
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("Referrer-Policy") == "no-referrer"
    features = {f.strip() for f in headers.get("Permissions-Policy", "").split(",")}
    missing = [f for f in PERMISSIONS if f not in features]
    assert not missing, f"Permissions-Policy {headers.get('Permissions-Policy')!r} lacks {missing}"


# --- The Content-Security-Policy -------------------------------------------------------


def test_csp_allows_nothing_unsafe_and_no_other_origin(csp):
    problems = []
    for directive, sources in csp.items():
        bad = [s for s in sources if s.lower() in FORBIDDEN_SOURCES or "://" in s or "*" in s]
        if bad:
            problems.append(f"{directive} allows {bad}")
    assert not problems, "Content-Security-Policy: " + "; ".join(problems)


@pytest.mark.parametrize(
    "directive, sources",
    [
        ("default-src", {"'none'"}),
        ("object-src", {"'none'"}),
        ("base-uri", {"'self'"}),
        ("form-action", {"'self'"}),
        ("frame-ancestors", {"'none'"}),
        ("img-src", {"'self'"}),
        ("manifest-src", {"'self'"}),
    ],
)
def test_csp_directive(csp, directive, sources):
    assert set(csp.get(directive, ["<missing>"])) == sources, f"{directive} is {csp.get(directive)}"


def test_csp_scripts_are_our_own_and_search_only_adds_what_pagefind_needs(site, csp):
    """Pagefind compiles WebAssembly ('wasm-unsafe-eval', which allows no
    JavaScript eval) and fetches its index from our origin (connect-src)."""
    search = (site.root / "pagefind" / "pagefind.js").is_file()
    expected = {"'self'", "'wasm-unsafe-eval'"} if search else {"'self'"}
    assert set(csp.get("script-src", [])) == expected, f"script-src {csp.get('script-src')}, search is {search}"
    if search:
        assert csp.get("connect-src") == ["'self'"], f"connect-src {csp.get('connect-src')}"
    else:
        assert "connect-src" not in csp, f"connect-src {csp['connect-src']} without site search"


def test_csp_style_src_is_exactly_the_pages_inline_styles(site, csp):
    pages = inline_style_hashes(site)
    assert pages, "no page has an inline <style>"
    allowed = set(csp.get("style-src", []))
    missing = {h: sorted(rels)[:3] for h, rels in pages.items() if h not in allowed}
    unused = allowed - pages.keys()
    assert not missing and not unused, (
        f"style-src {sorted(allowed)}:\n  blocks the <style> of {missing}\n  allows styles no page has: {sorted(unused)}"
    )


def test_pages_need_nothing_the_csp_forbids(site):
    """Style attributes, event handlers, javascript: URLs and inline scripts
    would need 'unsafe-inline' or 'unsafe-hashes'. JSON-LD is data, not script."""
    problems = []
    for page in site.html_files():
        rel = site.rel(page)
        for tag in site.soup(rel).find_all(True):
            for attr, value in tag.attrs.items():
                attr = attr.lower()
                if attr == "style" or attr.startswith("on"):
                    problems.append(f"{rel}: <{tag.name} {attr}=…>")
                elif attr in ("href", "src", "action", "formaction") and str(value).strip().lower().startswith("javascript:"):
                    problems.append(f"{rel}: <{tag.name} {attr}={value!r}>")
            if tag.name == "script" and not tag.get("src") and (tag.get("type") or "").lower() != "application/ld+json":
                problems.append(f"{rel}: inline <script type={tag.get('type')!r}>")
    assert not problems, "\n".join(problems)


# --- Caching ------------------------------------------------------------------------------


def test_headers_file_makes_exactly_the_fingerprinted_files_immutable(site):
    rules = headers_rules(site)
    assert len(rules) <= MAX_RULES, f"_headers has {len(rules)} rules; Cloudflare Pages reads {MAX_RULES}"
    for pattern, headers in rules.items():
        values = [v for n, v in headers if n.lower() == "cache-control"]
        assert values in ([], [IMMUTABLE]), f"_headers {pattern}: Cache-Control {values}"
    immutable = [headers_pattern(p) for p, headers in rules.items() if ("Cache-Control", IMMUTABLE) in headers]
    fixed, others = fingerprinted(site)
    assert len(fixed) >= 10, f"only {sorted(fixed)} are fingerprinted"
    not_cached = sorted(u for u in fixed if not any(r.fullmatch(u) for r in immutable))
    wrongly = sorted(u for u in others if any(r.fullmatch(u) for r in immutable))
    assert not not_cached, "_headers does not make these fingerprinted files immutable:\n" + "\n".join(not_cached)
    assert not wrongly, "_headers makes these files immutable, but their names do not change with them:\n" + "\n".join(wrongly)
