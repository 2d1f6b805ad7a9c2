// The byte layout helpers shared by the serialize()/deserialize() pairs of the aggregate states
// (punctuality.cpp, day_set.cpp): little-endian integers and unsigned LEB128 varints, written to
// a std::vector and read back with bounds checks. Any malformed input is 22P03
// (invalid_binary_representation) with the message the caller names, e.g.
// "invalid serialized railway.punctuality state", and the reason as DETAIL.
#pragma once
#include "pure.hpp"

#include "error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace railway::wire {

// Appends the `bytes` low bytes of `value`, least significant first.
inline void put_le(std::vector<std::uint8_t>& out, std::uint64_t value, int bytes = 8) {
    for (int byte = 0; byte < bytes; ++byte)
        out.push_back(static_cast<std::uint8_t>(value >> (8 * byte)));
}

// Appends `value` as unsigned LEB128 (7 bits per byte, least significant first; 1 to 10 bytes).
inline void put_varint(std::vector<std::uint8_t>& out, std::uint64_t value) {
    while (value >= 0x80) {
        out.push_back(static_cast<std::uint8_t>(value | 0x80));
        value >>= 7;
    }
    out.push_back(static_cast<std::uint8_t>(value));
}

// Bounds-checked reading of bytes written with put_le / put_varint.
class Reader {
public:
    // `message` must outlive the reader (a string literal).
    Reader(const std::uint8_t* data, std::size_t size, const char* message)
        : next_(data), end_(data + size), message_(message) {}

    // Throws 22P03 with the reader's message and `why` as DETAIL.
    [[noreturn]] void fail(const std::string& why) const {
        throw Error(sqlstate::invalid_binary_representation, message_, why);
    }

    std::size_t remaining() const { return static_cast<std::size_t>(end_ - next_); }

    // An unsigned little-endian integer of `bytes` bytes (1 to 8).
    std::uint64_t le(int bytes) {
        if (remaining() < static_cast<std::size_t>(bytes))
            fail("The data ends too early.");
        std::uint64_t value = 0;
        for (int byte = 0; byte < bytes; ++byte)
            value |= static_cast<std::uint64_t>(next_[byte]) << (8 * byte);
        next_ += bytes;
        return value;
    }

    std::uint8_t u8() { return static_cast<std::uint8_t>(le(1)); }
    std::uint64_t u64() { return le(8); }
    std::int64_t i64() { return static_cast<std::int64_t>(le(8)); }

    // Canonical LEB128 only: no overlong encodings, nothing beyond 64 bits.
    std::uint64_t varint() {
        std::uint64_t value = 0;
        for (int shift = 0;; shift += 7) {
            const std::uint8_t byte = u8();
            if (shift == 63 && byte > 1)
                fail("A varint exceeds 64 bits.");
            value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
            if ((byte & 0x80) == 0) {
                if (byte == 0 && shift > 0)
                    fail("A varint is not in its shortest form.");
                return value;
            }
        }
    }

private:
    const std::uint8_t* next_;
    const std::uint8_t* end_;
    const char* message_;
};

}  // namespace railway::wire
