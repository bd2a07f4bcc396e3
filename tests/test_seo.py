"""What crawlers read — titles, descriptions, canonical URLs, Open Graph,
linked JSON-LD, sitemap, robots.txt and feeds — over every page of the real
site's and the fixture site's production builds, plus a crawl over real
HTTP."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urldefrag

import feedparser
import pytest
from PIL import Image
from sitekit import ORIGIN, posts_of

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)$")


def pages(site):
    return [site.rel(p) for p in site.html_files()]


@pytest.fixture(params=["site", "fixture_site"])
def built(request):
    """Each check on the real site and on the fixture site."""
    return request.getfixturevalue(request.param)


def meta(soup, attr, name):
    return [m["content"] for m in soup.select(f'meta[{attr}="{name}"]')]


def graph_of(soup):
    scripts = soup.select('script[type="application/ld+json"]')
    assert len(scripts) == 1
    data = json.loads(scripts[0].string)
    assert data["@context"] == "https://schema.org"
    return {node["@id"]: node for node in data["@graph"]}, data["@graph"]


def refs(value):
    """Every {"@id": …} reference inside a node (not the node's own @id)."""
    if isinstance(value, dict):
        if set(value) == {"@id"}:
            yield value["@id"]
        for key, inner in value.items():
            if key != "@id":
                yield from refs(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from refs(inner)


def test_titles_are_unique_and_short(built):
    titles = {}
    for rel in pages(built):
        found = built.soup(rel).select("head title")
        assert len(found) == 1 and found[0].string.strip(), rel
        title = found[0].string
        titles[rel] = title
        if " | " in title:
            assert len(title) <= 60, f"{rel}: title with site suffix is {len(title)} characters"
    dupes = [t for t, n in Counter(titles.values()).items() if n > 1]
    assert not dupes, f"duplicate titles: {dupes}"


def test_descriptions_are_unique_and_50_to_160(built):
    seen = Counter()
    for rel in pages(built):
        found = meta(built.soup(rel), "name", "description")
        assert len(found) == 1, rel
        assert 50 <= len(found[0]) <= 160, f"{rel}: description has {len(found[0])} characters"
        seen[found[0]] += 1
    assert all(n == 1 for n in seen.values()), [d for d, n in seen.items() if n > 1]


def test_one_absolute_self_canonical_equal_to_og_url(built):
    for rel in pages(built):
        soup = built.soup(rel)
        canon = soup.select('link[rel="canonical"]')
        assert len(canon) == 1 and canon[0].parent.name == "head", rel
        href = canon[0]["href"]
        assert href.startswith("https://"), rel
        assert href == built.url_of(rel), f"{rel}: canonical {href}"
        assert meta(soup, "property", "og:url") == [href], rel


def test_open_graph_and_twitter(built):
    for rel in pages(built):
        soup = built.soup(rel)
        for prop in ("og:title", "og:type", "og:description", "og:image", "og:image:alt"):
            assert len(meta(soup, "property", prop)) == 1 and meta(soup, "property", prop)[0], f"{rel}: {prop}"
        assert meta(soup, "name", "twitter:card") == ["summary_large_image"], rel
        assert meta(soup, "name", "twitter:image:alt")[0], rel
        image = meta(soup, "property", "og:image")[0]
        path = built.file_for(image)
        assert path is not None and path.is_file(), f"{rel}: og:image {image} missing"
        width = int(meta(soup, "property", "og:image:width")[0])
        height = int(meta(soup, "property", "og:image:height")[0])
        with Image.open(path) as img:
            assert img.size == (width, height), f"{rel}: {image} is {img.size}, the page says {width}x{height}"
            if "/social/" in image:
                assert img.size == (1200, 630)


def test_article_open_graph(built):
    for post in posts_of(built):
        rel = f"posts/{post['slug']}/index.html"
        soup = built.soup(rel)
        assert meta(soup, "property", "og:type") == ["article"]
        published = meta(soup, "property", "article:published_time")[0]
        assert ISO_WITH_OFFSET.match(published) and published.startswith(post["date"].date().isoformat())
        assert ISO_WITH_OFFSET.match(meta(soup, "property", "article:modified_time")[0])
        authors = meta(soup, "property", "article:author")
        assert len(authors) == len(post["authors"])
        for url in authors:
            assert built.file_for(url).is_file(), f"{rel}: article:author {url}"


def test_json_ld_parses_and_every_reference_resolves(built):
    for rel in pages(built):
        ids, nodes = graph_of(built.soup(rel))
        assert len(ids) == len(nodes), f"{rel}: repeated @id"
        for node in nodes:
            for ref in refs(node):
                assert ref in ids, f"{rel}: {node['@type']} refers to {ref}, not in the graph"
        types = Counter(n["@type"] for n in nodes)
        assert types["WebSite"] == 1
        clinic = [n for n in nodes if n["@type"] in ("MedicalClinic", "Physiotherapy")]
        assert len(clinic) == 1 and clinic[0]["address"]["@type"] == "PostalAddress", rel
        assert clinic[0]["telephone"] and clinic[0]["openingHours"] and clinic[0]["url"]


def _visible_crumbs(soup):
    return [(" ".join(a.get_text().split()), a["href"]) for a in soup.select("nav.breadcrumbs a")]


def test_breadcrumb_list_equals_the_visible_breadcrumbs(built):
    checked = 0
    for rel in pages(built):
        soup = built.soup(rel)
        ids, nodes = graph_of(soup)
        lists = [n for n in nodes if n["@type"] == "BreadcrumbList"]
        visible = _visible_crumbs(soup)
        if not visible:
            assert not lists, rel
            continue
        checked += 1
        items = lists[0]["itemListElement"]
        assert len(items) >= 2
        assert [i["position"] for i in items] == list(range(1, len(items) + 1))
        assert [i["name"] for i in items] == [name for name, _ in visible], rel
        for item, (_, href) in zip(items[:-1], visible):
            assert item["item"] == href and item["item"].startswith("https://"), rel
    assert checked >= 5


def test_blog_posting_and_medical_web_page(built):
    for post in posts_of(built):
        rel = f"posts/{post['slug']}/index.html"
        soup = built.soup(rel)
        ids, nodes = graph_of(soup)
        (article,) = [n for n in nodes if n["@type"] == "BlogPosting"]
        assert article["headline"] == soup.h1.get_text(strip=True)
        assert ISO_WITH_OFFSET.match(article["datePublished"]) and ISO_WITH_OFFSET.match(article["dateModified"])
        assert article["datePublished"] == soup.select_one(".byline time")["datetime"]
        assert all(u.startswith("https://") for u in article["image"])
        assert ids[article["publisher"]["@id"]]["@type"] in ("MedicalClinic", "Physiotherapy")
        assert [ids[a["@id"]]["name"] for a in article["author"]] == post["authors"]
        for a in article["author"]:
            person = ids[a["@id"]]
            assert person["name"] in post["authors"], "name holds only the name"
            assert not re.search(r"\b(Dr|by)\b|®|,", person["name"]), person["name"]
            assert built.file_for(person["url"]).is_file()
            if person["@type"] == "Person":
                assert person["jobTitle"]
                for cred in person.get("hasCredential", []):
                    assert cred["@type"] == "EducationalOccupationalCredential"
        page = ids[article["mainEntityOfPage"]["@id"]]
        if {"sciatica", "piriformis-syndrome"} & set(post["topics"]):
            assert page["@type"] == "MedicalWebPage"
            assert page["about"] and all(a["@type"] == "MedicalCondition" for a in page["about"])
            assert page["medicalAudience"]["audienceType"] == "Patient"


def test_author_pages_are_profile_pages(built):
    for rel in pages(built):
        if re.match(r"authors/[^/]+/index.html$", rel):
            ids, nodes = graph_of(built.soup(rel))
            (profile,) = [n for n in nodes if n["@type"] == "ProfilePage"]
            person = ids[profile["mainEntity"]["@id"]]
            assert person["url"] == built.url_of(rel)
            assert person["name"] == built.soup(rel).h1.get_text(strip=True)


def test_every_page_links_its_feeds(built):
    for rel in pages(built):
        feeds = built.soup(rel).select('head link[rel="alternate"][type="application/atom+xml"]')
        assert feeds, rel
        for link in feeds:
            assert link["href"].startswith("https://") and built.file_for(link["href"]).is_file(), rel


def test_robots_txt(site, dev_site):
    text = (site.root / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {ORIGIN}/sitemap.xml" in text.splitlines()
    assert "Disallow: /\n" not in text
    assert "Disallow: /" in (dev_site.root / "robots.txt").read_text(encoding="utf-8")


def test_development_pages_are_noindex(dev_site):
    for path in dev_site.html_files():
        soup = dev_site.soup(dev_site.rel(path))
        assert meta(soup, "name", "robots") == ["noindex"], dev_site.rel(path)


def _indexable(site):
    urls = set()
    for rel in pages(site):
        soup = site.soup(rel)
        if "noindex" in " ".join(meta(soup, "name", "robots")):
            continue
        urls.add(soup.select_one('link[rel="canonical"]')["href"])
    return urls


def _sitemap(site):
    from xml.etree import ElementTree

    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ElementTree.parse(site.root / "sitemap.xml").getroot()
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    assert not root.findall(".//s:priority", ns) and not root.findall(".//s:changefreq", ns)
    return {
        u.findtext("s:loc", namespaces=ns): u.findtext("s:lastmod", namespaces=ns)
        for u in root.findall("s:url", ns)
    }


def test_sitemap_lists_exactly_the_indexable_pages(built):
    entries = _sitemap(built)
    assert set(entries) == _indexable(built)
    assert f"{ORIGIN}/404.html" not in entries
    for url in entries:
        assert built.file_for(url).is_file(), url


def test_sitemap_lastmod_is_the_real_modification_date(built):
    entries = _sitemap(built)
    for post in posts_of(built):
        url = f"{ORIGIN}/posts/{post['slug']}/"
        soup = built.soup(f"posts/{post['slug']}/index.html")
        assert entries[url] == meta(soup, "property", "article:modified_time")[0]
    newest = max(entries[f"{ORIGIN}/posts/{p['slug']}/"] for p in posts_of(built))
    assert entries[f"{ORIGIN}/"] == newest, "the home page changes when its newest post does"


@pytest.mark.parametrize("feed", ["feeds/all.atom.xml", "feeds/all.rss.xml"])
def test_site_feeds_contain_every_post_with_full_content(site, feed):
    parsed = feedparser.parse((site.root / feed).read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title
    links = {e.link for e in parsed.entries}
    assert links == {f"{ORIGIN}/posts/{p['slug']}/" for p in posts_of(site)}
    for entry in parsed.entries:
        assert entry.id and entry.title and entry.get("published"), entry
        body = entry.content[0].value if "content" in entry else entry.summary
        assert len(body) > 500, f"{feed}: {entry.link} has no full content"
        assert not re.search(r'(href|src)="/', body), f"{feed}: {entry.link} has root-relative links"


def test_atom_feed_is_rfc_4287(built):
    from xml.etree import ElementTree

    atom = "{http://www.w3.org/2005/Atom}"
    root = ElementTree.parse(built.root / "feeds/all.atom.xml").getroot()
    for tag in ("id", "title", "updated"):
        assert len(root.findall(atom + tag)) == 1, tag
    assert root.find(f"{atom}link[@rel='self']").get("href") == f"{ORIGIN}/feeds/all.atom.xml"
    rfc3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$")
    assert rfc3339.match(root.findtext(atom + "updated"))
    for entry in root.findall(atom + "entry"):
        for tag in ("id", "title", "updated"):
            assert len(entry.findall(atom + tag)) == 1
        assert rfc3339.match(entry.findtext(atom + "updated"))
        assert entry.find(f"{atom}author/{atom}name") is not None or root.find(atom + "author") is not None


@pytest.mark.parametrize("kind, key, field", [("authors", "dana-staff", "Dana Staff"), ("topics", "piriformis-syndrome", "piriformis-syndrome")])
def test_author_and_topic_feeds(fixture_site, kind, key, field):
    site = fixture_site
    parsed = feedparser.parse((site.root / f"feeds/{kind}/{key}.atom.xml").read_bytes())
    assert not parsed.bozo
    if kind == "authors":
        expected = {p["slug"] for p in posts_of(site) if field in p["authors"]}
    else:
        expected = {p["slug"] for p in posts_of(site) if field in p["topics"]}
    assert {e.link for e in parsed.entries} == {f"{ORIGIN}/posts/{s}/" for s in expected}


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in ("img", "link", "script") and (attrs.get("src") or attrs.get("href")):
            self.links.append(attrs.get("src") or attrs.get("href"))


def test_crawl_from_home_reaches_every_sitemap_url_without_404(served):
    origin = served.origin
    start = origin + "/"
    seen, queue, problems = {start}, deque([start]), []
    while queue and len(seen) < 2000:
        url = queue.popleft()
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                status, body, ctype = resp.status, resp.read(), resp.headers.get("Content-Type", "")
        except urllib.error.HTTPError as err:
            problems.append(f"{url}: HTTP {err.code}")
            continue
        if status != 200:
            problems.append(f"{url}: HTTP {status}")
        if "text/html" not in ctype:
            continue
        parser = _Links()
        parser.feed(body.decode("utf-8"))
        for link in parser.links:
            target = urldefrag(urljoin(url, link))[0]
            if target.startswith(origin + "/") and target not in seen:
                seen.add(target)
                queue.append(target)
    assert not problems, "\n".join(problems)
    sitemap = set(_sitemap(served))
    orphans = sitemap - seen
    assert not orphans, f"sitemap URLs not reachable from /: {sorted(orphans)}"
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(origin + "/no-such-page/", timeout=10)
    assert missing.value.code == 404
    assert b"Page not found" in missing.value.read()


def test_social_cards_are_not_redrawn_for_unchanged_posts(tmp_path):
    from sitekit import PUBLISH, fixture_project, overrides

    from clinicsite.build import build

    project = fixture_project(tmp_path, "baseline")
    settings = overrides(project, SITEURL=ORIGIN)
    assert build(PUBLISH, project / "output", settings).ok
    cache = project / "cache" / "assets"
    before = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.png")}
    assert len(before) == 2 + 3  # the site's card, the post's card and three icons
    assert build(PUBLISH, project / "output", settings).ok
    assert {p.name: p.stat().st_mtime_ns for p in cache.glob("*.png")} == before
    # The published cards are the cached files, linked rather than copied.
    published = list((project / "output" / "social").glob("*.png"))
    assert len(published) == 2 and all(any(p.samefile(c) for c in cache.glob("*.png")) for p in published)
    post = project / "content" / "posts" / "2026-01-05-baseline-post.md"
    post.write_text(post.read_text(encoding="utf-8").replace("title: A Baseline", "title: A Renamed"), encoding="utf-8")
    assert build(PUBLISH, project / "output", settings).ok
    assert len({p.name for p in cache.glob("*.png")} - set(before)) == 1, "exactly the retitled post's card is drawn"
