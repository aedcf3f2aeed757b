#!/usr/bin/env bash
# npm run test:fuzz — Schemathesis fuzzes the running gateway from its own OpenAPI document:
# every operation, schema-valid and schema-invalid inputs, with the checks below. The gateway
# is `egw start` (the embedded default: SQLite, log, sandbox registries on loopback) on a free
# loopback port with a throw-away data directory; the token carries every scope. Only
# loopback is ever contacted: partner connector endpoints are refused by the default policy.
#
# Checks: all of Schemathesis's, except `positive_data_acceptance`, which demands 2xx for
# every schema-valid body; the gateway rightly answers 422 for a region or matter category no
# policy covers, and 400 for manifests that break rules across fields (README, "Tests").
#
# Environment: EGW_FUZZ_EXAMPLES (default 40 per operation), EGW_FUZZ_SEED (default 20261126;
# set another to explore), EGW_FUZZ_CHECKS (the Schemathesis check options), EGW_FUZZ_VENV
# (default tmp/fuzz-venv), EGW_FUZZ_WORKERS (default 1: with 2 threads, Hypothesis's lambda
# descriptions hit CPython 3.11's "AST constructor recursion depth mismatch" now and then, an
# error of the tool, not of the API). Extra arguments go to `st run` (e.g. --include-path-regex).
set -euo pipefail
cd "$(dirname "$0")/../.."

venv="${EGW_FUZZ_VENV:-tmp/fuzz-venv}"
if [ ! -x "$venv/bin/st" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'schemathesis==4.32.5'
fi

data="$(mktemp -d -t egw-fuzz.XXXXXX)"
port="$(node -e "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
node_modules/.bin/tsx src/cli/main.ts start --data "$data" --port "$port" >"$data/gateway.log" 2>&1 &
gateway=$!
cleanup() {
  kill "$gateway" 2>/dev/null || true
  wait "$gateway" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.5
done
token="$(node_modules/.bin/tsx src/cli/main.ts token --data "$data" \
  --scope 'verifications:write verifications:read audit:read subjects:read connectors:admin reviews:write webhooks:admin reverifications:admin')"

# The policy's own categories and regions, for tests/fuzz/hooks.py.
EGW_FUZZ_POLICY="$(node_modules/.bin/tsx -e "import('./src/core/policy/index.ts').then((m) => console.log(JSON.stringify({ categories: m.MATTER_CATEGORIES.map((c) => c.code), regions: m.NANJING_PARAMETERS.regions.map((r) => r.code) })))")"
export EGW_FUZZ_POLICY

SCHEMATHESIS_HOOKS=tests.fuzz.hooks PYTHONPATH=. "$venv/bin/st" run "http://127.0.0.1:$port/openapi.json" \
  --header "Authorization: Bearer $token" \
  ${EGW_FUZZ_CHECKS:---checks all --exclude-checks positive_data_acceptance} \
  --max-examples "${EGW_FUZZ_EXAMPLES:-40}" --seed "${EGW_FUZZ_SEED:-20261126}" \
  --workers "${EGW_FUZZ_WORKERS:-1}" --no-color --output-truncate false \
  --report junit --report-junit-path "$data/junit.xml" \
  "$@" && status=0 || status=$?

# What the fuzzer reached: answers per route and status, from the gateway's own request log.
node -e '
const counts = {};
for (const line of require("node:fs").readFileSync(process.argv[1], "utf8").split("\n")) {
  if (!line.startsWith("{")) continue;
  const { method, route, status } = JSON.parse(line);
  if (route === undefined) continue;
  const key = `${method} ${route}`;
  (counts[key] ??= {})[status] = (counts[key][status] ?? 0) + 1;
}
for (const [key, byStatus] of Object.entries(counts).sort())
  console.log(`${key.padEnd(52)} ${Object.entries(byStatus).map(([s, n]) => `${s}×${n}`).join("  ")}`);
' "$data/gateway.log"

# Whatever the fuzzer sent, the gateway must have logged no personal data and no stack.
if grep -nE 'at .+:[0-9]+:[0-9]+|"idNumber"|ERR_INTERNAL' "$data/gateway.log"; then
  echo "test:fuzz: the gateway log above shows a stack trace, an identity number field or an internal error" >&2
  exit 1
fi
exit "$status"
