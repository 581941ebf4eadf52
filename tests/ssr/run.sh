#!/usr/bin/env bash
# @supabase/ssr reads the cookies gotrue-console writes: installs ssr here, then runs
# tests/ssr_cookies.rs, which fails (instead of skipping) when SSR_CHECK_REQUIRED is set.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules/@supabase/ssr ]; then
    npm ci --no-audit --no-fund --loglevel=error >&2
fi
cd ../..
SSR_CHECK_REQUIRED=1 cargo test --locked --test ssr_cookies
