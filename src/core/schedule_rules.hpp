// The validation rules of a schedule row (DESIGN.md section 4), shared by
// railway.validate_schedule and the validation trigger. Each violation is a railway::Error with
// its own message, SQLSTATE, DETAIL and HINT.
#pragma once
#include "pure.hpp"

#include "error.hpp"
#include "running_days.hpp"
#include "service_pattern.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace railway {

// A schedule row as the rules see it. Columns a user's own table may lack are optional.
struct ScheduleRow {
    int64_t scheduled_departure;
    int64_t scheduled_arrival;
    DayMask running_days;  // the array's shape was checked when it was read
    int64_t effective_start_date;
    std::optional<int64_t> effective_end_date;         // nullopt = open-ended
    std::optional<std::string_view> status;            // nullopt = no status column
    std::optional<bool> is_cancelled;                  // nullopt = no is_cancelled column
    std::optional<int64_t> departure_location_id;      // nullopt = no location columns
    std::optional<int64_t> arrival_location_id;
    std::optional<int64_t> actual_departure;           // nullopt = unknown (NULL)
    std::optional<int64_t> actual_arrival;
};

inline constexpr const char* kScheduleStatuses[] = {"scheduled", "running", "delayed", "completed",
                                                    "cancelled"};

// Checks every rule but the conflict rule, in the order of DESIGN.md section 4, and returns
// the row's service pattern. Throws the first violation.
ServicePattern check_schedule_rules(const ScheduleRow& row);

// Whether the row takes part in conflicts: not cancelled by either column.
bool is_active(const ScheduleRow& row);

// The 23P01 error for a conflict with another schedule of the same train.
Error conflict_error(int64_t other_schedule_id, std::string_view train_number, const Window& first);

}  // namespace railway
