// libFuzzer target: two service patterns built from the input, with date ranges of at most 61
// days, so that a day-by-day expansion is cheap. Aborts when conflicts(), first_conflicting_days()
// or first_conflict() disagree with that expansion.
#include "core/calendar.hpp"
#include "core/error.hpp"
#include "core/service_pattern.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <tuple>

namespace {

using namespace railway;

__extension__ typedef __int128 int128;

constexpr int64_t kDay = kUsecPerDay;

// Ranges start near one of these, so the ends of the timestamp range get their share.
int64_t base_day(FuzzedDataProvider& input) {
    switch (input.ConsumeIntegralInRange(0, 3)) {
        case 0: return kMinDay;
        case 1: return kMaxDay - 130;
        case 2: return 8766;  // 2024-01-01
        default: return input.ConsumeIntegralInRange<int64_t>(kMinDay, kMaxDay - 130);
    }
}

ServicePattern make(FuzzedDataProvider& input, int64_t base) {
    ServicePattern p{};
    p.departure_us = input.ConsumeBool()
                         ? input.ConsumeIntegralInRange<int64_t>(0, 95) * 15 * kUsecPerMinute
                         : input.ConsumeIntegralInRange<int64_t>(0, kDay - 1);
    switch (input.ConsumeIntegralInRange(0, 3)) {
        case 0:
            p.duration_us = input.ConsumeIntegralInRange<int64_t>(1, 192) * 15 * kUsecPerMinute;
            break;
        case 1: p.duration_us = input.ConsumeIntegralInRange<int64_t>(1, 20 * kDay); break;
        case 2: p.duration_us = input.ConsumeIntegralInRange<int64_t>(1, INT64_MAX); break;
        default: p.duration_us = input.ConsumeIntegralInRange<int64_t>(1, 24) * kUsecPerHour; break;
    }
    p.days = input.ConsumeIntegralInRange<uint8_t>(1, 127);
    const int64_t first = base + input.ConsumeIntegralInRange<int64_t>(0, 60);
    const int64_t last = first + input.ConsumeIntegralInRange<int64_t>(0, 60);
    p.first_day = static_cast<int32_t>(first);
    p.last_day = static_cast<int32_t>(last);
    // Infinite ends only where they stay within a few days of the short range.
    if (base == kMinDay && input.ConsumeBool()) p.first_day = kDayMinusInfinity;
    if (base == kMaxDay - 130 && last >= kMaxDay - 70 && input.ConsumeBool()) {
        p.last_day = kDayInfinity;
    }
    return p;
}

struct Expected {
    int128 start, end;
    int64_t day_a, day_b;
};

// Every occurrence of a against every occurrence of b; the earliest by (start, end, days).
std::optional<Expected> expand(const ServicePattern& a, const ServicePattern& b) {
    const auto clamp_first = [](int32_t day) { return std::max<int64_t>(day, kMinDay); };
    const auto clamp_last = [](int32_t day) { return std::min<int64_t>(day, kMaxDay); };
    const auto runs = [](const ServicePattern& p, int64_t day) {
        return (p.days >> ((day % 7 + 7 + 5) % 7) & 1) != 0;  // bit 0 = Monday; day 0 is a Saturday
    };
    std::optional<Expected> best;
    for (int64_t day_a = clamp_first(a.first_day); day_a <= clamp_last(a.last_day); ++day_a) {
        if (!runs(a, day_a)) continue;
        const int128 start_a = int128{day_a} * kDay + a.departure_us,
                     end_a = start_a + a.duration_us;
        for (int64_t day_b = clamp_first(b.first_day); day_b <= clamp_last(b.last_day); ++day_b) {
            if (!runs(b, day_b)) continue;
            const int128 start_b = int128{day_b} * kDay + b.departure_us,
                         end_b = start_b + b.duration_us;
            if (start_a >= end_b || start_b >= end_a) continue;
            const Expected found{std::max(start_a, start_b), std::min(end_a, end_b), day_a, day_b};
            if (!best || std::tie(found.start, found.end, found.day_a, found.day_b) <
                             std::tie(best->start, best->end, best->day_a, best->day_b)) {
                best = found;
            }
        }
    }
    return best;
}

void check(const ServicePattern& a, const ServicePattern& b) {
    const std::optional<Expected> expected = expand(a, b);
    if (conflicts(a, b) != expected.has_value()) std::abort();
    const std::optional<ConflictDays> days = first_conflicting_days(a, b);
    if (days.has_value() != expected.has_value()) std::abort();
    if (!expected) {
        if (first_conflict(a, b)) std::abort();
        return;
    }
    if (days->day_a != expected->day_a || days->day_b != expected->day_b) std::abort();
    try {
        const std::optional<Window> window = first_conflict(a, b);
        if (!window || window->start_us != expected->start || window->end_us != expected->end) {
            std::abort();
        }
    } catch (const Error& error) {
        // Allowed only when the window does not fit in the timestamp range.
        if (std::strcmp(error.sqlstate(), sqlstate::datetime_field_overflow) != 0) std::abort();
        if (expected->end < kEndTimestamp) std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider input(data, size);
    const int64_t base = base_day(input);
    const ServicePattern a = make(input, base);
    const ServicePattern b = make(input, base);
    validate(a);
    validate(b);
    check(a, b);
    check(b, a);
    return 0;
}
