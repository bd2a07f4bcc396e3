"""The HTTP headers the site is served with, written into the build itself so
they travel with the pages they are for:

- `_headers`: Netlify's and Cloudflare Pages' rules file;
- `_nginx.conf`: the same headers as nginx `add_header` lines, which the
  shipped deploy/nginx.conf includes from the published folder (a publish
  reloads nginx: clinicsite/deploy/publish.py).

The Content-Security-Policy allows exactly what the theme needs: the inlined
stylesheet by its sha256 (the only style; post HTML carries none, see
sanitize.py), scripts from our own origin, and Pagefind's WebAssembly and
index when search is on. No 'unsafe-inline', no other origin.

A build that publishes the browser editor (CLINICSITE_EDITOR_BACKEND) gives
/admin/ the editor's own policy instead (clinicsite/editor): in `_headers`
by Cloudflare Pages' `! Header` rule, in `_nginx.conf` by the request path.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

HSTS = "max-age=63072000; includeSubDomains"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
HEADERS_FILE = "_headers"
NGINX_FILE = "_nginx.conf"


def content_security_policy(style_hash: str, search: bool) -> str:
    """default-src 'none' plus exactly what the pages use. With site search,
    Pagefind (in the page and in its worker, which gets this policy from its
    own response) fetches its index from our origin (connect-src 'self') and
    compiles WebAssembly ('wasm-unsafe-eval', which allows no JavaScript eval)."""
    directives = [
        ("default-src", ["'none'"]),
        ("script-src", ["'self'", "'wasm-unsafe-eval'"] if search else ["'self'"]),
        *([("connect-src", ["'self'"])] if search else []),
        ("style-src", [style_hash]),
        ("img-src", ["'self'"]),
        ("manifest-src", ["'self'"]),
        ("object-src", ["'none'"]),
        ("base-uri", ["'self'"]),
        ("form-action", ["'self'"]),
        ("frame-ancestors", ["'none'"]),
    ]
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives)


def security_headers(style_hash: str, search: bool) -> dict[str, str]:
    """The headers every response carries (in this order)."""
    return {
        "Content-Security-Policy": content_security_policy(style_hash, search),
        "Strict-Transport-Security": HSTS,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": PERMISSIONS_POLICY,
        "Cross-Origin-Opener-Policy": "same-origin",
    }


def write(build) -> None:
    """At `finalized`: write both files into the output."""
    out = Path(build.settings["OUTPUT_PATH"])
    headers = security_headers(build.assets.css_hash, build.settings["CLINICSITE_SEARCH"])
    written = set(build.assets.paths.values()) | build.assets.statics | {
        rel for picture in build.assets.pictures.values() for variants in picture.sources.values() for rel, _ in variants
    }
    admin_csp = None
    if build.settings.get("CLINICSITE_EDITOR_BACKEND"):
        from ..editor import published_csp

        admin_csp = published_csp(build.settings["CLINICSITE_EDITOR_BACKEND"])
    immutable = _immutable_paths(out, _fingerprinted(written))
    (out / HEADERS_FILE).write_text(headers_file(headers, immutable, admin_csp), encoding="utf-8")
    (out / NGINX_FILE).write_text(nginx_headers(headers, admin_csp), encoding="utf-8")


def _fingerprinted(paths: set[str]) -> set[str]:
    """The paths whose names change with their content: not the assets that
    keep a plain name (favicon.ico, which browsers ask for by that name), nor
    static files that are not images. The same rule as nginx.conf's."""
    from ..assets import URL_SUFFIX_RE

    pattern = re.compile(URL_SUFFIX_RE)
    return {p for p in paths if pattern.search(p)}


def headers_file(headers: dict[str, str], immutable: list[str], admin_csp: str | None = None) -> str:
    lines = [
        "# Written by the build (clinicsite/deploy/headers.py): the same headers as _nginx.conf.",
        "# No Cache-Control under /*: hosts merge every matching rule, and their default",
        "# for everything else (max-age=0, must-revalidate) is the short caching pages need.",
        "/*",
    ]
    lines += [f"  {name}: {value}" for name, value in headers.items()]
    for pattern in immutable:
        lines += ["", pattern, f"  Cache-Control: {IMMUTABLE}"]
    if admin_csp:
        lines += ["", "/admin/*", "  ! Content-Security-Policy", f"  Content-Security-Policy: {admin_csp}"]
    return "\n".join(lines) + "\n"


def nginx_headers(headers: dict[str, str], admin_csp: str | None = None) -> str:
    lines = [
        "# Written by the build (clinicsite/deploy/headers.py) and included by deploy/nginx.conf:",
        "# the headers of this build's pages, on every response (\"always\": error pages too).",
    ]
    for name, value in headers.items():
        if name == "Content-Security-Policy" and admin_csp:
            lines += ["# The published editor (/admin/) has a policy of its own.",
                      f'set $clinicsite_csp {_nginx_quote(name, value)};',
                      f'if ($uri ~ "^/admin/") {{ set $clinicsite_csp {_nginx_quote(name, admin_csp)}; }}',
                      f'add_header {name} $clinicsite_csp always;']
        else:
            lines.append(f'add_header {name} {_nginx_quote(name, value)} always;')
    return "\n".join(lines) + "\n"


def _nginx_quote(name: str, value: str) -> str:
    if '"' in value or "\\" in value or "$" in value:
        raise ValueError(f"nginx: cannot quote the {name} header {value!r}")
    return f'"{value}"'


def _immutable_paths(output_dir: Path, fixed: set[str]) -> list[str]:
    """URL patterns for the fingerprinted files: `/dir/*` for a folder that
    holds nothing else, the file's own path otherwise (both hosts merge
    matching rules, and cap how many there may be)."""
    files: list[str] = []
    for folder, _, names in os.walk(output_dir):
        rel = Path(folder).relative_to(output_dir).as_posix()
        prefix = "" if rel == "." else rel + "/"
        files += [prefix + name for name in names]

    def covered(rel: str) -> bool:
        return rel in fixed or (rel.endswith((".gz", ".br")) and rel[:-3] in fixed)

    # Folders holding anything not fingerprinted, found in one pass.
    impure: set[str] = set()
    for rel in files:
        if not covered(rel):
            folder = posixpath.dirname(rel)
            while folder and folder not in impure:
                impure.add(folder)
                folder = posixpath.dirname(folder)
    patterns: set[str] = set()
    for rel in fixed:
        best, folder = None, posixpath.dirname(rel)
        while folder and folder not in impure:  # the highest folder below the root that holds only fingerprinted files
            best, folder = folder, posixpath.dirname(folder)
        patterns.add(f"/{best}/*" if best is not None else f"/{rel}")
    return sorted(patterns)
