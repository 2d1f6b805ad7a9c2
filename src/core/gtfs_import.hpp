// A GTFS feed as railway rows: the importer's conversion, independent of PostgreSQL.
//
// The caller (src/pg/gtfs.cpp, reading the staging tables) adds the feed's rows file by file:
// routes, stops, calendar, calendar_dates and trips first, then stop_times (streamed: only each
// trip's first and last stop time is kept), then the stored schedules of trains the feed also
// uses. plan() then validates the feed as a whole and returns what to insert:
//
//   locations   one per stop of location_type 0 (or empty); its code is the stop_code when the
//               stop has one that no other stop shares, else the stop_id; an identifier longer
//               than the column (10) is shortened by short_id();
//   trains      one per vehicle: the trip's block_id when set, else its trip_short_name (a rail
//               feed's train number), else its trip_id; shortened to 20 by short_id(); a train
//               keyed by block_id is a vehicle, any other a numbered train (DESIGN.md section 2),
//               unless the database already has a train of that number: then its kind;
//   schedules   one per running-day pattern of each trip: from the first stop (lowest
//               stop_sequence, its departure_time) to the last stop (highest, its arrival_time).
//               GTFS times count from the service day and may pass 24:00:00: a trip of service
//               day D leaving at 25:30:00 departs on D+1 at 01:30, so its departure dates are
//               the service's dates shifted by whole days (floor(time / 24 h)). The shifted date
//               set is split exactly into disjoint patterns (split_into_patterns).
//
// A malformed row is skipped with a notice naming the file, the line (line 1 is the header),
// its kind and the reason; a trip that cannot become a schedule (a malformed or unknown stop
// time, fewer than two stop times, a GTFS-Flex trip, first and last stop the same, zero
// duration, a service without any date...) is skipped with the same. Nothing is dropped
// silently. With `strict` set, the first malformed row or unloadable trip throws railway::Error
// instead (the importer's behaviour before 1.1), except loops, zero-duration trips and services
// without dates, which are always skipped.
//
// frequencies.txt: a trip with frequencies stands for trips leaving at start_time + k ×
// headway_secs (start_time <= t < end_time), for exact_times 1 (exactly) and 0 (the feed's
// nominal schedule) alike; each is planned as trip "<trip_id>@<HH:MM:SS of t>", its stop times
// shifted by t minus the template's first departure, its train the trip's block_id when set,
// else its own id (the runs of a headway service are different vehicles).
//
// Trips of one train that would run at the same time conflict (the same exact test and sweep
// as railway.find_conflicts, by the train's kind, also against the train's stored schedules). The conflict mode
// decides: refuse the feed, skip conflicting trips, or keep them.
#pragma once
#include "pure.hpp"

#include "service_pattern.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace railway::gtfs {

inline constexpr size_t kCodeLength = 10;         // railway.locations.code varchar(10)
inline constexpr size_t kNameLength = 100;        // railway.locations.name varchar(100)
inline constexpr size_t kTrainNumberLength = 20;  // railway.trains.train_number varchar(20)
// A service with calendar_dates.txt exceptions is listed day by day: its calendar.txt range may
// span at most this many days (a plain calendar row, without exceptions, any range).
inline constexpr int64_t kMaxListedDays = 36'525;

// `id` unchanged when it has at most max_length bytes; else its first max_length - 7 bytes (cut
// at a UTF-8 character boundary), '~' and 6 hex digits of a hash of the whole id. Deterministic:
// the same id always gives the same result. max_length >= 8.
std::string short_id(std::string_view id, size_t max_length);

// The first max_chars UTF-8 characters of `text` (all of it when shorter).
std::string truncate_utf8(std::string_view text, size_t max_chars);

// Surrounding spaces and tabs removed (GTFS values are compared trimmed).
std::string_view trim(std::string_view text);

enum class ConflictMode { refuse, skip, keep };
// "refuse", "skip" or "keep"; throws 22023 otherwise.
ConflictMode parse_conflict_mode(std::string_view text);

// Where a train number came from.
enum class TrainSource { block_id, trip_short_name, trip_id };
const char* train_source_name(TrainSource source);

struct Location {
    std::string stop_id;
    std::string code;
    std::string name;
    int64_t line;  // in stops.txt
};

struct Train {
    std::string number;  // after short_id
    std::string key;     // the block_id, trip_short_name or trip_id it comes from
    TrainSource source;
    std::vector<std::string> routes;  // route names of its trips, first-seen order, distinct
    TrainKind kind = TrainKind::kNumbered;  // vehicle for a block_id (or the stored train's kind)
};

struct PlannedTrip {
    std::string trip_id;
    std::string service_id;
    int64_t line;            // in trips.txt
    size_t train;            // index into Plan::trains
    size_t from_location;    // index into Plan::locations
    size_t to_location;
    int64_t departure_s;     // GTFS time of the first departure, seconds from the service day
    int64_t arrival_s;       // GTFS time of the last arrival
    // The first and last stop time (stop_id, stop_sequence), for GTFS-realtime updates.
    std::string first_stop_id, last_stop_id;
    int64_t first_stop_sequence = 0, last_stop_sequence = 0;
    std::vector<ServicePattern> patterns;  // disjoint; their departure dates are the trip's
    bool skipped = false;    // left out by ConflictMode::skip
};

struct SkippedTrip {
    std::string trip_id;
    std::string train_number;  // empty when the trip has no train yet
    std::string reason;
    std::string kind;          // loop, one_stop, flex, bad_time, unknown_stop, conflict, ...
    std::string file;          // where the reason is (the trip's row unless a stop time's)
    int64_t line = 0;
};

// A row that was skipped or read with a correction (blank_line, short_row, long_row, bad_row,
// duplicate, unknown_reference), with its file and line.
struct Notice {
    std::string file;
    int64_t line;
    std::string kind;
    std::string reason;
    std::string trip_id;  // when the row belongs to a trip
};

// A conflicting pair: two feed trips of the same train, or a feed trip and a stored schedule.
struct TripConflict {
    size_t trip;                           // index into Plan::trips
    std::optional<size_t> other_trip;      // another feed trip (trip < other_trip in feed order)
    std::optional<int64_t> other_schedule; // or a stored schedule id
    Window first;                          // earliest overlapping window
};

struct Plan {
    std::vector<Location> locations;
    std::vector<Train> trains;
    std::vector<PlannedTrip> trips;           // loadable trips, feed order
    std::vector<SkippedTrip> skipped;         // trips not loaded and why, feed order
    std::vector<TripConflict> conflicts;      // sorted by (train, trip, other)
    size_t ignored_stops = 0;                 // stops.txt rows that are not stops (stations...)
    size_t feed_trips = 0;                    // trips.txt rows
    size_t after_midnight_trips = 0;          // loadable trips whose first departure is >= 24:00
    size_t frequency_trips = 0;               // planned trips made from frequencies.txt rows
    std::vector<Notice> notices;              // rows skipped or corrected, file order
    // Every notice and skipped trip counted by kind.
    std::map<std::string, size_t> notice_counts() const;
    size_t schedules() const;                 // rows to insert: patterns of trips not skipped
};

// "trip 17 and trip 18 (train 4689939) both run from 2017-11-20 05:39:00 to 2017-11-20 06:10:00"
std::string describe(const Plan& plan, const TripConflict& conflict);

// The DETAIL of a feed refused for its conflicts, of a readable size whatever the feed: the
// first `max_listed` pairs, one line each (describe() and a period, a line longer than
// kMaxDetailLine characters cut with "..."), then "... and N more conflicting pairs (...)".
inline constexpr size_t kMaxDetailPairs = 20;
inline constexpr size_t kMaxDetailLine = 300;
std::string conflicts_detail(const Plan& plan, size_t max_listed = kMaxDetailPairs);

class FeedBuilder {
public:
    // Each add_* takes the row's line number and its fields as in the file (trimmed here); an
    // absent optional column is an empty string.
    void add_route(int64_t line, std::string_view route_id, std::string_view short_name,
                   std::string_view long_name);
    void add_stop(int64_t line, std::string_view stop_id, std::string_view stop_code,
                  std::string_view stop_name, std::string_view location_type);
    // days: the monday ... sunday fields.
    void add_calendar(int64_t line, std::string_view service_id, const std::string_view (&days)[7],
                      std::string_view start_date, std::string_view end_date);
    void add_calendar_date(int64_t line, std::string_view service_id, std::string_view date,
                           std::string_view exception_type);
    void add_trip(int64_t line, std::string_view trip_id, std::string_view route_id,
                  std::string_view service_id, std::string_view block_id,
                  std::string_view trip_short_name);
    // After every trip; in any order of lines.
    void add_stop_time(int64_t line, std::string_view trip_id, std::string_view stop_sequence,
                       std::string_view stop_id, std::string_view arrival_time,
                       std::string_view departure_time);
    // A stop time of a GTFS-Flex trip (a pickup/drop-off window, a location or location group):
    // the trip is skipped as flex.
    void add_flex_stop_time(int64_t line, std::string_view trip_id);
    // A frequencies.txt row (after every trip).
    void add_frequency(int64_t line, std::string_view trip_id, std::string_view start_time,
                       std::string_view end_time, std::string_view headway_secs, std::string_view exact_times);
    // A stop_sequence used twice in a trip (found by the caller over the whole file).
    void add_duplicate_sequence(int64_t line, std::string_view trip_id, std::string_view stop_sequence,
                                int64_t first_line);
    // A notice of the reading (blank line, short row), as tools/gtfs_import.sh found it.
    void add_notice(Notice notice);
    // The feed's timezone (agency_timezone) as its UTC offset changes: GTFS times count from
    // "noon minus 12 h" of the service day, which is not midnight on the days the offset changes.
    // A run's departure is the local (wall-clock) time of that instant plus the GTFS time; its
    // duration stays the feed's (last arrival minus first departure, elapsed time). Without
    // transitions (no timezone, or one without changes), times count from midnight.
    struct Transition {
        int64_t utc_s;       // the instant, seconds since 2000-01-01 00:00 UTC
        int32_t before_s;    // UTC offset before (seconds east of UTC)
        int32_t after_s;     // and after
    };
    void set_transitions(std::vector<Transition> transitions) { transitions_ = std::move(transitions); }
    // The first and last date any service of the feed names (calendar ranges and exceptions).
    std::optional<std::pair<int32_t, int32_t>> date_span() const;

    // Throw on the first malformed row or unloadable trip instead of skipping it.
    bool strict = false;

    // A frequencies.txt row: departures at start, start + headway, ... before end.
    struct Frequency {
        int64_t line, start, end, headway;
    };

    // Train numbers the plan will use (call after add_trip; shortened, distinct, sorted), so the
    // caller can look up their stored schedules.
    std::vector<std::string> train_numbers() const;
    // The kind of a stored train the feed uses (its trips' conflict rule).
    void add_stored_train(std::string_view train_number, TrainKind kind);
    // A stored active schedule of a train the feed uses.
    void add_stored_schedule(std::string_view train_number, int64_t schedule_id,
                             const ServicePattern& pattern);

    // Validates the whole feed and plans the rows. Throws railway::Error (file, line, reason)
    // for a malformed feed, and for conflicts when mode is refuse (the caller may prefer to
    // report them itself: pass keep and inspect Plan::conflicts).
    // The conflict sweep's memory comes from `memory`; every loop polls interrupts.
    Plan plan(ConflictMode mode, std::pmr::memory_resource* memory = std::pmr::get_default_resource()) const;

    // Whether routes.txt / calendar.txt / calendar_dates.txt were given (even empty).
    bool has_routes = false;
    bool has_calendar = false;
    bool has_calendar_dates = false;

private:
    struct Route { std::string name; };
    struct Stop {
        std::string stop_id, stop_code, name;
        int64_t line;
        bool is_stop;  // location_type 0 or empty
    };
    struct Service {
        std::optional<int64_t> calendar_line;
        uint8_t days = 0;
        std::optional<std::pair<int32_t, int32_t>> range;
        std::vector<int32_t> added, removed;
        std::map<int32_t, int64_t> exception_lines;  // date -> calendar_dates.txt line
    };
    struct StopTimeEnd {
        int64_t sequence;
        int64_t line;
        size_t stop;
        std::string arrival, departure;
    };
    struct Problem {
        std::string kind, file;
        int64_t line;
        std::string reason;
    };
    struct Trip {
        std::string trip_id, route_id, service_id, block_id, short_name;
        int64_t line;
        size_t stop_times = 0;
        std::optional<StopTimeEnd> first, last;
        std::optional<Problem> problem;  // the first reason the trip cannot load
        std::vector<Frequency> frequencies;
    };
    // A malformed row: throws when strict, else records the notice (the caller drops the row).
    void row_notice(const char* state, const char* kind, const char* file, int64_t line, const std::string& reason,
                    std::string_view trip_id = {}, std::string detail = {});
    // A malformed stop time or frequency of a trip: throws when strict, else the trip is skipped.
    void trip_problem(Trip& trip, const char* state, const char* kind, const char* file, int64_t line,
                      const std::string& reason, std::string detail = {});
    std::vector<Notice> notices_;
    std::vector<Transition> transitions_;
    // The local departure, in seconds since 2000-01-01 local, of a run of service date `day`
    // leaving at GTFS time `seconds` (noon minus 12 h, with transitions_).
    int64_t local_departure(int32_t day, int64_t seconds) const;
    struct Stored {
        std::string train_number;
        int64_t schedule_id;
        ServicePattern pattern;
    };

    std::unordered_map<std::string, Route> routes_;
    std::vector<Stop> stops_;
    std::unordered_map<std::string, size_t> stop_index_;
    std::map<std::string, Service> services_;
    std::vector<Trip> trips_;
    std::unordered_map<std::string, size_t> trip_index_;
    std::vector<Stored> stored_;
    std::unordered_map<std::string, TrainKind> stored_kinds_;
};

}  // namespace railway::gtfs
