"""`invoke publish`: build the production site and copy it to the server.

The build goes into a fresh folder (clinicsite.build: it fails without
copying anything if any page has a problem), then rsync copies it to the
target — a local folder or user@host:path — with every folder (the target
itself too) 755 and every file 644 whatever the publishing user's umask, so a
web server running as its own user can read it (--perms: without it rsync
gives new files the source's mode masked by the receiver's umask, and leaves
existing ones as they are, whatever --chmod says). Files are moved into place
only once all have arrived (--delay-updates) and what the new build no longer
has is deleted last — except /.well-known/ (security.txt, ACME challenges),
which the operator keeps in the target.
Then the reload command, if any (e.g. "sudo systemctl reload nginx"), makes
the server read the build's headers (_nginx.conf) — the same publish that
changed the stylesheet changes the Content-Security-Policy that allows it.
"""

from __future__ import annotations

import logging
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..build import build
from ..errors import ContentError

logger = logging.getLogger(__name__)

RSYNC = ["rsync", "--recursive", "--links", "--times", "--checksum", "--delete-delay", "--delay-updates",
         "--perms", "--chmod=D755,F644", "--filter=P /.well-known/"]


def publish(settings_file: str, target: str, reload: str = "", override: dict | None = None) -> None:
    if not target:
        raise ContentError("publish: set PUBLISH_TARGET or pass --target (a folder or user@host:path)")
    if not shutil.which("rsync"):
        raise ContentError("publish: rsync is not installed (apt-get install rsync)")
    with tempfile.TemporaryDirectory(prefix="clinicsite-publish-") as staging:
        output = Path(staging) / "site"
        result = build(settings_file, output, override)
        if not result.ok:
            raise ContentError("publish: the build failed; nothing was copied:\n" + "\n".join(f"  - {p}" for p in result.problems))
        if ":" not in target:
            Path(target).mkdir(parents=True, exist_ok=True)
        subprocess.run([*RSYNC, f"{output}/", target.rstrip("/") + "/"], check=True)
    logger.info("Published to %s", target)
    if reload:
        subprocess.run(shlex.split(reload), check=True)
        logger.info("Reloaded the web server: %s", reload)
