"""The editorial report: per post, the figures an editor of patient pages
checks — length, readability, structure, links, metadata lengths, review age
and claims that health regulators object to.

    invoke check-content [--json]
    python -m clinicsite.report [--settings pelicanconf.py] [--json]

Every finding is a warning unless its check is listed in the setting
CLINICSITE_REPORT_ERRORS, which turns it into a build error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import re
import sys
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path

logger = logging.getLogger(__name__)

# Clinical words patients on this site must read anyway: scored as one short
# word so they do not sink the readability of an otherwise plain page.
CLINICAL_TERMS = [
    "sciatica", "sciatic", "piriformis", "acupuncture", "chiropractic", "chiropractor",
    "physiotherapy", "physical therapy", "physical therapist", "inflammation",
    "endorphins", "trigger points", "trigger point", "practitioner", "practitioners",
    "musculoskeletal", "syndrome", "tingling", "numbness",
]
CLAIMS = re.compile(
    r"\b(cures?|cured|guaranteed?|painless|100\s?%|miracles?|miraculous|permanent relief)(?![\w-])",
    re.I,
)
GRADE_TARGET = 9.0
TITLE_MAX, DESCRIPTION_RANGE = 60, (50, 160)
WORDS_PER_MINUTE = 200
CHECKS = (
    "readability", "long_paragraph", "long_section", "image_alt", "no_internal_link",
    "title_length", "description_length", "review_overdue", "claims", "placeholder",
)
PLACEHOLDER = re.compile(r"\bTODO\b")
LONG_PARAGRAPH, LONG_SECTION = 120, 300


class _Text(HTMLParser):
    """Paragraph and section word counts, images and links from post HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []  # text of each paragraph / list item
        self.sections = [0]  # words between headings
        self.images_without_alt = 0
        self.links: list[str] = []
        self._buf: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("p", "li", "td", "th", "blockquote", "dd"):
            self._flush()
            self._buf = []
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self.sections.append(0)
            self._skip += 1
        elif tag == "img" and not (attrs.get("alt") or "").strip():
            self.images_without_alt += 1
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if re.fullmatch(r"h[1-6]", tag):
            self._skip -= 1
        elif tag in ("p", "li", "td", "th", "blockquote", "dd"):
            self._flush()

    def handle_data(self, data):
        if self._skip:
            return
        if self._buf is None:
            self._buf = []
        self._buf.append(data)

    def _flush(self):
        if self._buf:
            text = " ".join("".join(self._buf).split())
            if text:
                self.blocks.append(text)
                self.sections[-1] += len(text.split())
        self._buf = None

    def close(self):
        super().close()
        self._flush()


# One pass over the text; the longest term wins where terms overlap
# ("trigger points" before "trigger point").
_CLINICAL = re.compile(
    r"\b(?:" + "|".join(re.escape(t) for t in sorted(CLINICAL_TERMS, key=len, reverse=True)) + r")\b",
    re.I,
)


def plain_for_scoring(text: str) -> str:
    return _CLINICAL.sub("pain", text)


@dataclass
class PostReport:
    file: str
    title: str
    words: int
    reading_minutes: int
    flesch_reading_ease: float
    grade_level: float
    longest_paragraph: int
    most_words_between_headings: int
    images_without_alt: int
    internal_links: int
    title_length: int
    description_length: int
    last_reviewed: str | None
    claims: list[str]
    findings: list[dict] = field(default_factory=list)


def readability(scored: str) -> tuple[float, float]:
    """(Flesch reading ease, Flesch-Kincaid grade) of text already passed
    through plain_for_scoring."""
    import textstat  # imported lazily: it loads a pronunciation dictionary

    if not scored.split():
        return 0.0, 0.0
    return round(textstat.flesch_reading_ease(scored), 1), round(textstat.flesch_kincaid_grade(scored), 1)


def _parse(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser


@dataclass
class TextFacts:
    """What the report needs from a post's HTML: a function of the HTML
    alone, so it is cached by the HTML's hash (report-facts.json)."""

    words: int
    longest_paragraph: int
    most_words_between_headings: int
    images_without_alt: int
    links: list[str]
    claims: list[str]
    placeholder: bool
    flesch_reading_ease: float
    grade_level: float


def text_facts(html: str) -> TextFacts:
    parser = _parse(html)
    text = "\n".join(parser.blocks)
    fre, grade = readability(plain_for_scoring(text))
    return TextFacts(
        words=len(text.split()),
        longest_paragraph=max((len(b.split()) for b in parser.blocks), default=0),
        most_words_between_headings=max(parser.sections),
        images_without_alt=parser.images_without_alt,
        links=parser.links,
        claims=_claims(text),
        placeholder=bool(PLACEHOLDER.search(text)),
        flesch_reading_ease=fre,
        grade_level=grade,
    )


def _claims(text: str) -> list[str]:
    return sorted({m.group(0).lower() for m in CLAIMS.finditer(text)})


def analyse(file: str, title: str, description: str, html: str, last_reviewed=None,
            internal_prefixes=("{filename}", "/", "#"), today: dt.date | None = None,
            review_months: int = 12, is_internal=None, facts: TextFacts | None = None) -> PostReport:
    facts = facts or text_facts(html)
    internal = [h for h in facts.links if (is_internal(h) if is_internal else h.startswith(internal_prefixes))]
    claims = sorted(set(_claims(f"{title}\n{description}")) | set(facts.claims))
    report = PostReport(
        file=file,
        title=title,
        words=facts.words,
        reading_minutes=max(1, round(facts.words / WORDS_PER_MINUTE)),
        flesch_reading_ease=facts.flesch_reading_ease,
        grade_level=facts.grade_level,
        longest_paragraph=facts.longest_paragraph,
        most_words_between_headings=facts.most_words_between_headings,
        images_without_alt=facts.images_without_alt,
        internal_links=len(internal),
        title_length=len(title),
        description_length=len(description),
        last_reviewed=last_reviewed.isoformat() if last_reviewed else None,
        claims=claims,
    )
    today = today or dt.date.today()
    add = report.findings.append
    if report.grade_level > GRADE_TARGET:
        add({"check": "readability", "message": f"grade level {report.grade_level} is above {GRADE_TARGET:g}: use shorter sentences and words"})
    if report.longest_paragraph > LONG_PARAGRAPH:
        add({"check": "long_paragraph", "message": f"a paragraph has {report.longest_paragraph} words (> {LONG_PARAGRAPH}): split it"})
    if report.most_words_between_headings > LONG_SECTION:
        add({"check": "long_section", "message": f"{report.most_words_between_headings} words without a heading (> {LONG_SECTION}): add a ## heading"})
    if report.images_without_alt:
        add({"check": "image_alt", "message": f"{report.images_without_alt} image(s) without alt text"})
    if not report.internal_links:
        add({"check": "no_internal_link", "message": "no link to another page of the site: link a related post"})
    if report.title_length > TITLE_MAX:
        add({"check": "title_length", "message": f"title has {report.title_length} characters (> {TITLE_MAX}): search results cut it"})
    lo, hi = DESCRIPTION_RANGE
    if not lo <= report.description_length <= hi:
        add({"check": "description_length", "message": f"description has {report.description_length} characters (want {lo}–{hi})"})
    if last_reviewed is not None:
        due = _add_months(last_reviewed, review_months)
        if due < today:
            add({"check": "review_overdue", "message": f"last reviewed {last_reviewed}, review was due {due}"})
    if facts.placeholder or PLACEHOLDER.search(f"{title}\n{description}"):
        add({"check": "placeholder", "message": "placeholder text (TODO) is still in the post"})
    if claims:
        add({"check": "claims", "message": f"claims regulators object to: {', '.join(claims)}"})
    return report


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, 28))


def _facts_salt() -> bytes:
    """What TextFacts depend on besides the HTML: this module's code (the
    parser, the claim and placeholder patterns, the clinical terms) and
    textstat's version. A change to any of them recomputes every post."""
    import hashlib
    from importlib.metadata import version

    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    return f"{code}\0textstat {version('textstat')}\0".encode()


class FactsJob:
    """TextFacts of each post's HTML, from a cache keyed by the HTML's hash;
    the posts not in it can be worked out in a separate process while the
    build goes on (`launch()`, then `result()`).

    Parsing and readability scoring cost ~5 ms a post, and textstat loads the
    CMU pronouncing dictionary first (~1 s and ~70 MB): in another process
    that happens on the second core while Pelican renders pages, and the
    build's own process stays small. An unchanged post costs a hash."""

    def __init__(self, htmls: list[str], cache_dir: str | None):
        import hashlib

        salt = _facts_salt()
        self.keys = [hashlib.sha256(salt + h.encode("utf-8")).hexdigest()[:32] for h in htmls]
        self.path = Path(cache_dir) / "report-facts.json" if cache_dir else None
        self.cache: dict[str, dict] = {}
        if self.path is not None and self.path.exists():
            try:
                self.cache = json.loads(self.path.read_text(encoding="utf-8"))
            except ValueError:
                self.cache = {}
        self.missing = {k: h for k, h in zip(self.keys, htmls) if k not in self.cache}
        self.source = None  # the list of articles the HTML came from, if any
        self._pool = self._future = None

    @classmethod
    def of(cls, articles, settings) -> FactsJob:
        job = cls([a._content or "" for a in articles], settings.get("CACHE_PATH"))
        job.source = articles
        return job

    @property
    def launched(self) -> bool:
        return self._future is not None

    def launch(self) -> None:
        """Start the separate process, if any post needs it. Its pool runs
        threads: call this after parallel.py has forked, not before."""
        if not self.missing or self._future is not None:
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: the build has threads by then.
        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        self._future = self._pool.submit(_facts_of, list(self.missing.values()))

    def result(self) -> list[TextFacts]:
        if self.missing:
            if self._future is not None:
                try:
                    found = self._future.result()
                finally:
                    self._pool.shutdown()
            else:
                found = _facts_of(list(self.missing.values()))
            self.cache.update(zip(self.missing, found))
        if self.path is not None and (self.missing or len(self.cache) != len(set(self.keys))):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            live = set(self.keys)
            data = {k: v for k, v in self.cache.items() if k in live}
            self.path.write_text(json.dumps(data, sort_keys=True), encoding="utf-8")
        self.missing = {}
        return [TextFacts(**self.cache[k]) for k in self.keys]

    def cancel(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


def _facts_of(htmls: list[str]) -> list[dict]:
    return [asdict(text_facts(h)) for h in htmls]


_JOB = "_CLINICSITE_FACTS_JOB"


def prepare_facts(articles, settings) -> None:
    """Once the posts are read: look up the report's figures for `articles`
    in the cache. launch_facts() starts working out the rest; report_articles()
    picks them up."""
    cancel_facts(settings)
    settings[_JOB] = FactsJob.of(articles, settings)


def launch_facts(settings) -> None:
    job = settings.get(_JOB)
    if job is not None:
        job.launch()


def cancel_facts(settings) -> None:
    """Stop a job a failed build left behind (its process would outlive it)."""
    job = settings.pop(_JOB, None)
    if job is not None:
        job.cancel()


def report_articles(articles, settings) -> list[PostReport]:
    from .errors import source_name

    origin = settings.get("CLINICSITE_ORIGIN", "")

    def is_internal(href: str) -> bool:
        return href.startswith(("{filename}", "{static}", "/", "#")) or bool(origin and href.startswith(origin))

    job = settings.pop(_JOB, None)
    if job is None or job.source is not articles:
        if job is not None:
            job.cancel()
        job = FactsJob.of(articles, settings)
    facts = job.result()
    return [
        analyse(
            source_name(a),
            a.title,
            a.description,
            a._content or "",
            getattr(a, "last_reviewed", None),
            review_months=settings.get("CLINICSITE_REVIEW_MONTHS", 12),
            is_internal=is_internal,
            facts=f,
        )
        for a, f in zip(articles, facts)
    ]


def log_summary(reports: list[PostReport], settings) -> None:
    """After a build: one line per finding. Checks listed in
    CLINICSITE_REPORT_ERRORS are errors (and fail the build)."""
    as_errors = set(settings.get("CLINICSITE_REPORT_ERRORS", ()))
    count = 0
    for r in reports:
        for f in r.findings:
            count += 1
            level = logging.ERROR if f["check"] in as_errors else logging.INFO
            logger.log(level, "clinicsite report: %s: %s: %s", r.file, f["check"], f["message"])
    logger.info("clinicsite report: %d post(s), %d finding(s); run `invoke check-content` for the table", len(reports), count)


def render_table(reports: list[PostReport]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Editorial report", show_lines=False)
    for col in ("post", "words", "min", "ease", "grade", "longest ¶", "max/section", "int. links", "title", "desc", "findings"):
        table.add_column(col, overflow="fold")
    for r in reports:
        table.add_row(
            Path(r.file).name, str(r.words), str(r.reading_minutes), f"{r.flesch_reading_ease:g}",
            f"{r.grade_level:g}", str(r.longest_paragraph), str(r.most_words_between_headings),
            str(r.internal_links), str(r.title_length), str(r.description_length),
            "\n".join(f"{f['check']}: {f['message']}" for f in r.findings) or "—",
        )
    Console(width=200).print(table)


def collect(settings_file: str, override: dict | None = None) -> list[PostReport]:
    """Read the posts the way a build does (without writing anything)."""
    from pelican import Pelican
    from pelican.generators import ArticlesGenerator
    from pelican.settings import read_settings

    settings = read_settings(settings_file, override=override)
    pelican = Pelican(settings)  # fires `initialized`: clinic data validated
    context = settings.copy()
    context.update({"generated_content": {}, "static_links": set(), "static_content": {}})
    generator = ArticlesGenerator(
        context=context, settings=settings, path=settings["PATH"], theme=settings["THEME"],
        output_path=settings["OUTPUT_PATH"],
    )
    generator.generate_context()
    del pelican
    return report_articles(generator.articles + generator.drafts, settings)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Editorial report for every post.")
    parser.add_argument("--settings", default="pelicanconf.py")
    parser.add_argument("--json", action="store_true", help="print JSON for tools")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    reports = collect(args.settings)
    if args.json:
        sys.stdout.write(json.dumps([asdict(r) for r in reports], indent=2, ensure_ascii=False) + "\n")
    else:
        render_table(reports)
    return 0


if __name__ == "__main__":
    sys.exit(main())
