# Shared functions of the security probes (sourced by test/security/probe_*.sh).
#   probe_database NAME      drops and creates database NAME with railway, exports PGDATABASE
#   probe_role NAME GROUP    (re)creates a LOGIN role NAME that is a member of GROUP
#   as_role NAME ARGS...     psql as NAME (SET ROLE is not enough for some probes: a real login)
#   fail MESSAGE             prints MESSAGE and exits 1 (the attack succeeded)
#   expect_cancelled_within SECONDS SQL   runs SQL with statement_timeout = 1s as the current
#                            user and fails unless it is cancelled (57014) within SECONDS
set -uo pipefail
RAILWAY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$RAILWAY_ROOT/test/lib/common.sh"

PSQL=(psql -X -q -v ON_ERROR_STOP=1)
probe_dbs=()
probe_roles=()
probe_cleanup() {
    local db role
    for db in "${probe_dbs[@]}"; do
        psql -X -q -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$db' AND pid <> pg_backend_pid()" >/dev/null 2>&1
        dropdb --if-exists "$db" >/dev/null 2>&1
    done
    for role in "${probe_roles[@]}"; do psql -X -q -d postgres -c "DROP ROLE IF EXISTS $role" >/dev/null 2>&1; done
    return 0
}
trap probe_cleanup EXIT

fail() { echo "ATTACK SUCCEEDED: $*"; exit 1; }

probe_database() {
    dropdb --if-exists "$1" >/dev/null 2>&1
    createdb "$1" || exit 2
    probe_dbs+=("$1")
    export PGDATABASE=$1
    "${PSQL[@]}" -c "CREATE EXTENSION railway CASCADE" >/dev/null 2>&1 || exit 2
}

probe_role() {
    psql -X -q -d postgres -c "DROP OWNED BY $1" >/dev/null 2>&1
    psql -X -q -d postgres -c "DROP ROLE IF EXISTS $1" -c "CREATE ROLE $1 LOGIN IN ROLE $2" >/dev/null || exit 2
    probe_roles+=("$1")
}

as_role() { local role=$1; shift; PGUSER=$role "${PSQL[@]}" "$@"; }

# expect_cancelled_within SECONDS SQL [psql args...]: the statement must fail with 57014
# (query_canceled, from statement_timeout = 1s) and return within SECONDS.
expect_cancelled_within() {
    local limit=$1 sql=$2; shift 2
    local start end out
    start=$(date +%s%N)
    out=$(PGOPTIONS="-c statement_timeout=1s" psql -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=verbose "$@" -c "$sql" 2>&1)
    local rc=$?
    end=$(date +%s%N)
    local took_ms=$(( (end - start) / 1000000 ))
    echo "took ${took_ms} ms: $(echo "$out" | head -n 2 | tr '\n' ' ')"
    [ $rc -ne 0 ] || fail "the statement finished instead of being cancelled"
    echo "$out" | grep -q '57014' || fail "not cancelled (57014) but: $out"
    [ "$took_ms" -lt $((limit * 1000)) ] || fail "cancelled after ${took_ms} ms, more than ${limit} s"
}
