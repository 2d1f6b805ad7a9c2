// A service pattern: one schedule row as a recurring service (DESIGN.md section 2), and the
// O(1) test of whether two of them ever overlap.
//
// The pattern departs at departure_us after midnight on every departure date D with
// first_day <= D <= last_day whose weekday is in `days`, and each occurrence occupies
// [D * kUsecPerDay + departure_us, ... + duration_us). Departure dates are further limited to
// [kMinDay, kMaxDay], the dates whose departure instant is a valid PostgreSQL timestamp, which
// is also how an infinite first_day / last_day is read.
#pragma once
#include "pure.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace railway {

// Whose runs a pattern describes, which decides when two runs conflict (DESIGN.md section 2):
//   kVehicle   a vehicle (a rake, a trainset, a bus block) cannot be in two places at once: two
//              runs conflict whenever they overlap, whatever their departure dates. This is the
//              rule of railway 1.0, and the kind of every pattern made without one (the byte is
//              zero in 1.0's values);
//   kNumbered  a numbered train identifies one run per departure date: two runs conflict only
//              when they depart on the same date and overlap.
// Two patterns conflict by the numbered rule only when both are numbered; a pair of mixed kinds
// (never of one train once its schedules are in step) is judged by the vehicle rule.
enum class TrainKind : uint8_t { kVehicle = 0, kNumbered = 1 };

// "vehicle" / "numbered", and back (nullopt for anything else).
const char* kind_name(TrainKind kind);
std::optional<TrainKind> parse_kind(std::string_view name);

// The on-disk value of SQL type railway.service_pattern: 32 bytes, no implicit padding, pad
// always zero, so that byte equality is value equality and hashing the bytes works.
struct ServicePattern {
    int64_t departure_us;  // time of day of the departure, [0, kUsecPerDay)
    int64_t duration_us;   // > 0: arrival - departure, may span midnight and several days
    int32_t first_day;     // first departure date; kDayMinusInfinity = since ever
    int32_t last_day;      // last departure date; kDayInfinity = open-ended
    uint8_t days;          // running-day mask, bit 0 = Monday; never 0, bit 7 never set
    TrainKind kind;        // whose runs: kVehicle (0, as in 1.0) or kNumbered
    uint8_t pad[6];        // always zero
};
static_assert(sizeof(ServicePattern) == 32);
static_assert(std::is_trivially_copyable_v<ServicePattern> &&
              std::is_standard_layout_v<ServicePattern>);

bool operator==(const ServicePattern& a, const ServicePattern& b);
inline bool operator!=(const ServicePattern& a, const ServicePattern& b) { return !(a == b); }

// A half-open interval of timestamps [start_us, end_us).
struct Window {
    int64_t start_us;
    int64_t end_us;
};
inline bool operator==(const Window& a, const Window& b) {
    return a.start_us == b.start_us && a.end_us == b.end_us;
}
inline bool operator!=(const Window& a, const Window& b) { return !(a == b); }

// The pattern of a schedule row (the SQL constructor). end_ts nullopt or +infinity means
// open-ended; start_ts may be -infinity. Throws:
//   22008 departure or arrival infinite or outside the timestamp range (same for start/end);
//   23514 'Arrival must be after departure', 'End date must be after start date' (the end
//         date may equal the start date: a one-day service), start +infinity, end -infinity;
//   23514 no running day (a schedule rule); 22023 bits above Sunday.
ServicePattern make_pattern(int64_t departure_ts, int64_t arrival_ts, uint8_t days,
                            int64_t start_ts, std::optional<int64_t> end_ts,
                            TrainKind kind = TrainKind::kVehicle);

// Whether runs of a and b conflict only when they depart on the same date: both numbered.
inline bool same_date_rule(const ServicePattern& a, const ServicePattern& b) {
    return a.kind == TrainKind::kNumbered && b.kind == TrainKind::kNumbered;
}

// Checks a value read from binary input; throws 22P03 naming the first field out of range.
void validate(const ServicePattern& pattern);

// Whether `day` is a departure date. False for the day infinities.
bool runs_on(const ServicePattern& pattern, int32_t day);

// The first departure date >= from_day (from_day may be an infinity), nullopt when none.
std::optional<int32_t> next_departure(const ServicePattern& pattern, int32_t from_day);

// The occurrence departing on `day` (not checked to be a departure date). Throws 22008 when it
// does not fit in the timestamp range.
Window occurrence(const ServicePattern& pattern, int32_t day);

// Whether runs of `a` and `b` conflict (DESIGN.md section 2): some occurrence of `a` overlaps
// some occurrence of `b` (back-to-back does not), and, when both are numbered (same_date_rule),
// the two depart on the same date. The one definition of a conflict: the && operator, the GiST
// index, the exclusion constraint, the trigger, the sweeps and the importer all call this (or
// first_conflicting_days). O(1) whatever the date ranges; never throws, whatever the bytes.
bool conflicts(const ServicePattern& a, const ServicePattern& b) noexcept;

// The departure dates of the earliest overlapping pair of occurrences: the pair whose
// overlap starts first and, among those, ends first. nullopt when the patterns do not conflict.
struct ConflictDays {
    int32_t day_a;
    int32_t day_b;
};
std::optional<ConflictDays> first_conflicting_days(const ServicePattern& a,
                                                   const ServicePattern& b) noexcept;

// The overlap of that earliest pair: [max(starts), min(ends)). Throws 22008 only when the
// window does not fit in the timestamp range.
std::optional<Window> first_conflict(const ServicePattern& a, const ServicePattern& b);

// Canonical text: "22:00:00 for 08:00:00 on 12345-- from 2024-01-01 to 2024-12-31", i.e. the
// departure time of day, the duration (hours unbounded: "for 50:30:00"), the running days (digit
// i at position i when the service runs that ISO weekday, '-' otherwise), the first date or
// "-infinity" and the last date or "infinity", then " numbered" for a numbered train's pattern
// (a vehicle's says nothing; input also takes " vehicle"). Dates may carry " BC"; seconds carry
// a fraction only when nonzero.
std::string format_pattern(const ServicePattern& pattern);

// Inverse of format_pattern. Tolerates any whitespace around tokens and HH:MM without seconds;
// anything else throws 22P02 saying what was expected at which (1-based) byte position.
ServicePattern parse_pattern(std::string_view text);

}  // namespace railway
