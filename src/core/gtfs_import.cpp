// GTFS feed → railway rows (see gtfs_import.hpp).
#include "gtfs_import.hpp"

#include "calendar.hpp"
#include "conflict_sweep.hpp"
#include "date_patterns.hpp"
#include "error.hpp"
#include "interrupts.hpp"
#include "text.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory_resource>
#include <set>
#include <tuple>

namespace railway::gtfs {
namespace {

// SQLSTATEs not in error.hpp: a duplicate id, an unknown reference, an unsupported feature.
constexpr const char* kUniqueViolation = "23505";
constexpr const char* kForeignKeyViolation = "23503";
constexpr const char* kFeatureNotSupported = "0A000";
constexpr const char* kProgramLimitExceeded = "54000";


[[noreturn]] void fail(const char* state, const char* file, int64_t line, const std::string& reason,
                       std::string detail = {}, std::string hint = {}) {
    throw Error(state, std::string(file) + " line " + std::to_string(line) + ": " + reason,
                std::move(detail), std::move(hint));
}

std::string clock(int64_t seconds) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%02lld:%02lld:%02lld", static_cast<long long>(seconds / 3600),
                  static_cast<long long>(seconds / 60 % 60), static_cast<long long>(seconds % 60));
    return buffer;
}

uint64_t fnv1a(std::string_view text) {
    uint64_t hash = 1469598103934665603ull;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ull;
    }
    return hash;
}

bool window_less(const Window& a, const Window& b) {
    return std::tie(a.start_us, a.end_us) < std::tie(b.start_us, b.end_us);
}

}  // namespace

std::string_view trim(std::string_view text) { return trim_spaces(text); }

std::string short_id(std::string_view id, size_t max_length) {
    if (id.size() <= max_length) return std::string(id);
    size_t keep = max_length - 7;
    while (keep > 0 && (static_cast<unsigned char>(id[keep]) & 0xC0) == 0x80) --keep;  // UTF-8 boundary
    char suffix[8];
    std::snprintf(suffix, sizeof suffix, "~%06llx",
                  static_cast<unsigned long long>(fnv1a(id) & 0xFFFFFFull));
    return std::string(id.substr(0, keep)) + suffix;
}

std::string truncate_utf8(std::string_view text, size_t max_chars) {
    size_t chars = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
            if (chars == max_chars) return std::string(text.substr(0, i));
            ++chars;
        }
    }
    return std::string(text);
}

ConflictMode parse_conflict_mode(std::string_view text) {
    if (text == "refuse") return ConflictMode::refuse;
    if (text == "skip") return ConflictMode::skip;
    if (text == "keep") return ConflictMode::keep;
    // Shown whole: the caller's argument, not feed data (PostgreSQL's error path bounds it).
    throw Error(sqlstate::invalid_parameter_value, "unknown conflict mode " + quoted(text, std::string_view::npos),
                "refuse: refuse a feed with conflicting trips (the default); skip: load the other "
                "trips and list those left out; keep: load every trip and list the conflicts.");
}

const char* train_source_name(TrainSource source) {
    switch (source) {
        case TrainSource::block_id: return "block_id";
        case TrainSource::trip_short_name: return "trip_short_name";
        case TrainSource::trip_id: return "trip_id";
    }
    return "?";
}

size_t Plan::schedules() const {
    size_t rows = 0;
    for (const PlannedTrip& trip : trips)
        if (!trip.skipped) rows += trip.patterns.size();
    return rows;
}

std::string describe(const Plan& plan, const TripConflict& conflict) {
    const PlannedTrip& trip = plan.trips[conflict.trip];
    std::string other = conflict.other_trip ? "trip " + plan.trips[*conflict.other_trip].trip_id
                                            : "stored schedule " + std::to_string(*conflict.other_schedule);
    return "trip " + trip.trip_id + " and " + other + " of train " + plan.trains[trip.train].number +
           " both run from " + format_timestamp(conflict.first.start_us) + " to " +
           format_timestamp(conflict.first.end_us);
}

std::string conflicts_detail(const Plan& plan, size_t max_listed) {
    std::string detail;
    const size_t listed = std::min(max_listed, plan.conflicts.size());
    for (size_t i = 0; i < listed; ++i) {
        std::string line = describe(plan, plan.conflicts[i]) + ".";
        const std::string cut = truncate_utf8(line, kMaxDetailLine);
        if (cut.size() < line.size()) line = cut + "...";
        detail += (i == 0 ? "" : "\n") + line;
    }
    const size_t more = plan.conflicts.size() - listed;
    if (more > 0) {
        detail += (listed == 0 ? "" : "\n") + std::string("... and ") + std::to_string(more) + " more conflicting " +
                  (more == 1 ? "pair" : "pairs") + " (railway.gtfs_conflicts() lists them all)";
    }
    return detail;
}

// ---------------------------------------------------------------------------------------------
// Rows

void FeedBuilder::row_notice(const char* state, const char* kind, const char* file, int64_t line,
                             const std::string& reason, std::string_view trip_id, std::string detail) {
    if (strict) fail(state, file, line, reason, std::move(detail));
    notices_.push_back(Notice{file, line, kind, reason, std::string(trip_id)});
}

void FeedBuilder::trip_problem(Trip& trip, const char* state, const char* kind, const char* file, int64_t line,
                               const std::string& reason, std::string detail) {
    if (strict) fail(state, file, line, reason, std::move(detail));
    if (!trip.problem) trip.problem = Problem{kind, file, line, reason};
}

void FeedBuilder::add_notice(Notice notice) {
    if (strict) fail(sqlstate::invalid_text_representation, notice.file.c_str(), notice.line, notice.reason);
    notices_.push_back(std::move(notice));
}

std::map<std::string, size_t> Plan::notice_counts() const {
    std::map<std::string, size_t> counts;
    for (const Notice& notice : notices) ++counts[notice.kind];
    for (const SkippedTrip& trip : skipped) ++counts[trip.kind];
    return counts;
}

namespace {
// A required field: empty gives the reason, else nullopt.
std::optional<std::string> missing(const char* file, const char* field, std::string_view value) {
    if (!value.empty()) return std::nullopt;
    return std::string(field) + " is empty (GTFS requires it in every row of " + file + ")";
}
// The SQLSTATE and message of a parser's error, or nullopt when it parses.
template <typename Parse>
std::optional<std::pair<std::string, std::string>> parse_error(const char* field, Parse&& parse) {
    try {
        parse();
        return std::nullopt;
    } catch (const Error& e) {
        return std::make_pair(std::string(e.sqlstate()), std::string(field) + ": " + e.what());
    }
}
}  // namespace

void FeedBuilder::add_route(int64_t line, std::string_view route_id, std::string_view short_name,
                            std::string_view long_name) {
    has_routes = true;
    route_id = trim(route_id);
    if (auto why = missing("routes.txt", "route_id", route_id))
        return row_notice(sqlstate::not_null_violation, "bad_row", "routes.txt", line, *why);
    const std::string_view name = trim(short_name).empty() ? trim(long_name) : trim(short_name);
    if (!routes_.emplace(std::string(route_id), Route{std::string(name)}).second)
        row_notice(kUniqueViolation, "duplicate", "routes.txt", line, "route_id " + quoted(route_id) + " appears twice");
}

void FeedBuilder::add_stop(int64_t line, std::string_view stop_id, std::string_view stop_code,
                           std::string_view stop_name, std::string_view location_type) {
    static const char* const file = "stops.txt";
    stop_id = trim(stop_id);
    if (auto why = missing(file, "stop_id", stop_id))
        return row_notice(sqlstate::not_null_violation, "bad_row", file, line, *why);
    location_type = trim(location_type);
    if (!(location_type.empty() || (location_type.size() == 1 && location_type[0] >= '0' && location_type[0] <= '4')))
        return row_notice(sqlstate::invalid_text_representation, "bad_row", file, line,
                          "location_type " + quoted(location_type) + " is not 0 to 4");
    const bool is_stop = location_type.empty() || location_type == "0";
    stop_name = trim(stop_name);
    if (is_stop)
        if (auto why = missing(file, "stop_name", stop_name))
            return row_notice(sqlstate::not_null_violation, "bad_row", file, line, *why);
    if (const auto at = stop_index_.find(std::string(stop_id)); at != stop_index_.end())
        return row_notice(kUniqueViolation, "duplicate", file, line,
                          "stop_id " + quoted(stop_id) + " appears twice (first on line " +
                              std::to_string(stops_[at->second].line) + ")");
    stop_index_.emplace(std::string(stop_id), stops_.size());
    stops_.push_back(Stop{std::string(stop_id), std::string(trim(stop_code)), std::string(stop_name), line, is_stop});
}

void FeedBuilder::add_calendar(int64_t line, std::string_view service_id, const std::string_view (&days)[7],
                               std::string_view start_date, std::string_view end_date) {
    static const char* const names[7] = {"monday", "tuesday", "wednesday", "thursday",
                                         "friday", "saturday", "sunday"};
    static const char* const file = "calendar.txt";
    has_calendar = true;
    service_id = trim(service_id);
    if (auto why = missing(file, "service_id", service_id))
        return row_notice(sqlstate::not_null_violation, "bad_row", file, line, *why);
    const auto known = services_.find(std::string(service_id));
    if (known != services_.end() && known->second.calendar_line)
        return row_notice(kUniqueViolation, "duplicate", file, line,
                          "service_id " + quoted(service_id) + " appears twice (first on line " +
                              std::to_string(*known->second.calendar_line) + ")");
    uint8_t mask = 0;
    for (int i = 0; i < 7; ++i) {
        const std::string_view value = trim(days[i]);
        if (value != "0" && value != "1")
            return row_notice(sqlstate::invalid_text_representation, "bad_row", file, line,
                              std::string(names[i]) + " is " + quoted(value) + ", not 0 or 1");
        if (value == "1") mask |= static_cast<uint8_t>(1u << i);
    }
    int32_t first = 0, last = 0;
    if (auto why = parse_error("start_date", [&] { first = parse_gtfs_date(start_date); }))
        return row_notice(why->first.c_str(), "bad_row", file, line, why->second);
    if (auto why = parse_error("end_date", [&] { last = parse_gtfs_date(end_date); }))
        return row_notice(why->first.c_str(), "bad_row", file, line, why->second);
    if (last < first)
        return row_notice(sqlstate::invalid_parameter_value, "bad_row", file, line,
                          "end_date " + format_date(last) + " is before start_date " + format_date(first));
    Service& service = services_[std::string(service_id)];
    service.calendar_line = line;
    service.days = mask;
    service.range = std::make_pair(first, last);
}

void FeedBuilder::add_calendar_date(int64_t line, std::string_view service_id, std::string_view date,
                                    std::string_view exception_type) {
    static const char* const file = "calendar_dates.txt";
    has_calendar_dates = true;
    service_id = trim(service_id);
    if (auto why = missing(file, "service_id", service_id))
        return row_notice(sqlstate::not_null_violation, "bad_row", file, line, *why);
    int32_t day = 0;
    if (auto why = parse_error("date", [&] { day = parse_gtfs_date(date); }))
        return row_notice(why->first.c_str(), "bad_row", file, line, why->second);
    exception_type = trim(exception_type);
    if (exception_type != "1" && exception_type != "2")
        return row_notice(sqlstate::invalid_text_representation, "bad_row", file, line,
                          "exception_type is " + quoted(exception_type) + ", not 1 (added) or 2 (removed)");
    Service& service = services_[std::string(service_id)];
    const auto [at, inserted] = service.exception_lines.emplace(day, line);
    if (!inserted)
        return row_notice(kUniqueViolation, "duplicate", file, line,
                          "service " + quoted(service_id) + " has a second exception for " + format_date(day) +
                              " (first on line " + std::to_string(at->second) + ")",
                          {}, "GTFS allows one exception per service and date.");
    (exception_type == "1" ? service.added : service.removed).push_back(day);
}

void FeedBuilder::add_trip(int64_t line, std::string_view trip_id, std::string_view route_id,
                           std::string_view service_id, std::string_view block_id,
                           std::string_view trip_short_name) {
    static const char* const file = "trips.txt";
    trip_id = trim(trip_id);
    if (auto why = missing(file, "trip_id", trip_id))
        return row_notice(sqlstate::not_null_violation, "bad_row", file, line, *why);
    if (auto why = missing(file, "service_id", trim(service_id)))
        return row_notice(sqlstate::not_null_violation, "bad_row", file, line, *why, trip_id);
    route_id = trim(route_id);
    if (const auto at = trip_index_.find(std::string(trip_id)); at != trip_index_.end())
        return row_notice(kUniqueViolation, "duplicate", file, line,
                          "trip_id " + quoted(trip_id) + " appears twice (first on line " +
                              std::to_string(trips_[at->second].line) + ")",
                          trip_id);
    Trip trip;
    trip.trip_id = std::string(trip_id);
    trip.route_id = std::string(route_id);
    trip.service_id = std::string(trim(service_id));
    trip.block_id = std::string(trim(block_id));
    trip.short_name = std::string(trim(trip_short_name));
    trip.line = line;
    if (has_routes) {
        if (route_id.empty())
            trip_problem(trip, sqlstate::not_null_violation, "bad_row", file, line,
                         "route_id is empty (GTFS requires it in every row of trips.txt)");
        else if (routes_.count(std::string(route_id)) == 0)
            trip_problem(trip, kForeignKeyViolation, "unknown_reference", file, line,
                         "trip " + quoted(trip_id) + " refers to route_id " + quoted(route_id) +
                             ", which is not in routes.txt");
    }
    trip_index_.emplace(trip.trip_id, trips_.size());
    trips_.push_back(std::move(trip));
}

void FeedBuilder::add_stop_time(int64_t line, std::string_view trip_id, std::string_view stop_sequence,
                                std::string_view stop_id, std::string_view arrival_time,
                                std::string_view departure_time) {
    static const char* const file = "stop_times.txt";
    trip_id = trim(trip_id);
    stop_id = trim(stop_id);
    if (auto why = missing(file, "trip_id", trip_id))
        return row_notice(sqlstate::not_null_violation, "bad_row", file, line, *why);
    const auto trip_at = trip_index_.find(std::string(trip_id));
    if (trip_at == trip_index_.end())
        return row_notice(kForeignKeyViolation, "unknown_reference", file, line,
                          "trip_id " + quoted(trip_id) + " is not in trips.txt", trip_id);
    Trip& trip = trips_[trip_at->second];
    if (stop_id.empty())
        return trip_problem(trip, sqlstate::not_null_violation, "bad_row", file, line,
                            "stop_id is empty (GTFS requires it in every row of stop_times.txt)",
                            "GTFS requires stop_id in every row of stop_times.txt.");
    const auto stop_at = stop_index_.find(std::string(stop_id));
    if (stop_at == stop_index_.end())
        return trip_problem(trip, kForeignKeyViolation, "unknown_stop", file, line,
                            "stop_id " + quoted(stop_id) + " is not in stops.txt");
    if (!stops_[stop_at->second].is_stop)
        return trip_problem(trip, kForeignKeyViolation, "unknown_stop", file, line,
                            "stop_id " + quoted(stop_id) + " is a station, entrance or node (location_type other than 0), "
                            "not a stop a vehicle serves");
    stop_sequence = trim(stop_sequence);
    const bool digits = !stop_sequence.empty() && stop_sequence.size() <= 9 &&
                        std::all_of(stop_sequence.begin(), stop_sequence.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits)
        return trip_problem(trip, sqlstate::invalid_text_representation, "bad_row", file, line,
                            "stop_sequence " + quoted(stop_sequence) + " is not a non-negative integer");
    const int64_t sequence = std::stoll(std::string(stop_sequence));
    // Every time is checked, though only the ends are kept.
    arrival_time = trim(arrival_time);
    departure_time = trim(departure_time);
    for (const std::pair<const char*, std::string_view>& time :
         {std::pair<const char*, std::string_view>{"arrival_time", arrival_time},
          std::pair<const char*, std::string_view>{"departure_time", departure_time}}) {
        if (time.second.empty()) continue;
        if (auto why = parse_error(time.first, [&] { parse_gtfs_time(time.second); }))
            return trip_problem(trip, why->first.c_str(), "bad_time", file, line, why->second);
    }

    StopTimeEnd end{sequence, line, stop_at->second, std::string(arrival_time), std::string(departure_time)};
    for (const std::optional<StopTimeEnd>* other : {&trip.first, &trip.last})
        if (*other && (*other)->sequence == sequence)
            return trip_problem(trip, kUniqueViolation, "bad_row", file, line,
                                "trip " + quoted(trip_id) + " has stop_sequence " + std::to_string(sequence) +
                                    " twice (also on line " + std::to_string((*other)->line) + ")");
    ++trip.stop_times;
    if (!trip.first || sequence < trip.first->sequence) trip.first = end;
    if (!trip.last || sequence > trip.last->sequence) trip.last = end;
}

void FeedBuilder::add_duplicate_sequence(int64_t line, std::string_view trip_id, std::string_view stop_sequence,
                                         int64_t first_line) {
    const auto trip_at = trip_index_.find(std::string(trim(trip_id)));
    if (trip_at == trip_index_.end()) return;  // already reported for each of its rows
    trip_problem(trips_[trip_at->second], kUniqueViolation, "bad_row", "stop_times.txt", line,
                 "trip " + quoted(trim(trip_id)) + " has stop_sequence " + std::string(trim(stop_sequence)) +
                     " twice (also on line " + std::to_string(first_line) + ")");
}

void FeedBuilder::add_flex_stop_time(int64_t line, std::string_view trip_id) {
    static const char* const file = "stop_times.txt";
    trip_id = trim(trip_id);
    const auto trip_at = trip_index_.find(std::string(trip_id));
    if (trip_at == trip_index_.end())
        return row_notice(kForeignKeyViolation, "unknown_reference", file, line,
                          "trip_id " + quoted(trip_id) + " is not in trips.txt", trip_id);
    Trip& trip = trips_[trip_at->second];
    ++trip.stop_times;
    // Always skipped (also when strict): flexible service is valid GTFS with no fixed schedule.
    if (!trip.problem || trip.problem->kind != "flex")
        trip.problem = Problem{"flex", file, line,
                               "a GTFS-Flex trip (stop times with a pickup/drop-off window or a location or "
                               "location group instead of a stop): no fixed times to schedule"};
}

void FeedBuilder::add_frequency(int64_t line, std::string_view trip_id, std::string_view start_time,
                                std::string_view end_time, std::string_view headway_secs,
                                std::string_view exact_times) {
    static const char* const file = "frequencies.txt";
    trip_id = trim(trip_id);
    const auto trip_at = trip_index_.find(std::string(trip_id));
    if (trip_at == trip_index_.end())
        return row_notice(kForeignKeyViolation, "unknown_reference", file, line,
                          "trip_id " + quoted(trip_id) + " is not in trips.txt", trip_id);
    Trip& trip = trips_[trip_at->second];
    int64_t start = 0, end = 0;
    if (auto why = parse_error("start_time", [&] { start = parse_gtfs_time(start_time); }))
        return trip_problem(trip, why->first.c_str(), "bad_time", file, line, why->second);
    if (auto why = parse_error("end_time", [&] { end = parse_gtfs_time(end_time); }))
        return trip_problem(trip, why->first.c_str(), "bad_time", file, line, why->second);
    headway_secs = trim(headway_secs);
    const bool digits = !headway_secs.empty() && headway_secs.size() <= 6 &&
                        std::all_of(headway_secs.begin(), headway_secs.end(), [](char c) { return c >= '0' && c <= '9'; });
    const int64_t headway = digits ? std::stoll(std::string(headway_secs)) : 0;
    if (headway <= 0)
        return trip_problem(trip, sqlstate::invalid_parameter_value, "bad_row", file, line,
                            "headway_secs " + quoted(headway_secs) + " is not a positive integer below 1000000");
    exact_times = trim(exact_times);
    if (!(exact_times.empty() || exact_times == "0" || exact_times == "1"))
        return trip_problem(trip, sqlstate::invalid_text_representation, "bad_row", file, line,
                            "exact_times " + quoted(exact_times) + " is not 0 or 1");
    if (end <= start)
        return trip_problem(trip, sqlstate::invalid_parameter_value, "bad_row", file, line,
                            "end_time " + clock(end) + " is not after start_time " + clock(start));
    trip.frequencies.push_back(Frequency{line, start, end, headway});
}

void FeedBuilder::add_stored_train(std::string_view train_number, TrainKind kind) {
    stored_kinds_[std::string(train_number)] = kind;
}

void FeedBuilder::add_stored_schedule(std::string_view train_number, int64_t schedule_id,
                                      const ServicePattern& pattern) {
    stored_.push_back(Stored{std::string(train_number), schedule_id, pattern});
}

namespace {
std::pair<std::string, TrainSource> vehicle_of(const std::string& block_id, const std::string& short_name,
                                               const std::string& trip_id) {
    if (!block_id.empty()) return {block_id, TrainSource::block_id};
    if (!short_name.empty()) return {short_name, TrainSource::trip_short_name};
    return {trip_id, TrainSource::trip_id};
}

std::vector<int64_t> frequency_starts(const std::vector<FeedBuilder::Frequency>& frequencies) {
    std::vector<int64_t> starts;
    InterruptPoller poller(4096);
    for (const FeedBuilder::Frequency& frequency : frequencies)
        for (int64_t t = frequency.start; t < frequency.end; t += frequency.headway) {
            poller.tick();
            starts.push_back(t);
        }
    std::sort(starts.begin(), starts.end());
    starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
    return starts;
}
}  // namespace

std::optional<std::pair<int32_t, int32_t>> FeedBuilder::date_span() const {
    std::optional<std::pair<int32_t, int32_t>> span;
    auto extend = [&](int32_t day) {
        if (!span) span = std::make_pair(day, day);
        span->first = std::min(span->first, day);
        span->second = std::max(span->second, day);
    };
    for (const auto& [id, service] : services_) {
        if (service.range) {
            extend(service.range->first);
            extend(service.range->second);
        }
        for (int32_t day : service.added) extend(day);
    }
    return span;
}

int64_t FeedBuilder::local_departure(int32_t day, int64_t seconds) const {
    auto offset_at_utc = [&](int64_t utc) -> int64_t {
        // The last transition at or before utc gives the offset; before the first, its "before".
        const auto after = std::upper_bound(transitions_.begin(), transitions_.end(), utc,
                                            [](int64_t t, const Transition& x) { return t < x.utc_s; });
        return after == transitions_.begin() ? transitions_.front().before_s : std::prev(after)->after_s;
    };
    const int64_t noon_local = int64_t{day} * 86400 + 43200;
    const int64_t guess = offset_at_utc(noon_local);
    const int64_t noon_utc = noon_local - offset_at_utc(noon_local - guess);
    const int64_t instant = noon_utc - 43200 + seconds;
    return instant + offset_at_utc(instant);
}

std::vector<std::string> FeedBuilder::train_numbers() const {
    std::vector<std::string> numbers;
    for (const Trip& trip : trips_) {
        if (!trip.frequencies.empty() && trip.block_id.empty()) {
            for (int64_t t : frequency_starts(trip.frequencies))
                numbers.push_back(short_id(trip.trip_id + "@" + clock(t), kTrainNumberLength));
            continue;
        }
        numbers.push_back(short_id(vehicle_of(trip.block_id, trip.short_name, trip.trip_id).first, kTrainNumberLength));
    }
    std::sort(numbers.begin(), numbers.end());
    numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
    return numbers;
}

// ---------------------------------------------------------------------------------------------
// The plan

Plan FeedBuilder::plan(ConflictMode mode, std::pmr::memory_resource* memory) const {
    Plan plan;
    plan.feed_trips = trips_.size();

    // Locations: stop_code when the stop has one of its own, else stop_id; shortened to fit.
    std::unordered_map<std::string, size_t> code_uses;
    for (const Stop& stop : stops_)
        if (stop.is_stop && !stop.stop_code.empty()) ++code_uses[stop.stop_code];
    std::vector<size_t> location_of_stop(stops_.size(), SIZE_MAX);
    std::unordered_map<std::string, size_t> location_by_code;
    for (size_t s = 0; s < stops_.size(); ++s) {
        const Stop& stop = stops_[s];
        if (!stop.is_stop) {
            ++plan.ignored_stops;
            continue;
        }
        const bool own_code = !stop.stop_code.empty() && code_uses[stop.stop_code] == 1;
        const std::string code = short_id(own_code ? stop.stop_code : stop.stop_id, kCodeLength);
        const auto [at, inserted] = location_by_code.emplace(code, plan.locations.size());
        if (!inserted) {
            const Location& other = plan.locations[at->second];
            const std::string reason = "stop " + quoted(stop.stop_id) + " and stop " + quoted(other.stop_id) +
                                       " (line " + std::to_string(other.line) + ") would both get location code " +
                                       quoted(code);
            if (strict)
                fail(kUniqueViolation, "stops.txt", stop.line, reason,
                     "A location's code is the stop's stop_code when no other stop has the same one, else its "
                     "stop_id, shortened to 10 characters (first 3, '~' and 6 hex digits of a hash) when longer.");
            plan.notices.push_back(Notice{"stops.txt", stop.line, "duplicate", reason + "; the stop is left out", {}});
            continue;
        }
        location_of_stop[s] = plan.locations.size();
        plan.locations.push_back(Location{stop.stop_id, code, truncate_utf8(stop.name, kNameLength), stop.line});
    }

    // Services are checked first, without listing their dates: a plain calendar.txt row (no
    // exceptions) is one pattern whatever its range; a service with exceptions is listed day by
    // day later, so its calendar range is bounded (kMaxListedDays).
    InterruptPoller poller(256);
    std::set<std::string> bad_services;  // services left out (not strict), with a notice
    for (const auto& [service_id, service] : services_) {
        poller.tick();
        try {
            check_exceptions(service.added, service.removed);
        } catch (const Error& e) {
            if (strict) throw Error(e.sqlstate(), "service " + quoted(service_id) + ": " + e.what(), e.detail(), e.hint());
            plan.notices.push_back(Notice{"calendar_dates.txt", service.exception_lines.empty() ? 0 : service.exception_lines.begin()->second,
                                          "bad_row", "service " + quoted(service_id) + ": " + e.what(), {}});
            bad_services.insert(service_id);
            continue;
        }
        const bool plain = service.added.empty() && service.removed.empty();
        // A resource limit, not a malformed row: refused also when not strict (listing such a
        // service's dates would take unbounded work).
        if (!plain && service.days != 0 && service.range && service.calendar_line &&
            int64_t{service.range->second} - service.range->first + 1 > kMaxListedDays)
            fail(kProgramLimitExceeded, "calendar.txt", *service.calendar_line,
                 "service " + quoted(service_id) + " runs from " + format_date(service.range->first) + " to " +
                     format_date(service.range->second) + " (" +
                     std::to_string(int64_t{service.range->second} - service.range->first + 1) +
                     " days) and has exceptions in calendar_dates.txt; the importer lists such a service's dates "
                     "day by day, up to " + std::to_string(kMaxListedDays) + " days (about 100 years)",
                 "A calendar.txt row without exceptions may span any range.",
                 "Give the calendar the dates the feed really covers (its feed_info.txt dates), or split the "
                 "service into a plain calendar and one with the exceptions.");
    }
    // The patterns of a service's dates moved by `shift` days (a trip leaving after 24:00:00),
    // computed once per (service, shift).
    std::map<std::pair<std::string, int32_t>, std::vector<DatePattern>> patterns_of;
    auto service_patterns = [&](const std::string& service_id, int32_t shift) -> const std::vector<DatePattern>& {
        const auto key = std::make_pair(service_id, shift);
        if (const auto at = patterns_of.find(key); at != patterns_of.end()) return at->second;
        const Service& service = services_.at(service_id);
        std::vector<DatePattern> patterns;
        if (service.added.empty() && service.removed.empty()) {
            if (service.range) {
                if (const std::optional<DatePattern> plain =
                        calendar_pattern(service.days, service.range->first, service.range->second))
                    patterns.push_back(shift_pattern(*plain, shift));
            }
        } else {
            const std::vector<int32_t> dates = shift_dates(
                service_dates(service.days, service.range, service.added, service.removed), shift);
            patterns = split_into_patterns(dates);
        }
        return patterns_of.emplace(key, std::move(patterns)).first->second;
    };

    // Trips.
    std::unordered_map<std::string, size_t> train_by_number;
    for (const Trip& trip : trips_) {
        poller.tick();
        const std::string id = quoted(trip.trip_id);
        const std::string vehicle_number =
            trip.frequencies.empty() || !trip.block_id.empty()
                ? short_id(vehicle_of(trip.block_id, trip.short_name, trip.trip_id).first, kTrainNumberLength)
                : std::string();
        auto skip_trip = [&](const std::string& kind, const std::string& file, int64_t line, const std::string& reason) {
            plan.skipped.push_back(SkippedTrip{trip.trip_id, vehicle_number, reason, kind, file, line});
        };
        // A trip that cannot load: refused when strict, else skipped with its file and line.
        auto unloadable = [&](const char* state, const char* kind, const char* file, int64_t line,
                              const std::string& reason, const std::string& hint = {}) {
            if (strict) fail(state, file, line, reason, hint);
            skip_trip(kind, file, line, reason);
        };
        if (trip.problem) {
            skip_trip(trip.problem->kind, trip.problem->file, trip.problem->line, trip.problem->reason);
            continue;
        }
        if (services_.count(trip.service_id) == 0 || bad_services.count(trip.service_id)) {
            unloadable(kForeignKeyViolation, "unknown_service", "trips.txt", trip.line,
                       "trip " + id + " refers to service_id " + quoted(trip.service_id) +
                           (bad_services.count(trip.service_id) ? ", which was left out"
                                                                : ", which is in neither calendar.txt nor calendar_dates.txt"));
            continue;
        }
        if (trip.stop_times < 2) {
            unloadable(sqlstate::invalid_parameter_value, "one_stop", "trips.txt", trip.line,
                       "trip " + id + " has " + std::to_string(trip.stop_times) +
                           " stop time(s) in stop_times.txt; a trip needs at least 2");
            continue;
        }
        const StopTimeEnd& first = *trip.first;
        const StopTimeEnd& last = *trip.last;
        const std::string& departure_text = first.departure.empty() ? first.arrival : first.departure;
        const std::string& arrival_text = last.arrival.empty() ? last.departure : last.arrival;
        if (departure_text.empty()) {
            unloadable(sqlstate::not_null_violation, "missing_time", "stop_times.txt", first.line,
                       "the first stop of trip " + id + " has neither departure_time nor arrival_time",
                       "GTFS requires times at a trip's first and last stop.");
            continue;
        }
        if (arrival_text.empty()) {
            unloadable(sqlstate::not_null_violation, "missing_time", "stop_times.txt", last.line,
                       "the last stop of trip " + id + " has neither arrival_time nor departure_time",
                       "GTFS requires times at a trip's first and last stop.");
            continue;
        }
        const int64_t departure = parse_gtfs_time(departure_text);
        const int64_t arrival = parse_gtfs_time(arrival_text);
        if (arrival < departure) {
            unloadable(sqlstate::invalid_parameter_value, "arrival_before_departure", "stop_times.txt", last.line,
                       "trip " + id + " arrives at its last stop at " + clock(arrival) +
                           ", before it leaves its first stop at " + clock(departure) + " (line " +
                           std::to_string(first.line) + ")");
            continue;
        }
        if (location_of_stop[first.stop] == SIZE_MAX || location_of_stop[last.stop] == SIZE_MAX) {
            const bool at_first = location_of_stop[first.stop] == SIZE_MAX;
            unloadable(kForeignKeyViolation, "unknown_stop", "stop_times.txt", at_first ? first.line : last.line,
                       "stop " + quoted(stops_[at_first ? first.stop : last.stop].stop_id) + " was left out");
            continue;
        }
        if (first.stop == last.stop) {
            skip_trip("loop", "trips.txt", trip.line,
                      "its first and last stop are both " + quoted(stops_[first.stop].stop_id) +
                          " (a loop); a railway schedule needs different departure and arrival locations");
            continue;
        }
        if (arrival == departure) {
            skip_trip("zero_duration", "trips.txt", trip.line,
                      "it arrives at its last stop at the time it leaves its first (" + clock(departure) +
                          "); a railway schedule needs arrival after departure");
            continue;
        }

        // The trips it stands for: itself, or one per frequencies.txt departure.
        struct Instance {
            std::string trip_id;
            int64_t departure;
        };
        std::vector<Instance> instances;
        if (trip.frequencies.empty()) {
            instances.push_back(Instance{trip.trip_id, departure});
        } else {
            for (int64_t t : frequency_starts(trip.frequencies)) instances.push_back(Instance{trip.trip_id + "@" + clock(t), t});
        }
        const bool from_frequencies = !trip.frequencies.empty();
        for (const Instance& instance : instances) {
            const int64_t dep = instance.departure;
            const int64_t arr = dep + (arrival - departure);
            const auto [key, source] = from_frequencies && trip.block_id.empty()
                                           ? std::make_pair(instance.trip_id, TrainSource::trip_id)
                                           : vehicle_of(trip.block_id, trip.short_name, trip.trip_id);
            const std::string number = short_id(key, kTrainNumberLength);
            auto skip = [&](const std::string& kind, const std::string& reason) {
                plan.skipped.push_back(SkippedTrip{instance.trip_id, number, reason, kind, "trips.txt", trip.line});
            };
            const int32_t shift = static_cast<int32_t>(dep / 86400);
            // (dates, local departure time of day in seconds) of the runs.
            std::vector<std::pair<DatePattern, int64_t>> date_patterns;
            for (const DatePattern& dates : service_patterns(trip.service_id, shift))
                date_patterns.emplace_back(dates, dep % 86400);
            if (!transitions_.empty() && !date_patterns.empty()) {
                // Service dates whose runs leave at another local time than midnight + dep: near
                // the offset changes only.
                const Service& service = services_.at(trip.service_id);
                auto runs_on = [&](int32_t day) {
                    if (std::find(service.removed.begin(), service.removed.end(), day) != service.removed.end()) return false;
                    if (std::find(service.added.begin(), service.added.end(), day) != service.added.end()) return true;
                    return service.range && day >= service.range->first && day <= service.range->second &&
                           (service.days & weekday_bit(day)) != 0;
                };
                std::map<int32_t, int64_t> special;  // service date -> local departure
                for (const Transition& transition : transitions_) {
                    const int32_t change_day = static_cast<int32_t>((transition.utc_s + transition.after_s) / 86400);
                    for (int32_t day = change_day - shift - 1; day <= change_day + 1; ++day) {
                        if (!runs_on(day)) continue;
                        const int64_t local = local_departure(day, dep);
                        if (local != int64_t{day} * 86400 + dep) special[day] = local;
                    }
                }
                if (!special.empty()) {
                    std::vector<int32_t> normal;
                    for (int32_t day : service_dates(service.days, service.range, service.added, service.removed))
                        if (special.count(day) == 0) normal.push_back(day + shift);
                    date_patterns.clear();
                    for (const DatePattern& dates : split_into_patterns(normal)) date_patterns.emplace_back(dates, dep % 86400);
                    std::map<int64_t, std::vector<int32_t>> by_time;  // local time of day -> departure dates
                    for (const auto& [day, local] : special) {
                        const int64_t local_day = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
                        by_time[local - local_day * 86400].push_back(static_cast<int32_t>(local_day));
                    }
                    for (auto& [time_of_day, days] : by_time) {
                        std::sort(days.begin(), days.end());
                        days.erase(std::unique(days.begin(), days.end()), days.end());
                        for (const DatePattern& dates : split_into_patterns(days)) date_patterns.emplace_back(dates, time_of_day);
                    }
                }
            }
            if (date_patterns.empty()) {
                skip("no_dates", "its service " + quoted(trip.service_id) + " has no dates");
                continue;
            }

            auto [train_at, new_train] = train_by_number.emplace(number, plan.trains.size());
            if (new_train) {
                plan.trains.push_back(Train{number, key, source, {}});
                // A stored train keeps its kind; a new one is a vehicle when keyed by block_id,
                // else a numbered train (trip_short_name or trip_id: one run per date).
                const auto stored_kind = stored_kinds_.find(number);
                plan.trains.back().kind = stored_kind != stored_kinds_.end() ? stored_kind->second
                                          : source == TrainSource::block_id ? TrainKind::kVehicle
                                                                            : TrainKind::kNumbered;
            } else if (plan.trains[train_at->second].key != key) {
                const std::string reason = "vehicle " + quoted(key) + " of trip " + quoted(instance.trip_id) +
                                           " and vehicle " + quoted(plan.trains[train_at->second].key) +
                                           " would both get train number " + quoted(number);
                if (strict) fail(kUniqueViolation, "trips.txt", trip.line, reason);
                skip("train_number_collision", reason);
                continue;
            }
            Train& train = plan.trains[train_at->second];
            if (has_routes) {
                const std::string& route = routes_.at(trip.route_id).name;
                if (!route.empty() && std::find(train.routes.begin(), train.routes.end(), route) == train.routes.end())
                    train.routes.push_back(route);
            }

            PlannedTrip planned;
            planned.trip_id = instance.trip_id;
            planned.service_id = trip.service_id;
            planned.line = trip.line;
            planned.train = train_at->second;
            planned.from_location = location_of_stop[first.stop];
            planned.to_location = location_of_stop[last.stop];
            planned.departure_s = dep;
            planned.arrival_s = arr;
            planned.first_stop_id = stops_[first.stop].stop_id;
            planned.last_stop_id = stops_[last.stop].stop_id;
            planned.first_stop_sequence = first.sequence;
            planned.last_stop_sequence = last.sequence;
            for (const auto& [dates_pattern, time_of_day] : date_patterns) {
                ServicePattern pattern{};
                pattern.departure_us = time_of_day * kUsecPerSecond;
                pattern.duration_us = (arr - dep) * kUsecPerSecond;
                pattern.first_day = dates_pattern.first_day;
                pattern.last_day = dates_pattern.last_day;
                pattern.days = dates_pattern.days;
                pattern.kind = train.kind;
                validate(pattern);
                planned.patterns.push_back(pattern);
            }
            if (dep >= 86400) ++plan.after_midnight_trips;
            if (from_frequencies) ++plan.frequency_trips;
            plan.trips.push_back(std::move(planned));
        }
    }

    // Conflicts: the sweep of find_conflicts over the planned trips' patterns (all patterns of one
    // trip share its id, so they are never paired with each other) and the trains' stored schedules.
    std::pmr::vector<SweepItem> items(memory);
    for (size_t t = 0; t < plan.trips.size(); ++t)
        for (const ServicePattern& pattern : plan.trips[t].patterns)
            items.push_back(SweepItem{static_cast<int64_t>(plan.trips[t].train), static_cast<int64_t>(t), pattern});
    const int64_t first_stored_id = static_cast<int64_t>(plan.trips.size());
    std::vector<int64_t> stored_ids;
    for (const Stored& stored : stored_) {
        const auto train_at = train_by_number.find(stored.train_number);
        if (train_at == train_by_number.end()) continue;
        items.push_back(SweepItem{static_cast<int64_t>(train_at->second),
                                  first_stored_id + static_cast<int64_t>(stored_ids.size()), stored.pattern});
        stored_ids.push_back(stored.schedule_id);
    }
    std::pmr::map<std::pair<int64_t, int64_t>, Window> earliest(memory);  // (trip, other id) -> first window
    for (const ConflictPair& pair : find_all_conflicts_in(items.data(), items.size(), memory)) {
        poller.tick();
        const int64_t a = items[pair.a].id;
        const int64_t b = items[pair.b].id;
        if (a >= first_stored_id) continue;  // two stored schedules: not the importer's business
        const auto [at, inserted] = earliest.emplace(std::make_pair(a, b), pair.first);
        if (!inserted && window_less(pair.first, at->second)) at->second = pair.first;
    }
    for (const auto& [ids, window] : earliest) {
        poller.tick();
        TripConflict conflict{static_cast<size_t>(ids.first), std::nullopt, std::nullopt, window};
        if (ids.second < first_stored_id)
            conflict.other_trip = static_cast<size_t>(ids.second);
        else
            conflict.other_schedule = stored_ids[static_cast<size_t>(ids.second - first_stored_id)];
        plan.conflicts.push_back(conflict);
    }
    sort_polling(
        plan.conflicts.begin(), plan.conflicts.end(), memory,
        [&](const TripConflict& x, const TripConflict& y) { return plan.trips[x.trip].train < plan.trips[y.trip].train; },
        /*stable=*/true);

    if (mode == ConflictMode::skip && !plan.conflicts.empty()) {
        // Feed order: a trip is left out when it conflicts with a stored schedule or with an
        // earlier trip that was kept; so the loaded trips never conflict with each other.
        std::vector<std::vector<const TripConflict*>> earlier(plan.trips.size());
        for (const TripConflict& conflict : plan.conflicts)
            earlier[conflict.other_trip ? *conflict.other_trip : conflict.trip].push_back(&conflict);
        for (size_t t = 0; t < plan.trips.size(); ++t) {
            const TripConflict* reason = nullptr;
            for (const TripConflict* conflict : earlier[t]) {
                const bool kept_partner = !conflict->other_trip || !plan.trips[conflict->trip].skipped;
                if (kept_partner && (!reason || window_less(conflict->first, reason->first))) reason = conflict;
            }
            if (reason == nullptr) continue;
            PlannedTrip& trip = plan.trips[t];
            trip.skipped = true;
            const std::string other = reason->other_trip ? "trip " + plan.trips[reason->trip].trip_id
                                                         : "stored schedule " + std::to_string(*reason->other_schedule);
            plan.skipped.push_back(SkippedTrip{
                trip.trip_id, plan.trains[trip.train].number,
                "it conflicts with " + other + " of the same train: both would run from " +
                    format_timestamp(reason->first.start_us) + " to " + format_timestamp(reason->first.end_us),
                "conflict", "trips.txt", trip.line});
        }
    }
    // Skipped trips in feed order (of their trips.txt rows), notices in file order.
    std::unordered_map<std::string, int64_t> line_of;
    for (const Trip& trip : trips_) line_of.emplace(trip.trip_id, trip.line);
    auto trip_line = [&](const SkippedTrip& skipped) {
        const std::string base = skipped.trip_id.substr(0, skipped.trip_id.rfind('@'));
        const auto at = line_of.find(line_of.count(skipped.trip_id) ? skipped.trip_id : base);
        return at == line_of.end() ? skipped.line : at->second;
    };
    std::stable_sort(plan.skipped.begin(), plan.skipped.end(),
                     [&](const SkippedTrip& x, const SkippedTrip& y) { return trip_line(x) < trip_line(y); });
    std::vector<Notice> notices = notices_;
    notices.insert(notices.end(), plan.notices.begin(), plan.notices.end());
    std::stable_sort(notices.begin(), notices.end(), [](const Notice& x, const Notice& y) {
        return std::tie(x.file, x.line) < std::tie(y.file, y.line);
    });
    plan.notices = std::move(notices);
    return plan;
}

}  // namespace railway::gtfs
