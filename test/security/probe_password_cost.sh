#!/usr/bin/env bash
# Issue 11, item 3: railway.password_verify (a viewer may call it) with a stored-hash argument
# whose scrypt cost is ln=20, r=16 took about 2 GiB and a minute per call, ignoring
# statement_timeout; a huge password is PBKDF2 work too. Defeated when, as a railway_viewer
# login, the costly hash gives false within a second (the default-cost dummy check), is not a
# hash for the CHECK, and a 100 MB password is refused (22023) within a second.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

probe_database probe_password_cost
probe_role probe_pw_viewer railway_viewer

costly='$scrypt$ln=20,r=16,p=1$ASNFZ4mrze8BI0VniavN7w$nO/zFLdEm8yYTnrvFm6KKlZhZaarWjSOjYvsYflUllY'

# within_a_second LABEL EXPECTED SQL: as the viewer, with statement_timeout = 5s, the output
# (or the SQLSTATE of the error) must be EXPECTED and come within a second.
within_a_second() {
    local label=$1 expected=$2 sql=$3 start out took
    start=$(date +%s%N)
    out=$(PGOPTIONS="-c statement_timeout=5s" as_role probe_pw_viewer -At -v VERBOSITY=sqlstate -c "$sql" 2>&1)
    took=$(( ($(date +%s%N) - start) / 1000000 ))
    out=$(echo "$out" | sed 's/^ERROR: *//' | head -n 1)
    echo "$label: '$out' in ${took} ms"
    [ "$out" = "$expected" ] || fail "$label: expected '$expected', got '$out' after ${took} ms"
    [ "$took" -lt 1000 ] || fail "$label: took ${took} ms"
}

within_a_second "password_verify with ln=20, r=16" f \
    "SELECT railway.password_verify('secret', '$costly')"
within_a_second "three other costly hashes" "false false false" \
    "SELECT string_agg(railway.password_verify('x', h)::text, ' ')
     FROM (VALUES ('$costly'), (replace('$costly', 'ln=20,r=16', 'ln=17,r=8')),
                  (replace('$costly', 'ln=20,r=16,p=1', 'ln=14,r=8,p=16'))) v(h)"
within_a_second "is_password_hash with ln=20, r=16" f \
    "SELECT railway.is_password_hash('$costly')"
within_a_second "a 100 MB password" 22023 \
    "SELECT railway.password_verify(repeat('x', 100000000), NULL)"
within_a_second "authenticate with a 100 MB password" 22023 \
    "SELECT railway.authenticate('nobody', repeat('x', 100000000))"

# The CHECK refuses the costly hash, even for a superuser's INSERT.
out=$("${PSQL[@]}" -At -v VERBOSITY=sqlstate \
    -c "INSERT INTO railway.users (username, password) VALUES ('costly', '$costly')" 2>&1)
echo "INSERT of the costly hash: $out"
echo "$out" | grep -q 23514 || fail "the costly hash was stored: $out"
echo "defeated: costly hashes are not hashes, long passwords are refused, all within a second"
