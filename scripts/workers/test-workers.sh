#!/usr/bin/env bash
# npm run test:workers — the gateway on local workerd (wrangler dev --local, D1 and the
# Durable Object sequencer), tested from Node:
#   1. tests/runtime/workers/global-setup.ts starts the sandbox registries (Node, loopback),
#      generates keys into a temp folder, writes the secrets to a temp env file, applies the
#      drizzle migrations to a fresh local D1 (wrangler d1 migrations apply --local, persisted
#      in the temp folder) and starts `wrangler dev --local` on a free loopback port;
#   2. vitest runs the SHARED contract suites (tests/contract) against it, the 200-concurrent
#      sequencer test, the registry and transport tests, and the bundle check;
#   3. the teardown stops wrangler's process group by id; this script's trap does it again by
#      the recorded id if vitest itself was killed.
# Works from a clean clone after `npm ci` (wrangler 4.86 and workerd come from devDependencies).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ ! -x node_modules/.bin/wrangler ]; then
  echo "test:workers: node_modules/.bin/wrangler is missing; run npm ci first" >&2
  exit 1
fi

pidfile="$(mktemp -t egw-workers-pid.XXXXXX)"
export EGW_WORKERS_PIDFILE="$pidfile"
export WRANGLER_SEND_METRICS=false

stop_recorded() {
  if [ -s "$pidfile" ]; then
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM -- "-$pid" 2>/dev/null || true
      sleep 2
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pidfile"
}
trap stop_recorded EXIT

npx vitest run --config tests/runtime/workers/vitest.config.ts "$@"
