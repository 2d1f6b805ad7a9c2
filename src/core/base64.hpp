// Base64 (RFC 4648, standard alphabet, with '=' padding, no line breaks): the compact text
// form of the aggregate states (README "Analytics": railway.punctuality_state and the others
// are their serialized bytes in base64, 4 characters per 3 bytes). Decoding is strict: any
// character outside the alphabet, whitespace, a missing or misplaced '=', a length that is not
// a multiple of 4 or nonzero bits left over in the last character is refused, so every state
// has exactly one text form.
#pragma once
#include "pure.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace railway {

std::string base64_encode(const std::uint8_t* data, std::size_t size);

// The bytes of `text`, or std::nullopt (with the reason in *why when given) when it is not
// canonical base64.
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text,
                                                       std::string* why = nullptr);

}  // namespace railway
