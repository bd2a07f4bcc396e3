"""One linked schema.org @graph per page, built as Python dicts.

Templates print the result with `|tojson`; nothing here is string-pasted JSON.
Every node has a stable @id so pages reference the same clinic, website and
people: `<origin>/#clinic`, `<origin>/#website`, `<author page>#person`.
"""

from __future__ import annotations

from .config import Author, Site
from .state import current

CONTEXT = "https://schema.org"


def _origin(settings) -> str:
    return current().origin


def _ids(settings) -> dict:
    home = f"{_origin(settings)}/"
    return {"home": home, "website": f"{home}#website", "clinic": f"{home}#clinic"}


def author_url(settings, author: Author) -> str:
    path = settings["AUTHOR_URL"].format(slug=author.slug)
    return f"{_origin(settings)}/{path}"


def author_id(settings, author: Author) -> str:
    return author_url(settings, author) + ("#person" if author.kind == "person" else "#organization")


def clinic_node(settings, site: Site) -> dict:
    c = site.clinic
    return {
        "@type": c.type,
        "@id": _ids(settings)["clinic"],
        "name": c.name,
        "description": c.description,
        "url": _ids(settings)["home"],
        "telephone": c.phone,
        "email": c.email,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": c.address.street,
            "addressLocality": c.address.locality,
            "addressRegion": c.address.region,
            "postalCode": c.address.postal_code,
            "addressCountry": c.address.country,
        },
        "openingHours": list(c.opening_hours),
        "hasMap": str(c.map_url),
        "potentialAction": {
            "@type": "ReserveAction",
            "target": str(c.booking_url),
        },
    }


def website_node(settings, site: Site) -> dict:
    ids = _ids(settings)
    return {
        "@type": "WebSite",
        "@id": ids["website"],
        "url": ids["home"],
        "name": settings["SITENAME"],
        "inLanguage": settings["DEFAULT_LANG"],
        "publisher": {"@id": ids["clinic"]},
    }


def author_node(settings, site: Site, name: str) -> dict:
    author = site.authors[name]
    node = {
        "@type": "Person" if author.kind == "person" else "Organization",
        "@id": author_id(settings, author),
        "name": name,
        "url": author_url(settings, author),
    }
    if author.kind == "person":
        node["jobTitle"] = author.job_title
        if author.affiliation == "staff":
            node["worksFor"] = {"@id": _ids(settings)["clinic"]}
        if author.credentials:
            node["honorificSuffix"] = ", ".join(author.credentials)
            node["hasCredential"] = [
                {
                    "@type": "EducationalOccupationalCredential",
                    "name": site.credentials[c].name,
                    "recognizedBy": {
                        "@type": "Organization",
                        "name": site.credentials[c].awarded_by,
                        "url": str(site.credentials[c].url),
                    },
                }
                for c in author.credentials
            ]
    return node


def _breadcrumb_node(info) -> dict:
    items = []
    for position, (name, url) in enumerate(info.breadcrumbs, start=1):
        item = {"@type": "ListItem", "position": position, "name": name}
        if position < len(info.breadcrumbs):
            item["item"] = url
        items.append(item)
    return {"@type": "BreadcrumbList", "@id": f"{info.canonical}#breadcrumb", "itemListElement": items}


def graph(info, ctx) -> dict:
    """The page's whole JSON-LD document."""
    settings = ctx
    site = current().site
    ids = _ids(settings)
    nodes = [website_node(settings, site), clinic_node(settings, site)]
    page_id = f"{info.canonical}#webpage"
    webpage = {
        "@type": "WebPage",
        "@id": page_id,
        "url": info.canonical,
        "name": info.title,
        "description": info.description,
        "isPartOf": {"@id": ids["website"]},
        "inLanguage": settings["DEFAULT_LANG"],
    }
    if info.breadcrumbs:
        nodes.append(_breadcrumb_node(info))
        webpage["breadcrumb"] = {"@id": f"{info.canonical}#breadcrumb"}

    if info.kind == "article":
        article = info.obj
        names = [a.name for a in article.authors]
        conditions = [
            site.topics[k] for k in article.topic_keys if site.topics[k].kind == "condition"
        ]
        if conditions:
            webpage["@type"] = "MedicalWebPage"
            webpage["about"] = [{"@type": "MedicalCondition", "name": t.name} for t in conditions]
            webpage["medicalAudience"] = {"@type": "MedicalAudience", "audienceType": "Patient"}
        reviewer = article.reviewer and article.reviewer["name"]
        if reviewer:
            webpage["lastReviewed"] = article.last_reviewed.isoformat()
            webpage["reviewedBy"] = {"@id": author_id(settings, site.authors[reviewer])}
            if reviewer not in names:
                nodes.append(author_node(settings, site, reviewer))
        webpage["primaryImageOfPage"] = {"@id": f"{info.canonical}#primaryimage"}
        nodes.append(
            {
                "@type": "ImageObject",
                "@id": f"{info.canonical}#primaryimage",
                "url": info.image,
                "contentUrl": info.image,
                "width": info.image_size[0],
                "height": info.image_size[1],
                "caption": info.image_alt,
            }
        )
        nodes.append(webpage)
        nodes.append(
            {
                "@type": "BlogPosting",
                "@id": f"{info.canonical}#article",
                "mainEntityOfPage": {"@id": page_id},
                "isPartOf": {"@id": page_id},
                "headline": article.title,
                "description": article.description,
                "image": [info.image],
                "datePublished": article.date.isoformat(),
                "dateModified": article.lastmod.isoformat(),
                "author": [
                    {"@id": author_id(settings, site.authors[n])} for n in names
                ],
                "publisher": {"@id": ids["clinic"]},
                "inLanguage": settings["DEFAULT_LANG"],
                "wordCount": article.word_count,
                "keywords": [t.name for t in article.tags],
                "articleSection": article.category.name,
                "url": info.canonical,
            }
        )
        nodes.extend(author_node(settings, site, n) for n in names)
    elif info.kind == "author":
        name = info.obj.name
        person = author_node(settings, site, name)
        webpage["@type"] = "ProfilePage"
        webpage["mainEntity"] = {"@id": person["@id"]}
        nodes += [webpage, person]
    elif info.kind in ("tag", "category", "tags", "authors", "categories", "archives"):
        webpage["@type"] = "CollectionPage"
        nodes.append(webpage)
    else:
        if info.kind == "book":
            webpage["@type"] = "ContactPage"
            webpage["about"] = {"@id": ids["clinic"]}
        nodes.append(webpage)
    return {"@context": CONTEXT, "@graph": nodes}
