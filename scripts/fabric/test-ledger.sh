#!/usr/bin/env bash
# npm run test:ledger — the ledger suite (tests/ledger) against a real Fabric network:
# brings the network up with the project's own scripts (or reuses one already running),
# runs the suite, and takes the network down again unless EGW_FABRIC_KEEP=1.
# Exit 3, with one line, when Fabric's binaries are not installed (FABRIC_BIN, default
# /opt/fabric/bin): CI tells "absent" from "broken" by it.
set -uo pipefail
cd "$(dirname "$0")/../.."

npx tsx scripts/fabric/network.ts up
up=$?
if [ "$up" -ne 0 ]; then
  exit "$up"
fi
npx vitest run --project ledger "$@"
status=$?
if [ "${EGW_FABRIC_KEEP:-0}" != "1" ]; then
  npx tsx scripts/fabric/network.ts down || true
fi
exit "$status"
