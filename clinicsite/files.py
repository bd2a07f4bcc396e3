"""Writing files so that no reader ever sees half of one."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` under a name of this process and thread, then rename it
    into place: a concurrent reader sees the old file or the new one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def link_or_copy(src, dst) -> None:
    """Hard-link the cached file `src` at `dst` (no step ever writes into a
    published file, so sharing the bytes is safe), or copy it where a link
    cannot be made (another file system)."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)
