"""A Markdown reader for files that start with YAML front matter.

Pelican's own Markdown reader takes `Key: value` lines; ours takes YAML so a
post can carry lists (takeaways, sources) and be validated against a typed
schema with line numbers. Errors are raised as ContentError, which Pelican
logs per file and goes on, so one build reports every broken file at once.
"""

from __future__ import annotations

import logging
import os
import re

from markdown import Markdown
from pelican.readers import MarkdownReader

from .errors import ContentError
from .frontmatter import PageMeta, PostMeta, parse, split
from .settings import site_of

logger = logging.getLogger(__name__)

WORDS = re.compile(r"[A-Za-z0-9’'®-]+")
TAGS = re.compile(r"<[^>]+>")
WORDS_PER_MINUTE = 200


def reading_minutes(words: int) -> int:
    return max(1, round(words / WORDS_PER_MINUTE))


def _toc(tokens: list[dict]) -> list[dict]:
    """Keep only what the template needs from Markdown's toc_tokens (h2 and h3)."""
    return [
        {"id": t["id"], "name": t["name"], "children": _toc(t.get("children", []))}
        for t in tokens
    ]


def markdown_config(settings) -> dict:
    """The Markdown options our reader uses: the MARKDOWN setting without the
    `meta` extension (Pelican's own reader adds it to the shared setting)."""
    config = dict(settings["MARKDOWN"])
    extensions = [e for e in config.get("extensions", []) if e != "markdown.extensions.meta"]
    for ext in config.get("extension_configs", {}):
        if ext not in extensions:
            extensions.append(ext)
    config["extensions"] = extensions
    return config


class FrontMatterReader(MarkdownReader):
    file_extensions = ["md"]

    def __init__(self, settings):
        # Skip MarkdownReader.__init__: it adds the `meta` extension, which would
        # eat a first body line such as "Note: …" as metadata.
        super(MarkdownReader, self).__init__(settings)
        self._markdown_config = markdown_config(self.settings)

    def read(self, source_path):
        try:
            return self._read(source_path)
        except ContentError as exc:
            # Pelican logs only "Could not process <file>" without the reason
            # (unless DEBUG), so the reason is logged here.
            logger.error("%s", exc)
            raise

    def _read(self, source_path):
        # Name files from the project folder: "content/posts/x.md".
        rel = os.path.relpath(source_path, os.path.dirname(self.settings["PATH"]))
        try:
            with open(source_path, encoding="utf-8") as fh:
                text = fh.read()
        except UnicodeDecodeError as exc:
            raise ContentError(
                f"{rel}: the file is not UTF-8 (byte {exc.start}) — save it as UTF-8 in your editor"
            ) from None
        text = text.removeprefix("\ufeff")
        front, body, body_line = split(text, rel)
        in_content = os.path.relpath(source_path, self.settings["PATH"])
        is_page = in_content.split(os.sep)[0] in self.settings["PAGE_PATHS"]
        site = site_of(self.settings)
        meta = parse(
            front,
            rel,
            PageMeta if is_page else PostMeta,
            {"authors": list(site.authors), "topics": list(site.topics)},
        )
        if not body.strip():
            raise ContentError(
                f"{rel}:{body_line}: body: the file has front matter but no text — "
                "write the post below the closing `---` line"
            )

        md = Markdown(**self._markdown_config)
        content = md.convert(body)
        return content, self._metadata(meta, content, md, is_page)

    def _metadata(self, meta, content: str, md: Markdown, is_page: bool) -> dict:
        process = self.process_metadata
        out = {
            "title": meta.title,
            "description": meta.description,
            "summary": meta.description,
            "status": process("status", meta.status),
        }
        if meta.slug:
            out["slug"] = meta.slug
        if is_page:
            if meta.template:
                out["template"] = meta.template
            out["noindex"] = meta.noindex
            return out

        site = site_of(self.settings)
        words = len(WORDS.findall(TAGS.sub(" ", content)))
        out.update(
            {
                "date": meta.date,
                "authors": process("authors", ", ".join(meta.authors)),
                "tags": process("tags", ", ".join(site.topics[k].name for k in meta.topics)),
                "topic_keys": meta.topics,
                "category": process("category", meta.category),
                "featured": meta.featured,
                "takeaways": meta.takeaways,
                "sources": [{"title": s.title, "url": str(s.url)} for s in meta.sources],
                "word_count": words,
                "reading_minutes": reading_minutes(words),
                "toc": _toc(getattr(md, "toc_tokens", [])),
            }
        )
        # dateModified: the latest of the text's change and its medical review.
        modified = meta.modified or meta.date
        if meta.last_reviewed is not None:
            out["reviewed_by"] = meta.reviewed_by
            out["last_reviewed"] = meta.last_reviewed
        out["modified"] = modified
        for key in ("image", "image_alt", "provenance"):
            value = getattr(meta, key)
            if value is not None:
                out[key] = value
        return out
