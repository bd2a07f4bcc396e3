"""Precompressed siblings for nginx's gzip_static and brotli_static: every
text file of the output gets `<file>.gz` (gzip 9, mtime 0, no name: the same
bytes on every build) and `<file>.br` (brotli 5), unless the
variant is not smaller than the file (nginx then sends the file as it is).

Levels, from bench/results/compression.md (every text file of the real site
and of a synthetic corpus, each level timed): brotli 5 compresses a post
page in ~1 ms; brotli 11, the usual choice for precompression, takes
~49 ms and makes the page 500–700 bytes (~10 %) smaller. Both leave every
page far inside the first round trip (~14 KB), so a visitor's page renders
no sooner with brotli 11, while a cold build of 1,000 posts would spend
~70 s of CPU on it. Brotli 10 gets three quarters of that gain for ~19 ms
a page, brotli 9 almost none for ~22 ms. gzip 9 costs no more than gzip 6
and serves the clients without brotli.

Compression runs on the build's worker processes; results are kept in the
cache, keyed by the sha256 of the content, so an unchanged file costs a hard
link to the cached result (a copy across file systems).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import time
from dataclasses import dataclass, fields
from pathlib import Path

import brotli

from .files import link_or_copy, write_atomic

logger = logging.getLogger(__name__)

SUFFIXES = (".html", ".css", ".xml", ".js", ".mjs", ".svg", ".json", ".webmanifest", ".txt")
VARIANTS = (".gz", ".br")
GZIP_LEVEL = 9
BROTLI_QUALITY = 5
VERSION = f"gz{GZIP_LEVEL}-br{BROTLI_QUALITY}-v3"  # part of the cache key: change it to recompress everything
CACHE_MAX_AGE = 30 * 24 * 3600  # cache entries not used for this long are removed


@dataclass
class Stats:
    files: int = 0  # text files seen
    compressed: int = 0  # files compressed now (cache misses)
    written: int = 0  # .gz/.br files placed
    bytes_in: int = 0
    bytes_gz: int = 0
    bytes_br: int = 0

    def __add__(self, other: Stats) -> Stats:
        return Stats(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


def compress(source: str, gz: str, br: str) -> None:
    """Both variants of one file into the cache (runs in a worker process)."""
    data = Path(source).read_bytes()
    write_atomic(Path(gz), gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0))
    write_atomic(Path(br), brotli.compress(data, mode=brotli.MODE_TEXT, quality=BROTLI_QUALITY))


def _cached(cache_dir: Path, key: str, variant: str) -> Path:
    return cache_dir / key[:2] / f"{key}{variant}"


def precompress(output_dir, cache_dir, build, skip: tuple[str, ...] = ()) -> Stats:
    """Write .gz and .br next to every text file of `output_dir`, leaving
    out its top-level folders named in `skip` (another step still writes
    there; compress it with its own call)."""
    output_dir, cache_dir = Path(output_dir), Path(cache_dir)
    stats = Stats()
    sources: dict[Path, tuple[int, str]] = {}
    jobs = {}
    for folder, dirs, names in os.walk(output_dir):
        if folder == str(output_dir):
            dirs[:] = [d for d in dirs if d not in skip]
        for name in names:
            if name.endswith(SUFFIXES):
                path = Path(folder, name)
                data = path.read_bytes()
                key = hashlib.sha256(VERSION.encode() + b"\0" + data).hexdigest()
                sources[path] = (len(data), key)
                if key not in jobs and not _cached(cache_dir, key, ".br").exists():
                    jobs[key] = path
    for key in {k[:2] for k in jobs}:
        (cache_dir / key).mkdir(parents=True, exist_ok=True)
    build.map(compress, [
        (str(path), str(_cached(cache_dir, key, ".gz")), str(_cached(cache_dir, key, ".br")))
        for key, path in sorted(jobs.items(), key=lambda kv: -sources[kv[1]][0])  # largest first: all finish together
    ], pool_from=200)
    stats.compressed = len(jobs)
    now = time.time()
    for path, (length, key) in sources.items():
        stats.files += 1
        stats.bytes_in += length
        stat = path.stat()
        for variant in VARIANTS:
            cached = _cached(cache_dir, key, variant)
            size = cached.stat().st_size
            os.utime(cached, (now, now))  # in use: not pruned
            if size >= length:
                continue
            target = path.with_name(path.name + variant)
            target.unlink(missing_ok=True)
            link_or_copy(cached, target)
            # nginx answers with the sibling's Last-Modified and ETag: keep
            # them those of the file it stands for.
            os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
            stats.written += 1
            if variant == ".gz":
                stats.bytes_gz += size
            else:
                stats.bytes_br += size
    _prune(cache_dir, now - CACHE_MAX_AGE)
    logger.info(
        "precompress: %d text file(s), %d compressed now; %d KiB -> gzip %d KiB, brotli %d KiB",
        stats.files, stats.compressed, stats.bytes_in // 1024, stats.bytes_gz // 1024, stats.bytes_br // 1024,
    )
    return stats


def _prune(cache_dir: Path, before: float) -> None:
    for path in cache_dir.glob("*/*"):
        try:
            if path.stat().st_mtime < before:
                path.unlink()
        except FileNotFoundError:
            pass
