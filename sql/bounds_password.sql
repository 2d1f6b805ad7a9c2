-- Limits that no argument can lift (issue 11): a stored hash may not ask for more scrypt work
-- or memory than railway.password_hash writes (ln=14, r=8, p=1: N * r and N * r * p at most
-- 2^17, 16 MiB), and a password has at most 1024 bytes. A viewer may call password_verify
-- with any stored string; ln=20, r=16 used to cost 2 GiB and a minute, uninterruptible.

-- Later tests count on the ids of railway.users: put its identity back as found at the end.
SELECT last_value AS users_last_id, is_called AS users_id_called
FROM railway.users_id_seq \gset

-- A generous timeout: every statement below is one scrypt check of the default cost at most.
SET statement_timeout = '10s';

-- Beyond the default cost: not a railway hash, and verification is the dummy check.
SELECT params,
       railway.is_password_hash(h) AS is_hash,
       railway.password_verify('secret', h) AS verifies
FROM (VALUES ('ln=20,r=16,p=1'), ('ln=15,r=8,p=1'), ('ln=14,r=16,p=1'), ('ln=14,r=8,p=2'),
             ('ln=17,r=2,p=1'), ('ln=16,r=1,p=1'), ('ln=10,r=8,p=17')) AS v(params),
     LATERAL (SELECT '$scrypt$' || params ||
                     '$ASNFZ4mrze8BI0VniavN7w$nO/zFLdEm8yYTnrvFm6KKlZhZaarWjSOjYvsYflUllY' AS h) AS s
ORDER BY params;

-- At or below it: a hash (ln=14, r=8, p=1 is the hash of 'secret'; the others only parse).
SELECT params,
       railway.is_password_hash(h) AS is_hash,
       railway.password_verify('secret', h) AS verifies
FROM (VALUES ('ln=14,r=8,p=1'), ('ln=15,r=4,p=1'), ('ln=15,r=1,p=1'), ('ln=10,r=8,p=2')) AS v(params),
     LATERAL (SELECT '$scrypt$' || params ||
                     '$ASNFZ4mrze8BI0VniavN7w$nO/zFLdEm8yYTnrvFm6KKlZhZaarWjSOjYvsYflUllY' AS h) AS s
ORDER BY params;

-- railway.users refuses a costly hash like plain text (its validate_user trigger, and the
-- CHECK check_password_is_hash behind it).
INSERT INTO railway.users (username, password)
VALUES ('costly', '$scrypt$ln=20,r=16,p=1$ASNFZ4mrze8BI0VniavN7w$nO/zFLdEm8yYTnrvFm6KKlZhZaarWjSOjYvsYflUllY');

-- A stored string longer than any hash is not one (checked before anything is decoded).
SELECT railway.is_password_hash(repeat('$', 100000)) AS long_dollars,
       railway.is_password_hash(repeat('a', 128) || '.' || repeat('b', 600)) AS long_node;

-- Passwords: 1024 bytes are fine, 1025 are an error (22023) in every function, whatever the
-- stored hash (the error says nothing about it).
SELECT railway.password_verify(repeat('x', 1024), railway.password_hash(repeat('x', 1024))) AS longest_ok;
SELECT railway.password_hash(repeat('x', 1025));
SELECT railway.password_verify(repeat('x', 1025), railway.password_hash('secret'));
SELECT railway.password_verify(repeat('é', 513), NULL);  -- 1026 bytes in UTF-8
SELECT railway.create_user('longpw', repeat('x', 2000));
SELECT railway.create_user('shortpw', 'secret') > 0 AS created;
SELECT railway.authenticate('shortpw', repeat('x', 1025));
SELECT railway.authenticate('nobody', repeat('x', 1025));
SELECT railway.set_password('shortpw', repeat('x', 1025));
SELECT railway.authenticate('shortpw', 'secret') AS still_secret;
DELETE FROM railway.users WHERE username = 'shortpw';

RESET statement_timeout;
SELECT pg_catalog.setval('railway.users_id_seq', :users_last_id, :'users_id_called') IS NOT NULL AS id_restored;
