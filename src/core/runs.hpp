// Runs: one day of a schedule (DESIGN.md sections 1 and 2). A run is identified by its schedule
// and its run date, the departure date D of the pattern; its planned times are by default the
// pattern's occurrence on D. This file has what railway.plan_runs and the rules trigger on
// railway.runs need from the core: the departure dates of a pattern in a window, the running
// dates nearest to a day, and the rules of a run row.
#pragma once
#include "pure.hpp"

#include "calendar.hpp"
#include "error.hpp"
#include "interrupts.hpp"
#include "service_pattern.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace railway {

// The largest window railway.plan_runs accepts, in days (two years: plan longer horizons with
// several calls; each call's rows are inserted in one transaction).
inline constexpr int32_t kMaxPlanDays = 731;

// The last departure date <= `day` (day may be an infinity), nullopt when none.
std::optional<int32_t> previous_departure(const ServicePattern& pattern, int32_t day);

// Calls emit(day) for every departure date D of `pattern` with from_day <= D <= to_day, in
// increasing order. Both bounds must be finite. Polls interrupts every 4096 candidate days, so a
// long window over many patterns can be cancelled.
template <typename Emit>
void for_each_departure(const ServicePattern& pattern, int32_t from_day, int32_t to_day,
                        Emit&& emit) {
    if (from_day > to_day) return;
    std::optional<int32_t> next = next_departure(pattern, from_day);
    if (!next || *next > to_day) return;
    const int64_t last = std::min<int64_t>(to_day, pattern.last_day);
    InterruptPoller poller(4096);
    int64_t day = *next;
    uint8_t bit = weekday_bit(day);
    for (; day <= last; ++day) {
        if (pattern.days & bit) emit(static_cast<int32_t>(day));
        bit = static_cast<uint8_t>(bit == 0x40 ? 0x01 : bit << 1);
        poller.tick();
    }
}

// Number of departure dates in [from_day, to_day] (finite bounds), without enumerating them:
// whole weeks count the mask's bits, the remainder is walked. Used by tests and to size buffers.
int64_t count_departures(const ServicePattern& pattern, int32_t from_day, int32_t to_day);

// A run row as the rules see it (railway.runs). Timestamps in PostgreSQL's representation.
struct RunRow {
    int32_t run_date;
    std::string_view kind;    // 'planned' or 'extra'
    std::string_view status;  // the schedules' set
    int64_t planned_departure;
    int64_t planned_arrival;
    std::optional<int64_t> actual_departure;  // nullopt = NULL
    std::optional<int64_t> actual_arrival;
};

inline constexpr const char* kRunKinds[] = {"planned", "extra"};

// Whether a planned run is untouched: on a date its schedule's pattern runs, with the pattern's
// occurrence on that date as its planned times (not retimed). Two untouched planned runs never
// conflict: their schedules passed the schedules' conflict rule. The kind is the caller's to
// check. Throws 22008 where the occurrence does.
bool is_untouched_run(const ServicePattern& pattern, int32_t run_date, int64_t planned_departure,
                      int64_t planned_arrival);

// The rules of a run that need no schedule: known kind (23514), known status (23514), finite
// times (22008), planned arrival after planned departure (23514), actual arrival not before
// actual departure (23514). Throws the first violation.
void check_run_row(const RunRow& row);

// The rule that needs the schedule: a 'planned' run is on a date the schedule runs (23514; the
// DETAIL names the nearest running dates before and after, the HINT says to use kind 'extra').
void check_run_date(const RunRow& row, int64_t schedule_id, const ServicePattern& pattern);

// --- Conflicts between runs (issue 13) -------------------------------------------------------
// DESIGN.md section 2's rule applied to runs: two runs of one train conflict when their planned
// windows [departure, arrival) overlap (back-to-back does not) and, for a numbered train, they
// have the same run date (a vehicle: whatever their dates). Which runs are compared (cancelled
// runs never; two untouched planned runs are consistent by the schedules' constraint) is decided
// by the trigger, see README "Runs".

// The longest run: a run's planned arrival is at most this after its planned departure.
inline constexpr int64_t kMaxRunDuration = 10 * kUsecPerDay;

// A run as the conflict rule sees it.
struct RunSlot {
    int64_t schedule_id;
    int32_t run_date;
    int64_t departure;  // planned, PostgreSQL timestamp
    int64_t arrival;    // planned, > departure
};

// The rules of a run's planned times that bound the conflict search (23514), checked when the
// planned times are written: the planned departure is on the run date, the day before or the
// day after (a retiming across midnight), and the run lasts at most kMaxRunDuration.
void check_run_span(const RunRow& row);

// Whether runs a and b of one train of `kind` conflict (see above). Never throws.
bool runs_conflict(TrainKind kind, const RunSlot& a, const RunSlot& b) noexcept;

// Where the runs that may conflict with `run` are, given check_run_span: their run dates lie in
// [first_date, last_date] and their planned departures in [departure_floor, run.arrival).
struct RunSearchBounds {
    int32_t first_date;
    int32_t last_date;
    int64_t departure_floor;
};
RunSearchBounds run_search_bounds(TrainKind kind, const RunSlot& run) noexcept;

// The 23P01 error for `run` conflicting with `other` of the train numbered `train_number`.
Error run_conflict_error(TrainKind kind, const RunSlot& run, const RunSlot& other, std::string_view train_number);

}  // namespace railway
