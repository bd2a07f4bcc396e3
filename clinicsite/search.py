"""Site search: Pagefind indexes the finished pages at the end of a build.

Only post bodies are indexed (the templates mark them `data-pagefind-body`
and leave navigation and calls to action out with `data-pagefind-ignore`);
topics and authors are Pagefind filters. The index and its scripts are
written under /pagefind/ on our own origin, so search makes no request to
anyone else.

Pagefind holds the whole index in memory while it builds it (~0.3 MB per
1,000-word post: 320 MB for 1,000 posts), so a site with more than
CLINICSITE_SEARCH_CHUNK posts is indexed in parts of about that many:
part 1 is the bundle at /pagefind/ (with Pagefind's script and its
WebAssembly), parts 2..k are index-only bundles at /pagefind/part-<i>/ that
the search page merges in the browser (`pagefind.mergeIndex`; merged
indexes share the first one's WebAssembly, so a part costs two small files
when search starts, its entry and metadata, and its index chunks for the
words searched). Each part's terms are ranked against its own statistics;
the parts are a hash-spread sample of the posts, so those statistics are
alike.

Each part is cached in CACHE_PATH/search/ under a hash of its pages' bytes
and Pagefind's version: a build in which none of a part's pages changed
links the cached bundle instead of running Pagefind. A post goes to the
part numbered by a hash of its path modulo the part count, so adding or
editing a post changes the part of that post only — and of the posts whose
pages show its title (related posts, older/newer links) — until the count
crosses a multiple of the chunk size and the number of parts changes. A
change every page shows (the templates, the inlined CSS, clinic.toml)
re-indexes every part.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import math
import os
import shutil
import subprocess
import sys
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from .files import link_or_copy
from .state import current

logger = logging.getLogger(__name__)


BUNDLE = "pagefind"  # the index's folder in the output
MARK = "data-pagefind-body"  # what makes a page indexed
# Pagefind's ready-made UIs (/search/ uses its own script).
_UNUSED = ("pagefind-*ui*", "pagefind-highlight.js")
# What only the first bundle needs: merged parts use its script and WebAssembly.
_FIRST_ONLY = ("pagefind*.js", "wasm.*")
CACHE_MAX_AGE = 7 * 24 * 3600  # cached parts not used for this long are removed


class SearchError(Exception):
    pass


def part_count(pages: int, chunk: int | None) -> int:
    """How many parts `pages` indexed pages are split into."""
    return 1 if not chunk or pages <= chunk else math.ceil(pages / chunk)


def part_folders(parts: int) -> list[str]:
    """Each part's folder in the output, the first bundle first."""
    return [BUNDLE] + [f"{BUNDLE}/part-{i}" for i in range(2, parts + 1)]


def plan_parts(generator) -> None:
    """At article_generator_finalized: decide the part count from the posts
    that will be written (each one is an indexed page) and give the search
    page the parts to merge (`search_parts` in the template context)."""
    settings = generator.settings
    if not settings["CLINICSITE_SEARCH"]:
        return
    written = len(generator.articles) + len(generator.hidden_articles)
    if settings.get("DRAFT_SAVE_AS"):
        written += len(generator.drafts)
    parts = part_count(written, settings["CLINICSITE_SEARCH_CHUNK"])
    current().search_parts = parts
    generator.context["search_parts"] = [f"{folder}/" for folder in part_folders(parts)[1:]]


def start(build) -> Indexing | None:
    """At `finalized`: index the finished pages (Pagefind runs in its own
    process meanwhile; finish() waits for it)."""
    if not build.settings["CLINICSITE_SEARCH"]:
        return None
    output = Path(build.settings["OUTPUT_PATH"])
    pages = {}
    for folder, _, names in os.walk(output):
        for name in names:
            if name.endswith(".html"):
                path = Path(folder, name)
                data = path.read_bytes()
                if MARK.encode() in data:
                    pages[path.relative_to(output).as_posix()] = hashlib.sha256(data).hexdigest()
    return Indexing(output, build.settings["CACHE_PATH"], pages, build.search_parts).start()


@dataclass
class Part:
    folder: str  # in the output
    pages: list[str]  # output-relative paths
    key: str  # cache key: Pagefind's version, first or merged, the pages' bytes


def _pagefind_version() -> str:
    versions = []
    for dist in ("pagefind", "pagefind-bin-extended", "pagefind-bin"):
        try:
            versions.append(f"{dist}={importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    return ",".join(versions)


def plan(pages: dict[str, str], parts: int) -> list[Part]:
    """Split `pages` (output-relative path -> sha256 of its bytes) into
    `parts` parts: each page by a hash of its path modulo `parts` (so a
    page's part depends on its path alone), or, should that leave a part
    empty (a handful of pages), by the rank of that hash."""
    if len(pages) < parts:
        raise SearchError(
            f"the search page merges {parts} index parts but only {len(pages)} page(s) are marked "
            f"{MARK}: each part needs at least one page (clinicsite/search.py plan_parts counts the posts)"
        )
    hashed = {rel: zlib.crc32(rel.encode("utf-8")) for rel in pages}
    groups: list[list[str]] = [[] for _ in range(parts)]
    for rel, h in hashed.items():
        groups[h % parts].append(rel)
    if not all(groups):
        order = sorted(pages, key=lambda rel: (hashed[rel], rel))
        groups = [order[i * len(order) // parts : (i + 1) * len(order) // parts] for i in range(parts)]
    version = _pagefind_version()
    planned = []
    for i, (folder, members) in enumerate(zip(part_folders(parts), groups)):
        members = sorted(members)
        digest = hashlib.sha256(f"{version}\n{'first' if i == 0 else 'merged'}\n".encode())
        for rel in members:
            digest.update(f"{rel}\0{pages[rel]}\n".encode())
        planned.append(Part(folder, members, digest.hexdigest()[:32]))
    return planned


def _executable() -> list[str]:
    try:
        import pagefind_bin_extended

        return [str(pagefind_bin_extended.get_executable())]
    except (ImportError, FileNotFoundError):
        return [sys.executable, "-m", "pagefind"]


class Indexing:
    """Index `pages` of `output_dir` in `parts` parts, from the cache where
    it has them. start() runs Pagefind from a thread (Pagefind itself is
    another process) while the caller does other work; finish() waits and
    returns whether every part was indexed (failures are logged as errors,
    which fail the build)."""

    def __init__(self, output_dir, cache_dir, pages: dict[str, str], parts: int):
        self.output = Path(output_dir)
        self.cache = Path(cache_dir) / "search"
        self.pages = pages
        self.parts = parts
        self.errors: list[str] = []
        self._thread: threading.Thread | None = None

    def start(self) -> Indexing:
        self._thread = threading.Thread(target=self._run, name="pagefind", daemon=True)
        self._thread.start()
        return self

    def finish(self) -> bool:
        if self._thread is not None:
            self._thread.join()
        for error in self.errors:
            logger.error("clinicsite search: %s", error)
        return not self.errors

    def _run(self) -> None:
        try:
            # An output folder built into again (Pelican's --autoreload):
            # its index goes, links and all.
            shutil.rmtree(self.output / BUNDLE, ignore_errors=True)
            if not self.pages:  # no post yet: no index (the search form still works)
                return
            planned = plan(self.pages, self.parts)
            self.cache.mkdir(parents=True, exist_ok=True)
            for part in planned:
                bundle = self.cache / part.key
                if bundle.is_dir():
                    os.utime(bundle)
                elif not self._index(part, bundle):
                    return
                shutil.copytree(bundle, self.output / part.folder, copy_function=link_or_copy, dirs_exist_ok=True)
            self._prune({part.key for part in planned})
        except (SearchError, OSError) as exc:
            self.errors.append(str(exc))

    def _index(self, part: Part, bundle: Path) -> bool:
        work = Path(os.fspath(bundle) + f".tmp-{os.getpid()}-{threading.get_ident()}")
        shutil.rmtree(work, ignore_errors=True)
        site = work / "site"
        try:
            for rel in part.pages:
                (site / rel).parent.mkdir(parents=True, exist_ok=True)
                link_or_copy(self.output / rel, site / rel)
            done = subprocess.run(
                [*_executable(), "--site", str(site), "--output-path", str(work / "bundle"), "--silent"],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                encoding="utf-8",
            )
            if done.returncode != 0:
                self.errors.append(
                    f"Pagefind failed on {part.folder}/ (exit {done.returncode}): "
                    f"{(done.stdout or '').strip()[-2000:]} — is `pagefind[extended]` installed in this environment?"
                )
                return False
            unused = _UNUSED if part.folder == BUNDLE else _UNUSED + _FIRST_ONLY
            for pattern in unused:
                for path in (work / "bundle").glob(pattern):
                    path.unlink()
            try:
                os.rename(work / "bundle", bundle)
            except OSError:
                if not bundle.is_dir():  # not a concurrent build that got there first
                    raise
            return True
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _prune(self, used: set[str]) -> None:
        before = time.time() - CACHE_MAX_AGE
        for entry in self.cache.iterdir():
            if entry.name not in used and ".tmp-" not in entry.name and entry.stat().st_mtime < before:
                shutil.rmtree(entry, ignore_errors=True)
