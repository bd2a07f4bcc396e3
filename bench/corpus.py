"""Write a synthetic, deterministic blog corpus for the build-speed benchmark.

    python bench/corpus.py N DIR [--format yaml|pelican|hugo] [--seed 2026]

Writes N posts to DIR/posts/ (about 1,000 words each) and DIR/pages/book.md.
The same N, seed and format always give byte-identical files, and every
format gets the same titles, dates, authors, topics and body text; only the
metadata syntax and the internal-link syntax change:

- ``yaml`` (default): our site's YAML front matter (docs/front-matter.md),
  built with ``python -m clinicsite.build --settings publishconf.py
  --content DIR`` or ``pelican DIR -s publishconf.py``. Links are
  ``[text]({filename}/posts/<file>.md)`` and all resolve.
- ``pelican``: plain Pelican's native Markdown metadata (``Key: value``
  lines), for ``pelican DIR`` with no plugins and the default theme.
  ``takeaways`` and ``sources`` have no plain-Pelican equivalent and are
  left out; ``description`` becomes ``Summary``; topics become ``Tags``
  (the topic names our site uses as Pelican tags). Links are the same.
- ``hugo``: YAML front matter as Hugo reads it (``categories`` instead of
  ``category``); ``{filename}`` links become ``{{< relref "/posts/x.md" >}}``.

Only the body of pages/book.md is taken from content/pages/book.md (with its
``{filename}`` links reduced to their text): the theme links to /book/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import random
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger("bench.corpus")

REPO = Path(__file__).resolve().parent.parent
BOOK_SOURCE = REPO / "content" / "pages" / "book.md"
FORMATS = ("yaml", "pelican", "hugo")
# Every post is dated before this moment, so a production build (which
# leaves future posts out) publishes them all.
NEWEST = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.timezone.utc)
TARGET_WORDS = 1000

AUTHORS = ["Byron Lam", "RMADN", "Editorial team"]
# key -> (name as in clinic.toml, kind, phrase used in running text)
TOPICS = {
    "sciatica": ("Sciatica", "condition", "sciatica"),
    "piriformis-syndrome": ("Piriformis syndrome", "condition", "piriformis syndrome"),
    "dry-needling": ("Dry needling", "treatment", "dry needling"),
    "physical-therapy": ("Physical therapy", "treatment", "physical therapy"),
    "acupuncture": ("Acupuncture", "treatment", "acupuncture"),
    "chiropractic-care": ("Chiropractic care", "treatment", "chiropractic care"),
}
CONDITIONS = [k for k, v in TOPICS.items() if v[1] == "condition"]
TREATMENTS = [k for k, v in TOPICS.items() if v[1] == "treatment"]

SYMPTOMS = [
    "pain down the back of the leg", "tingling in the foot", "numbness in the calf",
    "a deep ache in the buttock", "stiffness in the lower back", "pain when sitting for long",
    "a burning feeling in the thigh", "weakness when climbing stairs",
]
AUDIENCES = [
    "desk workers", "runners", "older adults", "new parents", "drivers", "gardeners",
    "cyclists", "weekend athletes", "shift workers", "teachers", "nurses", "builders",
    "office teams", "golfers", "dancers", "students", "walkers", "swimmers", "musicians",
    "chefs", "farmers", "carers", "hikers", "tennis players", "warehouse staff", "pilots",
    "hairdressers", "retail staff", "climbers", "rowers",
]
TITLE_PATTERNS = [
    "What to expect from {t}",
    "How {t} can help with {c}",
    "Questions to ask about {t}",
    "{T} and {t2} together",
    "Daily habits that help with {c}",
    "Exercises that support {t}",
    "Understanding {c} and its causes",
    "Aftercare tips after {t}",
    "Common myths about {t}",
    "Your first {t} appointment",
    "Signs of {c} and next steps",
    "Easing {c} with {t}",
    "{T} explained",
    "Sleeping well with {c}",
    "A week of recovery after {t}",
    "Preparing for {t}",
    "Stretches to pair with {t}",
    "Managing a flare-up of {c}",
]

SENTENCES = [
    "Many people with {c} notice {s} that comes and goes over several weeks.",
    "A first appointment usually starts with questions about your symptoms and your general health.",
    "Your practitioner will check how well you can move and which positions make the pain worse.",
    "Write down when the {s} started and what makes it better or worse before your visit.",
    "Most sessions last between {a} and {b} minutes, including time to talk about your plan.",
    "It is normal to feel a little sore for a day or two after {t}.",
    "Gentle walking and short breaks from sitting can help while you recover.",
    "If the pain is severe or getting worse, seek medical help straight away.",
    "Tell your practitioner about any medicines you take before you start {t}.",
    "{T} is often combined with simple exercises that you can do at home.",
    "Each plan is different, because the cause of {s} is not the same for everyone.",
    "Ask how many sessions you are likely to need and how your progress will be checked.",
    "Keep a short diary of your symptoms so that you can see changes over time.",
    "Simple stretches for the hips and lower back are a common part of the plan.",
    "Sleep, stress and posture can all change how much pain you feel.",
    "A qualified practitioner will explain the possible side effects before starting {t}.",
    "Stop an exercise if it causes sharp pain, and mention it at your next visit.",
    "Some people feel better after one or two sessions, while others need more time.",
    "The aim of {t} is to ease pressure on the nerve and help tight muscles relax.",
    "Strong core and hip muscles support the lower back during daily tasks.",
    "A warm bath or a heat pack may ease tight muscles in the evening.",
    "Your plan may change as your symptoms settle.",
    "Numbness in both legs or problems with bladder control need urgent care.",
    "Questions are welcome at every stage of {t}.",
    "Small changes at work, such as a better chair height, can reduce strain on your back.",
    "For {u}, long hours in one position are a common trigger for {s}.",
    "{C} can feel worse in the morning and ease once you start moving.",
    "The piriformis muscle sits deep in the buttock, close to the sciatic nerve.",
    "When that muscle is tight, it can press on the nerve and cause {s}.",
    "{T} takes a different approach from medicines, and the two can be used together.",
    "Bring comfortable clothes so that the practitioner can reach the area easily.",
    "Drink water and rest after the session, and avoid hard exercise that day.",
    "Your practitioner should tell you what they are doing and why at each step.",
    "Progress is often slow at first, so give each change a few weeks.",
    "Many {u} find that a short routine each morning keeps stiffness away.",
    "Ask your doctor if you are not sure whether {t} is right for you.",
    "A good plan also looks at how you sit, stand, lift and sleep.",
    "Pain that wakes you at night is worth mentioning to your doctor.",
]
HEADINGS = [
    "What {c} feels like", "Common causes of {s}", "What happens at a first visit",
    "How {t} is used", "Exercises to try at home", "When to seek medical help",
    "Recovery and aftercare", "Questions to ask your practitioner",
    "How {t} fits with other treatments", "Keeping track of your progress",
    "Daily habits that help", "Possible side effects of {t}", "Tips for {u}",
]
SUBHEADINGS = [
    "Before the session", "During the session", "After the session", "At home", "At work",
    "Warning signs", "Stretches", "Building strength", "Rest and sleep", "Talking to your doctor",
]
LIST_ITEMS = [
    "Wear loose, comfortable clothing", "Bring a list of your medicines",
    "Note which positions ease the pain", "Take short walks during the day",
    "Stretch your hips gently each morning", "Keep your desk at elbow height",
    "Use a heat pack for tight muscles", "Drink water after treatment",
    "Rest from hard exercise for a day", "Ask questions before you start",
    "Book a follow-up to check your progress", "Sleep on your side with a pillow between the knees",
]
TABLE_ROWS = {
    "dry-needling": ("Thin needles placed in trigger points", "10 to 30 minutes with the needles in"),
    "physical-therapy": ("Exercises, stretches and posture work", "About 45 minutes"),
    "acupuncture": ("Thin needles placed at specific points", "20 to 40 minutes"),
    "chiropractic-care": ("Hands-on care for the spine and joints", "15 to 30 minutes"),
}
SOURCES = [
    ("Sciatica — NHS", "https://www.nhs.uk/conditions/sciatica/"),
    ("Sciatica — NHS Wales", "https://111.wales.nhs.uk/encyclopaedia/s/article/sciatica/"),
    ("Low back pain — World Health Organization",
     "https://www.who.int/news-room/fact-sheets/detail/low-back-pain"),
    ("Sciatica — MedlinePlus", "https://medlineplus.gov/sciatica.html"),
]
EXTRA_SENTENCE = "An editor added this sentence to measure an incremental rebuild."


@dataclass
class Post:
    index: int
    title: str
    slug: str
    date: dt.datetime
    authors: list[str]
    topics: list[str]
    category: str
    description: str
    featured: bool = False
    takeaways: list[str] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""  # Markdown with {filename}/posts/<file>.md links

    @property
    def filename(self) -> str:
        return f"{self.date:%Y-%m-%d}-{self.slug}.md"


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _titles(rng: random.Random):
    """Endless unique titles: every pattern x topic x audience, then parts 2, 3, …"""
    bases = []
    for pattern in TITLE_PATTERNS:
        for t in TREATMENTS:
            for c in CONDITIONS:
                t2 = TREATMENTS[(TREATMENTS.index(t) + 1) % len(TREATMENTS)]
                title = pattern.format(
                    T=TOPICS[t][0], t=TOPICS[t][2], t2=TOPICS[t2][2], C=TOPICS[c][0], c=TOPICS[c][2]
                )
                keys = [k for k in (c, t, t2) if TOPICS[k][2] in title.lower()]
                bases.append((title, keys))
    bases = sorted(set((b, tuple(k)) for b, k in bases))
    combos = [(f"{b} for {u}", list(k)) for b, k in bases for u in AUDIENCES]
    combos = [c for c in combos if len(c[0]) <= 60]
    rng.shuffle(combos)
    part = 1
    while True:
        for title, keys in combos:
            title = title if part == 1 else f"{title}, part {part}"
            if len(title) <= 60:  # longer titles are cut in search results
                yield title, keys
        part += 1


def plan(n: int, seed: int) -> list[Post]:
    """Metadata of all posts (bodies need every title, for the links)."""
    rng = random.Random(f"{seed}-plan")
    titles = _titles(rng)
    posts, slugs = [], set()
    for i in range(n):
        title, keys = next(titles)
        slug = slugify(title)
        while slug in slugs:  # cannot happen with unique titles, but stay safe
            slug += "-x"
        slugs.add(slug)
        topics = list(dict.fromkeys(keys))
        extra = rng.choice(list(TOPICS))
        if extra not in topics and rng.random() < 0.5:
            topics.append(extra)
        category = "Guides" if rng.random() < 0.4 else "Articles"
        if category == "Guides":
            authors = ["Editorial team"]
        else:
            authors = [rng.choice(["Byron Lam", "RMADN"])]
            if rng.random() < 0.15:
                authors = ["Byron Lam", "RMADN"]
        # Newest first, about one post every 9 hours.
        date = NEWEST - dt.timedelta(hours=9 * i, minutes=rng.randrange(0, 60, 5))
        description = (
            f"{title}: what it involves, what to expect at each visit and when to seek "
            f"medical help, in plain words."
        )
        if len(description) > 160:
            description = f"{title}: what to expect and when to seek medical help."
        if len(description) > 160:
            description = description[:157].rsplit(" ", 1)[0] + "…"
        post = Post(i, title, slug, date, authors, topics, category, description,
                    featured=i < 3)
        if rng.random() < 0.35:
            post.takeaways = [
                f"{TOPICS[topics[0]][0]} is one of several options a practitioner may suggest.",
                "Write down your symptoms before the first visit.",
                "Seek medical help straight away if the pain is severe.",
            ][: rng.randint(2, 3)]
        if rng.random() < 0.35:
            post.sources = rng.sample(SOURCES, rng.randint(1, 2))
        posts.append(post)
    return posts


def _paragraph(rng, ctx, sentences: int) -> str:
    picked = rng.sample(SENTENCES, sentences)
    return " ".join(s.format(**ctx, a=rng.choice([10, 15, 20]), b=rng.choice([30, 40, 45]),
                             u=rng.choice(AUDIENCES), s=rng.choice(SYMPTOMS)) for s in picked)


def _words(text: str) -> int:
    return len(re.findall(r"[A-Za-z0-9']+", re.sub(r"\(\{filename\}[^)]*\)", "", text)))


def write_body(post: Post, posts: list[Post], seed: int) -> str:
    rng = random.Random(f"{seed}-body-{post.index}")
    t_key = next((k for k in post.topics if k in TREATMENTS), rng.choice(TREATMENTS))
    c_key = next((k for k in post.topics if k in CONDITIONS), rng.choice(CONDITIONS))
    ctx = {"T": TOPICS[t_key][0], "t": TOPICS[t_key][2], "C": TOPICS[c_key][0], "c": TOPICS[c_key][2]}
    others = [p for p in rng.sample(posts, min(len(posts), 6)) if p is not post][:3]

    def link(p: Post) -> str:
        return f"[{p.title}]({{filename}}/posts/{p.filename})"

    blocks = [_paragraph(rng, ctx, 4)]
    if others:
        blocks.append(
            _paragraph(rng, ctx, 2) + f" For background, read {link(others[0])}."
        )
    headings = rng.sample(HEADINGS, len(HEADINGS))
    section = 0
    while _words("\n".join(blocks)) < TARGET_WORDS - 60:
        heading = headings[section % len(headings)].format(**ctx, u=rng.choice(AUDIENCES),
                                                           s=rng.choice(SYMPTOMS))
        heading = heading[0].upper() + heading[1:]
        blocks.append(f"## {heading}")
        blocks.append(_paragraph(rng, ctx, rng.randint(4, 6)))
        kind = section % 4
        if kind == 0:
            blocks.append("\n".join(f"- {item}" for item in rng.sample(LIST_ITEMS, rng.randint(4, 6))))
            blocks.append(_paragraph(rng, ctx, 3))
        elif kind == 1:
            blocks.append(f"### {rng.choice(SUBHEADINGS)}")
            blocks.append(_paragraph(rng, ctx, rng.randint(3, 5)))
            steps = rng.sample(LIST_ITEMS, 4)
            blocks.append("\n".join(f"{n}. {item}" for n, item in enumerate(steps, 1)))
        elif kind == 2:
            rows = rng.sample(TREATMENTS, 3)
            table = ["| Treatment | What it involves | A typical session |", "| --- | --- | --- |"]
            table += [f"| {TOPICS[k][0]} | {TABLE_ROWS[k][0]} | {TABLE_ROWS[k][1]} |" for k in rows]
            blocks.append(_paragraph(rng, ctx, 2) + " The table below sets out the main differences.")
            blocks.append("\n".join(table))
        else:
            blocks.append(_paragraph(rng, ctx, rng.randint(3, 5)))
            if len(others) > 1:
                blocks[-1] += f" Our post {link(others[1])} covers this in more detail."
        section += 1
    if len(others) > 2:
        blocks.append(f"If you want to read on, try {link(others[2])} next.")
    return "\n\n".join(blocks) + "\n"


def _q(text: str) -> str:
    """A YAML scalar: plain when safe, else double-quoted (JSON is valid YAML)."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 ,.'’()?/-]*", text) and not text.endswith(" "):
        return text
    return json.dumps(text, ensure_ascii=False)


def yaml_front(post: Post, hugo: bool = False) -> str:
    lines = [
        "---",
        f"title: {_q(post.title)}",
        f"date: {post.date.isoformat()}",
        f"authors: [{', '.join(post.authors)}]",
        f"description: {_q(post.description)}",
        f"topics: [{', '.join(post.topics)}]",
        f"categories: [{post.category}]" if hugo else f"category: {post.category}",
        f"slug: {post.slug}",
    ]
    if post.featured:
        lines.append("featured: true")
    if post.category == "Articles" and not hugo:
        # A source article says where it comes from (the build requires it).
        lines.append("provenance: A synthetic article written for the benchmark; nothing was copied.")
    if post.takeaways:
        lines.append("takeaways:")
        lines += [f"  - {_q(t)}" for t in post.takeaways]
    if post.sources:
        lines.append("sources:")
        for title, url in post.sources:
            lines += [f"  - title: {_q(title)}", f"    url: {url}"]
    lines.append("---")
    return "\n".join(lines) + "\n\n"


def pelican_front(post: Post) -> str:
    lines = [
        f"Title: {post.title}",
        f"Date: {post.date.isoformat()}",
        f"Authors: {', '.join(post.authors)}",
        f"Category: {post.category}",
        f"Tags: {', '.join(TOPICS[k][0] for k in post.topics)}",
        f"Slug: {post.slug}",
        f"Summary: {post.description}",
    ]
    return "\n".join(lines) + "\n\n"


FILENAME_LINK = re.compile(r"\{filename\}(/[^)\s#]+)")


def render(post: Post, fmt: str) -> str:
    if fmt == "yaml":
        return yaml_front(post) + post.body
    if fmt == "pelican":
        return pelican_front(post) + post.body
    body = FILENAME_LINK.sub(lambda m: '{{< relref "%s" >}}' % m.group(1), post.body)
    return yaml_front(post, hugo=True) + body


def book_page(fmt: str) -> str:
    text = BOOK_SOURCE.read_text(encoding="utf-8")
    match = re.match(r"\A---\n(.*?)\n---\n", text, re.S)
    front, body = match.group(1), text[match.end():]
    # Keep each link's text, drop its {filename} target.
    body = re.sub(r"\[([^\]]+)\]\(\{filename\}[^)]*\)", r"\1", body)
    if fmt == "yaml":
        return f"---\n{front}\n---\n{body}"
    title = re.search(r"^title: (.*)$", front, re.M).group(1)
    if fmt == "pelican":
        return f"Title: {title}\nSlug: book\n\n{body.lstrip()}"
    return f"---\ntitle: {title}\nslug: book\nurl: /book/\n---\n{body}"


def write_corpus(n: int, out: str | Path, fmt: str = "yaml", seed: int = 2026) -> list[Path]:
    """Write the corpus; return the post files in plan order (newest first)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    out = Path(out)
    posts_dir, pages_dir = out / "posts", out / "pages"
    for folder in (posts_dir, pages_dir):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    posts = plan(n, seed)
    for post in posts:
        post.body = write_body(post, posts, seed)
    paths = []
    for post in posts:
        path = posts_dir / post.filename
        path.write_text(render(post, fmt), encoding="utf-8")
        paths.append(path)
    (pages_dir / "book.md").write_text(book_page(fmt), encoding="utf-8")
    return paths


def corpus_clinic(dest: str | Path) -> Path:
    """The real clinic.toml for a synthetic corpus: without the services,
    whose descriptions cite posts of the real content, and without the map
    image, a file of the real content. Written to `dest`; returns it."""
    import tomllib

    import tomli_w

    data = tomllib.loads((Path(__file__).resolve().parents[1] / "clinic.toml").read_text(encoding="utf-8"))
    data.pop("services", None)
    for location in data["locations"].values():
        for key in ("map_image", "map_alt", "map_credit"):
            location.pop(key, None)
    dest = Path(dest)
    dest.write_bytes(tomli_w.dumps(data).encode())
    return dest


def append_sentence(path: str | Path) -> None:
    """The incremental benchmark's edit: one more sentence at the end of a post."""
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(f"\n{EXTRA_SENTENCE}\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of posts")
    parser.add_argument("dir", help="content folder to write (posts/ and pages/ are replaced)")
    parser.add_argument("--format", choices=FORMATS, default="yaml",
                        help="front-matter format: yaml (our site), pelican (plain Pelican), hugo")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    paths = write_corpus(args.n, args.dir, args.format, args.seed)
    words = sum(_words(re.sub(r"\A.*?\n\n", "", p.read_text(encoding="utf-8"), flags=re.S)) for p in paths[:50])
    logger.info("Wrote %d posts (%s format, ~%d words each) to %s/posts/ and %s/pages/book.md",
                len(paths), args.format, words // max(1, min(50, len(paths))), args.dir, args.dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
