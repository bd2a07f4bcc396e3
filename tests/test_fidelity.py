"""The two source articles are published in their authors' words: every
sentence of each seed (tests/fixtures/seeds/, the articles as they were
extracted) is on the page, in
order-independent chunks compared letter by letter, so extraction damage the
editor repaired (run-together sentences, flattened lists, spacing) does not
count and any change of wording does. What the editor removed is listed, and
only that."""

from __future__ import annotations

import re

import pytest
from sitekit import REPO, text

SEEDS = REPO / "tests" / "fixtures" / "seeds"
# seed file -> (the page, what the editor removed and the post's provenance says so)
ARTICLES = {
    "000_8789197b3beaefd3.txt": ("posts/dry-needling-for-sciatica-pain/index.html",
                                 ["The beauty of shared experiences.", "RMADN - Apr 18, 2023"]),
    "001_d4f21ec976b783e3.txt": ("posts/how-dry-needling-can-help-sciatica/index.html",
                                 ["Byron  Lam\n\nByron Lam\n\nChiropractor, CCSP®, FR® Spine\n\nContact Me"]),
}


def letters(value: str) -> str:
    return re.sub(r"[^a-z0-9®]", "", value.lower())


def chunks(seed: str) -> list[str]:
    """The seed's sentences and lines (where extraction ran them together,
    a sentence end followed by a capital letter also splits)."""
    parts = re.split(r"\n+|(?<=[.?!:])\s+|(?<=[a-z][.?!])(?=[A-Z])", seed)
    return [p for p in (p.strip() for p in parts) if letters(p)]


@pytest.mark.parametrize("seed", sorted(ARTICLES))
def test_every_sentence_of_the_source_is_on_its_page(site, seed):
    page, removed = ARTICLES[seed]
    original = (SEEDS / seed).read_text(encoding="utf-8")
    for cut in removed:
        assert cut in original, f"{seed}: {cut!r} is not in the seed"
        original = original.replace(cut, "\n")
    body = letters(text(site.soup(page).select_one(".post-body")))
    missing = [c for c in chunks(original) if letters(c) not in body]
    assert not missing, f"{page} lacks these words of {seed}:\n" + "\n".join(missing)


def test_source_articles_say_how_they_were_copied():
    for path in sorted((REPO / "content" / "posts").glob("*.md")):
        front = path.read_text(encoding="utf-8").split("---", 2)[1]
        if re.search(r"^category: Articles$", front, re.M):
            assert re.search(r"^provenance: ", front, re.M), f"{path.name}: a source article needs provenance"
