#include "runs.hpp"

#include "calendar.hpp"

#include <algorithm>
#include <string>

namespace railway {

namespace {

std::string quoted(std::string_view value) {
    std::string out = "\"";
    out.append(value);
    out += '"';
    return out;
}

}  // namespace

std::optional<int32_t> previous_departure(const ServicePattern& pattern, int32_t day) {
    const int64_t first = std::max<int64_t>(pattern.first_day, kMinDay);
    int64_t d = std::min<int64_t>({static_cast<int64_t>(day), pattern.last_day, kMaxDay});
    if (pattern.days == 0) return std::nullopt;
    for (int step = 0; step < 7 && d >= first; ++step, --d)
        if (pattern.days & weekday_bit(d)) return static_cast<int32_t>(d);
    return std::nullopt;
}

int64_t count_departures(const ServicePattern& pattern, int32_t from_day, int32_t to_day) {
    const int64_t first = std::max<int64_t>({static_cast<int64_t>(from_day), pattern.first_day, kMinDay});
    const int64_t last = std::min<int64_t>({static_cast<int64_t>(to_day), pattern.last_day, kMaxDay});
    if (first > last) return 0;
    const int64_t span = last - first + 1;
    int bits = 0;
    for (int i = 0; i < 7; ++i) bits += (pattern.days >> i) & 1;
    int64_t count = (span / 7) * bits;
    for (int64_t d = first + (span / 7) * 7; d <= last; ++d)
        if (pattern.days & weekday_bit(d)) ++count;
    return count;
}

void check_run_row(const RunRow& row) {
    if (std::find(std::begin(kRunKinds), std::end(kRunKinds), row.kind) == std::end(kRunKinds))
        throw Error(sqlstate::check_violation, "Unknown run kind " + quoted(row.kind),
                    "kind must be planned (a date the schedule runs) or extra (a special run on "
                    "another date).",
                    "Use kind 'extra' for a run on a date the schedule does not run.");
    bool known = false;
    for (const char* status : {"scheduled", "running", "delayed", "completed", "cancelled"})
        known = known || row.status == status;
    if (!known)
        throw Error(sqlstate::check_violation, "Unknown run status " + quoted(row.status),
                    "status must be one of scheduled, running, delayed, completed, cancelled.",
                    "Use status 'cancelled' to cancel one run, 'delayed' with actual times for late running.");
    const auto finite = [](const char* column, int64_t ts) {
        if (ts == kTimestampMinusInfinity || ts == kTimestampInfinity)
            throw Error(sqlstate::datetime_field_overflow, std::string(column) + " must be finite",
                        std::string(column) + " is " + format_timestamp(ts) + ".",
                        "A run happens at a real time: give a finite timestamp.");
    };
    finite("planned_departure", row.planned_departure);
    finite("planned_arrival", row.planned_arrival);
    if (row.actual_departure) finite("actual_departure", *row.actual_departure);
    if (row.actual_arrival) finite("actual_arrival", *row.actual_arrival);
    if (row.planned_arrival <= row.planned_departure)
        throw Error(sqlstate::check_violation, "Planned arrival must be after planned departure",
                    "The run of " + format_date(row.run_date) + " would depart at " +
                        format_timestamp(row.planned_departure) + " and arrive at " +
                        format_timestamp(row.planned_arrival) + ".",
                    "Give a planned_arrival later than planned_departure.");
    if (row.actual_departure && row.actual_arrival && *row.actual_arrival < *row.actual_departure)
        throw Error(sqlstate::check_violation, "Actual arrival must not be before actual departure",
                    "The run of " + format_date(row.run_date) + " would have departed at " +
                        format_timestamp(*row.actual_departure) + " and arrived at " +
                        format_timestamp(*row.actual_arrival) + ".",
                    "Correct the actual times, or leave actual_arrival NULL until the train has arrived.");
}

void check_run_date(const RunRow& row, int64_t schedule_id, const ServicePattern& pattern) {
    if (row.kind != "planned" || runs_on(pattern, row.run_date)) return;
    const std::optional<int32_t> before = previous_departure(pattern, row.run_date);
    const std::optional<int32_t> after =
        row.run_date == kDayInfinity ? std::nullopt : next_departure(pattern, row.run_date + 1);
    std::string detail = "Schedule " + std::to_string(schedule_id) + " (" + format_pattern(pattern) +
                         ") does not run on " + format_date(row.run_date) + "; its nearest running dates are ";
    detail += before ? format_date(*before) : std::string("none");
    detail += " before and ";
    detail += after ? format_date(*after) : std::string("none");
    detail += " after.";
    throw Error(sqlstate::check_violation,
                "Schedule " + std::to_string(schedule_id) + " does not run on " + format_date(row.run_date),
                std::move(detail),
                "A planned run is on a date the schedule runs; use kind 'extra' for a special run on another date.");
}

void check_run_span(const RunRow& row) {
    // In 128 bits: run_date may be any finite date.
    __extension__ typedef __int128 Int128;  // __extension__: keeps -Wpedantic quiet
    const Int128 day_start = static_cast<Int128>(row.run_date) * kUsecPerDay;
    if (row.planned_departure < day_start - kUsecPerDay || row.planned_departure >= day_start + 2 * kUsecPerDay)
        throw Error(sqlstate::check_violation,
                    "Planned departure " + format_timestamp(row.planned_departure) + " is too far from run date " +
                        format_date(row.run_date),
                    "A run departs on its run date, or the day before or after it (a retiming across midnight).",
                    "Give a planned_departure from " + format_date(row.run_date - 1) + " 00:00 to " +
                        format_date(row.run_date + 1) + " 23:59:59; a run on another day is a run of that date.");
    if (row.planned_arrival - row.planned_departure > kMaxRunDuration)
        throw Error(sqlstate::check_violation,
                    "Run of " + format_date(row.run_date) + " lasts more than 10 days",
                    "It would depart at " + format_timestamp(row.planned_departure) + " and arrive at " +
                        format_timestamp(row.planned_arrival) + ".",
                    "A run lasts at most 10 days (240 hours): check the planned times.");
}

bool is_untouched_run(const ServicePattern& pattern, int32_t run_date, int64_t planned_departure,
                      int64_t planned_arrival) {
    const Window w = occurrence(pattern, run_date);
    return runs_on(pattern, run_date) && planned_departure == w.start_us && planned_arrival == w.end_us;
}

bool runs_conflict(TrainKind kind, const RunSlot& a, const RunSlot& b) noexcept {
    if (!(a.departure < b.arrival && b.departure < a.arrival)) return false;
    return kind == TrainKind::kVehicle || a.run_date == b.run_date;
}

RunSearchBounds run_search_bounds(TrainKind kind, const RunSlot& run) noexcept {
    if (kind == TrainKind::kNumbered) {
        // Same run date: departures from the day before it (check_run_span).
        const int64_t day_before = (int64_t{run.run_date} - 1) * kUsecPerDay;
        return {run.run_date, run.run_date, std::max(day_before, run.departure - kMaxRunDuration)};
    }
    const int64_t floor = run.departure - kMaxRunDuration;
    // A run departing in [floor, arrival) has its run date within a day of its departure's.
    return {timestamp_day(floor) - 1, timestamp_day(run.arrival - 1) + 1, floor};
}

Error run_conflict_error(TrainKind kind, const RunSlot& run, const RunSlot& other, std::string_view train_number) {
    const auto window = [](const RunSlot& r) {
        return "from " + format_timestamp(r.departure) + " to " + format_timestamp(r.arrival);
    };
    return Error(sqlstate::exclusion_violation,
                 "Run of schedule " + std::to_string(run.schedule_id) + " on " + format_date(run.run_date) +
                     " conflicts with the run of schedule " + std::to_string(other.schedule_id) + " on " +
                     format_date(other.run_date) + " of train " + std::string(train_number),
                 "The run of schedule " + std::to_string(other.schedule_id) + " on " + format_date(other.run_date) +
                     " is planned " + window(other) + "; this run " + window(run) + ".",
                 kind == TrainKind::kNumbered
                     ? "A numbered train makes one run at a time on each run date: retime one of the two runs, "
                       "or cancel one (status 'cancelled')."
                     : "A vehicle cannot be in two places at once: retime one of the two runs, or cancel one "
                       "(status 'cancelled').");
}

}  // namespace railway
