"""Every `{filename}` / `{static}` link in content must point to a file that
exists — and, with a #fragment, to an id in that file. Checked once all
content is read, so a dead link fails the build naming the post and the link.
"""

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


def _contents(generators):
    for gen in generators:
        for attr in ("articles", "drafts", "hidden_articles", "pages", "hidden_pages", "draft_pages"):
            yield from getattr(gen, attr, [])


def check_links(generators) -> None:
    generators = list(generators)
    if not generators:
        return
    context = generators[0].context
    ids_cache: dict[str, set[str]] = {}
    for content in _contents(generators):
        _check_content(content, context, ids_cache)


def check_edited(edited, generators) -> None:
    """The check for one edited file (the preview re-rendering one post):
    its own links, and those of every file whose text names it — a heading
    renamed in it breaks their #fragments. `edited` must already be the file
    the context's generated_content maps its path to."""
    generators = list(generators)
    name = os.path.basename(edited.source_path)
    ids_cache: dict[str, set[str]] = {}
    for content in _contents(generators):
        if content is edited or name in (content._content or ""):
            _check_content(content, generators[0].context, ids_cache)


def _check_content(content, context, ids_cache: dict[str, set[str]]) -> None:
    source = source_name(content)
    for match in content._get_intrasite_link_regex().finditer(content._content or ""):
        what = match.group("what")
        if what not in ("filename", "static", "attach"):
            continue
        value = urlparse(match.group("value"))
        path = unquote(value.path)
        if path.startswith("/"):
            key_path = path[1:]
        else:
            key_path = content.get_relative_source_path(os.path.join(content.relative_dir, path))
        table = context["generated_content"] if what == "filename" else context["static_content"]
        target = table.get(key_path) or context["static_content"].get(key_path)
        if target is None:
            known = list(chain(context["generated_content"], context["static_content"]))
            close = difflib.get_close_matches(key_path, known, n=1, cutoff=0.5)
            hint = f' — did you mean "{{{what}}}/{close[0]}"?' if close else ""
            logger.error(
                "clinicsite: %s: link %s points to no file in content/%s "
                "Fix the path (it is relative to the post's folder, or to content/ when it starts with /).",
                source,
                match.group("path"),
                hint,
            )
            continue
        if value.fragment and hasattr(target, "_content"):
            ids = ids_cache.get(key_path)
            if ids is None:
                ids = ids_cache[key_path] = set(IDS.findall(target._content or ""))
            if value.fragment not in ids:
                logger.error(
                    "clinicsite: %s: link %s points to #%s, which is not a heading id in %s — "
                    "give that heading `{#%s}` or fix the fragment",
                    source,
                    match.group("path"),
                    value.fragment,
                    key_path,
                    value.fragment,
                )
