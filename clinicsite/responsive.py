"""Responsive images for post bodies, applied by the `responsive_images`
template filter to the rendered HTML.

Every local <img> gets its intrinsic width and height, `decoding="async"`
and — except the first image of a post, which may be the largest paint —
`loading="lazy"`. Raster images also become a <picture> with AVIF (when
Pillow supports it) and WebP sources plus a fallback in the original format,
each in several widths with srcset/sizes.

Variants are cached under CACHE_PATH/images by a hash of the source bytes,
width and format, so an unchanged image is never re-encoded.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

from jinja2 import pass_context
from markupsafe import Markup
from PIL import Image, features

RASTER = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
WIDTHS = (480, 800, 1200, 1600)
# The post column is at most 68ch (~42rem) wide; on phones, the viewport.
SIZES = "(min-width: 46rem) 42rem, calc(100vw - 2.5rem)"
IMG = re.compile(r"<img\b[^>]*>")
ATTR = re.compile(r'([a-zA-Z][\w:-]*)="([^"]*)"')
SVG_SIZE = re.compile(r'<svg\b[^>]*?\swidth="([\d.]+)"[^>]*?\sheight="([\d.]+)"', re.S)
SVG_VIEWBOX = re.compile(r'<svg\b[^>]*?viewBox="[\d.\s-]+?\s([\d.]+)\s+([\d.]+)"', re.S)


def formats() -> list[tuple[str, str, str]]:
    """(Pillow format, file extension, MIME type), best first."""
    out = []
    if features.check("avif"):
        out.append(("AVIF", ".avif", "image/avif"))
    out.append(("WEBP", ".webp", "image/webp"))
    return out


def svg_size(path: Path) -> tuple[int, int] | None:
    head = path.read_text(encoding="utf-8")[:4000]
    m = SVG_SIZE.search(head) or SVG_VIEWBOX.search(head)
    return (round(float(m.group(1))), round(float(m.group(2)))) if m else None


def _local_path(ctx, src: str) -> tuple[str, str] | None:
    """(URL prefix up to the site root, path below it) for a link into the site."""
    siteurl = ctx["SITEURL"]
    if siteurl and src.startswith(siteurl + "/"):
        return siteurl, unquote(urlsplit(src[len(siteurl) + 1:]).path)
    if urlsplit(src).scheme or src.startswith("//"):
        return None
    if src.startswith("/"):
        return "", unquote(urlsplit(src).path.lstrip("/"))
    return None


def _encode(source: Path, digest: str, width: int, fmt: str, ext: str, cache: Path) -> Path:
    target = cache / f"{digest}-{width}{ext}"
    if not target.exists():
        cache.mkdir(parents=True, exist_ok=True)
        with Image.open(source) as img:
            img = img.convert("RGBA" if img.mode in ("RGBA", "LA", "P") and fmt != "JPEG" else "RGB")
            if img.width > width:
                img = img.resize((width, round(img.height * width / img.width)), Image.Resampling.LANCZOS)
            # Unique per process: two render processes may encode one image.
            tmp = target.with_suffix(f"{target.suffix}.{os.getpid()}.tmp")
            options = {
                "AVIF": {"quality": 60, "speed": 8},  # speed 8: ~10x faster, nearly as small
                "WEBP": {"quality": 75, "method": 4},
                "JPEG": {"quality": 80, "optimize": True, "progressive": True},
            }.get(fmt, {"optimize": True})
            img.save(tmp, fmt, **options)
            os.replace(tmp, target)
    return target


def _variants(ctx, rel: str, source: Path) -> tuple[dict, tuple[int, int]]:
    """Encode (or reuse) every variant and copy it into the output."""
    cache = Path(ctx["CACHE_PATH"]) / "images"
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    with Image.open(source) as img:
        size = img.size
    widths = sorted({w for w in WIDTHS if w < size[0]} | {min(size[0], WIDTHS[-1])})
    stem, ext = os.path.splitext(rel)
    fallback = RASTER[ext.lower()]
    out_root = Path(ctx["OUTPUT_PATH"])
    sets: dict[str, list[tuple[str, int]]] = {}
    for fmt, fext, mime in formats() + [(fallback, ext.lower(), f"image/{fallback.lower()}")]:
        for width in widths:
            cached = _encode(source, digest, width, fmt, fext, cache)
            out_rel = f"{stem}-{width}w{fext}"
            dest = out_root / out_rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
            shutil.copyfile(cached, tmp)
            os.replace(tmp, dest)
            sets.setdefault(mime, []).append((out_rel, width))
    return sets, size


@pass_context
def responsive_images(ctx, body: str) -> Markup:
    content_root = Path(ctx["PATH"])
    first = True

    def rewrite(match: re.Match) -> str:
        nonlocal first
        tag = match.group(0)
        attrs = {k: html.unescape(v) for k, v in ATTR.findall(tag)}
        where = _local_path(ctx, attrs.get("src", ""))
        if where is None:
            return tag
        prefix, rel = where
        source = content_root / rel
        if not source.is_file():
            return tag
        attrs["decoding"] = "async"
        if first:
            attrs.pop("loading", None)
        else:
            attrs["loading"] = "lazy"
        first = False
        ext = source.suffix.lower()
        if ext == ".svg":
            size = svg_size(source)
            if size:
                attrs["width"], attrs["height"] = map(str, size)
            return _tag("img", attrs)
        if ext not in RASTER:
            return tag
        sets, size = _variants(ctx, rel, source)
        url = (lambda r: f"{prefix}/{r}") if prefix else (lambda r: f"/{r}")
        fallback_mime = list(sets)[-1]
        fallback = sets[fallback_mime]
        attrs["src"] = url(max(fallback, key=lambda v: v[1] if v[1] <= 1200 else 0)[0])
        attrs["srcset"] = ", ".join(f"{url(r)} {w}w" for r, w in fallback)
        attrs["sizes"] = SIZES
        attrs["width"], attrs["height"] = str(size[0]), str(size[1])
        sources = "".join(
            f'<source type="{mime}" srcset="{", ".join(f"{url(r)} {w}w" for r, w in variants)}" sizes="{SIZES}">'
            for mime, variants in sets.items()
            if mime != fallback_mime
        )
        return f"<picture>{sources}{_tag('img', attrs)}</picture>"

    return Markup(IMG.sub(rewrite, str(body)))


def _tag(name: str, attrs: dict) -> str:
    return f"<{name} " + " ".join(f'{k}="{html.escape(v, quote=True)}"' for k, v in attrs.items()) + ">"
