// The native scan of the four reports over runs (issue 13; README "Analytics on runs").
//
// railway.run_report_groups(since date, by text) reads the runs with a run date from `since` on
// once, straight from the heap of the partitions that can hold them (the default partition
// included), and returns one row per group with what a report needs, computed by the same core
// classes as the aggregates (PunctualityState, DaySet, HourlyProfile::hour_of), so a report
// gives the same figures as its SQL over the aggregates:
//   by 'day'   : per run date: runs, completed, delayed, cancelled (the run cancelled, or its
//                schedule cancelled with the run's train), punctuality of the arrivals;
//   by 'train' : per train: runs, operation days (distinct run dates), mean planned duration,
//                punctuality of the arrivals;
//   by 'route' : per (departure, arrival location) of the run's schedule (a run whose schedule
//                is gone or has another train is in no route): runs, punctuality of arrivals;
//   by 'hour'  : per hour of the day: runs planned to arrive in it and their punctuality, runs
//                planned to depart in it.
// The SQL of the reports does the same with GROUP BY and the aggregates; the executor's work per
// run (a scan node, a hash lookup per group, one call per aggregate) is what made a report 3 to 6
// times a bare count(*) of its window. This scan deforms only the columns it needs, keeps
// plain per-group accumulators, and is about one count(*).
//
// It applies where reading the heap skips nothing (railway.run_report_scan()): the caller may
// SELECT railway.runs and railway.schedules (whole tables), neither has row-level security for
// the caller, and railway.runs is not a Citus table (on a coordinator the reports' SQL pushes the
// aggregation down to the workers). The reports call it then, and their SQL otherwise.
//
// The boundary: the heap is read inside pg_guarded in chunks of plain rows (RunFacts); the
// grouping, which allocates and may throw, runs outside.
#include "core/calendar.hpp"
#include "core/day_set.hpp"
#include "core/error.hpp"
#include "core/interrupts.hpp"
#include "core/profiles.hpp"
#include "core/punctuality.hpp"

#include <cstring>
#include <memory_resource>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "boundary.hpp"
#include "citus.hpp"
#include "datum.hpp"
#include "memory.hpp"
#include "spi.hpp"

extern "C" {
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "partitioning/partbounds.h"
#include "partitioning/partdesc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
}

namespace railway::pg {
namespace {

enum class By { kDay, kTrain, kRoute, kHour };

enum Status : uint8 { kOther, kCompleted, kDelayed, kCancelled };

// What the grouping needs of one run. Plain data.
struct RunFacts {
    int32 schedule;
    int32 train;
    int32 date;
    uint8 status;
    bool has_actual_arrival;
    int64 departure;
    int64 arrival;
    int64 actual_arrival;
};

constexpr int kChunk = 2048;

enum Col { cTrain, cSchedule, cDate, cDeparture, cArrival, cActualArrival, cStatus, cCount };
constexpr const char* kColNames[cCount] = {"train_id",        "schedule_id",    "run_date", "planned_departure",
                                           "planned_arrival", "actual_arrival", "status"};

// railway.runs when scan_applies() holds but for Citus, else InvalidOid. Runs inside pg_guarded.
Oid plain_runs_table() {
    const Oid railway = get_namespace_oid("railway", true);
    if (!OidIsValid(railway)) return InvalidOid;
    const Oid runs = get_relname_relid("runs", railway);
    const Oid schedules = get_relname_relid("schedules", railway);
    if (!OidIsValid(runs) || !OidIsValid(schedules)) return InvalidOid;
    for (const Oid table : {runs, schedules}) {
        if (pg_class_aclcheck(table, GetUserId(), ACL_SELECT) != ACLCHECK_OK) return InvalidOid;
        if (check_enable_rls(table, InvalidOid, true) == RLS_ENABLED) return InvalidOid;
    }
    // Range-partitioned by run_date into plain tables (no sub-partitions, no foreign tables).
    Relation root = table_open(runs, AccessShareLock);
    bool plain = root->rd_rel->relkind == RELKIND_PARTITIONED_TABLE;
    if (plain) {
        const PartitionDesc desc = RelationGetPartitionDesc(root, true);
        plain = desc->boundinfo == nullptr || desc->boundinfo->strategy == PARTITION_STRATEGY_RANGE;
        for (int i = 0; plain && i < desc->nparts; ++i)
            plain = desc->is_leaf[i] && get_rel_relkind(desc->oids[i]) == RELKIND_RELATION;
    }
    table_close(root, AccessShareLock);
    return plain ? runs : InvalidOid;
}

// See the file comment.
bool scan_applies() {
    const Oid runs = pg_guarded([] { return plain_runs_table(); });
    if (!OidIsValid(runs)) return false;
    spi_connect();
    const bool distributed = citus_partition_method(runs) != 0;
    spi_finish();
    return !distributed;
}

// The partitions of railway.runs that can hold run dates >= since (the default one always).
// Runs inside pg_guarded; palloc'd. scan_applies() made sure they are all leaves of a range
// partitioning (checked again here: see below).
Oid* partitions_from(Relation root, int32 since, int* count) {
    const PartitionDesc desc = RelationGetPartitionDesc(root, true);
    const PartitionBoundInfo bounds = desc->boundinfo;
    bool* keep = static_cast<bool*>(palloc0(sizeof(bool) * (desc->nparts + 1)));
    if (bounds != nullptr) {
        // indexes[i] holds the range [datums[i - 1], datums[i]) (open at the ends).
        for (int i = 0; i <= bounds->ndatums; ++i) {
            const int index = bounds->indexes[i];
            if (index < 0) continue;
            const bool bounded = i < bounds->ndatums && bounds->kind[i][0] == PARTITION_RANGE_DATUM_VALUE;
            if (!bounded || DatumGetDateADT(bounds->datums[i][0]) > since) keep[index] = true;
        }
        if (bounds->default_index >= 0) keep[bounds->default_index] = true;
    }
    Oid* oids = static_cast<Oid*>(palloc(sizeof(Oid) * (desc->nparts + 1)));
    int n = 0;
    for (int i = 0; i < desc->nparts; ++i) {
        if (!keep[i]) continue;
        // scan_applies() saw plain partitions, but it released its lock: a partition attached
        // since (ATTACH takes no lock that conflicts with a reader's) may be a foreign or a
        // partitioned table, which a heap scan must not be begun on.
        if (!desc->is_leaf[i] || get_rel_relkind(desc->oids[i]) != RELKIND_RELATION)
            ereport(ERROR, (errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
                            errmsg("railway.run_report_groups(): the partitions of railway.runs changed while it "
                                   "started"),
                            errhint("Run the report again.")));
        oids[n++] = desc->oids[i];
    }
    pfree(keep);
    *count = n;
    return oids;
}

// A partition being read.
struct Reader {
    Relation rel;
    TableScanDesc scan;
    TupleTableSlot* slot;
    AttrNumber att[cCount];
    int natts_needed;
    bool done;  // the scan has returned its last tuple (asking again would start it over)
};

void open_reader(Reader& r, Oid relid) {
    r.rel = table_open(relid, AccessShareLock);
    const TupleDesc desc = RelationGetDescr(r.rel);
    r.natts_needed = 0;
    for (int c = 0; c < cCount; ++c) {
        r.att[c] = InvalidAttrNumber;
        for (int a = 0; a < desc->natts; ++a) {
            const Form_pg_attribute att = TupleDescAttr(desc, a);
            if (!att->attisdropped && strcmp(NameStr(att->attname), kColNames[c]) == 0) r.att[c] = att->attnum;
        }
        if (r.att[c] == InvalidAttrNumber)
            elog(ERROR, "railway: partition %s of railway.runs has no column %s", RelationGetRelationName(r.rel),
                 kColNames[c]);
        if (r.att[c] > r.natts_needed) r.natts_needed = r.att[c];
    }
    r.done = false;
    r.scan = table_beginscan(r.rel, GetActiveSnapshot(), 0, nullptr);
    r.slot = table_slot_create(r.rel, nullptr);
}

void close_reader(Reader& r) {
    ExecDropSingleTupleTableSlot(r.slot);
    table_endscan(r.scan);
    table_close(r.rel, AccessShareLock);
}

// Fills up to kChunk runs with run_date >= since; returns how many (0: the partition is done).
int read_chunk(Reader& r, int32 since, RunFacts* out) {
    int n = 0;
    while (n < kChunk && !r.done) {
        // Rows before `since` are skipped without filling the chunk: interrupts are polled here.
        CHECK_FOR_INTERRUPTS();
        if (!table_scan_getnextslot(r.scan, ForwardScanDirection, r.slot)) {
            r.done = true;
            break;
        }
        TupleTableSlot* slot = r.slot;
        slot_getsomeattrs(slot, r.natts_needed);
        const Datum* v = slot->tts_values;
        const bool* null = slot->tts_isnull;
        const int date = r.att[cDate] - 1;
        if (null[date] || DatumGetDateADT(v[date]) < since) continue;
        RunFacts& f = out[n++];
        f.schedule = DatumGetInt32(v[r.att[cSchedule] - 1]);
        f.train = DatumGetInt32(v[r.att[cTrain] - 1]);
        f.date = DatumGetDateADT(v[date]);
        f.departure = DatumGetTimestamp(v[r.att[cDeparture] - 1]);
        f.arrival = DatumGetTimestamp(v[r.att[cArrival] - 1]);
        const int actual = r.att[cActualArrival] - 1;
        f.has_actual_arrival = !null[actual];
        f.actual_arrival = f.has_actual_arrival ? DatumGetTimestamp(v[actual]) : 0;
        const Datum status = v[r.att[cStatus] - 1];
        f.status = text_equals(status, "completed")   ? kCompleted
                   : text_equals(status, "delayed")   ? kDelayed
                   : text_equals(status, "cancelled") ? kCancelled
                                                     : kOther;
    }
    return n;
}

struct RunGroup {
    explicit RunGroup(std::pmr::memory_resource* memory) : punctuality(memory), days(memory) {}
    // What every run touches first (one cache line with the head of punctuality).
    int64 runs = 0;
    uint64 first_days = 0;  // by 'train': run dates since, since + 1, ..., since + 63 (bit i)
    __extension__ __int128 duration_sum = 0;  // by 'train': planned arrival - planned departure, exact
    PunctualityState punctuality;  // arrivals: planned, actual
    int64 completed = 0;
    int64 delayed = 0;
    int64 cancelled = 0;
    int64 departures = 0;  // by 'hour': runs planned to depart in the hour
    DaySet days;           // by 'train': run dates from since + 64 on
    int64 operation_days() const { return __builtin_popcountll(first_days) + days.count(); }
};

// Where a group is found by its key: keys below kDenseKeys (train ids, day offsets) in an
// array, others in a hash map. Indexes into the groups' vector.
class GroupIndex {
public:
    static constexpr uint64 kDenseKeys = uint64{1} << 20;
    explicit GroupIndex(std::pmr::memory_resource* memory) : dense_(memory), sparse_(memory) {}
    template <typename Make>
    int32 find_or_add(uint64 key, Make&& make) {
        if (key < kDenseKeys) {
            if (key >= dense_.size()) dense_.resize(std::min<uint64>(kDenseKeys, std::max<uint64>(key + 1, 2 * dense_.size())), -1);
            int32& slot = dense_[key];
            if (slot < 0) slot = make();
            return slot;
        }
        const auto [at, inserted] = sparse_.try_emplace(key, -1);
        if (inserted) at->second = make();
        return at->second;
    }

    // The index of key, -1 when it has none.
    int32 find(uint64 key) const {
        if (key < kDenseKeys) return key < dense_.size() ? dense_[key] : -1;
        const auto at = sparse_.find(key);
        return at == sparse_.end() ? -1 : at->second;
    }

private:
    std::pmr::vector<int32> dense_;
    std::pmr::unordered_map<uint64, int32> sparse_;
};

// A schedule as the grouping needs it: its train, and by 'route' the group of its route.
struct ScheduleEntry {
    int32 train;
    int32 group;
};

// The schedules the grouping needs, read once (SPI, the caller's rights): by 'day' the
// cancelled ones (is_cancelled or status cancelled), by 'route' every one, with its route's
// group made through add_route(departure, arrival). Filled into `entries`, found by id through
// `by_id`.
template <typename AddRoute>
void load_schedules(By by, std::pmr::vector<ScheduleEntry>& entries, GroupIndex& by_id, AddRoute&& add_route) {
    const char* query = by == By::kDay
                            ? "SELECT id, train_id, 0, 0 FROM railway.schedules "
                              "WHERE is_cancelled OR status OPERATOR(pg_catalog.=) 'cancelled'"
                            : "SELECT id, train_id, departure_location_id, arrival_location_id FROM railway.schedules "
                              "WHERE departure_location_id IS NOT NULL AND arrival_location_id IS NOT NULL";
    spi_connect();
    const uint64 n = spi_query(query, 0, nullptr, nullptr, nullptr);
    entries.reserve(n);
    for (uint64 i = 0; i < n; ++i) {
        bool null[4];
        Datum v[4];
        for (int c = 0; c < 4; ++c) v[c] = spi_value(i, c + 1, &null[c]);
        if (null[0] || null[1] || DatumGetInt32(v[0]) < 0) continue;
        const ScheduleEntry entry{DatumGetInt32(v[1]),
                                  by == By::kRoute ? add_route(DatumGetInt32(v[2]), DatumGetInt32(v[3])) : 0};
        by_id.find_or_add(static_cast<uint64>(DatumGetInt32(v[0])), [&] {
            entries.push_back(entry);
            return static_cast<int32>(entries.size() - 1);
        });
    }
    spi_finish();
}

By parse_by(const std::string& by) {
    if (by == "day") return By::kDay;
    if (by == "train") return By::kTrain;
    if (by == "route") return By::kRoute;
    if (by == "hour") return By::kHour;
    throw Error(sqlstate::invalid_parameter_value, "Unknown grouping \"" + by + "\"", {},
                "by is day, train, route or hour.");
}

uint64 route_key(int32 departure, int32 arrival) {
    return (static_cast<uint64>(static_cast<uint32>(departure)) << 32) | static_cast<uint32>(arrival);
}

}  // namespace
}  // namespace railway::pg

using namespace railway;
using namespace railway::pg;

extern "C" {

// railway.run_report_scan() -> boolean: whether the reports read the runs natively.
PG_FUNCTION_INFO_V1(railway_run_report_scan);
Datum railway_run_report_scan(PG_FUNCTION_ARGS) {
    return guard([&] { return BoolGetDatum(scan_applies()); });
}

// railway.run_report_groups(since date, by text): see the file comment.
PG_FUNCTION_INFO_V1(railway_run_report_groups);
Datum railway_run_report_groups(PG_FUNCTION_ARGS) {
    InitMaterializedSRF(fcinfo, 0);
    ReturnSetInfo* result = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    return guard([&]() -> Datum {
        if (PG_ARGISNULL(1))
            throw Error(sqlstate::null_value_not_allowed, "by must not be NULL", {},
                        "by is day, train, route or hour.");
        // No run has a run date >= NULL (as the reports' SQL finds none).
        if (PG_ARGISNULL(0)) return Datum(0);
        const int32 since = PG_GETARG_DATEADT(0);
        const text* by_text = PG_GETARG_TEXT_PP(1);
        const By by = parse_by(std::string(VARDATA_ANY(by_text), VARSIZE_ANY_EXHDR(by_text)));
        if (!scan_applies())
            throw Error("42501",
                        "railway.run_report_groups() cannot read railway.runs directly here",
                        "It reads the heap: it needs SELECT on railway.runs and railway.schedules, no row-level "
                        "security for you on them, and railway.runs not distributed by Citus.",
                        "Call the reports (railway.schedule_overview() etc.): they use their SQL then.");

        ScopedWorkContext work("railway run_report_groups");
        std::pmr::memory_resource* const memory = work.resource();
        // The groups, found through `index` (by 'route': through each schedule's entry).
        std::pmr::vector<RunGroup> groups(memory);
        GroupIndex index(memory);
        std::pmr::vector<uint64> keys(memory);  // each group's key
        const auto add_group = [&](uint64 key) {
            groups.emplace_back(memory);
            keys.push_back(key);
            return static_cast<int32>(groups.size() - 1);
        };
        const auto group_of = [&](uint64 key) -> RunGroup& {
            return groups[index.find_or_add(key, [&] { return add_group(key); })];
        };
        if (by == By::kHour)
            for (int h = 0; h < 24; ++h) add_group(static_cast<uint64>(h));
        std::pmr::vector<ScheduleEntry> schedules(memory);
        GroupIndex schedule_index(memory);
        if (by == By::kDay || by == By::kRoute)
            load_schedules(by, schedules, schedule_index, [&](int32 departure, int32 arrival) {
                const uint64 key = route_key(departure, arrival);
                // Route keys are two ids: kept in the hash map part of the index (bit 63).
                return index.find_or_add(key | (uint64{1} << 63), [&] { return add_group(key); });
            });
        const auto schedule_of = [&](int32 id) -> const ScheduleEntry* {
            if (id < 0 || schedules.empty()) return nullptr;
            const int32 at = schedule_index.find(static_cast<uint64>(id));
            return at < 0 ? nullptr : &schedules[at];
        };

        RunFacts* chunk = static_cast<RunFacts*>(pg_guarded([&] { return palloc(sizeof(RunFacts) * kChunk); }));
        Relation root = pg_guarded([] {
            return table_open(get_relname_relid("runs", get_namespace_oid("railway", false)), AccessShareLock);
        });
        int nparts = 0;
        Oid* parts = pg_guarded([&] { return partitions_from(root, since, &nparts); });
        for (int p = 0; p < nparts; ++p) {
            Reader reader{};
            pg_guarded([&] { open_reader(reader, parts[p]); });
            for (;;) {
                poll_interrupts();
                const int n = pg_guarded([&] { return read_chunk(reader, since, chunk); });
                if (n == 0) break;
                for (int i = 0; i < n; ++i) {
                    const RunFacts& f = chunk[i];
                    const auto arrival_punctuality = [&f](PunctualityState& state) {
                        if (f.has_actual_arrival)
                            state.add(f.arrival, f.actual_arrival);
                        else
                            state.add(f.arrival, std::nullopt);
                    };
                    switch (by) {
                        case By::kDay: {
                            RunGroup& g = group_of(static_cast<uint64>(int64_t{f.date} - since));
                            ++g.runs;
                            g.completed += f.status == kCompleted;
                            g.delayed += f.status == kDelayed;
                            bool cancelled = f.status == kCancelled;
                            if (!cancelled) {
                                const ScheduleEntry* s = schedule_of(f.schedule);
                                cancelled = s != nullptr && s->train == f.train;
                            }
                            g.cancelled += cancelled;
                            arrival_punctuality(g.punctuality);
                            break;
                        }
                        case By::kTrain: {
                            RunGroup& g = group_of(static_cast<uint32>(f.train));
                            ++g.runs;
                            const int64_t day = int64_t{f.date} - since;  // >= 0
                            if (day < 64)
                                g.first_days |= uint64{1} << day;
                            else
                                g.days.add(static_cast<int64_t>(f.date) * kUsecPerDay);
                            g.duration_sum += f.arrival - f.departure;
                            arrival_punctuality(g.punctuality);
                            break;
                        }
                        case By::kRoute: {
                            const ScheduleEntry* s = schedule_of(f.schedule);
                            if (s == nullptr || s->train != f.train) break;
                            RunGroup& g = groups[s->group];
                            ++g.runs;
                            arrival_punctuality(g.punctuality);
                            break;
                        }
                        case By::kHour: {
                            RunGroup& a = groups[HourlyProfile::hour_of(f.arrival)];
                            ++a.runs;
                            arrival_punctuality(a.punctuality);
                            ++groups[HourlyProfile::hour_of(f.departure)].departures;
                            break;
                        }
                    }
                }
            }
            pg_guarded([&] { close_reader(reader); });
        }
        pg_guarded([&] { table_close(root, AccessShareLock); });

        // The rows: group_day, group_train, group_departure_location, group_arrival_location,
        // group_hour, runs, completed, delayed, cancelled, operation_days, avg_duration_min,
        // departures, avg_delay_min, on_time_pct, p90_delay_min.
        const auto emit = [&](uint64 key, const RunGroup& g, int hour) {
            Datum values[15] = {};
            bool nulls[15];
            for (bool& null : nulls) null = true;
            const auto set = [&](int i, Datum value) {
                values[i] = value;
                nulls[i] = false;
            };
            switch (by) {
                case By::kDay: set(0, DateADTGetDatum(static_cast<int32>(int64_t{since} + static_cast<int64_t>(key)))); break;
                case By::kTrain: set(1, Int32GetDatum(static_cast<int32>(static_cast<uint32>(key)))); break;
                case By::kRoute:
                    set(2, Int32GetDatum(static_cast<int32>(static_cast<uint32>(key >> 32))));
                    set(3, Int32GetDatum(static_cast<int32>(static_cast<uint32>(key))));
                    break;
                case By::kHour: set(4, Int32GetDatum(hour)); break;
            }
            set(5, Int64GetDatum(g.runs));
            if (by == By::kDay) {
                set(6, Int64GetDatum(g.completed));
                set(7, Int64GetDatum(g.delayed));
                set(8, Int64GetDatum(g.cancelled));
            }
            if (by == By::kTrain) {
                set(9, Int64GetDatum(g.operation_days()));
                set(10, Float8GetDatum(mean_minutes(g.duration_sum, g.runs)));
            }
            if (by == By::kHour) set(11, Int64GetDatum(g.departures));
            const PunctualityStats s = g.punctuality.stats();
            if (s.avg_delay_min) set(12, Float8GetDatum(*s.avg_delay_min));
            if (s.on_time_pct) set(13, Float8GetDatum(*s.on_time_pct));
            if (s.p90_delay_min) set(14, Float8GetDatum(*s.p90_delay_min));
            pg_guarded([&] { tuplestore_putvalues(result->setResult, result->setDesc, values, nulls); });
        };
        // Every hour; a route only with runs (its group was made with the schedules).
        for (size_t i = 0; i < groups.size(); ++i)
            if (by == By::kHour || groups[i].runs > 0) emit(keys[i], groups[i], static_cast<int>(keys[i]));
        return Datum(0);
    });
}

}  // extern "C"
