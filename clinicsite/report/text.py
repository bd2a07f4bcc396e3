"""What the editorial report measures in a post's HTML: words, paragraphs and
sections, links, claims health regulators object to, placeholder text, and
readability. A function of the HTML and the clinic's clinical terms only, so
it runs in the build's worker processes and is cached by their hash."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from html.parser import HTMLParser

CLAIMS = re.compile(
    r"\b(cures?|cured|guaranteed?|painless|100\s?%|miracles?|miraculous|permanent relief)(?![\w-])", re.I
)
PLACEHOLDER = re.compile(r"\bTODO\b")
BLOCKS = ("p", "li", "td", "th", "blockquote", "dd")
HEADING = re.compile(r"h[1-6]")


class _Text(HTMLParser):
    """Paragraph and section word counts and links from post HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []  # text of each paragraph / list item
        self.sections = [0]  # words between headings
        self.links: list[str] = []
        self._buf: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in BLOCKS:
            self._flush()
            self._buf = []
        elif HEADING.fullmatch(tag):
            self._flush()
            self.sections.append(0)
            self._skip += 1
        elif tag == "a" and dict(attrs).get("href"):
            self.links.append(dict(attrs)["href"])

    def handle_endtag(self, tag):
        if HEADING.fullmatch(tag):
            self._skip -= 1
        elif tag in BLOCKS:
            self._flush()

    def handle_data(self, data):
        if not self._skip:
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


@dataclass
class TextFacts:
    words: int
    longest_paragraph: int
    most_words_between_headings: int
    links: list[str]
    claims: list[str]
    placeholder: bool
    flesch_reading_ease: float | None  # None: not worked out (CLINICSITE_READABILITY)
    grade_level: float | None


def claims(text: str) -> list[str]:
    return sorted({m.group(0).lower() for m in CLAIMS.finditer(text)})


def readability(text: str, clinical_terms: tuple[str, ...]) -> tuple[float, float]:
    """(Flesch reading ease, Flesch-Kincaid grade). Clinical words patients
    must read anyway count as one short word each, so they do not sink the
    score of an otherwise plain page."""
    import textstat  # imported here: it loads a pronunciation dictionary

    if clinical_terms:
        terms = sorted(clinical_terms, key=len, reverse=True)  # "trigger points" before "trigger point"
        text = re.sub(r"\b(?:" + "|".join(re.escape(t) for t in terms) + r")\b", "pain", text, flags=re.I)
    if not text.split():
        return 0.0, 0.0
    return round(textstat.flesch_reading_ease(text), 1), round(textstat.flesch_kincaid_grade(text), 1)


def text_facts(html: str, clinical_terms: tuple[str, ...] | None) -> TextFacts:
    """`clinical_terms` None: without readability."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = "\n".join(parser.blocks)
    ease, grade = readability(text, clinical_terms) if clinical_terms is not None else (None, None)
    return TextFacts(
        words=len(text.split()),
        longest_paragraph=max((len(b.split()) for b in parser.blocks), default=0),
        most_words_between_headings=max(parser.sections),
        links=parser.links,
        claims=claims(text),
        placeholder=bool(PLACEHOLDER.search(text)),
        flesch_reading_ease=ease,
        grade_level=grade,
    )


def facts_of(htmls: list[str], clinical_terms: tuple[str, ...] | None) -> list[dict]:
    """For a worker process: the facts of several posts, as plain dicts."""
    return [asdict(text_facts(h, clinical_terms)) for h in htmls]
