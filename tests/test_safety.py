"""Issue 14: the health safety layer the build enforces — urgent-care advice
for the clinic's country, graded red flags on every post about a condition,
editor's notes, review status, who works where."""

from __future__ import annotations

import json
import shutil

import pytest
from sitekit import PUBLISH, REPO, build_site, fixture_project, overrides, text

from clinicsite.build import build

POSTS = {
    "source": "posts/a-source-article-about-sciatica/index.html",
    "reviewed": "posts/a-reviewed-guide-to-sciatica-symptoms/index.html",
    "treatment": "posts/a-table-of-treatments/index.html",
    "piriformis": "posts/a-post-with-images-about-piriformis-syndrome/index.html",
}
CONDITION_POSTS = ("source", "reviewed", "piriformis")


@pytest.fixture(scope="module")
def gb_site(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("gb"), "full", clinic={
        "locations": {"testville": {"phone": "+44 20 7946 0000",
                                    "address": {"country": "GB", "region": "London", "postal_code": "SW1A 1AA"}}},
    })


def help_block(site, rel):
    return site.soup(rel).select_one("main #when-to-get-help")


def test_a_us_clinic_shows_911_and_the_us_signs(fixture_site):
    for key in CONDITION_POSTS:
        block = text(help_block(fixture_site, POSTS[key]))
        assert "911" in block and "emergency room" in block, key
        assert "A&E" not in block and "999" not in block and "NHS 111" not in block
        assert "Trouble controlling bowels or bladder" in block
        assert "mayoclinic.org" in str(help_block(fixture_site, POSTS[key]))
    page = text(fixture_site.soup(POSTS["reviewed"]).select_one("main"))
    assert " A&E" not in page and " 999" not in page


def test_a_uk_clinic_shows_999_ae_and_nhs_111_and_no_911(gb_site):
    for key in CONDITION_POSTS:
        block = help_block(gb_site, POSTS[key])
        words = text(block)
        assert "999" in words and "A&E" in words and "111" in words, key
        assert "911" not in words and "emergency room" not in words
        emergency = text(block.select_one(".care-emergency"))
        for sign in ("numbness around or under your genitals, or around your bottom (anus)",
                     "cannot control when you pee", "cannot control when you poo"):
            assert sign in emergency
        assert all(a["href"].startswith("https://") for a in block.select("a[href]"))


def test_every_condition_post_has_the_graded_block_and_others_do_not(fixture_site):
    for key, rel in POSTS.items():
        block = help_block(fixture_site, rel)
        if key not in CONDITION_POSTS:
            assert block is None, f"{key} is about a treatment only"
            continue
        tiers = block.select(".care")
        assert [t["class"][1] for t in tiers] == ["care-emergency", "care-urgent", "care-non-urgent"], key
        for tier, prefix in zip(tiers, ("Emergency advice:", "Urgent advice:", "Non-urgent advice:")):
            hidden = tier.select_one("h3 .visually-hidden")
            assert hidden is not None and text(hidden) == prefix
        assert block.select(".care-sources a[href^='https://']")


def test_a_condition_with_no_authority_page_says_whose_signs_it_shows(fixture_site):
    block = text(help_block(fixture_site, POSTS["piriformis"]))
    assert "these are the signs given for sciatica" in block
    assert "signs given for sciatica" not in text(help_block(fixture_site, POSTS["reviewed"]))


def test_the_block_is_printed(fixture_site):
    css = fixture_site.soup(POSTS["source"]).select_one("head style").string
    print_rules = css[css.index("@media print"):]
    hidden = print_rules[: print_rules.index("display:none")]
    assert ".get-help" not in hidden and ".care" not in hidden


def test_a_theme_that_leaves_out_the_block_cannot_publish_a_condition_post(tmp_path):
    project = fixture_project(tmp_path, "baseline")
    theme = tmp_path / "theme"
    shutil.copytree(REPO / "theme", theme)
    (theme / "templates" / "article.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>{{ article.title }}</h1>{{ article.content }}{% endblock %}',
        encoding="utf-8",
    )
    result = build(PUBLISH, project / "output", overrides(project, THEME=str(theme)))
    assert any("2026-01-05-baseline-post.md: template 'article' does not show the When to get help block" in p
               and "include partials/when_to_get_help.html" in p for p in result.problems), result.problems


def test_editor_notes_sit_after_their_sentence_and_link_to_the_block(fixture_site):
    body = fixture_site.soup(POSTS["source"]).select_one(".post-body")
    note = body.select_one("aside.editor-note")
    assert note is not None and text(note).startswith("Editor's note:")
    assert "Numbness in your tailbone area may be sciatica." in text(note.find_previous_sibling("p"))
    assert note.select_one('a[href="#when-to-get-help"]')


def test_source_articles_say_whose_views_they_are(fixture_site):
    about = fixture_site.soup(POSTS["source"]).select_one(".about-article")
    assert "author's views" in text(about) and about.select_one('a[href="#when-to-get-help"]')
    assert fixture_site.soup(POSTS["reviewed"]).select_one(".about-article") is None


def test_review_status_on_every_post(fixture_site):
    for key, rel in POSTS.items():
        review = fixture_site.soup(rel).select_one("article header .review")
        assert review is not None, key
        if key == "reviewed":
            assert "Page last reviewed: 1 February 2026" in text(review)
            assert "Next review due: 1 February 2027" in text(review)
            assert review.select_one(".last-reviewed time")["datetime"] == "2026-02-01"
        else:
            assert text(review) == "Not yet reviewed by a clinician."


def graph(site, rel):
    data = json.loads(site.soup(rel).select_one('script[type="application/ld+json"]').string)
    return {n["@id"]: n for n in data["@graph"]}


def test_works_for_only_for_staff(fixture_site):
    people = {n["name"]: n for rel in POSTS.values() for n in graph(fixture_site, rel).values() if n.get("@type") == "Person"}
    assert people["Dana Staff"]["worksFor"] == {"@id": "https://clinic.example.com/#clinic"}
    assert "worksFor" not in people["Gus Guest"]


def test_a_guest_authors_post_offers_the_clinic_not_the_author(fixture_site):
    guest = text(fixture_site.soup(POSTS["source"]).select_one("main .booking h2"))
    staff = text(fixture_site.soup(POSTS["treatment"]).select_one("main .booking h2"))
    assert guest == "Book an appointment at Fixture Clinic"
    assert staff == "Book with Dana Staff at Fixture Clinic"
    home = fixture_site.soup("index.html")
    practitioners = [text(a) for a in home.select("#team-title ~ ul a")]
    assert practitioners == ["Dana Staff"]


def test_sitemap_lastmod_is_the_later_of_edit_and_review(fixture_site):
    sitemap = (fixture_site.root / "sitemap.xml").read_text(encoding="utf-8")
    entry = sitemap[sitemap.index("a-reviewed-guide-to-sciatica-symptoms/"):]
    assert entry[entry.index("<lastmod>") + 9:].startswith("2026-02-01T00:00:00+00:00")
    node = graph(fixture_site, POSTS["reviewed"])["https://clinic.example.com/" + POSTS["reviewed"].removesuffix("index.html") + "#article"]
    assert node["dateModified"] == "2026-02-01T00:00:00+00:00"


OVERDUE = {"CLINICSITE_TODAY": "2027-03-01"}  # the reviewed guide's next review: 1 February 2027


def test_an_overdue_review_fails_a_production_build(tmp_path):
    failed = build_site(tmp_path, "full", expect_ok=False, **OVERDUE)
    assert any("2026-01-10-a-reviewed-guide.md:" in p and "last_reviewed" in p and "due again on 2027-02-01" in p
               and "have a clinician review" in p for p in failed.problems), failed.problems


def test_an_overdue_review_is_only_reported_when_the_clinic_says_warn(tmp_path, caplog):
    import logging

    with caplog.at_level(logging.INFO):
        build_site(tmp_path, "full", clinic={"reviews": {"overdue": "warn"}}, **OVERDUE)
    assert any("due again on 2027-02-01" in r.getMessage() for r in caplog.records)


def test_a_real_clinic_needs_its_safety_sources_checked(tmp_path):
    failed = build_site(tmp_path / "unchecked", "full", expect_ok=False, clinic={"placeholder": False})
    assert any("safety/US.toml: sources.mayo-sciatica.checked: not yet checked" in p for p in failed.problems), failed.problems
    project = failed.project
    text_ = (project / "safety" / "US.toml").read_text(encoding="utf-8").replace('checked = ""', 'checked = "2026-05-01"')
    (project / "safety" / "US.toml").write_text(text_, encoding="utf-8")
    result = build(PUBLISH, project / "output", overrides(project, SITEURL="https://clinic.example.com"))
    assert result.ok, result.problems


def test_the_real_site_shows_the_block_on_every_condition_post(site):
    import tomllib

    clinic = tomllib.loads((REPO / "clinic.toml").read_text(encoding="utf-8"))
    conditions = {t["name"] for t in clinic["topics"].values() if t["kind"] == "condition"}
    posts = [site.rel(p) for p in site.html_files() if site.rel(p).startswith("posts/")]
    assert posts
    for rel in posts:
        soup = site.soup(rel)
        topics = {text(a) for a in soup.select(".topics a[data-pagefind-filter=topic]")}
        assert soup.select_one("article header .review"), rel
        if topics & conditions:
            block = soup.select_one("#when-to-get-help")
            assert block is not None and block.select(".care-emergency li"), rel
        body = text(soup.select_one(".post-body"))
        for foreign in (" A&E", " 999", " GP ", "NHS 111"):
            assert foreign not in body, f"{rel}: {foreign!r} is not the clinic's country's advice"
