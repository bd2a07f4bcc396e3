"""Find the external tools a test drives (Chromium, Java, npm packages).

`require` returns the tool's path. When it is missing, a developer's run
skips the test with the reason and the command that installs the tool; a CI
run (the environment variable CI is set) fails instead, so CI never passes
by skipping.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NODE_MODULES = REPO / "node_modules"
INSTALL_HINT = "install it with: bash scripts/install-test-tools.sh (or ./dev test)"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require(path_or_cmd: str | os.PathLike, why: str) -> str:
    """The absolute path of a file, or of a command found on PATH.

    A string without a slash is looked up as a command on PATH; anything else
    is a file path (relative paths are taken from the repository root).
    """
    text = os.fspath(path_or_cmd)
    if os.sep not in text and "/" not in text:
        found = shutil.which(text)
    else:
        path = Path(text)
        if not path.is_absolute():
            path = REPO / path
        found = str(path) if path.exists() else None
    if found:
        return found
    reason = f"{text} is missing, needed {why}; {INSTALL_HINT}"
    if in_ci():
        pytest.fail(f"CI must run every test, but {reason}", pytrace=False)
    pytest.skip(reason)
