#!/usr/bin/env bash
# Renders a result file's HTML report (or a results folder's trend page) and screenshots it in
# headless Chromium, to check what a person sees.
# Usage: scripts/report-screenshot.sh RESULT.json|RESULTS_FOLDER [OUT.png] [volley binary]
# SCREENSHOT_HEIGHT (px, default 2400) is the window's height: the part of the page shot.
# Needs apt `chromium` (installed here on demand; not needed by `make test`).
set -euo pipefail
result=${1:?usage: $0 RESULT.json|RESULTS_FOLDER [OUT.png] [volley binary]}
if [ -d "$result" ]; then png=${2:-${result%/}/trend.png}; else png=${2:-${result%.json}.png}; fi
bin=${3:-.build/debug/volley}
height=${SCREENSHOT_HEIGHT:-2400}
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
html=$(mktemp --suffix=.html)
trap 'rm -f "$html"' EXIT
# A folder gives its trend page; its trend.md and trend.html are left as they are.
if [ -d "$result" ]; then
  "$bin" report "$result" --html "$html" --md /dev/null --overwrite >/dev/null
else
  "$bin" report "$result" --html "$html" --overwrite
fi
# --no-sandbox: Chromium refuses to run as root otherwise; the page is our own offline file.
timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1100,$height \
  --screenshot="$png" "file://$html" >/dev/null 2>&1
[ -s "$png" ] || { echo "report-screenshot: no screenshot was written" >&2; exit 1; }
echo "screenshot: $png"
