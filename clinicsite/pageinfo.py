"""What each page says about itself: title, description, canonical URL,
robots, breadcrumbs, Open Graph and the JSON-LD graph.

`describe()` is a pure function of the template context Pelican renders a
page with, so the <head>, the visible breadcrumbs and the sitemap all come
from the same computation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from jinja2 import pass_context

from . import structured_data
from .images import SITE_CARD
from .settings import site_of

TITLE_MAX = 60


@dataclass
class PageInfo:
    kind: str
    title: str  # the <title>
    heading: str  # what the page calls itself (the h1, og:title)
    description: str
    path: str  # the URL path after the origin, e.g. "posts/x/"
    canonical: str
    indexable: bool
    lastmod: dt.datetime | None
    og_type: str = "website"
    image: str = ""
    image_alt: str = ""
    image_size: tuple[int, int] = (0, 0)  # the social card's, from CLINICSITE_SOCIAL_SIZE
    breadcrumbs: list[tuple[str, str]] = field(default_factory=list)  # (name, absolute url)
    obj: object = None  # the article, page, author or tag the page is about


def isodate(value) -> str:
    """ISO 8601 with the timezone offset (dates stay dates)."""
    return value.isoformat()


def humandate(value) -> str:
    return f"{value.day} {value:%B %Y}"


DAYS = {"Mo": "Monday", "Tu": "Tuesday", "We": "Wednesday", "Th": "Thursday", "Fr": "Friday", "Sa": "Saturday", "Su": "Sunday"}


def opening_hours(spec: str) -> str:
    """schema.org openingHours ("Mo-Fr 09:00-17:00") in words."""
    days, times = spec.split(" ", 1)
    ranges = []
    for part in days.split(","):
        first, _, last = part.partition("-")
        ranges.append(f"{DAYS[first]} to {DAYS[last]}" if last else DAYS[first])
    start, end = times.split("-")
    return f"{', '.join(ranges)}: {start} to {end}"


def origin(settings: dict) -> str:
    return settings["CLINICSITE_ORIGIN"]


def absolute(settings: dict, path: str) -> str:
    return f"{origin(settings)}/{path.lstrip('/')}"


def _latest(articles) -> dt.datetime | None:
    dates = [a.modified for a in articles or []]
    return max(dates) if dates else None


def _fit_title(full: str, short: str) -> str:
    return full if len(full) <= TITLE_MAX else short


def _site_title(settings: dict, name: str) -> str:
    return _fit_title(f"{name} | {settings['SITENAME']}", name)


def _kind(ctx, output_file: str) -> str:
    """Which template rendered the page. Pelican does not pass the template
    name to the context, so taxonomy pages are known by their object and
    direct templates by where they are saved."""
    for key in ("tag", "author", "category"):
        if ctx.get(key) is not None:
            return key
    direct = {
        ctx["AUTHORS_SAVE_AS"]: "authors",
        ctx["TAGS_SAVE_AS"]: "tags",
        ctx["CATEGORIES_SAVE_AS"]: "categories",
        ctx["ARCHIVES_SAVE_AS"]: "archives",
        ctx.get("404_SAVE_AS", "404.html"): "404",
    }
    return direct.get(output_file, "index")


def describe(ctx) -> PageInfo:
    settings = ctx  # Pelican copies every setting into the template context
    site = site_of(settings)
    clinic = site.clinic
    output_file = ctx["output_file"]
    path = output_file.removesuffix("index.html")
    canonical = absolute(settings, path)
    home = absolute(settings, "")
    indexable = bool(settings["INDEXABLE"])
    template = _kind(ctx, output_file)
    page_number = getattr(ctx.get("articles_page"), "number", 1)
    suffix = f" (page {page_number})" if page_number > 1 else ""
    card = tuple(settings["CLINICSITE_SOCIAL_SIZE"])  # what images.py draws

    def crumbs(*pairs):
        return [(clinic.name, home), *pairs]

    article = ctx.get("article")
    page = ctx.get("page")
    if article is not None:
        topic = article.tags[0]
        info = PageInfo(
            kind="article",
            title=_site_title(settings, article.title),
            heading=article.title,
            description=article.description,
            path=path,
            canonical=canonical,
            indexable=indexable and article.status == "published",
            lastmod=article.modified,
            og_type="article",
            image=absolute(settings, f"social/{article.slug}.png"),
            image_alt=f"{article.title} — {clinic.name}",
            image_size=card,
            breadcrumbs=crumbs(
                (topic.name, absolute(settings, topic.url)), (article.title, canonical)
            ),
            obj=article,
        )
        return info
    if page is not None:
        return PageInfo(
            kind="page",
            title=_site_title(settings, page.title),
            heading=page.title,
            description=page.description,
            path=path,
            canonical=canonical,
            indexable=indexable and page.status == "published" and not getattr(page, "noindex", False),
            lastmod=getattr(page, "modified", None),
            image=absolute(settings, f"social/{SITE_CARD}.png"),
            image_alt=clinic.name,
            image_size=card,
            breadcrumbs=crumbs((page.title, canonical)),
            obj=page,
        )

    # A listing changes when one of the posts it shows does.
    shown = ctx.get("articles_page")
    articles = shown.object_list if shown is not None else ctx.get("articles")
    common = dict(
        path=path,
        canonical=canonical,
        indexable=indexable,
        lastmod=_latest(articles),
        image=absolute(settings, f"social/{SITE_CARD}.png"),
        image_alt=clinic.name,
        image_size=card,
    )
    if template == "tag":
        tag = ctx["tag"]
        topic = site.topics[tag.slug]
        what = "condition" if topic.kind == "condition" else "treatment"
        return PageInfo(
            kind="tag",
            title=_site_title(settings, f"{topic.name}{suffix}"),
            heading=topic.name,
            description=_fit(
                f"{topic.name}: {topic.summary} Guides and articles about this {what}{suffix}."
            ),
            breadcrumbs=crumbs((topic.name, canonical)),
            obj=tag,
            **common,
        )
    if template == "author":
        author_obj = ctx["author"]
        author = site.authors[author_obj.name]
        creds = f", {', '.join(author.credentials)}" if author.credentials else ""
        return PageInfo(
            kind="author",
            title=_site_title(settings, f"{author_obj.name}{creds}"),
            heading=author_obj.name,
            description=_fit(
                f"About {author_obj.name}{creds}: {author.job_title.lower()}. "
                f"Background, credentials and every article on {clinic.name}'s blog{suffix}."
            ),
            og_type="profile",
            breadcrumbs=crumbs(
                ("Authors", absolute(settings, settings["AUTHORS_SAVE_AS"].removesuffix("index.html"))),
                (author_obj.name, canonical),
            ),
            obj=author_obj,
            **common,
        )
    if template == "category":
        cat = ctx["category"]
        return PageInfo(
            kind="category",
            title=_site_title(settings, f"{cat.name}{suffix}"),
            heading=cat.name,
            description=_fit(
                f"Every post in {cat.name} on {clinic.name}'s blog about sciatica, "
                f"dry needling and related treatments, newest first{suffix}."
            ),
            breadcrumbs=crumbs(
                ("Categories", absolute(settings, settings["CATEGORIES_SAVE_AS"].removesuffix("index.html"))),
                (cat.name, canonical),
            ),
            obj=cat,
            **common,
        )
    listing = {
        "tags": ("Topics", f"The conditions and treatments {clinic.name}'s blog covers, each with its own guide page."),
        "authors": ("Authors", f"The practitioners and writers behind {clinic.name}'s blog, with their credentials and articles."),
        "categories": ("Categories", f"{clinic.name}'s blog posts grouped into source articles and patient guides."),
        "archives": ("Archives", f"Every post on {clinic.name}'s blog about sciatica and dry needling, newest first, by date."),
    }
    if template in listing:
        heading, description = listing[template]
        return PageInfo(
            kind=template,
            title=_site_title(settings, heading),
            heading=heading,
            description=_fit(description),
            breadcrumbs=crumbs((heading, canonical)),
            **common,
        )
    if template == "404":
        common["indexable"] = False
        return PageInfo(
            kind="404",
            title=_site_title(settings, "Page not found"),
            heading="Page not found",
            description=_fit(f"This page does not exist on {clinic.name}'s website. Find a topic, a guide or how to book."),
            **common,
        )
    # The home page and its later pages.
    return PageInfo(
        kind="index",
        title=_fit_title(f"{clinic.name}: sciatica and dry needling{suffix}", clinic.name),
        heading=clinic.name,
        description=_fit(f"{clinic.description}{suffix}"),
        breadcrumbs=crumbs((f"Page {page_number}", canonical)) if page_number > 1 else [],
        **common,
    )


def _fit(text: str, limit: int = 160) -> str:
    """Shorten a generated description to the limit at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


@pass_context
def page_info(ctx) -> dict:
    info = describe(ctx)
    return {"info": info, "graph": structured_data.graph(info, ctx)}
