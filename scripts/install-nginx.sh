#!/usr/bin/env bash
# Debian's nginx for `make serve REPLICAS=N` (the proxy in front of the app processes).
# Only the binary is used: scripts/serve.sh runs it with its own config, as the current user.
set -euo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "nginx is missing; install it with: sudo apt-get install -y nginx-light (or nginx)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The package's own service is not wanted (serve.sh runs nginx in the foreground); policy-rc.d
# keeps the post-install script from starting it on port 80.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -qq --no-install-recommends nginx >/dev/null
