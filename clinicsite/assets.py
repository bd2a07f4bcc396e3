"""Theme assets the templates pull in through Jinja helpers."""

from __future__ import annotations

import functools
from pathlib import Path

import markdown
import rcssmin
from jinja2 import pass_context
from markupsafe import Markup


@functools.lru_cache(maxsize=8)
def _read_minified(path: str, mtime: float) -> str:
    # Comments explain the source file; they cost bytes in every page.
    return rcssmin.cssmin(Path(path).read_text(encoding="utf-8"))


def css_text(theme: str) -> str:
    path = Path(theme) / "static" / "css" / "site.css"
    return _read_minified(str(path), path.stat().st_mtime)


@pass_context
def inline_css(ctx) -> Markup:
    """The whole stylesheet, inlined: it is small enough that a separate
    render-blocking request would cost more than the bytes (bench/ measures it)."""
    return Markup(css_text(ctx["THEME"]))


@pass_context
def avatar_url(ctx, slug: str) -> str:
    return f"{ctx['SITEURL']}/{ctx['AUTHOR_URL'].format(slug=slug)}avatar.svg"


@functools.lru_cache(maxsize=256)
def _markdown(text: str) -> str:
    return markdown.markdown(text)


def markdown_filter(text: str) -> Markup:
    """Markdown from clinic.toml (the same few texts on every page: rendered
    once per text, ~2 ms each, not once per page)."""
    return Markup(_markdown(text))
