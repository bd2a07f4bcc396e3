"""Precompressed siblings for nginx's gzip_static and brotli_static: every
text file of the output gets `<file>.gz` (gzip level 9, mtime 0, no name:
the same bytes on every build) and `<file>.br` (brotli quality 11 for the
HTML pages visitors wait for, quality 5 for feeds, the sitemap, scripts and
the search index: 10x faster, ~10% larger, on files read by machines or
fetched after the page has rendered).

Only files whose content is new are compressed: results are kept in
`cache_dir`, keyed by the sha256 of the content, so an unchanged page costs a
hard link to the cached file (a copy across file systems). The compression
runs on a thread pool as wide as the machine (zlib and brotli release the GIL
while they compress).

A variant that is not smaller than the file itself is not written (nginx
then sends the file as it is).

    precompress(output_dir, cache_dir) -> Stats
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import logging
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from pathlib import Path

import brotli

logger = logging.getLogger(__name__)

SUFFIXES = (".html", ".css", ".xml", ".js", ".mjs", ".svg", ".json", ".webmanifest", ".txt")
VARIANTS = (".gz", ".br")
# Bump to recompress everything (part of the cache key).
VERSION = "gz9-br11html-br5-v2"
# Cache entries not used for this long are removed.
CACHE_MAX_AGE = 30 * 24 * 3600


@dataclass
class Stats:
    files: int = 0  # text files seen
    compressed: int = 0  # compressed now (cache misses)
    cached: int = 0  # taken from the cache
    written: int = 0  # .gz/.br files written
    not_smaller: int = 0  # variants skipped because they would not save bytes
    removed: int = 0  # stale .gz/.br files removed
    bytes_in: int = 0
    bytes_gz: int = 0
    bytes_br: int = 0

    def __add__(self, other: Stats) -> Stats:
        return Stats(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def brotli_bytes(data: bytes, quality: int = 11) -> bytes:
    return brotli.compress(data, mode=brotli.MODE_TEXT, quality=quality)


def _brotli_quality(suffix: str) -> int:
    return 11 if suffix == ".html" else 5


def _key(data: bytes, suffix: str) -> str:
    profile = f"br{_brotli_quality(suffix)}".encode()
    return hashlib.sha256(VERSION.encode() + b"\0" + profile + b"\0" + data).hexdigest()


def _cache_path(cache_dir: Path, key: str, variant: str) -> Path:
    return cache_dir / key[:2] / f"{key}{variant}"


def _compress_into_cache(data: bytes, key: str, cache_dir: Path, variant: str, suffix: str) -> None:
    target = _cache_path(cache_dir, key, variant)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.{id(data)}.tmp")
    tmp.write_bytes(gzip_bytes(data) if variant == ".gz" else brotli_bytes(data, _brotli_quality(suffix)))
    os.replace(tmp, target)


def _files(output_dir: Path, skip: tuple[str, ...]) -> list[Path]:
    """Every file under `output_dir`, except in its top-level folders `skip`."""
    found = []
    for folder, dirs, files in os.walk(output_dir):
        if folder == str(output_dir):
            dirs[:] = [d for d in dirs if d not in skip]
        found += [Path(folder, f) for f in files]
    return sorted(found)


def precompress(
    output_dir: str | os.PathLike,
    cache_dir: str | os.PathLike,
    workers: int | None = None,
    skip: tuple[str, ...] = (),
) -> Stats:
    """Write .gz and .br next to every text file of `output_dir`, leaving
    out its top-level folders named in `skip` (another step still writes
    there; compress it with its own call)."""
    output_dir, cache_dir = Path(output_dir), Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    stats = Stats()
    every = _files(output_dir, skip)
    sources = [p for p in every if p.suffix in SUFFIXES]
    contents: dict[Path, tuple[int, str]] = {}  # path -> (size, key): not the bytes
    jobs: dict[tuple[str, str], tuple[bytes, str]] = {}  # (key, variant) -> (data, suffix)
    for path in sources:
        data = path.read_bytes()
        key = _key(data, path.suffix)
        contents[path] = (len(data), key)
        stats.files += 1
        stats.bytes_in += len(data)
        for variant in VARIANTS:
            if _cache_path(cache_dir, key, variant).is_file():
                stats.cached += 1
            elif (key, variant) not in jobs:
                jobs[(key, variant)] = (data, path.suffix)
    if jobs:
        # Largest first, so the pool finishes together.
        order = sorted(jobs.items(), key=lambda kv: -len(kv[1][0]))
        with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
            futures = [
                pool.submit(_compress_into_cache, data, key, cache_dir, variant, suffix)
                for (key, variant), (data, suffix) in order
            ]
            for f in futures:
                f.result()
        stats.compressed = len(jobs)

    now = time.time()
    wanted: set[Path] = set()
    for path, (length, key) in contents.items():
        stat = path.stat()
        for variant in VARIANTS:
            cached = _cache_path(cache_dir, key, variant)
            size = cached.stat().st_size
            if size >= length:
                os.utime(cached, (now, now))  # mark as used for pruning
                stats.not_smaller += 1
                continue
            target = path.with_name(path.name + variant)
            _place(cached, target, now)
            # nginx answers with the sibling's Last-Modified and ETag: keep
            # them those of the file it stands for.
            os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
            wanted.add(target)
            stats.written += 1
            if variant == ".gz":
                stats.bytes_gz += size
            else:
                stats.bytes_br += size

    # Siblings left from an earlier run whose file changed or went away.
    for path in every:
        if path.suffix in VARIANTS and path.with_suffix("").suffix in SUFFIXES and path not in wanted:
            path.unlink()
            stats.removed += 1

    _prune(cache_dir, now - CACHE_MAX_AGE)
    logger.info(
        "precompress: %d text file(s), %d compressed, %d from cache; %d KiB -> gzip %d KiB, brotli %d KiB",
        stats.files,
        stats.compressed,
        stats.cached,
        stats.bytes_in // 1024,
        stats.bytes_gz // 1024,
        stats.bytes_br // 1024,
    )
    return stats


# Where a hard link cannot be made and a copy must do.
_NO_LINK = (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP)


def link_or_copy(src, dst) -> None:
    """Hard-link the cached file `src` at the new name `dst` (never written
    through: no step writes into a published file), or copy it, metadata
    and all, where links cannot be made (another file system)."""
    try:
        os.link(src, dst)
    except OSError as exc:
        if exc.errno not in _NO_LINK:
            raise
        shutil.copy2(src, dst)


def _place(cached: Path, target: Path, now: float) -> None:
    """Put the cached variant at `target`: a hard link when the cache is on
    the same file system (no bytes copied: 2 files per page), else a copy.
    The link shares the cache entry's inode (and so its mtime, which the
    caller sets to the page's: recent, so the entry counts as used). No step
    writes into a published file, so sharing it is safe."""
    target.unlink(missing_ok=True)
    try:
        os.link(cached, target)
    except OSError:
        shutil.copyfile(cached, target)
        os.utime(cached, (now, now))  # mark as used for pruning


def _prune(cache_dir: Path, before: float) -> None:
    for path in cache_dir.glob("*/*"):
        try:
            if path.stat().st_mtime < before:
                path.unlink()
        except FileNotFoundError:
            pass
