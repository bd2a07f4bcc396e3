"""Site search: Pagefind indexes the finished pages at the end of a build.

Only post bodies are indexed (the templates mark them `data-pagefind-body`
and leave navigation and calls to action out with `data-pagefind-ignore`);
topics and authors are Pagefind filters. The index and its scripts are
written under /pagefind/ on our own origin, so search makes no request to
anyone else.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

logger = logging.getLogger(__name__)


BUNDLE = "pagefind"  # the index's folder in the output


def index_site(pelican) -> None:
    """At Pelican's `finalized` signal, for development builds. A production
    build (CLINICSITE_POSTPROCESS) indexes in deploy.postprocess instead,
    after fingerprinting and alongside precompression."""
    settings = pelican.settings
    if not settings.get("CLINICSITE_SEARCH", False) or settings.get("CLINICSITE_POSTPROCESS", False):
        return
    finish_index(start_index(settings["OUTPUT_PATH"]), settings["OUTPUT_PATH"])


def start_index(output_dir) -> subprocess.Popen:
    """Start Pagefind over the finished pages; it runs in its own process
    while the caller does other work. Hand the result to finish_index()."""
    return subprocess.Popen(
        [sys.executable, "-m", "pagefind", "--site", str(output_dir), "--output-subdir", BUNDLE, "--silent"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
    )


def finish_index(proc: subprocess.Popen, output_dir) -> bool:
    """Wait for Pagefind; log an error (which fails the build) if it failed."""
    output, _ = proc.communicate()
    if proc.returncode != 0:
        logger.error(
            "clinicsite search: Pagefind failed (exit %d): %s — is `pagefind[extended]` installed in this environment?",
            proc.returncode,
            (output or "").strip()[-2000:],
        )
        return False
    # Pagefind also ships ready-made UIs; /search/ uses its own script.
    bundle = Path(output_dir) / BUNDLE
    for unused in [*bundle.glob("pagefind-*ui*"), bundle / "pagefind-highlight.js"]:
        unused.unlink(missing_ok=True)
    return True
