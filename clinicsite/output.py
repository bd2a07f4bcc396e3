"""Files written after the pages: sitemap.xml, robots.txt, social images,
author avatars, favicons and the web app manifest.

The sitemap lists what `pages.describe()` called indexable as each page was
written, so it cannot drift from the pages' own robots meta.
"""

from __future__ import annotations

import json
import logging
import os
from xml.sax.saxutils import escape

from . import images, report
from .pages import absolute, describe
from .settings import site_of

logger = logging.getLogger(__name__)

REGISTRY = "_CLINICSITE_PAGES"


def record_page(path, context) -> None:
    """content_written: remember each HTML page's canonical URL and lastmod."""
    if not str(path).endswith(".html") or REGISTRY not in context:
        return
    info = describe(context)
    context[REGISTRY].append((info.canonical, info.lastmod, info.indexable))


def write_extras(pelican) -> None:
    settings = pelican.settings
    out = settings["OUTPUT_PATH"]
    site = site_of(settings)
    pages = settings.get(REGISTRY, [])
    _write(out, "sitemap.xml", sitemap_xml(pages))
    _write(out, "robots.txt", robots_txt(settings))
    images.write_site_images(settings, site, out)
    _write(out, "manifest.webmanifest", manifest(settings, site))
    report.log_summary(report.report_articles(settings.get("_CLINICSITE_REPORTED", []), settings), settings)


def sitemap_xml(pages) -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for loc, lastmod, indexable in sorted(set(pages), key=lambda p: p[0]):
        if not indexable:
            continue
        lines.append("  <url>")
        lines.append(f"    <loc>{escape(loc)}</loc>")
        if lastmod is not None:
            lines.append(f"    <lastmod>{lastmod.isoformat()}</lastmod>")
        lines.append("  </url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def robots_txt(settings) -> str:
    if not settings["INDEXABLE"]:
        # A development build deployed by mistake stays out of search engines.
        return "User-agent: *\nDisallow: /\n"
    return f"User-agent: *\nAllow: /\n\nSitemap: {absolute(settings, 'sitemap.xml')}\n"


def manifest(settings, site) -> str:
    base = settings["SITEURL"]
    return json.dumps(
        {
            "name": site.clinic.name,
            "short_name": site.clinic.name,
            "start_url": f"{base}/",
            "display": "browser",
            "icons": [
                {"src": f"{base}/favicon.svg", "type": "image/svg+xml", "sizes": "any"},
                {"src": f"{base}/icon-192.png", "type": "image/png", "sizes": "192x192"},
                {"src": f"{base}/icon-512.png", "type": "image/png", "sizes": "512x512"},
            ],
        },
        indent=2,
        sort_keys=True,
    ) + "\n"


def _write(out: str, name: str, text: str) -> None:
    path = os.path.join(out, name)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
