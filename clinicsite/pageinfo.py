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
from .assets import SITE_CARD
from .rules import fit_description, fit_title
from .state import current


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
    image_size: tuple[int, int] = (0, 0)
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


def absolute(path: str) -> str:
    return f"{current().origin}/{path.lstrip('/')}"


def _latest(articles) -> dt.datetime | None:
    dates = [a.lastmod for a in articles or []]
    return max(dates) if dates else None


def _site_title(settings: dict, name: str) -> str:
    return fit_title(f"{name} | {settings['SITENAME']}", name)


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
        ctx.get("FEEDBACK_SAVE_AS"): "feedback",
    }
    return direct.get(output_file, "index")


def describe(ctx) -> PageInfo:
    settings = ctx  # Pelican copies every setting into the template context
    build = current()
    site = build.site
    clinic = site.clinic
    output_file = ctx["output_file"]
    path = output_file.removesuffix("index.html")
    canonical = absolute(path)
    home = absolute("")
    indexable = build.production
    template = _kind(ctx, output_file)
    page_number = getattr(ctx.get("articles_page"), "number", 1)
    suffix = f" (page {page_number})" if page_number > 1 else ""
    card = tuple(settings["CLINICSITE_SOCIAL_SIZE"])  # what images.py draws
    site_card = dict(image=absolute(build.assets.path(SITE_CARD)), image_alt=clinic.name, image_size=card)

    def crumbs(*pairs):
        return [(clinic.name, home), *pairs]

    article = ctx.get("article")
    page = ctx.get("page")
    clinic_page = ctx.get("clinic_page")  # clinicpages.py: services, practitioners, locations, statements
    if clinic_page is not None:
        return PageInfo(
            kind=clinic_page.kind,
            title=fit_title(clinic_page.title, clinic_page.heading) if clinic_page.title
            else _site_title(settings, clinic_page.heading),
            heading=clinic_page.heading,
            description=fit_description(clinic_page.description),
            path=path,
            canonical=canonical,
            indexable=indexable,
            lastmod=None,
            breadcrumbs=crumbs(*[(name, absolute(p)) for name, p in clinic_page.crumbs]),
            obj=clinic_page,
            **site_card,
        )
    if article is not None:
        topic = article.tags[0]
        return PageInfo(
            kind="article",
            title=_site_title(settings, article.title),
            heading=article.title,
            description=article.description,
            path=path,
            canonical=canonical,
            indexable=indexable and article.status == "published",
            lastmod=article.lastmod,
            og_type="article",
            breadcrumbs=crumbs((topic.name, absolute(topic.url)), (article.title, canonical)),
            obj=article,
            **_article_image(ctx, article, build, card),
        )
    if page is not None:
        return PageInfo(
            kind="book" if page.template == "book" else "page",
            title=_site_title(settings, page.title),
            heading=page.title,
            description=page.description,
            path=path,
            canonical=canonical,
            indexable=indexable and page.status == "published" and not getattr(page, "noindex", False),
            lastmod=getattr(page, "modified", None),
            breadcrumbs=crumbs((page.title, canonical)),
            obj=page,
            **site_card,
        )

    # A listing changes when one of the posts it shows does.
    shown = ctx.get("articles_page")
    articles = shown.object_list if shown is not None else ctx.get("articles")
    common = dict(
        path=path,
        canonical=canonical,
        indexable=indexable,
        lastmod=_latest(articles),
        **site_card,
    )
    if template == "tag":
        tag = ctx["tag"]
        topic = site.topics[tag.slug]
        what = "condition" if topic.kind == "condition" else "treatment"
        return PageInfo(
            kind="tag",
            title=_site_title(settings, f"{topic.name}{suffix}"),
            heading=topic.name,
            description=fit_description(
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
            description=fit_description(
                f"About {author_obj.name}{creds}: {author.job_title[:1].lower() + author.job_title[1:]}. "
                f"Background, credentials and every article on {clinic.name}'s blog{suffix}."
            ),
            og_type="profile",
            breadcrumbs=crumbs(
                ("Authors", absolute(settings["AUTHORS_SAVE_AS"].removesuffix("index.html"))),
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
            description=fit_description(
                f"{cat.name} on {clinic.name}'s blog about {site.editorial.about}: "
                f"{site.categories[cat.name].description}{suffix}"
            ),
            breadcrumbs=crumbs(
                ("Categories", absolute(settings["CATEGORIES_SAVE_AS"].removesuffix("index.html"))),
                (cat.name, canonical),
            ),
            obj=cat,
            **common,
        )
    listing = {
        "tags": ("Topics", f"The conditions and treatments {clinic.name}'s blog covers, each with its own guide page."),
        "authors": ("Authors", f"The practitioners and writers behind {clinic.name}'s blog, with their credentials and articles."),
        "categories": ("Categories", f"{clinic.name}'s blog posts grouped into source articles and patient guides."),
        "archives": ("Archives", f"Every post on {clinic.name}'s blog about {site.editorial.about}, newest first, by date."),
    }
    if template in listing:
        heading, description = listing[template]
        return PageInfo(
            kind=template,
            title=_site_title(settings, heading),
            heading=heading,
            description=fit_description(description),
            breadcrumbs=crumbs((heading, canonical)),
            **common,
        )
    if template == "404":
        common["indexable"] = False
        return PageInfo(
            kind="404",
            title=_site_title(settings, "Page not found"),
            heading="Page not found",
            description=fit_description(f"This page does not exist on {clinic.name}'s website. Find a topic, a guide or how to book."),
            **common,
        )
    if template == "feedback":
        # The answer to "Was this page helpful?" (clinicsite/feedback.py): not for search engines.
        common["indexable"] = False
        return PageInfo(
            kind="feedback",
            title=_site_title(settings, "Thank you for your feedback"),
            heading="Thank you for your feedback",
            description=fit_description(f"Thank you for telling {clinic.name} whether a page helped you. "
                                        "Find another guide by topic, or see every post."),
            **common,
        )
    # The home page and its later pages.
    return PageInfo(
        kind="index",
        title=fit_title(f"{clinic.name}: {site.editorial.about}{suffix}", clinic.name),
        heading=clinic.name,
        description=fit_description(f"{clinic.description}{suffix}"),
        breadcrumbs=crumbs((f"Page {page_number}", canonical)) if page_number > 1 else [],
        **common,
    )


def _article_image(ctx, article, build, card) -> dict:
    """The post's own image (front matter `image`), else its social card."""
    if getattr(article, "image", None):
        static = ctx["static_content"].get(article.image)
        picture = build.assets.pictures.get(static.save_as) if static else None
        if picture is not None:
            return dict(image=absolute(static.url), image_alt=article.image_alt,
                        image_size=(picture.width, picture.height))
    return dict(image=absolute(build.assets.path(f"social/{article.slug}.png")),
                image_alt=f"{article.title} — {build.site.clinic.name}", image_size=card)


@pass_context
def page_info(ctx) -> dict:
    """Jinja global: what the page says about itself, and its JSON-LD. The
    sitemap lists what was recorded here as each page rendered."""
    info = describe(ctx)
    current().pages[ctx["output_file"]] = info
    return {"info": info, "graph": structured_data.graph(info, ctx)}


@pass_context
def showing_help(ctx) -> str:
    """Jinja global, called by the When to get help partial: the page shows
    the block (content.check_help_shown makes every condition post show it)."""
    current().help_shown.add(ctx["output_file"])
    return ""
