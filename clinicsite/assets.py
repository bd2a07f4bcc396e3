"""Every file pages reference, made and named before any page renders.

At `all_generators_finalized` — Pelican has read everything and rendered
nothing — `prepare()` draws (or takes from CACHE_PATH/assets) the social
cards, the favicon set and the authors' avatars, encodes the images'
responsive variants (responsive.py), copies the search page's script and
writes the web app manifest. Each file goes into the output under a
fingerprinted name, `<stem>.<first 10 hex of its sha256><ext>`, that changes
whenever its bytes do, so it can be cached for a year; a template asks for it
with `asset_url(name)` and gets that final name. Static files from content/
(images, documents) get theirs as Pelican reads them,
so `{static}` links resolve to them (StaticReader). Nothing rewrites a page after it is
written.

The stylesheet is inlined into every page (`inline_css()`): it is small
enough that a separate render-blocking request would cost more than its bytes
(bench/results/css-delivery.md). Its sha256 is the only style the
Content-Security-Policy allows.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
import os
import posixpath
from pathlib import Path

import markdown
import PIL
import rcssmin
from jinja2 import pass_context
from markupsafe import Markup
from pelican.readers import BaseReader

from . import images, responsive
from .files import link_or_copy, write_atomic
from .state import current

logger = logging.getLogger(__name__)
HASH_LEN = 10
# A fingerprinted name, as the nginx config's immutable-caching rule sees it.
URL_SUFFIX_RE = rf"\.[0-9a-f]{{{HASH_LEN}}}\.[A-Za-z0-9]+$"
# The site's own card: a name no post slug can take (slugs are lower-case words).
SITE_CARD = "social/_site.png"
# Cards to draw before they go to the worker processes while posts are read.
EARLY_CARDS = 32
# Static files that get a fingerprinted name (all of content/'s images).
FINGERPRINTED = (".png", ".jpg", ".jpeg", ".webp", ".avif", ".gif", ".svg")
# What content/ may publish as files: images and documents, nothing a
# browser would run (a script, an HTML page) from the site's own origin.
PUBLISHABLE = FINGERPRINTED + (".pdf",)


def fingerprinted(name: str, data: bytes) -> str:
    stem, ext = posixpath.splitext(name)
    return f"{stem}.{hashlib.sha256(data).hexdigest()[:HASH_LEN]}{ext}"


class Assets:
    def __init__(self, build):
        self.build = build
        self.output = Path(build.settings["OUTPUT_PATH"])
        self.cache = Path(build.settings["CACHE_PATH"]) / "assets"
        self.paths: dict[str, str] = {}  # name -> its fingerprinted path in the output
        self.pictures: dict[str, responsive.Picture] = {}  # an image's output path -> its variants
        self.statics: set[str] = set()  # where Pelican writes content/'s static files
        self.waiting: dict[Path, tuple] = {}  # cards to draw, not yet sent to the workers
        self.drawing: dict[Path, object] = {}  # cards the workers are drawing (futures)
        theme_css = Path(build.settings["THEME"]) / "static" / "css" / "site.css"
        self.css = _minified(str(theme_css), theme_css.stat().st_mtime_ns)
        self.css_hash = "'sha256-" + base64.b64encode(hashlib.sha256(self.css.encode()).digest()).decode() + "'"

    def path(self, name: str) -> str:
        try:
            return self.paths[name]
        except KeyError:
            raise KeyError(f"asset_url: no asset named {name!r} (known: {', '.join(sorted(self.paths))})") from None

    def put(self, name: str, data: bytes) -> str:
        """Write `data` into the output under `name`'s fingerprinted form."""
        rel = fingerprinted(name, data)
        target = self.output / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.paths[name] = rel
        return rel

    def put_file(self, name: str, source: Path, plain: bool = False) -> str:
        """Copy a cached file into the output under `name`'s fingerprinted form
        (or `name` itself if `plain`), as a hard link when the cache is on the
        same file system: nothing ever writes into an output file."""
        rel = name if plain else fingerprinted(name, source.read_bytes())
        target = self.output / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        link_or_copy(source, target)
        self.paths[name] = rel
        return rel

    def draw_card_early(self, title: str) -> None:
        """While Pelican reads the posts: start drawing this title's card on
        the worker processes, once there are enough cards to draw to make
        starting them worthwhile (prepare() draws the rest here)."""
        name, size = self.build.site.clinic.name, tuple(self.build.settings["CLINICSITE_SOCIAL_SIZE"])
        path = self._path([name, title, f"{size[0]}x{size[1]}"], ".png")
        if path.exists() or path in self.drawing or path in self.waiting:
            return
        self.waiting[path] = (name, title, size)
        if len(self.waiting) >= EARLY_CARDS:
            pool = self.build.pool()
            for queued, args in self.waiting.items():
                self.drawing[queued] = pool.submit(images.card_png, *args)
            self.waiting.clear()

    def _path(self, key_parts: list[str], ext: str) -> Path:
        key = hashlib.sha256("\0".join([images.VERSION, PIL.__version__, *key_parts]).encode()).hexdigest()[:24]
        return self.cache / f"{key}{ext}"

    def cached(self, key_parts: list[str], ext: str, make, *args) -> Path:
        """The cache file for these inputs, made by `make(*args)` if missing."""
        return self.cached_many([(key_parts, ext, make, args)])[0]

    def cached_many(self, jobs) -> list[Path]:
        """Like cached() for many jobs; the missing ones are made on the pool."""
        paths, todo = [], []
        self.cache.mkdir(parents=True, exist_ok=True)
        for key_parts, ext, make, args in jobs:
            path = self._path(key_parts, ext)
            paths.append(path)
            if path in self.drawing:
                write_atomic(path, self.drawing.pop(path).result())
            elif not path.exists():
                todo.append((path, make, args))
        if todo:
            self.cache.mkdir(parents=True, exist_ok=True)
            # A card takes ~20 ms: worth the worker processes from a few dozen.
            made = self.build.map(_call, [(make, args) for _, make, args in todo], pool_from=32)
            for (path, _, _), data in zip(todo, made):
                write_atomic(path, data)
        return paths


def _call(make, args):
    return make(*args)


class StaticReader(BaseReader):
    """Pelican's reader of static files (images, documents), which also
    gives each image its fingerprinted name: `{static}` links resolve to it
    and it is written under it."""

    file_extensions = ["static"]

    def read(self, source_path):
        ext = os.path.splitext(source_path)[1].lower()
        if ext not in PUBLISHABLE:
            # Logged, not raised, so every such file is named; the build fails.
            rel = os.path.relpath(source_path, os.path.dirname(self.settings["PATH"]))
            logger.error("clinicsite: %s: only images (%s) and PDF documents are published from content/ — "
                         "remove the file, or link to where it lives", rel, ", ".join(FINGERPRINTED))
        if ext not in FINGERPRINTED:
            return None, {}
        rel = os.path.relpath(source_path, self.settings["PATH"]).replace(os.sep, "/")
        with open(source_path, "rb") as fh:
            name = fingerprinted(rel, fh.read())
        return None, {"save_as": name, "url": name}


def draw_cards_early(generator, metadata) -> None:
    """article_generator_context, as each post is read: its social card is
    drawn meanwhile, on the worker processes, for a site with many new ones."""
    if metadata.get("title"):
        current().assets.draw_card_early(metadata["title"])


def prepare(generators) -> None:
    """all_generators_finalized: make every asset, before any page renders."""
    build = current()
    settings, site = build.settings, build.site
    assets = build.assets
    name = site.clinic.name
    size = tuple(settings["CLINICSITE_SOCIAL_SIZE"])
    articles = [a for g in generators for a in _written_articles(g)]
    cards = [(SITE_CARD, name)] + [(f"social/{a.slug}.png", a.title) for a in articles]
    files = assets.cached_many(
        [([name, title, f"{size[0]}x{size[1]}"], ".png", images.card_png, (name, title, size)) for _, title in cards]
        + [([name, "ico"], ".ico", images.icon_png, (name, 48, "ICO"))]
        + [([name, str(px)], ".png", images.icon_png, (name, px)) for px in (180, 192, 512)]
    )
    for (card, _), path in zip(cards, files):
        assets.put_file(card, path)
    for asset, path in zip(["favicon.ico", "apple-touch-icon.png", "icon-192.png", "icon-512.png"], files[len(cards):]):
        # Browsers and crawlers ask for /favicon.ico by that name.
        assets.put_file(asset, path, plain=asset == "favicon.ico")
    assets.put("favicon.svg", images.favicon_svg(name).encode())
    for author_name, author in site.authors.items():
        folder = settings["AUTHOR_SAVE_AS"].format(slug=author.slug).rsplit("/", 1)[0]
        assets.put(f"{folder}/avatar.svg", images.avatar_svg(author_name).encode())
    script = Path(settings["THEME"]) / "static" / "js" / "search.js"
    assets.put("theme/search.js", script.read_bytes())
    assets.put("manifest.webmanifest", _manifest(settings, site, assets).encode())
    statics = [s for g in generators for s in getattr(g, "staticfiles", [])]
    assets.statics = {s.save_as for s in statics}
    responsive.prepare(build, statics)


def _written_articles(generator):
    """The posts this build writes a page for."""
    if not hasattr(generator, "articles"):
        return []
    drafts = generator.drafts if generator.settings.get("DRAFT_SAVE_AS") else []
    return [*generator.articles, *generator.hidden_articles, *drafts]


def _manifest(settings, site, assets) -> str:
    base = settings["SITEURL"]
    return json.dumps(
        {
            "name": site.clinic.name,
            "short_name": site.clinic.name,
            "start_url": f"{base}/",
            "display": "browser",
            "icons": [
                {"src": f"{base}/{assets.path('favicon.svg')}", "type": "image/svg+xml", "sizes": "any"},
                {"src": f"{base}/{assets.path('icon-192.png')}", "type": "image/png", "sizes": "192x192"},
                {"src": f"{base}/{assets.path('icon-512.png')}", "type": "image/png", "sizes": "512x512"},
            ],
        },
        indent=2,
        sort_keys=True,
    ) + "\n"


@functools.lru_cache(maxsize=4)
def _minified(path: str, mtime: int) -> str:
    # Comments explain the source file; they cost bytes in every page.
    return rcssmin.cssmin(Path(path).read_text(encoding="utf-8"))


# --- Jinja helpers ---------------------------------------------------------


@pass_context
def asset_url(ctx, name: str) -> str:
    """The URL of an asset under its final, fingerprinted name."""
    return f"{ctx['SITEURL']}/{current().assets.path(name)}"


@pass_context
def avatar_url(ctx, slug: str) -> str:
    folder = ctx["AUTHOR_SAVE_AS"].format(slug=slug).rsplit("/", 1)[0]
    return f"{ctx['SITEURL']}/{current().assets.path(f'{folder}/avatar.svg')}"


def inline_css() -> Markup:
    return Markup(current().assets.css)


@functools.lru_cache(maxsize=256)
def _markdown(text: str) -> str:
    return markdown.markdown(text)


def markdown_filter(text: str) -> Markup:
    """Markdown from clinic.toml (the same few texts on every page: rendered
    once per text, not once per page)."""
    return Markup(_markdown(text))
