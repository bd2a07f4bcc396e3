"""Every `{filename}` / `{static}` link in content must point to a file that
exists — and, with a #fragment, to an id in that file. The reader records
each file's links and ids (`links`, `ids` metadata); they are checked once
all content is read, so a dead link fails the build naming the post and the
link."""

from __future__ import annotations

import difflib
import logging
import os
import re
from itertools import chain
from urllib.parse import unquote, urlparse

from .errors import source_name

logger = logging.getLogger(__name__)

IDS = re.compile(r'\sid="([^"]+)"')
URL_ATTRIBUTE = re.compile(r"""<[^>]+?\s(?:href|src)\s*=\s*(["'])(?P<url>.*?)\1""")


def links_and_ids(html: str, settings) -> tuple[list[str], list[str]]:
    """(intrasite links, element ids) of a content file's HTML, for its metadata."""
    intrasite = re.compile(settings["INTRASITE_LINK_REGEX"])
    links = [m.group("url") for m in URL_ATTRIBUTE.finditer(html) if intrasite.match(m.group("url"))]
    return links, IDS.findall(html)


def _contents(generators):
    for gen in generators:
        for attr in ("articles", "drafts", "hidden_articles", "pages", "hidden_pages", "draft_pages"):
            yield from getattr(gen, attr, [])


def check_links(generators) -> None:
    generators = list(generators)
    if generators:
        for content in _contents(generators):
            _check_content(content, generators[0].context)


def check_edited(edited, generators) -> None:
    """The check for one edited file (the preview re-rendering one post):
    its own links, and those of every file that links to it — a heading
    renamed in it breaks their #fragments."""
    generators = list(generators)
    name = edited.relative_source_path
    for content in _contents(generators):
        if content is edited or any(name in link for link in content.metadata.get("links", ())):
            _check_content(content, generators[0].context)


def _check_content(content, context) -> None:
    source = source_name(content)
    what_re = re.compile(content.settings["INTRASITE_LINK_REGEX"])
    for link in content.metadata.get("links", ()):
        what = what_re.match(link).group("what")
        if what not in ("filename", "static"):
            continue
        value = urlparse(link[what_re.match(link).end():])
        path = unquote(value.path)
        if path.startswith("/"):
            key_path = path[1:]
        else:
            key_path = content.get_relative_source_path(os.path.join(content.relative_dir, path))
        table = context["generated_content"] if what == "filename" else context["static_content"]
        target = table.get(key_path) or context["static_content"].get(key_path)
        if target is None and os.path.isfile(os.path.join(content.settings["PATH"], key_path)):
            logger.error("clinicsite: %s: link %s points to content/%s, which could not be read — fix the "
                         "problems reported for that file", source, link, key_path)
            continue
        if target is None:
            known = list(chain(context["generated_content"], context["static_content"]))
            close = difflib.get_close_matches(key_path, known, n=1, cutoff=0.5)
            hint = f' — did you mean "{{{what}}}/{close[0]}"?' if close else ""
            logger.error(
                "clinicsite: %s: link %s points to no file in content/%s "
                "Fix the path (it is relative to the post's folder, or to content/ when it starts with /).",
                source, link, hint,
            )
            continue
        ids = getattr(target, "metadata", {}).get("ids")
        if value.fragment and ids is not None and value.fragment not in ids:
            logger.error(
                "clinicsite: %s: link %s points to #%s, which is not a heading id in %s — "
                "give that heading `{#%s}` or fix the fragment",
                source, link, value.fragment, key_path, value.fragment,
            )
