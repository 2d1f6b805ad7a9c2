#!/usr/bin/env bash
# Upgrades: every released version of railway, installed and updated to the newest with
# ALTER EXTENSION railway UPDATE, has exactly the catalog of a fresh install of the newest
# (test/lib/catalog_snapshot.sql: functions, types, operators, tables, columns, indexes,
# constraints, triggers, comments, privileges, ...). Any difference fails.
#
# Released versions are the frozen, committed railway--X.sql files in the repository root
# (with their upgrade scripts railway--X--Y.sql, installed by `make install`); the version in
# development (default_version of railway.control) is assembled from src/sql. README.md
# ("Releasing a version and writing an upgrade script") describes the convention.
#
# The harness also proves that it can fail. It installs synthetic old versions: the current
# script with some objects dropped at its end, each with an upgrade script to the current
# version. The correct upgrade script must compare equal; each broken one (a forgotten object,
# a forgotten comment, a privilege changed, an index rebuilt with another definition) must be
# detected. The synthetic files are removed afterwards.
#
# Runs against the cluster in PGHOST/PGPORT/PGUSER (test/run_all.sh starts one); needs write
# access to the extension directory of that PostgreSQL (as make install does).
set -euo pipefail

RAILWAY_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$RAILWAY_ROOT/test/lib/common.sh"
snapshot_sql=$RAILWAY_ROOT/test/lib/catalog_snapshot.sql
ext_dir="$("$(railway_pg_config)" --sharedir)/extension"
dev=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$RAILWAY_ROOT/railway.control")
[ -n "$dev" ] && [ -f "$ext_dir/railway--$dev.sql" ] || { echo "railway $dev is not installed in $ext_dir"; exit 1; }

work=$(mktemp -d /tmp/railway-upgrade.XXXXXX)
synthetic=()
dbs=()
cleanup() {
    local f db
    for f in "${synthetic[@]}"; do rm -f "$ext_dir/$f"; done
    for db in "${dbs[@]}"; do dropdb --if-exists "$db" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$@"; }

# snapshot <db> <file>
snapshot() { psql -X -q -d "$1" -f "$snapshot_sql" >"$2"; }

# install_and_update <db> <version>: CREATE EXTENSION at <version>, then ALTER EXTENSION UPDATE.
install_and_update() {
    dropdb --if-exists "$1"; createdb "$1"; dbs+=("$1")
    psql_db "$1" -c "CREATE EXTENSION railway VERSION '$2' CASCADE" \
                 -c "ALTER EXTENSION railway UPDATE"
    local got
    got=$(psql -X -At -d "$1" -c "SELECT extversion FROM pg_extension WHERE extname = 'railway'")
    [ "$got" = "$dev" ] || { echo "railway $2 updated to $got, not $dev"; return 1; }
}

# The reference: a fresh install of the newest version.
fresh=railway_upgrade_fresh
dropdb --if-exists "$fresh"; createdb "$fresh"; dbs+=("$fresh")
psql_db "$fresh" -c "CREATE EXTENSION railway CASCADE"
snapshot "$fresh" "$work/fresh.txt"
echo "fresh install of $dev: $(wc -l <"$work/fresh.txt") catalog lines"

failures=0

# 1. Every released version.
released=()
for f in "$RAILWAY_ROOT"/railway--*.sql; do
    [ -e "$f" ] || continue
    v=$(basename "$f" .sql); v=${v#railway--}
    case "$v" in *--*) continue ;; esac       # an upgrade script
    [ "$v" = "$dev" ] && continue              # the version in development (built from src/sql)
    released+=("$v")
done
if [ ${#released[@]} -eq 0 ]; then
    echo "no released version yet (only $dev, in development)"
fi
# Rows of every table of the extension (and their sequences' positions), as one text.
row_counts_sql="SELECT string_agg(format('%s %s', c.oid::regclass,
        (xpath('/row/n/text()', pg_catalog.query_to_xml(format('SELECT count(*) AS n FROM %s', c.oid::regclass), false, true, '')))[1]::text),
        ', ' ORDER BY c.oid::regclass::text)
    FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class c ON c.oid = d.objid AND d.classid = 'pg_class'::regclass
    WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e' AND c.relkind IN ('r', 'p')
      AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'railway')"
for v in "${released[@]}"; do
    db=railway_upgrade_from_$(echo "$v" | tr -c 'a-zA-Z0-9\n' '_')
    # The old version with data in its tables: the demo's sample timetable, a user, a cancelled
    # schedule (all audited). No row may be lost by the update.
    dropdb --if-exists "$db"; createdb "$db"; dbs+=("$db")
    psql_db "$db" -c "CREATE EXTENSION railway VERSION '$v' CASCADE" \
                  -f "$RAILWAY_ROOT/demo/sample_timetable.sql" \
                  -c "SELECT railway.create_user('upgrade_user', 'a long enough secret', 'operator')" \
                  -c "UPDATE railway.schedules SET status = 'cancelled', is_cancelled = true WHERE id = (SELECT min(id) FROM railway.schedules)" >/dev/null
    before=$(psql -X -At -d "$db" -c "$row_counts_sql")
    psql_db "$db" -c "ALTER EXTENSION railway UPDATE"
    got=$(psql -X -At -d "$db" -c "SELECT extversion FROM pg_extension WHERE extname = 'railway'")
    after=$(psql -X -At -d "$db" -c "$row_counts_sql")
    # Every table of the old version keeps at least its rows (the update may add rows to the
    # extension's own tables, such as schema_manifest; new tables are not compared).
    lost=""
    declare -A after_rows=()
    IFS=',' read -ra entries <<<"$after"
    for entry in "${entries[@]}"; do entry=${entry# }; after_rows[${entry% *}]=${entry##* }; done
    IFS=',' read -ra entries <<<"$before"
    for entry in "${entries[@]}"; do
        entry=${entry# }
        table=${entry% *}; n=${entry##* }
        [ "${after_rows[$table]:-missing}" != missing ] && [ "${after_rows[$table]}" -ge "$n" ] \
            || lost="$lost $table had $n rows, now ${after_rows[$table]:-missing};"
    done
    if [ "$got" != "$dev" ]; then
        echo "released $v updated to $got, not $dev"; failures=$((failures + 1))
    elif [ -n "$lost" ]; then
        echo "released $v -> $dev: rows changed by the update:$lost (after: $after)"; failures=$((failures + 1))
    elif snapshot "$db" "$work/from-$v.txt" \
       && diff -u "$work/fresh.txt" "$work/from-$v.txt" >"$work/from-$v.diff"; then
        echo "released $v -> $dev with data ($before): identical to a fresh install, no row lost"
    else
        echo "released $v -> $dev: DIFFERS from a fresh install:"; head -n 60 "$work/from-$v.diff"
        failures=$((failures + 1))
    fi
done

# 2. Self-test with synthetic old versions: the current script minus railway.version() and the
#    index idx_delayed_schedules.
add_version() {  # add_version <version> <upgrade script text>
    cp "$ext_dir/railway--$dev.sql" "$ext_dir/railway--$1.sql"
    printf '\n-- synthetic old version (test/integration/upgrade.sh)\nDROP FUNCTION railway.version();\nDROP INDEX railway.idx_delayed_schedules;\n' \
        >>"$ext_dir/railway--$1.sql"
    printf '%s\n' "$2" >"$ext_dir/railway--$1--$dev.sql"
    synthetic+=("railway--$1.sql" "railway--$1--$dev.sql")
}
function_def=$(psql -X -At -d "$fresh" -c "SELECT pg_get_functiondef('railway.version()'::regprocedure)" \
               | sed 's/^CREATE OR REPLACE FUNCTION/CREATE FUNCTION/')
function_comment=$(psql -X -At -d "$fresh" -c "SELECT format('COMMENT ON FUNCTION railway.version() IS %L;', obj_description('railway.version()'::regprocedure, 'pg_proc'))")
index_def=$(psql -X -At -d "$fresh" -c "SELECT pg_get_indexdef('railway.idx_delayed_schedules'::regclass) || ';'")
index_comment=$(psql -X -At -d "$fresh" -c "SELECT format('COMMENT ON INDEX railway.idx_delayed_schedules IS %L;', obj_description('railway.idx_delayed_schedules'::regclass, 'pg_class'))")
index_without_where=${index_def% WHERE*};
index_without_where="${index_without_where%;};"

add_version 0.0.1synthetic "$function_def;
$function_comment
$index_def
$index_comment"
add_version 0.0.2synthetic "-- forgets railway.version()
$index_def
$index_comment"
add_version 0.0.3synthetic "$function_def;
-- forgets the comment of railway.version()
$index_def
$index_comment"
add_version 0.0.4synthetic "$function_def;
$function_comment
REVOKE EXECUTE ON FUNCTION railway.version() FROM PUBLIC;
$index_def
$index_comment"
add_version 0.0.5synthetic "$function_def;
$function_comment
$index_without_where
$index_comment"

check_synthetic() {  # check_synthetic <version> <expect: same|differs> <what>
    local v=$1 expect=$2 what=$3 db=railway_upgrade_synthetic
    install_and_update "$db" "$v"
    snapshot "$db" "$work/from-$v.txt"
    if diff -u "$work/fresh.txt" "$work/from-$v.txt" >"$work/from-$v.diff"; then got=same; else got=differs; fi
    if [ "$got" = "$expect" ]; then
        echo "synthetic $v ($what): $got, as expected$( [ "$got" = differs ] && printf ' -- %s' "$(grep -E '^[-+][a-z]' "$work/from-$v.diff" | head -n 2 | cut -c1-110 | tr '\n' ' ')")"
    else
        echo "synthetic $v ($what): $got, but should be $expect"; head -n 40 "$work/from-$v.diff"
        failures=$((failures + 1))
    fi
    dropdb "$db"
}
check_synthetic 0.0.1synthetic same "correct upgrade script"
check_synthetic 0.0.2synthetic differs "upgrade forgets a function"
check_synthetic 0.0.3synthetic differs "upgrade forgets a comment"
check_synthetic 0.0.4synthetic differs "upgrade changes a privilege"
check_synthetic 0.0.5synthetic differs "upgrade creates an index with another definition"

[ "$failures" -eq 0 ] || { echo "$failures upgrade check(s) failed"; exit 1; }
echo "every upgrade path gives the catalog of a fresh install"
