"""The documented build: Pelican with our settings, plus the one thing Pelican
cannot do — replace the published output only with a complete, problem-free
build, atomically.

    python -m clinicsite.build [--settings publishconf.py] [--output output]

`output` is a symbolic link to a release folder beside it
(`.output.releases/<id>`). A build writes a new release, and only when it
logged no warning or error does one rename swap the link: at every instant
`output` is a whole site, the old or the new. A failed build leaves it as it
was. The previous release is kept (a rollback is one `ln -sfn`); older ones
are removed. A lock beside the output lets one build at a time in; the next
one waits. At start, under the lock, a crash is recovered from: a missing
`output` is pointed at the newest complete release, and half-built releases
are removed.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from pelican import Pelican
from pelican.settings import read_settings

from . import state
from .errors import ContentError
from .locks import Lock

logger = logging.getLogger("clinicsite.build")
BUILDING = ".building"  # a release folder still being written
KEEP = 2  # releases kept: the current one and the one before it


class ProblemLog(logging.Handler):
    """Every warning or error logged anywhere while installed on the root
    logger (`with ProblemLog() as log: ...`): a build, or the preview's
    re-render of one page, failed if `log.problems` is not empty."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def __enter__(self) -> ProblemLog:
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc) -> None:
        logging.getLogger().removeHandler(self)

    def emit(self, record):
        self.records.append(record)

    def add(self, message: str) -> None:
        """A problem that was raised rather than logged."""
        self.records.append(logging.makeLogRecord({"msg": message, "levelno": logging.ERROR}))

    @property
    def problems(self) -> list[str]:
        messages = [_message(r) for r in self.records]
        # Pelican follows each file's own error with "Could not process <file>";
        # keep that line only when nothing else explained the file.
        return [
            m for m in messages
            if not (m.startswith("Could not process ")
                    and any(m.removeprefix("Could not process ") in other for other in messages if other != m))
        ]


def _message(record: logging.LogRecord) -> str:
    text = record.getMessage()
    if record.exc_info and record.exc_info[1] is not None:
        exc = record.exc_info[1]
        if str(exc) not in text:
            text = f"{text}: {exc}" if text else str(exc)
    return text


@dataclass
class BuildResult:
    output: Path
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def run_pelican(settings_file: str | None, output: Path, override: dict | None = None) -> list[str]:
    """Run Pelican into `output`; return every warning or error it logged."""
    with ProblemLog() as log:
        try:
            settings = read_settings(settings_file, override={**(override or {}), "OUTPUT_PATH": str(output)})
            Pelican(settings).run()
        except ContentError as exc:
            log.add(str(exc))
        except Exception as exc:  # a crash in Pelican or a plugin is a failed build too
            log.add(f"{type(exc).__name__}: {exc}")
        finally:
            state.abort()  # a run that failed part-way never reached `finalized`
    return log.problems


def build(settings_file: str | None, output: str | os.PathLike, override: dict | None = None) -> BuildResult:
    """Build a new release and swap `output` to it if the build is clean."""
    output = Path(os.path.abspath(output))
    output.parent.mkdir(parents=True, exist_ok=True)
    releases = output.parent / f".{output.name}.releases"
    with Lock(output.parent / f".{output.name}.lock", f"{output.name}/"):
        recover(output, releases)
        release = releases / f"{time.strftime('%Y%m%d-%H%M%S')}-{time.time_ns() % 10**9:09d}"
        staging = release.with_name(release.name + BUILDING)
        staging.mkdir(parents=True)
        staging.chmod(0o755)  # whatever the umask: a web server reads it as another user
        problems = run_pelican(settings_file, staging, override)
        if problems:
            shutil.rmtree(staging, ignore_errors=True)
            return BuildResult(output, problems)
        os.rename(staging, release)
        swap(output, release)
        _prune(releases, keep={release.name, *_previous(output, releases)})
    return BuildResult(output, [])


def swap(output: Path, release: Path) -> None:
    """Point `output` at `release` in one rename."""
    if output.exists() and not output.is_symlink():
        # A plain folder (from `pelican -o output`): it becomes a release first.
        kept = release.with_name(release.name.rsplit("-", 1)[0] + "-0-kept")
        os.rename(output, kept)
    link = output.with_name(f".{output.name}.link")
    link.unlink(missing_ok=True)
    os.symlink(os.path.relpath(release, output.parent), link)
    os.replace(link, output)


def recover(output: Path, releases: Path) -> None:
    """Under the lock, after a crash: remove half-built releases and, if
    `output` is missing, point it at the newest complete release."""
    if not releases.is_dir():
        return
    for entry in releases.iterdir():
        if entry.name.endswith(BUILDING):
            shutil.rmtree(entry, ignore_errors=True)
    if output.exists():
        return
    complete = sorted(p for p in releases.iterdir() if p.is_dir())
    if complete:
        swap(output, complete[-1])
        logger.info("Recovered %s/ from the last complete build (%s)", output.name, complete[-1].name)


def _previous(output: Path, releases: Path) -> list[str]:
    """The release before the current one (kept for a rollback)."""
    complete = sorted(p.name for p in releases.iterdir() if p.is_dir() and not p.name.endswith(BUILDING))
    return complete[-KEEP:]


def _prune(releases: Path, keep: set[str]) -> None:
    for entry in releases.iterdir():
        if entry.name not in keep and not entry.name.endswith(BUILDING):
            shutil.rmtree(entry, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default="pelicanconf.py")
    parser.add_argument("--output", default="output")
    parser.add_argument("--content", help="content folder (default: the settings' PATH)")
    args = parser.parse_args(argv)
    override = {"PATH": os.path.abspath(args.content)} if args.content else {}
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("pelican").setLevel(logging.WARNING)
    try:
        result = build(args.settings, args.output, override)
    except ContentError as exc:  # e.g. another build holds the lock for too long
        logger.error("%s", exc)
        return 1
    if not result.ok:
        logger.error(
            "\nBuild failed with %d problem(s); %s/ was not changed:\n%s",
            len(result.problems), args.output, "\n".join(f"  - {p}" for p in result.problems),
        )
        return 1
    logger.info("Built %s/ with %s.", args.output, args.settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
