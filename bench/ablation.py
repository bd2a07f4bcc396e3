"""Ablations of the cold-build speed-ups that add complexity: what each
buys, measured here, so it can be judged against what it costs to read.

    .venv/bin/python bench/ablation.py [--posts 300] [--reps 2]

1. Social cards (clinicsite/images.py card_png): drawn as grey levels and
   saved as a 256-colour palette PNG at zlib level 1, against the same
   pixels saved as RGB, and against zlib level 6. Time per card (best of
   3, this process) and bytes.
2. Cards drawn while the posts are read (assets.draw_cards_early, on the
   worker processes) against all cards drawn after reading: cold builds of
   a synthetic corpus (bench/corpus.py) with the production settings and
   an empty cache, each in its own process; the second variant sets
   clinicsite.assets.EARLY_CARDS so high that no card starts early.
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

BUILD = textwrap.dedent("""
    import sys, time, runpy
    early = sys.argv[1] == "on"
    import clinicsite.assets
    if not early:
        clinicsite.assets.EARLY_CARDS = 10 ** 9  # no card starts while posts are read
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


def early_cards(posts: int, reps: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"on": [], "off": []}
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
            for variant in ("on", "off"):
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
                print(f"  cold build, N={posts}, early cards {variant}: {seconds:.1f} s", flush=True)
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
    times = early_cards(args.posts, args.reps)
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
    on, off = statistics.median(times["on"]), statistics.median(times["off"])
    lines += [
        "",
        "Same pixels in every variant (the RGB ones are the palette card converted); each time is drawing,",
        "conversion and encoding.",
        "",
        f"## Cards drawn while posts are read (cold build, N = {args.posts}, empty cache, median of {args.reps})",
        "",
        "| variant | seconds | runs |",
        "|---|---|---|",
        f"| early cards on (the build: EARLY_CARDS = 32) | {on:.1f} | {', '.join(f'{t:.1f}' for t in times['on'])} |",
        f"| early cards off (all drawn after reading) | {off:.1f} | {', '.join(f'{t:.1f}' for t in times['off'])} |",
        "",
        f"Early cards save {off - on:.1f} s ({(off - on) / off:.0%}) of this cold build.",
        "",
        "Precompression levels: `results/compression.md` (`bench/compression.py`).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        (HERE / "results" / "ablation.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
