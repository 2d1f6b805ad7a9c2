#!/usr/bin/env bash
# Runs every railway test on this machine and ends with one line "N passed, N failed":
#   1. unit tests of src/core (GoogleTest, ctest)
#   2. libFuzzer targets of test/fuzz for a bounded time each (clang)
#   3. build and install the extension, start a throwaway cluster owned by postgres
#   4. pg_regress (sql/, expected/) and isolation specs (test/isolation) via make installcheck
#   5. integration scripts test/integration/*.sh (dump/restore, GTFS feeds, GTFS-realtime) against that cluster
#   6. the security probes test/security/probe_*.sh (README "Security"), one test each
#   7. the client test test/client (Drizzle ORM over node-postgres; npm ci, node --test)
# Installs what it needs (as root), cleans up after itself, exits non-zero on any failure.
# Options: RAILWAY_FUZZ_SECONDS (default 20 per target; 0 skips fuzzing).
set -uo pipefail

RAILWAY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$RAILWAY_ROOT/test/lib/common.sh"
cd "$RAILWAY_ROOT"

passed=0
failed=0
failures=()
record() {  # record <name> <passed> <failed>
    passed=$((passed + $2))
    failed=$((failed + $3))
    [ "$3" -gt 0 ] && failures+=("$1: $3 failed")
    return 0
}
finish() {
    railway_cluster_stop
    [ ${#failures[@]} -gt 0 ] && printf 'FAILED: %s\n' "${failures[@]}"
    echo "$passed passed, $failed failed (in $SECONDS s)"
    [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
    exit $?
}
trap 'railway_cluster_stop' EXIT
trap 'echo "interrupted" >&2; failed=$((failed + 1)); finish' INT TERM

railway_install_prerequisites || { record prerequisites 0 1; finish; }

# 1. Unit tests.
railway_log "[${SECONDS} s] unit tests (src/core, GoogleTest)"
unit_log=$(mktemp)
if cmake -S . -B build/unit -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null \
   && cmake --build build/unit -j"$(nproc)" >"$unit_log" 2>&1; then
    (cd build/unit && ctest --output-on-failure -j"$(nproc)") >"$unit_log" 2>&1
    tail -n 3 "$unit_log"
    total=$(sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\2/p' "$unit_log" | tail -n 1)
    bad=$(sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\1/p' "$unit_log" | tail -n 1)
    if [ -n "$total" ]; then
        record "unit tests" $((total - bad)) "$bad"
        [ "$bad" -gt 0 ] && grep -E 'Failed|FAILED|Expected|Which is|error' "$unit_log" | head -n 60
    else
        cat "$unit_log"; record "unit tests" 0 1
    fi
else
    cat "$unit_log"; record "unit build" 0 1
fi
rm -f "$unit_log"

# 2. Fuzzing: each target runs for a bounded time; a crash or a failed cross-check fails it.
fuzz_seconds=${RAILWAY_FUZZ_SECONDS:-20}
fuzz_sources=(test/fuzz/*_fuzz.cpp)
if [ "$fuzz_seconds" -gt 0 ] && [ -e "${fuzz_sources[0]}" ] && command -v clang++-14 >/dev/null; then
    railway_log "[${SECONDS} s] fuzzing (libFuzzer, ${fuzz_seconds}s per target)"
    if CXX=clang++-14 cmake -S . -B build/fuzz -DRAILWAY_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null \
       && cmake --build build/fuzz -j"$(nproc)" >build/fuzz.log 2>&1; then
        for src in "${fuzz_sources[@]}"; do
            name=$(basename "$src" .cpp)
            mkdir -p "build/fuzz/corpus-$name"
            if (cd build/fuzz && "./$name" -max_total_time="$fuzz_seconds" -seed=1 \
                    "corpus-$name" >"$name.log" 2>&1); then
                echo "fuzz $name ... ok ($(grep -o 'Done [0-9]* runs' "build/fuzz/$name.log"))"
                record "fuzz $name" 1 0
            else
                echo "fuzz $name ... FAILED"; tail -n 30 "build/fuzz/$name.log"
                record "fuzz $name" 0 1
            fi
        done
    else
        cat build/fuzz.log; record "fuzz build" 0 1
    fi
fi

# 3. Build, install and start a cluster.
if ! railway_build_install; then
    record "extension build" 0 1
    finish
fi
if ! railway_cluster_start -c max_connections=40 -c max_prepared_transactions=10; then
    record "cluster start" 0 1
    finish
fi

# 4. pg_regress and isolation specs.
railway_log "[${SECONDS} s] pg_regress and isolation specs"
rm -rf results regression.diffs regression.out test/isolation/output_iso
regress_log=$(mktemp)
make -s installcheck PG_CONFIG="$(railway_pg_config)" >"$regress_log" 2>&1
grep -E '\.\.\. ' "$regress_log"
ok=$(grep -cE '\.\.\. ok|\.\.\. failed \(ignored\)' "$regress_log")
bad=$(grep -cE '\.\.\. FAILED' "$regress_log")
if [ $((ok + bad)) -eq 0 ]; then
    cat "$regress_log"; bad=1
fi
record "pg_regress/isolation" "$ok" "$bad"
for diffs in regression.diffs test/isolation/output_iso/regression.diffs; do
    [ -s "$diffs" ] && head -n 200 "$diffs"
done
rm -f "$regress_log"

# 5. Integration scripts.
for script in test/integration/*.sh; do
    [ -e "$script" ] || continue
    name=$(basename "$script" .sh)
    log=$(mktemp)
    started=$SECONDS
    if bash "$script" >"$log" 2>&1; then
        echo "integration $name ... ok ($((SECONDS - started)) s)"
        record "integration $name" 1 0
    else
        echo "integration $name ... FAILED ($((SECONDS - started)) s)"; tail -n 40 "$log"
        record "integration $name" 0 1
    fi
    rm -f "$log"
done

# 6. Security probes (test/security): each attack of README "Security" counts as one test.
railway_log "[${SECONDS} s] security probes (test/security)"
probe_log=$(mktemp)
bash test/security/run.sh >"$probe_log" 2>&1
cat "$probe_log"
ok=$(grep -c '^probe .* \.\.\. passed' "$probe_log")
bad=$(grep -c '^probe .* \.\.\. FAILED' "$probe_log")
grep -q '^security probes: ' "$probe_log" || bad=$((bad + 1))
record "security probes" "$ok" "$bad"
rm -f "$probe_log"

# 7. The application's stack as a client: each node test counts.
railway_log "[${SECONDS} s] client test (Drizzle ORM over node-postgres)"
client_log=$(mktemp)
bash test/client/run.sh >"$client_log" 2>&1
client_rc=$?
grep -E '^(not )?ok [0-9]+ ' "$client_log" | sed 's/^/client /'
ok=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$client_log" | tail -n 1)
bad=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$client_log" | tail -n 1)
if [ -z "$ok" ] || [ -z "$bad" ]; then
    tail -n 40 "$client_log"; record "client test" 0 1
else
    [ "$bad" -gt 0 ] || [ "$client_rc" -ne 0 ] && grep -v '^ *duration_ms\|^ *\.\.\.$\|^ *---$' "$client_log" | tail -n 60
    [ "$client_rc" -ne 0 ] && [ "$bad" -eq 0 ] && bad=1
    record "client test" "$ok" "$bad"
fi
rm -f "$client_log"

finish
