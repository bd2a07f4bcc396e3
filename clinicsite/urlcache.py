"""Post and page URLs worked out once per build, not at every use.

Pelican computes an article's or page's `url` and `save_as` afresh on each
access (a copy of its metadata, a relative path, a format): 12,000 accesses
at 1,000 posts — listings, related posts, prev/next, feeds — cost about a
tenth of the render. Once every generator has built its context
(all_generators_finalized) those URLs no longer change, so from then until
the build ends each object keeps what it computed. Outside that window
(reading, the live preview's single-page render) Pelican's own computation
runs. Static files are left alone: an `{attach}` link moves one while pages
are written.
"""

from __future__ import annotations

from pelican.contents import Article, Page

_KEY = "_clinicsite_urls"
_build: object | None = None  # set while the pages of a build are written


def _memoized(setting: str) -> property:
    def get(self) -> str:
        if _build is None:
            return self.get_url_setting(setting)
        entry = self.__dict__.get(_KEY)
        if entry is None or entry[0] is not _build:  # not yet, or from another build
            entry = self.__dict__[_KEY] = (_build, {})
        urls = entry[1]
        if setting not in urls:
            urls[setting] = self.get_url_setting(setting)
        return urls[setting]

    return property(get, doc=f"Pelican's {setting}, kept for the rest of the build once it is final.")


def install() -> None:
    for cls in (Article, Page):
        cls.url = _memoized("url")
        cls.save_as = _memoized("save_as")


def freeze(*_args) -> None:
    """all_generators_finalized: every URL is final from here on."""
    global _build
    _build = object()


def thaw(*_args) -> None:
    """initialized and finalized: a build starts or ends."""
    global _build
    _build = None
