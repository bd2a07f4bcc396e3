"""Issue 9: responsive images — every <img> has alt, width and height; raster
images get AVIF/WebP/fallback variants in several widths whose files exist;
unchanged images are never re-encoded; a missing alt fails the build."""

from __future__ import annotations

import shutil

import pytest
from PIL import Image
from sitekit import REPO, BuiltSite

from clinicsite.build import build, main

FIXTURE = REPO / "tests" / "fixtures" / "images"
PUBLISH = str(REPO / "publishconf.py")
ORIGIN = "https://clinic.example.com"


def _files(site, srcset):
    return [site.file_for(part.strip().split(" ")[0]) for part in srcset.split(",")]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("images")
    content = tmp / "content"
    shutil.copytree(FIXTURE, content)
    first = tmp / "first"
    assert build(PUBLISH, first, {"PATH": str(content), "CACHE_PATH": str(tmp / "cache"), "SITEURL": ORIGIN}).ok
    return tmp, content, BuiltSite(first, ORIGIN)


def _img_checks(site):
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
                if not img.get("srcset"):
                    problems.append(f"{rel}: raster {src} has no srcset")
                else:
                    for f in _files(site, img["srcset"]):
                        if f is None or not f.is_file():
                            problems.append(f"{rel}: srcset file {f} missing")
            if site.file_for(src) is not None and not site.file_for(src).is_file():
                problems.append(f"{rel}: {src} missing")
    return problems


def test_every_img_of_the_real_site(site):
    assert not _img_checks(site)
    diagram = site.soup("posts/piriformis-syndrome-explained/index.html").select_one(".post-body img")
    assert diagram["src"].endswith(".svg") and diagram["width"] == "760" and diagram["height"] == "720"


def test_every_img_of_the_fixture(built):
    _, _, site = built
    assert not _img_checks(site)


def test_raster_images_become_pictures_with_modern_formats(built):
    _, _, site = built
    soup = site.soup("posts/post-with-images/index.html")
    pictures = soup.select(".post-body picture")
    assert len(pictures) == 2
    first = pictures[0]
    types = [s["type"] for s in first.select("source")]
    assert "image/webp" in types
    img = first.img
    assert (img["width"], img["height"]) == ("1800", "1000")
    widths = sorted(int(part.strip().split(" ")[1][:-1]) for part in img["srcset"].split(","))
    assert widths == [480, 800, 1200, 1600]
    for source in first.select("source"):
        for f in _files(site, source["srcset"]):
            assert f.is_file()
            with Image.open(f) as im:
                assert im.format in ("WEBP", "AVIF")
    with Image.open(site.file_for(img["src"])) as im:
        assert im.width == 1200 and im.format == "PNG"
    assert img.get("sizes")


def test_lazy_loading_except_the_first_image(built):
    _, _, site = built
    imgs = site.soup("posts/post-with-images/index.html").select(".post-body img")
    assert [i.get("loading") for i in imgs] == [None, "lazy", "lazy"]
    assert all(i["decoding"] == "async" for i in imgs)
    small = imgs[1]
    widths = sorted(int(part.strip().split(" ")[1][:-1]) for part in small["srcset"].split(","))
    assert widths == [480, 600], "no variant is wider than the original"


def test_unchanged_images_are_not_reprocessed(built):
    tmp, content, _ = built
    cache = tmp / "cache" / "images"
    override = {"PATH": str(content), "CACHE_PATH": str(tmp / "cache"), "SITEURL": ORIGIN}
    before = {p.name: p.stat().st_mtime_ns for p in cache.glob("*")}
    assert before, "the first build cached no variants"
    second = tmp / "second"
    assert build(PUBLISH, second, override).ok
    after = {p.name: p.stat().st_mtime_ns for p in cache.glob("*")}
    assert after == before, "an unchanged image was encoded again"
    (content / "images" / "small.jpg").write_bytes(
        (content / "images" / "small.jpg").read_bytes() + b"\0"
    )
    assert build(PUBLISH, tmp / "third", override).ok
    new = set(p.name for p in cache.glob("*")) - set(before)
    assert new and all(n.endswith((".webp", ".avif", ".jpg")) for n in new), new


def test_missing_alt_fails_the_build_naming_the_file(built, tmp_path, caplog):
    _, content, _ = built
    bad = tmp_path / "content"
    shutil.copytree(content, bad)
    (bad / "posts" / "no-alt.md").write_text(
        "---\ntitle: No alt\ndate: 2026-01-08T08:00:00+00:00\nauthors: [Byron Lam]\n"
        "description: A post with an image that has no alternative text, which must fail.\n"
        "topics: [sciatica]\n---\n\n![]({static}/images/small.jpg)\n",
        encoding="utf-8",
    )
    import logging

    with caplog.at_level(logging.WARNING):
        assert main(["--settings", PUBLISH, "--content", str(bad), "--output", str(tmp_path / "o")]) == 1
    report = caplog.records[-1].getMessage()
    assert "no-alt.md" in report and "alt" in report
