"""One build at a time: an advisory lock on a file (flock), which the
operating system releases when the process holding it ends, however it ends.
A second build waits for the first, saying so, and gives up with a clear
message after CLINICSITE_LOCK_WAIT seconds (environment; default 600)."""

from __future__ import annotations

import fcntl
import logging
import os
import time
from pathlib import Path

from .errors import ContentError

logger = logging.getLogger(__name__)


class Lock:
    def __init__(self, path: Path, what: str):
        self.path = Path(path)
        self.what = what
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        wait = float(os.environ.get("CLINICSITE_LOCK_WAIT", "600"))
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise ContentError(
                        f"{self.path}: another build (process {holder}) is using {self.what} — wait for it to "
                        "finish, or stop it, then build again"
                    ) from None
                if not told:
                    logger.info("Waiting for another build (process %s) to finish with %s …", holder, self.what)
                    told = True
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file releases the lock
            self._fd = None

    def __enter__(self) -> Lock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
