#!/usr/bin/env bash
# Issue 11, item 7: an admin (who may not read railway.users.password) upserted a bad role and
# the CHECK's DETAIL printed the stored row, salt and hash included. Logged in as a real
# railway_admin, every refused change of users must show no hash.
source "$(dirname "$0")/lib.sh"
probe_database probe_hash_detail
probe_role probe_hash_admin railway_admin
"${PSQL[@]}" -c "SELECT railway.create_user('alice', 'alice-secret', 'operator')" >/dev/null || exit 2
hash=$(psql -X -At -c "SELECT password FROM railway.users WHERE username = 'alice'")
salt=$(echo "$hash" | cut -d'$' -f4)
out=$(as_role probe_hash_admin -v VERBOSITY=verbose \
      -c "INSERT INTO railway.users (username, password, role) VALUES ('alice', railway.password_hash('x'), 'viewer') ON CONFLICT (username) DO UPDATE SET role = 'bogus'" \
      2>&1; as_role probe_hash_admin -v VERBOSITY=verbose -c "UPDATE railway.users SET username = NULL" 2>&1;
      as_role probe_hash_admin -v VERBOSITY=verbose -c "UPDATE railway.users SET username = ' '" 2>&1;
      as_role probe_hash_admin -v VERBOSITY=verbose -c "UPDATE railway.users SET role = NULL" 2>&1;
      as_role probe_hash_admin -v VERBOSITY=verbose -c "UPDATE railway.users SET password = 'x'" 2>&1)
echo "$out"
echo "$out" | grep -q 'ERROR' || fail "the bad changes were not refused"
echo "$out" | grep -qF "$salt" && fail "the stored salt is in an error"
echo "$out" | grep -q 'scrypt' && fail "a password hash is in an error"
echo "$out" | grep -q 'Failing row' && fail "an error prints the row"
echo "no error shows the row"
