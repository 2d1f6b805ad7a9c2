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

// Bounds on what a stored string may ask for (a hash is work and memory for the server).
inline constexpr unsigned max_log2_n = 20;
inline constexpr unsigned max_r = 16;
inline constexpr unsigned max_p = 16;

enum class Format { phc_scrypt, node_scrypt };

struct Parsed {
    Format format;
    ScryptParams params;
    std::string salt;  // bytes given to scrypt
    std::string key;   // expected derived key
};

// The parsed form of a stored hash, or nullopt when `stored` is no recognised hash.
std::optional<Parsed> parse(std::string_view stored);
inline bool is_hash(std::string_view stored) { return parse(stored).has_value(); }

// scrypt(password, salt) with the given parameters; throws railway::Error if OpenSSL fails.
std::string derive(std::string_view password, std::string_view salt, ScryptParams params,
                   std::size_t length);

// A new PHC string for `password` with a random salt (RAND_bytes). Refuses an empty password.
std::string hash(std::string_view password, ScryptParams params = default_params);
// The PHC string for a given salt (deterministic; for tests and known vectors).
std::string hash_with_salt(std::string_view password, std::string_view salt,
                           ScryptParams params = default_params);

// True when `password` matches `stored`. An unrecognised `stored` is false (after the same
// work as a real check). Compares in constant time (CRYPTO_memcmp).
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
