"""Pelican's content cache (CACHE_CONTENT, LOAD_CONTENT_CACHE) keeps each
post's reading, keyed by the file alone. A reading also depends on
clinic.toml (known authors, clinicians, topics, categories), the reader's
code, the Markdown options, the naming settings the cached Author, Tag and
Category objects carry, and the libraries' versions: when any of those
changed, the cache files are deleted at start-up so a stale reading is never
reused."""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from importlib.metadata import version
from pathlib import Path

from . import config, errors, frontmatter, linkcheck, reader, rules, sanitize

KEY_FILE = "clinicsite-readers.key"
_MODULES = (reader, frontmatter, sanitize, linkcheck, rules, config, errors)


def key(settings) -> str:
    digest = hashlib.sha256()
    for module in _MODULES:
        digest.update(module.__name__.encode() + b"\0" + Path(module.__file__).read_bytes())
    # Not the other URL settings: the preview's and production's differ
    # (DRAFT_SAVE_AS), and they share the cache.
    naming = {
        k: v for k, v in settings.items()
        if (k.startswith(("AUTHOR_", "CATEGORY_", "TAG_")) and k.endswith(("_URL", "_SAVE_AS")))
        or k.startswith("SLUG") or k.endswith("_REGEX_SUBSTITUTIONS")
    }
    facts = {
        "naming": naming,
        "clinic": Path(settings["CLINICSITE_CLINIC_FILE"]).read_bytes().decode("utf-8", "replace"),
        "markdown": reader.markdown_config(settings),
        "paths": [settings.get("PATH"), settings.get("PAGE_PATHS"), settings.get("TIMEZONE")],
        "intrasite": settings.get("INTRASITE_LINK_REGEX"),
        "versions": [version(p) for p in ("pelican", "markdown", "pyyaml", "pydantic", "nh3")],
    }
    digest.update(json.dumps(facts, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def invalidate(settings) -> None:
    if not (settings.get("CACHE_CONTENT") or settings.get("LOAD_CONTENT_CACHE")):
        return
    cache = Path(settings["CACHE_PATH"])
    stamp = cache / KEY_FILE
    wanted = key(settings)
    try:
        current = stamp.read_text(encoding="utf-8") == wanted
    except OSError:
        current = False
    for path in cache.glob("*-Readers"):
        if not current or not _intact(path, settings):
            path.unlink()
    if not current:
        cache.mkdir(parents=True, exist_ok=True)
        stamp.write_text(wanted, encoding="utf-8")


def _intact(path: Path, settings) -> bool:
    """False for a cache file cut short (a build killed while saving it):
    Pelican would fail on it at every build instead of starting afresh."""
    if not settings.get("GZIP_CACHE", True):
        return True
    try:
        with gzip.open(path, "rb") as fh:
            while fh.read(1 << 20):
                pass
    except (OSError, EOFError, zlib.error):
        return False
    return True
