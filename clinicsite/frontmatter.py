"""The typed schema of a post's (or page's) YAML front matter.

Each problem becomes one line that names the file, the line, the field, what
was wrong and how to fix it. All problems of a file are reported together.
The editor's configuration (editor.py) is generated from these models and
FIXES, so the browser editor shows the same limits and hints.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

import yaml
from pelican.utils import get_date, slugify
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .config import BIDI
from .errors import ContentError
from .rules import DESCRIPTION_MAX, DESCRIPTION_MIN, TITLE_HARD_MAX

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=100)]
HttpsUrl = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^https://[^\s/?#]+\.[^\s/?#]+(/\S*)?$")]

FIXES = {
    "title": f"give the post a plain-text title of at most {TITLE_HARD_MAX} characters, e.g. `title: What is sciatica?`",
    "date": "write the date and time it is published, e.g. `date: 2026-11-22 09:00` (in the site's timezone) "
    "or `date: 2026-11-22T09:00:00+00:00`",
    "modified": "write it like the date, e.g. `modified: 2026-11-23 09:00`",
    "authors": "list names from clinic.toml [authors], e.g. `authors: [Byron Lam]`",
    "description": f"write {DESCRIPTION_MIN}–{DESCRIPTION_MAX} characters saying what the reader will learn",
    "topics": "list topic keys from clinic.toml [topics], e.g. `topics: [sciatica]`",
    "status": "use one of: published, draft, hidden",
    "category": "use a category from clinic.toml [categories]",
    "slug": "use lower-case words joined by hyphens, e.g. `slug: what-is-sciatica`",
    "reviewed_by": "name a clinician from clinic.toml [authors] (clinician = true)",
    "last_reviewed": "write the date of the review, between the post's date and today, e.g. `last_reviewed: 2026-11-22`",
    "review_every": "write the months until the next review, e.g. `review_every: 6` (default: clinic.toml reviews.every_months)",
    "takeaways": "write a list of short sentences, one `- ` item per line",
    "sources": "write a list of `- title: …` / `  url: https://…` items",
    "image": "give the path of a PNG, JPEG or WebP image under content/, e.g. `image: images/photo.jpg`",
    "image_alt": "describe what the image shows, e.g. `image_alt: Diagram of the sciatic nerve`",
    "featured": "write `featured: true` or `featured: false`",
    "template": "name a template in theme/templates without .html, e.g. `template: book`",
    "provenance": "say where the article comes from and what an editor repaired",
    "editor_notes": "write a list of `- after: <a sentence of the body, copied exactly>` / `  note: <the note>` items",
    "noindex": "write `noindex: true` or `noindex: false`",
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _empty_is_absent(cls, data):
        """A field left empty (`image:`, or "" as the browser editor writes
        an optional field it showed) is a field not given."""
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v is not None and v != ""}
        return data

    @field_validator("*", mode="after")
    @classmethod
    def _no_bidi(cls, value, info: ValidationInfo):
        for text in _strings(value):
            if BIDI.search(text):
                raise ValueError("contains an invisible text-direction character — retype it")
        return value


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, BaseModel):
        for item in value.__dict__.values():
            yield from _strings(item)


class Source(_Model):
    title: NonEmpty
    url: HttpsUrl


class EditorNote(_Model):
    # A sentence of the body, copied exactly: the note goes after its paragraph.
    after: NonEmpty
    note: NonEmpty  # Markdown, one paragraph


def _to_datetime(value, info: ValidationInfo) -> dt.datetime:
    """Pelican's date formats: ISO 8601 or anything its get_date reads; a
    date alone is midnight; without an offset, the site's TIMEZONE."""
    if isinstance(value, str):
        try:
            value = get_date(value)
        except (ValueError, OverflowError):
            raise ValueError(f'"{value}" is not a date and time') from None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    if not isinstance(value, dt.datetime):
        raise ValueError(f"{value!r} is not a date and time")
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo((info.context or {}).get("timezone") or "UTC"))
    return value


class _Meta(_Model):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_HARD_MAX)]
    description: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=DESCRIPTION_MIN, max_length=DESCRIPTION_MAX)
    ]
    slug: Slug | None = None
    status: Literal["published", "draft", "hidden"] = "published"

    @model_validator(mode="after")
    def _has_a_slug(self, info: ValidationInfo):
        if self.slug is None:
            subs = (info.context or {}).get("slug_subs", [])
            if not slugify(self.title, regex_subs=subs):
                raise _FieldError("title", "has no letters or digits to make the page's address from — add a `slug:`")
        return self


class PageMeta(_Meta):
    template: Slug | None = None
    noindex: bool = False  # e.g. the search page: kept out of search engines and the sitemap


class PostMeta(_Meta):
    date: dt.datetime
    authors: list[NonEmpty] = Field(min_length=1)
    topics: list[NonEmpty] = Field(min_length=1)
    category: NonEmpty | None = None
    modified: dt.datetime | None = None
    featured: bool = False
    reviewed_by: NonEmpty | None = None
    last_reviewed: dt.date | None = None
    review_every: Annotated[int, Field(ge=1, le=60)] | None = None
    takeaways: list[NonEmpty] = []
    sources: list[Source] = []
    image: NonEmpty | None = None
    image_alt: NonEmpty | None = None
    provenance: NonEmpty | None = None
    editor_notes: list[EditorNote] = []

    @field_validator("date", "modified", mode="before")
    @classmethod
    def _datetime(cls, value, info: ValidationInfo):
        return None if value is None else _to_datetime(value, info)

    @field_validator("authors", mode="after")
    @classmethod
    def _known_authors(cls, value: list[str], info: ValidationInfo):
        return _all_known("author", value, (info.context or {}).get("authors", []))

    @field_validator("reviewed_by", mode="after")
    @classmethod
    def _known_reviewer(cls, value: str | None, info: ValidationInfo):
        if value is not None:
            clinicians = (info.context or {}).get("clinicians", [])
            if value not in clinicians:
                known = (info.context or {}).get("authors", [])
                if value in known:
                    raise ValueError(f'"{value}" is not a clinician in clinic.toml — a review needs one of: {", ".join(clinicians) or "(none yet: set clinician = true on an author)"}')
                raise ValueError(_unknown("reviewer", value, clinicians))
        return value

    @field_validator("topics", mode="after")
    @classmethod
    def _known_topics(cls, value: list[str], info: ValidationInfo):
        return _all_known("topic", value, (info.context or {}).get("topics", []))

    @field_validator("category", mode="after")
    @classmethod
    def _known_category(cls, value: str | None, info: ValidationInfo):
        if value is not None:
            _all_known("category", [value], (info.context or {}).get("categories", []))
        return value

    @field_validator("last_reviewed", mode="before")
    @classmethod
    def _date_only(cls, value):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, str):
            try:
                return get_date(value).date()
            except (ValueError, OverflowError):
                raise ValueError(f'"{value}" is not a date') from None
        return value

    @model_validator(mode="after")
    def _cross_field(self, info: ValidationInfo):
        ctx = info.context or {}
        today = ctx.get("today") or dt.date.today()
        if self.last_reviewed is not None:
            if self.reviewed_by is None:
                raise _FieldError("reviewed_by", "last_reviewed is set but reviewed_by is missing")
            if self.last_reviewed > today:
                raise _FieldError("last_reviewed", f"{self.last_reviewed} is in the future (today is {today})")
            if self.last_reviewed < self.date.date():
                raise _FieldError("last_reviewed", f"{self.last_reviewed} is before the post's date {self.date.date()}")
        elif self.reviewed_by is not None:
            raise _FieldError("last_reviewed", "reviewed_by is set but last_reviewed is missing")
        if self.modified is not None and self.modified < self.date:
            raise _FieldError("modified", f"{self.modified} is before the date {self.date}")
        if self.image and not self.image_alt:
            raise _FieldError("image_alt", "image is set but image_alt is missing")
        return self


class _FieldError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _all_known(what: str, values: list[str], known: list[str]) -> list[str]:
    for value in values:
        if value not in known:
            raise ValueError(_unknown(what, value, known))
    return values


def _unknown(what: str, value: str, known: list[str]) -> str:
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    hint = f' — did you mean "{close[0]}"?' if close else "."
    return f'{what} "{value}" is not a known {what}{hint} Known: {", ".join(known)}'


FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n?", re.S | re.M)


def split(text: str, path: str) -> tuple[str, str, int]:
    """Return (yaml text, body, line number where the body starts)."""
    if not text.strip():
        raise ContentError(
            f"{path}: the file is empty — start it with front matter between `---` lines "
            "(see docs/front-matter.md or run `invoke new-post`)"
        )
    match = FRONT_MATTER.match(text)
    if not match:
        raise ContentError(
            f"{path}:1: front matter: missing — the file must start with a `---` line, "
            "the YAML fields, then another `---` line (see docs/front-matter.md)"
        )
    return match.group(1), text[match.end():], text[: match.end()].count("\n") + 1


# libyaml's parser when PyYAML was built with it (the wheels are): the same
# safe constructors, ~10× faster than the pure-Python parser.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def key_lines(front: str) -> dict[str, int]:
    """Map each top-level key to its 1-based line in the file (front matter starts on line 2)."""
    try:
        node = yaml.compose(front)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 2 for k, _ in node.value}


def parse(front: str, path: str, schema: type[_Meta], context: dict) -> _Meta:
    try:
        raw = yaml.load(front, Loader=_LOADER)
    except ValueError as exc:
        # YAML's own date parsing, e.g. month 13: name the field it came from.
        lines = key_lines(front)
        field = next((k for k in ("date", "modified", "last_reviewed") if k in lines), None)
        where = f"{path}:{lines[field]}: {field}" if field else path
        raise ContentError(f"{where}: not a real date ({exc}) — {FIXES.get(field or 'date')}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 2}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError(
            f"{path}{line}: front matter: invalid YAML ({problem}) — check the colons and "
            "indentation on that line; quote values that contain `: `"
        ) from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ContentError(f"{path}:2: front matter: expected `field: value` lines, got {type(raw).__name__}")
    try:
        return schema.model_validate(raw, context=context)
    except ValidationError as exc:
        # Line numbers cost a second YAML pass: only errors need them.
        raise ContentError(_explain(exc, raw, key_lines(front), path, schema)) from None


def _explain(exc: ValidationError, raw: dict, lines: dict, path: str, schema) -> str:
    known = list(schema.model_fields)
    messages = []
    for err in exc.errors():
        loc = err["loc"]
        field = str(loc[0]) if loc else ""
        msg = err["msg"].removeprefix("Value error, ")
        ctx_error = (err.get("ctx") or {}).get("error")
        if isinstance(ctx_error, _FieldError):
            field = ctx_error.field
        line = lines.get(field)
        where = f"{path}:{line}" if line else path
        if err["type"] == "extra_forbidden":
            close = difflib.get_close_matches(field, known, n=1, cutoff=0.6)
            fix = f'did you mean "{close[0]}"?' if close else f"known fields: {', '.join(known)}"
            messages.append(f"{where}: {field}: unknown field — {fix}")
            continue
        if err["type"] == "missing":
            messages.append(f"{where}: {field}: missing — {FIXES.get(field, 'add it')}")
            continue
        sub = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[1:])
        fix = FIXES.get(field, "")
        if field in ("description", "title") and isinstance(raw.get(field), str):
            msg = f"{msg} (it has {len(raw[field].strip())})"
        messages.append(f"{where}: {field}{sub}: {msg}" + (f" — {fix}" if fix else ""))
    return "\n".join(messages)
