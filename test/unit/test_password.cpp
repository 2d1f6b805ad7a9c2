// scrypt password hashes: the PHC form railway writes, the Node.js form it accepts, parsing.
#include "core/error.hpp"
#include "core/password.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace pw = railway::password;

namespace {
// Made once with Node.js: crypto.scryptSync(password, saltHexString, 64).toString('hex') + '.' + salt
const std::string node_secret =
    "29c33339cb9e356aa6cd7f39af57b15e1857112c4e4f21d965f6861194961af8a6383716d8e212fb7a0fe5390f2f"
    "7686ed55549f2743a693f434cb7e1016ff77.1b63b7852744bf0f908ab910c5dde640";
const std::string node_staple =
    "1ea8ac9865a4e743a92ebc67d9bb7ce89210a1be2443babaa07c15fe00dce540d4fd82ce6f1ebcb40e9381484f6c"
    "eceb2d9270ce8a0154ca5cc73320d327cd61.ec66762efcd65989e3f5cbb77ced14d2";
// Made with Node.js too: scryptSync('secret', <the 16 salt bytes>, 32, {N:16384, r:8, p:1}).
const std::string phc_secret =
    "$scrypt$ln=14,r=8,p=1$ASNFZ4mrze8BI0VniavN7w$nO/zFLdEm8yYTnrvFm6KKlZhZaarWjSOjYvsYflUllY";
const std::string salt16("\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\xef", 16);
}  // namespace

TEST(Password, HashWithKnownSaltMatchesNodeVector) {
    EXPECT_EQ(pw::hash_with_salt("secret", salt16), phc_secret);
    // Other parameters (N = 1024, p = 2) and a non-ASCII password, also from Node.
    EXPECT_EQ(pw::hash_with_salt("p\xc3\xa4ssword", salt16, {10, 8, 2}),
              "$scrypt$ln=10,r=8,p=2$ASNFZ4mrze8BI0VniavN7w$ZX5OskGHAY6Lr8CD8jjbmwdhLCqOr0zufGzf4Z6LiLg");
}

TEST(Password, NewHashesAreSaltedAndVerify) {
    const std::string a = pw::hash("secret");
    const std::string b = pw::hash("secret");
    EXPECT_NE(a, b);  // random salt
    EXPECT_EQ(a.rfind("$scrypt$ln=14,r=8,p=1$", 0), 0u);
    EXPECT_TRUE(pw::verify("secret", a));
    EXPECT_TRUE(pw::verify("secret", b));
    EXPECT_FALSE(pw::verify("Secret", a));
    EXPECT_FALSE(pw::verify("", a));
    const auto parsed = pw::parse(a);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->salt.size(), pw::salt_bytes);
    EXPECT_EQ(parsed->key.size(), pw::key_bytes);
}

TEST(Password, CostParametersAreRecordedAndUsed) {
    const std::string cheap = pw::hash("secret", {10, 4, 1});
    EXPECT_EQ(cheap.rfind("$scrypt$ln=10,r=4,p=1$", 0), 0u);
    EXPECT_TRUE(pw::verify("secret", cheap));
    std::string other_cost = cheap;
    other_cost.replace(0, 20, "$scrypt$ln=11,r=4,p=1");
    EXPECT_TRUE(pw::is_hash(other_cost));
    EXPECT_FALSE(pw::verify("secret", other_cost));
}

TEST(Password, NodeFormatIsAccepted) {
    EXPECT_TRUE(pw::verify("secret", node_secret));
    EXPECT_FALSE(pw::verify("secret!", node_secret));
    EXPECT_TRUE(pw::verify("correct horse battery staple", node_staple));
    EXPECT_FALSE(pw::verify("secret", node_staple));
    const auto parsed = pw::parse(node_secret);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->format, pw::Format::node_scrypt);
    EXPECT_EQ(parsed->salt, "1b63b7852744bf0f908ab910c5dde640");  // the hex string itself
    EXPECT_EQ(parsed->key.size(), 64u);
}

TEST(Password, PlainTextAndMalformedHashesAreNotHashes) {
    for (const std::string& s : std::vector<std::string>{"", "secret", "scrypt$1$2$3", "$scrypt$", "$scrypt$ln=14,r=8,p=1$",
          "$scrypt$ln=14,r=8,p=1$ASNFZ4mrze8BI0VniavN7w$",
          "$scrypt$ln=14,r=8$ASNFZ4mrze8BI0VniavN7w$nO/zFLdEm8yYTnrvFm6KKlZhZaarWjSOjYvsYflUllY",
          "$scrypt$ln=014,r=8,p=1$ASNFZ4mrze8BI0VniavN7w$nO/zFLdEm8yYTnrvFm6KKlZhZaarWjSOjYvsYflUllY",
          "$scrypt$ln=30,r=8,p=1$ASNFZ4mrze8BI0VniavN7w$nO/zFLdEm8yYTnrvFm6KKlZhZaarWjSOjYvsYflUllY",
          "$scrypt$ln=14,r=8,p=1$ASNFZ4mrze8BI0VniavN7w==$nO/zFLdEm8yYTnrvFm6KKlZhZaarWjSOjYvsYflUllY",
          "$scrypt$ln=14,r=8,p=1$ASNF$nO/zFLdEm8yYTnrvFm6KKlZhZaarWjSOjYvsYflUllY",
          "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
          node_secret.substr(0, 128),                        // no salt
          node_secret.substr(0, 127) + "." + node_secret.substr(129),  // short key
          "X" + node_secret.substr(1),                       // not hex
          node_secret + "Z"}) {
        EXPECT_FALSE(pw::is_hash(s)) << s;
        EXPECT_FALSE(pw::verify("secret", s)) << s;
    }
    EXPECT_TRUE(pw::is_hash(phc_secret));
    EXPECT_TRUE(pw::is_hash(node_secret));
}

TEST(Password, EmptyPasswordIsRefused) {
    try {
        pw::hash("");
        FAIL() << "no exception";
    } catch (const railway::Error& e) {
        EXPECT_STREQ(e.sqlstate(), "22023");
    }
}

TEST(Password, Base64RoundTrips) {
    for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\xff\x00\x10", 3)}) {
        const auto decoded = pw::b64_decode(pw::b64_encode(s));
        ASSERT_TRUE(decoded);
        EXPECT_EQ(*decoded, s);
    }
    EXPECT_EQ(pw::b64_encode("abc"), "YWJj");
    EXPECT_EQ(pw::b64_encode("ab"), "YWI");
    EXPECT_FALSE(pw::b64_decode("YWJ"));   // non-canonical trailing bits
    EXPECT_FALSE(pw::b64_decode("Y"));
    EXPECT_FALSE(pw::b64_decode("YW=="));
}

TEST(Password, UnknownUserDoesTheSameWorkAsAWrongPassword) {
    // A check costs one scrypt derivation at the stored hash's parameters. An unknown user is
    // checked against a dummy of the default cost, which is also the cost of every hash railway
    // writes and of Node's hashes: the same work, hence the same time. (Compared structurally:
    // a clock in a test would flake on a busy machine.)
    EXPECT_EQ(pw::unknown_user_params(), pw::default_params);
    EXPECT_EQ(pw::parse(pw::hash("secret"))->params, pw::default_params);
    EXPECT_EQ(pw::parse(node_secret)->params, pw::default_params);
    EXPECT_FALSE(pw::verify_unknown_user("secret"));
    // An unrecognised stored string is checked like an unknown user.
    EXPECT_FALSE(pw::verify("secret", "plain text"));
}

namespace {
// phc_secret with other cost parameters (the salt and key stay: only parsing matters here).
std::string with_cost(const std::string& params) {
    return "$scrypt$" + params + "$ASNFZ4mrze8BI0VniavN7w$nO/zFLdEm8yYTnrvFm6KKlZhZaarWjSOjYvsYflUllY";
}
}  // namespace

TEST(Password, CostBeyondWhatPasswordHashWritesIsNotAHash) {
    // The attack: ln=20, r=16 costs 2 GiB and a minute per call, uninterruptible.
    for (const char* params :
         {"ln=20,r=16,p=1", "ln=15,r=8,p=1", "ln=14,r=9,p=1", "ln=14,r=16,p=1", "ln=14,r=8,p=2",
          "ln=18,r=1,p=1", "ln=16,r=1,p=1", "ln=1,r=65537,p=1", "ln=10,r=8,p=17", "ln=14,r=4294967295,p=1",
          "ln=64,r=1,p=1"}) {
        EXPECT_FALSE(pw::is_hash(with_cost(params))) << params;
        EXPECT_FALSE(pw::verify("secret", with_cost(params))) << params;
    }
    // Up to the default cost (memory 128 * r * N <= 16 MiB, work N * r * p <= 2^17): accepted.
    for (const char* params :
         {"ln=14,r=8,p=1", "ln=10,r=8,p=2", "ln=15,r=4,p=1", "ln=15,r=1,p=1", "ln=1,r=1,p=16",
          "ln=12,r=8,p=4", "ln=10,r=4,p=1"})
        EXPECT_TRUE(pw::is_hash(with_cost(params))) << params;
    EXPECT_TRUE(pw::params_within_cap(pw::default_params));
    // Every accepted cost can really be derived (OpenSSL refuses N >= 2^(16 r)); the dearest
    // ones, N * r = 2^17, with each r.
    for (unsigned ln = 1; ln <= pw::max_log2_n; ++ln) {
        for (unsigned r = 1; r <= 16; ++r) {
            if (pw::params_within_cap({ln, r, 1}) && (std::uint64_t{1} << ln) * r == pw::max_cost) {
                EXPECT_NO_THROW(pw::derive("x", salt16, {ln, r, 1}, 32)) << ln << " " << r;
            }
        }
    }
    EXPECT_FALSE(pw::params_within_cap({14, 8, 2}));
    try {
        pw::derive("secret", salt16, {20, 16, 1}, 32);
        FAIL() << "no exception";
    } catch (const railway::Error& e) {
        EXPECT_STREQ(e.sqlstate(), "22023");
    }
}

TEST(Password, AHashBeyondTheCapCostsOnlyTheDefaultWork) {
    // verify() treats it as no hash: the dummy check of default cost (about 50 ms), not a
    // minute. A generous clock bound: the point is "not 2 GiB and a minute".
    const auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(pw::verify("secret", with_cost("ln=20,r=16,p=1")));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(Password, PasswordsLongerThan1024BytesAreRefused) {
    const std::string longest(pw::max_password_bytes, 'x');
    const std::string too_long(pw::max_password_bytes + 1, 'x');
    const std::string stored = pw::hash(longest);
    EXPECT_TRUE(pw::verify(longest, stored));
    for (const auto& action : std::vector<std::function<void()>>{
             [&] { pw::hash(too_long); }, [&] { pw::verify(too_long, stored); },
             [&] { pw::verify(too_long, "not a hash"); },
             [&] { pw::verify_unknown_user(too_long); }}) {
        try {
            action();
            ADD_FAILURE() << "no exception";
        } catch (const railway::Error& e) {
            EXPECT_STREQ(e.sqlstate(), "22023");
            EXPECT_STREQ(e.what(), "password is too long");
            EXPECT_EQ(e.detail(), "A password may have at most 1024 bytes; this one has 1025.");
        }
    }
}

TEST(Password, StoredStringsLongerThan512BytesAreNotHashes) {
    // A Node hash with a 128-digit salt is 257 bytes; nothing railway accepts is longer than 512.
    EXPECT_TRUE(pw::is_hash(node_secret));
    EXPECT_FALSE(pw::is_hash(node_secret + std::string(600, 'a')));
    EXPECT_FALSE(pw::is_hash(std::string(100'000'000, '$')));
}
