// Small text helpers shared by the core's parsers (one implementation of each).
#pragma once
#include "pure.hpp"

#include <string>
#include <string_view>

namespace railway {

// Surrounding spaces and tabs removed.
inline std::string_view trim_spaces(std::string_view text) {
    const size_t begin = text.find_first_not_of(" \t");
    if (begin == std::string_view::npos) return {};
    return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

// The offending text in a message, in double quotes, cut short (at most max_shown bytes, at a
// UTF-8 character boundary, and "...") so that garbage input cannot flood the log.
inline std::string quoted(std::string_view text, size_t max_shown = 40) {
    if (text.size() <= max_shown) return "\"" + std::string(text) + "\"";
    size_t keep = max_shown;
    while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
    return "\"" + std::string(text.substr(0, keep)) + "...\"";
}

}  // namespace railway
