"""`invoke new-post "Title" --author "Name"`: a new post with every required
field filled in or marked TODO, named and dated correctly."""

from __future__ import annotations

import datetime as dt
import difflib
import tomllib
import zoneinfo
from pathlib import Path

from pelican.settings import DEFAULT_CONFIG
from pelican.utils import slugify

from .errors import ContentError

TEMPLATE = """\
---
# Plain text, ideally under 60 characters.
title: {title}
# When the post is published: ISO 8601 with a timezone offset.
date: {date}
# Names from clinic.toml [authors].
authors: [{author}]
# 50–160 characters: what the reader will learn. Shown in search results.
description: TODO describe in one or two plain sentences what a reader will learn from this post.
# Keys from clinic.toml [topics]: {topics}. The first one is the breadcrumb.
topics: [{topic}]
# One of clinic.toml [categories]: {categories}.
category: {category}
# published, draft (preview only) or hidden.
status: draft
# Optional, shown in a box at the top:
# takeaways:
#   - One short sentence per key point.
# Optional, shown as a references list (every added fact needs one):
# sources:
#   - title: Sciatica — NHS
#     url: https://www.nhs.uk/conditions/sciatica/
# Optional, when a clinician from clinic.toml [authors] (clinician = true) has reviewed it:
# reviewed_by: {author}
# last_reviewed: {today}
---

TODO write the opening paragraph: who this post is for and what it answers.

## TODO first heading

TODO write this section. Keep paragraphs short and link to a related post{example}.
"""


def new_post(title: str, author: str, content_dir: Path, clinic_file: Path, timezone: str = "UTC",
             now: dt.datetime | None = None) -> Path:
    data = tomllib.loads(clinic_file.read_text(encoding="utf-8"))
    authors = list(data["authors"])
    if author not in authors:
        close = difflib.get_close_matches(author, authors, n=1)
        hint = f' — did you mean "{close[0]}"?' if close else ""
        raise ContentError(f'--author: "{author}" is not a known author{hint} Known authors: {", ".join(authors)}')
    if not title.strip():
        raise ContentError('title: empty — give the post a title, e.g. invoke new-post "What is sciatica?"')
    now = (now or dt.datetime.now(zoneinfo.ZoneInfo(timezone))).replace(second=0, microsecond=0)
    slug = slugify(title, regex_subs=DEFAULT_CONFIG["SLUG_REGEX_SUBSTITUTIONS"])
    path = content_dir / "posts" / f"{now:%Y-%m-%d}-{slug}.md"
    if path.exists():
        raise ContentError(f"{path}: already exists — choose another title or edit that file")
    topics = list(data["topics"])
    others = sorted((content_dir / "posts").glob("*.md"))
    example = f", for example [this one]({{filename}}/posts/{others[-1].name})" if others else ""
    categories = data.get("categories", {})
    category = next((k for k, c in categories.items() if c.get("kind") == "guide"), next(iter(categories), ""))
    quoted = '"' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        TEMPLATE.format(
            title=quoted, date=now.isoformat(), author=author, topics=", ".join(topics),
            topic=topics[0], today=now.date().isoformat(), categories=", ".join(categories), category=category,
            example=example,
        ),
        encoding="utf-8",
    )
    return path
