"""A Markdown reader for files that start with YAML front matter.

Pelican's own Markdown reader takes `Key: value` lines; ours takes YAML so a
post can carry lists (takeaways, sources, editor's notes) and be validated
against a typed schema with line numbers. The body's HTML is checked against
the allowlist (sanitize.py) and cleaned, and editor's notes are placed after
the sentences they are about. Errors are raised as ContentError, which Pelican
logs per file and goes on, so one build reports every broken file at once.
"""

from __future__ import annotations

import html
import logging
import os
import re
from pathlib import Path

from markdown import Markdown
from pelican.readers import MarkdownReader

from . import linkcheck, rules, sanitize
from .config import BIDI
from .errors import ContentError
from .frontmatter import FIXES, PageMeta, PostMeta, key_lines, parse, split
from .state import current

logger = logging.getLogger(__name__)

PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
TAG = re.compile(r"<[^>]+>")
RASTER = (".png", ".jpg", ".jpeg", ".webp")
# Ids the post template gives its own elements: a heading in the body must
# not take one (the page would have two elements with the same id).
RESERVED_IDS = frozenset({"main", "when-to-get-help", "when-to-get-help-title", "about-article-title", "takeaways-title",
                          "toc-title", "sources-title", "provenance-title", "booking-title-article"})


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


def _toc(tokens: list[dict]) -> list[dict]:
    """Keep only what the template needs from Markdown's toc_tokens (h2 and h3)."""
    return [{"id": t["id"], "name": t["name"], "children": _toc(t.get("children", []))} for t in tokens]


class FrontMatterReader(MarkdownReader):
    file_extensions = ["md"]

    def __init__(self, settings):
        # Skip MarkdownReader.__init__: it adds the `meta` extension, which would
        # eat a first body line such as "Note: …" as metadata.
        super(MarkdownReader, self).__init__(settings)
        # One Markdown per reader, reset for each file: building one costs
        # ~2 ms (its extensions), as much as converting a short post.
        self._md = Markdown(**markdown_config(self.settings))

    def read(self, source_path):
        try:
            return self._read(source_path)
        except ContentError as exc:
            # Pelican logs only "Could not process <file>" without the reason
            # (unless DEBUG), so the reason is logged here.
            logger.error("%s", exc)
            raise

    def _read(self, source_path):
        content_dir = self.settings["PATH"]
        rel = os.path.relpath(source_path, os.path.dirname(content_dir))  # "content/posts/x.md"
        try:
            with open(source_path, encoding="utf-8") as fh:
                text = fh.read().removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            raise ContentError(f"{rel}: the file is not UTF-8 (byte {exc.start}) — save it as UTF-8 in your editor") from None
        bidi = BIDI.search(text)
        if bidi:
            line = text.count("\n", 0, bidi.start()) + 1
            raise ContentError(
                f"{rel}:{line}: contains an invisible text-direction character (U+{ord(bidi.group()):04X}) — "
                "retype that line, or paste it as plain text"
            )
        front, body, body_line = split(text, rel)
        is_page = os.path.relpath(source_path, content_dir).split(os.sep)[0] in self.settings["PAGE_PATHS"]
        build = current()
        site = build.site
        meta = parse(front, rel, PageMeta if is_page else PostMeta, {
            "authors": list(site.authors),
            "clinicians": site.clinicians,
            "topics": list(site.topics),
            "categories": list(site.categories),
            "timezone": self.settings.get("TIMEZONE"),
            "today": build.today,
            "slug_subs": self.settings.get("SLUG_REGEX_SUBSTITUTIONS", []),
        })
        if not body.strip():
            raise ContentError(
                f"{rel}:{body_line}: body: the file has front matter but no text — write the post below the closing `---` line"
            )
        md = self._md.reset()
        content = md.convert(body)
        problems = [
            f"{rel}:{sanitize.line_of(what, body, body_line) or body_line}: body: {what} — {fix}"
            for what, fix in sanitize.problems(content)
        ]
        if problems:
            raise ContentError("\n".join(problems))
        content = sanitize.clean(content)
        clash = sorted(RESERVED_IDS & set(linkcheck.IDS.findall(content)))
        if clash:
            raise ContentError(
                f"{rel}:{sanitize.line_of(f'id={clash[0]}', body, body_line) or body_line}: body: a heading gets the id "
                f"\"{clash[0]}\", which the page already uses for its own section — word the heading differently, "
                "or give it another id with {{#another-id}}"
            )
        if not is_page:
            category = meta.category or site.default_category
            if site.categories[category].kind == "source" and not meta.provenance:
                line = key_lines(front).get("category")
                raise ContentError(
                    f"{rel}{':' + str(line) if line else ''}: provenance: missing — a post in {category} is an author's "
                    "own article: say where it comes from and what an editor repaired, in `provenance:`"
                )
            content = self._editor_notes(content, meta, rel, front)
            self._check_image(meta, rel, front, content_dir)
        return content, self._metadata(meta, content, md, is_page)

    def _editor_notes(self, content: str, meta, rel: str, front: str) -> str:
        """Each note in an aside after the paragraph holding its sentence."""

        def where() -> str:  # a second YAML pass, so only for an error
            line = key_lines(front).get("editor_notes")
            return f"{rel}:{line}" if line else rel

        for i, note in enumerate(meta.editor_notes):
            rendered = Markdown().convert(note.note)
            bad = sanitize.problems(rendered)
            if bad:
                raise ContentError(f"{where()}: editor_notes[{i}].note: {bad[0][0]} — {bad[0][1]}")
            inner = sanitize.clean(rendered).strip().removeprefix("<p>").removesuffix("</p>")
            aside = (f'<aside class="editor-note" aria-label="Editor\'s note"><p><strong>Editor\'s note:</strong> '
                     f"{inner}</p></aside>")
            for match in PARAGRAPH.finditer(content):
                if note.after in html.unescape(TAG.sub("", match.group(1))):
                    content = content[: match.end()] + "\n" + aside + content[match.end():]
                    break
            else:
                raise ContentError(
                    f"{where()}: editor_notes[{i}].after: \"{note.after}\" is in no paragraph of the body — "
                    "copy a sentence of the body exactly"
                )
        return content

    @staticmethod
    def _check_image(meta, rel: str, front: str, content_dir: str) -> None:
        if not meta.image:
            return
        root = Path(content_dir).resolve()
        target = (root / meta.image).resolve()
        if not target.is_relative_to(root) or not target.is_file() or target.suffix.lower() not in RASTER:
            line = key_lines(front).get("image")
            where = f"{rel}:{line}" if line else rel
            raise ContentError(f'{where}: image: "{meta.image}" is not a PNG, JPEG or WebP file under content/ — {FIXES["image"]}')

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
        out["links"], out["ids"] = linkcheck.links_and_ids(content, self.settings)
        if is_page:
            if meta.template:
                out["template"] = meta.template
            out["noindex"] = meta.noindex
            return out
        site = current().site
        words = rules.count_words(content)
        out.update(
            {
                "date": meta.date,
                "authors": process("authors", ", ".join(meta.authors)),
                "tags": process("tags", ", ".join(site.topics[k].name for k in meta.topics)),
                "topic_keys": meta.topics,
                "category": process("category", meta.category or site.default_category),
                "featured": meta.featured,
                "takeaways": meta.takeaways,
                "sources": [{"title": s.title, "url": s.url} for s in meta.sources],
                "word_count": words,
                "reading_minutes": rules.reading_minutes(words),
                "toc": _toc(getattr(md, "toc_tokens", [])),
                "modified": meta.modified or meta.date,
            }
        )
        if meta.last_reviewed is not None:
            out["reviewed_by"] = meta.reviewed_by
            out["last_reviewed"] = meta.last_reviewed
        for key in ("image", "image_alt", "provenance", "review_every"):
            value = getattr(meta, key)
            if value is not None:
                out[key] = value
        return out
