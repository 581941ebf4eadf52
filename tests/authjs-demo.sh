#!/usr/bin/env bash
# GoTrue's official JS client (@supabase/auth-js) against `gotrue-console demo-server`,
# configured like the real GoTrue in tests/real-gotrue.sh (auto-confirm, 1 s send frequency).
# Usage: tests/authjs-demo.sh [path/to/gotrue-console]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/target/debug/gotrue-console}
if [ ! -x "$bin" ]; then
    (cd "$root" && cargo build --quiet)
fi
command -v node >/dev/null || { echo "authjs-demo: node is not installed" >&2; exit 1; }

out=$(mktemp)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -f "$out"
}
trap cleanup EXIT

"$bin" demo-server --listen 127.0.0.1:0 --autoconfirm --send-frequency 1 >"$out" &
server_pid=$!
# The server prints one JSON line once it listens.
for _ in $(seq 1 200); do
    if [ -s "$out" ]; then break; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then echo "authjs-demo: the demo server exited" >&2; exit 1; fi
    sleep 0.05
done
[ -s "$out" ] || { echo "authjs-demo: the demo server printed nothing" >&2; exit 1; }
read -r GOTRUE_URL GOTRUE_ANON_KEY GOTRUE_SERVICE_ROLE_KEY < <(node -e '
    const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").split("\n")[0]);
    console.log(j.url, j.anon_key, j.service_role_key);' "$out")
export GOTRUE_URL GOTRUE_ANON_KEY GOTRUE_SERVICE_ROLE_KEY
echo "authjs-demo: @supabase/auth-js against the demo server at $GOTRUE_URL"
"$root/tests/authjs/run.sh"
