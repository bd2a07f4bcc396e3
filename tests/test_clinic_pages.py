"""The clinic's own pages around the blog (clinicsite/clinicpages.py):
services, practitioners, locations with their closures, the accessibility
statement and the privacy page — each checked by its selectors and its
parsed JSON-LD on fixture sites whose clinic is tests/fixtures/clinic.toml
(one location, no booking-system links) or that clinic with two locations
and Jane-shaped booking links. The name, address and phone of every
location are checked on every page of every build, the real site's too."""

from __future__ import annotations

import datetime as dt
import json
from collections import deque
from urllib.parse import quote, urlsplit

import pytest
from sitekit import FIXTURE_CLINIC, REAL_CLINIC, build_site, merge, text

ORIGIN = "https://clinic.example.com"
JANE = "https://fixture.janeapp.com/locations/{location}/book"
TWO_LOCATIONS = {
    "booking": {
        "system": "Jane",
        "location": JANE,
        "practitioner": JANE + "#/staff_member/{practitioner}",
        "practitioner_service": JANE + "#/staff_member/{practitioner}/treatment/{service}",
    },
    "locations": {
        "northside": {
            "name": "Fixture Clinic Northside",
            "phone": "+1 202-555-0177",
            "opening_hours": ["Sa 10:00-14:00"],
            "map_url": "https://www.openstreetmap.org/search?query=9%20North%20Lane",
            "map_image": "images/sciatic-nerve-and-piriformis.svg",
            "map_alt": "A drawing standing in for a map in the test suite",
            "map_credit": "Fixture drawing",
            "booking_id": "north",
            "address": {"street": "9 North Lane", "locality": "Northville", "region": "TS", "postal_code": "00002",
                        "country": "US"},
        },
    },
}


@pytest.fixture(scope="module")
def two_sites(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("two"), "full", clinic=TWO_LOCATIONS)


def graph(site, rel) -> dict[str, dict]:
    data = json.loads(site.soup(rel).select_one('script[type="application/ld+json"]').string)
    return {node["@id"]: node for node in data["@graph"] if "@id" in node}


def clinic_node(nodes) -> dict:
    return nodes[f"{ORIGIN}/#clinic"]


# --- Services ---------------------------------------------------------------------------


def test_services_index_links_every_configured_service(fixture_site):
    main = fixture_site.soup("services/index.html").select_one("main")
    links = {text(a): a["href"] for a in main.select(".card-title a")}
    assert links == {s["name"]: f"{ORIGIN}/services/{key}/" for key, s in FIXTURE_CLINIC["services"].items()}


@pytest.mark.parametrize("key", list(FIXTURE_CLINIC["services"]))
def test_a_service_page_says_what_it_is_who_provides_it_and_how_to_book(fixture_site, key):
    service = FIXTURE_CLINIC["services"][key]
    rel = f"services/{key}/index.html"
    main = fixture_site.soup(rel).select_one("main")
    assert text(main.h1) == service["name"]
    # What it is: the configured words, quoted, with their source linked.
    assert text(main.select_one("figure.quote blockquote")) == service["description"]
    assert main.select_one("figure.quote figcaption a")["href"] == service["source_url"]
    # Who: the staff practitioners who list it, else an honest "ask".
    providers = [n for n, a in FIXTURE_CLINIC["authors"].items() if key in a.get("services", [])]
    listed = [text(a) for a in main.select(".providers li > a:first-child")]
    assert listed == providers
    if not providers:
        assert "has not yet listed who provides" in text(main.select_one("#who-title").parent)
    # First visit: the clinic's own words, else "ask when you book".
    visit = text(main.select_one("#visit-title").parent)
    assert (service.get("first_visit") or "has not yet described a first visit") in visit
    # Related posts: every post about its topic, and the topic's hub.
    topic = service["topic"]
    with_topic = sorted(p["title"] for p in posts_of_topic(fixture_site, topic))
    assert sorted(text(a) for a in main.select("#read-title ~ .post-list .card-title a")) == with_topic
    if with_topic:
        assert main.select_one(f'#read-title ~ p a[href="{ORIGIN}/topics/{topic}/"]')
    # Booking: the clinic's booking link (no booking-system links here) and the phone.
    booking = main.select_one(".booking")
    assert booking.select_one("a.button")["href"] == FIXTURE_CLINIC["clinic"]["booking_url"]
    assert FIXTURE_CLINIC["locations"]["testville"]["address"]["street"] in text(booking)

    nodes = graph(fixture_site, rel)
    therapy = nodes[f"{ORIGIN}/services/{key}/#service"]
    assert therapy["@type"] == "MedicalTherapy" and therapy["description"] == service["description"]
    assert {"@id": therapy["@id"]} in clinic_node(nodes)["availableService"]
    assert nodes[f"{ORIGIN}/services/{key}/#webpage"]["about"] == {"@id": therapy["@id"]}
    if with_topic:
        assert therapy["subjectOf"] == {"@id": f"{ORIGIN}/topics/{topic}/#webpage"}


def posts_of_topic(site, topic):
    from sitekit import posts_of

    return [p for p in posts_of(site) if topic in p["topics"]]


# --- Practitioners ----------------------------------------------------------------------


def test_practitioners_are_the_staff_people_with_their_services_and_booking(fixture_site):
    main = fixture_site.soup("practitioners/index.html").select_one("main")
    staff = [n for n, a in FIXTURE_CLINIC["authors"].items() if a["affiliation"] == "staff" and a["kind"] == "person"]
    cards = main.select(".card")
    assert [text(c.select_one(".card-title a")) for c in cards] == staff
    for card, name in zip(cards, staff):
        author = FIXTURE_CLINIC["authors"][name]
        assert [a["href"] for a in card.select("p a:not(.button)")] == [f"{ORIGIN}/services/{s}/" for s in author["services"]]
        assert text(card.select_one("a.button")) == f"Book with {name}"
    nodes = graph(fixture_site, "practitioners/index.html")
    items = nodes[f"{ORIGIN}/practitioners/#webpage"]["mainEntity"]["itemListElement"]
    people = [nodes[i["item"]["@id"]] for i in items]
    assert [p["name"] for p in people] == staff
    for person in people:
        assert person["worksFor"] == {"@id": f"{ORIGIN}/#clinic"}
        assert person["knowsAbout"] == [{"@id": f"{ORIGIN}/services/{s}/#service"}
                                        for s in FIXTURE_CLINIC["authors"][person["name"]]["services"]]


def test_a_staff_practitioners_profile_lists_services_and_books_with_them(fixture_site):
    main = fixture_site.soup("authors/dana-staff/index.html").select_one("main")
    section = main.select_one("#services-title").parent
    assert [a["href"] for a in section.select("li a")] == [f"{ORIGIN}/services/physical-therapy/"]
    assert text(section.select_one("a.button")) == "Book with Dana Staff"
    guest = fixture_site.soup("authors/gus-guest/index.html")
    assert guest.select_one("#services-title") is None and "Book with Gus Guest" not in text(guest)


def test_the_real_clinic_says_it_has_not_listed_practitioners(site):
    main = site.soup("practitioners/index.html").select_one("main")
    assert not main.select(".card") and "has not yet listed its practitioners" in text(main)


# --- Locations, hours and closures ------------------------------------------------------


def test_a_location_page_has_its_hours_coming_closures_and_map_links(fixture_site):
    loc = FIXTURE_CLINIC["locations"]["testville"]
    main = fixture_site.soup("locations/testville/index.html").select_one("main")
    assert "Monday to Friday: 09:00 to 17:00" in text(main)
    days = [text(li) for li in main.select("ul.dates li")]
    assert days == ["Winter break: closed from 24 December 2026 to 26 December 2026",
                    "New Year's Eve, 31 December 2026: open 09:00 to 12:30"]  # the 2025 closure is over
    links = [a["href"] for a in main.select("#where-title ~ ul a")]
    street = loc["address"]["street"]
    assert links[0] == loc["map_url"] and links[1].startswith("geo:0,0?q=") and quote(street) in links[1]
    assert not main.select("img, iframe")  # no map_image configured: links only, nothing from a map provider
    special = clinic_node(graph(fixture_site, "index.html"))["specialOpeningHoursSpecification"]
    assert special == [
        {"@type": "OpeningHoursSpecification", "name": "Winter break", "opens": "00:00", "closes": "00:00",
         "validFrom": "2026-12-24", "validThrough": "2026-12-26"},
        {"@type": "OpeningHoursSpecification", "name": "New Year's Eve", "opens": "09:00", "closes": "12:30",
         "validFrom": "2026-12-31", "validThrough": "2026-12-31"},
    ]


def test_the_report_asks_to_remove_closures_that_are_over(tmp_path, caplog):
    import logging

    # A name no other build logged: Pelican's log filter drops a message it has already seen.
    name = f"Closure {tmp_path.name}"
    closures = [{"name": name, "start": dt.date(2026, 5, 1), "end": dt.date(2026, 5, 2)},
                {"name": "Coming", "start": dt.date(2026, 7, 1)}]
    with caplog.at_level(logging.INFO, logger="clinicsite"):
        build_site(tmp_path, clinic={"locations": {"testville": {"closures": closures}}})
    over = [r.getMessage() for r in caplog.records if "is over" in r.getMessage()]
    assert over == [f'clinicsite report: clinic.toml: locations.testville: "{name}" (2026-05-01) is over — remove it']


def test_each_of_two_locations_has_its_page_node_and_map(two_sites):
    book = two_sites.soup("book/index.html").select_one("main")
    assert {a["href"] for a in book.select("#where-title ~ ul a")} == {
        f"{ORIGIN}/locations/testville/", f"{ORIGIN}/locations/northside/"}
    clinic = clinic_node(graph(two_sites, "index.html"))
    assert "address" not in clinic
    assert clinic["department"] == [{"@id": f"{ORIGIN}/locations/testville/#place"},
                                    {"@id": f"{ORIGIN}/locations/northside/#place"}]
    rel = "locations/northside/index.html"
    place = graph(two_sites, rel)[f"{ORIGIN}/locations/northside/#place"]
    north = TWO_LOCATIONS["locations"]["northside"]
    assert place["parentOrganization"] == {"@id": f"{ORIGIN}/#clinic"} and place["telephone"] == north["phone"]
    assert place["openingHours"] == north["opening_hours"] and "specialOpeningHoursSpecification" not in place
    assert place["potentialAction"]["target"] == JANE.format(location="north")
    figure = two_sites.soup(rel).select_one("main figure.map")
    img = figure.img
    assert img["alt"] == north["map_alt"] and img["width"] and img["height"] and text(figure.figcaption) == north["map_credit"]
    assert two_sites.file_for(img["src"]).is_file() and urlsplit(img["src"]).netloc == urlsplit(ORIGIN).netloc


def test_booking_links_are_as_specific_as_the_ids_allow(two_sites):
    practitioners = two_sites.soup("practitioners/index.html").select_one("main")
    assert practitioners.select_one("a.button")["href"] == JANE.format(location="testville") + "#/staff_member/7"
    service = two_sites.soup("services/physical-therapy/index.html").select_one("main")
    assert service.select_one(".providers a[rel=noreferrer]")["href"] == \
        JANE.format(location="testville") + "#/staff_member/7/treatment/21"
    # No `service` template: the service's own button falls back to the location's booking page.
    assert service.select_one(".booking a.button")["href"] == JANE.format(location="testville")
    header = two_sites.soup("index.html").select_one("body > header")
    assert header.select_one("a.button")["href"] == JANE.format(location="testville")


# --- The statements ---------------------------------------------------------------------


def test_the_accessibility_statement_states_the_target_tests_limits_and_contact(fixture_site):
    from clinicsite.clinicpages import ACCESSIBILITY_CHECKS

    main = fixture_site.soup("accessibility/index.html").select_one("main")
    assert "WCAG) 2.2 at level AA" in text(main)
    assert [text(li) for li in main.select("#tests-title ~ ul li")] == ACCESSIBILITY_CHECKS
    assert [text(li) for li in main.select("#known-title ~ ul li")] == FIXTURE_CLINIC["accessibility"]["known_limitations"]
    contact = main.select_one("#contact-title").parent
    assert contact.select_one(f'a[href="mailto:{FIXTURE_CLINIC["clinic"]["email"]}"]') and contact.select_one('a[href^="tel:"]')
    assert main.select_one("time")["datetime"] == str(FIXTURE_CLINIC["accessibility"]["reviewed"])


def test_the_privacy_page_states_the_clinics_logging_facts(fixture_site):
    main = fixture_site.soup("privacy/index.html").select_one("main")
    privacy = {"server_logs": "The web server keeps no record of the pages people visit.", "error_log_days": 14}  # the defaults
    assert privacy["server_logs"] in text(main) and f"kept for {privacy['error_log_days']} days" in text(main)
    assert "booking.example.com" in text(main.select_one("#links-title").parent)


def test_a_clinics_privacy_settings_change_the_privacy_page(tmp_path):
    built = build_site(tmp_path, clinic={"privacy": {"server_logs": "The server keeps access logs for 7 days.",
                                                     "error_log_days": 3}})
    main = built.soup("privacy/index.html").select_one("main")
    assert "The server keeps access logs for 7 days." in text(main) and "kept for 3 days" in text(main)


# --- Every page: in the sitemap, linked, name/address/phone ---------------------------


PAGES = ["services/", "services/physical-therapy/", "services/dry-needling/", "practitioners/",
         "locations/testville/", "accessibility/", "privacy/"]


def test_every_clinic_page_is_in_the_sitemap_and_reachable_from_the_home_page(fixture_site):
    sitemap = (fixture_site.root / "sitemap.xml").read_text(encoding="utf-8")
    reached, queue = {"index.html"}, deque(["index.html"])
    while queue:
        rel = queue.popleft()
        for a in fixture_site.soup(rel).select("a[href]"):
            target = fixture_site.file_for(a["href"], rel)
            if target is not None and target.is_file() and target.suffix == ".html":
                found = fixture_site.rel(target)
                if found not in reached:
                    reached.add(found)
                    queue.append(found)
    for path in PAGES:
        assert f"<loc>{ORIGIN}/{path}</loc>" in sitemap, path
        assert f"{path}index.html" in reached, path
    footer = fixture_site.soup("posts/a-table-of-treatments/index.html").select_one("footer")
    assert {a["href"] for a in footer.select("a")} >= {f"{ORIGIN}/accessibility/", f"{ORIGIN}/privacy/"}


@pytest.mark.parametrize("which, clinic", [("fixture_site", FIXTURE_CLINIC), ("site", REAL_CLINIC),
                                           ("two_sites", merge(FIXTURE_CLINIC, TWO_LOCATIONS))])
def test_every_page_names_each_location_exactly_as_configured(which, clinic, request):
    """NAP: wherever a page shows a location, its name, address and phone are
    clinic.toml's, every phone link is a location's, and the structured data
    agrees."""
    built = request.getfixturevalue(which)
    locations = clinic["locations"]
    tels = {"tel:" + "".join(ch for ch in loc["phone"] if ch.isdigit() or ch == "+") for loc in locations.values()}
    for path in built.html_files():
        rel = built.rel(path)
        soup = built.soup(rel)
        shown = soup.select("address.nap")
        assert shown, f"{rel}: no location's name, address and phone"
        for nap in shown:
            loc = locations[nap["data-location"]]
            a = loc["address"]
            assert text(nap.select_one(".nap-name")) == (loc.get("name") or clinic["clinic"]["name"]), rel
            assert text(nap.select_one(".nap-street")) == a["street"], rel
            assert text(nap.select_one(".nap-locality")) == f"{a['locality']}, {a['region']} {a['postal_code']}", rel
            assert text(nap.select_one(".nap-phone")) == loc["phone"], rel
        for link in soup.select('a[href^="tel:"]'):
            assert link["href"] in tels, f"{rel}: {link['href']} is no location's phone"
        for node in graph(built, rel).values():
            if "telephone" in node:
                match = [loc for loc in locations.values() if loc["phone"] == node["telephone"]]
                assert match, f"{rel}: {node['@id']} has a phone no location has"
                assert node["address"]["streetAddress"] == match[0]["address"]["street"], rel
                assert node["address"]["postalCode"] == match[0]["address"]["postal_code"], rel
