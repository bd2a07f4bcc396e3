"""Build the site atomically: into a fresh directory, swapped in only when the
build logged no warning or error. A failed build leaves the published output
exactly as it was.

    python -m clinicsite.build [--settings publishconf.py] [--output output]
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pelican import Pelican
from pelican.settings import read_settings

from . import parallel, report, search, urlcache
from .errors import ContentError

logger = logging.getLogger("clinicsite.build")


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
            m
            for m in messages
            if not (
                m.startswith("Could not process ")
                and any(m.removeprefix("Could not process ") in other for other in messages if other != m)
            )
        ]


@dataclass
class BuildResult:
    output: Path
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _message(record: logging.LogRecord) -> str:
    text = record.getMessage()
    if record.exc_info and record.exc_info[1] is not None:
        exc = record.exc_info[1]
        if str(exc) not in text:
            text = f"{text}: {exc}" if text else str(exc)
    return text


def run_pelican(settings_file: str | None, output: Path, override: dict | None = None) -> list[str]:
    """Run Pelican into `output`; return every warning or error it logged."""
    settings = {}
    with ProblemLog() as log:
        try:
            settings = read_settings(
                settings_file, override={**(override or {}), "OUTPUT_PATH": str(output)}
            )
            Pelican(settings).run()
            if settings.get("CLINICSITE_POSTPROCESS") and not log.records:
                # Production only: fingerprinted names, _headers, .gz/.br files.
                from .deploy import postprocess

                postprocess(
                    output,
                    settings["CACHE_PATH"],
                    origin=settings["SITEURL"],
                    search=settings.get("CLINICSITE_SEARCH", False),
                    search_parts=settings.get(search.PARTS, 1),
                    processes=parallel.processes(settings),
                )
        except ContentError as exc:
            log.add(str(exc))
        except Exception as exc:  # a crash in Pelican or a plugin is a failed build too
            log.add(f"{type(exc).__name__}: {exc}")
        finally:
            # A build that failed part-way leaves the report's worker process,
            # or the render child.
            report.cancel_facts(settings)
            parallel.abandon()
            urlcache.thaw()  # Pelican's `finalized` never came
    return log.problems


def build(settings_file: str | None, output: str | os.PathLike, override: dict | None = None) -> BuildResult:
    """Build into a temporary sibling of `output` and swap it in on success.

    The output it replaces is kept as a hidden sibling `.<output>.old-*/`
    until the next build, which deletes it in a separate process while
    Pelican works (deleting 7,000 files took ~1 s at the end of each
    build at 1,000 posts)."""
    output = Path(output).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    sweeper = _sweep(output)
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.new-", dir=output.parent))
        problems = run_pelican(settings_file, staging, override)
        if problems:
            shutil.rmtree(staging, ignore_errors=True)
            return BuildResult(output, problems)
        if output.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{output.name}.old-", dir=output.parent))
            os.rename(output, old / "site")
        os.rename(staging, output)
        return BuildResult(output, [])
    finally:
        if sweeper is not None:
            sweeper.wait()


def _sweep(output: Path) -> subprocess.Popen | None:
    """Start deleting the outputs earlier builds replaced (the `old-*`
    folders holding a `site`: one still empty is another build's swap in
    progress). A separate process: this one forks while it renders."""
    replaced = [str(p) for p in output.parent.glob(f".{output.name}.old-*") if (p / "site").exists()]
    if not replaced:
        return None
    return subprocess.Popen(
        [sys.executable, "-c", "import shutil, sys\nfor p in sys.argv[1:]: shutil.rmtree(p, ignore_errors=True)", *replaced]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default="pelicanconf.py")
    parser.add_argument("--output", default="output")
    parser.add_argument("--content", help="content folder (default: the settings' PATH)")
    args = parser.parse_args(argv)
    override = {"PATH": os.path.abspath(args.content)} if args.content else {}
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("pelican").setLevel(logging.WARNING)
    result = build(args.settings, args.output, override)
    if not result.ok:
        logger.error(
            "\nBuild failed with %d problem(s); %s/ was not changed:\n%s",
            len(result.problems),
            args.output,
            "\n".join(f"  - {p}" for p in result.problems),
        )
        return 1
    logger.info("Built %s/ with %s.", args.output, args.settings)
    return 0


if __name__ == "__main__":
    code = main()
    if code == 0:
        # Nothing is left to clean up after a successful build, and the
        # interpreter's teardown would free the build's objects one by one
        # (~0.4 s at 1,000 posts). After a failure, the normal exit (it
        # stops a report worker a failed build may have left).
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    sys.exit(code)
