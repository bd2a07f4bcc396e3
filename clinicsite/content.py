"""Per-post data the templates need, computed once after the posts are read,
and the site-wide checks that need every post at once."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from itertools import chain

from .errors import source_name
from .settings import site_of
from .structured_data import author_url

logger = logging.getLogger(__name__)


def enrich_articles(generator) -> None:
    settings = generator.settings
    site = site_of(settings)
    every = list(chain(generator.articles, generator.drafts, getattr(generator, "hidden_articles", [])))
    now = dt.datetime.now(dt.timezone.utc)
    for article in every:
        article.byline = [
            {"name": a.name, "author": site.authors[a.name], "url": a.url} for a in article.authors
        ]
        article.topic_list = [
            {"key": key, "topic": site.topics[key], "tag": tag}
            for key, tag in zip(article.topic_keys, article.tags)
        ]
        # Only a development build publishes future posts; it marks them.
        article.scheduled = article.date > now
        article.is_health = any(site.topics[k].kind == "condition" for k in article.topic_keys)
        article.about_sciatica = "sciatica" in article.topic_keys
        reviewer = getattr(article, "reviewed_by", None)
        if reviewer:
            author = site.authors[reviewer]
            article.reviewer = {
                "name": reviewer,
                "author": author,
                "url": settings["AUTHOR_URL"].format(slug=author.slug),
                "absolute_url": author_url(settings, author),
            }
    settings["_CLINICSITE_REPORTED"] = every
    settings["_CLINICSITE_CARDS"] = sorted((a.slug, a.title) for a in every)
    _check_unique(every, "title", lambda a: a.title.strip().casefold())
    clashes = _check_unique(every, "slug", lambda a: a.slug)
    if clashes:
        # The build has failed already; keep Pelican from crashing on the
        # second write to the same path so the report stays readable.
        generator.articles = [a for a in generator.articles if a not in clashes]


def _check_unique(items, field: str, key) -> list:
    """Log one error per clash, naming every file involved (O(n)); return
    the items after the first of each clash."""
    seen = defaultdict(list)
    for item in items:
        seen[key(item)].append(item)
    extra = []
    for value, clash in seen.items():
        if len(clash) > 1:
            extra.extend(clash[1:])
            paths = [source_name(c) for c in clash]
            logger.error(
                "clinicsite: %s: %s %r is used by %d files (%s) — give each its own %s",
                paths[1],
                field,
                value,
                len(paths),
                ", ".join(sorted(paths)),
                field,
            )
    return extra


def enrich_pages(generator) -> None:
    _check_unique(
        list(chain(generator.pages, generator.hidden_pages, generator.draft_pages)),
        "slug",
        lambda p: p.slug,
    )
