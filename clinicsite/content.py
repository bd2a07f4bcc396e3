"""Per-post data the templates need, computed once after the posts are read,
and the checks that need every post at once: unique titles and slugs, review
status, safety advice, dates a production build would hide."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from itertools import chain
from zoneinfo import ZoneInfo

from . import rules, safety
from .errors import source_name
from .frontmatter import key_lines
from .state import current
from .structured_data import author_url

logger = logging.getLogger(__name__)


def enrich_articles(generator) -> None:
    build = current()
    settings, site = generator.settings, build.site
    every = list(chain(generator.articles, generator.drafts, generator.hidden_articles))
    build.articles = every
    tz = ZoneInfo(settings.get("TIMEZONE") or "UTC")
    now = dt.datetime.combine(build.today, dt.time(), tz)
    for article in every:
        article.byline = [{"name": a.name, "author": site.authors[a.name], "url": a.url} for a in article.authors]
        article.topic_list = [
            {"key": key, "topic": site.topics[key], "tag": tag} for key, tag in zip(article.topic_keys, article.tags)
        ]
        article.category_kind = site.categories[article.category.name].kind
        # Only a development build publishes future posts; it marks them.
        article.scheduled = article.date > now + dt.timedelta(days=1)
        conditions = site.conditions(article.topic_keys)
        article.help = safety.help_block(site.safety, site.topics, conditions) if conditions else None
        _review(article, build, settings, tz)
        if build.production and article.status == "published" and article.date.date() > rules.add_months(build.today, 12):
            _error(article, "date", f"{article.date.date()} is more than a year away, so the published site would leave "
                   "the post out until then — check the year, or set `status: draft`")
    _check_sources(every, build)
    add_related(generator.articles, settings["CLINICSITE_RELATED_POSTS"])
    _check_unique(every, "title", lambda a: a.title.strip().casefold())
    clashes = _check_unique(every, "slug", lambda a: a.slug)
    if clashes:
        # The build has failed already; keep Pelican from crashing on the
        # second write to the same path so the report stays readable.
        generator.articles = [a for a in generator.articles if a not in clashes]


def _review(article, build, settings, tz) -> None:
    """Who reviewed the post and when its next review is due; the date it
    last changed is the later of its last edit and its last review."""
    site = build.site
    article.reviewer = None
    article.next_review = None
    reviewed = getattr(article, "last_reviewed", None)
    if reviewed is None:
        article.lastmod = article.modified
        return
    author = site.authors[article.reviewed_by]
    article.reviewer = {
        "name": article.reviewed_by,
        "author": author,
        "url": settings["AUTHOR_URL"].format(slug=author.slug),
        "absolute_url": author_url(settings, author),
    }
    months = getattr(article, "review_every", None) or site.reviews.every_months
    article.next_review = rules.add_months(reviewed, months)
    article.lastmod = max(article.modified, dt.datetime.combine(reviewed, dt.time(), tz))
    if article.next_review < build.today and article.status == "published":
        message = (f"last_reviewed: the review of {reviewed} was due again on {article.next_review} — "
                   f"have a clinician review the post, then update reviewed_by and last_reviewed")
        if build.production and site.reviews.overdue == "error":
            _error(article, "last_reviewed", message.split(": ", 1)[1])
        else:
            logger.info("clinicsite: %s: %s", source_name(article), message)


def _check_sources(articles, build) -> None:
    """A real clinic publishes urgent-care advice only from sources a person
    has read on the live page (safety/README.md)."""
    if not build.production or build.site.placeholder:
        return
    profile = build.site.safety
    seen = set()
    for article in articles:
        for source in article.help.sources if article.help else ():
            if source.url in seen:
                continue
            seen.add(source.url)
            if source in safety.unchecked_sources(article.help, build.today, build.site.reviews.every_months):
                key = next(k for k, s in profile.sources.items() if s == source)
                logger.error(
                    "clinicsite: safety/%s.toml: sources.%s.checked: %s — read the cited words on %s and "
                    "set checked to that day (YYYY-MM-DD); health pages show this advice",
                    profile.code, key, f'"{source.checked}" is more than {build.site.reviews.every_months} months ago'
                    if source.checked else "not yet checked", source.url,
                )


def _error(article, field: str, message: str) -> None:
    name = source_name(article)
    try:
        with open(article.source_path, encoding="utf-8") as fh:
            line = key_lines(fh.read().split("---", 2)[1]).get(field)
    except (OSError, IndexError):
        line = None
    logger.error("clinicsite: %s%s: %s: %s", name, f":{line}" if line else "", field, message)


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
    position = {key: {id(a): i for i, a in enumerate(members)} for key, members in by_topic.items()}
    for article in articles:
        scores: dict[int, list] = {}
        for key in article.topic_keys:
            members = by_topic[key]
            i = position[key][id(article)]
            for other in members[max(0, i - window): i + window + 1]:
                if other is not article:
                    scores.setdefault(id(other), [0, other])[0] += 1
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
                paths[1], field, value, len(paths), ", ".join(sorted(paths)), field,
            )
    return extra


def enrich_pages(generator) -> None:
    _check_unique(list(chain(generator.pages, generator.hidden_pages, generator.draft_pages)), "slug", lambda p: p.slug)


def check_help_shown(path, context) -> None:
    """content_written: a page about a condition must show the When to get
    help block (a template that leaves it out cannot publish the post)."""
    article = context.get("article")
    if article is None or not getattr(article, "help", None):
        return
    build = current()
    if context.get("output_file") not in build.help_shown:
        logger.error(
            "clinicsite: %s: template %r does not show the When to get help block, which every post about a "
            "condition must — include partials/when_to_get_help.html in it",
            source_name(article), article.template,
        )

