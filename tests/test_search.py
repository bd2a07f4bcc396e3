"""Site search with Pagefind, in Debian's Chromium — instant results
with JavaScript, a working form and topic list without it, and axe-clean."""

from __future__ import annotations

import json
import re

import pytest
from tools import NODE_MODULES, require

pytestmark = pytest.mark.browser


def results(page):
    page.wait_for_selector("#search-results li a", timeout=15000)
    return [a.get_attribute("href") for a in page.query_selector_all("#search-results li a")]


def test_search_for_piriformis_returns_the_explainer_first(browser, served):
    page = browser.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    foreign = []
    page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(served.origin) else None)
    page.goto(f"{served.origin}/search/")
    page.fill("#search-q", "piriformis")
    hrefs = results(page)
    assert hrefs[0].rstrip("/").endswith("/posts/piriformis-syndrome-explained"), hrefs
    status = page.inner_text("#search-status")
    assert re.match(r"\d+ results? for “piriformis”", status), status
    assert page.get_attribute("#search-status", "role") == "status"
    assert not errors and not foreign, (errors, foreign)
    page.close()


def test_search_results_are_keyboard_operable(browser, served):
    page = browser.new_page()
    page.goto(f"{served.origin}/search/?q=aftercare")
    first = results(page)[0]
    page.focus("#search-q")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('#search-results') !== null"):
            break
    assert page.evaluate("document.activeElement.getAttribute('href')") == first
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(first.rstrip("/"))))
    page.close()


def test_search_filters_by_topic(browser, served):
    page = browser.new_page()
    page.goto(f"{served.origin}/search/?q=&topic=Piriformis+syndrome")
    hrefs = results(page)
    from sitekit import posts_of

    expected = {p["slug"] for p in posts_of(served) if "piriformis-syndrome" in p["topics"]}
    assert {h.rstrip("/").rsplit("/", 1)[-1] for h in hrefs} == expected
    page.close()


def test_search_without_javascript_explains_and_lists_topics(browser, served):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{served.origin}/search/")
    page.fill("#search-q", "piriformis")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/search/\?q=piriformis"))
    assert page.is_visible("#search-nojs")
    topics = page.query_selector_all("#search-nojs .topic-grid a")
    assert len(topics) >= 6
    page.click("#search-nojs .topic-grid a >> text=Piriformis syndrome")
    assert page.url.rstrip("/").endswith("/topics/piriformis-syndrome")
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_search_page_passes_axe_with_results(browser, served, scheme):
    axe = require(NODE_MODULES / "axe-core" / "axe.min.js", "to check accessibility")
    context = browser.new_context(color_scheme=scheme, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(f"{served.origin}/search/?q=sciatica")
    results(page)
    page.add_script_tag(path=axe)
    found = page.evaluate(
        "async () => (await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a','wcag2aa','wcag21aa','wcag22aa']}})).violations"
        ".map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    assert not found, json.dumps(found, indent=1)
    context.close()


def test_search_page_is_noindex_and_not_in_the_sitemap(site):
    soup = site.soup("search/index.html")
    assert soup.select_one('meta[name="robots"]')["content"] == "noindex"
    assert f"{site.origin}/search/" not in (site.root / "sitemap.xml").read_text(encoding="utf-8")


def test_only_post_bodies_are_indexed(site):
    for path in site.html_files():
        rel = site.rel(path)
        soup = site.soup(rel)
        bodies = soup.select("[data-pagefind-body]")
        if rel.startswith("posts/"):
            assert len(bodies) == 1, rel
            assert not bodies[0].select(".booking:not([data-pagefind-ignore] *)"), rel
        else:
            assert not bodies, f"{rel} would be indexed"


@pytest.fixture(scope="module")
def served_in_parts(tmp_path_factory):
    """The site with its search index in parts of two posts (clinicsite/search.py
    splits a large site's index so Pagefind's memory stays bounded)."""
    from sitekit import StaticServer, build_site, free_port

    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    built = build_site(tmp_path_factory.mktemp("parts"), real=True, SITEURL=origin, CLINICSITE_SEARCH_CHUNK=2)
    assert list(built.root.glob("pagefind/part-*/pagefind-entry.json")), "the index was not split"
    with StaticServer(built.root, port) as server:
        assert server.url == origin
        yield built


def _search(browser, origin, query):
    page = browser.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.goto(f"{origin}/search/?{query}")
    hrefs = [h.split(origin, 1)[-1] for h in results(page)]
    page.close()
    assert not errors, errors
    return hrefs


@pytest.mark.parametrize("query", ["q=piriformis", "q=needle", "q=&topic=Piriformis+syndrome", "q=&author=Editorial+team"])
def test_an_index_in_parts_finds_what_one_index_finds(browser, served, served_in_parts, query):
    """Every part is merged: the same pages are found as with one index, and
    the topic and author filters work across parts. Parts hold two posts
    each, so three or more results come from more than one part."""
    whole = _search(browser, served.origin, query)
    parts = _search(browser, served_in_parts.origin, query)
    assert sorted(parts) == sorted(whole) and len(whole) >= 3, (parts, whole)
