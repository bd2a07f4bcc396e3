"""Session fixtures: the site is built once through Pelican's API, and the
build must log no warning or error."""

from __future__ import annotations

import pytest

from clinicsite.build import build
from sitekit import CHROMIUM, CHROMIUM_ARGS, ORIGIN, REPO, BuiltSite, StaticServer, free_port
from tools import in_ci, require

PUBLISH = str(REPO / "publishconf.py")
DEVELOP = str(REPO / "pelicanconf.py")


def build_ok(settings: str, out, **override) -> BuiltSite:
    result = build(settings, out, override)
    assert result.ok, "build logged problems:\n" + "\n".join(result.problems)
    return BuiltSite(result.output, override.get("SITEURL", ORIGIN))


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> BuiltSite:
    """A production build (publishconf.py) with the default https origin."""
    tmp = tmp_path_factory.mktemp("prod")
    return build_ok(PUBLISH, tmp / "output", SITEURL=ORIGIN, CACHE_PATH=str(tmp / "cache"))


@pytest.fixture(scope="session")
def dev_site(tmp_path_factory) -> BuiltSite:
    """A development build (pelicanconf.py): relative URLs, noindex."""
    tmp = tmp_path_factory.mktemp("dev")
    result = build(DEVELOP, tmp / "output", {"CACHE_PATH": str(tmp / "cache")})
    assert result.ok, "build logged problems:\n" + "\n".join(result.problems)
    return BuiltSite(result.output, "")


@pytest.fixture(scope="session")
def served(tmp_path_factory):
    """A production build whose origin is a real HTTP server on 127.0.0.1."""
    tmp = tmp_path_factory.mktemp("served")
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    built = build_ok(PUBLISH, tmp / "output", SITEURL=origin, CACHE_PATH=str(tmp / "cache"))
    with StaticServer(built.root, port) as server:
        assert server.url == origin
        yield built


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, launched once for the session (never a downloaded one)."""
    executable = require(CHROMIUM, "to run the browser tests (Debian package chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - the venv pins playwright
        reason = f"the playwright package is missing ({exc}); install requirements.lock"
        if in_ci():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
