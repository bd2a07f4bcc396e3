"""Which compression levels the build should use: bytes a visitor saves
against seconds a build spends, on real pages.

    .venv/bin/python bench/compression.py [--posts 1000]

Builds the real site and a synthetic corpus (bench/corpus.py) with the
production settings but without precompression, then compresses every text
file of the corpus build with gzip 6/9 and brotli 5/9/10/11, timing each (one
process, best of 3 per file) and summing sizes. Prints a Markdown table and
writes it to bench/results/compression.md. The build's levels are in
clinicsite/precompress.py.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import brotli

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests"))
TEXT = (".html", ".css", ".xml", ".js", ".mjs", ".svg", ".json", ".webmanifest", ".txt")
LEVELS = [("gzip", 6), ("gzip", 9), ("brotli", 5), ("brotli", 9), ("brotli", 10), ("brotli", 11)]


def compress(kind: str, level: int, data: bytes) -> bytes:
    if kind == "gzip":
        return gzip.compress(data, compresslevel=level, mtime=0)
    return brotli.compress(data, mode=brotli.MODE_TEXT, quality=level)


def measure(files: list[Path]) -> dict:
    out = {}
    for kind, level in LEVELS:
        size = html_size = seconds = html_seconds = 0.0
        for path in files:
            data = path.read_bytes()
            best = min(_timed(kind, level, data) for _ in range(3))
            packed = len(compress(kind, level, data))
            size += packed
            seconds += best
            if path.suffix == ".html":
                html_size += packed
                html_seconds += best
        out[(kind, level)] = {"bytes": size, "seconds": seconds, "html_bytes": html_size, "html_seconds": html_seconds}
    return out


def _timed(kind, level, data) -> float:
    start = time.perf_counter()
    compress(kind, level, data)
    return time.perf_counter() - start


def build(content: Path | None, work: Path) -> Path:
    from sitekit import PUBLISH, fixture_project, overrides

    from clinicsite.build import build as run

    # A corpus has none of the real posts that the services' descriptions cite.
    project = fixture_project(work, real=True, clinic={"services": None} if content is not None else None)
    if content is not None:
        for folder in ("posts", "pages"):
            subprocess.run(["rm", "-rf", str(project / "content" / folder)], check=True)
        subprocess.run(["cp", "-r", str(content / "posts"), str(content / "pages"), str(project / "content")], check=True)
    result = run(PUBLISH, project / "output", overrides(project, CLINICSITE_TODAY=None, CLINICSITE_PRECOMPRESS=False,
                                                        SITEURL="https://clinic.example.com"))
    assert result.ok, result.problems[:5]
    return (project / "output").resolve()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    spec = importlib.util.spec_from_file_location("bench_corpus", HERE / "corpus.py")
    corpus = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = corpus  # its dataclasses look their module up
    spec.loader.exec_module(corpus)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        real = build(None, tmp / "real")
        corpus.write_corpus(args.posts, tmp / "corpus-content")
        big = build(tmp / "corpus-content", tmp / "corpus")
        rows = []
        for name, root in (("the real site", real), (f"{args.posts} synthetic posts", big)):
            files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in TEXT
                           and not p.relative_to(root).as_posix().startswith("pagefind/"))
            pages = [p for p in files if p.suffix == ".html"]
            raw = sum(p.stat().st_size for p in files)
            page = statistics.median(p.stat().st_size for p in pages)
            results = measure(files)
            base = results[("brotli", 11)]
            for (kind, level), r in results.items():
                rows.append(
                    f"| {name} | {kind} {level} | {len(files)} | {raw / 1024:,.0f} | {r['bytes'] / 1024:,.0f} | "
                    f"{r['html_bytes'] / len(pages):,.0f} | {(r['html_bytes'] - base['html_bytes']) / len(pages):+,.0f} | "
                    f"{r['seconds']:.2f} | {1000 * r['html_seconds'] / len(pages):.1f} |"
                )
            rows.append(f"| {name} | (median page: {page / 1024:.1f} KiB uncompressed) | | | | | | | |")
    lines = [
        "# Compression levels: bytes saved against build time",
        "",
        f"- Machine: {platform.machine()}, Python {platform.python_version()}, brotli module {brotli.__version__ if hasattr(brotli, '__version__') else '?'}",
        f"- Command: `python bench/compression.py --posts {args.posts}`",
        "- Every text file of each production build (not Pagefind's own files), each compressed alone in one",
        "  process, time = best of 3. \"Per page\" = mean over the HTML pages; \"vs br 11\" = bytes more per page than brotli 11.",
        "",
        "| site | level | files | KiB raw | KiB compressed | bytes per page | vs br 11 | seconds, all files | ms per page |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        (HERE / "results" / "compression.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
