"""The correctness checks still hold on a large build — 1,000
synthetic posts (bench/corpus.py), built with the production settings, then
the structural checks of the other test files on a sample of pages."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest
from sitekit import ORIGIN, REPO, BuiltSite, fixture_project, overrides

from clinicsite.build import build

pytestmark = pytest.mark.slow

N = 1000


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    # The real clinic without its services, whose descriptions cite real posts the corpus lacks.
    project = fixture_project(tmp_path_factory.mktemp("scale"), real=True, clinic={"services": None})
    content = project / "content"
    subprocess.run([sys.executable, str(REPO / "bench" / "corpus.py"), str(N), str(content)],
                   check=True, capture_output=True, timeout=300)
    result = build(str(REPO / "publishconf.py"), project / "out",
                   overrides(project, SITEURL=ORIGIN, CLINICSITE_TODAY=None, CLINICSITE_READABILITY=True))
    assert result.ok, "\n".join(result.problems[:20])
    return BuiltSite(result.output, ORIGIN)


def sample(site, n=40):
    posts = sorted(p for p in (site.root / "posts").glob("*/index.html"))
    assert len(posts) == N
    return [site.rel(p) for p in random.Random(8).sample(posts, n)]


def test_sampled_posts_are_well_formed(large):
    titles, descriptions = set(), set()
    for rel in sample(large):
        soup = large.soup(rel)
        assert len(soup.select("h1")) == 1, rel
        assert soup.select_one('link[rel="canonical"]')["href"] == large.url_of(rel), rel
        graph = json.loads(soup.select_one('script[type="application/ld+json"]').string)["@graph"]
        ids = {n["@id"] for n in graph}
        for node in graph:
            for value in node.values():
                if isinstance(value, dict) and set(value) == {"@id"}:
                    assert value["@id"] in ids, rel
        assert soup.select_one(".byline a[rel=author]"), rel
        assert len(soup.select("main .booking")) == 1, rel
        assert 1 <= len(soup.select(".related a")) <= 3, rel
        titles.add(soup.title.string)
        descriptions.add(soup.select_one('meta[name="description"]')["content"])
        for a in soup.select(".post-body a[href^='https://clinic.example.com/']"):
            assert large.file_for(a["href"]).is_file(), f"{rel}: {a['href']}"
    assert len(titles) == len(descriptions) == 40


def test_sitemap_lists_every_post_and_paginated_hubs_exist(large):
    sitemap = (large.root / "sitemap.xml").read_text(encoding="utf-8")
    assert sitemap.count("/posts/") == N
    hub_pages = list((large.root / "topics").glob("*/page/*/index.html"))
    assert hub_pages, "topic hubs with many posts should paginate"
    for page in hub_pages[:10]:
        soup = large.soup(large.rel(page))
        assert 1 <= len(soup.select(".post-list .card")) <= 20


def test_every_compressed_copy_is_its_file(large):
    """At this size compression runs on the worker processes and in the
    build's own process at once (each takes jobs from its end of the list):
    every .gz/.br must still hold exactly its file."""
    import gzip

    import brotli

    checked = 0
    for variant, decompress in ((".gz", gzip.decompress), (".br", brotli.decompress)):
        for path in large.root.rglob(f"*{variant}"):
            original = path.with_name(path.name[: -len(variant)])
            assert decompress(path.read_bytes()) == original.read_bytes(), large.rel(path)
            checked += 1
    assert checked > 2 * N, f"only {checked} compressed copies"
