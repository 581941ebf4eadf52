#!/usr/bin/env bash
# Run a real GoTrue (supabase/auth) that you bring, on a private PostgreSQL, both on loopback
# only, then run a command against it. Tested with v2.196.0 and v2.189.0.
#
#   tests/real-gotrue.sh [--] CMD ARGS...   start everything, run CMD with the variables below
#                                           exported, stop everything, exit with CMD's status
#   tests/real-gotrue.sh --serve            start everything, print the variables as `export`
#                                           lines on stdout, stay up until Ctrl-C / SIGTERM
#
# Needed (environment):
#   GOTRUE_BIN         a GoTrue binary (supabase/auth's `auth`)
#   GOTRUE_MIGRATIONS  the `migrations` folder of the same GoTrue version (GoTrue does not
#                      embed them; passed to it as GOTRUE_DB_MIGRATIONS_PATH)
#
# Exported to CMD (and printed by --serve):
#   GOTRUE_URL               http://127.0.0.1:PORT
#   GOTRUE_JWT_SECRET        the HS256 secret GoTrue signs with
#   GOTRUE_ANON_KEY          HS256 JWT {"role":"anon"}
#   GOTRUE_SERVICE_ROLE_KEY  HS256 JWT {"role":"service_role"} (admin endpoints)
#   REAL_GOTRUE_DATABASE_URL superuser URL of the private PostgreSQL (to peek at tokens)
#
# Settings (environment):
#   GOTRUE_JWT_SECRET  default super-secret-jwt-token-with-at-least-32-characters-long
#   GOTRUE_PORT        pin GoTrue's port (default: a free one)
#   GOTRUE_PG_PORT     pin PostgreSQL's port (default: a free one)
#   GOTRUE_PG_OS_USER  unprivileged user that runs PostgreSQL when run as root (default nobody)
#   GOTRUE_START_TIMEOUT  seconds to wait for /health (default 90)
#   Any other GOTRUE_* variable in the environment is passed through to GoTrue, but the
#   settings this script sets itself (below) win.
#
# Needs: bash, curl, python3 or node, PostgreSQL server binaries (installed with apt-get
# when missing and running as root).
# Everything started here is stopped, and the temp dir removed, on every exit path.
set -euo pipefail

JWT_SECRET=${GOTRUE_JWT_SECRET:-super-secret-jwt-token-with-at-least-32-characters-long}
START_TIMEOUT=${GOTRUE_START_TIMEOUT:-90}
DB_PASSWORD=gotrue-test-password

log() { printf 'real-gotrue: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() {
    sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# ---------------------------------------------------------------- arguments
MODE=run
case "${1:-}" in
    --serve) MODE=serve; shift; [ $# -eq 0 ] || usage ;;
    --help|-h|"") usage ;;
    --) shift; [ $# -gt 0 ] || usage ;;
esac

# ---------------------------------------------------------------- state and cleanup
WORK=""
PG_BIN=""
PG_DATA=""
PG_RUNAS=()
GOTRUE_PID=""
FAILED_STAGE=""
SIGNALLED=""

show_logs() {
    local f
    for f in "$WORK/gotrue-migrate.log" "$WORK/gotrue.log" "$WORK/pg/postgres.log"; do
        if [ -n "$WORK" ] && [ -s "$f" ]; then
            log "---- last lines of ${f##*/} ----"
            tail -n 40 "$f" >&2 || true
        fi
    done
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM HUP
    set +e
    if [ "$status" -ne 0 ] && [ -z "$SIGNALLED" ]; then
        [ -n "$FAILED_STAGE" ] && log "failed while: $FAILED_STAGE"
        show_logs
    fi
    if [ -n "$GOTRUE_PID" ] && kill -0 "$GOTRUE_PID" 2>/dev/null; then
        kill -TERM "$GOTRUE_PID" 2>/dev/null
        local i
        for i in $(seq 1 100); do
            kill -0 "$GOTRUE_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$GOTRUE_PID" 2>/dev/null
        wait "$GOTRUE_PID" 2>/dev/null
    fi
    if [ -n "$PG_DATA" ] && [ -f "$PG_DATA/postmaster.pid" ]; then
        "${PG_RUNAS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w -t 30 stop >/dev/null 2>&1
        if [ -f "$PG_DATA/postmaster.pid" ]; then
            local pgpid
            pgpid=$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null)
            [ -n "$pgpid" ] && kill -KILL "$pgpid" 2>/dev/null
        fi
    fi
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        rm -rf "$WORK"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'SIGNALLED=INT; log "interrupted, stopping"; exit 130' INT
trap 'SIGNALLED=TERM; log "terminated, stopping"; exit 143' TERM
trap 'SIGNALLED=HUP; exit 129' HUP

# ---------------------------------------------------------------- helpers
have() { command -v "$1" >/dev/null 2>&1; }

# Script runner for small helpers (ports, JWTs): python3, else node.
helper_lang() {
    if have python3 && python3 -c 'import sys' >/dev/null 2>&1; then echo python3
    elif have node; then echo node
    else die "need python3 or node (to pick free ports and mint JWTs)"; fi
}

free_port() {
    case "$(helper_lang)" in
        python3) python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' ;;
        node) node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})' ;;
    esac
}

port_in_use() { # port -> 0 if something accepts connections on 127.0.0.1:port
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# mint_jwt ROLE: HS256 token with role, iss, iat and an exp ~100 years ahead.
mint_jwt() {
    case "$(helper_lang)" in
        python3) JWT_SECRET="$JWT_SECRET" python3 - "$1" <<'PY'
import base64, hashlib, hmac, json, os, sys, time
def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
now = int(time.time())
head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
body = b64(json.dumps({"iss": "supabase-demo", "role": sys.argv[1], "iat": now,
                       "exp": now + 100 * 365 * 24 * 3600}, separators=(",", ":")).encode())
sig = hmac.new(os.environ["JWT_SECRET"].encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
print(f"{head}.{body}.{b64(sig)}")
PY
        ;;
        node) JWT_SECRET="$JWT_SECRET" node -e '
const c = require("crypto"); const b = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
const now = Math.floor(Date.now() / 1000);
const h = b({alg: "HS256", typ: "JWT"});
const p = b({iss: "supabase-demo", role: process.argv[1], iat: now, exp: now + 100 * 365 * 24 * 3600});
const s = c.createHmac("sha256", process.env.JWT_SECRET).update(h + "." + p).digest("base64url");
console.log(h + "." + p + "." + s);' "$1" ;;
    esac
}

# ---------------------------------------------------------------- PostgreSQL binaries
find_pg_bin() {
    if have initdb && have pg_ctl && have postgres; then
        dirname "$(command -v pg_ctl)"
        return 0
    fi
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

ensure_postgres() {
    FAILED_STAGE="looking for PostgreSQL"
    if PG_BIN=$(find_pg_bin); then
        return 0
    fi
    [ "$(id -u)" -eq 0 ] || die "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found, and not root to apt-get install them"
    have apt-get || die "PostgreSQL server binaries not found and apt-get is not available"
    FAILED_STAGE="installing PostgreSQL with apt-get"
    log "installing PostgreSQL from Debian packages (apt-get)..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends postgresql >&2 || die "apt-get install postgresql failed"
    PG_BIN=$(find_pg_bin) || die "PostgreSQL installed, but initdb/pg_ctl/postgres still not found"
}

find_psql() {
    if [ -x "$PG_BIN/psql" ]; then echo "$PG_BIN/psql"
    elif have psql; then command -v psql
    else
        local p
        p=$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -n 1)
        [ -n "$p" ] && echo "$p"
    fi
}

# ---------------------------------------------------------------- GoTrue binary
# The project never builds GoTrue: bring your own binary and its migrations folder.
ensure_gotrue() {
    FAILED_STAGE="checking GOTRUE_BIN and GOTRUE_MIGRATIONS"
    [ -n "${GOTRUE_BIN:-}" ] || die "set GOTRUE_BIN to a GoTrue (supabase/auth) binary; see the README, \"Testing against a real GoTrue\""
    [ -x "$GOTRUE_BIN" ] && [ -f "$GOTRUE_BIN" ] || die "GOTRUE_BIN=$GOTRUE_BIN is not an executable file"
    [ -n "${GOTRUE_MIGRATIONS:-}" ] || die "set GOTRUE_MIGRATIONS to the migrations folder of the same GoTrue version"
    [ -d "$GOTRUE_MIGRATIONS" ] || die "GOTRUE_MIGRATIONS=$GOTRUE_MIGRATIONS is not a directory"
    ls "$GOTRUE_MIGRATIONS"/*.sql >/dev/null 2>&1 || die "GOTRUE_MIGRATIONS=$GOTRUE_MIGRATIONS holds no .sql migrations"
    AUTH_BIN=$GOTRUE_BIN
    MIGRATIONS_DIR=$(cd "$GOTRUE_MIGRATIONS" && pwd)
}

# ---------------------------------------------------------------- start PostgreSQL
start_postgres() {
    FAILED_STAGE="starting PostgreSQL"
    local pg_user=""
    if [ "$(id -u)" -eq 0 ]; then
        # PostgreSQL refuses to run as root.
        pg_user=${GOTRUE_PG_OS_USER:-nobody}
        id "$pg_user" >/dev/null 2>&1 || die "user $pg_user does not exist (set GOTRUE_PG_OS_USER)"
        if have runuser; then PG_RUNAS=(runuser -u "$pg_user" --)
        elif have setpriv; then
            PG_RUNAS=(setpriv --reuid="$(id -u "$pg_user")" --regid="$(id -g "$pg_user")" --clear-groups --)
        else die "running as root but neither runuser nor setpriv is available to drop privileges"; fi
    else
        PG_RUNAS=(env)
    fi

    mkdir -p "$WORK/pg/sock"
    PG_DATA="$WORK/pg/data"
    [ -n "$pg_user" ] && chown -R "$pg_user" "$WORK/pg"
    chmod 700 "$WORK/pg"

    if [ -n "${GOTRUE_PG_PORT:-}" ]; then
        PG_PORT=$GOTRUE_PG_PORT
        ! port_in_use "$PG_PORT" || die "GOTRUE_PG_PORT=$PG_PORT is already in use on 127.0.0.1"
    else
        PG_PORT=$(free_port)
    fi

    (cd "$WORK" && "${PG_RUNAS[@]}" "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --no-locale \
        --auth-local=trust --auth-host=scram-sha-256 >"$WORK/initdb.log" 2>&1) \
        || { cat "$WORK/initdb.log" >&2; die "initdb failed"; }
    (cd "$WORK" && "${PG_RUNAS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$WORK/pg/postgres.log" -w -t 60 \
        -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $WORK/pg/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null) || die "PostgreSQL did not start"

    local psql
    psql=$(find_psql) || true
    [ -n "$psql" ] || die "psql not found"
    FAILED_STAGE="preparing the database for GoTrue"
    "$psql" -X -q -h "$WORK/pg/sock" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE ROLE supabase_auth_admin NOINHERIT CREATEROLE LOGIN PASSWORD '$DB_PASSWORD';
CREATE SCHEMA auth AUTHORIZATION supabase_auth_admin;
GRANT CREATE ON DATABASE postgres TO supabase_auth_admin;
ALTER USER supabase_auth_admin SET search_path = 'auth';
SQL
    log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
}

# ---------------------------------------------------------------- start GoTrue
start_gotrue() {
    FAILED_STAGE="starting GoTrue"
    if [ -n "${GOTRUE_PORT:-}" ]; then
        API_PORT=$GOTRUE_PORT
        ! port_in_use "$API_PORT" || die "GOTRUE_PORT=$API_PORT is already in use on 127.0.0.1"
    else
        API_PORT=$(free_port)
    fi
    GOTRUE_URL="http://127.0.0.1:$API_PORT"
    mkdir -p "$WORK/gotrue-cwd" # empty: GoTrue loads a .env from its working directory

    local -a genv=(
        GOTRUE_DB_DRIVER=postgres
        "GOTRUE_DB_MIGRATIONS_PATH=$MIGRATIONS_DIR"
        "DATABASE_URL=postgres://supabase_auth_admin:${DB_PASSWORD}@127.0.0.1:${PG_PORT}/postgres?sslmode=disable"
        "GOTRUE_JWT_SECRET=$JWT_SECRET"
        GOTRUE_JWT_AUD=authenticated
        GOTRUE_JWT_DEFAULT_GROUP_NAME=authenticated
        GOTRUE_JWT_ADMIN_ROLES=service_role,supabase_admin
        GOTRUE_JWT_EXP=3600
        "API_EXTERNAL_URL=$GOTRUE_URL"
        GOTRUE_SITE_URL=http://127.0.0.1:3000
        "GOTRUE_URI_ALLOW_LIST=http://127.0.0.1:3000/**,http://localhost:3000/**"
        GOTRUE_API_HOST=127.0.0.1
        "PORT=$API_PORT"
        GOTRUE_LOG_LEVEL=info
        GOTRUE_DISABLE_SIGNUP=false
        GOTRUE_EXTERNAL_EMAIL_ENABLED=true
        GOTRUE_MAILER_AUTOCONFIRM=true
        GOTRUE_EXTERNAL_PHONE_ENABLED=true
        GOTRUE_SMS_AUTOCONFIRM=false
        GOTRUE_SMS_TEST_OTP=15555550100:123456
        # GoTrue's source: the test number's OTP is never sent to the provider, but /otp
        # still builds a provider and fails without one, so give it dummy Twilio credentials.
        GOTRUE_SMS_PROVIDER=twilio
        GOTRUE_SMS_TWILIO_ACCOUNT_SID=ACdummy00000000000000000000000000
        GOTRUE_SMS_TWILIO_AUTH_TOKEN=dummy-auth-token
        GOTRUE_SMS_TWILIO_MESSAGE_SERVICE_SID=MGdummy00000000000000000000000000
        GOTRUE_SMS_MAX_FREQUENCY=1s
        GOTRUE_SMS_AUTOCONFIRM=true
        GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL=0
        GOTRUE_SMTP_MAX_FREQUENCY=1s
        GOTRUE_RATE_LIMIT_EMAIL_SENT=100000
        GOTRUE_RATE_LIMIT_SMS_SENT=100000
        GOTRUE_RATE_LIMIT_VERIFY=100000
        GOTRUE_RATE_LIMIT_TOKEN_REFRESH=100000
        GOTRUE_RATE_LIMIT_OTP=100000
        GOTRUE_RATE_LIMIT_ANONYMOUS_USERS=100000
        GOTRUE_RATE_LIMIT_SSO=100000
        GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED=true
        GOTRUE_EXTERNAL_GITHUB_ENABLED=true
        GOTRUE_EXTERNAL_GITHUB_CLIENT_ID=dummy-github-client-id
        GOTRUE_EXTERNAL_GITHUB_SECRET=dummy-github-secret
        "GOTRUE_EXTERNAL_GITHUB_REDIRECT_URI=$GOTRUE_URL/callback"
        GOTRUE_MFA_TOTP_ENROLL_ENABLED=true
        GOTRUE_MFA_TOTP_VERIFY_ENABLED=true
    )
    FAILED_STAGE="running GoTrue migrations"
    (cd "$WORK/gotrue-cwd" && env "${genv[@]}" "$AUTH_BIN" migrate) >"$WORK/gotrue-migrate.log" 2>&1 \
        || die "GoTrue migrations failed"
    FAILED_STAGE="starting GoTrue"
    (cd "$WORK/gotrue-cwd" && exec env "${genv[@]}" "$AUTH_BIN" serve) >"$WORK/gotrue.log" 2>&1 &
    GOTRUE_PID=$!

    FAILED_STAGE="waiting for GoTrue's /health"
    local deadline=$((SECONDS + START_TIMEOUT)) health=""
    while :; do
        if health=$(curl -fsS --max-time 2 "$GOTRUE_URL/health" 2>/dev/null); then
            break
        fi
        kill -0 "$GOTRUE_PID" 2>/dev/null || die "GoTrue exited before answering /health"
        [ "$SECONDS" -lt "$deadline" ] || die "GoTrue did not answer $GOTRUE_URL/health within ${START_TIMEOUT}s"
        sleep 0.2
    done
    log "GoTrue up at $GOTRUE_URL: $health"
    FAILED_STAGE=""
}

# ---------------------------------------------------------------- main
have curl || die "curl is required"
helper_lang >/dev/null
ensure_postgres
ensure_gotrue

WORK=$(mktemp -d "${TMPDIR:-/tmp}/real-gotrue.XXXXXX")
chmod 711 "$WORK"
start_postgres
start_gotrue

GOTRUE_ANON_KEY=$(mint_jwt anon)
GOTRUE_SERVICE_ROLE_KEY=$(mint_jwt service_role)
REAL_GOTRUE_DATABASE_URL="postgres://postgres@127.0.0.1:${PG_PORT}/postgres?host=$WORK/pg/sock"
export GOTRUE_URL GOTRUE_ANON_KEY GOTRUE_SERVICE_ROLE_KEY REAL_GOTRUE_DATABASE_URL
export GOTRUE_JWT_SECRET="$JWT_SECRET"

if [ "$MODE" = serve ]; then
    for v in GOTRUE_URL GOTRUE_JWT_SECRET GOTRUE_ANON_KEY GOTRUE_SERVICE_ROLE_KEY REAL_GOTRUE_DATABASE_URL; do
        printf 'export %s=%q\n' "$v" "${!v}"
    done
    log "serving until Ctrl-C / SIGTERM (GoTrue pid $GOTRUE_PID, logs in $WORK)"
    FAILED_STAGE="serving (GoTrue exited on its own)"
    status=0
    wait "$GOTRUE_PID" || status=$?
    GOTRUE_PID=""
    log "GoTrue exited with status $status"
    exit $((status == 0 ? 1 : status))
fi

FAILED_STAGE=""
status=0
"$@" || status=$?
[ "$status" -eq 0 ] || log "command exited with status $status"
exit "$status"
