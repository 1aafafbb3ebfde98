#!/usr/bin/env bash
# Renders a result file's HTML report and screenshots it in headless Chromium, to check
# what a person sees. Usage: scripts/report-screenshot.sh RESULT.json [OUT.png] [volley binary]
# Needs apt `chromium` (installed here on demand; not needed by `make test`).
set -euo pipefail
result=${1:?usage: $0 RESULT.json [OUT.png] [volley binary]}
png=${2:-${result%.json}.png}
bin=${3:-.build/debug/volley}
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
html=$(mktemp --suffix=.html)
trap 'rm -f "$html"' EXIT
"$bin" report "$result" --html "$html" --overwrite
# --no-sandbox: Chromium refuses to run as root otherwise; the page is our own offline file.
timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1100,2400 \
  --screenshot="$png" "file://$html" >/dev/null 2>&1
[ -s "$png" ] || { echo "report-screenshot: no screenshot was written" >&2; exit 1; }
echo "screenshot: $png"
