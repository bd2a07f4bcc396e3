#!/usr/bin/env bash
# System tools the test suite drives for real: Debian's Chromium (never a
# downloaded browser), nginx, Java for the W3C Nu checker, and the npm
# packages pinned in package-lock.json (axe-core, vnu-jar, lighthouse; the
# editor's decap-cms and decap-server, which its test drives).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v nginx >/dev/null 2>&1 || need+=(nginx-light)
[ -e /usr/lib/nginx/modules/ngx_http_brotli_static_module.so ] || need+=(libnginx-mod-http-brotli-static)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
command -v rsync >/dev/null 2>&1 || need+=(rsync)  # invoke publish
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "==> Installing system packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

bash scripts/install-node-packages.sh
