"""The state of one build, owned by the plugin.

`start()` (at Pelican's `initialized`) validates the settings and clinic.toml
and makes the `Build`; `begin_run()` (at `get_generators`, the start of each
Pelican run: `pelican --autoreload` runs many per Pelican object) takes the
cache lock and empties what a run collects; `finish()` (at `finalized`) and
`abort()` (a failed run) release what the run holds. Receivers find the build
with `current()`: one build runs at a time in a process, as in Pelican itself.
"""

from __future__ import annotations

import atexit
import ctypes
import logging
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from . import settings as plugin_settings
from .config import Site, load_site
from .locks import Lock

logger = logging.getLogger(__name__)


class Build:
    def __init__(self, settings: dict, site: Site):
        self.settings = settings
        self.site = site
        self.today = plugin_settings.today(settings)
        # Absolute origin for canonical URLs, feeds and JSON-LD; templates keep
        # SITEURL, which Pelican makes relative in development.
        self.origin = settings["SITEURL"].rstrip("/")
        self.production = bool(settings["CLINICSITE_PRODUCTION"])
        self._clinic_mtime = _mtime(settings["CLINICSITE_CLINIC_FILE"])
        self._lock: Lock | None = None
        self._pool: ProcessPoolExecutor | None = None
        self.reset()

    def reset(self) -> None:
        """What one run collects."""
        from .assets import Assets

        self.assets = Assets(self)
        self.pages: dict[str, object] = {}  # output file -> its PageInfo, as rendered
        self.help_shown: set[str] = set()  # output files that show the When to get help block
        self.search_parts = 1
        self.articles: list = []  # every post read, drafts and hidden ones too
        self.report_job = None  # the editorial report's figures, being worked out

    def pool(self) -> ProcessPoolExecutor:
        """A pool of worker processes for work that splits into independent
        pieces (cards, image variants, compression, readability). Started
        fresh (spawn: no copy of this process's threads or locks); each
        worker dies with this process."""
        if self._pool is None:
            # One core fewer than the machine has: this process works too
            # (it reads and renders while the workers draw and compress).
            workers = self.settings["CLINICSITE_PROCESSES"] or max(1, (os.cpu_count() or 1) - 1)
            self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_die_with_parent, initargs=(os.getpid(),))
        return self._pool

    def map(self, func, jobs: list[tuple], pool_from: int) -> list:
        """[func(*job) for job in jobs], on the worker processes when there are
        at least `pool_from` jobs: starting the workers costs ~0.5 s, more
        than a few small jobs take in this process. This process, which would
        only wait, runs the jobs no worker has started yet (a pending future
        can be cancelled), from the end of the list until it meets the
        workers (bench/results/ablation.md)."""
        if len(jobs) < pool_from:
            return [func(*job) for job in jobs]
        pool = self.pool()
        futures = [pool.submit(func, *job) for job in jobs]
        done = {}
        for i in reversed(range(len(jobs))):
            if not futures[i].cancel():
                break  # a worker has it: the jobs before it were handed out too
            done[i] = func(*jobs[i])
        return [done[i] if i in done else f.result() for i, f in enumerate(futures)]

    def release(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None


_current: Build | None = None


def current() -> Build:
    if _current is None:
        raise RuntimeError("clinicsite: no build is running (is clinicsite in PLUGINS?)")
    return _current


def start(pelican) -> Build:
    global _current
    settings = pelican.settings
    plugin_settings.apply(settings)
    site = _load(settings)
    # The clinic's name is the site's name (feeds, the manifest, og:site_name).
    settings["SITENAME"] = site.clinic.name
    _current = Build(settings, site)
    return _current


def begin_run(pelican) -> None:
    """get_generators: a Pelican run starts (again, under --autoreload)."""
    build = current()
    if _mtime(build.settings["CLINICSITE_CLINIC_FILE"]) != build._clinic_mtime:
        build.site = _load(build.settings)
        build._clinic_mtime = _mtime(build.settings["CLINICSITE_CLINIC_FILE"])
    build.reset()
    cache = build.settings.get("CACHE_PATH")
    if cache and build._lock is None:
        build._lock = Lock(Path(cache) / ".lock", "the cache folder")
        build._lock.acquire()


def finish(pelican=None) -> None:
    if _current is not None:
        _current.release()


abort = finish


def _load(settings) -> Site:
    return load_site(settings["CLINICSITE_CLINIC_FILE"], settings["CLINICSITE_SAFETY_PATH"])


def _mtime(path) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _die_with_parent(parent: int) -> None:
    """In a worker process: end with the build's process, however it ends
    (Linux's PR_SET_PDEATHSIG; elsewhere the pool's own shutdown) — and at
    once if it already ended while this worker was starting."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)


atexit.register(finish)
