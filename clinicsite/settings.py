"""Plugin defaults (prefix CLINICSITE_) and the validated clinic data."""

from __future__ import annotations

from .config import Site, load_site

DEFAULTS = {
    # A health post is any post with a condition topic: it gets the medical
    # disclaimer and MedicalWebPage markup.
    "CLINICSITE_RELATED_MAX": 3,
    # Width and height of the generated social images (Open Graph's preferred size).
    "CLINICSITE_SOCIAL_SIZE": (1200, 630),
    "CLINICSITE_SOCIAL_CACHE": "cache/social",
}

_SITE_KEY = "_CLINICSITE_SITE"


def apply_defaults(settings: dict) -> None:
    for key, value in DEFAULTS.items():
        settings.setdefault(key, value)


def site_of(settings: dict) -> Site:
    """The validated clinic data, built once per settings dict."""
    site = settings.get(_SITE_KEY)
    if site is None:
        site = load_site(settings["CLINIC_DATA"])
        settings[_SITE_KEY] = site
    return site
