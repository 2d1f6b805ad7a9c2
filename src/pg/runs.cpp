// Runs (issue 13): the rules trigger on railway.runs and railway.plan_runs.
//
// railway.validate_run_trigger() is the BEFORE INSERT OR UPDATE row trigger of railway.runs,
// cloned by PostgreSQL onto every partition (so it fires on the partition the row was routed
// to). Per row:
//   - a row routed to the default partition has no monthly partition: refused, naming
//     railway.create_run_partitions();
//   - an UPDATE that keeps schedule, run date, train, kind and planned times (actual times and
//     status, all day long) checks the row rules only (src/core/runs: status, finite times,
//     actual arrival not before actual departure);
//   - otherwise the schedule is read (SELECT ... FOR KEY SHARE, so that it cannot be deleted
//     before this transaction ends; cached for the statement, since plan_runs inserts a
//     schedule's runs one after the other): unknown schedule 23503; train_id NULL is filled in
//     with the schedule's train, another train is 23514; NULL planned times are filled in with
//     the pattern's occurrence on run_date; then the row rules and, for kind 'planned', the
//     running date rule (23514, DETAIL with the nearest running dates), and, when the planned
//     times, train, schedule, date or kind were written, the span rules (check_run_span);
//   - then, unless the run is cancelled (its status, or its schedule), the conflict rule
//     (runs_conflicts.cpp: the train lock and the search of the other runs of the train, 23P01),
//     also for an UPDATE that makes a cancelled run active again.
// Rows loaded by pg_restore or a pg_dump script (row_security = off) in a superuser's session
// are taken as they are, as the audit trigger does: their schedules may not be restored yet.
//
// railway.plan_runs(from_date, to_date, train_id) reads the active schedules through an SPI
// cursor, enumerates each pattern's departure dates in the window in the core
// (for_each_departure, which polls interrupts), checks them in bulk and inserts them in batches
// (see "plan_runs" below): existing runs are never touched, and the count of rows inserted is
// returned.
#include "core/calendar.hpp"
#include "core/error.hpp"
#include "core/interrupts.hpp"
#include "core/runs.hpp"
#include "core/service_pattern.hpp"

#include <cstring>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "citus.hpp"
#include "datum.hpp"
#include "memory.hpp"
#include "run_columns.hpp"
#include "runs_conflicts.hpp"
#include "runs_write.hpp"
#include "service_pattern.hpp"
#include "spi.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/partition.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "partitioning/partdesc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/ruleutils.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "executor/spi.h"
#include "utils/timestamp.h"
}

namespace railway::pg {
namespace {

constexpr const char* kForeignKeyViolation = "23503";

using namespace run_columns;
// The trigger reads the columns of the rules.
constexpr int kColumnCount = kRuleCount;
constexpr const auto& kColumnNames = kNames;
constexpr const auto& kColumnTypes = kTypes;

// What the trigger keeps for one partition and one statement, in fn_extra. Plain data only.
struct TriggerCache {
    Oid relid;
    bool default_partition;
    AttrNumber attnum[kColumnCount];
    // The last schedule read.
    bool have_schedule;
    int32 schedule_id;
    int32 schedule_train;
    bool schedule_cancelled;  // is_cancelled or status 'cancelled'
    ServicePattern pattern;
    RunConflictState* conflicts;  // the conflict search's statement state (runs_conflicts.cpp)
    // Where the schedule is read: "railway.schedules", or on a Citus worker, where the trigger
    // fires on a shard of a partition of railway.runs, the co-located shard of railway.schedules
    // on this node (railway.colocated_shard): Citus refuses a distributed query there. With it,
    // the shard of the reference table railway.trains on this node (InvalidOid on one server).
    const char* schedules;
    Oid schedules_shard;
    Oid trains_shard;
};

// The runs railway.plan_runs is inserting with one statement after checking them itself (see
// plan_runs below): while its INSERT runs, the trigger takes the next row of this list that it
// sees as already checked, instead of reading the schedule and searching for conflicts again.
// A row that is not exactly the next one expected (a row written by anything else while the
// statement runs) is checked in full as always. Plain data, set and cleared by plan_runs only.
struct CheckedRuns {
    PlannedRuns runs;
    size_t next;
};
CheckedRuns* checked_runs = nullptr;

// Whether the row about to be inserted is the next of checked_runs (and takes it).
bool is_next_checked_run(const Datum* value, const bool* isnull) {
    CheckedRuns* const c = checked_runs;
    if (c == nullptr || c->next >= c->runs.n) return false;
    const size_t i = c->next;
    if (isnull[kTrainId] || isnull[kPlannedDeparture] || isnull[kPlannedArrival] || !isnull[kActualDeparture] ||
        !isnull[kActualArrival])
        return false;
    const PlannedRuns& r = c->runs;
    if (value[kScheduleId] != r.schedule[i] || value[kRunDate] != r.date[i] || value[kTrainId] != r.train[i] ||
        value[kPlannedDeparture] != r.departure[i] || value[kPlannedArrival] != r.arrival[i])
        return false;
    if (!text_equals(value[kStatus], "scheduled") || !text_equals(value[kKind], "planned")) return false;
    c->next = i + 1;
    return true;
}

// A Citus shard of a partition of railway.runs (its parent is not railway.runs itself): finds
// the co-located shards of railway.schedules and railway.trains on this node. Runs inside
// pg_guarded.
void find_placement(TriggerCache& c, Relation rel, Oid parent) {
    c.schedules = "railway.schedules";
    const Oid railway = get_namespace_oid("railway", false);
    if (!OidIsValid(parent) || parent == get_relname_relid("runs", railway)) return;
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "railway: SPI_connect failed");
    Oid types[1] = {REGCLASSOID};
    Datum values[1] = {ObjectIdGetDatum(RelationGetRelid(rel))};
    const int rc = SPI_execute_with_args(
        "SELECT railway.colocated_shard($1, 'railway.schedules'::pg_catalog.regclass), "
        "railway.colocated_shard($1, 'railway.trains'::pg_catalog.regclass)",
        1, types, values, nullptr, true, 1);
    if (rc != SPI_OK_SELECT || SPI_processed != 1) elog(ERROR, "railway: shard lookup failed");
    bool null_schedules, null_trains;
    const Datum schedules = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &null_schedules);
    const Datum trains = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &null_trains);
    SPI_finish();
    if (null_schedules)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("railway.validate_run_trigger(): %s is neither a partition of railway.runs nor a Citus "
                               "shard of one with the shard of railway.schedules co-located on this node",
                               RelationGetRelationName(rel)),
                        errhint("On a Citus cluster, railway.distribute() distributes railway.runs co-located with "
                                "railway.schedules (README \"Citus\").")));
    c.schedules_shard = DatumGetObjectId(schedules);
    c.trains_shard = null_trains ? InvalidOid : DatumGetObjectId(trains);
    c.schedules = MemoryContextStrdup(
        GetMemoryChunkContext(&c),
        quote_qualified_identifier(get_namespace_name(get_rel_namespace(c.schedules_shard)),
                                   get_rel_name(c.schedules_shard)));
}


TriggerCache* trigger_cache(FunctionCallInfo fcinfo, Relation rel) {
    auto* cache = static_cast<TriggerCache*>(fcinfo->flinfo->fn_extra);
    if (cache != nullptr && cache->relid == RelationGetRelid(rel)) return cache;
    return pg_guarded([&] {
        auto* c = static_cast<TriggerCache*>(
            MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(TriggerCache)));
        c->relid = RelationGetRelid(rel);
        const TupleDesc desc = RelationGetDescr(rel);
        // The trigger reads the row's columns as these types: it fires on the partitions of
        // railway.runs only (on a Citus worker, the shards of those partitions, themselves
        // partitions), whose columns are those of railway.runs. A user's own table with the
        // trigger (any role with USAGE on schema railway may name it) is refused, and the types
        // are checked: a status column of type integer, read as text, crashed the server
        // (security probe probe_run_trigger_own_table).
        if (!rel->rd_rel->relispartition)
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("railway.validate_run_trigger() fires on the partitions of railway.runs, not on %s",
                                   RelationGetRelationName(rel))));
        for (int i = 0; i < kColumnCount; ++i) {
            c->attnum[i] = SPI_fnumber(desc, kColumnNames[i]);
            if (c->attnum[i] <= 0)
                ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                                errmsg("railway.validate_run_trigger(): table %s has no column %s",
                                       RelationGetRelationName(rel), kColumnNames[i])));
            const Oid type = TupleDescAttr(desc, c->attnum[i] - 1)->atttypid;
            if (type != kColumnTypes[i])
                ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                                errmsg("railway.validate_run_trigger(): column %s of table %s is of type %s, not %s",
                                       kColumnNames[i], RelationGetRelationName(rel), format_type_be(type),
                                       format_type_be(kColumnTypes[i]))));
        }
        c->default_partition = false;
        const Oid parent = get_partition_parent(c->relid, true);
        c->default_partition = get_default_partition_oid(parent) == c->relid;
        find_placement(*c, rel, parent);
        fcinfo->flinfo->fn_extra = c;
        return c;
    });
}

std::string text_of(Datum value) {
    const text* t = reinterpret_cast<const text*>(pg_guarded([&] { return PG_DETOAST_DATUM_PACKED(value); }));
    return std::string(text_view(t));
}

// Reads the schedule into the cache; false when there is no such schedule.
bool read_schedule(TriggerCache& cache, int32 schedule_id) {
    if (cache.have_schedule && cache.schedule_id == schedule_id) return true;
    cache.have_schedule = false;
    spi_connect();
    Oid types[1] = {INT4OID};
    Datum values[1] = {Int32GetDatum(schedule_id)};
    // FOR KEY SHARE: the schedule cannot be deleted (or its id changed) until this transaction
    // ends, as a foreign key's check would ensure. Not read-only (it locks), hence no spi_query.
    // (On a Citus worker, the co-located shard of railway.schedules: see find_placement.)
    const uint64 found = pg_guarded([&] {
        const char* query = psprintf(
            "SELECT train_id, scheduled_departure, scheduled_arrival, running_days, "
            "effective_start_date, effective_end_date, is_cancelled OR status OPERATOR(pg_catalog.=) 'cancelled' "
            "FROM %s "
            "WHERE id OPERATOR(pg_catalog.=) $1 FOR KEY SHARE",
            cache.schedules);
        const int rc = SPI_execute_with_args(query, 1, types, values, nullptr, false, 1);
        if (rc != SPI_OK_SELECT) elog(ERROR, "railway: schedule lookup failed: %s", SPI_result_code_string(rc));
        return SPI_processed;
    });
    if (found == 0) {
        spi_finish();
        return false;
    }
    bool nulls[7];
    Datum cols[7];
    for (int i = 0; i < 7; ++i) cols[i] = spi_value(0, i + 1, &nulls[i]);
    ServicePattern pattern;
    try {
        pattern = pattern_from_columns(nulls[1], cols[1], nulls[2], cols[2], nulls[3], cols[3], nulls[4],
                                       cols[4], nulls[5], cols[5]);
    } catch (const Error& e) {
        throw Error(e.sqlstate(), "schedule " + std::to_string(schedule_id) + ": " + e.what(), e.detail(),
                    e.hint());
    }
    cache.schedule_train = DatumGetInt32(cols[0]);
    cache.schedule_cancelled = !nulls[6] && DatumGetBool(cols[6]);
    cache.pattern = pattern;
    cache.schedule_id = schedule_id;
    cache.have_schedule = true;
    spi_finish();
    return true;
}

[[noreturn]] void not_null(const char* column) {
    throw Error(sqlstate::not_null_violation, std::string(column) + " must not be NULL", {},
                "A run needs its schedule_id, run_date, status and kind; train_id and the planned times "
                "are filled in from the schedule when NULL.");
}

HeapTuple validate_run(FunctionCallInfo fcinfo) {
    auto* data = reinterpret_cast<TriggerData*>(fcinfo->context);
    const TriggerEvent event = data->tg_event;
    if (!TRIGGER_FIRED_BEFORE(event) || !TRIGGER_FIRED_FOR_ROW(event) ||
        !(TRIGGER_FIRED_BY_INSERT(event) || TRIGGER_FIRED_BY_UPDATE(event)))
        throw Error("39P01", "railway.validate_run_trigger() must fire BEFORE INSERT OR UPDATE FOR EACH ROW");
    const bool is_update = TRIGGER_FIRED_BY_UPDATE(event);
    HeapTuple tuple = is_update ? data->tg_newtuple : data->tg_trigtuple;

    // A restore reloads rows as they were (see the file comment).
    if (!row_security && pg_guarded([] { return superuser(); })) return tuple;

    Relation rel = data->tg_relation;
    TriggerCache& cache = *trigger_cache(fcinfo, rel);
    const TupleDesc desc = RelationGetDescr(rel);
    bool isnull[kColumnCount];
    Datum value[kColumnCount];
    for (int i = 0; i < kColumnCount; ++i)
        value[i] = heap_getattr(tuple, cache.attnum[i], desc, &isnull[i]);

    if (isnull[kScheduleId]) not_null("schedule_id");
    if (isnull[kRunDate]) not_null("run_date");
    if (isnull[kStatus]) not_null("status");
    if (isnull[kKind]) not_null("kind");
    const int32 run_date = DatumGetDateADT(value[kRunDate]);
    if (run_date == kDayMinusInfinity || run_date == kDayInfinity)
        throw Error(sqlstate::datetime_field_overflow, "run_date must be finite",
                    "run_date is " + format_date(run_date) + ".", "A run departs on a real date.");
    if (cache.default_partition)
        throw Error(sqlstate::check_violation,
                    "No partition of railway.runs holds run date " + format_date(run_date),
                    "railway.runs is partitioned by month of run_date, and the month of " +
                        format_date(run_date) + " has no partition.",
                    "Create it with SELECT railway.create_run_partitions(0, '" + format_date(run_date) +
                        "'), or months ahead with SELECT railway.create_run_partitions(months_ahead, from_date) "
                        "(a railway_admin call, e.g. monthly from pg_cron).");

    // A run plan_runs has checked itself (its partition is a monthly one: checked above).
    if (!is_update && checked_runs != nullptr && is_next_checked_run(value, isnull)) return tuple;

    const std::string status = text_of(value[kStatus]);
    const std::string kind = text_of(value[kKind]);
    const int32 schedule_id = DatumGetInt32(value[kScheduleId]);

    // Actual times and status only: the rest was checked when it was written. The running-date
    // rule holds when a run is made or moved (schedule, date or kind changed): a later edit of
    // the schedule may leave a retimed, cancelled or recorded run on a date the new pattern
    // lacks, and such a run can still be updated (its train, its times).
    bool full = true;
    bool date_rule = true;
    bool times_changed = true;  // the planned times or the train (a conflict search is due)
    if (is_update) {
        bool old_null[kColumnCount];
        Datum old_value[kColumnCount];
        for (int i = 0; i < kColumnCount; ++i)
            old_value[i] = heap_getattr(data->tg_trigtuple, cache.attnum[i], desc, &old_null[i]);
        const auto changed = [&](int i) {
            return old_null[i] != isnull[i] || (!isnull[i] && old_value[i] != value[i]);
        };
        const bool kind_changed = text_of(old_value[kKind]) != kind;
        date_rule = changed(kScheduleId) || changed(kRunDate) || kind_changed;
        times_changed = changed(kTrainId) || changed(kPlannedDeparture) || changed(kPlannedArrival);
        // A cancelled run made active again is searched for conflicts like a new one.
        const bool uncancelled = text_of(old_value[kStatus]) == "cancelled" && status != "cancelled";
        full = date_rule || times_changed || uncancelled;
    }

    std::optional<int32> train;
    if (!isnull[kTrainId]) train = DatumGetInt32(value[kTrainId]);
    if (!full) {
        if (isnull[kPlannedDeparture]) not_null("planned_departure");
        if (isnull[kPlannedArrival]) not_null("planned_arrival");
    }
    RunRow row{run_date, kind, status, 0, 0, std::nullopt, std::nullopt};
    if (!isnull[kActualDeparture]) row.actual_departure = DatumGetTimestamp(value[kActualDeparture]);
    if (!isnull[kActualArrival]) row.actual_arrival = DatumGetTimestamp(value[kActualArrival]);

    bool replace[kColumnCount] = {};
    if (full) {
        if (!read_schedule(cache, schedule_id))
            throw Error(kForeignKeyViolation, "Schedule " + std::to_string(schedule_id) + " does not exist",
                        "A run's schedule_id must be the id of a row of railway.schedules.",
                        "Create the schedule first; a special run of a train on its own needs a schedule too.");
        if (!train) {
            train = cache.schedule_train;
            replace[kTrainId] = true;
            value[kTrainId] = Int32GetDatum(*train);
            isnull[kTrainId] = false;
        } else if (*train != cache.schedule_train) {
            bool old_null = true;
            Datum old_train = 0, old_schedule = 0;
            if (is_update) {
                bool schedule_null;
                old_train = heap_getattr(data->tg_trigtuple, cache.attnum[kTrainId], desc, &old_null);
                old_schedule = heap_getattr(data->tg_trigtuple, cache.attnum[kScheduleId], desc, &schedule_null);
            }
            // A run that keeps its schedule and train keeps them (history keeps the train that
            // ran it after the schedule moved to another train).
            const bool unchanged = is_update && !old_null && DatumGetInt32(old_train) == *train &&
                                   DatumGetInt32(old_schedule) == schedule_id;
            if (!unchanged)
                throw Error(sqlstate::check_violation,
                            "Run of schedule " + std::to_string(schedule_id) + " must belong to train " +
                                std::to_string(cache.schedule_train) + ", not " + std::to_string(*train),
                            "train_id of a run is its schedule's train_id.",
                            "Leave train_id NULL to have it filled in from the schedule.");
        }
        if (isnull[kPlannedDeparture] || isnull[kPlannedArrival]) {
            const Window occurrence = railway::occurrence(cache.pattern, run_date);
            if (isnull[kPlannedDeparture]) {
                value[kPlannedDeparture] = TimestampGetDatum(occurrence.start_us);
                isnull[kPlannedDeparture] = false;
                replace[kPlannedDeparture] = true;
            }
            if (isnull[kPlannedArrival]) {
                const int64_t duration = occurrence.end_us - occurrence.start_us;
                const int64_t departure = DatumGetTimestamp(value[kPlannedDeparture]);
                if (departure == kTimestampMinusInfinity || departure == kTimestampInfinity ||
                    !is_valid_timestamp(departure + duration))
                    throw Error(sqlstate::datetime_field_overflow, "planned_departure must be finite",
                                "planned_departure is " + format_timestamp(departure) + ".",
                                "Give finite planned times, or leave them NULL to have the pattern's.");
                value[kPlannedArrival] = TimestampGetDatum(departure + duration);
                isnull[kPlannedArrival] = false;
                replace[kPlannedArrival] = true;
            }
        }
    }
    row.planned_departure = DatumGetTimestamp(value[kPlannedDeparture]);
    row.planned_arrival = DatumGetTimestamp(value[kPlannedArrival]);
    check_run_row(row);
    if (date_rule) check_run_date(row, schedule_id, cache.pattern);
    if (full && (date_rule || times_changed)) check_run_span(row);

    // The conflict rule (runs_conflicts.cpp, README "Runs"): when a run is made, moved, retimed,
    // given another kind or train, or made active again; never for a cancelled run.
    if (full && status != "cancelled" && !cache.schedule_cancelled) {
        const Window pattern_occurrence = railway::occurrence(cache.pattern, run_date);
        const bool untouched = kind == "planned" && row.planned_departure == pattern_occurrence.start_us &&
                               row.planned_arrival == pattern_occurrence.end_us;
        if (cache.conflicts == nullptr) {
            cache.conflicts = new_run_conflict_state(fcinfo->flinfo->fn_mcxt);
            if (OidIsValid(cache.schedules_shard))
                set_run_conflict_shards(cache.conflicts, cache.schedules, cache.trains_shard);
        }
        check_run_conflicts(cache.conflicts, rel, *train,
                            RunSlot{schedule_id, run_date, row.planned_departure, row.planned_arrival}, untouched,
                            is_update ? &data->tg_trigtuple->t_self : nullptr);
    }

    if (!replace[kTrainId] && !replace[kPlannedDeparture] && !replace[kPlannedArrival]) return tuple;
    // heap_modify_tuple_by_cols takes 1-based attribute numbers.
    int cols[kColumnCount];
    Datum vals[kColumnCount];
    bool nulls[kColumnCount];
    int n = 0;
    for (int i = 0; i < kColumnCount; ++i) {
        if (!replace[i]) continue;
        cols[n] = cache.attnum[i];
        vals[n] = value[i];
        nulls[n] = false;
        ++n;
    }
    return pg_guarded([&] { return heap_modify_tuple_by_cols(tuple, desc, n, cols, vals, nulls); });
}

// --- plan_runs ---------------------------------------------------------------------------
//
// plan_runs reads the active schedules in blocks (kScheduleBatch, by id) and enumerates each
// block's runs in the core. On one server it then checks the block in bulk, as the trigger
// would row by row, and inserts it with the cheapest statement that keeps the rules:
//   - the schedules are read FOR KEY SHARE (as the trigger reads a run's schedule), and each
//     run passes the row rules and the span rules of the core (check_run_row, check_run_span);
//     its date is a running date by construction (for_each_departure);
//   - the trains of the block are locked as the trigger locks them (lock_run_train, in the
//     order of their first schedule, as the row-by-row path would), so that no other writer of
//     their runs can insert one until this transaction ends;
//   - then, with the latest snapshot (the locks make it complete, whatever the isolation level),
//     one query reads the runs those trains already have from 12 days before the window to 12
//     days after it (a run lasts at most 10 days and departs within a day of its run date, so
//     every run that could conflict with one of the block's is there). A run already there
//     with the same key is left as it is and not inserted again (idempotence). If any of them
//     could conflict with a planned run (not cancelled, schedule not cancelled, and retimed,
//     extra, or of a schedule unknown here), the block takes the row-by-row path below;
//     otherwise no run of the block can conflict (two untouched planned runs never do: their
//     schedules passed the schedules' conflict rule);
//   - the block's new runs are written in a subtransaction: straight into the partitions as
//     COPY writes (runs_write.cpp) where that skips nothing but railway's own triggers, else
//     with a plain INSERT from arrays whose trigger takes them as checked (checked_runs). A
//     unique violation there (a run inserted meanwhile by a writer that takes no train lock: a
//     cancelled run) rolls the subtransaction back and that batch takes the row-by-row path.
// The row-by-row path (also every block on a Citus cluster, whose triggers fire on the
// workers, and every block when row-level security applies to the caller on railway.runs: the
// query of the runs around the window would miss the runs its policies hide):
// INSERT ... SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING, the trigger checking each run in
// full. Either way existing runs are never touched and the count of runs inserted
// is returned. The buffers live in a memory context of the call (ScopedWorkContext).

constexpr long kScheduleBatch = 500;   // schedules fetched per cursor batch: one block
constexpr size_t kBatchRows = 20000;   // runs per INSERT
constexpr int32 kNeighbourDays = 12;   // see above: 10 days of a run + a day either side + 1

// The active schedules that run in the window, by id (string literals joined at compile time).
#define RAILWAY_ACTIVE_SCHEDULES_IN_WINDOW                                                             \
    "SELECT id, train_id, scheduled_departure, scheduled_arrival, running_days, "                      \
    "effective_start_date, effective_end_date FROM railway.schedules "                                 \
    "WHERE NOT is_cancelled AND status OPERATOR(pg_catalog.<>) 'cancelled' "                           \
    "AND effective_start_date OPERATOR(pg_catalog.<) ($2 OPERATOR(pg_catalog.+) 1)::timestamp "         \
    "AND (effective_end_date IS NULL OR effective_end_date OPERATOR(pg_catalog.>=) $1::timestamp) "     \
    "AND ($3::integer IS NULL OR train_id OPERATOR(pg_catalog.=) $3) "                                 \
    "ORDER BY id"
constexpr const char* kActiveSchedulesInWindow = RAILWAY_ACTIVE_SCHEDULES_IN_WINDOW;
// The same, locking each schedule as it is read (one server).
constexpr const char* kActiveSchedulesInWindowLocked = RAILWAY_ACTIVE_SCHEDULES_IN_WINDOW " FOR KEY SHARE";
#undef RAILWAY_ACTIVE_SCHEDULES_IN_WINDOW

// The runs of five arrays, inserted.
#define RAILWAY_INSERT_RUNS                                                                            \
    "INSERT INTO railway.runs (schedule_id, run_date, train_id, planned_departure, planned_arrival) "  \
    "SELECT * FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.int4[]), "                              \
    "pg_catalog.unnest($2::pg_catalog.date[]), pg_catalog.unnest($3::pg_catalog.int4[]), "            \
    "pg_catalog.unnest($4::pg_catalog.timestamp[]), pg_catalog.unnest($5::pg_catalog.timestamp[])) "
// Row by row through the trigger, the existing runs skipped.
constexpr const char* kInsertRuns = RAILWAY_INSERT_RUNS "ON CONFLICT DO NOTHING";
// The block's runs checked in bulk: no run of them exists (a unique violation is handled).
constexpr const char* kInsertCheckedRuns = RAILWAY_INSERT_RUNS;
// On a Citus cluster (railway.runs distributed): Citus counts the rows it sent to the shards as
// processed, also those ON CONFLICT skipped; the rows the INSERT returns are the ones inserted.
constexpr const char* kInsertRunsCounted =
    "WITH inserted AS (" RAILWAY_INSERT_RUNS "ON CONFLICT DO NOTHING RETURNING 1) SELECT pg_catalog.count(*) FROM inserted";
#undef RAILWAY_INSERT_RUNS
// The runs the block's trains already have around the window, with what the rules need of
// their schedules (read with the latest snapshot, after the train locks).
constexpr const char* kRunsOfTrains =
    "SELECT r.train_id, r.schedule_id, r.run_date, r.planned_departure, r.planned_arrival, "
    "r.kind OPERATOR(pg_catalog.=) 'planned', r.status OPERATOR(pg_catalog.=) 'cancelled', "
    "s.id IS NOT NULL, s.is_cancelled OR s.status OPERATOR(pg_catalog.=) 'cancelled', "
    "s.scheduled_departure, s.scheduled_arrival, s.running_days, s.effective_start_date, s.effective_end_date "
    "FROM railway.runs r LEFT JOIN railway.schedules s ON s.id OPERATOR(pg_catalog.=) r.schedule_id "
    "WHERE r.train_id OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.int4[]) "
    "AND r.run_date OPERATOR(pg_catalog.>=) $2 AND r.run_date OPERATOR(pg_catalog.<=) $3";

// Whether railway.runs is a Citus table (railway.distribute()). Called after spi_connect.
bool runs_distributed() {
    const Oid runs = pg_guarded([] { return get_relname_relid("runs", get_namespace_oid("railway", false)); });
    return citus_partition_method(runs) != 0;
}

struct Batch {
    explicit Batch(std::pmr::memory_resource* memory)
        : schedule(memory), date(memory), train(memory), departure(memory), arrival(memory) {}
    std::pmr::vector<Datum> schedule, date, train, departure, arrival;
    size_t size() const { return schedule.size(); }
    void clear() {
        schedule.clear();
        date.clear();
        train.clear();
        departure.clear();
        arrival.clear();
    }
    void push(Datum s, Datum d, Datum t, Datum dep, Datum arr) {
        schedule.push_back(s);
        date.push_back(d);
        train.push_back(t);
        departure.push_back(dep);
        arrival.push_back(arr);
    }
};

SPIPlanPtr prepare_plan(const char* query, int nargs, Oid* types) {
    return pg_guarded([&] {
        SPIPlanPtr plan = SPI_prepare(query, nargs, types);
        if (plan == nullptr)
            elog(ERROR, "railway: could not prepare a query of plan_runs: %s", SPI_result_code_string(SPI_result));
        return plan;
    });
}

// The five arrays of rows [first, first + n) of the batch, palloc'd. Runs inside pg_guarded.
void batch_arrays(const Batch& batch, size_t first, int n, Datum args[5]) {
    args[0] = PointerGetDatum(construct_array(const_cast<Datum*>(batch.schedule.data() + first), n, INT4OID, 4, true, TYPALIGN_INT));
    args[1] = PointerGetDatum(construct_array(const_cast<Datum*>(batch.date.data() + first), n, DATEOID, 4, true, TYPALIGN_INT));
    args[2] = PointerGetDatum(construct_array(const_cast<Datum*>(batch.train.data() + first), n, INT4OID, 4, true, TYPALIGN_INT));
    args[3] = PointerGetDatum(construct_array(const_cast<Datum*>(batch.departure.data() + first), n, TIMESTAMPOID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
    args[4] = PointerGetDatum(construct_array(const_cast<Datum*>(batch.arrival.data() + first), n, TIMESTAMPOID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

// Inserts rows [first, first + n) row by row (the trigger checks each; ON CONFLICT skips the
// existing ones); returns the number inserted.
uint64 insert_checked_by_trigger(const Batch& batch, size_t first, size_t n, SPIPlanPtr plan) {
    if (n == 0) return 0;
    return pg_guarded([&] {
        Datum args[5];
        batch_arrays(batch, first, static_cast<int>(n), args);
        const int rc = SPI_execute_plan(plan, args, nullptr, false, 0);
        uint64 count = SPI_processed;
        if (rc == SPI_OK_SELECT) {  // kInsertRunsCounted
            bool is_null = true;
            const Datum value = SPI_processed == 1
                                    ? SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null)
                                    : 0;
            count = is_null ? 0 : static_cast<uint64>(DatumGetInt64(value));
            SPI_freetuptable(SPI_tuptable);
        } else if (rc != SPI_OK_INSERT) {
            elog(ERROR, "railway: inserting runs failed: %s", SPI_result_code_string(rc));
        }
        for (Datum arg : args) pfree(DatumGetPointer(arg));
        return count;
    });
}

// Writes rows [first, first + n), checked by plan_runs, in a subtransaction: directly into the
// partitions where that applies (runs_write.cpp), else with a plain INSERT whose trigger takes
// them as checked. Returns the number written, or -1 when a unique violation rolled the
// subtransaction back (nothing written). Any other error is raised.
int64 insert_checked_runs(const Batch& batch, size_t first, size_t n, SPIPlanPtr plan) {
    if (n == 0) return 0;
    return pg_guarded([&]() -> int64 {
        const PlannedRuns runs{batch.schedule.data() + first, batch.date.data() + first, batch.train.data() + first,
                               batch.departure.data() + first, batch.arrival.data() + first, n};
        CheckedRuns checked{runs, 0};
        MemoryContext const old_context = CurrentMemoryContext;
        ResourceOwner const old_owner = CurrentResourceOwner;
        volatile int64 count = 0;
        BeginInternalSubTransaction(nullptr);
        MemoryContextSwitchTo(old_context);
        PG_TRY();
        {
            count = write_planned_runs(runs);
            if (count < 0) {
                Datum args[5];
                batch_arrays(batch, first, static_cast<int>(n), args);
                checked_runs = &checked;
                const int rc = SPI_execute_plan(plan, args, nullptr, false, 0);
                checked_runs = nullptr;
                if (rc != SPI_OK_INSERT) elog(ERROR, "railway: inserting runs failed: %s", SPI_result_code_string(rc));
                count = static_cast<int64>(SPI_processed);
                for (Datum arg : args) pfree(DatumGetPointer(arg));
            }
            ReleaseCurrentSubTransaction();
            MemoryContextSwitchTo(old_context);
            CurrentResourceOwner = old_owner;
        }
        PG_CATCH();
        {
            checked_runs = nullptr;
            MemoryContextSwitchTo(old_context);
            ErrorData* error = CopyErrorData();
            FlushErrorState();
            RollbackAndReleaseCurrentSubTransaction();
            MemoryContextSwitchTo(old_context);
            CurrentResourceOwner = old_owner;
            if (error->sqlerrcode != ERRCODE_UNIQUE_VIOLATION) ReThrowError(error);
            FreeErrorData(error);
            count = -1;
        }
        PG_END_TRY();
        return count;
    });
}

// A run found by kRunsOfTrains, as plan_runs judges it.
struct NeighbourRun {
    int32 train;
    int32 schedule;
    int32 date;
    bool may_conflict;  // not cancelled, schedule not cancelled, and not an untouched planned run
};

constexpr long kNeighbourBatch = 10000;  // runs fetched per cursor batch

// Reads the runs the trains have in [first_day, last_day] with the latest snapshot, through a
// cursor (memory bounded by a batch, whatever the trains' history), judges each (NeighbourRun)
// and calls visit(run); stops when visit returns false.
template <typename Visit>
void for_each_run_of_trains(SPIPlanPtr plan, const std::pmr::vector<Datum>& trains, int32 first_day, int32 last_day,
                            Visit&& visit) {
    Portal cursor = pg_guarded([&] {
        Datum args[3];
        args[0] = PointerGetDatum(construct_array(const_cast<Datum*>(trains.data()), static_cast<int>(trains.size()),
                                                  INT4OID, 4, true, TYPALIGN_INT));
        args[1] = DateADTGetDatum(first_day);
        args[2] = DateADTGetDatum(last_day);
        // Read-only: the cursor takes the active snapshot, the latest one (the train locks are
        // held, so every other writer of these trains has committed or not begun).
        PushActiveSnapshot(GetLatestSnapshot());
        Portal portal = SPI_cursor_open(nullptr, plan, args, nullptr, true);
        PopActiveSnapshot();
        if (portal == nullptr) elog(ERROR, "railway: could not open a cursor over runs");
        pfree(DatumGetPointer(args[0]));
        return portal;
    });
    // Patterns of the schedules seen (a train's runs come by planned departure, mixed).
    int32 last_schedule = 0;
    bool have_last = false;
    ServicePattern pattern{};
    bool more = true;
    while (more) {
        const uint64 n = pg_guarded([&] {
            SPI_cursor_fetch(cursor, true, kNeighbourBatch);
            return SPI_processed;
        });
        if (n == 0) break;
        for (uint64 i = 0; i < n && more; ++i) {
            poll_interrupts();
            bool isnull[14];
            Datum col[14];
            for (int c = 0; c < 14; ++c) col[c] = spi_value(i, c + 1, &isnull[c]);
            NeighbourRun run{DatumGetInt32(col[0]), DatumGetInt32(col[1]), DatumGetDateADT(col[2]), true};
            const bool planned = DatumGetBool(col[5]);
            const bool cancelled = DatumGetBool(col[6]);
            const bool has_schedule = DatumGetBool(col[7]);
            const bool schedule_cancelled = has_schedule && !isnull[8] && DatumGetBool(col[8]);
            if (cancelled || schedule_cancelled) {
                run.may_conflict = false;
            } else if (planned && has_schedule) {
                if (!have_last || last_schedule != run.schedule) {
                    try {
                        pattern = pattern_from_columns(isnull[9], col[9], isnull[10], col[10], isnull[11], col[11],
                                                       isnull[12], col[12], isnull[13], col[13]);
                        have_last = true;
                        last_schedule = run.schedule;
                    } catch (const Error&) {
                        have_last = false;  // a schedule the rules cannot read: judged row by row
                    }
                }
                if (have_last) {
                    // Untouched as the trigger judges it (really_conflicts): the pattern's
                    // occurrence on a date the schedule runs. A run left on a date its schedule
                    // no longer runs (history, or kept by an edit of the schedule) may conflict.
                    run.may_conflict = !is_untouched_run(pattern, run.date, DatumGetTimestamp(col[3]),
                                                         DatumGetTimestamp(col[4]));
                }
            }
            more = visit(run);
        }
        spi_free_result();
    }
    spi_cursor_close(cursor);
}

int64 plan_runs(FunctionCallInfo fcinfo) {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
        throw Error(sqlstate::null_value_not_allowed, "from_date and to_date must not be NULL", {},
                    "Give the first and last run dates to plan, e.g. railway.plan_runs(CURRENT_DATE, CURRENT_DATE + 27).");
    const int32 from = PG_GETARG_DATEADT(0);
    const int32 to = PG_GETARG_DATEADT(1);
    if (from == kDayMinusInfinity || from == kDayInfinity || to == kDayMinusInfinity || to == kDayInfinity)
        throw Error(sqlstate::datetime_field_overflow, "from_date and to_date must be finite",
                    "The window is " + format_date(from) + " to " + format_date(to) + ".",
                    "Runs are planned for a window of at most 731 days.");
    if (to < from)
        throw Error(sqlstate::invalid_parameter_value, "to_date must not be before from_date",
                    "The window is " + format_date(from) + " to " + format_date(to) + ".",
                    "A one-day window has to_date = from_date.");
    const int64_t days = int64_t{to} - from + 1;
    if (days > kMaxPlanDays)
        throw Error(sqlstate::invalid_parameter_value,
                    "The window of " + std::to_string(days) + " days is too large for one call",
                    "plan_runs plans at most " + std::to_string(kMaxPlanDays) + " days (two years) per call.",
                    "Plan a longer horizon in several calls, e.g. one per year.");
    const bool one_train = !PG_ARGISNULL(2);
    const int32 train_filter = one_train ? PG_GETARG_INT32(2) : 0;

    ScopedWorkContext work("railway plan_runs");
    std::pmr::memory_resource* const memory = work.resource();
    Batch block(memory);
    spi_connect();
    const bool distributed = runs_distributed();
    Oid insert_types[5] = {INT4ARRAYOID, DATEARRAYOID, INT4ARRAYOID, TIMESTAMPARRAYOID, TIMESTAMPARRAYOID};
    SPIPlanPtr by_trigger = prepare_plan(distributed ? kInsertRunsCounted : kInsertRuns, 5, insert_types);
    SPIPlanPtr checked_insert = nullptr;
    SPIPlanPtr neighbours = nullptr;
    RunConflictState* locks = nullptr;
    if (!distributed) {
        checked_insert = prepare_plan(kInsertCheckedRuns, 5, insert_types);
        Oid types[3] = {INT4ARRAYOID, DATEOID, DATEOID};
        neighbours = prepare_plan(kRunsOfTrains, 3, types);
        locks = new_run_conflict_state(work.context());
    }
    // Row-level security on railway.runs for the caller: the query of the runs around the window
    // (kRunsOfTrains) sees only the runs the policies show, and a hidden run may conflict. Every
    // block then goes row by row through the trigger, whose conflict search reads the partitions
    // whatever the policies, as for an INSERT of the same runs by the caller.
    const bool runs_policies = !distributed && pg_guarded([] {
        const Oid runs = get_relname_relid("runs", get_namespace_oid("railway", false));
        return OidIsValid(runs) && check_enable_rls(runs, InvalidOid, true) == RLS_ENABLED;
    });
    // The trains locked by this call, and the trains of the current block.
    std::pmr::unordered_set<int32> locked(memory);
    std::pmr::vector<Datum> block_trains(memory);
    std::pmr::unordered_set<int32> in_block(memory);
    std::pmr::unordered_set<int32> block_schedules(memory);  // the schedules with runs in the block
    // Keys of the runs already there: (schedule, date) -> train.
    std::pmr::unordered_map<uint64, int32> existing(memory);
    std::pmr::vector<char> keep(memory);
    Batch fresh(memory);
    const int32 first_neighbour_day = from - kNeighbourDays;
    const int32 last_neighbour_day = to + kNeighbourDays;
    const auto key = [](int32 schedule, int32 date) {
        return (static_cast<uint64>(static_cast<uint32>(schedule)) << 32) | static_cast<uint32>(date);
    };

    Oid types[3] = {DATEOID, DATEOID, INT4OID};
    Datum args[3] = {DateADTGetDatum(from), DateADTGetDatum(to), Int32GetDatum(train_filter)};
    const char nulls[3] = {' ', ' ', one_train ? ' ' : 'n'};
    // Not read-only: the cursor locks the schedules it reads (FOR KEY SHARE) on one server.
    Portal cursor = pg_guarded([&] {
        Portal portal = SPI_cursor_open_with_args(
            nullptr, distributed ? kActiveSchedulesInWindow : kActiveSchedulesInWindowLocked, 3, types, args, nulls,
            distributed, 0);
        if (portal == nullptr) elog(ERROR, "railway: could not open a cursor");
        return portal;
    });

    uint64 created = 0;
    for (;;) {
        SPITupleTable* rows = nullptr;
        const uint64 n = pg_guarded([&] {
            SPI_cursor_fetch(cursor, true, kScheduleBatch);
            rows = SPI_tuptable;
            return SPI_processed;
        });
        if (n == 0) break;
        block.clear();
        block_trains.clear();
        in_block.clear();
        block_schedules.clear();
        for (uint64 i = 0; i < n; ++i) {
            poll_interrupts();
            bool isnull[7];
            Datum col[7];
            for (int c = 0; c < 7; ++c)
                col[c] = SPI_getbinval(rows->vals[i], rows->tupdesc, c + 1, &isnull[c]);
            const int32 schedule_id = DatumGetInt32(col[0]);
            ServicePattern pattern;
            try {
                pattern = pattern_from_columns(isnull[2], col[2], isnull[3], col[3], isnull[4], col[4], isnull[5],
                                               col[5], isnull[6], col[6]);
            } catch (const Error& e) {
                throw Error(e.sqlstate(), "schedule " + std::to_string(schedule_id) + ": " + e.what(), e.detail(),
                            e.hint());
            }
            const Datum schedule = col[0];
            const Datum train = col[1];
            bool any = false;
            for_each_departure(pattern, from, to, [&](int32_t day) {
                const Window w = railway::occurrence(pattern, day);
                if (!distributed) {
                    // The trigger's row and span rules (its date is a running date by construction).
                    const RunRow row{day, "planned", "scheduled", w.start_us, w.end_us, std::nullopt, std::nullopt};
                    check_run_row(row);
                    check_run_span(row);
                }
                block.push(schedule, DateADTGetDatum(day), train, TimestampGetDatum(w.start_us),
                           TimestampGetDatum(w.end_us));
                any = true;
            });
            if (any) block_schedules.insert(schedule_id);
            if (any && in_block.insert(DatumGetInt32(train)).second) block_trains.push_back(train);
        }
        pg_guarded([&] { SPI_freetuptable(rows); });
        if (block.size() == 0) continue;

        if (distributed || runs_policies) {
            for (size_t first = 0; first < block.size(); first += kBatchRows)
                created += insert_checked_by_trigger(block, first, std::min(kBatchRows, block.size() - first), by_trigger);
            continue;
        }

        // Lock the block's trains (first schedule first), then read their runs around the window.
        for (Datum train : block_trains) {
            const int32 t = DatumGetInt32(train);
            if (locked.insert(t).second) lock_run_train(locks, t);
        }
        // A run already there is skipped (same key); the first run that may conflict sends the
        // block row by row, and ends the reading.
        bool row_by_row = false;
        existing.clear();
        for_each_run_of_trains(neighbours, block_trains, first_neighbour_day, last_neighbour_day,
                               [&](const NeighbourRun& r) {
                                   if (r.may_conflict) {
                                       row_by_row = true;
                                       return false;
                                   }
                                   if (r.date >= from && r.date <= to && block_schedules.count(r.schedule) != 0)
                                       existing.emplace(key(r.schedule, r.date), r.train);
                                   return true;
                               });
        if (row_by_row) {
            for (size_t first = 0; first < block.size(); first += kBatchRows)
                created += insert_checked_by_trigger(block, first, std::min(kBatchRows, block.size() - first), by_trigger);
            continue;
        }
        // The block's runs that are not there yet (same key: schedule, date and train).
        fresh.clear();
        for (size_t i = 0; i < block.size(); ++i) {
            if (!existing.empty()) {
                const auto found = existing.find(key(DatumGetInt32(block.schedule[i]), DatumGetDateADT(block.date[i])));
                if (found != existing.end() && found->second == DatumGetInt32(block.train[i])) continue;
            }
            fresh.push(block.schedule[i], block.date[i], block.train[i], block.departure[i], block.arrival[i]);
        }
        for (size_t first = 0; first < fresh.size(); first += kBatchRows) {
            const size_t count = std::min(kBatchRows, fresh.size() - first);
            const int64 inserted = insert_checked_runs(fresh, first, count, checked_insert);
            created += inserted >= 0 ? static_cast<uint64>(inserted)
                                     : insert_checked_by_trigger(fresh, first, count, by_trigger);
        }
    }
    spi_cursor_close(cursor);
    spi_finish();
    return static_cast<int64>(created);
}

// --- check_schedule_runs ---------------------------------------------------------------
//
// railway.check_schedule_runs(schedule_id, from_date): the conflict rule of every run of the
// schedule from from_date on that is not cancelled, as if each were written now (train lock,
// search, 23P01 naming the other run). sync_runs calls it when a schedule is made active again
// (its runs were exempt while it was cancelled) or its train's kind changes (a vehicle's runs
// conflict across run dates). Nothing when the schedule is cancelled or unknown.
void check_schedule_runs(FunctionCallInfo fcinfo) {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1)) return;
    const int32 schedule_id = PG_GETARG_INT32(0);
    const int32 from = PG_GETARG_DATEADT(1);
    ScopedWorkContext work("railway check_schedule_runs");
    spi_connect();
    Oid schedule_type[1] = {INT4OID};
    Datum schedule_arg[1] = {Int32GetDatum(schedule_id)};
    const uint64 found = spi_query(
        "SELECT scheduled_departure, scheduled_arrival, running_days, effective_start_date, effective_end_date, "
        "is_cancelled OR status OPERATOR(pg_catalog.=) 'cancelled' FROM railway.schedules "
        "WHERE id OPERATOR(pg_catalog.=) $1",
        1, schedule_type, schedule_arg, nullptr);
    bool null[6];
    Datum col[6];
    for (int c = 0; found == 1 && c < 6; ++c) col[c] = spi_value(0, c + 1, &null[c]);
    if (found != 1 || (!null[5] && DatumGetBool(col[5]))) {
        spi_finish();
        return;
    }
    const ServicePattern pattern =
        pattern_from_columns(null[0], col[0], null[1], col[1], null[2], col[2], null[3], col[3], null[4], col[4]);
    spi_free_result();
    Oid types[2] = {INT4OID, DATEOID};
    Datum args[2] = {Int32GetDatum(schedule_id), DateADTGetDatum(from)};
    const uint64 n = spi_query(
        "SELECT tableoid, ctid, train_id, run_date, planned_departure, planned_arrival, "
        "kind OPERATOR(pg_catalog.=) 'planned' FROM railway.runs "
        "WHERE schedule_id OPERATOR(pg_catalog.=) $1 AND run_date OPERATOR(pg_catalog.>=) $2 "
        "AND status OPERATOR(pg_catalog.<>) 'cancelled' ORDER BY planned_departure",
        2, types, args, nullptr);
    RunConflictState* state = new_run_conflict_state(work.context());
    for (uint64 i = 0; i < n; ++i) {
        poll_interrupts();
        bool is_null[7];
        Datum v[7];
        for (int c = 0; c < 7; ++c) v[c] = spi_value(i, c + 1, &is_null[c]);
        const int32 day = DatumGetDateADT(v[3]);
        const int64 departure = DatumGetTimestamp(v[4]);
        const int64 arrival = DatumGetTimestamp(v[5]);
        const bool untouched = DatumGetBool(v[6]) && is_untouched_run(pattern, day, departure, arrival);
        ItemPointerData self = *reinterpret_cast<ItemPointer>(DatumGetPointer(v[1]));
        Relation rel = pg_guarded([&] { return table_open(DatumGetObjectId(v[0]), AccessShareLock); });
        check_run_conflicts(state, rel, DatumGetInt32(v[2]), RunSlot{schedule_id, day, departure, arrival}, untouched,
                            &self);
        pg_guarded([&] { table_close(rel, AccessShareLock); });
    }
    spi_finish();
}

}  // namespace
}  // namespace railway::pg

extern "C" {

PG_FUNCTION_INFO_V1(railway_validate_run_trigger);
Datum railway_validate_run_trigger(PG_FUNCTION_ARGS) {
    return railway::pg::guard([&]() -> Datum {
        if (!CALLED_AS_TRIGGER(fcinfo))
            throw railway::Error("39P01", "railway.validate_run_trigger() must be called as a trigger");
        return PointerGetDatum(railway::pg::validate_run(fcinfo));
    });
}

PG_FUNCTION_INFO_V1(railway_check_schedule_runs);
Datum railway_check_schedule_runs(PG_FUNCTION_ARGS) {
    return railway::pg::guard([&] {
        railway::pg::check_schedule_runs(fcinfo);
        return Datum(0);
    });
}

PG_FUNCTION_INFO_V1(railway_plan_runs);
Datum railway_plan_runs(PG_FUNCTION_ARGS) {
    return railway::pg::guard([&] { return Int64GetDatum(railway::pg::plan_runs(fcinfo)); });
}

}  // extern "C"
