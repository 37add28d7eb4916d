#!/usr/bin/env bash
# Debian's Chromium for the real-browser tests (Playwright cannot download browsers here), and a CJK
# font so the Chinese pages render as characters, not empty boxes, in tests and screenshots.
set -euo pipefail
have_font() { fc-list 2>/dev/null | grep -qi "wqy\|noto sans cjk"; }
if [ -x /usr/bin/chromium ] && have_font; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "Chromium or a CJK font is missing; install them with: sudo apt-get install -y chromium fonts-wqy-microhei (browser tests will be skipped)" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
