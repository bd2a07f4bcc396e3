"""python -m clinicsite.deploy nginx|publish …"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from ..errors import ContentError
from . import nginx
from .publish import publish


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m clinicsite.deploy", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    conf = sub.add_parser("nginx", help="print the nginx config for a server")
    conf.add_argument("--root", required=True, help="the folder nginx serves (a publish target)")
    conf.add_argument("--port", type=int, default=8080)
    conf.add_argument("--host", default="127.0.0.1")
    conf.add_argument("--server-name", default="_")
    conf.add_argument("--user")
    conf.add_argument("--temp-dir")
    conf.add_argument("--access-log", default="off")
    conf.add_argument("--feedback-log", default=nginx.FEEDBACK_LOG,
                      help='where the "Was this page helpful?" answers go (page and answer only)')
    pub = sub.add_parser("publish", help="build the production site and copy it to --target")
    pub.add_argument("--settings", default="publishconf.py")
    pub.add_argument("--target", default=os.environ.get("PUBLISH_TARGET", ""))
    pub.add_argument("--reload", default=os.environ.get("PUBLISH_RELOAD", ""),
                     help='a command that makes the web server reload, e.g. "sudo systemctl reload nginx"')
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.command == "nginx":
        sys.stdout.write(nginx.render(args.root, args.port, host=args.host, server_name=args.server_name,
                                      user=args.user, temp_dir=args.temp_dir, access_log=args.access_log,
                                      feedback_log=args.feedback_log))
        return 0
    try:
        publish(args.settings, args.target, args.reload)
    except ContentError as exc:
        logging.getLogger("clinicsite.deploy").error("%s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
