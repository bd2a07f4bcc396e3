"""deploy/nginx.conf, filled in for a server: where the site is, where nginx
listens, which user runs it. The headers themselves are not in the config:
it includes the `_nginx.conf` each build writes into the site (headers.py).

    python -m clinicsite.deploy nginx --root /srv/clinic/site --port 8080 > clinic.conf
"""

from __future__ import annotations

import re
from pathlib import Path

from ..assets import URL_SUFFIX_RE
from .headers import IMMUTABLE, NGINX_FILE, REVALIDATE

TEMPLATE = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"
BROTLI_MODULE = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so"
FEEDBACK_LOG = "/var/log/nginx/clinicsite-feedback.log"


def _quote(value: str) -> str:
    if '"' in value or "\\" in value or "$" in value:
        raise ValueError(f"nginx config: cannot quote {value!r}")
    return f'"{value}"'


def render(
    root: str | Path,
    port: int,
    *,
    host: str = "127.0.0.1",
    server_name: str = "_",
    user: str | None = None,
    temp_dir: str | Path | None = None,
    access_log: str = "off",
    feedback_log: str | Path = FEEDBACK_LOG,
    brotli_module: str = BROTLI_MODULE,
) -> str:
    """The config for serving the site at `root` on host:port. `user` is the
    worker user (needed when the master runs as root); `temp_dir` holds
    nginx's temporary files (default: the compiled-in paths); `access_log`
    is off by default: who reads which condition page is health information.
    `feedback_log` gets only the page and the answer of each "Was this page
    helpful?" request (clinicsite/feedback.py reads it)."""
    root = Path(root).absolute()
    temp_lines = ""
    if temp_dir is not None:
        temp_lines = "\n".join(
            f"    {kind}_temp_path {_quote(str(Path(temp_dir) / kind))};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
    values = {
        "USER": f"user {user};" if user else "# user: the compiled-in default",
        "BROTLI_MODULE": _quote(brotli_module),
        "ACCESS_LOG": access_log if access_log == "off" else _quote(access_log),
        "FEEDBACK_LOG": _quote(str(feedback_log)),
        "TEMP_PATHS": temp_lines or "    # temp paths: the compiled-in defaults",
        "LISTEN": f"{host}:{int(port)}",
        "SERVER_NAME": server_name,
        "ROOT": _quote(str(root)),
        "HEADERS": _quote(str(root / NGINX_FILE)),
        "IMMUTABLE": _quote(IMMUTABLE),
        "REVALIDATE": _quote(REVALIDATE),
        # A map key is a regex, not interpolated: only the quote must not occur.
        "FINGERPRINT_RE": f'"~{URL_SUFFIX_RE}"',
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    left = re.findall(r"@@[A-Z_]+@@", text)
    if left:
        raise ValueError(f"{TEMPLATE}: unfilled placeholders {sorted(set(left))}")
    return text
