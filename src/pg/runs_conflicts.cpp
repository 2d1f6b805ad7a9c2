// Conflicts between runs (issue 13; README "Runs"): two runs of one train must not overlap by
// DESIGN.md section 2's rule (core: runs_conflict), enforced by the trigger validate_run.
// PostgreSQL 15 has no exclusion constraint across partitions, so the trigger does what one
// would, race-free:
//   1. lock the train: its row in railway.trains FOR NO KEY UPDATE (the same lock as the
//      schedules' trigger takes, lock_train_row), so that two writers of one train's runs (or
//      schedules) queue instead of racing; a train without a row (history of a deleted train)
//      takes an advisory lock on (railway.runs, train). The lock is remembered for the rest of
//      the statement (plan_runs writes a schedule's runs one after the other);
//   2. search the partitions that may hold a conflicting run (core: run_search_bounds: the run
//      date only for a numbered train; for a vehicle the runs departing up to the longest run
//      (10 days) before, adjacent month partitions included) through each partition's index on
//      (train_id, planned_departure, planned_arrival) made by create_run_partitions (else one
//      whose first column is train_id, else the heap), with a dirty snapshot: committed and
//      in-progress rows, whatever the isolation level. A conflicting row of a transaction still
//      in progress (a writer that bypassed the trigger) is waited for, then the search restarts;
//   3. the candidates (overlapping by the rule, not of status cancelled) are judged with their
//      schedules, read with the latest snapshot: a run whose schedule is cancelled never
//      conflicts, and two untouched planned runs (kind planned, planned times the pattern's
//      occurrence on the run date) never do either: their schedules passed the schedules'
//      conflict rule. The first remaining candidate (earliest planned departure) is the
//      conflict: 23P01 naming it.
// The C++/PostgreSQL boundary: the lock and the scan run inside pg_guarded calls whose frames
// own nothing with a destructor; the judging (which builds patterns, and may throw) outside.
#include "core/calendar.hpp"
#include "core/error.hpp"
#include "core/runs.hpp"
#include "core/service_pattern.hpp"

#include <string>

#include "datum.hpp"
#include "runs_conflicts.hpp"
#include "service_pattern.hpp"
#include "spi.hpp"
#include "train_lock.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/skey.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_am.h"
#include "catalog/pg_index.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "partitioning/partbounds.h"
#include "partitioning/partdesc.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/partcache.h"
#include "utils/relcache.h"
#include "utils/ruleutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
}

namespace railway::pg {

namespace {

constexpr uint16 kRunTrainLockClass = 0x5241;  // as the schedules' trigger's per-train advisory lock
constexpr Oid kDatetimeBtreeFamily = 434;  // btree datetime_ops (date, timestamp, timestamptz): no macro in 15

enum Col { cTrain, cSchedule, cRunDate, cDeparture, cArrival, cStatus, cKind, cCount };
constexpr const char* kColNames[cCount] = {"train_id",        "schedule_id", "run_date", "planned_departure",
                                           "planned_arrival", "status",      "kind"};

enum class Path { kTrainDeparture, kTrain, kHeap };

// One monthly (leaf) partition: its run dates [lo, hi) and how to search it.
struct Part {
    int32 lo;
    int32 hi;
    Oid relid;
    Oid index;
    Path path;
    bool arrival_key;  // the index's third column is planned_arrival
    AttrNumber att[cCount];
};

// One conflicting candidate found by the scan (plain data).
struct Candidate {
    int32 schedule_id;
    int32 run_date;
    int64 departure;
    int64 arrival;
    bool planned;
};

}  // namespace

struct RunConflictState {
    bool ready;
    Oid root;           // railway.runs
    Oid trains_relid;   // railway.trains, InvalidOid when it lacks an int4 primary key on id
    Oid trains_index;
    AttrNumber trains_kind;
    int nparts;
    Part* parts;
    // The train last locked, in which (sub)transaction, and its kind.
    bool locked;
    LocalTransactionId lxid;
    SubTransactionId subxact;
    int32 locked_train;
    bool numbered;
    MemoryContext memory;
    // A Citus shard (set_run_conflict_shards): the schedules shard's name, the trains shard.
    bool shard;
    const char* schedules;
    Oid trains_shard;
};

namespace {

// Picks how to search a partition. Runs inside pg_guarded.
void choose_path(Part& part) {
    Relation rel = table_open(part.relid, AccessShareLock);
    const TupleDesc desc = RelationGetDescr(rel);
    for (int i = 0; i < cCount; ++i) {
        part.att[i] = InvalidAttrNumber;
        for (int a = 0; a < desc->natts; ++a) {
            const Form_pg_attribute att = TupleDescAttr(desc, a);
            if (!att->attisdropped && strcmp(NameStr(att->attname), kColNames[i]) == 0) part.att[i] = att->attnum;
        }
        if (part.att[i] == InvalidAttrNumber)
            elog(ERROR, "railway: partition %s of railway.runs has no column %s", RelationGetRelationName(rel),
                 kColNames[i]);
    }
    part.path = Path::kHeap;
    part.index = InvalidOid;
    part.arrival_key = false;
    List* indexes = RelationGetIndexList(rel);
    ListCell* cell;
    foreach (cell, indexes) {
        const Oid index_oid = lfirst_oid(cell);
        Relation index = index_open(index_oid, AccessShareLock);
        const Form_pg_index form = index->rd_index;
        const bool usable = index->rd_rel->relam == BTREE_AM_OID && form->indisvalid && form->indisready &&
                            RelationGetIndexPredicate(index) == NIL && form->indnkeyatts >= 1 &&
                            form->indkey.values[0] == part.att[cTrain] &&
                            index->rd_opfamily[0] == INTEGER_BTREE_FAM_OID;
        if (usable) {
            const bool departure = form->indnkeyatts >= 2 && form->indkey.values[1] == part.att[cDeparture] &&
                                   index->rd_opfamily[1] == kDatetimeBtreeFamily;
            if (departure && part.path != Path::kTrainDeparture) {
                part.path = Path::kTrainDeparture;
                part.index = index_oid;
                part.arrival_key = form->indnkeyatts >= 3 && form->indkey.values[2] == part.att[cArrival] &&
                                   index->rd_opfamily[2] == kDatetimeBtreeFamily;
            } else if (part.path == Path::kHeap) {
                part.path = Path::kTrain;
                part.index = index_oid;
            }
        }
        index_close(index, AccessShareLock);
    }
    list_free(indexes);
    table_close(rel, AccessShareLock);
}

// railway.trains (or its shard): its relation, primary key and kind column, for the lock. Runs
// inside pg_guarded.
void find_trains(RunConflictState& state) {
    const Oid railway = get_namespace_oid("railway", false);
    state.trains_relid = InvalidOid;
    const Oid trains = state.shard ? state.trains_shard : get_relname_relid("trains", railway);
    if (OidIsValid(trains)) {
        Relation trains_relation = table_open(trains, AccessShareLock);
        const Oid key = RelationGetPrimaryKeyIndex(trains_relation);
        const AttrNumber id = get_attnum(trains, "id");
        const AttrNumber kind = get_attnum(trains, "kind");
        if (OidIsValid(key) && id != InvalidAttrNumber && get_atttype(trains, id) == INT4OID) {
            Relation index = index_open(key, AccessShareLock);
            if (index->rd_rel->relam == BTREE_AM_OID && index->rd_index->indnkeyatts == 1 &&
                index->rd_index->indkey.values[0] == id) {
                state.trains_relid = trains;
                state.trains_index = key;
                state.trains_kind = kind != InvalidAttrNumber && get_atttype(trains, kind) == TEXTOID ? kind : 0;
            }
            index_close(index, AccessShareLock);
        }
        table_close(trains_relation, AccessShareLock);
    }
}

// The statement's set-up: railway.runs, railway.trains and the partitions. Runs inside pg_guarded.
void prepare(RunConflictState& state, Relation rel) {
    const Oid railway = get_namespace_oid("railway", false);
    state.root = get_relname_relid("runs", railway);
    // On a Citus worker the root is the shard of railway.runs whose partition (shard) fired.
    if (state.shard && rel->rd_rel->relispartition) state.root = get_partition_parent(RelationGetRelid(rel), true);
    if (!OidIsValid(state.root) || !rel->rd_rel->relispartition ||
        get_partition_parent(RelationGetRelid(rel), true) != state.root)
        elog(ERROR, "railway: validate_run must fire on a partition of railway.runs");
    find_trains(state);
    Relation root = table_open(state.root, AccessShareLock);
    const PartitionDesc desc = RelationGetPartitionDesc(root, true);
    const PartitionBoundInfo bounds = desc->boundinfo;
    state.nparts = 0;
    state.parts = static_cast<Part*>(MemoryContextAllocZero(state.memory, sizeof(Part) * (desc->nparts + 1)));
    if (bounds != nullptr && bounds->strategy == PARTITION_STRATEGY_RANGE) {
        const auto bound = [&](int i, int32 infinity) -> int32 {
            return bounds->kind[i][0] == PARTITION_RANGE_DATUM_VALUE ? DatumGetDateADT(bounds->datums[i][0])
                                                                      : infinity;
        };
        for (int i = 0; i <= bounds->ndatums; ++i) {
            const int index = bounds->indexes[i];
            if (index < 0 || index == bounds->default_index || !desc->is_leaf[index]) continue;
            Part& part = state.parts[state.nparts++];
            part.lo = i > 0 ? bound(i - 1, PG_INT32_MIN) : PG_INT32_MIN;
            part.hi = i < bounds->ndatums ? bound(i, PG_INT32_MAX) : PG_INT32_MAX;
            part.relid = desc->oids[index];
            choose_path(part);
        }
    }
    table_close(root, AccessShareLock);
    state.ready = true;
}

// Locks the train (see the file comment) and returns whether it is numbered. Runs inside pg_guarded.
bool lock_train(RunConflictState& state, int32 train) {
    const LocalTransactionId lxid = MyProc->lxid;
    const SubTransactionId subxact = GetCurrentSubTransactionId();
    if (state.locked && state.lxid == lxid && state.subxact == subxact && state.locked_train == train)
        return state.numbered;
    bool numbered = false;
    if (!OidIsValid(state.trains_relid) ||
        !lock_train_row(state.trains_relid, state.trains_index, Int32GetDatum(train), state.trains_kind, &numbered)) {
        LOCKTAG tag;
        SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, state.root, static_cast<uint32>(train), kRunTrainLockClass);
        (void)LockAcquire(&tag, ExclusiveLock, false, false);
        numbered = false;  // unknown train: the stricter rule
    }
    state.locked = true;
    state.lxid = lxid;
    state.subxact = subxact;
    state.locked_train = train;
    state.numbered = numbered;
    return numbered;
}

struct ScanArgs {
    const RunConflictState* state;
    Oid self_relid;
    ItemPointer self;
    int32 train;
    TrainKind kind;
    RunSlot run;
    RunSearchBounds bounds;
    // out: the candidates, palloc'd in the caller's context
    Candidate* found;
    int nfound;
    int capacity;
};

// Looks at one row: true when the scan must wait for the transaction *wait_for. Otherwise adds
// a conflicting, not cancelled row to the candidates.
bool examine(ScanArgs& args, const Part& part, TupleTableSlot* slot, const SnapshotData& dirty,
             TransactionId* wait_for) {
    if (args.self != nullptr && part.relid == args.self_relid && ItemPointerEquals(&slot->tts_tid, args.self))
        return false;
    bool null[cCount];
    Datum v[cCount];
    for (int i = 0; i < cCount; ++i) v[i] = slot_getattr(slot, part.att[i], &null[i]);
    for (int i = 0; i < cCount; ++i)
        if (null[i]) return false;
    if (DatumGetInt32(v[cTrain]) != args.train) return false;
    const RunSlot other{DatumGetInt32(v[cSchedule]), DatumGetDateADT(v[cRunDate]), DatumGetTimestamp(v[cDeparture]),
                        DatumGetTimestamp(v[cArrival])};
    // The same run (an INSERT ... ON CONFLICT of an existing run fires the trigger first).
    if (other.schedule_id == args.run.schedule_id && other.run_date == args.run.run_date) return false;
    if (!runs_conflict(args.kind, args.run, other)) return false;
    *wait_for = TransactionIdIsValid(dirty.xmin) ? dirty.xmin : dirty.xmax;
    if (TransactionIdIsValid(*wait_for)) return true;
    if (text_equals(v[cStatus], "cancelled")) return false;
    if (args.nfound == args.capacity) {
        args.capacity *= 2;
        args.found = static_cast<Candidate*>(repalloc(args.found, sizeof(Candidate) * args.capacity));
    }
    args.found[args.nfound++] = Candidate{static_cast<int32>(other.schedule_id), other.run_date, other.departure,
                                          other.arrival, text_equals(v[cKind], "planned")};
    return false;
}

constexpr uint32 kRowsPerInterruptCheck = 256;

// Searches one partition. Runs inside pg_guarded: nothing with a destructor in this frame.
void search_part(ScanArgs& args, const Part& part) {
    Relation heap = table_open(part.relid, AccessShareLock);
    Relation index = part.path == Path::kHeap ? nullptr : index_open(part.index, AccessShareLock);
    SnapshotData dirty;
    InitDirtySnapshot(dirty);
    TupleTableSlot* slot = table_slot_create(heap, nullptr);
    ScanKeyData keys[4];
    int nkeys = 0;
    if (part.path != Path::kHeap)
        ScanKeyInit(&keys[nkeys++], 1, BTEqualStrategyNumber, F_INT4EQ, Int32GetDatum(args.train));
    if (part.path == Path::kTrainDeparture) {
        ScanKeyInit(&keys[nkeys++], 2, BTGreaterEqualStrategyNumber, F_TIMESTAMP_GE,
                    TimestampGetDatum(args.bounds.departure_floor));
        ScanKeyInit(&keys[nkeys++], 2, BTLessStrategyNumber, F_TIMESTAMP_LT, TimestampGetDatum(args.run.arrival));
        if (part.arrival_key)
            ScanKeyInit(&keys[nkeys++], 3, BTGreaterStrategyNumber, F_TIMESTAMP_GT,
                        TimestampGetDatum(args.run.departure));
    }
    const int before = args.nfound;
    for (bool restart = true; restart;) {
        restart = false;
        args.nfound = before;
        TransactionId wait_for = InvalidTransactionId;
        ItemPointerData wait_tid;
        if (index != nullptr) {
            IndexScanDesc scan = index_beginscan(heap, index, &dirty, nkeys, 0);
            index_rescan(scan, keys, nkeys, nullptr, 0);
            for (uint32 rows = 1; index_getnext_slot(scan, ForwardScanDirection, slot); ++rows) {
                if (rows % kRowsPerInterruptCheck == 0) CHECK_FOR_INTERRUPTS();
                if (examine(args, part, slot, dirty, &wait_for)) {
                    wait_tid = slot->tts_tid;
                    break;
                }
            }
            index_endscan(scan);
        } else {
            TableScanDesc scan = table_beginscan(heap, &dirty, 0, nullptr);
            for (uint32 rows = 1; table_scan_getnextslot(scan, ForwardScanDirection, slot); ++rows) {
                if (rows % kRowsPerInterruptCheck == 0) CHECK_FOR_INTERRUPTS();
                if (examine(args, part, slot, dirty, &wait_for)) {
                    wait_tid = slot->tts_tid;
                    break;
                }
            }
            table_endscan(scan);
        }
        ExecClearTuple(slot);
        if (TransactionIdIsValid(wait_for)) {
            XactLockTableWait(wait_for, heap, &wait_tid, XLTW_RecheckExclusionConstr);
            restart = true;
        }
    }
    ExecDropSingleTupleTableSlot(slot);
    if (index != nullptr) index_close(index, NoLock);
    table_close(heap, NoLock);
}

// Whether the candidate's run takes part: its schedule is not cancelled; and, when the new run
// is untouched, whether the candidate is not untouched either. Reads the schedule with the
// latest snapshot (a lock-free read: a schedule reactivated meanwhile took the train lock).
bool really_conflicts(const Candidate& c, bool run_untouched, const char* schedules) {
    spi_connect();
    const uint64 n = pg_guarded([&] {
        Oid types[1] = {INT4OID};
        SPIPlanPtr plan = SPI_prepare(
            psprintf("SELECT is_cancelled OR status OPERATOR(pg_catalog.=) 'cancelled', scheduled_departure, "
                     "scheduled_arrival, running_days, effective_start_date, effective_end_date FROM %s "
                     "WHERE id OPERATOR(pg_catalog.=) $1",
                     schedules),
            1, types);
        if (plan == nullptr) elog(ERROR, "railway: could not prepare the schedule lookup");
        Datum values[1] = {Int32GetDatum(c.schedule_id)};
        const int rc = SPI_execute_snapshot(plan, values, nullptr, GetLatestSnapshot(), InvalidSnapshot, true, false, 1);
        if (rc != SPI_OK_SELECT) elog(ERROR, "railway: schedule lookup failed: %s", SPI_result_code_string(rc));
        return SPI_processed;
    });
    if (n == 0) {  // a run of a deleted schedule (history): it takes part, and is not untouched
        spi_finish();
        return true;
    }
    bool nulls[6];
    Datum cols[6];
    for (int i = 0; i < 6; ++i) cols[i] = spi_value(0, i + 1, &nulls[i]);
    if (!nulls[0] && DatumGetBool(cols[0])) {
        spi_finish();
        return false;
    }
    bool untouched = false;
    if (run_untouched && c.planned) {
        const ServicePattern pattern =
            pattern_from_columns(nulls[1], cols[1], nulls[2], cols[2], nulls[3], cols[3], nulls[4], cols[4], nulls[5], cols[5]);
        untouched = is_untouched_run(pattern, c.run_date, c.departure, c.arrival);
    }
    spi_finish();
    return !(run_untouched && untouched);
}

std::string train_number(int32 train, Oid trains_shard) {
    const char* number = pg_guarded([&] {
        MemoryContext caller = CurrentMemoryContext;
        const char* trains = OidIsValid(trains_shard)
                                 ? quote_qualified_identifier(get_namespace_name(get_rel_namespace(trains_shard)),
                                                              get_rel_name(trains_shard))
                                 : "railway.trains";
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "railway: SPI_connect failed");
        Oid types[1] = {INT4OID};
        Datum values[1] = {Int32GetDatum(train)};
        const int rc = SPI_execute_with_args(
            psprintf("SELECT train_number::pg_catalog.text FROM %s WHERE id OPERATOR(pg_catalog.=) $1", trains), 1,
            types, values, nullptr, true, 1);
        if (rc != SPI_OK_SELECT) elog(ERROR, "railway: query failed: %s", SPI_result_code_string(rc));
        char* result = nullptr;
        bool is_null = true;
        Datum value = 0;
        if (SPI_processed == 1) value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null);
        if (!is_null) result = MemoryContextStrdup(caller, TextDatumGetCString(value));
        SPI_finish();
        if (result == nullptr) result = psprintf("%d", train);
        return static_cast<const char*>(result);
    });
    return number;
}

}  // namespace

RunConflictState* new_run_conflict_state(MemoryContext statement_memory) {
    return pg_guarded([&] {
        auto* state = static_cast<RunConflictState*>(MemoryContextAllocZero(statement_memory, sizeof(RunConflictState)));
        state->memory = statement_memory;
        state->schedules = "railway.schedules";
        return state;
    });
}

void set_run_conflict_shards(RunConflictState* state, const char* schedules, Oid trains) {
    state->shard = true;
    state->schedules = schedules;
    state->trains_shard = trains;
}

bool lock_run_train(RunConflictState* state, int32 train) {
    return pg_guarded([&] {
        if (!OidIsValid(state->root)) {
            state->root = get_relname_relid("runs", get_namespace_oid("railway", false));
            find_trains(*state);
        }
        return lock_train(*state, train);
    });
}

void check_run_conflicts(RunConflictState* state, Relation rel, int32 train, const RunSlot& run, bool untouched,
                         ItemPointer self) {
    ScanArgs args{};
    args.self_relid = RelationGetRelid(rel);
    args.self = self;
    args.train = train;
    args.run = run;
    args.state = state;
    pg_guarded([&] {
        if (!state->ready) prepare(*state, rel);
        args.kind = lock_train(*state, train) ? TrainKind::kNumbered : TrainKind::kVehicle;
    });
    args.bounds = run_search_bounds(args.kind, run);
    pg_guarded([&] {
        args.capacity = 4;
        args.found = static_cast<Candidate*>(palloc(sizeof(Candidate) * args.capacity));
        for (int i = 0; i < state->nparts; ++i) {
            const Part& part = state->parts[i];
            if (part.hi <= args.bounds.first_date || part.lo > args.bounds.last_date) continue;
            search_part(args, part);
        }
    });
    // The earliest real conflict (planned departure, then schedule id).
    const Candidate* best = nullptr;
    for (int i = 0; i < args.nfound; ++i) {
        const Candidate& c = args.found[i];
        if (best != nullptr && (c.departure > best->departure ||
                                (c.departure == best->departure && c.schedule_id >= best->schedule_id)))
            continue;
        if (really_conflicts(c, untouched, state->schedules)) best = &c;
    }
    if (best == nullptr) return;
    const RunSlot other{best->schedule_id, best->run_date, best->departure, best->arrival};
    throw run_conflict_error(args.kind, run, other, train_number(train, state->shard ? state->trains_shard : InvalidOid));
}

}  // namespace railway::pg
