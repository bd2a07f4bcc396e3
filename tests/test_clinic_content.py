"""Issue 3: author pages, derived posts, booking calls to action, article
furniture and the clinic data's single source of truth."""

from __future__ import annotations

import copy
import tomllib

import pytest
from conftest import PUBLISH, build_ok
from sitekit import ORIGIN, REPO, content_posts, text

CLINIC = tomllib.loads((REPO / "clinic.toml").read_text(encoding="utf-8"))
BOOKING = CLINIC["clinic"]["booking_url"]
TEL = "tel:" + "".join(ch for ch in CLINIC["clinic"]["phone"] if ch.isdigit() or ch == "+")
SOURCES = {
    "posts/dry-needling-for-sciatica-pain/",
    "posts/how-dry-needling-can-help-sciatica/",
}
DERIVED = [
    "sciatica-dry-needling-key-takeaways",
    "piriformis-syndrome-explained",
    "sciatica-treatments-compared",
    "dry-needling-session-and-aftercare",
    "dry-needling-risks-and-choosing-a-practitioner",
]


def post_pages(site):
    return [site.rel(p) for p in site.html_files() if site.rel(p).startswith("posts/")]


def test_every_post_byline_links_to_an_existing_author_page(site):
    for rel in post_pages(site):
        links = site.soup(rel).select(".byline a[rel=author]")
        assert links, f"{rel}: no byline"
        for a in links:
            target = site.file_for(a["href"])
            assert target.is_file(), f"{rel}: byline link {a['href']} has no page"
            assert site.soup(site.rel(target)).h1.get_text(strip=True) == a.get_text(strip=True)


@pytest.mark.parametrize("name", list(CLINIC["authors"]))
def test_author_page_shows_bio_credentials_and_booking(site, name):
    author = CLINIC["authors"][name]
    soup = site.soup(f"authors/{author['slug']}/index.html")
    assert text(soup.h1) == name
    assert " ".join(author["bio"].split())[:60] in text(soup.select_one("#bio-title").parent)
    for cred in author["credentials"]:
        terms = [text(dt) for dt in soup.select(".credentials dt")]
        assert any(t.startswith(cred) for t in terms), f"{name}: credential {cred} not explained"
        assert CLINIC["credentials"][cred]["meaning"] in text(soup.select_one(".credentials"))
    avatar = soup.select_one(".author-header img")
    assert name in avatar["alt"] and avatar["width"] == "96" and avatar["height"] == "96"
    assert site.file_for(avatar["src"]).is_file()
    assert len(soup.select("main .booking")) == 1
    for field in ("years_in_practice", "registration_number"):
        if not author[field]:
            assert "Not yet provided by the clinic" in text(soup.select_one(".details"))


def test_authors_index_links_every_author(site):
    hrefs = {a["href"] for a in site.soup("authors/index.html").select("main .author-list a")}
    assert hrefs == {f"{ORIGIN}/authors/{a['slug']}/" for a in CLINIC["authors"].values()}


@pytest.mark.parametrize("slug", DERIVED)
def test_derived_post_links_to_its_source_posts(site, slug):
    soup = site.soup(f"posts/{slug}/index.html")
    linked = {a["href"].removeprefix(ORIGIN + "/").split("#")[0] for a in soup.select(".post-body a[href]")}
    assert linked & SOURCES, f"{slug} links to no source post: {sorted(linked)}"


def test_comparison_table_has_caption_and_scoped_headers(site):
    table = site.soup("posts/sciatica-treatments-compared/index.html").select_one(".post-body table")
    assert table is not None
    assert text(table.caption)
    cols = table.select("thead th")
    assert len(cols) >= 4 and all(th.get("scope") == "col" for th in cols)
    rows = table.select("tbody tr")
    names = [text(tr.th) for tr in rows]
    assert all(tr.th.get("scope") == "row" for tr in rows)
    for treatment in ("Dry needling", "Physical therapy", "Acupuncture", "Sports chiropractic care"):
        assert any(treatment.lower() in n.lower() for n in names), f"no row for {treatment}: {names}"


def test_every_post_has_one_booking_block_and_header_link(site):
    for rel in post_pages(site):
        soup = site.soup(rel)
        blocks = soup.select("main .booking")
        assert len(blocks) == 1, f"{rel}: {len(blocks)} booking blocks"
        assert blocks[0].select_one(f'a[href="{BOOKING}"]'), f"{rel}: booking block has no booking link"
        assert soup.select_one(f'header a[href="{BOOKING}"]'), f"{rel}: no booking link in the header"


def test_every_booking_and_phone_link_uses_the_configured_values(site):
    for path in site.html_files():
        rel = site.rel(path)
        soup = site.soup(rel)
        header = soup.select_one("body > header")
        assert header.select_one(f'a[href="{BOOKING}"]') and header.select_one(f'a[href="{TEL}"]'), rel
        for a in soup.select("a[href*='booking']"):
            assert a["href"] == BOOKING, f"{rel}: booking link {a['href']}"
            assert "noreferrer" in a.get("rel", []), f"{rel}: booking link without rel=noreferrer"
        for a in soup.select("a[href^='tel:']"):
            assert a["href"] == TEL, f"{rel}: phone link {a['href']}"
        for a in soup.select("a"):
            assert text(a).lower() not in {"click here", "here", "read more", "learn more", "more"}, rel


def test_changing_the_clinic_data_changes_every_page(tmp_path):
    data = copy.deepcopy(CLINIC)
    data["clinic"]["phone"] = "+1 202-555-0199"
    data["clinic"]["booking_url"] = "https://book.example.org/other"
    built = build_ok(PUBLISH, tmp_path / "out", SITEURL=ORIGIN, CLINIC_DATA=data, CACHE_PATH=str(tmp_path / "c"))
    for path in built.html_files():
        html = path.read_text(encoding="utf-8")
        rel = built.rel(path)
        assert 'href="tel:+12025550199"' in html, rel
        assert 'href="https://book.example.org/other"' in html, rel
        assert BOOKING not in html and CLINIC["clinic"]["phone"] not in html, rel


def test_book_page_has_address_phone_hours_and_a_plain_map_link(site):
    soup = site.soup("book/index.html")
    main = soup.select_one("main")
    assert CLINIC["clinic"]["address"]["street"] in text(main.address)
    assert main.select_one(f'a[href="{TEL}"]') and main.select_one(f'a[href="{BOOKING}"]')
    assert main.select_one(f'a[href="{CLINIC["clinic"]["map_url"]}"]')
    assert not soup.select("iframe, embed, object")
    assert "Monday to Friday" in text(main)
    assert "first visit" in text(main).lower()


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reviewed")
    return build_ok(
        PUBLISH,
        tmp / "out",
        SITEURL=ORIGIN,
        PATH=str(REPO / "tests" / "fixtures" / "reviewed"),
        CACHE_PATH=str(tmp / "cache"),
    )


def test_review_takeaways_sources_toc_render(fixture_site):
    soup = fixture_site.soup("posts/a-reviewed-guide-to-sciatica-symptoms/index.html")
    review = soup.select_one(".review")
    assert "Medically reviewed by Byron Lam" in text(review)
    assert review.select_one("a")["href"] == f"{ORIGIN}/authors/byron-lam/"
    assert review.select_one("time")["datetime"] == "2026-02-01"
    assert "Last reviewed 1 February 2026" in text(review)
    assert [text(li) for li in soup.select(".takeaways li")] == ["First takeaway.", "Second takeaway."]
    assert [a["href"] for a in soup.select(".sources a")] == ["https://www.nhs.uk/conditions/sciatica/"]
    assert [text(a) for a in soup.select(".toc a")] == ["First section", "Second section", "Third section"]
    for a in soup.select(".toc a"):
        assert soup.find(id=a["href"][1:]) is not None
    assert soup.select_one(".disclaimer") and soup.select_one(".seek-help")
    assert "min read" in text(soup.select_one(".byline"))


def test_related_and_prev_next_render(fixture_site):
    soup = fixture_site.soup("posts/a-reviewed-guide-to-sciatica-symptoms/index.html")
    older = f"{ORIGIN}/posts/an-older-post-about-dry-needling/"
    assert [a["href"] for a in soup.select(".related a")] == [older]
    assert soup.select_one("a[rel=prev]")["href"] == older
    other = fixture_site.soup("posts/an-older-post-about-dry-needling/index.html")
    assert other.select_one("a[rel=next]")["href"] == f"{ORIGIN}/posts/a-reviewed-guide-to-sciatica-symptoms/"
    # no condition topic: no disclaimer; no sciatica topic: no seek-help note; no takeaways: no box
    assert not other.select(".disclaimer, .seek-help, .takeaways, .toc, .review")


def test_posts_without_review_claim_none(site):
    for post in content_posts():
        soup = site.soup(f"posts/{post['slug']}/index.html")
        assert ("reviewed_by" in post) == bool(soup.select(".review")), post["file"]


def test_breadcrumbs_on_posts_and_hubs(site):
    soup = site.soup("posts/piriformis-syndrome-explained/index.html")
    crumbs = [text(a) for a in soup.select("nav.breadcrumbs a")]
    assert crumbs == [CLINIC["clinic"]["name"], "Piriformis syndrome", "Piriformis Syndrome Explained"]
    hub = site.soup("topics/sciatica/index.html")
    assert [text(a) for a in hub.select("nav.breadcrumbs a")] == [CLINIC["clinic"]["name"], "Sciatica"]


def test_home_page_is_a_landing_page_in_patient_order(site):
    soup = site.soup("index.html")
    main = soup.select_one("main")
    ids = [h.get("id") for h in main.select("h1, h2")]
    assert ids == ["page-title", "topics-title", "start-title", "latest-title", "team-title", "home-booking-title"]
    start = main.select_one("#start-title").find_parent("section")
    assert start.select(".card-title a")[0]["href"] == f"{ORIGIN}/posts/sciatica-dry-needling-key-takeaways/"
    hubs = {a["href"] for a in main.select("#topics-title + ul a")}
    assert hubs == {f"{ORIGIN}/topics/{k}/" for k in CLINIC["topics"]}
    team = {a["href"] for a in main.select(".author-list a")}
    assert team == {f"{ORIGIN}/authors/{a['slug']}/" for a in CLINIC["authors"].values()}
