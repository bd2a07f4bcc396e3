"""The site's structure, as readers and crawlers use it: listings in the
right order with the right posts, one h1 and no skipped heading level,
landmarks and a skip link, and every internal link and fragment resolving —
on the fixture site, and the links on the real site in both builds."""

from __future__ import annotations

import re

import pytest
from sitekit import text

POSTS = [  # the fixture site's posts, newest first: (slug, authors, category, topics)
    ("a-post-with-images-about-piriformis-syndrome", ["Dana Staff"], "Guides", ["piriformis-syndrome"]),
    ("a-table-of-treatments", ["Dana Staff"], "Guides", ["dry-needling"]),
    ("a-reviewed-guide-to-sciatica-symptoms", ["Editorial team"], "Guides", ["sciatica", "dry-needling"]),
    ("a-source-article-about-sciatica", ["Gus Guest"], "Articles", ["sciatica", "dry-needling"]),
]
ORIGIN = "https://clinic.example.com"


def listed(soup, selector=".post-list .card-title a") -> list[str]:
    return [a["href"] for a in soup.select(selector)]


def url(slug: str) -> str:
    return f"{ORIGIN}/posts/{slug}/"


def test_home_lists_every_post_newest_first_and_features_the_featured(fixture_site):
    soup = fixture_site.soup("index.html")
    latest = soup.select_one("#latest-title").find_parent("section")
    assert listed(latest) == [url(p[0]) for p in POSTS]
    start = soup.select_one("#start-title").find_parent("section")
    assert listed(start) == [url("a-reviewed-guide-to-sciatica-symptoms")]


def test_archives_list_every_post_newest_first(fixture_site):
    assert [a["href"] for a in fixture_site.soup("archives/index.html").select(".archive a")] == [url(p[0]) for p in POSTS]


@pytest.mark.parametrize("author, slug", [("Dana Staff", "dana-staff"), ("Gus Guest", "gus-guest"), ("Editorial team", "editorial-team")])
def test_author_pages_list_exactly_their_posts(fixture_site, author, slug):
    soup = fixture_site.soup(f"authors/{slug}/index.html")
    section = soup.select_one("#posts-title").find_parent("section")
    assert set(listed(section)) == {url(p[0]) for p in POSTS if author in p[1]}


@pytest.mark.parametrize("category", ["Articles", "Guides"])
def test_category_pages_list_exactly_their_posts_and_say_what_they_are(fixture_site, category):
    soup = fixture_site.soup(f"category/{category.lower()}/index.html")
    assert set(listed(soup)) == {url(p[0]) for p in POSTS if p[2] == category}
    assert text(soup.select_one("main .lead"))


@pytest.mark.parametrize("topic", ["sciatica", "piriformis-syndrome", "dry-needling"])
def test_topic_hubs_list_exactly_their_posts(fixture_site, topic):
    assert set(listed(fixture_site.soup(f"topics/{topic}/index.html"))) == {url(p[0]) for p in POSTS if topic in p[3]}


@pytest.mark.parametrize("which", ["fixture_site", "site"])
def test_every_page_has_one_h1_no_skipped_level_landmarks_and_a_skip_link(which, request):
    built = request.getfixturevalue(which)
    for path in built.html_files():
        rel = built.rel(path)
        soup = built.soup(rel)
        assert len(soup.select("h1")) == 1, f"{rel}: {len(soup.select('h1'))} h1 elements"
        levels = [int(h.name[1]) for h in soup.find_all(re.compile(r"^h[1-6]$"))]
        for before, after in zip(levels, levels[1:]):
            assert after <= before + 1, f"{rel}: heading level jumps from h{before} to h{after}"
        first_link = soup.body.find("a")
        assert first_link["href"] == "#main" and "skip-link" in first_link["class"], rel
        assert len(soup.select("main#main")) == 1, rel
        assert soup.select_one("body > header nav") and soup.select_one("body > footer"), rel
        assert soup.html["lang"] == "en", rel
        ids = [el["id"] for el in soup.select("[id]")]
        assert len(ids) == len(set(ids)), f"{rel}: repeated ids {sorted({i for i in ids if ids.count(i) > 1})}"


@pytest.mark.parametrize("which", ["fixture_site", "site", "dev_site"])
def test_every_internal_link_and_fragment_resolves(which, request):
    built = request.getfixturevalue(which)
    broken = []
    for path in built.html_files():
        rel = built.rel(path)
        soup = built.soup(rel)
        refs = [(el, el.get("href") or el.get("src")) for el in soup.select("[href], [src]")]
        refs += [(el, part.split()[0]) for el in soup.select("[srcset]") for part in el["srcset"].split(",")]
        for el, ref in refs:
            target = built.file_for(ref, rel)
            if target is None:
                continue
            if not target.is_file():
                broken.append(f"{rel}: <{el.name}> {ref} -> {target} missing")
            elif "#" in ref and target.suffix == ".html":
                fragment = ref.split("#", 1)[1]
                if fragment and built.soup(built.rel(target)).find(id=fragment) is None:
                    broken.append(f"{rel}: <{el.name}> {ref}: no id={fragment}")
    assert not broken, "\n".join(broken)


def test_404_page_exists_and_is_noindex(fixture_site):
    soup = fixture_site.soup("404.html")
    assert text(soup.h1) == "Page not found"
    assert soup.select_one("meta[name=robots]")["content"] == "noindex"


def test_drafts_and_scheduled_posts_show_only_in_development(tmp_path):
    from sitekit import DEVELOP, build_site

    prod = build_site(tmp_path / "prod", "drafts")
    dev = build_site(tmp_path / "dev", "drafts", settings=DEVELOP)
    assert not (prod.root / "drafts").exists()
    assert not (prod.root / "posts" / "a-scheduled-post-from-the-future").exists()
    assert "Draft: not published" in text(dev.soup("drafts/a-draft-about-piriformis/index.html").select_one(".notice"))
    scheduled = dev.soup("posts/a-scheduled-post-from-the-future/index.html")
    assert "Scheduled" in text(scheduled.select_one(".notice"))
    for rel in ("drafts/a-draft-about-piriformis/index.html", "posts/a-scheduled-post-from-the-future/index.html"):
        assert dev.soup(rel).select_one("meta[name=robots]")["content"] == "noindex"
