"""What HTML a post (or a Markdown text in clinic.toml) may contain: what
Markdown writes, plus figures and tables, with links and images from our own
content. Anything else — scripts, styles, frames, forms, embeds, event
handlers, `javascript:` links, images from other sites — is refused with the
file, the line and the fix (`problems()`), in every build, so it reaches no
page and no feed. `clean()` (nh3, a maintained sanitiser) then keeps exactly
the allowlist in what is published; the only thing it removes silently is
HTML comments, which no visitor sees (docs/front-matter.md).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3

INLINE = {"a", "em", "strong", "code", "br", "sup", "sub", "abbr", "img"}
BLOCKS = {"p", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "li", "dl", "dt", "dd", "hr",
          "div", "figure", "figcaption"}
TABLES = {"table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td"}
TAGS = INLINE | BLOCKS | TABLES
ATTRIBUTES = {
    "a": {"href", "title", "id", "class"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
    "code": {"class"},
    "div": {"class"},
    "p": {"class"},
    **{tag: {"id"} for tag in ("h2", "h3", "h4", "h5", "h6", "li", "sup", "caption", "figure", "table", "dt")},
}
# Markdown's own classes: admonitions (the "Editor's note" box), footnotes,
# code languages.
CLASSES = {
    "div": {"admonition", "note", "warning", "footnote"},
    "p": {"admonition-title"},
    "a": {"footnote-ref", "footnote-backref"},
}
URL_ATTRIBUTES = {"href", "src"}
SCHEMES = {"https", "http", "mailto", "tel"}
# Pelican's links into the content folder, resolved when pages are written.
INTRASITE = re.compile(r"^\{(filename|static|attach|index|tag|category|author)\}")

FIXES = {
    "h1": "start headings at ## (the title is the page's only level-1 heading)",
    "script": "remove it: posts cannot run scripts",
    "style": "remove it: the site's stylesheet styles every page",
    "iframe": "remove it and link to the page instead: embedded pages send the visit to another site",
    "form": "remove it: link to the booking page instead",
    "img-remote": "put the image in content/images/ and use ![what it shows]({static}/images/name.png): "
    "an image from another site tells that site who reads this page",
    "img-alt": "describe the image: ![what it shows]({static}/images/name.png)",
    "attach": "use {static}/… instead of {attach}/…",
    "climb": "name the file from content/ without ../, e.g. {static}/images/name.png or {filename}/posts/name.md",
}


class _Scan(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []  # (what, the fix)

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag, attrs):
        if tag not in TAGS:
            self.found.append((f"<{tag}>", FIXES.get(tag, "remove it: posts may use what Markdown writes, "
                                                          "plus figures and tables (docs/front-matter.md)")))
            return
        allowed = ATTRIBUTES.get(tag, set())
        values = dict(attrs)
        for name, value in attrs:
            value = value or ""
            if name not in allowed:
                fix = ("remove the colons from the table's separator row (column alignment needs inline styles)"
                       if name == "style" and tag in TABLES else "remove the attribute")
                self.found.append((f'<{tag} {name}="…">', fix))
            elif name == "class":
                bad = [c for c in value.split() if c not in CLASSES.get(tag, set()) and not (tag == "code" and c.startswith("language-"))]
                if bad:
                    self.found.append((f'<{tag} class="{" ".join(bad)}">', "remove the class: the theme styles Markdown's own elements"))
            elif name in URL_ATTRIBUTES:
                self._check_url(tag, name, value.strip())
        if tag == "img" and not (values.get("alt") or "").strip():
            self.found.append(("an image without alt text", FIXES["img-alt"]))

    def _check_url(self, tag, name, value):
        if value.startswith("{attach}"):
            self.found.append((f"{name}={value}", FIXES["attach"]))
            return
        scheme = urlsplit(value).scheme.lower()
        if not scheme and ".." in urlsplit(INTRASITE.sub("", value)).path.split("/"):
            # A path that climbs (../) could name a file outside content/,
            # which Pelican would then read and copy.
            self.found.append((f'{name}="{value}"', FIXES["climb"]))
            return
        if INTRASITE.match(value):
            return
        if tag == "img" and (scheme or value.startswith("//")):
            self.found.append((f"<img src={value}>", FIXES["img-remote"]))
        elif scheme and scheme not in SCHEMES:
            self.found.append((f'{name}="{value}"', "link with https:, mailto: or tel:, or to a page of this site"))
        elif scheme == "http":
            self.found.append((f'{name}="{value}"', "use the https:// address"))


def problems(html: str) -> list[tuple[str, str]]:
    """What in `html` is outside the allowlist: (what, the fix), in order."""
    scan = _Scan()
    scan.feed(html)
    scan.close()
    return scan.found


def clean(html: str) -> str:
    """`html` with nothing outside the allowlist (nh3)."""
    return nh3.clean(
        html,
        tags=TAGS,
        # nh3 takes the allowed classes apart from the other attributes.
        attributes={tag: names - {"class"} for tag, names in ATTRIBUTES.items()},
        allowed_classes=CLASSES,
        url_schemes=SCHEMES,
        attribute_filter=_own_images_only,
        link_rel=None,
        strip_comments=True,
    )


def _own_images_only(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and (urlsplit(value).scheme or value.startswith("//")):
        return None
    return value


def line_of(needle: str, text: str, first_line: int = 1) -> int | None:
    """The line of the Markdown `text` (which starts at `first_line`) that
    wrote what `problems()` found as `needle`."""
    url = re.search(r'(?:src|href)="?([^">\s]+)', needle)
    if needle == "<h1>":
        pattern = r"^#(?!#)|<h1\b"
    elif needle == "an image without alt text":
        pattern = r"!\[\s*\]|<img\b(?![^>]*\balt=\S)"
    elif url:
        pattern = re.escape(url.group(1))
    else:
        key = re.match(r"<?/?([\w:-]+)(?:\s+([\w:-]+))?", needle)
        if not key:
            return None
        pattern = rf"<{key.group(1)}\b" if needle.startswith("<") and not key.group(2) else rf"\b{re.escape(key.group(2) or key.group(1))}\s*="
    m = re.search(pattern, text, re.I | re.M)
    return first_line + text.count("\n", 0, m.start()) if m else None
