// Running days: which ISO weekdays (Monday = 1 ... Sunday = 7) a service runs on.
//
// The SQL column is boolean[7] (running_days[1] = Monday); inside railway it is a 7-bit mask,
// bit 0 = Monday. Its text form is the timetable convention of printing the day numbers that
// run and a dash for the others: "12345--" is Monday to Friday, "-----67" the weekend.
#pragma once
#include "pure.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace railway {

using DayMask = std::uint8_t;
inline constexpr DayMask kAllDays = 0x7F;

// "12345--" for Monday to Friday. The mask must be within kAllDays.
std::string format_running_days(DayMask days);

// Inverse of format_running_days; also accepts the empty mask "-------" (callers that need
// at least one running day check that themselves). Throws 22P02 on anything else.
DayMask parse_running_days(std::string_view text);

// Throws 23514 (a schedule rule, like the others of DESIGN.md section 4) when no day runs.
void require_running_day(DayMask days);

}  // namespace railway
