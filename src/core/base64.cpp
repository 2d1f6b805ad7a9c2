#include "base64.hpp"

namespace railway {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The 6-bit value of a base64 character, or -1.
int sextet(char c) {
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

std::optional<std::vector<std::uint8_t>> refuse(std::string* why, const char* reason) {
    if (why != nullptr)
        *why = reason;
    return std::nullopt;
}

}  // namespace

std::string base64_encode(const std::uint8_t* data, std::size_t size) {
    std::string out;
    out.reserve((size + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= size; i += 3) {
        const std::uint32_t bits = std::uint32_t{data[i]} << 16 | std::uint32_t{data[i + 1]} << 8 |
                                   std::uint32_t{data[i + 2]};
        out.push_back(kAlphabet[bits >> 18]);
        out.push_back(kAlphabet[(bits >> 12) & 63]);
        out.push_back(kAlphabet[(bits >> 6) & 63]);
        out.push_back(kAlphabet[bits & 63]);
    }
    if (size - i == 1) {
        const std::uint32_t bits = std::uint32_t{data[i]} << 16;
        out.push_back(kAlphabet[bits >> 18]);
        out.push_back(kAlphabet[(bits >> 12) & 63]);
        out.append("==");
    } else if (size - i == 2) {
        const std::uint32_t bits = std::uint32_t{data[i]} << 16 | std::uint32_t{data[i + 1]} << 8;
        out.push_back(kAlphabet[bits >> 18]);
        out.push_back(kAlphabet[(bits >> 12) & 63]);
        out.push_back(kAlphabet[(bits >> 6) & 63]);
        out.push_back('=');
    }
    return out;
}

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text, std::string* why) {
    if (text.size() % 4 != 0)
        return refuse(why, "The length is not a multiple of 4.");
    std::vector<std::uint8_t> out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        int padding = 0;
        if (last && text[i + 3] == '=')
            padding = text[i + 2] == '=' ? 2 : 1;
        std::uint32_t bits = 0;
        for (int k = 0; k < 4; ++k) {
            const int value = k >= 4 - padding ? 0 : sextet(text[i + k]);
            if (value < 0)
                return refuse(why, text[i + k] == '=' ? "Misplaced '=' padding."
                                                      : "A character is not base64.");
            bits = bits << 6 | static_cast<std::uint32_t>(value);
        }
        out.push_back(static_cast<std::uint8_t>(bits >> 16));
        if (padding < 2)
            out.push_back(static_cast<std::uint8_t>(bits >> 8));
        if (padding < 1)
            out.push_back(static_cast<std::uint8_t>(bits));
        // Canonical: the bits below the last whole byte are zero.
        if ((padding == 1 && (bits & 0xFF) != 0) || (padding == 2 && (bits & 0xFFFF) != 0))
            return refuse(why, "Nonzero bits after the last byte.");
    }
    return out;
}

}  // namespace railway
