// libFuzzer target: arbitrary bytes into the service_pattern text parser. The parser must
// either reject the input with 22P02 or return a valid pattern whose canonical text round-trips.
// Anything else (another exception, a crash, undefined behaviour under the sanitizers) is a bug.
#include "core/error.hpp"
#include "core/service_pattern.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace railway;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    ServicePattern pattern;
    try {
        pattern = parse_pattern(text);
    } catch (const Error& error) {
        if (std::strcmp(error.sqlstate(), sqlstate::invalid_text_representation) != 0) std::abort();
        return 0;
    }
    validate(pattern);  // throws (and so crashes the fuzzer) if the parser let a bad value through
    const std::string canonical = format_pattern(pattern);
    const ServicePattern reparsed = parse_pattern(canonical);
    if (reparsed != pattern || format_pattern(reparsed) != canonical) std::abort();
    return 0;
}
