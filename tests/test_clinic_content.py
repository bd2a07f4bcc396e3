"""The clinic's own content: author pages, booking calls to action, article
furniture, the home page — all driven by clinic.toml, checked on the
fixture site (whose clinic is tests/fixtures/clinic.toml) and, for what
every page must carry, on the real site too."""

from __future__ import annotations

import pytest
from sitekit import FIXTURE_CLINIC, REAL_CLINIC, build_site, posts_of, text

ORIGIN = "https://clinic.example.com"
REVIEWED = "posts/a-reviewed-guide-to-sciatica-symptoms/index.html"


def main_location(clinic) -> dict:
    return next(iter(clinic["locations"].values()))


def tel(clinic) -> str:
    return "tel:" + "".join(ch for ch in main_location(clinic)["phone"] if ch.isdigit() or ch == "+")


def post_pages(site):
    return [site.rel(p) for p in site.html_files() if site.rel(p).startswith("posts/")]


@pytest.mark.parametrize("name", list(FIXTURE_CLINIC["authors"]))
def test_author_page_shows_bio_credentials_affiliation_and_booking(fixture_site, name):
    author = FIXTURE_CLINIC["authors"][name]
    soup = fixture_site.soup(f"authors/{author['slug']}/index.html")
    assert text(soup.h1) == name
    assert author["bio"][:40] in text(soup.select_one("#bio-title").parent)
    for cred in author["credentials"]:
        assert any(text(dt).startswith(cred) for dt in soup.select(".credentials dt"))
        assert FIXTURE_CLINIC["credentials"][cred]["meaning"] in text(soup.select_one(".credentials"))
    details = text(soup.select_one(".details"))
    assert ("On the clinic's staff" in details) == (author["affiliation"] == "staff")
    assert "Not yet provided by the clinic" in details
    avatar = soup.select_one(".author-header img")
    assert name in avatar["alt"] and avatar["width"] == "96" and fixture_site.file_for(avatar["src"]).is_file()
    assert len(soup.select("main .booking")) == 1


def test_every_post_byline_links_to_its_author_page(fixture_site):
    for rel in post_pages(fixture_site):
        links = fixture_site.soup(rel).select(".byline a[rel=author]")
        assert links, rel
        for a in links:
            target = fixture_site.file_for(a["href"])
            assert target.is_file() and text(fixture_site.soup(fixture_site.rel(target)).h1) == text(a)


def test_article_furniture_renders(fixture_site):
    soup = fixture_site.soup(REVIEWED)
    review = soup.select_one(".review")
    assert "Medically reviewed by Dana Staff" in text(review)
    assert review.select_one("a")["href"] == f"{ORIGIN}/authors/dana-staff/"
    assert [text(li) for li in soup.select(".takeaways li")] == ["First takeaway.", "Second takeaway."]
    assert [a["href"] for a in soup.select(".sources a")] == ["https://www.nhs.uk/conditions/sciatica/"]
    assert [text(a) for a in soup.select(".toc a")] == ["First section", "Second section", "Third section"]
    assert all(soup.find(id=a["href"][1:]) for a in soup.select(".toc a"))
    assert soup.select_one(".disclaimer") and "min read" in text(soup.select_one(".byline"))


def test_related_and_older_newer_links(fixture_site):
    soup = fixture_site.soup(REVIEWED)
    related = [a["href"] for a in soup.select(".related a")]
    assert related[0] == f"{ORIGIN}/posts/a-source-article-about-sciatica/"  # two topics shared
    assert soup.select_one("a[rel=prev]")["href"] == f"{ORIGIN}/posts/a-source-article-about-sciatica/"
    assert soup.select_one("a[rel=next]")["href"] == f"{ORIGIN}/posts/a-table-of-treatments/"


@pytest.mark.parametrize("which, clinic", [("fixture_site", FIXTURE_CLINIC), ("site", REAL_CLINIC)])
def test_every_page_offers_the_configured_booking_link_and_phone(which, clinic, request):
    built = request.getfixturevalue(which)
    booking = clinic["clinic"]["booking_url"]
    for path in built.html_files():
        rel = built.rel(path)
        soup = built.soup(rel)
        header = soup.select_one("body > header")
        assert header.select_one(f'a[href="{booking}"]') and header.select_one(f'a[href="{tel(clinic)}"]'), rel
        for a in soup.select("a[href*='booking']"):
            assert a["href"] == booking and "noreferrer" in a.get("rel", []), rel
        for a in soup.select("a[href^='tel:']"):
            assert a["href"] == tel(clinic), rel
        for a in soup.select("a"):
            assert text(a).lower() not in {"click here", "here", "read more", "learn more", "more"}, rel
        if rel.startswith("posts/"):
            assert len(soup.select("main .booking")) == 1, rel


def test_changing_the_clinic_changes_every_page(tmp_path):
    built = build_site(tmp_path, clinic={"clinic": {"booking_url": "https://book.example.org/other"},
                                         "locations": {"testville": {"phone": "+1 202-555-0111"}}})
    for path in built.html_files():
        html = path.read_text(encoding="utf-8")
        assert 'href="tel:+12025550111"' in html and 'href="https://book.example.org/other"' in html, built.rel(path)
        assert FIXTURE_CLINIC["clinic"]["booking_url"] not in html


def test_book_page_states_only_what_the_clinic_configured(fixture_site):
    main = fixture_site.soup("book/index.html").select_one("main")
    clinic, location = FIXTURE_CLINIC["clinic"], main_location(FIXTURE_CLINIC)
    assert location["address"]["street"] in text(main.address)
    assert main.select_one(f'a[href="{tel(FIXTURE_CLINIC)}"]') and main.select_one(f'a[href="{clinic["booking_url"]}"]')
    assert main.select_one('a[href$="/locations/testville/"]') and "Monday to Friday" in text(main)
    assert not main.select("iframe, embed, object")


def test_breadcrumbs_on_posts_and_hubs(fixture_site):
    crumbs = [text(a) for a in fixture_site.soup(REVIEWED).select("nav.breadcrumbs a")]
    assert crumbs == ["Fixture Clinic", "Sciatica", "A Reviewed Guide to Sciatica Symptoms"]
    hub = fixture_site.soup("topics/sciatica/index.html")
    assert [text(a) for a in hub.select("nav.breadcrumbs a")] == ["Fixture Clinic", "Sciatica"]


def test_home_page_is_a_landing_page_in_patient_order(fixture_site):
    main = fixture_site.soup("index.html").select_one("main")
    ids = [h.get("id") for h in main.select("h1, h2")]
    assert ids == ["page-title", "topics-title", "start-title", "latest-title", "team-title", "writers-title", "home-booking-title"]
    hubs = {a["href"] for a in main.select("#topics-title + ul a")}
    # Every topic that has posts (a topic without any has no hub page yet).
    with_posts = {k for post in posts_of(fixture_site) for k in post["topics"]}
    assert with_posts < set(FIXTURE_CLINIC["topics"])
    assert hubs == {f"{ORIGIN}/topics/{k}/" for k in with_posts}
    writers = {a["href"] for a in main.select("#writers-title ~ .author-list a")}
    assert writers == {f"{ORIGIN}/authors/{a['slug']}/" for a in FIXTURE_CLINIC["authors"].values()}
    assert "Guest author" in text(main.select_one("#writers-title").find_parent("section"))


def test_the_real_site_lists_no_practitioner_nothing_says_works_there(site):
    """The real clinic's authors are guests (placeholders until the clinic
    says otherwise): no "Our practitioners", no worksFor."""
    main = site.soup("index.html").select_one("main")
    assert main.select_one("#team-title") is None
    for path in site.html_files():
        assert '"worksFor"' not in path.read_text(encoding="utf-8"), site.rel(path)
