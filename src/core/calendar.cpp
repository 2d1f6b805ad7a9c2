#include "calendar.hpp"

#include <cstdio>

namespace railway {

namespace {

// Day numbers in the algorithms below count from 0000-03-01, so that the leap day is the last
// day of its "year" (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms").
constexpr int64_t kDaysPer400Years = 146'097;
constexpr int64_t kMarch1Year0ToEpoch = 730'425;  // 0000-03-01 .. 2000-01-01

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `count` digits at text[pos]; nullopt if any is missing.
std::optional<int> fixed_digits(std::string_view text, size_t pos, size_t count) {
    if (pos + count > text.size()) return std::nullopt;
    int value = 0;
    for (size_t i = pos; i < pos + count; ++i) {
        if (!is_digit(text[i])) return std::nullopt;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

CivilDate civil_from_day(int64_t day) {
    const int64_t z = day + kMarch1Year0ToEpoch;
    const int64_t era = floor_div(z, kDaysPer400Years);
    const int64_t day_of_era = z - era * kDaysPer400Years;  // [0, 146096]
    const int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    const int64_t day_of_year =
        day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const int64_t month_from_march = (5 * day_of_year + 2) / 153;  // March = 0
    const int day_of_month = static_cast<int>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
    const int month =
        static_cast<int>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
    const int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
    return CivilDate{year, month, day_of_month};
}

int64_t day_from_civil(int64_t year, int month, int day) {
    const int64_t march_year = month <= 2 ? year - 1 : year;
    const int64_t era = floor_div(march_year, 400);
    const int64_t year_of_era = march_year - era * 400;  // [0, 399]
    const int64_t month_from_march = month > 2 ? month - 3 : month + 9;
    const int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    const int64_t day_of_era =
        year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * kDaysPer400Years + day_of_era - kMarch1Year0ToEpoch;
}

int days_in_month(int64_t year, int month) {
    static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2) {
        const bool leap =
            floor_mod(year, 4) == 0 && (floor_mod(year, 100) != 0 || floor_mod(year, 400) == 0);
        return leap ? 29 : 28;
    }
    return kDays[month - 1];
}

DayAndTime split_timestamp(int64_t ts) {
    return DayAndTime{static_cast<int32_t>(floor_div(ts, kUsecPerDay)), floor_mod(ts, kUsecPerDay)};
}

int32_t timestamp_day(int64_t ts) {
    if (ts == kTimestampMinusInfinity) return kDayMinusInfinity;
    if (ts == kTimestampInfinity) return kDayInfinity;
    return split_timestamp(ts).day;
}

std::string format_date(int32_t day) {
    if (day == kDayMinusInfinity) return "-infinity";
    if (day == kDayInfinity) return "infinity";
    const CivilDate date = civil_from_day(day);
    const bool bc = date.year <= 0;
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%04lld-%02d-%02d%s",
                  static_cast<long long>(bc ? 1 - date.year : date.year), date.month, date.day,
                  bc ? " BC" : "");
    return buffer;
}

std::optional<int32_t> parse_date(std::string_view text) {
    size_t year_digits = 0;
    int64_t year = 0;
    while (year_digits < text.size() && is_digit(text[year_digits])) {
        if (++year_digits > 6) return std::nullopt;
        year = year * 10 + (text[year_digits - 1] - '0');
    }
    if (year_digits < 4 || text.size() < year_digits + 6 || text[year_digits] != '-' ||
        text[year_digits + 3] != '-') {
        return std::nullopt;
    }
    const std::optional<int> month = fixed_digits(text, year_digits + 1, 2);
    const std::optional<int> day = fixed_digits(text, year_digits + 4, 2);
    if (!month || !day) return std::nullopt;

    std::string_view rest = text.substr(year_digits + 6);
    bool bc = false;
    if (!rest.empty()) {
        size_t spaces = 0;
        while (spaces < rest.size() && is_space(rest[spaces])) ++spaces;
        if (spaces == 0 || rest.substr(spaces) != "BC") return std::nullopt;
        bc = true;
    }
    if (year == 0) return std::nullopt;  // there is no year 0 in either era
    if (bc) year = 1 - year;
    if (*month < 1 || *month > 12 || *day < 1 || *day > days_in_month(year, *month)) {
        return std::nullopt;
    }
    const int64_t number = day_from_civil(year, *month, *day);
    if (number < kMinDay || number > kMaxDay) return std::nullopt;
    return static_cast<int32_t>(number);
}

std::string format_clock(int64_t us) {
    const int64_t seconds_total = us / kUsecPerSecond;
    const int64_t fraction = us % kUsecPerSecond;
    char buffer[48];
    int length = std::snprintf(buffer, sizeof buffer, "%02lld:%02lld:%02lld",
                               static_cast<long long>(seconds_total / 3600),
                               static_cast<long long>(seconds_total / 60 % 60),
                               static_cast<long long>(seconds_total % 60));
    if (fraction != 0) {
        length += std::snprintf(buffer + length, sizeof buffer - static_cast<size_t>(length),
                                ".%06lld", static_cast<long long>(fraction));
        while (buffer[length - 1] == '0') --length;
    }
    return std::string(buffer, static_cast<size_t>(length));
}

std::optional<int64_t> parse_clock(std::string_view text) {
    // Hours first: stop accumulating once past any representable value (no overflow).
    constexpr uint64_t kMaxHours =
        static_cast<uint64_t>(std::numeric_limits<int64_t>::max() / kUsecPerHour);
    size_t pos = 0;
    uint64_t hours = 0;
    while (pos < text.size() && is_digit(text[pos])) {
        if (hours <= kMaxHours) hours = hours * 10 + static_cast<uint64_t>(text[pos] - '0');
        ++pos;
    }
    if (pos == 0 || hours > kMaxHours || pos >= text.size() || text[pos] != ':') {
        return std::nullopt;
    }
    const std::optional<int> minutes = fixed_digits(text, pos + 1, 2);
    if (!minutes || *minutes > 59) return std::nullopt;
    pos += 3;

    int seconds = 0;
    int64_t fraction_us = 0;
    if (pos < text.size()) {
        if (text[pos] != ':') return std::nullopt;
        const std::optional<int> parsed_seconds = fixed_digits(text, pos + 1, 2);
        if (!parsed_seconds || *parsed_seconds > 59) return std::nullopt;
        seconds = *parsed_seconds;
        pos += 3;
        if (pos < text.size()) {
            if (text[pos] != '.') return std::nullopt;
            const size_t digits = text.size() - pos - 1;
            if (digits < 1 || digits > 6) return std::nullopt;
            const std::optional<int> fraction = fixed_digits(text, pos + 1, digits);
            if (!fraction) return std::nullopt;
            fraction_us = *fraction;
            for (size_t i = digits; i < 6; ++i) fraction_us *= 10;
        }
    }
    const int64_t below_hour = *minutes * kUsecPerMinute + seconds * kUsecPerSecond + fraction_us;
    const int64_t hour_part = static_cast<int64_t>(hours) * kUsecPerHour;
    if (hour_part > std::numeric_limits<int64_t>::max() - below_hour) return std::nullopt;
    return hour_part + below_hour;
}

std::string format_timestamp(int64_t ts) {
    if (ts == kTimestampMinusInfinity) return "-infinity";
    if (ts == kTimestampInfinity) return "infinity";
    const DayAndTime parts = split_timestamp(ts);
    std::string date = format_date(parts.day);
    const std::string clock = format_clock(parts.time_us);
    // PostgreSQL puts the era after the time: "0044-03-15 12:00:00 BC".
    const size_t era = date.find(" BC");
    if (era == std::string::npos) return date + " " + clock;
    date.erase(era);
    return date + " " + clock + " BC";
}

}  // namespace railway
