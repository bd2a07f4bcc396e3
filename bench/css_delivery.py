"""Inline stylesheet or one cacheable file? And what does each page weigh?

For each page type of a production build this prints, gzip-compressed:
  - inline: the HTML as shipped (all CSS in a <style> element) — one round
    trip, nothing render-blocking besides the HTML;
  - external: the same HTML without the <style> element, plus the stylesheet
    as a file — two round trips on a first visit (the CSS blocks rendering),
    the HTML alone on later visits (the file is cached);
and whether each fits the first round trip (14 KB, RFC 6928's initial window);
and the page's total weight as nginx serves it (brotli where the build wrote
a .br file): the HTML, its images, the SVG favicon and the manifest.

    .venv/bin/python bench/css_delivery.py [--output bench/results/css-delivery.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bs4 import BeautifulSoup  # noqa: E402

from clinicsite.assets import css_text  # noqa: E402
from clinicsite.build import build  # noqa: E402

PAGES = {
    "home": "index.html",
    "post (Byron Lam)": "posts/how-dry-needling-can-help-sciatica/index.html",
    "post with diagram": "posts/piriformis-syndrome-explained/index.html",
    "post with table": "posts/sciatica-treatments-compared/index.html",
    "author": "authors/byron-lam/index.html",
    "topic hub": "topics/sciatica/index.html",
    "archives": "archives/index.html",
    "book": "book/index.html",
    "404": "404.html",
}
FIRST_TRIP = 14 * 1024
STYLE = re.compile(r"<style>.*?</style>", re.S)


def gz(data: str) -> int:
    return len(gzip.compress(data.encode("utf-8"), 9, mtime=0))


def served_size(root: Path, rel: str) -> int:
    """Bytes on the wire: the .br sibling if the build wrote one, else the file."""
    path = root / rel
    br = path.with_name(path.name + ".br")
    return (br if br.exists() else path).stat().st_size


def total_weight(root: Path, rel: str, origin: str) -> int:
    soup = BeautifulSoup((root / rel).read_text(encoding="utf-8"), "lxml")
    fetched = {rel}
    for el in soup.select("img[src], link[rel~=icon][type='image/svg+xml'], link[rel=manifest], script[src]"):
        url = el.get("src") or el.get("href")
        if url.startswith(origin + "/"):
            fetched.add(url[len(origin) + 1:])
    return sum(served_size(root, r) for r in fetched)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(REPO / "bench" / "results" / "css-delivery.md"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        origin = "https://clinic.example.com"
        result = build(
            str(REPO / "publishconf.py"), Path(tmp) / "out", {"CACHE_PATH": str(Path(tmp) / "cache"), "SITEURL": origin}
        )
        if not result.ok:
            sys.exit("build failed:\n" + "\n".join(result.problems))
        css = gz(css_text(str(REPO / "theme")))
        rows = []
        for name, rel in PAGES.items():
            html = (result.output / rel).read_text(encoding="utf-8")
            inline = gz(html)
            bare = gz(STYLE.sub('<link rel="stylesheet" href="/theme/css/site.css">', html))
            rows.append((name, inline, bare, bare + css, total_weight(result.output, rel, origin)))
    lines = [
        f"# Inline CSS or a stylesheet file ({dt.date.today().isoformat()})",
        "",
        f"Stylesheet gzip-compressed: {css} B. First round trip budget: {FIRST_TRIP} B (14 KB). "
        "Sizes in bytes; the first four columns gzip level 9, the last as nginx sends it with brotli.",
        "",
        "| page | inline: HTML+CSS, 1 trip | external: HTML (repeat visit) | external: first visit, 2 trips | inline fits 1 trip | total weight, as served (brotli) |",
        "|---|---:|---:|---:|:-:|---:|",
    ]
    for name, inline, bare, first, weight in rows:
        lines.append(
            f"| {name} | {inline} | {bare} | {first} | {'yes' if inline <= FIRST_TRIP else 'NO'} | {weight} |"
        )
    extra = sum(inline - bare for _, inline, bare, _, _ in rows) / len(rows)
    all_fit = all(inline <= FIRST_TRIP for _, inline, _, _, _ in rows)
    lines += [
        "",
        f"Inlining costs on average {extra:.0f} B (gzip) per page view once the file would be cached, "
        "and saves a render-blocking round trip on every first visit.",
        (
            "Every page fits the first round trip with its CSS inlined, so inlining serves better: "
            "visitors arriving from a search result are mostly first-time visitors, on phones."
            if all_fit
            else "Some pages do NOT fit the first round trip with the CSS inlined: reconsider."
        ),
    ]
    text = "\n".join(lines) + "\n"
    Path(args.output).write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
