"""The editorial checks: what an editor of patient pages looks at in each
post, as findings with a fix. (What the front matter schema already refuses
— description length, images without alt text — and review dates, which the
build itself enforces, are not repeated here.)"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..rules import TITLE_MAX, reading_minutes
from .text import TextFacts, claims

GRADE_TARGET = 9.0
LONG_PARAGRAPH, LONG_SECTION = 120, 300
CHECKS = ("readability", "long_paragraph", "long_section", "no_internal_link", "title_length", "claims", "placeholder")


@dataclass
class PostReport:
    file: str
    title: str
    words: int
    reading_minutes: int
    flesch_reading_ease: float | None
    grade_level: float | None
    longest_paragraph: int
    most_words_between_headings: int
    internal_links: int
    title_length: int
    claims: list[str]
    findings: list[dict] = field(default_factory=list)
    # "Was this page helpful?": (yes, no) from the feedback logs, when the
    # report was given them (clinicsite/feedback.py); None otherwise.
    helpful: tuple[int, int] | None = None


def analyse(file: str, title: str, description: str, facts: TextFacts, is_internal) -> PostReport:
    found = sorted(set(claims(f"{title}\n{description}")) | set(facts.claims))
    report = PostReport(
        file=file,
        title=title,
        words=facts.words,
        reading_minutes=reading_minutes(facts.words),
        flesch_reading_ease=facts.flesch_reading_ease,
        grade_level=facts.grade_level,
        longest_paragraph=facts.longest_paragraph,
        most_words_between_headings=facts.most_words_between_headings,
        internal_links=sum(1 for h in facts.links if is_internal(h)),
        title_length=len(title),
        claims=found,
    )

    def add(check: str, message: str) -> None:
        report.findings.append({"check": check, "message": message})

    if report.grade_level is not None and report.grade_level > GRADE_TARGET:
        add("readability", f"grade level {report.grade_level} is above {GRADE_TARGET:g}: use shorter sentences and words")
    if report.longest_paragraph > LONG_PARAGRAPH:
        add("long_paragraph", f"a paragraph has {report.longest_paragraph} words (> {LONG_PARAGRAPH}): split it")
    if report.most_words_between_headings > LONG_SECTION:
        add("long_section", f"{report.most_words_between_headings} words without a heading (> {LONG_SECTION}): add a ## heading")
    if not report.internal_links:
        add("no_internal_link", "no link to another page of the site: link a related post")
    if report.title_length > TITLE_MAX:
        add("title_length", f"title has {report.title_length} characters (> {TITLE_MAX}): search results cut it")
    if facts.placeholder or "TODO" in f"{title}\n{description}":
        add("placeholder", "placeholder text (TODO) is still in the post")
    if found:
        add("claims", f"claims regulators object to: {', '.join(found)}")
    return report
