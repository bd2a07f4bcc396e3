"""Every mistake an author can make in one file is refused with the file, the
line, the field and the fix — checked on the reader alone, without a build.
(Mistakes that need the whole site — duplicate slugs, dead links — are in
test_build_errors.py.) One fixture file per failure mode in
tests/fixtures/broken/, plus the hostile HTML the allowlist refuses."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import pytest
from pelican.settings import read_settings
from sitekit import FIXTURES, PUBLISH, fixture_project, overrides

from clinicsite import state
from clinicsite.errors import ContentError
from clinicsite.reader import FrontMatterReader

# case file -> what the message must say besides the file's name
CASES = {
    "unknown-author.md": [":4: authors", 'did you mean "Dana Staff"', "Known: "],
    "missing-description.md": ["description: missing", "50–160 characters"],
    "short-description.md": [":5: description", "it has 10"],
    "bad-date.md": [":3: date", "not a real date"],
    "unknown-field.md": ["autor: unknown field", 'did you mean "authors"'],
    "unknown-topic.md": ["topics", 'did you mean "sciatica"'],
    "unknown-reviewer.md": ["reviewed_by", "not a known reviewer"],
    "review-in-future.md": ["last_reviewed", "in the future"],
    "review-before-date.md": ["last_reviewed", "before the post's date"],
    "empty.md": ["empty", "front matter"],
    "not-utf8.md": ["not UTF-8", "save it as UTF-8"],
    "no-front-matter.md": [":1: front matter: missing"],
    "invalid-yaml.md": ["invalid YAML", "indentation"],
    "only-front-matter.md": ["body", "no text"],
    "image-without-alt.md": ["image_alt", "describe what the image shows"],
    "bad-status.md": ["status", "published, draft, hidden"],
}
CROSS_FILE = {"dead-link.md", "dead-fragment.md", "duplicate-slug.md", "duplicate-title.md"}

GOOD = """---
title: {title}
date: {date}
authors: [Dana Staff]
description: A post used to check one rule of the schema, with a description of the right length.
topics: [sciatica]
{extra}---

{body}
"""


@pytest.fixture(scope="module")
def read(tmp_path_factory):
    """read(name, text=None) -> (content, metadata), or the ContentError's message."""
    project = fixture_project(tmp_path_factory.mktemp("schema"), "baseline")
    settings = read_settings(PUBLISH, override=overrides(project, OUTPUT_PATH=str(project / "out")))
    state.start(SimpleNamespace(settings=settings))
    reader = FrontMatterReader(settings)

    def read(name: str, text: str | None = None):
        path = project / "content" / "posts" / name
        if text is None:
            shutil.copy(FIXTURES / "broken" / name, path)
        else:
            path.write_text(text, encoding="utf-8")
        try:
            return reader.read(str(path))
        except ContentError as exc:
            return str(exc)
        finally:
            path.unlink()

    return read


def post(title="A post", date="2026-01-06T08:00:00+00:00", extra="", body="Body text."):
    return GOOD.format(title=title, date=date, extra=extra, body=body)


def test_every_fixture_has_a_case():
    assert {p.name for p in (FIXTURES / "broken").glob("*.md")} == set(CASES) | CROSS_FILE


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_post_names_file_line_field_and_fix(read, case):
    message = read(case)
    assert isinstance(message, str), f"{case} was accepted"
    assert message.startswith(f"content/posts/{case}"), message
    for needle in CASES[case]:
        assert needle in message, f"{case}: {needle!r} missing from: {message}"


@pytest.mark.parametrize("date, expected", [
    ("2024-03-05 10:00", "2024-03-05T10:00:00+00:00"),  # Pelican's own format, in TIMEZONE (UTC)
    ("2024-03-05", "2024-03-05T00:00:00+00:00"),  # a bare date: midnight
    ("2024-03-05T10:00:00", "2024-03-05T10:00:00+00:00"),  # ISO without an offset
    ("2024-03-05T10:00:00-05:00", "2024-03-05T10:00:00-05:00"),  # with one: kept
])
def test_dates_in_pelicans_formats_are_read_in_the_sites_timezone(read, date, expected):
    _, meta = read("date.md", post(date=date))
    assert meta["date"].isoformat() == expected


def test_an_impossible_date_is_refused(read):
    message = read("date.md", post(date="2024-02-30 10:00"))
    assert "content/posts/date.md:3: date" in message and "2026-11-22" in message


@pytest.mark.parametrize("extra, needles", [
    ("reviewed_by: Editorial team\nlast_reviewed: 2026-01-07\n", ["reviewed_by", "not a clinician"]),
    ("category: News\n", ["category", "not a known category", "Known: Articles, Guides"]),
    ("sources:\n  - title: NHS\n    url: http://www.nhs.uk/conditions/sciatica/\n", ["sources[0].url", "https"]),
    ("image: ../../../etc/passwd\nimage_alt: A file\n", [":7: image", "not a PNG, JPEG or WebP file under content/"]),
    ("review_every: 0\n", ["review_every"]),
    ("editor_notes:\n  - after: A sentence that is not there.\n    note: A note.\n", ["editor_notes[0].after", "copy a sentence"]),
])
def test_field_rules(read, extra, needles):
    message = read("rule.md", post(extra=extra))
    assert isinstance(message, str), f"accepted: {extra!r}"
    for needle in needles:
        assert needle in message, message


def test_a_title_too_long_for_an_address_is_refused(read):
    message = read("long.md", post(title="Sciatica " * 1200))
    assert "title" in message and "at most 150 characters" in message


def test_a_title_with_no_letters_needs_a_slug(read):
    assert "add a `slug:`" in read("punct.md", post(title='"?!…"'))
    _, meta = read("punct.md", post(title='"?!…"', extra="slug: questions\n"))
    assert meta["slug"] == "questions"


def test_text_direction_characters_are_refused_with_their_line(read):
    message = read("bidi.md", post(body="Safe text.\n\nAn \u202eevil\u202c word."))
    assert message.startswith("content/posts/bidi.md:11:") and "U+202E" in message
    assert "text-direction" in read("bidi.md", post(title="A \u2066title"))


# Each class of hostile HTML a post could carry, as raw HTML in Markdown.
HOSTILE = {
    "script": '<script>alert(1)</script>',
    "external script": '<script src="/images/x.js"></script>',
    "iframe": '<iframe src="https://tracker.example/"></iframe>',
    "event handler": '<p onclick="steal()">Click</p>',
    "javascript link": '<a href="javascript:alert(1)">Link</a>',
    "style element": '<style>body{display:none}</style>',
    "style attribute": '<p style="color:red">Red</p>',
    "form": '<form action="https://evil.example/"><input name="q"></form>',
    "meta refresh": '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    "base": '<base href="https://evil.example/">',
    "object": '<object data="x.swf"></object>',
    "third-party image": '![Tracker](https://tracker.example/pixel.png)',
    "http link": '[Old](http://example.org/)',
    "level-one heading": '# A second title',
    "image without alt": '![]({static}/images/photo.png)',
    "attach link": '[File]({attach}/images/photo.png)',
    "image outside content": '<img src="/../../../elsewhere/pic.png" alt="A picture">',
    "image path climbing out": '![A picture]({static}/../../elsewhere/pic.png)',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_html_outside_the_allowlist_is_refused_with_its_line(read, name):
    message = read("hostile.md", post(body=f"A first paragraph.\n\n{HOSTILE[name]}\n"))
    assert isinstance(message, str), f"{name} was accepted"
    assert message.startswith("content/posts/hostile.md:11: body:"), message
    assert " — " in message  # the fix


def test_what_markdown_writes_is_kept(read):
    body = ("Text with **bold**, *italic*, `code` and a [link](https://www.nhs.uk/).\n\n"
            "| A | B |\n|---|---|\n| 1 | 2 |\n\n- one\n- two\n\n> quote\n\n"
            "Note[^1].\n\n[^1]: A footnote.\n\n<!-- an editor's comment -->\n")
    content, meta = read("fine.md", post(body=body))
    for tag in ("<strong>", "<em>", "<code>", 'href="https://www.nhs.uk/"', "<table>", "<li>", "<blockquote>",
                'class="footnote-ref"'):
        assert tag in content, tag
    assert "<!--" not in content  # comments are the one thing removed silently


def test_editor_notes_follow_their_sentence(read):
    extra = ('editor_notes:\n  - after: "Second paragraph."\n'
             '    note: Read [When to get help](#when-to-get-help).\n')
    content, _ = read("note.md", post(extra=extra, body="First paragraph.\n\nSecond paragraph.\n\nThird paragraph."))
    second, third = content.index("Second paragraph."), content.index("Third paragraph.")
    note = content.index('<aside class="editor-note"')
    assert second < note < third
    assert 'href="#when-to-get-help"' in content[note:third]
