"""`invoke check-content`: the editorial report of every post, as a table
(or JSON for tools), without building the site. With nginx's feedback logs
(`invoke feedback --log …`), each published post's "Was this page
helpful?" answers too.

    python -m clinicsite.report [--settings pelicanconf.py] [--json] [--feedback LOG …]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path

from ..feedback import read_logs
from . import Job, reports


def collect(settings_file: str, override: dict | None = None, feedback_logs=()):
    """Read the posts as a build does, and report on them; with
    `feedback_logs`, each published post's (yes, no) answers too."""
    from pelican import Pelican
    from pelican.generators import ArticlesGenerator
    from pelican.settings import read_settings

    from ..state import current

    settings = read_settings(settings_file, override=override)
    Pelican(settings)  # fires `initialized`: the settings and clinic.toml are checked
    build = current()
    context = {**settings, "generated_content": {}, "static_links": set(), "static_content": {}}
    generator = ArticlesGenerator(context=context, settings=settings, path=settings["PATH"],
                                  theme=settings["THEME"], output_path=settings["OUTPUT_PATH"])
    generator.generate_context()
    articles = generator.articles + generator.drafts
    job = Job(articles, tuple(build.site.editorial.clinical_terms), settings.get("CACHE_PATH"))
    found = reports(articles, job.facts(), build.origin)
    if feedback_logs:
        paths = {"/" + a.url for a in generator.articles}  # what the form sends as page=
        counts = read_logs(feedback_logs, paths)
        for report, article in zip(found, articles):
            if "/" + article.url in paths:
                report.helpful = counts.get("/" + article.url, (0, 0))
    return found


def render_table(found) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Editorial report")
    helpful = any(r.helpful is not None for r in found)  # feedback logs were read
    for col in ("post", "words", "min", "ease", "grade", "longest ¶", "max/section", "int. links", "title",
                *(["helpful: yes / no"] if helpful else []), "findings"):
        table.add_column(col, overflow="fold")
    for r in found:
        table.add_row(
            Path(r.file).name, str(r.words), str(r.reading_minutes), f"{r.flesch_reading_ease}", f"{r.grade_level}",
            str(r.longest_paragraph), str(r.most_words_between_headings), str(r.internal_links), str(r.title_length),
            *([f"{r.helpful[0]} / {r.helpful[1]}" if r.helpful else "—"] if helpful else []),
            "\n".join(f"{f['check']}: {f['message']}" for f in r.findings) or "—",
        )
    Console(width=200).print(table)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Editorial report for every post.")
    parser.add_argument("--settings", default="pelicanconf.py")
    parser.add_argument("--json", action="store_true", help="print JSON for tools")
    parser.add_argument("--feedback", action="append", default=[], metavar="LOG",
                        help="an nginx feedback log (deploy/nginx.conf): count each post's answers; repeatable")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    found = collect(args.settings, feedback_logs=args.feedback)
    if args.json:
        sys.stdout.write(json.dumps([asdict(r) for r in found], indent=2, ensure_ascii=False) + "\n")
    else:
        render_table(found)
    return 0


if __name__ == "__main__":
    sys.exit(main())
