# Shared shell functions for railway's scripts (sourced, not run).
#   railway_install_prerequisites   Debian packages the build and tests need (root only)
#   railway_build_install           build the module and install it into pg_config's PostgreSQL
#   railway_cluster_start           a throwaway cluster owned by the postgres user (sets PG*)
#   railway_cluster_stop            stops it and removes its directory
#   railway_bench_cluster           for benchmarks: the cluster of the PG* variables if one answers,
#                                   else build, install and start a throwaway one
#   railway_bench_cluster_stop      stops that throwaway one (never a cluster of yours)
#   railway_fresh_database NAME     drops and creates database NAME with railway in it (sets PGDATABASE)
# Every function is idempotent, so each script can run a second time on the same machine.

RAILWAY_ROOT=${RAILWAY_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

railway_log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Installs what a stock Debian machine with postgresql-15 lacks. apt-get update runs once,
# and only when something is missing.
railway_install_prerequisites() {
    local packages=(postgresql-server-dev-15 cmake g++ make clang-14 llvm-14 libgtest-dev
                    libbenchmark-dev libssl-dev postgresql-contrib)
    local missing=()
    local p
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    # The GTFS importer runs python3; the client test, Node.js and npm (any packaging of them).
    command -v python3 >/dev/null || missing+=(python3)
    command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "railway: missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
        return 1
    fi
    railway_log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The PostgreSQL to build for and run: PG_CONFIG when set (e.g. a private copy of the
# installation), else Debian's PostgreSQL 15. Its bindir supplies initdb, pg_ctl and postgres.
railway_pg_config() { echo "${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"; }
railway_pg_bin() { "$(railway_pg_config)" --bindir; }

railway_build_install() {
    local pgc
    pgc=$(railway_pg_config)
    railway_log "building and installing the railway extension ($("$pgc" --version))"
    make -C "$RAILWAY_ROOT" -s -j"$(nproc)" PG_CONFIG="$pgc" >/dev/null
    make -C "$RAILWAY_ROOT" -s install PG_CONFIG="$pgc" >/dev/null
}

railway_free_port() {
    local port
    for port in $(seq 54330 54999); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

# Runs a command as the cluster's owner: the postgres user when we are root (initdb and postgres
# refuse to run as root), ourselves otherwise.
railway_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Starts a throwaway cluster in a new temporary directory, on a free port, listening on
# 127.0.0.1 and on a socket in that directory. Exports PGHOST, PGPORT, PGUSER, PGDATABASE and
# RAILWAY_CLUSTER_DIR. Extra server settings may be passed as arguments ("-c name=value").
railway_cluster_start() {
    RAILWAY_CLUSTER_DIR=$(mktemp -d /tmp/railway-cluster.XXXXXX)
    chmod 755 "$RAILWAY_CLUSTER_DIR"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$RAILWAY_CLUSTER_DIR"
    local port attempt
    railway_as_owner "$(railway_pg_bin)/initdb" -D "$RAILWAY_CLUSTER_DIR/data" -U postgres -A trust \
        -E UTF8 --locale=C --no-sync >"$RAILWAY_CLUSTER_DIR/initdb.log" 2>&1 \
        || { cat "$RAILWAY_CLUSTER_DIR/initdb.log" >&2; return 1; }
    # Another cluster (a parallel run, a benchmark) may take the free port between the look-up
    # and the start: try again on another one.
    for attempt in 1 2 3 4 5; do
        port=$(railway_free_port) || { echo "railway: no free port" >&2; return 1; }
        if railway_as_owner "$(railway_pg_bin)/pg_ctl" -D "$RAILWAY_CLUSTER_DIR/data" -w -t 60 \
            -l "$RAILWAY_CLUSTER_DIR/server.log" \
            -o "-p $port -k $RAILWAY_CLUSTER_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off $*" \
            start >/dev/null; then
            break
        fi
        if [ "$attempt" -eq 5 ] || ! grep -q 'Address already in use' "$RAILWAY_CLUSTER_DIR/server.log"; then
            cat "$RAILWAY_CLUSTER_DIR/server.log" >&2; return 1
        fi
        sleep "$attempt"
    done
    export PGHOST=$RAILWAY_CLUSTER_DIR PGPORT=$port PGUSER=postgres PGDATABASE=postgres
    export RAILWAY_CLUSTER_DIR
}

railway_cluster_stop() {
    [ -n "${RAILWAY_CLUSTER_DIR:-}" ] && [ -d "$RAILWAY_CLUSTER_DIR" ] || return 0
    railway_as_owner "$(railway_pg_bin)/pg_ctl" -D "$RAILWAY_CLUSTER_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$RAILWAY_CLUSTER_DIR"
    RAILWAY_CLUSTER_DIR=
}

# Benchmarks that may run against a cluster of your own: use the cluster of the PG* variables if
# one answers; else build and install the extension and start a throwaway cluster (arguments as
# for railway_cluster_start), setting RAILWAY_BENCH_OWN_CLUSTER=1.
railway_bench_cluster() {
    RAILWAY_BENCH_OWN_CLUSTER=
    if ! "$(railway_pg_bin)/pg_isready" -q 2>/dev/null; then
        railway_build_install
        railway_cluster_start "$@"
        RAILWAY_BENCH_OWN_CLUSTER=1
    fi
}

railway_bench_cluster_stop() {
    [ -n "${RAILWAY_BENCH_OWN_CLUSTER:-}" ] && railway_cluster_stop
    return 0
}

# Drops and creates database $1 with railway (and btree_gist) installed; exports PGDATABASE=$1.
railway_fresh_database() {
    local psql
    psql="$(railway_pg_bin)/psql"
    export PGDATABASE=$1
    "$psql" -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1"
    "$psql" -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION railway CASCADE"
}
