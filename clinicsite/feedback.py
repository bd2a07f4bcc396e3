""""Was this page helpful?": the thank-you page the answers lead to, and the
counting of the answers nginx logged.

Every published post ends with a GET form (theme/templates/partials/
feedback.html) that asks /feedback/?page=<the post's path>&answer=yes|no.
The build writes the thank-you page there (a direct template, like the 404
page); deploy/nginx.conf serves it and writes one line per request to its
own log with the page and the answer only — no address, time or browser:
who reads which condition page is health information. `read_logs()` counts
those lines per post (`invoke feedback --log …` adds them to the editorial
report). Anyone can ask for any URL, so a line counts only when its page is
a known post and its answer is yes or no; everything else is ignored.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from urllib.parse import unquote_plus

# Where the thank-you page is: deploy/nginx.conf's `location = /feedback/`.
URL = "feedback/"
SAVE_AS = "feedback/index.html"
ANSWERS = ("yes", "no")


def configure(settings: dict) -> None:
    """initialized: with CLINICSITE_FEEDBACK, the build writes the thank-you
    page (theme/templates/feedback.html) at /feedback/."""
    if not settings["CLINICSITE_FEEDBACK"]:
        return
    settings["FEEDBACK_URL"], settings["FEEDBACK_SAVE_AS"] = URL, SAVE_AS
    if "feedback" not in settings["DIRECT_TEMPLATES"]:
        settings["DIRECT_TEMPLATES"] = [*settings["DIRECT_TEMPLATES"], "feedback"]


def parse_line(line: str) -> tuple[str, str] | None:
    """(page path, answer) from one log line (log_format clinicsite_feedback:
    {"page":"$arg_page","answer":"$arg_answer"}), or None. The page is as
    the browser sent it, percent-encoded (a form encodes "/" as %2F)."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    page, answer = record.get("page"), record.get("answer")
    if not isinstance(page, str) or answer not in ANSWERS:
        return None
    return unquote_plus(page), answer


def count(lines, posts) -> dict[str, tuple[int, int]]:
    """{post path: (yes, no)} from log lines; `posts` are the known post
    paths ("/posts/slug/"). Posts nobody answered for are left out."""
    known = set(posts)
    counts: dict[str, tuple[int, int]] = {}
    for line in lines:
        found = parse_line(line)
        if found is None or found[0] not in known:
            continue
        page, answer = found
        yes, no = counts.get(page, (0, 0))
        counts[page] = (yes + (answer == "yes"), no + (answer == "no"))
    return counts


def read_logs(paths, posts) -> dict[str, tuple[int, int]]:
    """count() over the lines of every log file, rotated ones (.gz) too."""
    def lines():
        for path in map(Path, paths):
            opener = gzip.open if path.suffix == ".gz" else open
            # nginx's escape=json leaves bytes above 0x7f as they came.
            with opener(path, "rt", encoding="utf-8", errors="replace") as f:
                yield from f

    return count(lines(), posts)
