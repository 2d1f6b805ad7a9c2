#!/usr/bin/env bash
# The application's own stack as a client: installs the pinned npm packages (npm ci, from
# package-lock.json), creates a fresh database with the railway extension in the cluster named
# by the PG* variables, and runs railway.test.mjs with node's test runner (TAP output, ending
# with "# pass N" and "# fail N"). Exit status: node's.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"
command -v node >/dev/null && command -v npm >/dev/null || { echo "node and npm are needed (Debian: apt-get install nodejs npm)" >&2; exit 1; }
npm ci --no-audit --no-fund --loglevel=error >/dev/null

db=railway_client_test
dropdb --if-exists "$db" 2>/dev/null
createdb "$db"
trap 'dropdb --if-exists "$db" 2>/dev/null || true' EXIT
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION railway CASCADE'
PGDATABASE=$db TZ=UTC node --test --test-reporter=tap railway.test.mjs
