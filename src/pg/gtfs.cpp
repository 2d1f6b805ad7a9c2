// railway.gtfs_load and railway.gtfs_conflicts: a GTFS feed staged in TEMP tables (one per
// file, text columns named as the file's header, plus `line`; tools/gtfs_import.sh creates and
// fills them with COPY) is validated and planned by src/core/gtfs_import and, for gtfs_load,
// inserted into railway.locations, railway.trains, railway.schedules and railway.gtfs_trips in
// the caller's transaction.
#include "core/calendar.hpp"
#include "core/error.hpp"
#include "core/gtfs_import.hpp"
#include "core/interrupts.hpp"
#include "core/schedule_rules.hpp"
#include "core/service_pattern.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "datum.hpp"
#include "memory.hpp"
#include "prevalidated.hpp"
#include "schedules_write.hpp"
#include "service_pattern.hpp"
#include "spi.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "pgtime.h"
}

namespace railway::pg {
namespace {

using gtfs::ConflictMode;
using gtfs::FeedBuilder;


// A staged file: its table and the columns it has.
struct StagedFile {
    const char* file;   // "stops.txt"
    const char* table;  // "gtfs_stops"
    std::set<std::string> columns;
    bool present = false;
};

constexpr const char* kStagingHint =
    "tools/gtfs_import.sh stages a feed: one TEMP table per file, named gtfs_ and the file name "
    "without .txt (gtfs_stops, gtfs_trips, ...), a text column per header field and a bigint "
    "column \"line\" (the file's line number, the header being line 1).";

// A palloc'd C string as std::string (freed).
std::string take_cstring(char* text) {
    std::string result(text);
    pg_guarded([&] { pfree(text); });
    return result;
}

std::string quote_ident(const std::string& name) {
    // quote_identifier returns its argument when no quotes are needed.
    const char* quoted = pg_guarded([&] { return quote_identifier(name.c_str()); });
    return std::string(quoted);
}

std::string quote_literal(const std::string& text) {
    return take_cstring(pg_guarded([&] { return quote_literal_cstr(text.c_str()); }));
}

// Which staging tables exist in this session's temp schema, and their columns.
std::map<std::string, StagedFile> staged_files() {
    static const char* const files[][2] = {
        {"routes.txt", "gtfs_routes"},         {"stops.txt", "gtfs_stops"},
        {"calendar.txt", "gtfs_calendar"},     {"calendar_dates.txt", "gtfs_calendar_dates"},
        {"trips.txt", "gtfs_trips"},           {"stop_times.txt", "gtfs_stop_times"},
        {"frequencies.txt", "gtfs_frequencies"}, {"agency.txt", "gtfs_agency"},
        {"the importer's reading", "gtfs_notices"}};
    std::map<std::string, StagedFile> staged;
    for (const auto& f : files) staged[f[1]] = StagedFile{f[0], f[1], {}, false};
    const uint64 rows = spi_query(
        "SELECT c.relname::pg_catalog.text, a.attname::pg_catalog.text FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) c.oid "
        "AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped "
        "WHERE c.relnamespace OPERATOR(pg_catalog.=) pg_catalog.pg_my_temp_schema() "
        "AND pg_catalog.starts_with(c.relname::pg_catalog.text, 'gtfs_')",
        0, nullptr, nullptr, nullptr);
    for (uint64 row = 0; row < rows; ++row) {
        bool is_null;
        const std::string table(text_view(pg_guarded([&] { return DatumGetTextPP(spi_value(row, 1, &is_null)); })));
        const std::string column(text_view(pg_guarded([&] { return DatumGetTextPP(spi_value(row, 2, &is_null)); })));
        const auto at = staged.find(table);
        if (at == staged.end()) continue;
        at->second.present = true;
        at->second.columns.insert(column);
    }
    spi_free_result();
    return staged;
}

// SELECT line, <columns> FROM the staging table, ORDER BY line: a column the file lacks reads
// as ''. Refuses a missing required column.
std::string select_sql(const StagedFile& staged, const std::vector<std::string>& columns,
                       const std::set<std::string>& required) {
    if (staged.columns.count("line") == 0)
        throw Error("42703", std::string("staging table pg_temp.") + staged.table + " has no column \"line\"", {},
                    kStagingHint);
    std::string sql = "SELECT line";
    for (const std::string& column : columns) {
        if (staged.columns.count(column)) {
            sql += ", COALESCE(" + quote_ident(column) + "::pg_catalog.text, '')";
        } else if (required.count(column)) {
            throw Error("42703", std::string(staged.file) + " has no column " + column,
                        std::string("GTFS requires ") + column + " in " + staged.file + ".");
        } else {
            sql += ", ''";
        }
    }
    return sql + " FROM pg_temp." + staged.table + " ORDER BY line";
}

constexpr long kBatchRows = 10000;

// Streams the rows of a staging table to `each(line, fields)`, fields in `columns` order.
template <typename Each>
void for_each_row(const StagedFile& staged, const std::vector<std::string>& columns,
                  const std::set<std::string>& required, Each&& each) {
    const std::string sql = select_sql(staged, columns, required);
    Portal portal = spi_cursor_open(sql.c_str(), 0, nullptr, nullptr, nullptr);
    std::vector<std::string_view> fields(columns.size());
    for (uint64 rows; (rows = spi_cursor_fetch(portal, kBatchRows)) > 0;) {
        for (uint64 row = 0; row < rows; ++row) {
            poll_interrupts();
            int64_t line = 0;
            pg_guarded([&] {
                bool is_null;
                const Datum line_datum = spi_value(row, 1, &is_null);
                line = is_null ? 0 : DatumGetInt64(line_datum);
                for (size_t c = 0; c < fields.size(); ++c) {
                    const text* value = DatumGetTextPP(spi_value(row, static_cast<int>(c) + 2, &is_null));
                    fields[c] = is_null ? std::string_view() : text_view(value);
                }
            });
            each(line, fields);
        }
    }
    spi_free_result();  // the last (empty) batch
    spi_cursor_close(portal);
}

// Reads the staged feed, and the stored schedules of the trains it uses, into a plan.
gtfs::Plan read_and_plan(ConflictMode mode, bool strict, std::optional<std::string>* timezone = nullptr) {
    std::map<std::string, StagedFile> staged = staged_files();
    for (const char* table : {"gtfs_stops", "gtfs_trips", "gtfs_stop_times"})
        if (!staged.at(table).present)
            throw Error("42P01", std::string("no staged ") + staged.at(table).file + " (TEMP table " + table + ")",
                        {}, kStagingHint);
    if (!staged.at("gtfs_calendar").present && !staged.at("gtfs_calendar_dates").present)
        throw Error("42P01", "no staged calendar.txt or calendar_dates.txt",
                    "A GTFS feed needs at least one of them to say on which dates its services run.",
                    kStagingHint);

    FeedBuilder feed;
    feed.strict = strict;
    if (staged.at("gtfs_notices").present) {
        for_each_row(staged.at("gtfs_notices"), {"file", "kind", "reason"}, {"file", "kind", "reason"},
                     [&](int64_t line, const std::vector<std::string_view>& f) {
                         feed.add_notice(gtfs::Notice{std::string(f[0]), line, std::string(f[1]), std::string(f[2]), {}});
                     });
    }
    if (timezone != nullptr && staged.at("gtfs_agency").present) {
        // agency_timezone: every agency of a feed has the same (GTFS); the first is kept.
        for_each_row(staged.at("gtfs_agency"), {"agency_timezone"}, {},
                     [&](int64_t line, const std::vector<std::string_view>& f) {
                         const std::string zone(gtfs::trim(f[0]));
                         if (zone.empty()) return;
                         if (!*timezone) {
                             *timezone = zone;
                         } else if (**timezone != zone) {
                             feed.add_notice(gtfs::Notice{"agency.txt", line, "bad_row",
                                                          "agency_timezone \"" + zone + "\" differs from the first agency's \"" +
                                                              **timezone + "\" (GTFS requires one); the first is kept",
                                                          {}});
                         }
                     });
    }
    if (staged.at("gtfs_routes").present) {
        feed.has_routes = true;
        for_each_row(staged.at("gtfs_routes"), {"route_id", "route_short_name", "route_long_name"}, {"route_id"},
                     [&](int64_t line, const std::vector<std::string_view>& f) { feed.add_route(line, f[0], f[1], f[2]); });
    }
    for_each_row(staged.at("gtfs_stops"), {"stop_id", "stop_code", "stop_name", "location_type"}, {"stop_id"},
                 [&](int64_t line, const std::vector<std::string_view>& f) {
                     feed.add_stop(line, f[0], f[1], f[2], f[3]);
                 });
    if (staged.at("gtfs_calendar").present) {
        feed.has_calendar = true;
        const std::vector<std::string> columns = {"service_id", "monday", "tuesday", "wednesday", "thursday", "friday",
                                                  "saturday", "sunday", "start_date", "end_date"};
        for_each_row(staged.at("gtfs_calendar"), columns, std::set<std::string>(columns.begin(), columns.end()),
                     [&](int64_t line, const std::vector<std::string_view>& f) {
                         const std::string_view days[7] = {f[1], f[2], f[3], f[4], f[5], f[6], f[7]};
                         feed.add_calendar(line, f[0], days, f[8], f[9]);
                     });
    }
    if (staged.at("gtfs_calendar_dates").present) {
        feed.has_calendar_dates = true;
        for_each_row(staged.at("gtfs_calendar_dates"), {"service_id", "date", "exception_type"},
                     {"service_id", "date", "exception_type"},
                     [&](int64_t line, const std::vector<std::string_view>& f) {
                         feed.add_calendar_date(line, f[0], f[1], f[2]);
                     });
    }
    for_each_row(staged.at("gtfs_trips"), {"trip_id", "route_id", "service_id", "block_id", "trip_short_name"},
                 {"trip_id", "service_id"}, [&](int64_t line, const std::vector<std::string_view>& f) {
                     feed.add_trip(line, f[0], f[1], f[2], f[3], f[4]);
                 });
    // stop_id and the times are required of fixed-route stop times only: a GTFS-Flex stop time has
    // a location (group) and a pickup/drop-off window instead.
    for_each_row(staged.at("gtfs_stop_times"),
                 {"trip_id", "stop_sequence", "stop_id", "arrival_time", "departure_time",
                  "start_pickup_drop_off_window", "end_pickup_drop_off_window", "location_id", "location_group_id"},
                 {"trip_id", "stop_sequence"}, [&](int64_t line, const std::vector<std::string_view>& f) {
                     const bool flex = !gtfs::trim(f[5]).empty() || !gtfs::trim(f[6]).empty() ||
                                       (gtfs::trim(f[2]).empty() && (!gtfs::trim(f[7]).empty() || !gtfs::trim(f[8]).empty()));
                     if (flex)
                         feed.add_flex_stop_time(line, f[0]);
                     else
                         feed.add_stop_time(line, f[0], f[1], f[2], f[3], f[4]);
                 });
    // Duplicate stop_sequence values anywhere in a trip (add_stop_time sees only the ends).
    {
        const uint64 found = spi_query(
            "SELECT pg_catalog.btrim(trip_id::pg_catalog.text), pg_catalog.btrim(stop_sequence::pg_catalog.text), "
            "pg_catalog.min(line), pg_catalog.max(line) FROM pg_temp.gtfs_stop_times GROUP BY 1, 2 "
            "HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1 ORDER BY 4",
            0, nullptr, nullptr, nullptr);
        struct Duplicate { std::string trip, sequence; int64_t first, second; };
        std::vector<Duplicate> duplicates;
        for (uint64 row = 0; row < found; ++row) {
            bool is_null;
            Duplicate d;
            d.trip = std::string(text_view(pg_guarded([&] { return DatumGetTextPP(spi_value(row, 1, &is_null)); })));
            d.sequence = std::string(text_view(pg_guarded([&] { return DatumGetTextPP(spi_value(row, 2, &is_null)); })));
            d.first = DatumGetInt64(spi_value(row, 3, &is_null));
            d.second = DatumGetInt64(spi_value(row, 4, &is_null));
            duplicates.push_back(std::move(d));
        }
        spi_free_result();
        for (const Duplicate& d : duplicates) {
            if (strict)
                throw Error("23505", "stop_times.txt line " + std::to_string(d.second) + ": trip \"" + d.trip +
                                         "\" has stop_sequence " + d.sequence + " twice (also on line " +
                                         std::to_string(d.first) + ")");
            feed.add_duplicate_sequence(d.second, d.trip, d.sequence, d.first);
        }
    }
    if (staged.at("gtfs_frequencies").present) {
        for_each_row(staged.at("gtfs_frequencies"), {"trip_id", "start_time", "end_time", "headway_secs", "exact_times"},
                     {"trip_id", "start_time", "end_time", "headway_secs"},
                     [&](int64_t line, const std::vector<std::string_view>& f) {
                         feed.add_frequency(line, f[0], f[1], f[2], f[3], f[4]);
                     });
    }

    // The feed's timezone: PostgreSQL's zone data gives its UTC offset changes over the feed's
    // dates (GTFS times count from noon minus 12 h; see FeedBuilder::set_transitions).
    if (timezone != nullptr && *timezone) {
        const std::string name = **timezone;
        pg_tz* zone = pg_guarded([&] { return pg_tzset(name.c_str()); });
        if (zone == nullptr) {
            feed.add_notice(gtfs::Notice{"agency.txt", 0, "bad_row",
                                         "agency_timezone \"" + name + "\" is not a timezone PostgreSQL knows; the "
                                         "feed is kept without one and its times count from midnight", {}});
            timezone->reset();
        } else if (const auto span = feed.date_span();
                   span && int64_t{span->second} - span->first <= gtfs::kMaxListedDays) {
            constexpr int64_t kUnixToPostgres = 946684800;  // 1970-01-01 to 2000-01-01, seconds
            std::vector<FeedBuilder::Transition> transitions;
            pg_time_t at = (int64_t{span->first} - 3) * 86400 + kUnixToPostgres;
            const pg_time_t end = (int64_t{span->second} + 12) * 86400 + kUnixToPostgres;
            while (at < end) {
                long before = 0, after = 0;
                int before_dst = 0, after_dst = 0;
                pg_time_t boundary = 0;
                const int found = pg_guarded([&] {
                    return pg_next_dst_boundary(&at, &before, &before_dst, &boundary, &after, &after_dst, zone);
                });
                if (found != 1 || boundary <= at || boundary >= end) break;
                transitions.push_back(FeedBuilder::Transition{boundary - kUnixToPostgres, static_cast<int32_t>(before),
                                                              static_cast<int32_t>(after)});
                at = boundary;
            }
            feed.set_transitions(std::move(transitions));
        }
    }

    // The stored active schedules of the trains the feed uses.
    const std::vector<std::string> numbers = feed.train_numbers();
    if (!numbers.empty()) {
        std::vector<Datum> elements;
        for (const std::string& number : numbers) elements.push_back(text_datum(number));
        Datum array = pg_guarded([&] {
            return PointerGetDatum(construct_array(elements.data(), static_cast<int>(elements.size()), TEXTOID, -1,
                                                   false, TYPALIGN_INT));
        });
        Oid types[1] = {TEXTARRAYOID};
        const uint64 rows = spi_query(
            "SELECT s.id, t.train_number::pg_catalog.text, s.scheduled_departure, s.scheduled_arrival, "
            "s.running_days, s.effective_start_date, s.effective_end_date, s.train_kind FROM railway.schedules s "
            "JOIN railway.trains t ON t.id OPERATOR(pg_catalog.=) s.train_id "
            "WHERE t.train_number OPERATOR(pg_catalog.=) ANY ($1) AND NOT s.is_cancelled "
            "AND s.status OPERATOR(pg_catalog.<>) 'cancelled'",
            1, types, &array, nullptr);
        for (uint64 row = 0; row < rows; ++row) {
            poll_interrupts();
            bool nulls[8];
            Datum v[8];
            for (int i = 0; i < 8; ++i) v[i] = spi_value(row, i + 1, &nulls[i]);
            const std::string number(text_view(pg_guarded([&] { return DatumGetTextPP(v[1]); })));
            feed.add_stored_schedule(number, DatumGetInt32(v[0]),
                                     pattern_from_columns(nulls[2], v[2], nulls[3], v[3], nulls[4], v[4], nulls[5],
                                                          v[5], nulls[6], v[6], kind_from_text(v[7])));
        }
        spi_free_result();
        // The kinds of the stored trains: a feed's trips of an existing train follow its rule.
        const uint64 trains = spi_query(
            "SELECT train_number::pg_catalog.text, kind FROM railway.trains "
            "WHERE train_number OPERATOR(pg_catalog.=) ANY ($1)",
            1, types, &array, nullptr);
        for (uint64 row = 0; row < trains; ++row) {
            bool nulls[2];
            const Datum number = spi_value(row, 1, &nulls[0]);
            const Datum kind = spi_value(row, 2, &nulls[1]);
            if (nulls[0] || nulls[1]) continue;
            feed.add_stored_train(text_view(pg_guarded([&] { return DatumGetTextPP(number); })), kind_from_text(kind));
        }
        spi_free_result();
    }
    // The conflict sweep's buffers in a context of their own (the planner lists no service's
    // dates beyond gtfs::kMaxListedDays, and polls interrupts).
    ScopedWorkContext work("railway gtfs plan");
    return feed.plan(mode, work.resource());
}

// ---------------------------------------------------------------------------------------------
// Inserting

struct Statement {
    SPIPlanPtr plan;
};

Statement prepare(const char* sql, int nargs, Oid* types) {
    return Statement{pg_guarded([&] {
        SPIPlanPtr plan = SPI_prepare(sql, nargs, types);
        if (plan == nullptr) elog(ERROR, "railway: could not prepare: %s", SPI_result_code_string(SPI_result));
        return plan;
    })};
}

// Runs a prepared statement; returns the int4 in the first column of its first row, if any.
std::optional<int32> run(const Statement& statement, Datum* values, const char* nulls) {
    int32 id = 0;
    const bool found = pg_guarded([&] {
        const int rc = SPI_execute_plan(statement.plan, values, nulls, false, 0);
        if (rc < 0) elog(ERROR, "railway: statement failed: %s", SPI_result_code_string(rc));
        bool is_null = true;
        if (SPI_processed > 0 && SPI_tuptable != nullptr)
            id = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null));
        // One result table per row inserted: freed at once, not at SPI_finish.
        if (SPI_tuptable != nullptr) SPI_freetuptable(SPI_tuptable);
        return !is_null;
    });
    return found ? std::optional<int32>(id) : std::nullopt;
}

// A JSON string literal, by PostgreSQL's escape_json.
std::string json_string(std::string_view text) {
    const std::string value(text);
    return take_cstring(pg_guarded([&] {
        StringInfoData buffer;
        initStringInfo(&buffer);
        escape_json(&buffer, value.c_str());
        return buffer.data;
    }));
}

std::string range_text(const Window& window) {
    return "[\"" + format_timestamp(window.start_us) + "\",\"" + format_timestamp(window.end_us) + "\")";
}

std::string conflicts_json(const gtfs::Plan& plan) {
    std::string out = "[";
    for (const gtfs::TripConflict& conflict : plan.conflicts) {
        if (out.size() > 1) out += ",";
        const gtfs::PlannedTrip& trip = plan.trips[conflict.trip];
        out += "{\"trip_id\":" + json_string(trip.trip_id) + ",\"other_trip_id\":" +
               (conflict.other_trip ? json_string(plan.trips[*conflict.other_trip].trip_id) : "null") +
               ",\"other_schedule_id\":" + (conflict.other_schedule ? std::to_string(*conflict.other_schedule) : "null") +
               ",\"train_number\":" + json_string(plan.trains[trip.train].number) +
               ",\"first_conflict\":" + json_string(range_text(conflict.first)) + "}";
    }
    return out + "]";
}

struct LoadResult {
    std::string report;  // JSON
};

std::string train_description(const std::string& feed, const gtfs::Train& train) {
    static const char* const kinds[] = {"block", "train", "trip"};
    std::string text = feed + " " + kinds[static_cast<int>(train.source)] + " " + train.key;
    for (size_t i = 0; i < train.routes.size(); ++i) {
        if (i == 5) {
            text += ", ...";
            break;
        }
        text += (i == 0 ? ": " : ", ") + train.routes[i];
    }
    return text;
}

// Rows per INSERT statement: every statement pays its planning, its executor start-up and the
// statement-level triggers (audit) once, so the rows go in batches, not one statement each.
constexpr size_t kInsertBatch = 5000;

// A one-dimensional array of `elements` of type `type`.
Datum build_array(const std::vector<Datum>& elements, Oid type) {
    return pg_guarded([&] {
        int16 length;
        bool by_value;
        char align;
        get_typlenbyvalalign(type, &length, &by_value, &align);
        return PointerGetDatum(construct_array(const_cast<Datum*>(elements.data()), static_cast<int>(elements.size()),
                                               type, length, by_value, align));
    });
}

// Runs a prepared statement that returns rows: they are in SPI_tuptable (spi_value) until
// spi_free_result. Returns the number of rows.
uint64 run_rows(const Statement& statement, Datum* values, const char* nulls) {
    return pg_guarded([&] {
        const int rc = SPI_execute_plan(statement.plan, values, nulls, false, 0);
        if (rc < 0) elog(ERROR, "railway: statement failed: %s", SPI_result_code_string(rc));
        return SPI_tuptable != nullptr ? SPI_processed : uint64{0};
    });
}

// Ids of rows identified by a unique text key (trains by number, locations by code): an existing
// key is reused as it is (name, description, kind kept), the others are inserted in the order
// given, in batches. keys[i] gets ids[i]; returns how many rows were inserted. A key given twice
// is inserted once (the later ones count as existing, as a find-then-insert per row would).
// find_sql: $1 text[] of keys → (ordinality int8, id int4). insert_sql: $1 = keys, $2.. = the
// other columns' text[] → RETURNING (key text, id int4).
size_t find_or_insert(const std::vector<std::string>& keys, const std::vector<std::vector<std::string>>& columns,
                      const char* find_sql, const char* insert_sql, std::vector<int32>* ids,
                      std::vector<bool>* created = nullptr) {
    ids->assign(keys.size(), 0);
    if (created != nullptr) created->assign(keys.size(), false);
    std::vector<bool> known(keys.size(), false);
    Oid types[4] = {TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID};
    const int nargs = static_cast<int>(columns.size()) + 1;
    const Statement find = prepare(find_sql, 1, types);
    const Statement insert = prepare(insert_sql, nargs, types);
    std::map<std::string, size_t> first;  // key → its first index
    size_t inserted = 0;
    for (size_t begin = 0; begin < keys.size(); begin += kInsertBatch) {
        poll_interrupts();
        const size_t end = std::min(keys.size(), begin + kInsertBatch);
        // The existing rows.
        {
            std::vector<Datum> elements;
            for (size_t i = begin; i < end; ++i) elements.push_back(text_datum(keys[i]));
            Datum values[1] = {build_array(elements, TEXTOID)};
            const uint64 rows = run_rows(find, values, nullptr);
            for (uint64 row = 0; row < rows; ++row) {
                bool is_null_ord, is_null_id;
                const int64 ord = DatumGetInt64(spi_value(row, 1, &is_null_ord));
                const Datum id = spi_value(row, 2, &is_null_id);
                if (is_null_ord || is_null_id || ord < 1 || static_cast<size_t>(ord) > end - begin) continue;
                const size_t i = begin + static_cast<size_t>(ord) - 1;
                (*ids)[i] = DatumGetInt32(id);
                known[i] = true;
            }
            spi_free_result();
        }
        // The new ones: each key once (a key repeated in the batch or seen in an earlier one reuses
        // the first's row).
        std::vector<size_t> missing;
        for (size_t i = begin; i < end; ++i) {
            if (known[i]) continue;
            const auto [at, fresh] = first.emplace(keys[i], i);
            if (fresh) missing.push_back(i);
        }
        if (!missing.empty()) {
            std::vector<Datum> values;
            {
                std::vector<Datum> elements;
                for (size_t i : missing) elements.push_back(text_datum(keys[i]));
                values.push_back(build_array(elements, TEXTOID));
            }
            for (const std::vector<std::string>& column : columns) {
                std::vector<Datum> elements;
                for (size_t i : missing) elements.push_back(text_datum(column[i]));
                values.push_back(build_array(elements, TEXTOID));
            }
            const uint64 rows = run_rows(insert, values.data(), nullptr);
            std::map<std::string, int32> returned;
            for (uint64 row = 0; row < rows; ++row) {
                bool is_null_key, is_null_id;
                const Datum key = spi_value(row, 1, &is_null_key);
                const Datum id = spi_value(row, 2, &is_null_id);
                if (is_null_key || is_null_id) continue;
                returned[std::string(text_view(pg_guarded([&] { return DatumGetTextPP(key); })))] = DatumGetInt32(id);
            }
            spi_free_result();
            for (size_t i : missing) {
                const auto at = returned.find(keys[i]);
                if (at == returned.end())
                    throw Error(sqlstate::internal_error, "railway: the row of \"" + keys[i] + "\" was not inserted");
                (*ids)[i] = at->second;
                known[i] = true;
                if (created != nullptr) (*created)[i] = true;
                ++inserted;
            }
        }
        for (size_t i = begin; i < end; ++i) {
            if (known[i]) continue;
            (*ids)[i] = (*ids)[first.at(keys[i])];  // a repeated key: the first's row
            if (created != nullptr) (*created)[i] = (*created)[first.at(keys[i])];
            known[i] = true;
        }
    }
    return inserted;
}

// A schedule's pattern as a byte string (train, departure, arrival, start and end date, running
// days as text, "{t,f,...}"), to match the rows RETURNING gives back to the rows inserted.
std::string pattern_key(int32 train, int64_t departure, int64_t arrival, std::string_view days, int64_t start,
                        std::optional<int64_t> end) {
    std::string key;
    key.reserve(48 + days.size());
    auto append = [&](const auto& value) { key.append(reinterpret_cast<const char*>(&value), sizeof value); };
    append(train);
    append(departure);
    append(arrival);
    append(start);
    key += end ? '+' : '-';
    append(end.value_or(0));
    key += days;
    return key;
}

// Inserts the plan's rows; returns the report.
std::string insert_plan(const gtfs::Plan& plan, const std::string& feed, const std::string& mode, bool strict,
                        const std::optional<std::string>& timezone) {
    // Locations: an existing code is reused (not renamed).
    std::vector<int32> location_ids;
    size_t new_locations = 0;
    {
        std::vector<std::string> codes, names;
        for (const gtfs::Location& location : plan.locations) {
            codes.push_back(location.code);
            names.push_back(location.name);
        }
        new_locations = find_or_insert(
            codes, {names},
            "SELECT u.ord, l.id FROM pg_catalog.unnest($1::pg_catalog.text[]) WITH ORDINALITY AS u(code, ord) "
            "JOIN railway.locations l ON l.code OPERATOR(pg_catalog.=) u.code",
            "INSERT INTO railway.locations (code, name) SELECT u.code, u.name FROM "
            "ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]), pg_catalog.unnest($2::pg_catalog.text[])) WITH ORDINALITY AS u(code, name, ord) "
            "ORDER BY u.ord RETURNING code::pg_catalog.text, id",
            &location_ids);
    }
    // Trains: an existing number is reused (its description and kind are kept). A block_id is a
    // vehicle, a trip_short_name or trip_id a numbered train (the plan's kind).
    size_t new_trains = 0;
    size_t by_source[3] = {0, 0, 0};
    std::vector<int32> train_ids;
    std::vector<bool> created_trains;  // made by this load: no other session sees them
    {
        std::vector<std::string> numbers, descriptions, kinds;
        for (const gtfs::Train& train : plan.trains) {
            numbers.push_back(train.number);
            descriptions.push_back(train_description(feed, train));
            kinds.push_back(kind_name(train.kind));
            ++by_source[static_cast<int>(train.source)];
        }
        new_trains = find_or_insert(
            numbers, {descriptions, kinds},
            "SELECT u.ord, t.id FROM pg_catalog.unnest($1::pg_catalog.text[]) WITH ORDINALITY AS u(number, ord) "
            "JOIN railway.trains t ON t.train_number OPERATOR(pg_catalog.=) u.number",
            "INSERT INTO railway.trains (train_number, description, kind) SELECT u.number, u.description, u.kind "
            "FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]), pg_catalog.unnest($2::pg_catalog.text[]), "
            "pg_catalog.unnest($3::pg_catalog.text[])) "
            "WITH ORDINALITY AS u(number, description, kind, ord) ORDER BY u.ord "
            "RETURNING train_number::pg_catalog.text, id",
            &train_ids, &created_trains);
    }
    // Schedules, one per pattern, each with its trip in railway.gtfs_trips, in batches. RETURNING
    // need not follow the input's order, so each inserted schedule is matched to its trip by its
    // pattern (train, departure, arrival, running days, dates) and, among identical patterns (a
    // duplicated trip loaded with the backstops off), by rank: the k-th id of a pattern goes to
    // its k-th trip in the plan's order, the ids being taken in the order the rows are inserted.
    size_t schedules = 0;
    size_t loaded_trips = 0;
    size_t direct_rows = 0, inserted_rows = 0;  // schedules written directly, or by INSERT
    int32_t first_day = kDayInfinity, last_day = kDayMinusInfinity;
    {
        // Two statements per batch: the schedules, RETURNING their ids and patterns, then their
        // trips. train_kind given too (the trigger would fill it in), so that a load with
        // validation bypassed still satisfies schedules_train_kind_fkey.
        Oid schedule_types[9] = {INT4ARRAYOID, INT4ARRAYOID, INT4ARRAYOID, TIMESTAMPARRAYOID, TIMESTAMPARRAYOID,
                                 TEXTARRAYOID, TIMESTAMPARRAYOID, TIMESTAMPARRAYOID, TEXTARRAYOID};
        const Statement insert_schedules = prepare(
            "INSERT INTO railway.schedules (train_id, departure_location_id, arrival_location_id, "
            "scheduled_departure, scheduled_arrival, running_days, effective_start_date, effective_end_date, "
            "train_kind) SELECT u.train_id, u.from_id, u.to_id, u.departure, u.arrival, "
            "u.days::pg_catalog.bool[], u.start_date, u.end_date, u.kind "
            "FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.int4[]), pg_catalog.unnest($2::pg_catalog.int4[]), "
            "pg_catalog.unnest($3::pg_catalog.int4[]), pg_catalog.unnest($4::pg_catalog.timestamp[]), "
            "pg_catalog.unnest($5::pg_catalog.timestamp[]), pg_catalog.unnest($6::pg_catalog.text[]), "
            "pg_catalog.unnest($7::pg_catalog.timestamp[]), pg_catalog.unnest($8::pg_catalog.timestamp[]), "
            "pg_catalog.unnest($9::pg_catalog.text[])) "
            "WITH ORDINALITY AS u(train_id, from_id, to_id, departure, arrival, days, start_date, end_date, kind, ord) "
            "ORDER BY u.ord RETURNING id, train_id, scheduled_departure, scheduled_arrival, "
            "running_days::pg_catalog.text, effective_start_date, effective_end_date",
            9, schedule_types);
        Oid trip_types[9] = {INT4ARRAYOID, TEXTOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
                             INT4ARRAYOID, TEXTARRAYOID, INT4ARRAYOID, INT4ARRAYOID};
        const Statement insert_trips = prepare(
            "INSERT INTO railway.gtfs_trips (schedule_id, feed, trip_id, service_id, first_stop_id, "
            "first_stop_sequence, last_stop_id, last_stop_sequence, service_day_offset) "
            "SELECT u.schedule_id, $2, u.trip_id, u.service_id, u.first_stop_id, u.first_stop_sequence, "
            "u.last_stop_id, u.last_stop_sequence, u.service_day_offset "
            "FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.int4[]), pg_catalog.unnest($3::pg_catalog.text[]), "
            "pg_catalog.unnest($4::pg_catalog.text[]), pg_catalog.unnest($5::pg_catalog.text[]), "
            "pg_catalog.unnest($6::pg_catalog.int4[]), pg_catalog.unnest($7::pg_catalog.text[]), "
            "pg_catalog.unnest($8::pg_catalog.int4[]), pg_catalog.unnest($9::pg_catalog.int4[])) "
            "AS u(schedule_id, trip_id, service_id, first_stop_id, first_stop_sequence, last_stop_id, "
            "last_stop_sequence, service_day_offset)",
            9, trip_types);
        const Datum feed_datum = text_datum(feed);
        const Datum kind_datums[2] = {text_datum(kind_name(TrainKind::kVehicle)),
                                      text_datum(kind_name(TrainKind::kNumbered))};
        // The columns of a batch: the schedule's 0 to 8, the trip's 9 to 15.
        constexpr int kColumns = 16;
        constexpr int kScheduleColumns = 9;
        const Oid element[kColumns] = {INT4OID, INT4OID, INT4OID, TIMESTAMPOID, TIMESTAMPOID, TEXTOID,
                                       TIMESTAMPOID, TIMESTAMPOID, TEXTOID, TEXTOID, TEXTOID,
                                       TEXTOID, INT4OID, TEXTOID, INT4OID, INT4OID};
        std::vector<Datum> columns[kColumns];
        std::vector<uint8_t> masks;     // each row's running days (bit 0 Monday)
        // Whether every row of the batch is prevalidated (below): then it may be written directly.
        bool batch_prevalidated = true;
        // The batch's rows the validation trigger need not check again: those of trains this load
        // created, checked here by the trigger's rules, when the conflict sweep has settled their
        // conflicts (conflicts => 'keep' loads conflicting trips, which the trigger refuses).
        const bool prevalidate = gtfs::parse_conflict_mode(mode) != ConflictMode::keep;
        PrevalidatedRows prevalidated;
        // The matching (see above) in C++, a hash map of waiting rows per pattern, rather than
        // sorts, window functions and a join in SQL. A row that comes back changed (a trigger of
        // the DBA's) matches nothing and gets no gtfs_trips row, as before.
        // The batch by INSERT ... RETURNING, each returned id matched to its row by its pattern.
        auto insert_batch = [&](size_t n, const auto& add) {
            Datum values[kScheduleColumns];
            for (int c = 0; c < kScheduleColumns; ++c) values[c] = build_array(columns[c], element[c]);
            std::vector<std::pair<int32, std::string>> inserted;  // (id, pattern_key)
            uint64 rows;
            {
                const PrevalidatedScope scope(&prevalidated);
                rows = run_rows(insert_schedules, values, nullptr);
            }
            inserted.reserve(rows);
            for (uint64 row = 0; row < rows; ++row) {
                bool null[7];
                Datum d[7];
                for (int i = 0; i < 7; ++i) d[i] = spi_value(row, i + 1, &null[i]);
                if (null[0] || null[1] || null[2] || null[3] || null[4] || null[5]) continue;
                const std::string days(text_view(pg_guarded([&] { return DatumGetTextPP(d[4]); })));
                inserted.emplace_back(DatumGetInt32(d[0]),
                                      pattern_key(DatumGetInt32(d[1]), DatumGetTimestamp(d[2]), DatumGetTimestamp(d[3]),
                                                  days, DatumGetTimestamp(d[5]),
                                                  null[6] ? std::nullopt : std::optional<int64_t>(DatumGetTimestamp(d[6]))));
            }
            spi_free_result();
            std::sort(inserted.begin(), inserted.end(),
                      [](const auto& a, const auto& b) { return a.first < b.first; });
            // The rows sent, by the same key (their running days as the text the INSERT casts).
            std::unordered_map<std::string, std::deque<size_t>> waiting;
            for (size_t i = 0; i < n; ++i) {
                const std::string_view days = text_view(pg_guarded([&] { return DatumGetTextPP(columns[5][i]); }));
                waiting[pattern_key(DatumGetInt32(columns[0][i]), DatumGetTimestamp(columns[3][i]),
                                    DatumGetTimestamp(columns[4][i]), days, DatumGetTimestamp(columns[6][i]),
                                    DatumGetTimestamp(columns[7][i]))]
                    .push_back(i);
            }
            for (const auto& [id, key] : inserted) {
                const auto at = waiting.find(key);
                if (at == waiting.end() || at->second.empty()) continue;
                add(at->second.front(), id);
                at->second.pop_front();
            }
        };
        auto flush = [&] {
            if (columns[0].empty()) return;
            poll_interrupts();
            const size_t n = columns[0].size();
            std::vector<Datum> trip_columns[kColumns - kScheduleColumns + 1];  // schedule_id, then 9 to 15
            auto add = [&](size_t i, int32 id) {
                trip_columns[0].push_back(Int32GetDatum(id));
                for (int c = kScheduleColumns; c < kColumns; ++c) trip_columns[c - kScheduleColumns + 1].push_back(columns[c][i]);
            };
            // The direct write (schedules_write.hpp) when every row is prevalidated and it applies.
            std::optional<std::vector<int32>> direct;
            if (batch_prevalidated) {
                std::vector<Datum> days(n);
                pg_guarded([&] {
                    for (size_t i = 0; i < n; ++i) {
                        Datum flags[7];
                        for (int d = 0; d < 7; ++d) flags[d] = BoolGetDatum((masks[i] >> d) & 1u);
                        days[i] = PointerGetDatum(construct_array(flags, 7, BOOLOID, 1, true, TYPALIGN_CHAR));
                    }
                });
                NewSchedules rows{};
                for (int c = 0; c < kScheduleColumns; ++c) rows.columns[c] = c == 5 ? days.data() : columns[c].data();
                rows.n = n;
                direct = write_new_schedules(rows);
            }
            if (direct) {
                for (size_t i = 0; i < n; ++i) add(i, (*direct)[i]);
                direct_rows += n;
            } else {
                insert_batch(n, add);
                inserted_rows += n;
            }
            prevalidated.rows_per_train.clear();
            if (!trip_columns[0].empty()) {
                Datum trip_values[9];
                trip_values[0] = build_array(trip_columns[0], INT4OID);
                trip_values[1] = feed_datum;
                for (int c = kScheduleColumns; c < kColumns; ++c)
                    trip_values[c - kScheduleColumns + 2] = build_array(trip_columns[c - kScheduleColumns + 1], element[c]);
                run(insert_trips, trip_values, nullptr);
            }
            for (std::vector<Datum>& column : columns) column.clear();
            masks.clear();
            batch_prevalidated = true;
        };
        std::string days_text;
        for (const gtfs::PlannedTrip& trip : plan.trips) {
            if (trip.skipped) continue;
            ++loaded_trips;
            const Datum trip_datum = text_datum(trip.trip_id);
            const Datum service_datum = text_datum(trip.service_id);
            const Datum first_stop_datum = text_datum(trip.first_stop_id);
            const Datum last_stop_datum = text_datum(trip.last_stop_id);
            // Days from the trip's service day to its departure date (a trip leaving at 25:30:00
            // departs the day after its service day), for GTFS-realtime's start_date.
            const Datum offset_datum = Int32GetDatum(static_cast<int32_t>(trip.departure_s / 86400));
            for (const ServicePattern& pattern : trip.patterns) {
                const int64_t midnight = int64_t{pattern.first_day} * kUsecPerDay;
                const int64_t last = int64_t{pattern.last_day} * kUsecPerDay;
                days_text = "{";
                for (int i = 0; i < 7; ++i) days_text += std::string(i ? "," : "") + (((pattern.days >> i) & 1u) ? "t" : "f");
                days_text += "}";
                const int32 train_id = train_ids[trip.train];
                const Datum row[kColumns] = {Int32GetDatum(train_id),
                                       Int32GetDatum(location_ids[trip.from_location]),
                                       Int32GetDatum(location_ids[trip.to_location]),
                                       TimestampGetDatum(midnight + pattern.departure_us),
                                       TimestampGetDatum(midnight + pattern.departure_us + pattern.duration_us),
                                       text_datum(days_text),
                                       TimestampGetDatum(midnight),
                                       TimestampGetDatum(last),
                                       kind_datums[plan.trains[trip.train].kind == TrainKind::kNumbered],
                                       trip_datum,
                                       service_datum,
                                       first_stop_datum,
                                       Int32GetDatum(static_cast<int32_t>(trip.first_stop_sequence)),
                                       last_stop_datum,
                                       Int32GetDatum(static_cast<int32_t>(trip.last_stop_sequence)),
                                       offset_datum};
                for (int c = 0; c < kColumns; ++c) columns[c].push_back(row[c]);
                masks.push_back(static_cast<uint8_t>(pattern.days));
                batch_prevalidated = batch_prevalidated && prevalidate && created_trains[trip.train];
                if (prevalidate && created_trains[trip.train]) {
                    ScheduleRow checked{};
                    checked.scheduled_departure = midnight + pattern.departure_us;
                    checked.scheduled_arrival = midnight + pattern.departure_us + pattern.duration_us;
                    checked.running_days = pattern.days;
                    checked.effective_start_date = midnight;
                    checked.effective_end_date = last;
                    checked.status = std::string_view("scheduled");
                    checked.is_cancelled = false;
                    checked.departure_location_id = location_ids[trip.from_location];
                    checked.arrival_location_id = location_ids[trip.to_location];
                    check_schedule_rules(checked);  // the trigger's rules and errors
                    ++prevalidated.rows_per_train[train_id];
                }
                if (columns[0].size() >= kInsertBatch) flush();
                ++schedules;
                first_day = std::min(first_day, pattern.first_day);
                last_day = std::max(last_day, pattern.last_day);
            }
        }
        flush();
    }

    // The feed and its timezone (agency_timezone), for the runs of its schedules.
    {
        Oid types[2] = {TEXTOID, TEXTOID};
        Datum values[2] = {text_datum(feed), timezone ? text_datum(*timezone) : Datum(0)};
        const char nulls[2] = {' ', timezone ? ' ' : 'n'};
        const Statement upsert = prepare(
            "INSERT INTO railway.gtfs_feeds (feed, timezone) VALUES ($1, $2) ON CONFLICT (feed) DO UPDATE "
            "SET timezone = EXCLUDED.timezone, loaded_at = pg_catalog.now()",
            2, types);
        run(upsert, values, nulls);
    }

    auto where = [](const std::string& file, int64_t line) {
        return ",\"file\":" + json_string(file) + ",\"line\":" + std::to_string(line);
    };
    std::string skipped = "[";
    for (const gtfs::SkippedTrip& trip : plan.skipped) {
        if (skipped.size() > 1) skipped += ",";
        skipped += "{\"trip_id\":" + json_string(trip.trip_id) + ",\"train_number\":" + json_string(trip.train_number) +
                   ",\"kind\":" + json_string(trip.kind) + ",\"reason\":" + json_string(trip.reason) +
                   where(trip.file, trip.line) + "}";
    }
    skipped += "]";
    std::string notices = "[";
    for (const gtfs::Notice& notice : plan.notices) {
        if (notices.size() > 1) notices += ",";
        notices += "{\"kind\":" + json_string(notice.kind) + where(notice.file, notice.line) +
                   ",\"reason\":" + json_string(notice.reason) +
                   ",\"trip_id\":" + (notice.trip_id.empty() ? std::string("null") : json_string(notice.trip_id)) + "}";
    }
    notices += "]";
    std::string counts = "{";
    size_t total = 0;
    for (const auto& [kind, count] : plan.notice_counts()) {
        if (counts.size() > 1) counts += ",";
        counts += json_string(kind) + ":" + std::to_string(count);
        total += count;
    }
    counts += "}";
    const bool any = schedules > 0;
    return "{\"feed\":" + json_string(feed) +
           ",\"status\":" + (total == 0 ? "\"loaded\"" : "\"loaded_with_notices\"") +
           ",\"timezone\":" + (timezone ? json_string(*timezone) : "null") +
           ",\"conflicts\":" + json_string(mode) + ",\"strict\":" + (strict ? "true" : "false") +
           ",\"locations\":{\"loaded\":" + std::to_string(plan.locations.size()) +
           ",\"new\":" + std::to_string(new_locations) +
           ",\"existing\":" + std::to_string(plan.locations.size() - new_locations) +
           ",\"ignored_stops\":" + std::to_string(plan.ignored_stops) + "}" +
           ",\"trains\":{\"loaded\":" + std::to_string(plan.trains.size()) +
           ",\"new\":" + std::to_string(new_trains) +
           ",\"existing\":" + std::to_string(plan.trains.size() - new_trains) +
           ",\"numbered_by_block_id\":" + std::to_string(by_source[0]) +
           ",\"numbered_by_trip_short_name\":" + std::to_string(by_source[1]) +
           ",\"numbered_by_trip_id\":" + std::to_string(by_source[2]) + "}" +
           ",\"trips\":{\"in_feed\":" + std::to_string(plan.feed_trips) +
           ",\"from_frequencies\":" + std::to_string(plan.frequency_trips) +
           ",\"loaded\":" + std::to_string(loaded_trips) +
           ",\"skipped\":" + std::to_string(plan.skipped.size()) +
           ",\"after_midnight\":" + std::to_string(plan.after_midnight_trips) + "}" +
           ",\"schedules\":" + std::to_string(schedules) +
           ",\"schedules_written\":{\"direct\":" + std::to_string(direct_rows) +
           ",\"insert\":" + std::to_string(inserted_rows) + "}" +
           ",\"first_date\":" + (any ? json_string(format_date(first_day)) : "null") +
           ",\"last_date\":" + (any ? json_string(format_date(last_day)) : "null") +
           ",\"notice_counts\":" + counts + ",\"notices\":" + notices +
           ",\"conflicting_pairs\":" + conflicts_json(plan) + ",\"skipped_trips\":" + skipped + "}";
}

}  // namespace
}  // namespace railway::pg

using namespace railway;
using namespace railway::pg;

extern "C" {

// railway.gtfs_load(feed text, conflicts text DEFAULT 'refuse') → jsonb report.
PG_FUNCTION_INFO_V1(railway_gtfs_load);
Datum railway_gtfs_load(PG_FUNCTION_ARGS) {
    const text* feed_arg = PG_GETARG_TEXT_PP(0);
    const text* mode_arg = PG_GETARG_TEXT_PP(1);
    // railway.gtfs_load(feed, conflicts, strict) (1.1); the 1.0 two-argument form is not strict.
    const bool strict = PG_NARGS() > 2 && PG_GETARG_BOOL(2);
    // Set by the body when the feed is refused for its conflicts: raised here, after every C++
    // object is gone, because the list of pairs (up to gtfs::kMaxDetailPairs lines) does not fit
    // guard()'s fixed buffers.
    char* refusal_message = nullptr;
    char* refusal_detail = nullptr;
    const Datum report = guard([&]() -> Datum {
        const std::string feed(text_view(feed_arg));
        const std::string mode_text(text_view(mode_arg));
        const ConflictMode mode = gtfs::parse_conflict_mode(mode_text);
        if (gtfs::trim(feed).empty() || feed.size() > 200)
            throw Error(sqlstate::invalid_parameter_value, "the feed name must be 1 to 200 characters",
                        {}, "The feed name identifies the feed's trips in railway.gtfs_trips, e.g. caltrain-2018-06.");
        spi_connect();
        {
            Oid types[1] = {TEXTOID};
            Datum name = text_datum(feed);
            spi_query("SELECT pg_catalog.count(*) FROM railway.gtfs_trips g JOIN railway.schedules s "
                      "ON s.id OPERATOR(pg_catalog.=) g.schedule_id WHERE g.feed OPERATOR(pg_catalog.=) $1",
                      1, types, &name, nullptr);
            bool is_null;
            const int64 already = DatumGetInt64(spi_value(0, 1, &is_null));
            spi_free_result();
            if (already > 0)
                throw Error("23505", "GTFS feed \"" + feed + "\" is already loaded (" + std::to_string(already) +
                                         " schedules)",
                            {},
                            "Delete its schedules first: DELETE FROM railway.schedules WHERE id IN (SELECT "
                            "schedule_id FROM railway.gtfs_trips WHERE feed = " + quote_literal(feed) +
                                "); or load it under another name.");
            // Rows of the feed whose schedules were deleted.
            pg_guarded([&] {
                const int rc =
                    SPI_execute_with_args("DELETE FROM railway.gtfs_trips WHERE feed OPERATOR(pg_catalog.=) $1", 1,
                                          types, &name, nullptr, false, 0);
                if (rc != SPI_OK_DELETE) elog(ERROR, "railway: could not clear old rows of the feed");
            });
        }
        std::optional<std::string> timezone;
        gtfs::Plan plan = read_and_plan(mode, strict, &timezone);
        const bool loadable = std::any_of(plan.trips.begin(), plan.trips.end(),
                                          [](const gtfs::PlannedTrip& trip) { return !trip.skipped; });
        if (!loadable && (mode != ConflictMode::refuse || plan.conflicts.empty())) {
            std::string detail;
            for (const auto& [kind, count] : plan.notice_counts())
                detail += (detail.empty() ? "notices: " : ", ") + kind + " " + std::to_string(count);
            for (size_t i = 0; i < plan.skipped.size() && i < 5; ++i)
                detail += "\n" + plan.skipped[i].file + " line " + std::to_string(plan.skipped[i].line) + ": trip " +
                          plan.skipped[i].trip_id + ": " + plan.skipped[i].reason;
            throw Error(sqlstate::invalid_parameter_value,
                        "GTFS feed \"" + feed + "\" has no trip that can become a schedule (" +
                            std::to_string(plan.feed_trips) + " in trips.txt); nothing was loaded",
                        gtfs::truncate_utf8(detail, 4000));
        }
        if (mode == ConflictMode::refuse && !plan.conflicts.empty()) {
            std::string message = "GTFS feed \"" + feed + "\" has " + std::to_string(plan.conflicts.size()) +
                                  (plan.conflicts.size() == 1 ? " conflicting pair" : " conflicting pairs") +
                                  " of trips of the same train; nothing was loaded";
            const std::string detail = gtfs::conflicts_detail(plan);
            spi_finish();
            pg_guarded([&] {
                refusal_message = pstrdup(message.c_str());
                refusal_detail = pstrdup(detail.c_str());
            });
            return Datum(0);
        }
        const std::string json = insert_plan(plan, feed, mode_text, strict, timezone);
        spi_finish();
        return pg_guarded([&] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(json.c_str())); });
    });
    if (refusal_message != nullptr) {
        ereport(ERROR, (errcode(ERRCODE_EXCLUSION_VIOLATION), errmsg_internal("%s", refusal_message),
                        errdetail_internal("%s", refusal_detail),
                        errhint("Fix the feed, or load the other trips and list those left out with "
                                "tools/gtfs_import.sh --skip-conflicting (railway.gtfs_load(feed, 'skip')).")));
    }
    PG_RETURN_DATUM(report);
}

// railway.gtfs_conflicts(): the conflicting trip pairs of the staged feed (and with the stored
// schedules of its trains), without loading anything.
PG_FUNCTION_INFO_V1(railway_gtfs_conflicts);
Datum railway_gtfs_conflicts(PG_FUNCTION_ARGS) {
    InitMaterializedSRF(fcinfo, 0);
    ReturnSetInfo* result = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    return guard([&] {
        spi_connect();
        const gtfs::Plan plan = read_and_plan(ConflictMode::keep, false);
        for (const gtfs::TripConflict& conflict : plan.conflicts) {
            poll_interrupts();
            const gtfs::PlannedTrip& trip = plan.trips[conflict.trip];
            Datum values[5] = {text_datum(trip.trip_id), 0, 0, text_datum(plan.trains[trip.train].number),
                               tsrange_datum(conflict.first)};
            bool nulls[5] = {false, !conflict.other_trip, !conflict.other_schedule, false, false};
            if (conflict.other_trip) values[1] = text_datum(plan.trips[*conflict.other_trip].trip_id);
            if (conflict.other_schedule) values[2] = Int32GetDatum(static_cast<int32>(*conflict.other_schedule));
            pg_guarded([&] { tuplestore_putvalues(result->setResult, result->setDesc, values, nulls); });
        }
        spi_finish();
        return Datum(0);
    });
}

}  // extern "C"
