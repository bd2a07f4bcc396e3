"""One linked schema.org @graph per page, built as Python dicts.

Templates print the result with `|tojson`; nothing here is string-pasted JSON.
Every node has a stable @id so pages reference the same clinic, website and
people: `<origin>/#clinic`, `<origin>/#website`, `<author page>#person`.
"""

from __future__ import annotations

from .config import Author, Location, Site, SpecialHours
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


def service_id(key: str) -> str:
    return f"{current().origin}/services/{key}/#service"


def location_id(key: str) -> str:
    return f"{current().origin}/locations/{key}/#place"


def location_fields(location: Location) -> dict:
    """A location's address, phone, hours and coming closures (closed all
    day: opens and closes at 00:00)."""
    from .clinicpages import upcoming

    fields = {
        "telephone": location.phone,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": location.address.street,
            "addressLocality": location.address.locality,
            "addressRegion": location.address.region,
            "postalCode": location.address.postal_code,
            "addressCountry": location.address.country,
        },
        "openingHours": list(location.opening_hours),
        "hasMap": str(location.map_url),
    }
    special = []
    for day in upcoming(location, current().today):
        opens, closes = day.hours.split("-") if isinstance(day, SpecialHours) else ("00:00", "00:00")
        special.append({"@type": "OpeningHoursSpecification", "name": day.name, "opens": opens, "closes": closes,
                        "validFrom": day.start.isoformat(), "validThrough": day.last.isoformat()})
    if special:
        fields["specialOpeningHoursSpecification"] = special
    return fields


def clinic_node(settings, site: Site, services: bool = False) -> dict:
    """The clinic; with one location, that location's address and hours too
    (with several, each location page has its own node). `services`: name
    what it offers (on the services pages)."""
    c = site.clinic
    node = {
        "@type": c.type,
        "@id": _ids(settings)["clinic"],
        "name": c.name,
        "description": c.description,
        "url": _ids(settings)["home"],
        "email": c.email,
    }
    if len(site.locations) == 1:
        node.update(location_fields(site.main_location))
    else:
        node["department"] = [{"@id": location_id(key)} for key in site.locations]
    if services and site.services:
        node["availableService"] = [{"@id": service_id(key)} for key in site.services]
    node["potentialAction"] = {"@type": "ReserveAction", "target": site.booking_link()}
    return node


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
        if author.services:
            node["knowsAbout"] = [{"@id": service_id(key)} for key in author.services]
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
    nodes = [website_node(settings, site), clinic_node(settings, site, services=info.kind in ("services", "service"))]
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
    elif info.kind == "service":
        key = info.obj.key
        service = site.services[key]
        therapy = {"@type": "MedicalTherapy", "@id": service_id(key), "name": service.name,
                   "description": service.description, "url": info.canonical}
        webpage["about"] = {"@id": therapy["@id"]}
        nodes += [webpage, therapy]
        hub = ctx.get("topic_tag")  # the treatment's topic hub, when it has posts
        if hub is not None:
            hub_url = f"{current().origin}/{hub.url}"
            therapy["subjectOf"] = {"@id": f"{hub_url}#webpage"}
            nodes.append({"@type": "CollectionPage", "@id": f"{hub_url}#webpage", "url": hub_url,
                          "name": site.topics[service.topic].name})
    elif info.kind == "services":
        webpage["@type"] = "CollectionPage"
        webpage["about"] = {"@id": ids["clinic"]}
        nodes.append(webpage)
    elif info.kind == "practitioners":
        webpage["@type"] = "CollectionPage"
        people = [author_node(settings, site, name) for name in site.practitioners]
        webpage["mainEntity"] = {"@type": "ItemList", "itemListElement": [
            {"@type": "ListItem", "position": i, "item": {"@id": person["@id"]}} for i, person in enumerate(people, 1)]}
        nodes += [webpage, *people]
    elif info.kind == "location":
        key = info.obj.key
        location = site.locations[key]
        if len(site.locations) == 1:
            webpage["about"] = {"@id": ids["clinic"]}
            nodes.append(webpage)
        else:
            place = {"@type": site.clinic.type, "@id": location_id(key), "name": site.location_name(location),
                     "url": info.canonical, **location_fields(location), "parentOrganization": {"@id": ids["clinic"]},
                     "potentialAction": {"@type": "ReserveAction", "target": site.booking_link(location)}}
            webpage["about"] = {"@id": place["@id"]}
            nodes += [webpage, place]
    else:
        if info.kind in ("accessibility", "privacy"):
            webpage["about"] = {"@id": ids["clinic"]}
        if info.kind == "book":
            webpage["@type"] = "ContactPage"
            webpage["about"] = {"@id": ids["clinic"]}
        nodes.append(webpage)
    # Services other nodes name (the clinic's offer, a practitioner's): each
    # in the graph at least by name and page, so every reference resolves.
    present = {n.get("@id") for n in nodes}
    named = {ref["@id"] for n in nodes for ref in [*n.get("availableService", []), *n.get("knowsAbout", [])]}
    for key, service in site.services.items():
        if service_id(key) in named - present:
            nodes.append({"@type": "MedicalTherapy", "@id": service_id(key), "name": service.name,
                          "url": f"{current().origin}/services/{key}/"})
    return {"@context": CONTEXT, "@graph": nodes}
