# Citus test tooling (sourced, not run; needs test/lib/common.sh sourced first).
#   citus_build_install      builds Citus (../shared/vendor/citus) once per archive checksum and
#                            PostgreSQL version, in $RAILWAY_CITUS_CACHE (default
#                            /var/cache/railway-citus), and installs it into PG_CONFIG's PostgreSQL
#   citus_cluster_start [N]  a throwaway cluster on loopback: a coordinator and N (default 2)
#                            workers, each its own data directory and port, citus preloaded,
#                            database $CITUS_DB (default railway_citus) with citus and railway
#                            on every node, workers added to the coordinator. Exports
#                            CITUS_DIR, CITUS_PORTS (coordinator first), PGHOST/PGPORT/PGDATABASE
#                            (the coordinator) and CITUS_DB.
#   citus_cluster_stop       stops the nodes and removes their directories
#   citus_psql PORT ...      psql on node PORT of that cluster
# Citus is a test dependency only (AGPL-3.0): railway never links to it nor ships it. The build
# lives outside the repository; its Debian build dependencies are installed here (root only).
# When Citus cannot be built, citus_build_install returns 2 with the reason on stderr, so a test
# can skip saying so.

RAILWAY_CITUS_VENDOR=${RAILWAY_CITUS_VENDOR:-$RAILWAY_ROOT/../shared/vendor/citus}
RAILWAY_CITUS_CACHE=${RAILWAY_CITUS_CACHE:-/var/cache/railway-citus}
CITUS_DB=${CITUS_DB:-railway_citus}

citus_install_build_dependencies() {
    local packages=(postgresql-server-dev-15 liblz4-dev libzstd-dev libkrb5-dev
                    make gcc patch)
    local missing=() p
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "citus: missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
        return 1
    fi
    railway_log "installing Citus build dependencies: ${missing[*]}"
    # Another process may hold the dpkg lock (several test runs on one machine): wait for it.
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null \
        && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
               "${missing[@]}" >/dev/null
}

# The cached build directory for this archive and this PostgreSQL (major.minor: the patch and
# the headers depend on it).
citus_build_dir() {
    local archive=$RAILWAY_CITUS_VENDOR/citus-13.2.2.tar.gz sum pgv
    sum=$(sha256sum "$archive" | cut -c1-64) || return 1
    pgv=$("$(railway_pg_config)" --version | awk '{print $2}')
    echo "$RAILWAY_CITUS_CACHE/$sum/pg$pgv"
}

citus_build_install() {
    local pgc archive patchfile dir
    pgc=$(railway_pg_config)
    archive=$RAILWAY_CITUS_VENDOR/citus-13.2.2.tar.gz
    patchfile=$RAILWAY_CITUS_VENDOR/pg15.20-have_createdb_privilege.patch
    if [ ! -r "$archive" ]; then
        echo "citus: no Citus source at $archive" >&2; return 2
    fi
    citus_install_build_dependencies || { echo "citus: cannot install the build dependencies" >&2; return 2; }
    dir=$(citus_build_dir) || return 2
    mkdir -p "$dir" || { echo "citus: cannot create $dir" >&2; return 2; }
    (
        # One build at a time per cache directory (parallel test runs wait for it).
        flock 9
        if [ ! -e "$dir/built" ]; then
            railway_log "building Citus 13.2.2 in $dir (once per archive checksum)"
            rm -rf "$dir/src" && mkdir -p "$dir/src"
            tar -xzf "$archive" -C "$dir/src" || exit 2
            cd "$dir/src/citus-13.2.2" || exit 2
            # The patch is guarded by PG_VERSION_NUM itself: right for every PostgreSQL 15.
            patch -s -p1 <"$patchfile" || exit 2
            { ./configure PG_CONFIG="$pgc" --without-libcurl && make -j2; } >"$dir/build.log" 2>&1 \
                || { tail -n 30 "$dir/build.log" >&2; echo "citus: the build failed (log: $dir/build.log)" >&2; exit 2; }
            touch "$dir/built"
        fi
        # Install into this PG_CONFIG's PostgreSQL (cheap; the build is shared by every
        # installation of the same PostgreSQL version).
        if ! cmp -s "$dir/src/citus-13.2.2/src/backend/distributed/citus.so" "$("$pgc" --pkglibdir)/citus.so"; then
            make -C "$dir/src/citus-13.2.2" -s install PG_CONFIG="$pgc" >"$dir/install.log" 2>&1 \
                || { tail -n 20 "$dir/install.log" >&2; echo "citus: make install failed" >&2; exit 2; }
        fi
    ) 9>"$dir.lock"
}

citus_psql() {
    local port=$1; shift
    "$(railway_pg_bin)/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d "$CITUS_DB" "$@"
}

citus_cluster_start() {
    local workers=${1:-2} i port dir bin
    bin=$(railway_pg_bin)
    CITUS_DIR=$(mktemp -d /tmp/railway-citus.XXXXXX)
    chmod 755 "$CITUS_DIR"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$CITUS_DIR"
    CITUS_PORTS=()
    for i in $(seq 0 "$workers"); do
        dir=$CITUS_DIR/node$i
        railway_as_owner "$bin/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C --no-sync \
            >"$CITUS_DIR/initdb$i.log" 2>&1 || { cat "$CITUS_DIR/initdb$i.log" >&2; return 1; }
        port=$(railway_free_port) || { echo "citus: no free port" >&2; return 1; }
        railway_as_owner "$bin/pg_ctl" -D "$dir" -w -t 60 -l "$CITUS_DIR/node$i.log" \
            -o "-p $port -k $CITUS_DIR -c listen_addresses=127.0.0.1 -c shared_preload_libraries=citus -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=60 -c max_prepared_transactions=60 -c max_worker_processes=16 -c citus.max_cached_conns_per_worker=2" \
            start >/dev/null || { cat "$CITUS_DIR/node$i.log" >&2; return 1; }
        CITUS_PORTS+=("$port")
    done
    export CITUS_DIR CITUS_DB
    for port in "${CITUS_PORTS[@]}"; do
        "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
            -c "CREATE DATABASE $CITUS_DB" || return 1
        # railway on every node (the workers run its functions, triggers and constraints on
        # their shards); Citus first, so that it sees railway created.
        citus_psql "$port" -c "CREATE EXTENSION citus" -c "CREATE EXTENSION railway CASCADE" || return 1
    done
    citus_psql "${CITUS_PORTS[0]}" -c "SELECT citus_set_coordinator_host('127.0.0.1', ${CITUS_PORTS[0]})" >/dev/null || return 1
    for port in "${CITUS_PORTS[@]:1}"; do
        citus_psql "${CITUS_PORTS[0]}" -c "SELECT citus_add_node('127.0.0.1', $port)" >/dev/null || return 1
    done
    export PGHOST=127.0.0.1 PGPORT=${CITUS_PORTS[0]} PGUSER=postgres PGDATABASE=$CITUS_DB
}

citus_cluster_stop() {
    [ -n "${CITUS_DIR:-}" ] && [ -d "$CITUS_DIR" ] || return 0
    local d
    for d in "$CITUS_DIR"/node*/; do
        railway_as_owner "$(railway_pg_bin)/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1 || true
    done
    rm -rf "$CITUS_DIR"
    CITUS_DIR=
}
