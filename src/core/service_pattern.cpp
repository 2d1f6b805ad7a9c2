#include "service_pattern.hpp"

#include "calendar.hpp"
#include "error.hpp"
#include "running_days.hpp"

#include <algorithm>
#include <cstring>

namespace railway {

namespace {

__extension__ typedef __int128 int128;  // __extension__: __int128 is a GCC/Clang extension

constexpr int64_t kDay = kUsecPerDay;

// Monday = 0 ... Sunday = 6: the bit of a day mask that the day selects.
int weekday_index(int64_t day) { return iso_weekday(day) - 1; }

// Bit i of the result is bit (i + shift) mod 7 of the 7-bit mask; shift in [0, 7).
uint8_t rotate_mask(uint8_t mask, int shift) {
    return static_cast<uint8_t>(((mask >> shift) | (mask << (7 - shift))) & kAllDays);
}

// The first day >= from whose weekday is in mask (mask must not be empty).
int64_t first_day_in_mask(int64_t from, uint8_t mask) {
    return from + __builtin_ctz(rotate_mask(mask, weekday_index(from)));
}

// The last day <= to whose weekday is in mask (mask must not be empty).
int64_t last_day_in_mask(int64_t to, uint8_t mask) {
    int64_t day = to;
    while (!(mask & weekday_bit(day))) --day;
    return day;
}

// A pattern reduced to what the arithmetic needs: finite int64 departure dates, so nothing
// overflows at the extremes. Infinite ends (and anything beyond the timestamp range) are read
// as the first/last date whose departure is a valid timestamp.
struct Service {
    int64_t first;
    int64_t last;
    int64_t departure;
    int64_t duration;
    uint8_t mask;
    TrainKind kind;
};

// nullopt for a pattern with no departure date, or whose fields are out of range (possible
// only for unvalidated bytes; such a value then simply never runs).
std::optional<Service> service_of(const ServicePattern& p) {
    const Service s{std::max<int64_t>(p.first_day, kMinDay), std::min<int64_t>(p.last_day, kMaxDay),
                    p.departure_us, p.duration_us, static_cast<uint8_t>(p.days & kAllDays), p.kind};
    if (s.first > s.last || s.mask == 0 || s.departure < 0 || s.departure >= kDay ||
        s.duration <= 0) {
        return std::nullopt;
    }
    return s;
}

int64_t ceil_div(int64_t value, int64_t divisor) { return -floor_div(-value, divisor); }

// The earliest overlapping pair of occurrences (see the header for "earliest").
//
// Occurrence a on day Da and occurrence b on day Db = Da + k overlap iff
//     depA - depB - durB < k * DAY < depA + durA - depB,
// so k ranges over an interval [kmin, kmax], a handful of values for ordinary durations.
// For a fixed Da the best partner is the smallest valid Db (the window start max(startA,
// startB) and then its end only grow with Db), and that smallest Db never decreases as Da
// grows, so the answer is the smallest Da that has a partner, with its smallest partner.
// When both are numbered trains only runs departing on the same date count: k = 0 alone.
std::optional<ConflictDays> earliest_pair(const Service& a, const Service& b) {
    // The bounds of k, computed on (whole days, remainder) so that no sum overflows.
    const int64_t a_days = a.duration / kDay, a_rest = a.duration % kDay;
    const int64_t b_days = b.duration / kDay, b_rest = b.duration % kDay;
    int64_t k_min = floor_div(a.departure - b.departure - b_rest, kDay) - b_days + 1;
    int64_t k_max = ceil_div(a.departure - b.departure + a_rest, kDay) + a_days - 1;
    // Only offsets that the two date ranges allow.
    k_min = std::max(k_min, b.first - a.last);
    k_max = std::min(k_max, b.last - a.first);
    if (a.kind == TrainKind::kNumbered && b.kind == TrainKind::kNumbered) {
        k_min = std::max<int64_t>(k_min, 0);
        k_max = std::min<int64_t>(k_max, 0);
    }
    if (k_min > k_max) return std::nullopt;

    if (k_max - k_min < 7) {
        // Few offsets: for each, the candidate Da form a range, restricted to the weekdays
        // that run in a and whose Da + k runs in b; the earliest is within 7 days of its start.
        std::optional<ConflictDays> best;
        for (int64_t k = k_min; k <= k_max; ++k) {
            const int64_t low = std::max(a.first, b.first - k);
            const int64_t high = std::min(a.last, b.last - k);
            const uint8_t mask = a.mask & rotate_mask(b.mask, static_cast<int>(floor_mod(k, 7)));
            if (low > high || mask == 0) continue;
            const int64_t day_a = first_day_in_mask(low, mask);
            if (day_a <= high && (!best || day_a < best->day_a)) {
                best = ConflictDays{static_cast<int32_t>(day_a), static_cast<int32_t>(day_a + k)};
            }
        }
        return best;
    }

    // More than seven offsets: Db ranges over [max(b.first, Da + k_min), min(b.last, Da + k_max)],
    // at least a week long unless clipped by b's range, so it holds a running day of b iff
    // Da >= (b's first running day) - k_max and Da <= (b's last running day) - k_min.
    const int64_t b_first_run = first_day_in_mask(b.first, b.mask);
    const int64_t b_last_run = last_day_in_mask(b.last, b.mask);
    if (b_first_run > b.last) return std::nullopt;
    const int64_t low = std::max(a.first, b_first_run - k_max);
    const int64_t high = std::min(a.last, b_last_run - k_min);
    if (low > high) return std::nullopt;
    const int64_t day_a = first_day_in_mask(low, a.mask);
    if (day_a > high) return std::nullopt;
    const int64_t day_b = first_day_in_mask(std::max(b.first, day_a + k_min), b.mask);
    return ConflictDays{static_cast<int32_t>(day_a), static_cast<int32_t>(day_b)};
}

int128 occurrence_start(const ServicePattern& p, int64_t day) {
    return static_cast<int128>(day) * kDay + p.departure_us;
}

// The window [start, end) if it fits in the timestamp range; otherwise throws 22008 with
// `describe()` (built only then: this is on the hot path of first_conflict) naming it.
template <class Describe>
Window checked_window(int128 start, int128 end, Describe describe) {
    if (start < kMinTimestamp || end >= kEndTimestamp) {
        throw Error(sqlstate::datetime_field_overflow, "timestamp out of range",
                    describe() + " does not fit between 4714-11-24 BC and 294277-01-01.");
    }
    return Window{static_cast<int64_t>(start), static_cast<int64_t>(end)};
}

void require_timestamp_in_range(int64_t ts, const char* column) {
    if (ts == kTimestampMinusInfinity || ts == kTimestampInfinity) {
        throw Error(sqlstate::datetime_field_overflow, std::string(column) + " must be finite",
                    std::string(column) + " is " + format_timestamp(ts) + ".",
                    "A recurring service needs a real time; effective_start_date and "
                    "effective_end_date bound the dates it runs on.");
    }
    if (!is_valid_timestamp(ts)) {
        throw Error(sqlstate::datetime_field_overflow, std::string(column) + " out of range",
                    "The value " + std::to_string(ts) + " is not a valid timestamp.");
    }
}

[[noreturn]] void invalid_binary(const std::string& detail) {
    throw Error(sqlstate::invalid_binary_representation,
                "invalid binary railway.service_pattern value", detail);
}

}  // namespace

const char* kind_name(TrainKind kind) {
    return kind == TrainKind::kNumbered ? "numbered" : "vehicle";
}

std::optional<TrainKind> parse_kind(std::string_view name) {
    if (name == "numbered") return TrainKind::kNumbered;
    if (name == "vehicle") return TrainKind::kVehicle;
    return std::nullopt;
}

bool operator==(const ServicePattern& a, const ServicePattern& b) {
    return std::memcmp(&a, &b, sizeof(ServicePattern)) == 0;
}

ServicePattern make_pattern(int64_t departure_ts, int64_t arrival_ts, uint8_t days,
                            int64_t start_ts, std::optional<int64_t> end_ts, TrainKind kind) {
    require_timestamp_in_range(departure_ts, "scheduled_departure");
    require_timestamp_in_range(arrival_ts, "scheduled_arrival");
    if (arrival_ts <= departure_ts) {
        throw Error(
            sqlstate::check_violation, "Arrival must be after departure",
            "scheduled_arrival " + format_timestamp(arrival_ts) +
                " is not after scheduled_departure " + format_timestamp(departure_ts) + ".",
            "An overnight service arrives on a later date: give the arrival its full date.");
    }
    const int128 duration = static_cast<int128>(arrival_ts) - departure_ts;
    if (duration > std::numeric_limits<int64_t>::max()) {
        throw Error(sqlstate::datetime_field_overflow, "journey duration out of range",
                    "scheduled_arrival is more than 292,000 years after scheduled_departure.");
    }
    require_running_day(days);
    if (days & ~kAllDays) {
        throw Error(
            sqlstate::invalid_parameter_value, "running-day mask has bits above Sunday",
            "The mask is " + std::to_string(days) + "; only bits 0 (Monday) to 6 (Sunday) exist.");
    }
    if (start_ts == kTimestampInfinity) {
        throw Error(sqlstate::check_violation, "Start date cannot be infinity",
                    "A service whose effective_start_date is infinity never runs.",
                    "Use the first date the service runs, or -infinity for one that always has.");
    }
    if (end_ts && *end_ts == kTimestampMinusInfinity) {
        throw Error(sqlstate::check_violation, "End date cannot be -infinity",
                    "A service whose effective_end_date is -infinity never runs.",
                    "Use the last date the service runs, or NULL for an open-ended service.");
    }
    if (start_ts != kTimestampMinusInfinity) {
        require_timestamp_in_range(start_ts, "effective_start_date");
    }
    if (end_ts && *end_ts != kTimestampInfinity) {
        require_timestamp_in_range(*end_ts, "effective_end_date");
    }

    ServicePattern pattern{};
    const DayAndTime departure = split_timestamp(departure_ts);
    pattern.departure_us = departure.time_us;
    pattern.duration_us = static_cast<int64_t>(duration);
    pattern.first_day = timestamp_day(start_ts);
    pattern.last_day = end_ts ? timestamp_day(*end_ts) : kDayInfinity;
    pattern.days = days;
    pattern.kind = kind == TrainKind::kNumbered ? TrainKind::kNumbered : TrainKind::kVehicle;
    if (pattern.last_day < pattern.first_day) {
        throw Error(sqlstate::check_violation, "End date must be after start date",
                    "effective_end_date " + format_date(pattern.last_day) +
                        " is before effective_start_date " + format_date(pattern.first_day) + ".",
                    "The end date is the last date the service runs; it may equal the start date.");
    }
    return pattern;
}

void validate(const ServicePattern& p) {
    if (p.departure_us < 0 || p.departure_us >= kDay) {
        invalid_binary("departure time of day " + std::to_string(p.departure_us) +
                       " is outside [0, 86400000000) microseconds.");
    }
    if (p.duration_us <= 0) {
        invalid_binary("duration " + std::to_string(p.duration_us) + " is not positive.");
    }
    if (p.first_day != kDayMinusInfinity && (p.first_day < kMinDay || p.first_day > kMaxDay)) {
        invalid_binary("first day " + std::to_string(p.first_day) +
                       " is outside the timestamp range.");
    }
    if (p.last_day != kDayInfinity && (p.last_day < kMinDay || p.last_day > kMaxDay)) {
        invalid_binary("last day " + std::to_string(p.last_day) +
                       " is outside the timestamp range.");
    }
    if (p.last_day < p.first_day) {
        invalid_binary("last day " + std::to_string(p.last_day) + " is before first day " +
                       std::to_string(p.first_day) + ".");
    }
    if (p.days == 0 || (p.days & ~kAllDays)) {
        invalid_binary("running-day mask " + std::to_string(p.days) + " is outside [1, 127].");
    }
    if (p.kind != TrainKind::kVehicle && p.kind != TrainKind::kNumbered) {
        invalid_binary("train kind " + std::to_string(static_cast<int>(p.kind)) +
                       " is neither 0 (vehicle) nor 1 (numbered).");
    }
    for (uint8_t byte : p.pad) {
        if (byte != 0) invalid_binary("padding bytes are not zero.");
    }
}

bool runs_on(const ServicePattern& pattern, int32_t day) {
    const std::optional<Service> service = service_of(pattern);
    return service && day >= service->first && day <= service->last &&
           (service->mask & weekday_bit(day));
}

std::optional<int32_t> next_departure(const ServicePattern& pattern, int32_t from_day) {
    const std::optional<Service> service = service_of(pattern);
    if (!service) return std::nullopt;
    const int64_t day =
        first_day_in_mask(std::max<int64_t>(from_day, service->first), service->mask);
    if (day > service->last) return std::nullopt;
    return static_cast<int32_t>(day);
}

Window occurrence(const ServicePattern& pattern, int32_t day) {
    const int128 start = occurrence_start(pattern, day);
    return checked_window(start, start + pattern.duration_us,
                          [&] { return "The occurrence departing " + format_date(day); });
}

bool conflicts(const ServicePattern& a, const ServicePattern& b) noexcept {
    return first_conflicting_days(a, b).has_value();
}

std::optional<ConflictDays> first_conflicting_days(const ServicePattern& a,
                                                   const ServicePattern& b) noexcept {
    const std::optional<Service> service_a = service_of(a);
    const std::optional<Service> service_b = service_of(b);
    if (!service_a || !service_b) return std::nullopt;
    return earliest_pair(*service_a, *service_b);
}

std::optional<Window> first_conflict(const ServicePattern& a, const ServicePattern& b) {
    const std::optional<ConflictDays> days = first_conflicting_days(a, b);
    if (!days) return std::nullopt;
    const int128 start_a = occurrence_start(a, days->day_a);
    const int128 start_b = occurrence_start(b, days->day_b);
    return checked_window(std::max(start_a, start_b),
                          std::min(start_a + a.duration_us, start_b + b.duration_us), [&] {
                              return "The first conflict (departures on " +
                                     format_date(days->day_a) + " and " + format_date(days->day_b) +
                                     ")";
                          });
}

std::string format_pattern(const ServicePattern& pattern) {
    return format_clock(pattern.departure_us) + " for " + format_clock(pattern.duration_us) +
           " on " + format_running_days(pattern.days) + " from " + format_date(pattern.first_day) +
           " to " + format_date(pattern.last_day) +
           (pattern.kind == TrainKind::kNumbered ? " numbered" : "");
}

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Reads the fixed sequence of whitespace-separated tokens; each failure says what was expected
// and at which byte.
class PatternParser {
public:
    explicit PatternParser(std::string_view text) : text_(text) {}

    ServicePattern parse() {
        ServicePattern pattern{};

        const std::optional<int64_t> departure = parse_clock(next_token());
        if (!departure || *departure >= kDay) {
            fail("a departure time of day HH:MM[:SS[.ffffff]] before 24:00");
        }
        pattern.departure_us = *departure;

        expect_keyword("for");
        const std::optional<int64_t> duration = parse_clock(next_token());
        if (!duration) fail("a duration H:MM[:SS[.ffffff]]");
        if (*duration <= 0) fail("a duration greater than zero");
        pattern.duration_us = *duration;

        expect_keyword("on");
        pattern.days = parse_days(next_token());

        expect_keyword("from");
        pattern.first_day = parse_date_or("-infinity", kDayMinusInfinity,
                                          "a first date YYYY-MM-DD[ BC] or -infinity");
        const size_t first_day_position = token_position_;

        expect_keyword("to");
        pattern.last_day =
            parse_date_or("infinity", kDayInfinity, "a last date YYYY-MM-DD[ BC] or infinity");
        if (pattern.last_day < pattern.first_day) {
            token_position_ = first_day_position;
            fail("a first date on or before the last date");
        }

        const std::string_view kind = next_token();
        if (!kind.empty()) {
            const std::optional<TrainKind> parsed = parse_kind(kind);
            if (!parsed) fail("\"numbered\", \"vehicle\" or end of input");
            pattern.kind = *parsed;
            if (!next_token().empty()) fail("end of input");
        }
        return pattern;
    }

private:
    // The next run of non-whitespace bytes (empty at the end of the input).
    std::string_view next_token() {
        while (position_ < text_.size() && is_space(text_[position_])) ++position_;
        token_position_ = position_;
        while (position_ < text_.size() && !is_space(text_[position_])) ++position_;
        return text_.substr(token_position_, position_ - token_position_);
    }

    [[noreturn]] void fail(const std::string& expected) const {
        throw Error(
            sqlstate::invalid_text_representation,
            "invalid input syntax for type railway.service_pattern: expected " + expected +
                " at position " + std::to_string(token_position_ + 1),
            "A service pattern reads \"<departure time> for <duration> on <running days> "
            "from <first date> to <last date>\".",
            "For example: '22:00:00 for 08:00:00 on 12345-- from 2024-01-01 to 2024-12-31'.");
    }

    void expect_keyword(std::string_view keyword) {
        if (next_token() != keyword) fail("\"" + std::string(keyword) + "\"");
    }

    uint8_t parse_days(std::string_view token) {
        uint8_t days = 0;
        try {
            days = parse_running_days(token);
        } catch (const Error&) {
            fail("running days such as 12345-- (digit i or '-' at position i)");
        }
        if (days == 0) fail("at least one running day");
        return days;
    }

    // A date, possibly followed by the separate token "BC", or the given infinity keyword.
    int32_t parse_date_or(std::string_view infinity, int32_t infinity_day, const char* expected) {
        const std::string_view token = next_token();
        if (token == infinity) return infinity_day;
        const size_t date_position = token_position_;
        size_t date_end = position_;
        if (next_token() == "BC") {
            date_end = position_;
        } else {
            position_ = date_end;  // not an era: leave that token to the caller
        }
        token_position_ = date_position;
        const std::optional<int32_t> day =
            parse_date(text_.substr(date_position, date_end - date_position));
        if (!day) fail(expected);
        return *day;
    }

    std::string_view text_;
    size_t position_ = 0;
    size_t token_position_ = 0;
};

}  // namespace

ServicePattern parse_pattern(std::string_view text) { return PatternParser(text).parse(); }

}  // namespace railway
