"""Plugin defaults (prefix CLINICSITE_) and the validated clinic data."""

from __future__ import annotations

from .config import Site, load_site

DEFAULTS = {
    # Width and height of the generated social images (Open Graph's preferred size).
    "CLINICSITE_SOCIAL_SIZE": (1200, 630),
    # Months after last_reviewed before the editorial report calls a review overdue.
    "CLINICSITE_REVIEW_MONTHS": 12,
    # Editorial report checks that fail the build instead of warning (report.CHECKS).
    "CLINICSITE_REPORT_ERRORS": (),
    # Run Pagefind over the output (clinicsite/search.py).
    "CLINICSITE_SEARCH": False,
    # Most posts in one part of the search index (search.py: Pagefind holds a
    # part in memory, ~0.3 MB per post); None: one index whatever the size.
    "CLINICSITE_SEARCH_CHUNK": 300,
    # Fingerprint, write _headers and precompress after the pages (production).
    "CLINICSITE_POSTPROCESS": False,
    # Processes that render the post pages (parallel.py): 1 or 2; None: 2 if
    # the machine has 2 or more cores, else 1.
    "CLINICSITE_RENDER_PROCESSES": None,
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
