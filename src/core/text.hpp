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

// The offending text in a message, in double quotes, cut short (at most 40 bytes and "...") so
// that garbage input cannot flood the log.
inline std::string quoted(std::string_view text) {
    constexpr size_t kMaxShown = 40;
    std::string shown(text.substr(0, kMaxShown));
    if (text.size() > kMaxShown) shown += "...";
    return "\"" + shown + "\"";
}

}  // namespace railway
