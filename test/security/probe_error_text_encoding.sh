#!/usr/bin/env bash
# Issue 11, item 8: railway cut its error text at 1,023 bytes in the middle of a UTF-8
# character; a client in another encoding then got 22021 instead of the real error.
source "$(dirname "$0")/lib.sh"
probe_database probe_error_encoding
out=$(PGCLIENTENCODING=LATIN1 psql -X -v VERBOSITY=verbose -c "SELECT railway.gtfs_load('f', 'x' || repeat(U&'\00E9', 700))" 2>&1)
echo "$out" | head -c 300; echo
echo "$out" | grep -q '22023' || fail "the LATIN1 client did not get the real error (22023)"
echo "$out" | grep -q '22021' && fail "the LATIN1 client got 22021 (a broken character)"

# The message as a value (an application that logs it, converts it or stores it): before the
# fix its last character was cut in half and converting it failed with 22021.
out=$(psql -X -At -v ON_ERROR_STOP=1 -c "DO \$\$ DECLARE m text; BEGIN
        PERFORM railway.gtfs_load('f', 'x' || repeat(U&'\00E9', 700));
    EXCEPTION WHEN invalid_parameter_value THEN
        GET STACKED DIAGNOSTICS m = MESSAGE_TEXT;
        RAISE NOTICE 'converted % bytes', octet_length(convert_to(m, 'LATIN1'));
    END \$\$" 2>&1) || fail "the message is not valid text: $out"
echo "$out"
echo "the real error arrives whole and is valid text"
