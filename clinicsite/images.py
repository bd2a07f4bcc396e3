"""Generated images: a 1200×630 social card per post, initials avatars for
authors, and the favicon set — all from clinic.toml, none hand-drawn.

Social cards are cached by a hash of everything drawn on them, so an unchanged
post is never redrawn; the cache lives in CACHE_PATH/social.
"""

from __future__ import annotations

import hashlib
import os
import textwrap
from concurrent.futures import ThreadPoolExecutor
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont

from .precompress import link_or_copy

# Dark teal with white text: contrast 9.6:1 (WCAG asks 4.5:1).
BACKGROUND = "#0b4f4a"
FOREGROUND = "#ffffff"
ACCENT = "#9fe3d6"
CARD_VERSION = "2"  # bump to redraw every cached card after changing the drawing
# The site's own card, social/_site.png: a name no post slug can take (slugs
# are lower-case words joined by hyphens), so a post called "Site" keeps its own.
SITE_CARD = "_site"


def initials(name: str) -> str:
    words = [w for w in name.replace("-", " ").split() if w[0].isalnum()]
    if len(words) == 1:
        return words[0][:2].upper() if not words[0].isupper() else words[0][:2]
    return (words[0][0] + words[-1][0]).upper()


def draw_card(path: str, site_name: str, title: str, size=(1200, 630)) -> None:
    width, height = size
    img = Image.new("RGB", size, BACKGROUND)
    draw = ImageDraw.Draw(img)
    small = ImageFont.load_default(size=40)
    draw.text((80, 70), site_name, font=small, fill=ACCENT)
    for font_size, wrap in ((72, 28), (60, 34), (50, 42)):
        lines = textwrap.wrap(title, wrap)
        if len(lines) <= 4:
            break
    lines = lines[:5]
    font = ImageFont.load_default(size=font_size)
    y = 190
    for line in lines:
        draw.text((80, y), line, font=font, fill=FOREGROUND)
        y += int(font_size * 1.25)
    draw.rectangle((80, height - 90, 280, height - 80), fill=ACCENT)
    # zlib level 6 without optimize: 5x faster than optimize=True, ~10% larger.
    img.save(path, "PNG", compress_level=6)


def cached_card(cache_dir: str, out_path: str, site_name: str, title: str, size) -> None:
    """Link the card from the cache (a copy across file systems), drawing it
    first if needed. Nothing writes to an output file in place (fingerprinting
    renames it), so the cached file is safe behind the link."""
    key = hashlib.sha256(
        "\0".join([CARD_VERSION, site_name, title, f"{size[0]}x{size[1]}"]).encode()
    ).hexdigest()[:24]
    cached = os.path.join(cache_dir, f"{key}.png")
    if not os.path.exists(cached):
        os.makedirs(cache_dir, exist_ok=True)
        tmp = cached + ".tmp"
        draw_card(tmp, site_name, title, size)
        os.replace(tmp, cached)
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    if os.path.lexists(out_path):  # an output folder built into again
        os.unlink(out_path)
    link_or_copy(cached, out_path)


def avatar_svg(name: str) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96" width="96" height="96">'
        f'<rect width="96" height="96" rx="48" fill="{BACKGROUND}"/>'
        f'<text x="48" y="50" fill="{FOREGROUND}" font-family="system-ui,sans-serif" '
        'font-size="38" font-weight="700" text-anchor="middle" dominant-baseline="central">'
        f"{escape(initials(name))}</text></svg>\n"
    )


def favicon_svg(name: str) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
        f'<rect width="64" height="64" rx="14" fill="{BACKGROUND}"/>'
        f'<text x="32" y="34" fill="{FOREGROUND}" font-family="system-ui,sans-serif" '
        'font-size="30" font-weight="700" text-anchor="middle" dominant-baseline="central">'
        f"{escape(initials(name))}</text></svg>\n"
    )


def icon_png(path: str, name: str, px: int, fmt: str = "PNG") -> None:
    img = Image.new("RGB", (px, px), BACKGROUND)
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=int(px * 0.45))
    draw.text((px / 2, px / 2), initials(name), font=font, fill=FOREGROUND, anchor="mm")
    if fmt == "ICO":
        img.save(path, "ICO", sizes=[(16, 16), (32, 32), (48, 48)])
    else:
        img.save(path, fmt, optimize=True)


def write_site_images(settings, site, out: str) -> None:
    size = tuple(settings["CLINICSITE_SOCIAL_SIZE"])
    cache_dir = os.path.join(settings["CACHE_PATH"], "social")
    name = site.clinic.name
    cards = [(SITE_CARD, name)] + settings.get("_CLINICSITE_CARDS", [])
    # Pillow releases the GIL while it encodes, so two threads use both cores.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        list(
            pool.map(
                lambda card: cached_card(cache_dir, os.path.join(out, "social", f"{card[0]}.png"), name, card[1], size),
                cards,
            )
        )
    for author_name, author in site.authors.items():
        folder = os.path.join(out, settings["AUTHOR_SAVE_AS"].format(slug=author.slug))
        folder = os.path.dirname(folder)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "avatar.svg"), "w", encoding="utf-8") as fh:
            fh.write(avatar_svg(author_name))
    with open(os.path.join(out, "favicon.svg"), "w", encoding="utf-8") as fh:
        fh.write(favicon_svg(name))
    icon_png(os.path.join(out, "favicon.ico"), name, 48, "ICO")
    icon_png(os.path.join(out, "apple-touch-icon.png"), name, 180)
    icon_png(os.path.join(out, "icon-192.png"), name, 192)
    icon_png(os.path.join(out, "icon-512.png"), name, 512)
