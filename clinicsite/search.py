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


def index_site(pelican) -> None:
    settings = pelican.settings
    if not settings.get("CLINICSITE_SEARCH", False):
        return
    proc = subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", settings["OUTPUT_PATH"], "--output-subdir", "pagefind", "--silent"],
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    if proc.returncode == 0:
        # Pagefind also ships ready-made UIs; /search/ uses its own script.
        bundle = Path(settings["OUTPUT_PATH"]) / "pagefind"
        for unused in [*bundle.glob("pagefind-*ui*"), bundle / "pagefind-highlight.js"]:
            unused.unlink(missing_ok=True)
    else:
        logger.error(
            "clinicsite search: Pagefind failed (exit %d): %s — is `pagefind[extended]` installed in this environment?",
            proc.returncode,
            (proc.stderr or proc.stdout).strip()[-2000:],
        )
