"""Preview speed: how long `invoke livereload` takes to show an
edited post, at N posts.

    .venv/bin/python bench/preview_speed.py                          # N = 1000
    .venv/bin/python bench/preview_speed.py --sizes 100 1000 --edits 5
    .venv/bin/python bench/preview_speed.py --sizes 100 --no-write   # smoke test

For each N, in a fresh process, it writes the synthetic corpus
(bench/corpus.py, our YAML front matter) and starts the preview engine
(clinicsite.preview.Preview) on it with the development settings —
pelicanconf.py with PATH set to the corpus, CACHE_PATH and the output in a
temporary folder, as `invoke livereload` runs — then times:

- first build: the full build the engine starts with and keeps the state of;
- body edit (x --edits, 5 by default): a sentence appended to a different
  post each time, from the change being handed to the engine
  (`Preview.apply([path])`) until the page is written. Checked afterwards,
  outside the timing: the page has the sentence and no other output file
  changed. The posts are ones whose reading time the sentence leaves as it
  is (lists of posts show it, so changing it rebuilds the site);
- through the watcher: one more such edit with the engine's watcher running
  in a thread, from writing the file until the page has the sentence: what
  an author waits for, the watcher's grouping of an editor's writes included;
- title edit: one post's title changed, which other pages show: a full
  rebuild, for contrast.

Peak RSS is this process's (ru_maxrss: the in-process builds included,
Pagefind's own process not). Target (issue 8): <= 1 s per body edit at
N = 1,000. Results: a Markdown table on stdout and in
bench/results/preview-speed.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import logging
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results" / "preview-speed.md"
DEVELOP = str(REPO / "pelicanconf.py")
TARGET_SECONDS = 1.0


def _load(name: str):
    # By path, as bench/build_speed.py does: bench/ is not a package.
    spec = importlib.util.spec_from_file_location(f"bench_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def say(msg: str = "") -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- one N (child process)


def sentence(i: int) -> str:
    return f"Preview check {i}: bring water to your session."


def stamps(root: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(root).as_posix(): (p.stat().st_mtime_ns, p.stat().st_size)
            for p in root.rglob("*") if p.is_file()}


@dataclass
class Post:
    source_path: str
    title: str
    save_as: str


def body_only_posts(engine, count: int, words: int) -> list[Post]:
    """`count` posts spread over the corpus whose reading time `words` more
    words leave unchanged (counted on the Markdown as the reader counts,
    with a margin)."""
    import markdown
    import yaml

    from clinicsite.rules import count_words, reading_minutes

    files = sorted((engine.content / "posts").glob("*.md"))
    spread = files[:: max(1, len(files) // (2 * count))]
    found = []
    for path in spread:
        _, front, body = path.read_text(encoding="utf-8").split("---", 2)
        meta = yaml.safe_load(front)
        n = count_words(markdown.markdown(body, extensions=["tables"]))
        if all(reading_minutes(n + d) == reading_minutes(n) for d in (-30, words + 30)):
            found.append(Post(str(path), meta["title"], f"posts/{meta['slug']}/index.html"))
    return found[:count]


def body_edit(engine, post, i: int) -> float:
    path = Path(post.source_path)
    before = stamps(engine.output)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(f"\n{sentence(i)}\n")
    start = time.perf_counter()
    outcome = engine.apply([path])
    seconds = time.perf_counter() - start
    assert (outcome.action, outcome.ok) == ("page", True), outcome
    assert sentence(i) in (engine.output / outcome.page).read_text(encoding="utf-8")
    after = stamps(engine.output)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert changed == [outcome.page], changed
    return seconds


def watched_edit(engine, post, i: int) -> float:
    stop = threading.Event()
    watcher = threading.Thread(target=engine.watch, args=(stop,), daemon=True)
    watcher.start()
    time.sleep(1)  # let it start watching
    page = engine.output / post.save_as
    try:
        start = time.perf_counter()
        with open(post.source_path, "a", encoding="utf-8") as fh:
            fh.write(f"\n{sentence(i)}\n")
        while sentence(i) not in page.read_text(encoding="utf-8"):
            assert time.perf_counter() - start < 120, "the watcher did not re-render the page"
            time.sleep(0.01)
        return time.perf_counter() - start
    finally:
        stop.set()
        watcher.join()


def title_edit(engine, post) -> float:
    path = Path(post.source_path)
    text = path.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith("title:"))
    path.write_text(text.replace(line, f"title: {json.dumps(post.title + ' (edited)')}", 1), encoding="utf-8")
    start = time.perf_counter()
    outcome = engine.apply([path])
    seconds = time.perf_counter() - start
    assert (outcome.action, outcome.ok) == ("site", True), outcome
    assert post.title + " (edited)" in (engine.output / post.save_as).read_text(encoding="utf-8")
    return seconds


def measure(n: int, edits: int) -> dict:
    """Every figure for one N, in this process."""
    corpus = _load("corpus")
    from clinicsite.preview import Preview

    work = Path(tempfile.mkdtemp(prefix="preview-speed-"))
    try:
        corpus.write_corpus(n, work / "content")
        engine = Preview(DEVELOP, work / "output",
                         {"PATH": str(work / "content"), "CACHE_PATH": str(work / "cache"),
                          "CLINICSITE_CLINIC_FILE": str(corpus.corpus_clinic(work / "clinic.toml")),
                          "CLINICSITE_SAFETY_PATH": str(REPO / "safety"), "CLINICSITE_TODAY": None})
        start = time.perf_counter()
        assert engine.rebuild().ok
        first = time.perf_counter() - start
        posts = body_only_posts(engine, edits + 2, words=len(sentence(0).split()))
        assert len(posts) == edits + 2, "not enough posts for the edits"
        body = [body_edit(engine, post, i) for i, post in enumerate(posts[:edits])]
        watched = watched_edit(engine, posts[edits], edits)
        full = title_edit(engine, posts[edits + 1])
    finally:
        engine.close()
        shutil.rmtree(work, ignore_errors=True)
    # The engine keeps a build's state in a worker process (a generation):
    # its peak RSS is in RUSAGE_CHILDREN.
    return {"n": n, "first": first, "body": body, "watched": watched, "full": full,
            "rss_mb": max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                          resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024}


# ---------------------------------------------------------------- report


def run_child(n: int, edits: int) -> dict:
    """`measure` in a fresh process, so each N's peak RSS is its own."""
    proc = subprocess.run([sys.executable, __file__, "--child", str(n), "--edits", str(edits)],
                          cwd=REPO, stdout=subprocess.PIPE, encoding="utf-8",
                          env={**os.environ, "PYTHONUTF8": "1"})
    if proc.returncode != 0:
        raise SystemExit(f"N = {n}: the measuring process failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def table(results: list[dict]) -> list[str]:
    lines = [
        "| N | body edit: median s | body edit: max s | edits | through the watcher s "
        "| title edit (full rebuild) s | first build s | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['n']:,} | {statistics.median(r['body']):.3f} | {max(r['body']):.3f} | {len(r['body'])} "
            f"| {r['watched']:.2f} | {r['full']:.1f} | {r['first']:.1f} | {r['rss_mb']:.0f} |"
        )
    return lines


def header(command: str) -> list[str]:
    cpu_model = _load("machine").cpu_model
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                          cwd=REPO).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "clinicsite", "theme", "pelicanconf.py",
                            "clinic.toml"], capture_output=True, text=True, cwd=REPO).stdout.strip()
    import pelican

    return [
        f"- Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {cpu_model()}, {os.cpu_count()} CPU(s); {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, Pelican {pelican.__version__}",
        f"- Commit: {head}" + (" with uncommitted changes to the site code" if dirty else ""),
        f"- Command: `{command}`",
        f"- Load average at the end: {os.getloadavg()[0]:.1f}",
    ]


def write(results: list[dict], command: str) -> None:
    details = [
        f"- N = {r['n']:,}: body edits " + ", ".join(f"{s:.3f}" for s in r["body"]) + " s"
        for r in results
    ]
    text = [
        "# Preview speed: one edited post (issue 8)",
        "",
        *header(command),
        "",
        f"Target: a body edit re-rendered and written in <= {TARGET_SECONDS:.0f} s at N = 1,000.",
        "",
        *table(results),
        "",
        *details,
        "",
        "How it is measured (bench/preview_speed.py): the development settings on the synthetic "
        "corpus (bench/corpus.py), the engine in one process per N. A body edit appends a sentence "
        "to a post and is timed from `Preview.apply([path])` being called until the page is "
        "written; afterwards the page must hold the sentence and no other output file may have "
        "changed. \"Through the watcher\" is one more body edit with `Preview.watch` running, timed "
        "from the write to the file until the page has the sentence. The title edit changes what "
        "lists show, so the engine rebuilds the whole site (atomically, as `clinicsite.build` "
        "does). The first build is the full build the engine starts with, from an empty cache "
        "folder; the title edit's rebuild reuses the content cache pelicanconf.py turns on. Peak "
        "RSS is the engine's process, its in-process builds included (not Pagefind's own "
        "process).",
        "",
    ]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n".join(text), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000], help="numbers of posts")
    parser.add_argument("--edits", type=int, default=5, help="body edits per size (default 5)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/results/ alone")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        logging.basicConfig(level=logging.ERROR, format="%(message)s")
        print(json.dumps(measure(args.child, args.edits)))
        return 0
    command = " ".join(["python bench/preview_speed.py", *(sys.argv[1:] if argv is None else argv)])
    results = []
    for n in sorted(set(args.sizes)):
        say(f"N = {n:,}: measuring…")
        results.append(run_child(n, args.edits))
    print("\n".join(table(results)))
    if not args.no_write:
        write(results, command)
        say(f"\nWrote {RESULTS.relative_to(REPO)}")
    slow = [r["n"] for r in results if r["n"] >= 1000 and max(r["body"]) > TARGET_SECONDS]
    return 1 if slow else 0


if __name__ == "__main__":
    raise SystemExit(main())
