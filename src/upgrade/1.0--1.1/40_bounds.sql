-- Issue 11, item 3 (bounds): limits that no argument can lift.
-- password_verify and is_password_hash refuse stored hashes whose scrypt cost exceeds what
-- password_hash writes, and passwords longer than 1024 bytes are an error; punctuality's state
-- grows with the distinct delay minutes, not more than with its rows (the C code changed; here
-- only the comments that describe it).

COMMENT ON FUNCTION railway.password_hash(text) IS
    'A new scrypt hash of password with a random salt, as a PHC string that records the cost: $scrypt$ln=14,r=8,p=1$<salt>$<key> (base64). Refuses an empty password and one longer than 1024 bytes (22023).';
COMMENT ON FUNCTION railway.password_verify(text, text) IS
    'True when password matches the stored hash (railway''s PHC scrypt string, or Node.js crypto.scrypt''s <hex key>.<hex salt>), compared in constant time. A NULL or unrecognised stored hash, including one whose scrypt cost exceeds what password_hash writes (N * r and N * r * p at most 2^17, i.e. ln=14, r=8, p=1), is false after the same work as a real check (one scrypt derivation of the default cost). A password longer than 1024 bytes is an error (22023).';
COMMENT ON FUNCTION railway.is_password_hash(text) IS
    'True when stored is a password hash railway recognises (a PHC scrypt string or the Node.js scrypt form, at most the cost of ln=14, r=8, p=1, at most 512 bytes): the CHECK that keeps plain text, and hashes too costly to verify, out of railway.users.password.';
COMMENT ON AGGREGATE railway.punctuality(timestamp, timestamp) IS
    'Punctuality of runs (scheduled, actual), on time meaning at most 5 minutes late: railway.punctuality_stats. Rows without an actual time count in runs only; delays are actual - scheduled (negative = early). Exact; the state grows with the distinct delay minutes (about 8 bytes each beyond a window of at most 128 KiB), never with repeated ones, and never faster than its rows.';

-- A stored hash costlier than railway ever wrote (only a hand-made INSERT could store one under
-- 1.0) no longer verifies, and the row fails check_password_is_hash when it is next updated.
DO $bounds$
DECLARE
    costly bigint;
BEGIN
    SELECT pg_catalog.count(*) INTO costly FROM railway.users u
    WHERE NOT railway.is_password_hash(u.password);
    IF costly > 0 THEN
        RAISE WARNING 'railway: % user(s) have a password hash whose scrypt cost exceeds what railway.password_hash writes; they can no longer log in', costly
            USING HINT = 'Give them a new password with railway.set_password(username, new_password).';
    END IF;
END
$bounds$;
