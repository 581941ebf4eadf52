#!/usr/bin/env bash
# Run GoTrue's official JS client (@supabase/auth-js) against a server.
# Needs GOTRUE_URL, GOTRUE_ANON_KEY and GOTRUE_SERVICE_ROLE_KEY, e.g.:
#   tests/real-gotrue.sh tests/authjs/run.sh
#   source /tmp/real-gotrue.env && tests/authjs/run.sh
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules/@supabase/auth-js ]; then
    npm ci --no-audit --no-fund --loglevel=error >&2
fi
exec node check.mjs "$@"
