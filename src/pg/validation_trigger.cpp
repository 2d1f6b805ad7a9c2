// railway.validate_schedule_trigger(): the BEFORE INSERT OR UPDATE row trigger that enforces
// the rules of DESIGN.md section 4 on railway.schedules, or on a user's own timetable table
// whose columns the trigger arguments name.
//
// Per row: read the mapped columns, check the rules (src/core/schedule_rules: each with its own
// message, SQLSTATE, DETAIL and HINT), then, for an active row whose train or timing changed
// (or which was just reactivated), look for a conflicting active row of the same train:
//   1. lock the train to the end of the transaction, so that two sessions writing the same
//      train queue here instead of racing (and deadlocking) in the exclusion constraint: for
//      railway.schedules the train's row in railway.trains (FOR NO KEY UPDATE, no entry in the
//      shared lock table), for another table an advisory lock per train (class kLockClass on
//      (table, hash(train))), escalated to one lock on the whole table once a transaction holds
//      kTrainLocksPerTable of them (see lock_train);
//   2. scan the table's rows of that train with a dirty snapshot (committed and in-progress
//      rows, whatever the isolation level, as exclusion constraints do), through the exclusion
//      constraint's GiST index (train = and pattern &&), else a btree index on the train
//      column, else the heap (an index whose predicate may leave an active row out is not
//      used); a conflicting row of a transaction still in progress (one that bypassed the
//      trigger) is waited for, then the scan restarts. An index scan is begun once per
//      statement and rescanned for each row (see OpenScan). When the trigger fires on a
//      partition, every leaf partition of the tree is scanned, and the lock is the root's;
//   3. raise conflict_error() (23P01) naming the other row, the train and the first window.
// The exclusion constraint on railway.schedules remains the race-free backstop for writers
// that bypass the trigger (disabled triggers, session_replication_role = replica).
//
// The C++/PostgreSQL boundary: the search runs inside one pg_guarded call whose frames own
// nothing with a destructor (it may longjmp, and checks for interrupts every
// kRowsPerInterruptCheck rows); every other PostgreSQL call goes through pg_guarded.
//
// This file is the entry point; the set-up (arguments, search paths) is in
// validation_trigger_config.cpp, the lock, the per-statement scan and the search in
// validation_trigger_scan.cpp, the row rules in validation_trigger_rules.cpp
// (validation_trigger.hpp declares what they share).
#include "validation_trigger.hpp"

#include "prevalidated.hpp"

namespace railway::pg::trigger {
namespace {

// How the error names the train: its train number for railway.schedules, else the value.
std::string train_name(const Config& config, Datum train) {
    // Every PostgreSQL call in one guarded call, returning a C string (no C++ object is alive
    // while PostgreSQL runs).
    const char* name = pg_guarded([&] {
        if (config.railway_schedules && config.type[kTrain] == INT4OID) {
            MemoryContext caller = CurrentMemoryContext;
            if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "railway: SPI_connect failed");
            Oid types[1] = {INT4OID};
            Datum values[1] = {train};
            const int rc = SPI_execute_with_args(
                "SELECT train_number::pg_catalog.text FROM railway.trains WHERE id OPERATOR(pg_catalog.=) $1", 1,
                types, values, nullptr, true, 1);
            if (rc != SPI_OK_SELECT) elog(ERROR, "railway: query failed: %s", SPI_result_code_string(rc));
            char* number = nullptr;
            bool is_null = true;
            Datum value = 0;
            if (SPI_processed == 1) value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &is_null);
            // Copied out of SPI's memory before SPI_finish frees it.
            if (!is_null) number = MemoryContextStrdup(caller, TextDatumGetCString(value));
            SPI_freetuptable(SPI_tuptable);
            SPI_finish();
            if (number != nullptr) return static_cast<const char*>(number);
        }
        Oid output;
        bool varlena;
        getTypeOutputInfo(config.type[kTrain], &output, &varlena);
        return static_cast<const char*>(OidOutputFunctionCall(output, train));
    });
    return name;
}

}  // namespace
}  // namespace railway::pg::trigger


namespace railway::pg {
namespace {
PrevalidatedRows* marked = nullptr;  // see prevalidated.hpp
}  // namespace

bool first_before_insert_trigger(const TriggerData* trigger) {
    const TriggerDesc* desc = trigger->tg_relation->trigdesc;
    if (desc == nullptr) return true;
    // The row triggers fire in the order of trigdesc (by name).
    for (int i = 0; i < desc->numtriggers; ++i) {
        const Trigger& t = desc->triggers[i];
        if (t.tgoid == trigger->tg_trigger->tgoid) return true;
        if (TRIGGER_FOR_ROW(t.tgtype) && TRIGGER_FOR_BEFORE(t.tgtype) && TRIGGER_FOR_INSERT(t.tgtype) &&
            t.tgenabled != TRIGGER_DISABLED)
            return false;
    }
    return true;
}

bool take_prevalidated(int32 train) {
    if (marked == nullptr || marked->transaction != MyProc->lxid ||
        marked->subtransaction != GetCurrentSubTransactionId())
        return false;
    const auto at = marked->rows_per_train.find(train);
    if (at == marked->rows_per_train.end() || at->second == 0) return false;
    --at->second;
    return true;
}

PrevalidatedScope::PrevalidatedScope(PrevalidatedRows* rows) {
    rows->transaction = MyProc->lxid;
    rows->subtransaction = GetCurrentSubTransactionId();
    marked = rows;
}

PrevalidatedScope::~PrevalidatedScope() { marked = nullptr; }

}  // namespace railway::pg

using namespace railway;
using namespace railway::pg;
using namespace railway::pg::trigger;

extern "C" {

PG_FUNCTION_INFO_V1(railway_validate_schedule_trigger);
Datum railway_validate_schedule_trigger(PG_FUNCTION_ARGS) {
    if (!CALLED_AS_TRIGGER(fcinfo)) {
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("railway.validate_schedule_trigger() must be called as a trigger")));
    }
    TriggerData* trigger = reinterpret_cast<TriggerData*>(fcinfo->context);
    const TriggerEvent event = trigger->tg_event;
    if (!TRIGGER_FIRED_BEFORE(event) || !TRIGGER_FIRED_FOR_ROW(event) ||
        !(TRIGGER_FIRED_BY_INSERT(event) || TRIGGER_FIRED_BY_UPDATE(event))) {
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("railway.validate_schedule_trigger() must be a BEFORE INSERT OR UPDATE row trigger"),
                        errhint("CREATE TRIGGER ... BEFORE INSERT OR UPDATE ON ... FOR EACH ROW EXECUTE "
                                "FUNCTION railway.validate_schedule_trigger(...)")));
    }
    const bool is_update = TRIGGER_FIRED_BY_UPDATE(event);
    HeapTuple result = is_update ? trigger->tg_newtuple : trigger->tg_trigtuple;

    guard([&] {
        const Config& config = config_for(fcinfo, trigger);
        TupleTableSlot* new_slot = is_update ? trigger->tg_newslot : trigger->tg_trigslot;
        RowValues new_row = read_row(config.column, new_slot);
        // A row railway.gtfs_load validated itself, of a train it created (prevalidated.hpp).
        // Only when no BEFORE INSERT row trigger of the DBA's fired before this one: such a
        // trigger may have changed the row gtfs_load checked.
        if (!is_update && config.railway_schedules && config.type[kTrain] == INT4OID && !new_row.null[kTrain] &&
            first_before_insert_trigger(trigger) && take_prevalidated(DatumGetInt32(new_row.value[kTrain])))
            return Datum(0);
        if (config.trains_kind != 0 && !new_row.null[kTrain]) {
            // railway.schedules: train_kind is the train's kind, filled in when the row is made
            // or moved to another train (an update by the foreign key's cascade keeps its value).
            bool moved = !is_update;
            if (is_update) {
                const RowValues old_row = read_row(config.column, trigger->tg_trigslot);
                moved = old_row.null[kTrain] || DatumGetInt32(old_row.value[kTrain]) != DatumGetInt32(new_row.value[kTrain]);
            }
            Datum kind = 0;
            const int32 train_id = DatumGetInt32(new_row.value[kTrain]);
            bool known = false;
            if (moved && config.kind_cached && config.kind_train == train_id) {
                kind = config.kind_value;
                known = true;
            } else if (moved) {
                known = pg_guarded(
                    [&] { return read_train_kind(config, new_row.value[kTrain], &kind, fcinfo->flinfo->fn_mcxt); });
                if (known) {
                    Config& cache = const_cast<Config&>(config);
                    cache.kind_cached = true;
                    cache.kind_train = train_id;
                    cache.kind_value = kind;
                }
            }
            if (known) {
                const bool same = !new_row.null[kTrainKind] && pg_guarded([&] {
                    return DatumGetBool(DirectFunctionCall2Coll(texteq, DEFAULT_COLLATION_OID, kind,
                                                                new_row.value[kTrainKind]));
                });
                if (!same) {
                    result = pg_guarded([&] {
                        int column = config.column[kTrainKind];
                        bool is_null = false;
                        Datum value = kind;
                        return heap_modify_tuple_by_cols(result, RelationGetDescr(trigger->tg_relation), 1, &column,
                                                         &value, &is_null);
                    });
                    new_row.value[kTrainKind] = kind;
                    new_row.null[kTrainKind] = false;
                }
            }
        }
        const CheckedRow checked = check_row(config, trigger, new_row);
        const TrainKind kind = new_row_kind(config, trigger, new_row);
        if (!is_active(checked.row)) return Datum(0);
        if (is_update) {
            const RowValues old_row = read_row(config.column, trigger->tg_trigslot);
            // Status and actual times change all day: no search unless the train or timing
            // changed, or the row was cancelled and is active again.
            if (row_is_active(config, old_row) && !timing_changed(config, old_row, new_row)) return Datum(0);
        }
        const Datum train = new_row.value[kTrain];
        ItemPointer self = is_update ? &trigger->tg_trigtuple->t_self : nullptr;
        ServicePattern pattern = checked.pattern;
        pattern.kind = kind;
        const Found found = pg_guarded([&] { return search(config, train, pattern, self); });
        if (found.found) {
            throw conflict_error(integer_value(config.type[kId], found.other_id), train_name(config, train),
                                 found.first);
        }
        return Datum(0);
    });
    return PointerGetDatum(result);
}

}  // extern "C"
