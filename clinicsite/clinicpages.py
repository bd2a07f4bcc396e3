"""The clinic's own pages around the blog, from clinic.toml: services,
practitioners, locations, the accessibility statement and the privacy page.

One Pelican generator (returned from the `get_generators` signal) writes
them with Pelican's Writer after the posts and pages are read, so a service
page can list the posts about its treatment. Each template gets a
`clinic_page` that says what the page is (pageinfo.describe turns it into
the <head>, breadcrumbs, sitemap entry and JSON-LD like every other page).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from pelican.generators import Generator

from .state import current

logger = logging.getLogger(__name__)

SERVICES = "services/"
PRACTITIONERS = "practitioners/"
LOCATIONS = "locations/"
ACCESSIBILITY = "accessibility/"
PRIVACY = "privacy/"


# What the test suite checks (tests/test_browser.py imports these values;
# tests/test_html_validity.py runs the Nu checker): the accessibility
# statement says exactly this.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]
WIDTHS = (375, 1280)
SCHEMES = ("light", "dark")
ACCESSIBILITY_CHECKS = [
    "axe-core checks a page of every kind against the WCAG 2.0, 2.1 and 2.2 level A and AA rules it can test "
    f"automatically, on a phone-sized ({WIDTHS[0]} pixels) and a desktop-sized ({WIDTHS[1]} pixels) screen, in light and dark mode.",
    "The W3C Nu HTML Checker finds no error in any page.",
    "In a real browser, a page of every kind can be used with a keyboard alone: a skip link, the main navigation "
    "and the booking link can be reached, and every focused item is visible and not covered.",
    "No page scrolls sideways on a screen 320 pixels wide, and nothing moves while a page loads.",
    "No page animates when your device asks for reduced motion, and the printed page keeps the advice on when to get help.",
]


@dataclass
class ClinicPage:
    kind: str  # services, service, practitioners, location, accessibility, privacy
    path: str  # the URL path, e.g. "services/dry-needling/"
    heading: str
    description: str
    crumbs: list[tuple[str, str]] = field(default_factory=list)  # (name, path) after the home page
    key: str = ""  # the service's or location's key in clinic.toml
    title: str = ""  # the <title>, when "<heading> | <clinic>" would repeat another page's


def upcoming(location, today: dt.date) -> list:
    """A location's closures and special hours that have not ended, by date."""
    return sorted((d for d in [*location.closures, *location.special_hours] if d.last >= today), key=lambda d: d.start)


def past_dates(site, today: dt.date) -> list[str]:
    """Closures and special hours that are over: for the editorial report."""
    return [f'clinic.toml: locations.{key}: "{day.name}" ({day.start}) is over — remove it'
            for key, loc in site.locations.items() for day in [*loc.closures, *loc.special_hours] if day.last < today]


class ClinicPagesGenerator(Generator):
    def generate_context(self):
        build = current()
        site = build.site
        articles = self.context.get("articles", [])
        by_source = {a.relative_source_path: a for a in articles}
        self.service_source = {}
        for key, service in site.services.items():
            if service.source:
                article = by_source.get(service.source)
                if article is None:
                    logger.error("clinicsite: clinic.toml: services.%s.source: %r is not a published post — write the "
                                 "path of a post under content/, e.g. \"posts/2026-11-22-how-dry-needling-can-help-sciatica.md\"",
                                 key, service.source)
                self.service_source[key] = article

    def generate_output(self, writer):
        build = current()
        site = build.site
        today = build.today
        articles = self.context.get("articles", [])

        def write(page: ClinicPage, template: str, **extra):
            context = dict(self.context)
            writer.write_file(page.path + "index.html", self.get_template(template), context,
                              relative_urls=self.settings["RELATIVE_URLS"], clinic_page=page, **extra)

        if site.services:
            write(ClinicPage("services", SERVICES, "Services",
                             f"What {site.clinic.name} offers for {site.editorial.about}: what each treatment is, "
                             "who provides it and how to book it.", [("Services", SERVICES)]),
                  "services")
        for key, service in site.services.items():
            path = f"{SERVICES}{key}/"
            write(ClinicPage("service", path, service.name,
                             f"{service.name} at {site.clinic.name}: what it is, who provides it here, your first "
                             "visit, and how to book.", [("Services", SERVICES), (service.name, path)], key,
                             title=f"{service.name} at {site.clinic.name}"),
                  "service", service=service, service_key=key, source_article=self.service_source.get(key),
                  providers=[n for n in site.practitioners if key in site.authors[n].services],
                  posts=[a for a in articles if service.topic in a.topic_keys],
                  topic_tag=next((t for a in articles for t in a.tags if t.slug == service.topic), None))
        write(ClinicPage("practitioners", PRACTITIONERS, "Our practitioners",
                         f"The practitioners who see patients at {site.clinic.name}, what each provides and how to "
                         "book with them.", [("Our practitioners", PRACTITIONERS)]),
              "practitioners")
        statics = self.context.get("static_content", {})
        for key, loc in site.locations.items():
            path = f"{LOCATIONS}{key}/"
            name = site.location_name(loc)
            static = statics.get(loc.map_image) if loc.map_image else None
            picture = build.assets.pictures.get(static.save_as) if static else None
            if loc.map_image and picture is None:
                logger.error("clinicsite: clinic.toml: locations.%s.map_image: %r is not an image under content/ — "
                             "add the map there (e.g. content/images/map.svg) or leave map_image empty", key, loc.map_image)
            map_image = {"src": static.url, "width": picture.width, "height": picture.height} if picture else None
            write(ClinicPage("location", path, f"{name}, {loc.address.locality}",
                             f"{name} at {loc.address.one_line}: phone, opening hours, holiday closures, map and "
                             "how to book.", [(f"{name}, {loc.address.locality}", path)], key),
                  "location", location=loc, location_key=key, map_image=map_image,
                  dates=upcoming(loc, today),
                  geo=f"geo:0,0?q={quote(loc.address.one_line)}")
        write(ClinicPage("accessibility", ACCESSIBILITY, "Accessibility statement",
                         f"How accessible {site.clinic.name}'s website is, how we test it, what we know is not yet "
                         "right, and how to tell us about a problem.", [("Accessibility", ACCESSIBILITY)]),
              "accessibility", accessibility_checks=ACCESSIBILITY_CHECKS)
        write(ClinicPage("privacy", PRIVACY, "Privacy",
                         f"What {site.clinic.name}'s website records about your visit: no cookies, no trackers, "
                         "nothing sent to other companies.", [("Privacy", PRIVACY)]),
              "privacy", booking_host=urlsplit(site.clinic.booking_url).hostname)


def get_generators(pelican):
    return ClinicPagesGenerator
