-- Users and passwords: scrypt hashes with a random salt and their cost recorded; plain text
-- can never be stored; authenticate() accepts railway's hashes and Node.js crypto.scrypt's.

SELECT railway.create_user('alice', 'correct horse battery staple', 'admin') AS alice_id;
SELECT railway.create_user('bob', 'bob-secret') AS bob_id;  -- viewer by default
SELECT username, role,
       password ~ '^\$scrypt\$ln=14,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$' AS is_phc_scrypt,
       strpos(password, 'secret') = 0 AND strpos(password, 'staple') = 0 AS no_plain_text
FROM railway.users ORDER BY id;

SELECT railway.authenticate('alice', 'correct horse battery staple') AS alice,
       railway.authenticate('alice', 'Correct horse battery staple') AS alice_wrong,
       railway.authenticate('bob', 'bob-secret') AS bob,
       railway.authenticate('bob', '') AS bob_empty,
       railway.authenticate('mallory', 'bob-secret') AS unknown,
       railway.authenticate(NULL, 'bob-secret') AS null_user,
       railway.authenticate('bob', NULL) AS null_password;

-- Two hashes of one password differ (random salt) and both verify.
SELECT a <> b AS salted, railway.password_verify('pw', a) AND railway.password_verify('pw', b) AS both_verify
FROM (SELECT railway.password_hash('pw') AS a, railway.password_hash('pw') AS b) AS h;

-- The cost parameters are read from the stored string: a hash made with other costs verifies.
SELECT railway.password_verify('secret',
        '$scrypt$ln=10,r=8,p=2$ASNFZ4mrze8BI0VniavN7w$ZX5OskGHAY6Lr8CD8jjbmwdhLCqOr0zufGzf4Z6LiLg') AS wrong,
       railway.password_verify('pässword',
        '$scrypt$ln=10,r=8,p=2$ASNFZ4mrze8BI0VniavN7w$ZX5OskGHAY6Lr8CD8jjbmwdhLCqOr0zufGzf4Z6LiLg') AS right;

-- Users of an existing Node.js application keep working: crypto.scrypt hashes in the common
-- <hex key>.<hex salt> form (vectors made once with Node: scryptSync(pw, saltHex, 64)).
INSERT INTO railway.users (username, password, role) VALUES
    ('node_user', '29c33339cb9e356aa6cd7f39af57b15e1857112c4e4f21d965f6861194961af8a6383716d8e212fb7a0fe5390f2f7686ed55549f2743a693f434cb7e1016ff77.1b63b7852744bf0f908ab910c5dde640', 'operator'),
    ('node_user2', '1ea8ac9865a4e743a92ebc67d9bb7ce89210a1be2443babaa07c15fe00dce540d4fd82ce6f1ebcb40e9381484f6ceceb2d9270ce8a0154ca5cc73320d327cd61.ec66762efcd65989e3f5cbb77ced14d2', 'viewer');
SELECT railway.authenticate('node_user', 'secret') AS node_user,
       railway.authenticate('node_user', 'secret ') AS node_user_wrong,
       railway.authenticate('node_user2', 'correct horse battery staple') AS node_user2,
       railway.authenticate('node_user2', 'secret') AS node_user2_wrong;

-- set_password replaces the hash (and the Node.js one with railway's own form).
SELECT railway.set_password('node_user', 'new-secret') AS changed,
       railway.set_password('nobody', 'new-secret') AS changed_unknown;
SELECT railway.authenticate('node_user', 'secret') AS old_password,
       railway.authenticate('node_user', 'new-secret') AS new_password,
       password LIKE '$scrypt$%' AS now_phc
FROM railway.users WHERE username = 'node_user';

-- Plain text can never be stored, not even by a superuser's INSERT or UPDATE.
\set VERBOSITY terse
INSERT INTO railway.users (username, password) VALUES ('plain', 'hunter2');
INSERT INTO railway.users (username, password) VALUES ('plain', 'scrypt$1$2$3');
INSERT INTO railway.users (username, password) VALUES ('plain', '$scrypt$ln=14,r=8,p=1$c2FsdA$aGFzaA');
UPDATE railway.users SET password = 'bob-secret' WHERE username = 'bob';
UPDATE railway.users SET password = upper(password) WHERE username = 'node_user2';
-- Bad arguments (terse: the DETAIL of a constraint violation shows ids and timestamps).
SELECT railway.create_user('carol', '');
SELECT railway.create_user('carol', NULL);
SELECT railway.create_user('carol', 'carol-secret', 'superuser');
SELECT railway.create_user('alice', 'another');
SELECT railway.set_password('bob', NULL);
\set VERBOSITY default
SELECT count(*) AS users FROM railway.users;

-- What is and is not a password hash.
SELECT s AS stored, railway.is_password_hash(s) AS is_hash FROM (VALUES
    ('$scrypt$ln=14,r=8,p=1$ASNFZ4mrze8BI0VniavN7w$nO/zFLdEm8yYTnrvFm6KKlZhZaarWjSOjYvsYflUllY'),
    ('$scrypt$ln=14,r=8,p=1$ASNFZ4mrze8BI0VniavN7w$nO/zFLdEm8yYTnrvFm6KKlZhZaarWjSOjYvsYflUll'),
    ('$scrypt$ln=40,r=8,p=1$ASNFZ4mrze8BI0VniavN7w$nO/zFLdEm8yYTnrvFm6KKlZhZaarWjSOjYvsYflUllY'),
    ('$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234'),
    ('password'),
    ('')) AS t(s);

-- Wrong password and unknown user take the same time: an unknown user is checked against a
-- dummy hash of the default cost (the unit tests compare the costs; a clock here would flake).
SELECT railway.authenticate('bob', 'not-bobs') IS NULL AS wrong_password,
       railway.authenticate('nobody-at-all', 'not-bobs') IS NULL AS unknown_user;

TRUNCATE railway.users RESTART IDENTITY;
TRUNCATE railway.audit_log RESTART IDENTITY;
