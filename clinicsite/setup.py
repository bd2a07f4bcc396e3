"""Start-up: defaults, validation of clinic.toml, the reader and Jinja helpers."""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import zlib
from pathlib import Path

import markdown
import pelican
import pydantic
import yaml
from pelican.utils import slugify

from . import assets, config, errors, fingerprint, frontmatter, pages, responsive, tables
from . import reader as reader_module
from . import settings as settings_module
from .errors import ContentError
from .reader import FrontMatterReader, markdown_config
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
    invalidate_content_cache(settings)
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


# What a cached reading of a post depends on besides the file's own bytes:
# the clinic data (known authors and topics are validated while reading), the
# code of the reader and what it imports, the Markdown configuration, the
# naming settings cached objects carry, and the libraries' versions.
_READER_MODULES = (reader_module, frontmatter, settings_module, config, errors)
_READER_CACHE_KEY_FILE = "clinicsite-readers.key"


def content_cache_key(settings) -> str:
    digest = hashlib.sha256()
    for module in _READER_MODULES:
        digest.update(module.__name__.encode() + b"\0" + Path(module.__file__).read_bytes())
    # Pelican caches Author, Tag and Category objects, which keep the
    # settings they were made with: their URL patterns and slug rules. (Not
    # the other URL settings: the preview's and production's differ, e.g.
    # DRAFT_SAVE_AS, and they share the cache.)
    naming = {
        k: v for k, v in settings.items()
        if (k.startswith(("AUTHOR_", "CATEGORY_", "TAG_")) and k.endswith(("_URL", "_SAVE_AS")))
        or k.startswith("SLUG") or k.endswith("_REGEX_SUBSTITUTIONS")
    }
    facts = {
        "naming": naming,
        "clinic": settings.get("CLINIC_DATA"),
        "markdown": markdown_config(settings),
        "page_paths": settings.get("PAGE_PATHS"),
        "versions": [pelican.__version__, markdown.__version__, yaml.__version__, pydantic.VERSION],
        "yaml_loader": frontmatter._LOADER.__name__,
    }
    digest.update(json.dumps(facts, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def invalidate_content_cache(settings) -> None:
    """Pelican keys its content cache by file only: empty it when anything
    else a reading depends on changed, so a stale parse is never reused."""
    if not (settings.get("CACHE_CONTENT") or settings.get("LOAD_CONTENT_CACHE")):
        return
    cache = Path(settings["CACHE_PATH"])
    stamp = cache / _READER_CACHE_KEY_FILE
    key = content_cache_key(settings)
    try:
        current = stamp.read_text(encoding="utf-8") == key
    except OSError:
        current = False
    for path in cache.glob("*-Readers"):
        if not current or not _intact(path, settings):
            path.unlink()
    if not current:
        cache.mkdir(parents=True, exist_ok=True)
        stamp.write_text(key, encoding="utf-8")


def _intact(path: Path, settings) -> bool:
    """False for a cache file cut short (another build was writing it):
    Pelican would fail on it at every build instead of starting afresh."""
    if not settings.get("GZIP_CACHE", True):
        return True
    try:
        with gzip.open(path, "rb") as fh:
            while fh.read(1 << 20):
                pass
    except (OSError, EOFError, zlib.error):
        logger.info("clinicsite: %s was cut short; reading every post again", path)
        return False
    return True


def prune_content_cache(generator) -> None:
    """Keep in the loaded content cache only the files of this build's
    content folder: Pelican saves back everything it loaded, so the cache
    of a folder built with different content folders (tests, benchmarks)
    would otherwise only grow. (Pelican sends the signal before every file
    it reads: the work is done on the first.)"""
    if getattr(generator, "_clinicsite_pruned", False):
        return
    generator._clinicsite_pruned = True
    cached = getattr(generator.readers, "_cache", None)
    if not cached:
        return
    root = os.path.join(os.path.abspath(generator.settings["PATH"]), "")
    generator.readers._cache = {
        path: value for path, value in cached.items() if path.startswith(root) and os.path.isfile(path)
    }
