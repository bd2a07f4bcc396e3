"""Editorial rules that more than one part of the site applies: the front
matter's limits, the editorial report's checks, the editor's hints and the
generated descriptions all read them here."""

from __future__ import annotations

import calendar
import re

# Search results show about 60 characters of a title and 50–160 of a description.
TITLE_MAX = 60
DESCRIPTION_MIN, DESCRIPTION_MAX = 50, 160
# A title longer than this is refused outright (it would not fit in a file name).
TITLE_HARD_MAX = 150
WORDS_PER_MINUTE = 200

_TAGS = re.compile(r"<[^>]+>")
_WORDS = re.compile(r"[A-Za-z0-9’'®-]+")


def count_words(html: str) -> int:
    """Words a reader reads in a post's HTML."""
    return len(_WORDS.findall(_TAGS.sub(" ", html)))


def reading_minutes(words: int) -> int:
    return max(1, round(words / WORDS_PER_MINUTE))


def fit_description(text: str, limit: int = DESCRIPTION_MAX) -> str:
    """Shorten a generated description to the limit at a word boundary."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def fit_title(full: str, short: str) -> str:
    """`full` if search results show all of it, else `short`."""
    return full if len(full) <= TITLE_MAX else short


def add_months(day, months: int):
    """The same day `months` later (the month's last day if it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))
