"""Per-post data the templates need, computed once after the posts are read,
and the site-wide checks that need every post at once."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from itertools import chain

from . import report
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
    add_related(generator.articles, settings.get("RELATED_POSTS_MAX", 3))
    settings["_CLINICSITE_REPORTED"] = every
    report.prepare_facts(every, settings)  # worked out while pages render (parallel.py)
    settings["_CLINICSITE_CARDS"] = sorted((a.slug, a.title) for a in every)
    _check_unique(every, "title", lambda a: a.title.strip().casefold())
    clashes = _check_unique(every, "slug", lambda a: a.slug)
    if clashes:
        # The build has failed already; keep Pelican from crashing on the
        # second write to the same path so the report stays readable.
        generator.articles = [a for a in generator.articles if a not in clashes]


def add_related(articles, limit: int, window: int = 8) -> None:
    """Related posts: most shared topics, then nearest in date.

    Each article looks only at the `window` posts on either side of it in
    each of its topics' date-sorted lists, so the cost is O(n·t·window)
    plus one sort per topic — linear in the number of posts, where scoring
    every pair of posts that share a topic grows with n².
    """
    by_topic: dict[str, list] = defaultdict(list)
    for article in articles:  # already newest first
        for key in article.topic_keys:
            by_topic[key].append(article)
    position = {
        key: {id(a): i for i, a in enumerate(members)} for key, members in by_topic.items()
    }
    for article in articles:
        scores: dict[int, list] = {}
        for key in article.topic_keys:
            members = by_topic[key]
            i = position[key][id(article)]
            for other in members[max(0, i - window): i + window + 1]:
                if other is article:
                    continue
                entry = scores.setdefault(id(other), [0, other])
                entry[0] += 1
        ranked = sorted(
            scores.values(),
            key=lambda e: (-e[0], abs((e[1].date - article.date).total_seconds()), e[1].slug),
        )
        article.related_posts = [other for _, other in ranked[:limit]]


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
