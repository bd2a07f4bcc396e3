"""Start-up: defaults, validation of clinic.toml, the reader and Jinja helpers."""

from __future__ import annotations

import logging

from pelican.utils import slugify

from . import assets, fingerprint, pages, responsive, tables
from .errors import ContentError
from .reader import FrontMatterReader
from .settings import apply_defaults, site_of

logger = logging.getLogger(__name__)


def initialize(pelican) -> None:
    settings = pelican.settings
    apply_defaults(settings)
    site = site_of(settings)  # raises ContentError naming clinic.toml keys
    # Absolute origin for canonical URLs, feeds and JSON-LD; templates keep
    # SITEURL, which Pelican rewrites to a relative path in development.
    settings["CLINICSITE_ORIGIN"] = settings["SITEURL"].rstrip("/")
    if settings.get("FEED_DOMAIN"):
        # publishconf computes FEED_DOMAIN from SITEURL at import; a SITEURL
        # given later as an override must move the feeds with it.
        settings["FEED_DOMAIN"] = settings["CLINICSITE_ORIGIN"]
    settings["_CLINICSITE_PAGES"] = []
    settings["_CLINICSITE_IMAGES"] = []  # image variants encoded by this build
    subs = settings.get("SLUG_REGEX_SUBSTITUTIONS", [])
    for name, author in site.authors.items():
        expected = slugify(name, regex_subs=subs)
        if author.slug != expected:
            raise ContentError(
                f'clinic.toml: authors."{name}".slug: is "{author.slug}" but Pelican derives '
                f'"{expected}" from the name — set slug = "{expected}"'
            )
    for key, topic in site.topics.items():
        expected = slugify(topic.name, regex_subs=subs)
        if key != expected:
            raise ContentError(
                f'clinic.toml: topics.{key}: the key must be the slug of its name "{topic.name}" '
                f'— rename the table to [topics.{expected}]'
            )
    settings["JINJA_GLOBALS"] = {
        **settings.get("JINJA_GLOBALS", {}),
        "site": site,
        "page_info": pages.page_info,
        "inline_css": assets.inline_css,
        "avatar_url": assets.avatar_url,
        "asset_url": fingerprint.asset_url,
    }
    settings["JINJA_FILTERS"] = {
        **settings.get("JINJA_FILTERS", {}),
        "isodate": pages.isodate,
        "humandate": pages.humandate,
        "hours": pages.opening_hours,
        "markdown": assets.markdown_filter,
        "responsive_images": responsive.responsive_images,
        "scrollable_tables": tables.scrollable_tables,
    }


def add_reader(readers) -> None:
    readers.reader_classes["md"] = FrontMatterReader
