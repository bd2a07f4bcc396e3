"""The editorial report: per post, the figures an editor of patient pages
checks — length, readability, structure, links, title length and claims that
health regulators object to.

Every build works it out at `finalized` and logs each finding; a check listed
in CLINICSITE_REPORT_ERRORS fails the build instead. `invoke check-content`
prints it as a table (cli.py). Each post's text facts are cached by its
HTML's hash (report-facts.json); new ones are worked out on the build's
worker processes (readability scoring loads a ~70 MB dictionary once per
worker and costs a few milliseconds a post).
"""

from __future__ import annotations

import hashlib
import json
import logging
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import source_name
from . import text
from .checks import CHECKS, PostReport, analyse

logger = logging.getLogger(__name__)
CHUNK = 25  # posts per worker task
POOL_FROM = 200  # posts: below this, one process is quicker than starting workers (which load the dictionary)

__all__ = ["CHECKS", "PostReport", "Job", "start", "finish"]


class Job:
    """The text facts of `articles`, from the cache or the worker pool."""

    def __init__(self, articles, terms: tuple[str, ...] | None, cache_dir, pool=None):
        self.articles = articles
        self.terms = terms
        htmls = [a.content for a in articles]
        salt = hashlib.sha256(Path(text.__file__).read_bytes() + f"\0{version('textstat')}\0{terms}".encode()).digest()
        self.keys = [hashlib.sha256(salt + h.encode("utf-8")).hexdigest()[:32] for h in htmls]
        self.path = Path(cache_dir) / "report-facts.json" if cache_dir else None
        self.cache: dict[str, dict] = {}
        if self.path is not None and self.path.exists():
            try:
                self.cache = json.loads(self.path.read_text(encoding="utf-8"))
            except ValueError:
                self.cache = {}
        missing = {k: h for k, h in zip(self.keys, htmls) if k not in self.cache}
        self.missing = list(missing)
        work = list(missing.values())
        chunks = [work[i : i + CHUNK] for i in range(0, len(work), CHUNK)]
        if pool is not None and chunks:  # a big site: worked out while this process renders the pages
            self._futures = [pool.submit(text.facts_of, chunk, terms) for chunk in chunks]
        else:
            self._futures = None
            self._done = text.facts_of(work, terms)

    def facts(self) -> list[text.TextFacts]:
        found = [f for future in self._futures for f in future.result()] if self._futures is not None else self._done
        self.cache.update(zip(self.missing, found))
        if self.path is not None and (self.missing or len(self.cache) != len(set(self.keys))):
            live = set(self.keys)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps({k: v for k, v in self.cache.items() if k in live}, sort_keys=True), encoding="utf-8")
        return [text.TextFacts(**self.cache[k]) for k in self.keys]


def reports(articles, facts, origin: str) -> list[PostReport]:
    def is_internal(href: str) -> bool:
        """A link to this site: relative, root-relative, a fragment, or on its origin."""
        return not urlsplit(href).scheme and not href.startswith("//") or bool(origin and href.startswith(origin + "/"))

    return [analyse(source_name(a), a.title, a.description, f, is_internal) for a, f in zip(articles, facts)]


def start(generators) -> None:
    """all_generators_finalized: every link can be resolved, nothing is
    rendered yet. The posts' figures are worked out on the worker processes
    while the pages render (readability is the slow part); finish() takes them."""
    from ..state import current

    build = current()
    readability = build.settings["CLINICSITE_READABILITY"]
    pool = build.pool() if len(build.articles) >= POOL_FROM else None
    terms = tuple(build.site.editorial.clinical_terms) if readability else None
    build.report_job = Job(build.articles, terms, build.settings.get("CACHE_PATH"), pool)


def finish(build, job: Job) -> list[PostReport]:
    """Log one line per finding; checks in CLINICSITE_REPORT_ERRORS are errors."""
    found = reports(job.articles, job.facts(), build.origin)
    as_errors = set(build.settings["CLINICSITE_REPORT_ERRORS"])
    count = 0
    for report in found:
        for finding in report.findings:
            count += 1
            level = logging.ERROR if finding["check"] in as_errors else logging.INFO
            logger.log(level, "clinicsite report: %s: %s: %s", report.file, finding["check"], finding["message"])
    from ..clinicpages import past_dates

    for line in past_dates(build.site, build.today):  # no longer shown: time to tidy clinic.toml
        count += 1
        logger.info("clinicsite report: %s", line)
    logger.info("clinicsite report: %d post(s), %d finding(s); run `invoke check-content` for the table", len(found), count)
    return found
