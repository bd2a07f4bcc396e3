"""Lighthouse benchmark of every page type (a benchmark, not a test).

Builds the production site with SITEURL=http://127.0.0.1:<port>, serves it
on 127.0.0.1 with the test suite's StaticServer, runs the pinned Lighthouse
(node_modules/.bin/lighthouse, mobile preset, simulated throttling) against
Debian's Chromium on one page of each type, prints a markdown report and
writes it to bench/results/lighthouse.md.

    .venv/bin/python bench/lighthouse.py [--pages home,post] [--json-dir DIR] [--no-write]

The server is Python's http.server: no compression and no cache headers, so
the "text compression" and "cache policy" audits judge this server, not the
production host. "HTML gzip bytes" shows what the HTML weighs compressed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from sitekit import CHROMIUM, CHROMIUM_ARGS, PAGE_TYPES, StaticServer, free_port  # noqa: E402

from clinicsite.build import build  # noqa: E402
from machine import cpu_model  # noqa: E402  (bench/machine.py, beside this script)

LIGHTHOUSE = REPO / "node_modules" / ".bin" / "lighthouse"
CHROME = CHROMIUM
CHROME_FLAGS = " ".join(CHROMIUM_ARGS)
RESULTS = REPO / "bench" / "results" / "lighthouse.md"
CATEGORIES = [("performance", "Perf"), ("accessibility", "A11y"), ("best-practices", "Best Pr."), ("seo", "SEO")]
METRICS = [
    ("first-contentful-paint", "FCP"),
    ("largest-contentful-paint", "LCP"),
    ("total-blocking-time", "TBT"),
    ("cumulative-layout-shift", "CLS"),
    ("speed-index", "Speed Index"),
]

# Failing audits this setup causes on purpose, marked in the report.
SERVER = "server"  # the benchmark's Python server: no compression, no cache headers
NOINDEX = "noindex"  # the page is noindex by design
EXPECTED = {
    "uses-text-compression": SERVER,
    "uses-long-cache-ttl": SERVER,
    "cache-insight": SERVER,
    "document-latency-insight": SERVER,
}
EXPECTED_ON_PAGE = {("404", "is-crawlable"): NOINDEX, ("search", "is-crawlable"): NOINDEX}
LEGEND = (
    f"Marked *({SERVER})*: caused by the benchmark's server (Python's http.server sends no compression and no "
    "cache headers), not by the pages; production hosting must compress and cache. "
    f"Marked *({NOINDEX})*: the page is noindex by design."
)

PAGES = PAGE_TYPES


def run(cmd: list[str], **kw) -> str:
    return subprocess.run(cmd, capture_output=True, encoding="utf-8", errors="replace", check=False, **kw).stdout.strip()


def machine() -> dict[str, str]:
    cpu = cpu_model("?")
    os_name = platform.platform()
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    chromium = run([CHROME, "--version"], env={**os.environ, "LC_ALL": "C"})
    return {
        "nproc": run(["nproc"]) or str(os.cpu_count()),
        "cpu": cpu,
        "os": os_name,
        "chromium": chromium.splitlines()[-1] if chromium else "?",
        "node": run(["node", "--version"]),
    }


def lighthouse(url: str) -> dict:
    cmd = [
        str(LIGHTHOUSE), url, "--output=json", "--output-path=stdout", "--quiet",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    env = {**os.environ, "CHROME_PATH": CHROME}
    proc = subprocess.run(cmd, capture_output=True, encoding="utf-8", errors="replace", env=env, timeout=300)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise RuntimeError(f"lighthouse failed on {url} (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    report = json.loads(proc.stdout)
    if report.get("runtimeError"):
        raise RuntimeError(f"lighthouse runtime error on {url}: {report['runtimeError']}")
    return report


def score(report: dict, category: str) -> str:
    value = report["categories"][category]["score"]
    return "n/a" if value is None else str(round(value * 100))


def failing_audits(report: dict, page: str) -> list[str]:
    """Scored audits below 1, worst first, with the category they belong to."""
    owner: dict[str, list[str]] = {}
    for key, category in report["categories"].items():
        for ref in category["auditRefs"]:
            if ref.get("weight", 0) > 0 or ref.get("group"):
                owner.setdefault(ref["id"], []).append(category["title"])
    out = []
    for audit_id, audit in report["audits"].items():
        s = audit.get("score")
        if s is None or s >= 1 or audit.get("scoreDisplayMode") in ("notApplicable", "informative", "manual", "error"):
            continue
        shown = f" ({audit['displayValue']})" if audit.get("displayValue") else ""
        cats = ", ".join(owner.get(audit_id, [])) or "—"
        why = EXPECTED_ON_PAGE.get((page, audit_id)) or EXPECTED.get(audit_id)
        note = f" *({why})*" if why else ""
        out.append((s, f"`{audit_id}` {audit['title']}{shown} — score {s:.2f}; {cats}{note}"))
    return [text for _, text in sorted(out, key=lambda t: t[0])]


def measure(root: Path, origin: str, name: str, rel: str, json_dir: Path | None, runs: int) -> dict:
    """Lighthouse `runs` times; keep the run with the median Performance score."""
    url = f"{origin}/{rel.removesuffix('index.html')}"
    html = (root / rel).read_bytes()
    started = time.monotonic()
    reports = [lighthouse(url) for _ in range(runs)]
    reports.sort(key=lambda r: r["categories"]["performance"]["score"] or 0)
    report = reports[len(reports) // 2]
    if json_dir:
        (json_dir / f"{name}.json").write_text(json.dumps(report), encoding="utf-8")
    audits = report["audits"]
    requests = audits.get("network-requests", {}).get("details", {}).get("items", [])
    return {
        "page": name,
        "url": url,
        "rel": rel,
        "scores": {c: score(report, c) for c, _ in CATEGORIES},
        "html": len(html),
        "html_gz": len(gzip.compress(html, compresslevel=9, mtime=0)),
        "total": int(audits["total-byte-weight"]["numericValue"]),
        "requests": len(requests),
        "metrics": {k: audits[k].get("displayValue", "?") for k, _ in METRICS if k in audits},
        "failing": failing_audits(report, name),
        "perf_runs": [r["categories"]["performance"]["score"] for r in reports],
        "lighthouse": report.get("lighthouseVersion", "?"),
        "benchmark_index": report.get("environment", {}).get("benchmarkIndex"),
        "warnings": report.get("runWarnings", []),
        "seconds": time.monotonic() - started,
    }


def markdown(rows: list[dict], info: dict, when: dt.datetime, runs: int) -> str:
    lh = rows[0]["lighthouse"] if rows else "?"
    bench = sorted(r["benchmark_index"] for r in rows if r["benchmark_index"])
    bench_text = f"{bench[0]:.0f}–{bench[-1]:.0f}" if bench else "?"
    lines = [
        "# Lighthouse: every page type",
        "",
        f"Run {when:%Y-%m-%d %H:%M} UTC by `bench/lighthouse.py` with Lighthouse {lh} "
        "(mobile preset: simulated Moto G Power on slow 4G, the default) against the production build; "
        f"{runs} run(s) per page, the run with the median Performance score shown.",
        "",
        f"Machine: {info['nproc']} CPU(s) ({info['cpu']}), {info['os']}; {info['chromium']} (`{CHROME}`); "
        f"Node {info['node']}. Lighthouse's CPU benchmark index: {bench_text} (it treats under 1000 as a slow "
        "machine; Total Blocking Time and the Performance score move with it and with other load on the host).",
        "",
        "Served by Python's http.server on 127.0.0.1 (tests/sitekit.StaticServer): no compression, no cache "
        "headers. Bytes are as transferred from that server (uncompressed); \"HTML gzip\" is the page's HTML "
        "gzipped at level 9, for comparison.",
        "",
        "| Page | Performance | Accessibility | Best Practices | SEO | HTML bytes | HTML gzip bytes "
        "| Total transferred bytes | Requests |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in rows:
        s = r["scores"]
        lines.append(
            f"| {r['page']} (`/{r['rel'].removesuffix('index.html')}`) | {s['performance']} | {s['accessibility']} "
            f"| {s['best-practices']} | {s['seo']} | {r['html']:,} | {r['html_gz']:,} | {r['total']:,} "
            f"| {r['requests']} |"
        )
    warnings = sorted({w.replace("  ", " ") for r in rows for w in r["warnings"]})
    if warnings:
        lines += ["", "Lighthouse warned: " + " ".join(warnings)]
    lines += ["", "## Lab metrics", "", "| Page | " + " | ".join(label for _, label in METRICS) + " | Performance of each run |",
              "|---|" + "--:|" * len(METRICS) + "---|"]
    for r in rows:
        each = ", ".join(str(round(p * 100)) if p is not None else "n/a" for p in r["perf_runs"])
        lines.append(f"| {r['page']} | " + " | ".join(r["metrics"].get(k, "?") for k, _ in METRICS) + f" | {each} |")
    lines += ["", "## Failing audits (score < 1)", "", LEGEND, ""]
    for r in rows:
        lines.append(f"### {r['page']}")
        lines.append("")
        lines += [f"- {f}" for f in r["failing"]] or ["- none"]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", help="comma-separated page types (default: all): " + ",".join(PAGES))
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page; the median is kept (default 3)")
    parser.add_argument("--json-dir", type=Path, help="also keep each raw Lighthouse JSON report here")
    parser.add_argument("--no-write", action="store_true", help=f"print only; do not write {RESULTS.relative_to(REPO)}")
    args = parser.parse_args(argv)

    for path, why in ((LIGHTHOUSE, "npm ci (package-lock.json pins lighthouse)"), (Path(CHROME), "apt-get install chromium")):
        if not path.exists():
            print(f"{path} is missing: {why} (scripts/install-test-tools.sh installs both)", file=sys.stderr)
            return 2
    names = args.pages.split(",") if args.pages else list(PAGES)
    unknown = [n for n in names if n not in PAGES]
    if unknown:
        parser.error(f"unknown page type(s) {unknown}; choose from {list(PAGES)}")
    if args.json_dir:
        args.json_dir.mkdir(parents=True, exist_ok=True)

    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    tmp = Path(tempfile.mkdtemp(prefix="lighthouse-"))
    try:
        result = build(str(REPO / "publishconf.py"), tmp / "output", {"SITEURL": origin, "CACHE_PATH": str(tmp / "cache")})
        if not result.ok:
            print("build failed:\n" + "\n".join(result.problems), file=sys.stderr)
            return 1
        info = machine()
        when = dt.datetime.now(dt.timezone.utc)
        rows = []
        with StaticServer(result.output, port):
            for name in names:
                print(f"lighthouse {name} ...", file=sys.stderr, flush=True)
                rows.append(measure(result.output, origin, name, PAGES[name], args.json_dir, args.runs))
                print(f"  done in {rows[-1]['seconds']:.1f}s", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    text = markdown(rows, info, when, args.runs)
    print(text)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text, encoding="utf-8")
        print(f"wrote {RESULTS.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
