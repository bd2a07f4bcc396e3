"""Responsive images: every <img> has alt, width and height; raster images
get AVIF/WebP/fallback variants in several widths whose files exist; the
first image of a post is not lazy; unchanged images are never re-encoded."""

from __future__ import annotations

from PIL import Image
from sitekit import PUBLISH, fixture_project, overrides

from clinicsite.build import build

POST = "posts/a-post-with-images-about-piriformis-syndrome/index.html"


def _files(site, srcset):
    return [site.file_for(part.strip().split(" ")[0]) for part in srcset.split(",")]


def _img_problems(site):
    problems = []
    for path in site.html_files():
        rel = site.rel(path)
        for img in site.soup(rel).select("img"):
            # alt="" is right for a decorative image beside its own caption
            # (an avatar next to the name); a post's images must describe themselves.
            if not img.has_attr("alt") or (img.find_parent(class_="post-body") and not img["alt"].strip()):
                problems.append(f"{rel}: {img.get('src')} has no alt")
            for attr in ("width", "height"):
                if not img.get(attr):
                    problems.append(f"{rel}: {img.get('src')} has no {attr}")
            src = img.get("src", "")
            if not src.endswith(".svg"):
                if not img.get("srcset") and img.find_parent(class_="post-body"):
                    problems.append(f"{rel}: raster {src} has no srcset")
                for f in _files(site, img.get("srcset") or src):
                    if f is not None and not f.is_file():
                        problems.append(f"{rel}: {f} missing")
            if site.file_for(src) is not None and not site.file_for(src).is_file():
                problems.append(f"{rel}: {src} missing")
    return problems


def test_every_img_of_the_real_and_the_fixture_site(site, fixture_site):
    assert not _img_problems(site)
    assert not _img_problems(fixture_site)
    for built in (site, fixture_site):
        diagrams = [i for p in built.html_files() for i in built.soup(built.rel(p)).select(".post-body img[src$='.svg']")]
        assert diagrams and all(d["width"] == "760" and d["height"] == "720" for d in diagrams)


def test_raster_images_become_pictures_with_modern_formats(fixture_site):
    soup = fixture_site.soup(POST)
    pictures = soup.select(".post-body picture")
    assert len(pictures) == 2
    first = pictures[0]
    assert "image/webp" in [s["type"] for s in first.select("source")]
    img = first.img
    assert (img["width"], img["height"]) == ("1800", "1000")
    widths = sorted(int(part.strip().split(" ")[1][:-1]) for part in img["srcset"].split(","))
    assert widths == [480, 800, 1200, 1600]
    for source in first.select("source"):
        for f in _files(fixture_site, source["srcset"]):
            with Image.open(f) as im:
                assert im.format in ("WEBP", "AVIF")
    with Image.open(fixture_site.file_for(img["src"])) as im:
        assert im.width == 1200 and im.format == "PNG"
    assert img.get("sizes")


def test_lazy_loading_except_the_first_image(fixture_site):
    imgs = fixture_site.soup(POST).select(".post-body img")
    assert [i.get("loading") for i in imgs] == [None, "lazy", "lazy"]
    assert all(i["decoding"] == "async" for i in imgs)
    widths = sorted(int(part.strip().split(" ")[1][:-1]) for part in imgs[1]["srcset"].split(","))
    assert widths == [480, 600], "no variant is wider than the original"


def test_a_posts_own_image_is_its_social_image(fixture_site):
    soup = fixture_site.soup(POST)
    og = soup.select_one('meta[property="og:image"]')["content"]
    assert "/images/fixture-photo." in og
    assert soup.select_one('meta[property="og:image:alt"]')["content"].startswith("A pattern of diagonal teal lines")
    assert soup.select_one('meta[property="og:image:width"]')["content"] == "1800"


def test_unchanged_images_are_not_encoded_again(tmp_path):
    project = fixture_project(tmp_path, "images")
    settings = overrides(project, SITEURL="https://clinic.example.com")
    assert build(PUBLISH, project / "output", settings).ok
    cache = project / "cache" / "images"
    before = {p.name: p.stat().st_mtime_ns for p in cache.glob("*")}
    assert before, "the first build cached no variants"
    assert build(PUBLISH, project / "output", settings).ok
    assert {p.name: p.stat().st_mtime_ns for p in cache.glob("*")} == before, "an unchanged image was encoded again"
    small = project / "content" / "images" / "small.jpg"
    small.write_bytes(small.read_bytes() + b"\0")
    assert build(PUBLISH, project / "output", settings).ok
    new = {p.name for p in cache.glob("*")} - set(before)
    assert new and all(n.endswith((".webp", ".avif", ".jpg")) for n in new), new


def test_only_images_and_documents_are_published_from_content(tmp_path):
    project = fixture_project(tmp_path, "images")
    (project / "content" / "images" / "x.js").write_text("alert(1)", encoding="utf-8")
    (project / "content" / "images" / "page.html").write_text("<script>alert(1)</script>", encoding="utf-8")
    result = build(PUBLISH, project / "output", overrides(project))
    assert not result.ok
    assert any("content/images/x.js" in p and "image" in p for p in result.problems), result.problems
