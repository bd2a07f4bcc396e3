"""Start-up: the build's state, the content cache's key, the readers and the
helpers templates use."""

from __future__ import annotations

from pathlib import Path

from jinja2 import FileSystemBytecodeCache
from pelican.utils import slugify

from . import assets, contentcache, feedback, pageinfo, responsive, state, tables
from .errors import ContentError
from .reader import FrontMatterReader
from .report import CHECKS


def initialize(pelican) -> None:
    build = state.start(pelican)
    settings = pelican.settings
    unknown = set(settings["CLINICSITE_REPORT_ERRORS"]) - set(CHECKS)
    if unknown:
        raise ContentError(f"settings: CLINICSITE_REPORT_ERRORS: unknown check(s) {sorted(unknown)} — use some of: {', '.join(CHECKS)}")
    _check_slugs(build.site, settings)
    feedback.configure(settings)
    if settings.get("FEED_DOMAIN"):
        # publishconf.py computes FEED_DOMAIN from SITEURL when it is read; a
        # SITEURL given later (an override) must move the feeds with it.
        settings["FEED_DOMAIN"] = build.origin
    contentcache.invalidate(settings)
    if settings.get("CACHE_PATH"):
        # Pelican makes a Jinja environment per generator and run: compiled
        # templates are kept, keyed by their source (~0.6 s a build).
        settings["JINJA_ENVIRONMENT"] = {
            **settings.get("JINJA_ENVIRONMENT", {}),
            "bytecode_cache": FileSystemBytecodeCache(_folder(Path(settings["CACHE_PATH"]) / "jinja")),
        }
    settings["JINJA_FILTERS"] = {
        **settings.get("JINJA_FILTERS", {}),
        "isodate": pageinfo.isodate,
        "humandate": pageinfo.humandate,
        "hours": pageinfo.opening_hours,
        "markdown": assets.markdown_filter,
        "responsive_images": responsive.responsive_images,
        "scrollable_tables": tables.scrollable_tables,
    }
    _globals(settings, build)


def begin_run(pelican) -> None:
    """get_generators: each Pelican run (several under --autoreload)."""
    state.begin_run(pelican)
    _globals(pelican.settings, state.current())


def _globals(settings, build) -> None:
    settings["JINJA_GLOBALS"] = {
        **settings.get("JINJA_GLOBALS", {}),
        "site": build.site,
        "site_origin": build.origin,
        "page_info": pageinfo.page_info,
        "showing_help": pageinfo.showing_help,
        "inline_css": assets.inline_css,
        "avatar_url": assets.avatar_url,
        "asset_url": assets.asset_url,
    }


def add_readers(readers) -> None:
    readers.reader_classes["md"] = FrontMatterReader
    readers.reader_classes["static"] = assets.StaticReader


def _check_slugs(site, settings) -> None:
    """Author and topic keys must be what Pelican derives from their names,
    or their pages would not be where links point."""
    subs = settings.get("SLUG_REGEX_SUBSTITUTIONS", [])
    problems = []
    for name, author in site.authors.items():
        expected = slugify(name, regex_subs=subs)
        if author.slug != expected:
            problems.append(f'clinic.toml: authors."{name}".slug: is "{author.slug}" but Pelican derives '
                            f'"{expected}" from the name — set slug = "{expected}"')
    for key, topic in site.topics.items():
        expected = slugify(topic.name, regex_subs=subs)
        if key != expected:
            problems.append(f'clinic.toml: topics.{key}: the key must be the slug of its name "{topic.name}" '
                            f"— rename the table to [topics.{expected}]")
    if problems:
        raise ContentError("\n".join(problems))


def _folder(path: Path) -> str:
    path.mkdir(parents=True, exist_ok=True)
    return str(path)
