"""Generated images, drawn from clinic.toml: a 1200×630 social card per post,
initials avatars for authors, and the favicon set. Functions of their inputs
only (they run in the build's worker processes); assets.py caches and names
what they return."""

from __future__ import annotations

import functools
import io
import textwrap
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont

# Dark teal with white text: contrast 9.6:1 (WCAG asks 4.5:1).
BACKGROUND = "#0b4f4a"
FOREGROUND = "#ffffff"
# The site name and the rule under the title: 78% of the way to white.
MUTED = 200
VERSION = "3"  # part of every cached image's key: bump to redraw them all


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))


@functools.cache
def _palette() -> list[int]:
    """256 steps from the background to the foreground colour."""
    bg, fg = _rgb(BACKGROUND), _rgb(FOREGROUND)
    return [round(bg[c] + (fg[c] - bg[c]) * i / 255) for i in range(256) for c in range(3)]


@functools.cache
def _font(size: int):
    return ImageFont.load_default(size=size)


def initials(name: str) -> str:
    words = [w for w in name.replace("-", " ").split() if w[0].isalnum()]
    if len(words) == 1:
        return words[0][:2].upper() if not words[0].isupper() else words[0][:2]
    return (words[0][0] + words[-1][0]).upper()


def card_png(site_name: str, title: str, size: tuple[int, int]) -> bytes:
    """The social card (card_image) as a PNG."""
    out = io.BytesIO()
    card_image(site_name, title, size).save(out, "PNG", compress_level=1)
    return out.getvalue()


def card_image(site_name: str, title: str, size: tuple[int, int]) -> Image.Image:
    """The social card: the site's name, the title, a rule.

    Drawn as grey levels and stored with a 256-colour palette running from
    the background to white: antialiased text looks the same as in RGB, and
    the file is half the size and is made in under a third of the time
    (bench/results/ablation.md). Saved at zlib level 1 (card_png): the card
    is for social sites' previews, not visitors, and level 6 made it a
    quarter smaller for over twice the time."""
    width, height = size
    img = Image.new("L", size, 0)
    draw = ImageDraw.Draw(img)
    draw.text((80, 70), site_name, font=_font(40), fill=MUTED)
    for font_size, wrap in ((72, 28), (60, 34), (50, 42)):
        lines = textwrap.wrap(title, wrap)
        if len(lines) <= 4:
            break
    y = 190
    for line in lines[:5]:
        draw.text((80, y), line, font=_font(font_size), fill=255)
        y += int(font_size * 1.25)
    draw.rectangle((80, height - 90, 280, height - 80), fill=MUTED)
    card = Image.frombytes("P", size, img.tobytes())
    card.putpalette(_palette())
    return card


def icon_png(name: str, px: int, fmt: str = "PNG") -> bytes:
    img = Image.new("RGB", (px, px), BACKGROUND)
    draw = ImageDraw.Draw(img)
    draw.text((px / 2, px / 2), initials(name), font=_font(int(px * 0.45)), fill=FOREGROUND, anchor="mm")
    out = io.BytesIO()
    if fmt == "ICO":
        img.save(out, "ICO", sizes=[(16, 16), (32, 32), (48, 48)])
    else:
        img.save(out, fmt, optimize=True)
    return out.getvalue()


def _initials_svg(name: str, box: int, radius: int, font_size: int, size_attrs: str) -> str:
    half = box // 2
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {box} {box}"{size_attrs}>'
        f'<rect width="{box}" height="{box}" rx="{radius}" fill="{BACKGROUND}"/>'
        f'<text x="{half}" y="{half + 2}" fill="{FOREGROUND}" font-family="system-ui,sans-serif" '
        f'font-size="{font_size}" font-weight="700" text-anchor="middle" dominant-baseline="central">'
        f"{escape(initials(name))}</text></svg>\n"
    )


def avatar_svg(name: str) -> str:
    return _initials_svg(name, 96, 48, 38, ' width="96" height="96"')


def favicon_svg(name: str) -> str:
    return _initials_svg(name, 64, 14, 30, "")
