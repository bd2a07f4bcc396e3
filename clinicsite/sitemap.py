"""sitemap.xml and robots.txt.

The sitemap lists the pages whose own <head> said they are indexable as they
rendered (pageinfo.page_info records each), with the real date each last
changed, so it cannot drift from the pages' robots meta."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape


def write(build) -> None:
    out = Path(build.settings["OUTPUT_PATH"])
    (out / "sitemap.xml").write_text(sitemap_xml(build.pages.values()), encoding="utf-8")
    (out / "robots.txt").write_text(robots_txt(build), encoding="utf-8")


def sitemap_xml(pages) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for info in sorted((p for p in pages if p.indexable), key=lambda p: p.canonical):
        lines.append("  <url>")
        lines.append(f"    <loc>{escape(info.canonical)}</loc>")
        if info.lastmod is not None:
            lines.append(f"    <lastmod>{info.lastmod.isoformat()}</lastmod>")
        lines.append("  </url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def robots_txt(build) -> str:
    if not build.production:
        # A development build deployed by mistake stays out of search engines.
        return "User-agent: *\nDisallow: /\n"
    return f"User-agent: *\nAllow: /\n\nSitemap: {build.origin}/sitemap.xml\n"
