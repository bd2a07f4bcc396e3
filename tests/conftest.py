"""Session fixtures: the real site, built once through the documented build
(which must log no warning or error), served over real HTTP, and Debian's
Chromium. Fixture sites are built per test with sitekit.build_site()."""

from __future__ import annotations

import pytest
from sitekit import CHROMIUM, CHROMIUM_ARGS, DEVELOP, BuiltSite, StaticServer, build_site, free_port
from tools import in_ci, require


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> BuiltSite:
    """The real content, production settings (publishconf.py)."""
    return build_site(tmp_path_factory.mktemp("prod"), real=True)


@pytest.fixture(scope="session")
def dev_site(tmp_path_factory) -> BuiltSite:
    """The real content, development settings: relative URLs, noindex, drafts."""
    return build_site(tmp_path_factory.mktemp("dev"), real=True, settings=DEVELOP)


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory) -> BuiltSite:
    """A small fixture site with one page of every kind (tests/fixtures/full)."""
    return build_site(tmp_path_factory.mktemp("full"), "full")


@pytest.fixture(scope="session")
def served(tmp_path_factory):
    """The real site, built for an origin that is a real HTTP server on 127.0.0.1."""
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    built = build_site(tmp_path_factory.mktemp("served"), real=True, SITEURL=origin)
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
