#include "schedule_rules.hpp"

#include "calendar.hpp"

#include <string>

namespace railway {

namespace {

bool known_status(std::string_view status) {
    for (const char* known : kScheduleStatuses) {
        if (status == known) return true;
    }
    return false;
}

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

}  // namespace

ServicePattern check_schedule_rules(const ScheduleRow& row) {
    // Arrival after departure, end date not before start date, at least one running day, and
    // finite times: make_pattern owns those rules and their messages.
    const ServicePattern pattern =
        make_pattern(row.scheduled_departure, row.scheduled_arrival, row.running_days,
                     row.effective_start_date, row.effective_end_date);

    if (row.status && !known_status(*row.status)) {
        throw Error(sqlstate::check_violation, "Unknown schedule status " + quoted(*row.status),
                    "status must be one of scheduled, running, delayed, completed, cancelled.",
                    "Use status 'delayed' with actual times for late running, 'cancelled' to cancel.");
    }
    if (row.status && row.is_cancelled && *row.is_cancelled != (*row.status == "cancelled")) {
        throw Error(sqlstate::check_violation,
                    "Cancellation is inconsistent: is_cancelled is " +
                        std::string(*row.is_cancelled ? "true" : "false") + " but status is " +
                        quoted(*row.status),
                    "A schedule is cancelled exactly when is_cancelled is true and status is 'cancelled'.",
                    "Set both together: status = 'cancelled', is_cancelled = true (or neither).");
    }
    if (row.departure_location_id && row.arrival_location_id &&
        *row.departure_location_id == *row.arrival_location_id) {
        throw Error(sqlstate::check_violation, "Departure and arrival locations must differ",
                    "Both are location " + std::to_string(*row.departure_location_id) + ".",
                    "A round trip is two schedules: out and back.");
    }
    if (row.actual_departure && row.actual_arrival && *row.actual_arrival < *row.actual_departure) {
        throw Error(sqlstate::check_violation, "Actual arrival must not be before actual departure",
                    "actual_arrival " + format_timestamp(*row.actual_arrival) +
                        " is before actual_departure " + format_timestamp(*row.actual_departure) + ".",
                    "Record the real times of the latest run; leave unknown times NULL.");
    }
    return pattern;
}

bool is_active(const ScheduleRow& row) {
    if (row.is_cancelled && *row.is_cancelled) return false;
    if (row.status && *row.status == "cancelled") return false;
    return true;
}

Error conflict_error(int64_t other_schedule_id, std::string_view train_number, const Window& first) {
    const std::string date = format_date(timestamp_day(first.start_us));
    return Error(sqlstate::exclusion_violation,
                 "Schedule conflicts with schedule " + std::to_string(other_schedule_id) + " of train " +
                     std::string(train_number) + " on " + date,
                 "Both would run from " + format_timestamp(first.start_us) + " to " +
                     format_timestamp(first.end_us) + " (the first overlapping window).",
                 "A train can run only one service at a time: change the departure time, running "
                 "days or effective dates, or cancel one of the two schedules.");
}

}  // namespace railway
