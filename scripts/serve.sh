#!/usr/bin/env bash
# The app for a room: REPLICAS app processes behind nginx, all on PORT, in the foreground.
#   REPLICAS=2 PORT=8501 bash scripts/serve.sh      (make serve REPLICAS=2 PORT=8501)
# REPLICAS=1 runs one app process on PORT directly (no nginx). Ctrl-C (or SIGTERM) stops everything.
# ADDRESS (default 127.0.0.1; 0.0.0.0 for a hosted demo) is where PORT listens; the replicas listen
# on 127.0.0.1:FIRST_PORT.. (default PORT+1..). Each replica is one Python process (one core's worth:
# the GIL); give it one torch thread (KVVIZ_THREADS, default 1) and run about one replica per core.
set -euo pipefail
cd "$(dirname "$0")/.."
REPLICAS=${REPLICAS:-1}
PORT=${PORT:-8501}
ADDRESS=${ADDRESS:-127.0.0.1}
FIRST_PORT=${FIRST_PORT:-$((PORT + 1))}
PYTHON=${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}
export HF_HUB_OFFLINE=${HF_HUB_OFFLINE:-1} TOKENIZERS_PARALLELISM=false KVVIZ_THREADS=${KVVIZ_THREADS:-1}

if [ "$REPLICAS" -le 1 ]; then
  exec "$PYTHON" -m streamlit run app.py --server.port "$PORT" --server.address "$ADDRESS"
fi

NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "nginx is missing: bash scripts/install-nginx.sh (Debian's package)" >&2; exit 1; }
RUN=$(mktemp -d /tmp/kvviz-serve.XXXXXX)
chmod 755 "$RUN"
pids=()
stop() {
  trap - INT TERM EXIT
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$RUN"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

upstreams="" pool="" cookie_map="" addr_map=""
for i in $(seq 0 $((REPLICAS - 1))); do
  p=$((FIRST_PORT + i))
  "$PYTHON" -m streamlit run app.py --server.port "$p" --server.address 127.0.0.1 > "$RUN/replica-$i.log" 2>&1 &
  pids+=($!)
  upstreams+="    upstream kvviz_r$i { server 127.0.0.1:$p; }"$'\n'
  pool+="        server 127.0.0.1:$p;"$'\n'
  cookie_map+="        r$i kvviz_r$i;"$'\n'
  addr_map+="        127.0.0.1:$p r$i;"$'\n'
done
python3 - "$RUN" "$ADDRESS" "$PORT" "$upstreams" "$pool" "$cookie_map" "$addr_map" <<'PY'
import sys
run, address, port, upstreams, pool, cookie_map, addr_map = sys.argv[1:]
text = open("deploy/nginx.conf.template").read()
for key, value in {"RUN": run, "ADDRESS": address, "PORT": port, "UPSTREAMS": upstreams.rstrip("\n"),
                   "POOL": pool.rstrip("\n"), "COOKIE_MAP": cookie_map.rstrip("\n"),
                   "ADDR_MAP": addr_map.rstrip("\n")}.items():
    text = text.replace(f"@{key}@", value)
open(f"{run}/nginx.conf", "w").write(text)
PY
for i in $(seq 0 $((REPLICAS - 1))); do  # nginx takes visitors once every replica answers
  p=$((FIRST_PORT + i))
  for _ in $(seq 1 240); do
    curl -fs --noproxy '*' "http://127.0.0.1:$p/_stcore/health" >/dev/null 2>&1 && break
    kill -0 "${pids[$i]}" 2>/dev/null || { cat "$RUN/replica-$i.log" >&2; exit 1; }
    sleep 0.5
  done
done
"$NGINX" -p "$RUN" -c "$RUN/nginx.conf" &
pids+=($!)
echo "kvviz: $REPLICAS replicas (127.0.0.1:$FIRST_PORT-$((FIRST_PORT + REPLICAS - 1))) behind nginx on http://$ADDRESS:$PORT"
wait -n "${pids[@]}"
echo "kvviz: a process stopped; stopping the rest" >&2
exit 1
