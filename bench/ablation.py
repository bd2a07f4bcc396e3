"""Ablations of the cold-build speed-ups that add complexity: what each
buys, measured here, so it can be judged against what it costs to read.

    .venv/bin/python bench/ablation.py [--posts 300] [--reps 2]

1. Social cards (clinicsite/images.py card_png): drawn as grey levels and
   saved as a 256-colour palette PNG at zlib level 1, against the same
   pixels saved as RGB, and against zlib level 6. Time per card (best of
   3, this process) and bytes.
2. Cold builds of a synthetic corpus (bench/corpus.py) with the production
   settings and an empty cache, each in its own process, alternating:
   - the build as it is;
   - cards not drawn while the posts are read (assets.draw_cards_early on
     the worker processes): clinicsite.assets.EARLY_CARDS set so high that
     no card starts early;
   - the build's own process not helping the workers (state.Build.map runs
     the jobs no worker has started once it would only wait):
     concurrent.futures.Future.cancel made to refuse, so it only waits.
   Precompression levels have their own benchmark: bench/compression.py.

Prints Markdown and writes bench/results/ablation.md.
"""

from __future__ import annotations

import argparse
import io
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

TITLES = [f"{what} for {who}" for what in (
    "How dry needling can help sciatica", "Stretches to pair with physical therapy", "What to expect from acupuncture",
    "Questions to ask about sports chiropractic care", "Easing piriformis syndrome at your desk",
) for who in ("runners", "new parents", "desk workers", "gardeners", "drivers", "nurses", "climbers", "retail staff",
              "musicians", "swimmers")]

VARIANTS = {
    "build": "the build",
    "late-cards": "cards drawn after reading (EARLY_CARDS off)",
    "no-help": "the build's process only waits for the workers",
}
BUILD = textwrap.dedent("""
    import sys, time, runpy
    variant = sys.argv[1]
    import clinicsite.assets
    if variant == "late-cards":
        clinicsite.assets.EARLY_CARDS = 10 ** 9  # no card starts while posts are read
    if variant == "no-help":
        import concurrent.futures
        concurrent.futures.Future.cancel = lambda self: False  # map() cannot take a job back: it waits
    sys.argv = ["clinicsite.build", *sys.argv[2:]]
    start = time.perf_counter()
    try:
        runpy.run_module("clinicsite.build", run_name="__main__", alter_sys=True)
    finally:
        print("SECONDS", time.perf_counter() - start, file=sys.stderr)
""")


def cards() -> list[dict]:
    from clinicsite import images

    size = (1200, 630)
    rows = []
    for label, mode, level in (("palette, zlib 1 (the build)", "P", 1), ("palette, zlib 6", "P", 6),
                               ("RGB, zlib 1", "RGB", 1), ("RGB, zlib 6", "RGB", 6)):
        seconds, total = [], 0
        for title in TITLES:
            best = None
            for _ in range(3):
                start = time.perf_counter()
                card = images.card_image("Example Clinic", title, size)
                if mode == "RGB":
                    card = card.convert("RGB")
                out = io.BytesIO()
                card.save(out, "PNG", compress_level=level)
                elapsed = time.perf_counter() - start
                best = elapsed if best is None else min(best, elapsed)
            seconds.append(best)
            total += len(out.getvalue())
        rows.append({"variant": label, "ms": 1000 * statistics.mean(seconds), "bytes": total / len(TITLES)})
    return rows


def cold_builds(posts: int, reps: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
    with tempfile.TemporaryDirectory(prefix="ablation-") as tmp:
        tmp = Path(tmp)
        content = tmp / "content"
        subprocess.run([sys.executable, str(HERE / "corpus.py"), str(posts), str(content)], check=True,
                       capture_output=True)
        settings = tmp / "settings.py"
        sys.path.insert(0, str(HERE))
        import corpus

        clinic = corpus.corpus_clinic(tmp / "clinic.toml")  # no services citing real posts
        for rep in range(reps):
            for variant in VARIANTS:
                settings.write_text(f"import sys\nsys.path.insert(0, {str(REPO)!r})\nfrom publishconf import *\n"
                                    f"CACHE_PATH = {str(tmp / f'cache-{variant}-{rep}')!r}\n"
                                    f"CLINICSITE_CLINIC_FILE = {str(clinic)!r}\n")
                run = subprocess.run([sys.executable, "-c", BUILD, variant, "--settings", str(settings),
                                      "--content", str(content), "--output", str(tmp / f"out-{variant}-{rep}")],
                                     cwd=REPO, capture_output=True, text=True)
                if run.returncode != 0:
                    sys.exit(f"build failed ({variant}):\n{run.stderr[-3000:]}")
                seconds = float(run.stderr.rsplit("SECONDS", 1)[1].split()[0])
                times[variant].append(seconds)
                print(f"  cold build, N={posts}, {VARIANTS[variant]}: {seconds:.1f} s", flush=True)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    import os

    machine = f"{os.cpu_count()} CPU(s), {platform.processor() or platform.machine()}; Python {platform.python_version()}"
    card_rows = cards()
    times = cold_builds(args.posts, args.reps)
    base = card_rows[0]
    lines = [
        "# Ablations of the cold-build speed-ups",
        "",
        f"Written by `bench/ablation.py --posts {args.posts} --reps {args.reps}` on {machine}.",
        "",
        f"## Social cards ({len(TITLES)} titles, 1200×630, mean per card, best of 3)",
        "",
        "| variant | ms per card | bytes per card | time vs the build | size vs the build |",
        "|---|---|---|---|---|",
    ]
    for row in card_rows:
        lines.append(f"| {row['variant']} | {row['ms']:.1f} | {row['bytes']:,.0f} | {row['ms'] / base['ms']:.2f}× | "
                     f"{row['bytes'] / base['bytes']:.2f}× |")
    base_s = statistics.median(times["build"])
    lines += [
        "",
        "Same pixels in every variant (the RGB ones are the palette card converted); each time is drawing,",
        "conversion and encoding.",
        "",
        f"## Cold builds (N = {args.posts}, empty cache, median of {args.reps}, variants alternating)",
        "",
        "| variant | seconds | runs | the build saves |",
        "|---|---|---|---|",
    ]
    for variant, label in VARIANTS.items():
        median = statistics.median(times[variant])
        saves = "" if variant == "build" else f"{median - base_s:.1f} s ({(median - base_s) / median:.0%})"
        lines.append(f"| {label} | {median:.1f} | {', '.join(f'{t:.1f}' for t in times[variant])} | {saves} |")
    lines += [
        "",
        "Precompression levels: `results/compression.md` (`bench/compression.py`).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        (HERE / "results" / "ablation.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
