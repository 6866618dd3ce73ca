#!/usr/bin/env bash
# The chaos soak as CI runs it: 60 s, 8 chaotic loops (+ calm and spare), a
# fixed seed. Builds first (npm run chaos). Exit 0: no breach; 1: breaches (the
# report lists them and keeps the work dir with the daemon's full log); 2: the
# soak itself failed.
#
#   CHAOS_SEED=123 test/chaos/ci.sh          # another schedule
#   CHAOS_REPORT=/tmp/chaos.json test/chaos/ci.sh   # the report as JSON too
set -euo pipefail
cd "$(dirname "$0")/../.."
args=(--duration 60s --loops 8 --seed "${CHAOS_SEED:-42}")
if [[ -n "${CHAOS_REPORT:-}" ]]; then args+=(--json "$CHAOS_REPORT"); fi
exec npm run --silent chaos -- "${args[@]}"
