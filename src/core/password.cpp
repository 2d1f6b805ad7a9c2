#include "password.hpp"

#include "error.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>

namespace railway::password {
namespace {

constexpr char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;  // Node writes lower case only
}

std::optional<std::string> hex_decode(std::string_view text) {
    if (text.size() % 2 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        const int hi = hex_value(text[i]);
        const int lo = hex_value(text[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>(hi * 16 + lo));
    }
    return out;
}

bool is_lower_hex(std::string_view text) {
    for (char c : text)
        if (hex_value(c) < 0) return false;
    return true;
}

// Reads "<name>=<unsigned>" at the front of `text`, consuming it.
std::optional<unsigned> read_param(std::string_view& text, std::string_view name) {
    if (text.substr(0, name.size()) != name || text.size() <= name.size() ||
        text[name.size()] != '=')
        return std::nullopt;
    text.remove_prefix(name.size() + 1);
    if (text.empty() || text[0] < '1' || text[0] > '9') return std::nullopt;  // no leading zeros
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc()) return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    return value;
}

void check_password_length(std::string_view password) {
    if (password.size() > max_password_bytes)
        throw Error(sqlstate::invalid_parameter_value, "password is too long",
                    "A password may have at most " + std::to_string(max_password_bytes) +
                        " bytes; this one has " + std::to_string(password.size()) + ".");
}

std::optional<Parsed> parse_phc(std::string_view s) {
    constexpr std::string_view prefix = "$scrypt$";
    if (s.substr(0, prefix.size()) != prefix) return std::nullopt;
    s.remove_prefix(prefix.size());
    ScryptParams params;
    const auto ln = read_param(s, "ln");
    if (!ln || s.empty() || s[0] != ',') return std::nullopt;
    s.remove_prefix(1);
    const auto r = read_param(s, "r");
    if (!r || s.empty() || s[0] != ',') return std::nullopt;
    s.remove_prefix(1);
    const auto p = read_param(s, "p");
    if (!p || s.empty() || s[0] != '$') return std::nullopt;
    s.remove_prefix(1);
    params = {*ln, *r, *p};
    if (!params_within_cap(params)) return std::nullopt;
    const std::size_t dollar = s.find('$');
    if (dollar == std::string_view::npos) return std::nullopt;
    auto salt = b64_decode(s.substr(0, dollar));
    auto key = b64_decode(s.substr(dollar + 1));
    if (!salt || !key) return std::nullopt;
    if (salt->size() < 8 || salt->size() > 64 || key->size() < 16 || key->size() > 128)
        return std::nullopt;
    return Parsed{Format::phc_scrypt, params, std::move(*salt), std::move(*key)};
}

std::optional<Parsed> parse_node(std::string_view s) {
    // <128 hex digits>.<hex salt string of 16 to 128 digits>
    if (s.size() < 128 + 1 + 16 || s[128] != '.') return std::nullopt;
    const std::string_view salt = s.substr(129);
    if (salt.size() > 128 || !is_lower_hex(salt)) return std::nullopt;
    auto key = hex_decode(s.substr(0, 128));
    if (!key) return std::nullopt;
    return Parsed{Format::node_scrypt, ScryptParams{14, 8, 1}, std::string(salt), std::move(*key)};
}

bool matches(std::string_view password, const Parsed& parsed) {
    const std::string derived = derive(password, parsed.salt, parsed.params, parsed.key.size());
    return CRYPTO_memcmp(derived.data(), parsed.key.data(), derived.size()) == 0;
}

// A fixed hash of the default cost: what an unknown user's password is checked against.
const Parsed& dummy() {
    static const Parsed parsed{Format::phc_scrypt, default_params,
                               std::string(salt_bytes, '\x5a'), std::string(key_bytes, '\0')};
    return parsed;
}

}  // namespace

std::string b64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                           (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                           static_cast<unsigned char>(bytes[i + 2]);
        out.push_back(b64_alphabet[(v >> 18) & 63]);
        out.push_back(b64_alphabet[(v >> 12) & 63]);
        out.push_back(b64_alphabet[(v >> 6) & 63]);
        out.push_back(b64_alphabet[v & 63]);
    }
    const std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        out.push_back(b64_alphabet[(v >> 18) & 63]);
        out.push_back(b64_alphabet[(v >> 12) & 63]);
        if (rest == 2) out.push_back(b64_alphabet[(v >> 6) & 63]);
    }
    return out;
}

std::optional<std::string> b64_decode(std::string_view text) {
    if (text.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(text.size() * 3 / 4);
    unsigned buffer = 0;
    int bits = 0;
    for (char c : text) {
        const int v = b64_value(c);
        if (v < 0) return std::nullopt;
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xff));
        }
    }
    // Canonical form only: the unused low bits of the last character are zero.
    if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

bool params_within_cap(const ScryptParams& p) {
    if (p.log2_n < 1 || p.log2_n > max_log2_n || p.r < 1 || p.p < 1 || p.p > max_p)
        return false;
    // scrypt itself (RFC 7914, and OpenSSL) requires N < 2^(128 * r / 8).
    if (p.log2_n >= 16 * static_cast<std::uint64_t>(p.r))
        return false;
    const std::uint64_t n_r = (std::uint64_t{1} << p.log2_n) * p.r;  // < 2^17 * 2^32
    return n_r <= max_cost && n_r * p.p <= max_cost;
}

std::optional<Parsed> parse(std::string_view stored) {
    if (stored.size() > max_stored_bytes) return std::nullopt;
    if (!stored.empty() && stored[0] == '$') return parse_phc(stored);
    return parse_node(stored);
}

std::string derive(std::string_view password, std::string_view salt, ScryptParams params,
                   std::size_t length) {
    if (!params_within_cap(params))
        throw Error(sqlstate::invalid_parameter_value, "scrypt parameters out of range",
                    "railway accepts at most N * r = 131072 and N * r * p = 131072 (the cost of "
                    "ln=14, r=8, p=1).");
    check_password_length(password);
    const std::uint64_t n = std::uint64_t{1} << params.log2_n;
    // scrypt needs 128 * r * (N + p) bytes; leave OpenSSL some room above that.
    const std::uint64_t maxmem = 128ull * params.r * (n + params.p + 2) + (1u << 20);
    std::string out(length, '\0');
    if (EVP_PBE_scrypt(password.data(), password.size(),
                       reinterpret_cast<const unsigned char*>(salt.data()), salt.size(), n,
                       params.r, params.p, maxmem, reinterpret_cast<unsigned char*>(out.data()),
                       out.size()) != 1)
        throw Error(sqlstate::internal_error, "scrypt key derivation failed",
                    "OpenSSL EVP_PBE_scrypt returned an error.");
    return out;
}

std::string hash_with_salt(std::string_view password, std::string_view salt, ScryptParams params) {
    if (password.empty())
        throw Error(sqlstate::invalid_parameter_value, "password must not be empty");
    check_password_length(password);
    const std::string key = derive(password, salt, params, key_bytes);
    return "$scrypt$ln=" + std::to_string(params.log2_n) + ",r=" + std::to_string(params.r) +
           ",p=" + std::to_string(params.p) + "$" + b64_encode(salt) + "$" + b64_encode(key);
}

std::string hash(std::string_view password, ScryptParams params) {
    std::string salt(salt_bytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) != 1)
        throw Error(sqlstate::internal_error, "could not generate a random salt",
                    "OpenSSL RAND_bytes failed.");
    return hash_with_salt(password, salt, params);
}

bool verify(std::string_view password, std::string_view stored) {
    check_password_length(password);
    const std::optional<Parsed> parsed = parse(stored);
    if (!parsed) return verify_unknown_user(password);
    return matches(password, *parsed);
}

bool verify_unknown_user(std::string_view password) {
    check_password_length(password);
    (void)matches(password, dummy());
    return false;
}

ScryptParams unknown_user_params() { return dummy().params; }

}  // namespace railway::password
