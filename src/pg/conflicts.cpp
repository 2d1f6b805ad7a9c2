// railway.find_conflicts and railway.validate_schedule: the conflict engine over the stored
// timetable, read through SPI, or for the whole table straight from the heap.
#include "core/conflict_records.hpp"
#include "core/conflict_sweep.hpp"
#include "core/error.hpp"
#include "core/interrupts.hpp"
#include "core/schedule_rules.hpp"
#include "core/service_pattern.hpp"

#include <algorithm>
#include <cstring>
#include <memory_resource>
#include <string>
#include <unordered_map>
#include <vector>

#include "citus.hpp"
#include "datum.hpp"
#include "memory.hpp"
#include "service_pattern.hpp"
#include "spi.hpp"

extern "C" {
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
}

namespace railway::pg {
namespace {

// The active (not cancelled) schedules of `table` (railway.schedules, or one of its Citus shards)
// and the columns of their service pattern. Like every query railway runs through SPI, it names
// its tables, operators, functions and types with their schema: the caller's search_path (with
// objects planted in public or pg_temp) changes nothing.
std::string active_schedules_sql(const char* table) {
    return std::string("SELECT id, train_id, scheduled_departure, scheduled_arrival, running_days, "
                       "effective_start_date, effective_end_date, train_kind FROM ") +
           table + " WHERE NOT is_cancelled AND status OPERATOR(pg_catalog.<>) 'cancelled'";
}

// Rows fetched per cursor batch: large enough to amortise the fetch, small enough to bound memory.
constexpr long kBatchRows = 10000;

// The pattern of a schedule's five columns and train_kind (its train's kind, which decides the
// conflict rule); an invalid stored row is reported with its id.
ServicePattern pattern_of_schedule(int64_t schedule_id, const bool* nulls, const Datum* values) {
    try {
        if (nulls[5]) {
            throw Error(sqlstate::null_value_not_allowed, "train_kind must not be NULL");
        }
        return pattern_from_columns(nulls[0], values[0], nulls[1], values[1], nulls[2], values[2],
                                    nulls[3], values[3], nulls[4], values[4], kind_from_text(values[5]));
    } catch (const Error& e) {
        throw Error(e.sqlstate(), "schedule " + std::to_string(schedule_id) + ": " + e.what(),
                    e.detail(), e.hint());
    }
}

// The columns of railway.schedules that find_conflicts reads, as 0-based attribute numbers.
struct ScheduleColumns {
    enum { kId, kTrainId, kDeparture, kArrival, kRunningDays, kStart, kEnd, kStatus, kCancelled, kKind, kCount };
    int at[kCount];
    int deform;  // attributes to deform: 1 + the largest of `at`
};

// The columns by name and type, or false when the table is not the one expected (altered).
bool find_columns(TupleDesc desc, ScheduleColumns& columns) {
    static constexpr struct {
        const char* name;
        Oid type;
    } kWanted[ScheduleColumns::kCount] = {
        {"id", INT4OID},          {"train_id", INT4OID},          {"scheduled_departure", TIMESTAMPOID},
        {"scheduled_arrival", TIMESTAMPOID}, {"running_days", BOOLARRAYOID},
        {"effective_start_date", TIMESTAMPOID}, {"effective_end_date", TIMESTAMPOID},
        {"status", VARCHAROID},   {"is_cancelled", BOOLOID}, {"train_kind", TEXTOID}};
    columns.deform = 0;
    for (int c = 0; c < ScheduleColumns::kCount; ++c) {
        columns.at[c] = -1;
        for (int i = 0; i < desc->natts; ++i) {
            const Form_pg_attribute attribute = TupleDescAttr(desc, i);
            if (!attribute->attisdropped && std::strcmp(NameStr(attribute->attname), kWanted[c].name) == 0 &&
                attribute->atttypid == kWanted[c].type) {
                columns.at[c] = i;
                columns.deform = std::max(columns.deform, i + 1);
            }
        }
        if (columns.at[c] < 0) return false;
    }
    return true;
}

// railway.schedules, or InvalidOid when it does not exist.
Oid schedules_relid() {
    return pg_guarded([] {
        const Oid schema = get_namespace_oid("railway", true);
        return OidIsValid(schema) ? get_relname_relid("schedules", schema) : InvalidOid;
    });
}

// Appends the active schedules of the table `relid` (railway.schedules, or a Citus shard of it on
// a worker) to `items` by scanning its heap directly (no SPI: no projection, no copy of each
// row), under the query's snapshot. Returns false, having read nothing, unless the caller may
// read every row the way SPI would (SELECT on the table, no row-level security) and the table
// has the expected columns: the caller then uses the SPI query instead, which applies column
// privileges and policies and reports denials. The caller makes sure the rows are in this heap
// (not a Citus table's empty shell on the coordinator).
bool scan_active_schedules(Oid relid, std::pmr::vector<SweepItem>& items) {
    if (!OidIsValid(relid)) return false;
    const bool readable = pg_guarded([&] {
        return get_rel_relkind(relid) == RELKIND_RELATION &&
               pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) == ACLCHECK_OK &&
               check_enable_rls(relid, InvalidOid, true) == RLS_NONE;
    });
    if (!readable) return false;
    Relation relation = pg_guarded([&] { return table_open(relid, AccessShareLock); });
    ScheduleColumns columns;
    if (!find_columns(RelationGetDescr(relation), columns)) {
        pg_guarded([&] { table_close(relation, AccessShareLock); });
        return false;
    }
    if (relation->rd_rel->reltuples > 0) {
        items.reserve(static_cast<size_t>(relation->rd_rel->reltuples * 1.1) + 1024);
    }
    // One guarded call for the whole scan: its frames own nothing with a destructor (items is
    // the caller's), and a C++ exception (an invalid row, bad_alloc) passes through pg_guarded.
    // On error, the transaction's abort releases the scan, its buffer pins and the lock.
    pg_guarded([&] {
        TableScanDesc scan = table_beginscan(relation, GetActiveSnapshot(), 0, nullptr);
        TupleTableSlot* slot = table_slot_create(relation, nullptr);
        const int* at = columns.at;
        for (uint64 row = 1; table_scan_getnextslot(scan, ForwardScanDirection, slot); ++row) {
            if (row % 4096 == 0) CHECK_FOR_INTERRUPTS();
            slot_getsomeattrs(slot, columns.deform);
            const Datum* values = slot->tts_values;
            const bool* nulls = slot->tts_isnull;
            // WHERE NOT is_cancelled AND status <> 'cancelled' (NULL in either: not active).
            if (nulls[at[ScheduleColumns::kCancelled]] || DatumGetBool(values[at[ScheduleColumns::kCancelled]]) ||
                nulls[at[ScheduleColumns::kStatus]] || text_equals(values[at[ScheduleColumns::kStatus]], "cancelled")) {
                continue;
            }
            const bool pattern_nulls[6] = {nulls[at[ScheduleColumns::kDeparture]], nulls[at[ScheduleColumns::kArrival]],
                                           nulls[at[ScheduleColumns::kRunningDays]], nulls[at[ScheduleColumns::kStart]],
                                           nulls[at[ScheduleColumns::kEnd]], nulls[at[ScheduleColumns::kKind]]};
            const Datum pattern_values[6] = {values[at[ScheduleColumns::kDeparture]], values[at[ScheduleColumns::kArrival]],
                                             values[at[ScheduleColumns::kRunningDays]], values[at[ScheduleColumns::kStart]],
                                             values[at[ScheduleColumns::kEnd]], values[at[ScheduleColumns::kKind]]};
            const int32 id = DatumGetInt32(values[at[ScheduleColumns::kId]]);
            items.push_back(SweepItem{DatumGetInt32(values[at[ScheduleColumns::kTrainId]]), id,
                                      pattern_of_schedule(id, pattern_nulls, pattern_values)});
        }
        ExecDropSingleTupleTableSlot(slot);
        table_endscan(scan);
        table_close(relation, NoLock);  // the lock is kept until the end of the transaction
    });
    return true;
}

// The pattern of the current SPI row whose columns 3..8 are the five pattern columns and
// train_kind. An invalid stored row (possible only if the table's checks were bypassed) is
// reported with its id.
ServicePattern pattern_of_row(uint64 row, int64_t schedule_id) {
    bool nulls[6];
    Datum values[6];
    for (int i = 0; i < 6; ++i) values[i] = spi_value(row, 3 + i, &nulls[i]);
    return pattern_of_schedule(schedule_id, nulls, values);
}

int32 int_value(uint64 row, int column) {
    bool is_null;
    return DatumGetInt32(spi_value(row, column, &is_null));
}

// Train numbers of the given train ids.
std::unordered_map<int64_t, std::string> train_numbers(const std::vector<int64_t>& train_ids) {
    std::unordered_map<int64_t, std::string> numbers;
    if (train_ids.empty()) return numbers;
    std::vector<Datum> ids;
    ids.reserve(train_ids.size());
    for (int64_t id : train_ids) ids.push_back(Int32GetDatum(static_cast<int32>(id)));
    Datum array = pg_guarded([&] {
        return PointerGetDatum(construct_array(ids.data(), static_cast<int>(ids.size()), INT4OID,
                                               sizeof(int32), true, TYPALIGN_INT));
    });
    Oid types[1] = {INT4ARRAYOID};
    const uint64 rows = spi_query("SELECT id, train_number::pg_catalog.text FROM railway.trains "
                                  "WHERE id OPERATOR(pg_catalog.=) ANY ($1)",
                                  1, types, &array, nullptr);
    for (uint64 row = 0; row < rows; ++row) {
        if (row % 1024 == 0) poll_interrupts();
        bool is_null;
        // Detoasting may fail (out of memory): guarded, `numbers` and `ids` are alive.
        const text* number = pg_guarded([&] { return DatumGetTextPP(spi_value(row, 2, &is_null)); });
        numbers.emplace(int_value(row, 1), std::string(text_view(number)));
    }
    spi_free_result();
    return numbers;
}

// Appends the rows of an SPI query of active schedules (active_schedules_sql's columns) to
// `items`, batch by batch through a cursor; detoasted running_days arrays are freed per batch.
void read_active_schedules(const std::string& sql, int nargs, Oid* types, Datum* args,
                           std::pmr::vector<SweepItem>& items) {
    MemoryContext batch_context = pg_guarded([] {
        return AllocSetContextCreate(CurrentMemoryContext, "railway find_conflicts batch", ALLOCSET_DEFAULT_SIZES);
    });
    InterruptPoller poller;
    Portal portal = spi_cursor_open(sql.c_str(), nargs, types, args, nullptr);
    for (uint64 rows; (rows = spi_cursor_fetch(portal, kBatchRows)) > 0;) {
        poll_interrupts();
        MemoryContext caller = MemoryContextSwitchTo(batch_context);
        for (uint64 row = 0; row < rows; ++row) {
            poller.tick();
            const int32 id = int_value(row, 1);
            items.push_back(SweepItem{int_value(row, 2), id, pattern_of_row(row, id)});
        }
        MemoryContextSwitchTo(caller);
        pg_guarded([&] { MemoryContextReset(batch_context); });
    }
    spi_cursor_close(portal);
    pg_guarded([&] { MemoryContextDelete(batch_context); });
}

// The conflicts of a Citus-distributed railway.schedules, pushed down per shard: each worker runs
// railway.find_conflicts_in_shard over each shard it holds (a train's schedules are all in one
// shard, and a conflict never crosses trains), one command per worker (one connection each; the
// workers in parallel); only the pairs come back (about 50 bytes each), not the rows. Citus runs
// the commands on connections of their own, which see what is committed: the caller uses this
// only when its transaction has written nothing (outside a transaction block, nothing written
// earlier in the statement).
constexpr const char* kPushedDown =
    "WITH placements AS ("
    " SELECT DISTINCT ON (s.shardid) p.nodename, p.nodeport,"
    "        pg_catalog.shard_name(s.logicalrelid, s.shardid) AS shard"
    " FROM pg_catalog.pg_dist_shard s JOIN pg_catalog.pg_dist_shard_placement p"
    "      ON p.shardid OPERATOR(pg_catalog.=) s.shardid"
    " WHERE s.logicalrelid OPERATOR(pg_catalog.=) 'railway.schedules'::pg_catalog.regclass"
    "   AND p.shardstate OPERATOR(pg_catalog.=) 1"
    " ORDER BY s.shardid, p.placementid),"
    " per_node AS ("
    " SELECT nodename, nodeport, pg_catalog.format("
    "   'SELECT pg_catalog.string_agg(railway.find_conflicts_in_shard(s), '''') "
    "FROM pg_catalog.unnest(%L::pg_catalog.regclass[]) s', pg_catalog.array_agg(shard)::pg_catalog.text) AS command"
    " FROM placements GROUP BY nodename, nodeport)"
    " SELECT r.node_name OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) r.node_port, r.success, r.result"
    " FROM pg_catalog.master_run_on_worker("
    "  ARRAY(SELECT nodename FROM per_node ORDER BY nodename, nodeport),"
    "  ARRAY(SELECT nodeport FROM per_node ORDER BY nodename, nodeport),"
    "  ARRAY(SELECT command FROM per_node ORDER BY nodename, nodeport), true) r";

void pushed_down_conflicts(std::pmr::vector<ConflictRecord>& records) {
    const uint64 nodes = spi_query(kPushedDown, 0, nullptr, nullptr, nullptr);
    for (uint64 row = 0; row < nodes; ++row) {
        poll_interrupts();
        bool is_null;
        const std::string node(text_view(pg_guarded([&] { return DatumGetTextPP(spi_value(row, 1, &is_null)); })));
        const bool success = DatumGetBool(spi_value(row, 2, &is_null));
        const Datum result = spi_value(row, 3, &is_null);
        const std::string_view answer =
            is_null ? std::string_view() : text_view(pg_guarded([&] { return DatumGetTextPP(result); }));
        if (!success) {
            throw Error(sqlstate::internal_error,
                        "railway.find_conflicts(): node " + node + " failed: " + std::string(answer), {},
                        "railway must be installed at the same version on every node (railway.health() "
                        "lists the nodes and their versions).");
        }
        parse_conflict_records(answer, records);
    }
    spi_free_result();
    sort_conflict_records(records);
}

// Whether `relid` is railway.schedules or a Citus shard of it (railway.schedules_<shard id>),
// a plain table: what railway.find_conflicts_in_shard reads.
bool is_schedules_or_shard(Oid relid) {
    return pg_guarded([&] {
        const Oid schema = get_namespace_oid("railway", true);
        if (!OidIsValid(schema) || get_rel_namespace(relid) != schema || get_rel_relkind(relid) != RELKIND_RELATION) {
            return false;
        }
        const char* name = get_rel_name(relid);
        static constexpr char kPrefix[] = "schedules";
        if (name == nullptr || std::strncmp(name, kPrefix, sizeof kPrefix - 1) != 0) return false;
        const char* rest = name + sizeof kPrefix - 1;
        if (*rest == '\0') return true;
        if (*rest++ != '_' || *rest == '\0') return false;
        for (; *rest != '\0'; ++rest) {
            if (*rest < '0' || *rest > '9') return false;
        }
        return true;
    });
}

}  // namespace
}  // namespace railway::pg

using namespace railway;
using namespace railway::pg;

extern "C" {

// railway.find_conflicts(train_id int DEFAULT NULL): every conflicting pair of active schedules
// of one train (or of every train) once, with the earliest overlapping window.
PG_FUNCTION_INFO_V1(railway_find_conflicts);
Datum railway_find_conflicts(PG_FUNCTION_ARGS) {
    const bool all_trains = PG_ARGISNULL(0);
    Datum train_id = all_trains ? Datum(0) : PG_GETARG_DATUM(0);
    InitMaterializedSRF(fcinfo, 0);
    ReturnSetInfo* result = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);

    return guard([&] {
        // The items, the sweep's buffers and the pairs live in a context of their own.
        ScopedWorkContext work("railway find_conflicts");
        std::pmr::vector<SweepItem> items(work.resource());
        std::pmr::vector<ConflictRecord> records(work.resource());
        InterruptPoller poller;
        spi_connect();
        const Oid relid = schedules_relid();
        // The whole table: straight from the heap when allowed; on a Citus coordinator, where
        // the heap is an empty shell, pushed down to the shards when the transaction has no
        // writes of its own to see (a statement outside a transaction block that has written
        // nothing yet: the commands on the workers' own connections see the same committed
        // rows), else through the distributed query below, which sees them; one train: its
        // index, via SPI (on Citus: routed to the train's shard).
        const char citus = all_trains && OidIsValid(relid) ? citus_partition_method(relid) : 0;
        const bool nothing_written_here =
            pg_guarded([] { return !IsTransactionBlock() && GetCurrentCommandId(false) == FirstCommandId; });
        if (citus == 'h' && nothing_written_here) {
            pushed_down_conflicts(records);
        } else {
            if (!all_trains || citus != 0 || !scan_active_schedules(relid, items)) {
                Oid types[1] = {INT4OID};
                const std::string sql =
                    all_trains ? active_schedules_sql("railway.schedules")
                               : active_schedules_sql("railway.schedules") + " AND train_id OPERATOR(pg_catalog.=) $1";
                read_active_schedules(sql, all_trains ? 0 : 1, types, &train_id, items);
            }
            const std::pmr::vector<ConflictPair> pairs =
                find_all_conflicts_in(items.data(), items.size(), work.resource());
            records.reserve(pairs.size());
            for (const ConflictPair& pair : pairs) {
                poller.tick();
                const SweepItem& a = items[pair.a];
                records.push_back(ConflictRecord{a.id, items[pair.b].id, a.group, pair.first});
            }
        }

        std::vector<int64_t> trains;
        for (const ConflictRecord& record : records) {
            poller.tick();
            if (trains.empty() || trains.back() != record.train_id) trains.push_back(record.train_id);
        }
        const auto numbers = train_numbers(trains);

        for (const ConflictRecord& record : records) {
            poller.tick();
            const auto number = numbers.find(record.train_id);
            if (number == numbers.end()) {
                throw Error(sqlstate::internal_error,
                            "train " + std::to_string(record.train_id) + " of schedule " +
                                std::to_string(record.schedule_id) + " does not exist");
            }
            Datum values[5] = {Int32GetDatum(static_cast<int32>(record.schedule_id)),
                               Int32GetDatum(static_cast<int32>(record.other_schedule_id)),
                               Int32GetDatum(static_cast<int32>(record.train_id)), 0, 0};
            bool nulls[5] = {false, false, false, false, false};
            values[3] = text_datum(number->second);  // freed by spi_finish: the tuplestore keeps copies
            values[4] = tsrange_datum(record.first);
            pg_guarded([&] { tuplestore_putvalues(result->setResult, result->setDesc, values, nulls); });
        }
        spi_finish();
        return Datum(0);
    });
}

// railway.find_conflicts_in_shard(shard regclass) -> text: the conflicts among the active
// schedules of one table, railway.schedules or (on a Citus worker) one of its shards, as
// conflict records (src/core/conflict_records.hpp), for the coordinator's find_conflicts().
// Reads the table as find_conflicts() does: straight from the heap when the caller may read
// every row, else through SPI (privileges and policies apply).
PG_FUNCTION_INFO_V1(railway_find_conflicts_in_shard);
Datum railway_find_conflicts_in_shard(PG_FUNCTION_ARGS) {
    const Oid relid = PG_GETARG_OID(0);
    return guard([&] {
        ScopedWorkContext work("railway find_conflicts_in_shard");
        std::pmr::vector<SweepItem> items(work.resource());
        spi_connect();
        if (!is_schedules_or_shard(relid)) {
            const char* quoted = pg_guarded([&] {
                const char* relname = get_rel_name(relid);
                return relname == nullptr ? "?"
                                          : quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), relname);
            });
            const std::string name(quoted);
            throw Error("42809", "relation " + name + " is neither railway.schedules nor one of its shards",
                        {}, "railway.find_conflicts_in_shard is called by railway.find_conflicts() on a Citus cluster.");
        }
        if (!scan_active_schedules(relid, items)) {
            const char* name = pg_guarded([&] { return quote_qualified_identifier("railway", get_rel_name(relid)); });
            read_active_schedules(active_schedules_sql(name), 0, nullptr, nullptr, items);
        }
        const std::pmr::vector<ConflictPair> pairs = find_all_conflicts_in(items.data(), items.size(), work.resource());
        std::string answer;
        answer.reserve(pairs.size() * 48);
        InterruptPoller poller;
        for (const ConflictPair& pair : pairs) {
            poller.tick();
            append_conflict_record(answer, ConflictRecord{items[pair.a].id, items[pair.b].id, items[pair.a].group, pair.first});
        }
        spi_finish();
        return text_datum(answer);
    });
}

// railway.validate_schedule(id int): the first rule the stored schedule breaks, as its message,
// or NULL when it breaks none (including the conflict rule against the train's other schedules).
PG_FUNCTION_INFO_V1(railway_validate_schedule);
Datum railway_validate_schedule(PG_FUNCTION_ARGS) {
    Datum schedule_id = PG_GETARG_DATUM(0);
    bool valid = false;
    const Datum message = guard([&] {
        ScopedWorkContext work("railway validate_schedule");
        spi_connect();
        Oid types[1] = {INT4OID};
        const uint64 found = spi_query(
            "SELECT train_id, scheduled_departure, scheduled_arrival, running_days, "
            "effective_start_date, effective_end_date, status::pg_catalog.text, is_cancelled, "
            "departure_location_id, arrival_location_id, actual_departure, actual_arrival, train_kind "
            "FROM railway.schedules WHERE id OPERATOR(pg_catalog.=) $1",
            1, types, &schedule_id, nullptr);
        if (found == 0) {
            throw Error("P0002", "schedule " + std::to_string(DatumGetInt32(schedule_id)) + " does not exist", {},
                        "railway.validate_schedule checks a stored row; use "
                        "railway.check_schedule_conflicts for a row not yet inserted.");
        }
        bool is_null[13];
        Datum v[13];
        for (int i = 0; i < 13; ++i) v[i] = spi_value(0, i + 1, &is_null[i]);
        const int32 train_id = DatumGetInt32(v[0]);
        auto optional_timestamp = [&](int i) {
            return is_null[i] ? std::optional<int64_t>() : std::optional<int64_t>(DatumGetTimestamp(v[i]));
        };

        std::string first_error;
        try {
            // A row that broke one rule says so; its pattern decides the conflict rule.
            if (is_null[12]) throw Error(sqlstate::null_value_not_allowed, "train_kind must not be NULL");
            const ServicePattern pattern =
                pattern_from_columns(is_null[1], v[1], is_null[2], v[2], is_null[3], v[3], is_null[4], v[4],
                                     is_null[5], v[5], kind_from_text(v[12]));
            ScheduleRow row{};
            row.scheduled_departure = DatumGetTimestamp(v[1]);
            row.scheduled_arrival = DatumGetTimestamp(v[2]);
            row.running_days = pattern.days;
            row.effective_start_date = DatumGetTimestamp(v[4]);
            row.effective_end_date = optional_timestamp(5);
            const std::string status(text_view(pg_guarded([&] { return DatumGetTextPP(v[6]); })));
            row.status = status;
            row.is_cancelled = DatumGetBool(v[7]);
            row.departure_location_id = DatumGetInt32(v[8]);
            row.arrival_location_id = DatumGetInt32(v[9]);
            row.actual_departure = optional_timestamp(10);
            row.actual_arrival = optional_timestamp(11);
            check_schedule_rules(row);

            if (is_active(row)) {
                Oid other_types[2] = {INT4OID, INT4OID};
                Datum other_args[2] = {Int32GetDatum(train_id), schedule_id};
                const uint64 others = spi_query(
                    (active_schedules_sql("railway.schedules") +
                     " AND train_id OPERATOR(pg_catalog.=) $1 AND id OPERATOR(pg_catalog.<>) $2 ORDER BY id")
                        .c_str(),
                    2,
                    other_types, other_args, nullptr);
                std::pmr::vector<ServicePattern> patterns(work.resource());
                std::pmr::vector<int32> ids(work.resource());
                InterruptPoller poller;
                for (uint64 r = 0; r < others; ++r) {
                    poller.tick();
                    ids.push_back(int_value(r, 1));
                    patterns.push_back(pattern_of_row(r, ids.back()));
                }
                const auto conflicts = conflicts_with(pattern, patterns.data(), patterns.size());
                if (!conflicts.empty()) {
                    // The conflict that starts first (ties: the lowest schedule id).
                    const auto earliest = std::min_element(
                        conflicts.begin(), conflicts.end(),
                        [](const auto& x, const auto& y) { return x.second.start_us < y.second.start_us; });
                    const int64_t train = train_id;
                    throw conflict_error(ids[earliest->first], train_numbers({train}).at(train), earliest->second);
                }
            }
        } catch (const Error& e) {
            first_error = e.what();
        }
        spi_finish();
        valid = first_error.empty();
        return valid ? Datum(0) : text_datum(first_error);
    });
    if (valid) PG_RETURN_NULL();
    return message;
}

}  // extern "C"
