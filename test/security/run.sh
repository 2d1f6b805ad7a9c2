#!/usr/bin/env bash
# The security probes of issue 11 (README "Security"): each file test/security/probe_*.sh is one
# attack, made as the attacker would make it (a low-privilege role, a planted object, a hostile
# file or hostile data), against the cluster of PGHOST/PGPORT/PGUSER (a superuser; test/run_all.sh
# starts one). A probe exits 0 when the attack is defeated, non-zero (printing what went wrong)
# when it succeeds. Each probe makes its own database, roles and files and removes them.
#
#   bash test/security/run.sh [probe_name ...]      # all probes, or the named ones
#
# Prints one line per probe ("probe NAME ... passed" / "... FAILED") and ends with
# "security probes: N passed, N failed"; exits non-zero when any failed.
set -uo pipefail
RAILWAY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$RAILWAY_ROOT"

probes=()
if [ $# -gt 0 ]; then
    for name in "$@"; do probes+=("test/security/${name%.sh}.sh"); done
else
    probes=(test/security/probe_*.sh)
fi
passed=0
failed=0
for probe in "${probes[@]}"; do
    [ -e "$probe" ] || continue
    name=$(basename "$probe" .sh)
    log=$(mktemp)
    start=$(date +%s%N)
    if timeout 300 bash "$probe" >"$log" 2>&1; then
        ms=$(( ($(date +%s%N) - start) / 1000000 ))
        printf 'probe %s ... passed (%d ms)\n' "${name#probe_}" "$ms"
        passed=$((passed + 1))
    else
        echo "probe ${name#probe_} ... FAILED"; tail -n 30 "$log" | sed 's/^/    /'
        failed=$((failed + 1))
    fi
    rm -f "$log"
done
echo "security probes: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
