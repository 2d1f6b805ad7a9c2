// Password hashing for railway.users: scrypt (OpenSSL's EVP_PBE_scrypt) with a random salt,
// stored with its cost parameters, and verification of the stored forms railway recognises.
//
// Stored forms:
//   PHC string (what railway writes):  $scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<key>
//       salt and key in standard base64 without padding (the PHC string format), e.g.
//       $scrypt$ln=14,r=8,p=1$ASNFZ4mrze8BI0VniavN7w$nO/zFLdEm8yYTnrvFm6KKlZhZaarWjSOjYvsYflUllY
//   Node.js (accepted, never written): <128 hex digits: 64-byte key>.<hex salt string>
//       what the common crypto.scrypt(password, salt, 64) code stores; N=16384, r=8, p=1, and
//       the salt is the hex *string* itself (its ASCII bytes), not the bytes it encodes.
#pragma once
#include "pure.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace railway::password {

struct ScryptParams {
    unsigned log2_n = 14;  // N = 2^log2_n
    unsigned r = 8;
    unsigned p = 1;
};
inline bool operator==(const ScryptParams& a, const ScryptParams& b) {
    return a.log2_n == b.log2_n && a.r == b.r && a.p == b.p;
}

// Cost of new hashes: N = 16384, r = 8, p = 1 (16 MiB, the cost of Node's default), so that a
// railway hash, a Node hash and the dummy hash used for unknown users all take the same time.
inline constexpr ScryptParams default_params{14, 8, 1};
inline constexpr std::size_t salt_bytes = 16;
inline constexpr std::size_t key_bytes = 32;

// Bounds on what a stored string may ask for: a verification is work and memory for the
// server, done at the request of whoever calls password_verify (a viewer may), uninterruptible
// inside OpenSSL. A stored hash may cost no more than what password_hash writes (and Node's
// default): memory 128 * r * N <= 16 MiB and work N * r * p <= 2^14 * 8, i.e.
// N * r <= 131072 and N * r * p <= 131072. Cheaper parameters are accepted (older or test
// hashes); dearer ones are not a railway hash at all (is_hash() false, verify() false), and
// neither are parameters scrypt refuses (N >= 2^(16 r), e.g. ln=16 with r=1).
inline constexpr std::uint64_t max_cost = (std::uint64_t{1} << 14) * 8;  // N * r * p
inline constexpr unsigned max_log2_n = 17;  // N * r <= max_cost with r >= 1
inline constexpr unsigned max_p = 16;
// True when scrypt with `params` costs no more than default_params (see above).
bool params_within_cap(const ScryptParams& params);

// The longest password accepted, in bytes: scrypt runs PBKDF2-HMAC-SHA256 over the whole
// password (twice, uninterruptible), so a 1 GB password would cost seconds. Longer ones are an
// error (22023) in hash() and verify(), raised before any work.
inline constexpr std::size_t max_password_bytes = 1024;
// The longest stored string that can be a hash (PHC: about 270 bytes at most; Node: 257).
inline constexpr std::size_t max_stored_bytes = 512;

enum class Format { phc_scrypt, node_scrypt };

struct Parsed {
    Format format;
    ScryptParams params;
    std::string salt;  // bytes given to scrypt
    std::string key;   // expected derived key
};

// The parsed form of a stored hash, or nullopt when `stored` is no recognised hash (including
// a well-formed one whose cost is beyond params_within_cap, or longer than max_stored_bytes).
std::optional<Parsed> parse(std::string_view stored);
inline bool is_hash(std::string_view stored) { return parse(stored).has_value(); }

// scrypt(password, salt) with the given parameters; throws railway::Error if OpenSSL fails.
std::string derive(std::string_view password, std::string_view salt, ScryptParams params,
                   std::size_t length);

// A new PHC string for `password` with a random salt (RAND_bytes). Refuses an empty password
// and one longer than max_password_bytes (22023).
std::string hash(std::string_view password, ScryptParams params = default_params);
// The PHC string for a given salt (deterministic; for tests and known vectors).
std::string hash_with_salt(std::string_view password, std::string_view salt,
                           ScryptParams params = default_params);

// True when `password` matches `stored`. An unrecognised `stored` (including a hash beyond the
// cost cap) is false after the same work as a real check of default cost. Compares in constant
// time (CRYPTO_memcmp). A password longer than max_password_bytes is an error (22023), raised
// before any work (whatever `stored` is, so the error says nothing about it).
bool verify(std::string_view password, std::string_view stored);

// The work of verify() against a hash of the default cost, for an unknown user: the answer
// is always false and takes as long as checking a real user's password.
bool verify_unknown_user(std::string_view password);

// The scrypt cost of that dummy check. A verification's time is that of one scrypt derivation
// at the stored hash's cost, so equal parameters mean equal time (tested without a clock).
ScryptParams unknown_user_params();

// Standard base64 without padding (PHC "B64"), and its strict decoder.
std::string b64_encode(std::string_view bytes);
std::optional<std::string> b64_decode(std::string_view text);

}  // namespace railway::password
