"""The plugin's settings (prefix CLINICSITE_), their defaults, and the check
of what a settings file gives them, made once at `initialized`."""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path

from .errors import ContentError

DEFAULTS = {
    # The clinic's facts, authors and topics (required).
    "CLINICSITE_CLINIC_FILE": None,
    # The urgent-care safety profiles; None: safety/ beside the clinic file.
    "CLINICSITE_SAFETY_PATH": None,
    # A build for the public: its pages are indexed (no robots noindex), and
    # the checks patients depend on are errors (overdue reviews, unchecked
    # safety sources of a real clinic, far-future dates).
    "CLINICSITE_PRODUCTION": False,
    # The day reviews and dates are judged against; None: today in TIMEZONE.
    "CLINICSITE_TODAY": None,
    # Width and height of the generated social images (Open Graph's preferred size).
    "CLINICSITE_SOCIAL_SIZE": (1200, 630),
    # Related posts shown under a post.
    "CLINICSITE_RELATED_POSTS": 3,
    # Editorial report checks that fail the build instead of being listed (report.CHECKS).
    "CLINICSITE_REPORT_ERRORS": (),
    # Work out each new post's readability in the build (textstat loads a
    # pronouncing dictionary, ~3 s, once per process); `invoke check-content`
    # always does.
    "CLINICSITE_READABILITY": True,
    # Run Pagefind over the output (clinicsite/search.py).
    "CLINICSITE_SEARCH": False,
    # "Was this page helpful?" under every post and the thank-you page it
    # leads to (/feedback/); nginx logs only the page and the answer
    # (deploy/nginx.conf), `invoke feedback` counts them (clinicsite/feedback.py).
    "CLINICSITE_FEEDBACK": True,
    # Most posts in one part of the search index (Pagefind holds a part in
    # memory, ~0.3 MB per post); None: one index whatever the size.
    "CLINICSITE_SEARCH_CHUNK": 300,
    # Write .gz and .br beside every text file (for nginx's *_static).
    "CLINICSITE_PRECOMPRESS": False,
    # A git backend with real sign-in for the browser editor, e.g.
    # {"name": "github", "repo": "clinic/site", "branch": "main"}: the build
    # then publishes /admin/ (docs/editor.md). None: the editor stays local.
    "CLINICSITE_EDITOR_BACKEND": None,
    # Worker processes for cards, image variants, compression and the
    # report's figures; None: one per core but one (this process works too).
    "CLINICSITE_PROCESSES": None,
}


def apply(settings: dict) -> None:
    """Fill in the defaults and refuse what cannot work, naming the setting."""
    unknown = [k for k in settings if k.startswith("CLINICSITE_") and k not in DEFAULTS]
    if unknown:
        raise ContentError("\n".join(
            f"settings: {k}: not a clinicsite setting"
            + (f' — did you mean "{c[0]}"?' if (c := difflib.get_close_matches(k, DEFAULTS, 1)) else "")
            for k in unknown
        ))
    for key, value in DEFAULTS.items():
        settings.setdefault(key, value)
    if not settings["CLINICSITE_CLINIC_FILE"]:
        raise ContentError('settings: CLINICSITE_CLINIC_FILE: missing — set it to the clinic.toml path, e.g. str(HERE / "clinic.toml")')
    if settings["CLINICSITE_SAFETY_PATH"] is None:
        settings["CLINICSITE_SAFETY_PATH"] = str(Path(settings["CLINICSITE_CLINIC_FILE"]).parent / "safety")
    today = settings["CLINICSITE_TODAY"]
    if isinstance(today, str):
        settings["CLINICSITE_TODAY"] = dt.date.fromisoformat(today)


def today(settings: dict) -> dt.date:
    if settings.get("CLINICSITE_TODAY"):
        return settings["CLINICSITE_TODAY"]
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(settings.get("TIMEZONE") or "UTC")).date()
