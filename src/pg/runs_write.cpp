// The direct write of railway.plan_runs (see runs_write.hpp and README "Runs", "Planning").
//
// plan_runs checks its runs in bulk (runs.cpp: the schedules locked FOR KEY SHARE, the row and
// span rules, the trains locked, the runs around the window read): what the trigger
// validate_run would check row by row is done. What an INSERT would still do per row is the
// executor's work around it: a function scan of the arrays, the partition routing, the trigger
// calls, one heap insert and one WAL record per row. This file writes the rows as COPY does:
// per partition, table_multi_insert of up to kSlots rows (one WAL record per page), then the
// index entries of each row with ExecInsertIndexTuples (the primary key raises 23505 on a
// duplicate, as for an INSERT). It applies only where skipping the executor skips nothing else
// (see write_planned_runs), and falls back to the INSERT otherwise; nothing is written then.
// Everything here runs inside pg_guarded (C-style code, no object with a destructor).
#include "runs_write.hpp"

#include "bulk_write.hpp"

#include "run_columns.hpp"

extern "C" {
#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_operator_d.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/primnodes.h"
#include "nodes/readfuncs.h"
#include "nodes/pg_list.h"
#include "parser/parse_func.h"
#include "partitioning/partbounds.h"
#include "partitioning/partdesc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/partcache.h"
#include "utils/rel.h"
#include "utils/rls.h"
}

#include <cstring>

namespace railway::pg {
namespace {

constexpr int kSlots = 1000;  // rows per table_multi_insert, as COPY buffers

// The columns of railway.runs (run_columns.hpp); a partition with another column is not
// written directly.
using namespace run_columns;
constexpr int kColumnCount = kCount;
constexpr const auto& kColumnNames = kNames;
// railway.runs' CHECK constraints: plan_runs' rows satisfy them (check_run_row); a partition
// with another CHECK is not written directly.
constexpr const char* kChecks[] = {"check_run_kind", "check_run_status", "check_run_planned_times",
                                   "check_run_actual_times"};

// One monthly partition: run dates [lo, hi).
struct Target {
    int32 lo;
    int32 hi;
    Oid relid;
};

// Whether an AFTER INSERT trigger's WHEN is runs_audit_insert's, NEW.kind = 'extra', which
// plan_runs' rows (all 'planned') never meet. Another WHEN on railway.audit_run_trigger() (a
// DBA's "audit these runs too") must see the rows. kind: the partition's attnum of kind.
bool audits_extra_runs_only(const Trigger& t, AttrNumber kind) {
    if (t.tgqual == nullptr || kind == 0) return false;
    const Node* qual = static_cast<const Node*>(stringToNode(t.tgqual));
    if (!IsA(qual, OpExpr)) return false;
    const OpExpr* op = reinterpret_cast<const OpExpr*>(qual);
    if (op->opno != TextEqualOperator || list_length(op->args) != 2) return false;
    const Node* left = static_cast<const Node*>(linitial(op->args));
    const Node* right = static_cast<const Node*>(lsecond(op->args));
    if (!IsA(left, Var) || !IsA(right, Const)) return false;
    const Var* var = reinterpret_cast<const Var*>(left);
    const Const* value = reinterpret_cast<const Const*>(right);
    if (var->varno != PRS2_NEW_VARNO || var->varattno != kind || value->constisnull || value->consttype != TEXTOID)
        return false;
    const text* t_value = DatumGetTextPP(value->constvalue);
    return VARSIZE_ANY_EXHDR(t_value) == 5 && memcmp(VARDATA_ANY(t_value), "extra", 5) == 0;
}

// Whether partition `rel` can be written directly; fills attnum[] (0: no such column).
bool writable(Relation rel, Oid validate_fn, Oid audit_fn, AttrNumber attnum[kColumnCount]) {
    if (rel->rd_rel->relkind != RELKIND_RELATION) return false;
    const TupleDesc desc = RelationGetDescr(rel);
    for (int c = 0; c < kColumnCount; ++c) attnum[c] = 0;
    for (int a = 0; a < desc->natts; ++a) {
        const Form_pg_attribute att = TupleDescAttr(desc, a);
        if (att->attisdropped) continue;
        int known = -1;
        for (int c = 0; c < kColumnCount; ++c)
            if (strcmp(NameStr(att->attname), kColumnNames[c]) == 0) known = c;
        if (known < 0 || att->attgenerated) return false;
        // A NOT NULL of the partition's own on a column left NULL here (actual or expected
        // times): the heap insert does not check it, the INSERT's executor does.
        const bool left_null = known == kActualDeparture || known == kActualArrival ||
                               known == kExpectedDeparture || known == kExpectedArrival;
        if (att->attnotnull && left_null) return false;
        attnum[known] = att->attnum;
    }
    for (int c = 0; c < kColumnCount; ++c) {
        // The nine columns every run has, with their types; the expected times may be absent.
        if (c >= kExpectedDeparture && attnum[c] == 0) continue;
        if (attnum[c] == 0) return false;
        const Oid type = TupleDescAttr(desc, attnum[c] - 1)->atttypid;
        const Oid wanted = kTypes[c];
        if (type != wanted) return false;
    }
    if (desc->constr != nullptr) {
        for (int i = 0; i < desc->constr->num_check; ++i) {
            bool known = false;
            for (const char* name : kChecks) known = known || strcmp(desc->constr->check[i].ccname, name) == 0;
            if (!known) return false;
        }
    }
    // Insert triggers: railway's own only (validate_run; runs_audit_insert with its WHEN), and
    // none with a transition table.
    if (rel->trigdesc != nullptr) {
        for (int i = 0; i < rel->trigdesc->numtriggers; ++i) {
            const Trigger& t = rel->trigdesc->triggers[i];
            if (!TRIGGER_FOR_INSERT(t.tgtype) || t.tgenabled == TRIGGER_DISABLED) continue;
            if (t.tgnewtable != nullptr || !TRIGGER_FOR_ROW(t.tgtype)) return false;
            const bool validate = TRIGGER_FOR_BEFORE(t.tgtype) && t.tgfoid == validate_fn;
            const bool audit =
                TRIGGER_FOR_AFTER(t.tgtype) && t.tgfoid == audit_fn && audits_extra_runs_only(t, attnum[kKind]);
            if (!validate && !audit) return false;
        }
    }
    return true;
}

// Writes rows idx[0..count) of `runs` into the partition.
void write_partition(Relation rel, const AttrNumber attnum[kColumnCount], const PlannedRuns& runs, const int* idx,
                     int count, Datum scheduled, Datum planned) {
    EState* estate = CreateExecutorState();
    ResultRelInfo* rri = makeNode(ResultRelInfo);
    InitResultRelInfo(rri, rel, 0, nullptr, 0);
    ExecOpenIndices(rri, false);
    BulkInsertState bistate = GetBulkInsertState();
    const CommandId cid = GetCurrentCommandId(true);
    const TupleDesc desc = RelationGetDescr(rel);
    TupleTableSlot* slots[kSlots];
    const int nslots = count < kSlots ? count : kSlots;
    for (int i = 0; i < nslots; ++i) slots[i] = table_slot_create(rel, nullptr);
    MemoryContext chunk = AllocSetContextCreate(CurrentMemoryContext, "railway plan_runs write", ALLOCSET_DEFAULT_SIZES);
    MemoryContext old = CurrentMemoryContext;
    for (int first = 0; first < count; first += kSlots) {
        CHECK_FOR_INTERRUPTS();
        const int n = count - first < kSlots ? count - first : kSlots;
        MemoryContextSwitchTo(chunk);
        for (int k = 0; k < n; ++k) {
            const int r = idx[first + k];
            TupleTableSlot* slot = slots[k];
            ExecClearTuple(slot);
            for (int a = 0; a < desc->natts; ++a) {
                slot->tts_values[a] = 0;
                slot->tts_isnull[a] = true;
            }
            const auto set = [&](int column, Datum value) {
                slot->tts_values[attnum[column] - 1] = value;
                slot->tts_isnull[attnum[column] - 1] = false;
            };
            set(kTrainId, runs.train[r]);
            set(kScheduleId, runs.schedule[r]);
            set(kRunDate, runs.date[r]);
            set(kPlannedDeparture, runs.departure[r]);
            set(kPlannedArrival, runs.arrival[r]);
            set(kStatus, scheduled);
            set(kKind, planned);
            ExecStoreVirtualTuple(slot);
        }
        insert_slots(rel, rri, estate, slots, n, cid, bistate);
        MemoryContextSwitchTo(old);
        MemoryContextReset(chunk);
    }
    MemoryContextDelete(chunk);
    for (int i = 0; i < nslots; ++i) ExecDropSingleTupleTableSlot(slots[i]);
    FreeBulkInsertState(bistate);
    ExecCloseIndices(rri);
    FreeExecutorState(estate);
}

}  // namespace

int64 write_planned_runs(const PlannedRuns& runs) {
    if (runs.n == 0) return 0;
    const Oid railway = get_namespace_oid("railway", false);
    const Oid root_oid = get_relname_relid("runs", railway);
    if (!OidIsValid(root_oid)) return -1;
    // What the INSERT's executor would check on railway.runs: the privilege (column privileges
    // only: the INSERT says which), row-level security (its policies would have to run).
    if (pg_class_aclcheck(root_oid, GetUserId(), ACL_INSERT) != ACLCHECK_OK) return -1;
    if (check_enable_rls(root_oid, InvalidOid, true) == RLS_ENABLED) return -1;
    const Oid validate_fn = railway_function_oid("validate_run_trigger");
    const Oid audit_fn = railway_function_oid("audit_run_trigger");
    if (!OidIsValid(validate_fn) || !OidIsValid(audit_fn)) return -1;

    Relation root = table_open(root_oid, RowExclusiveLock);
    // Statement triggers of an INSERT into railway.runs would fire: not written directly.
    if (root->rd_rel->relkind != RELKIND_PARTITIONED_TABLE ||
        (root->trigdesc != nullptr &&
         (root->trigdesc->trig_insert_before_statement || root->trigdesc->trig_insert_after_statement ||
          root->trigdesc->trig_insert_new_table))) {
        table_close(root, NoLock);
        return -1;
    }
    const PartitionDesc pd = RelationGetPartitionDesc(root, true);
    const PartitionBoundInfo bounds = pd->boundinfo;
    if (bounds == nullptr || bounds->strategy != PARTITION_STRATEGY_RANGE ||
        RelationGetPartitionKey(root)->partnatts != 1) {
        table_close(root, NoLock);
        return -1;
    }
    // The monthly (leaf, not default) partitions by their bounds, in order.
    Target* targets = static_cast<Target*>(palloc(sizeof(Target) * (pd->nparts + 1)));
    int ntargets = 0;
    for (int i = 0; i <= bounds->ndatums; ++i) {
        const int index = bounds->indexes[i];
        if (index < 0 || index == bounds->default_index || !pd->is_leaf[index]) continue;
        if (i == 0 || i == bounds->ndatums || bounds->kind[i - 1][0] != PARTITION_RANGE_DATUM_VALUE ||
            bounds->kind[i][0] != PARTITION_RANGE_DATUM_VALUE)
            continue;  // an unbounded partition: not one of create_run_partitions'
        targets[ntargets++] = Target{DatumGetDateADT(bounds->datums[i - 1][0]), DatumGetDateADT(bounds->datums[i][0]),
                                     pd->oids[index]};
    }
    // Each run's partition (the targets are sorted and disjoint).
    int* part_of = static_cast<int*>(palloc(sizeof(int) * runs.n));
    int* counts = static_cast<int*>(palloc0(sizeof(int) * (ntargets + 1)));
    for (size_t r = 0; r < runs.n; ++r) {
        const int32 day = DatumGetDateADT(runs.date[r]);
        int lo = 0, hi = ntargets;
        while (lo < hi) {
            const int mid = (lo + hi) / 2;
            if (targets[mid].hi <= day) lo = mid + 1; else hi = mid;
        }
        if (lo == ntargets || targets[lo].lo > day) {
            // No monthly partition: the INSERT routes it to the default one, where the trigger
            // refuses it naming railway.create_run_partitions().
            table_close(root, NoLock);
            return -1;
        }
        part_of[r] = lo;
        ++counts[lo];
    }
    // Every partition written must be writable directly before anything is written.
    Relation* rels = static_cast<Relation*>(palloc0(sizeof(Relation) * (ntargets + 1)));
    AttrNumber(*attnums)[kColumnCount] =
        static_cast<AttrNumber(*)[kColumnCount]>(palloc0(sizeof(AttrNumber[kColumnCount]) * (ntargets + 1)));
    bool ok = true;
    for (int t = 0; t < ntargets && ok; ++t) {
        if (counts[t] == 0) continue;
        rels[t] = table_open(targets[t].relid, RowExclusiveLock);
        ok = writable(rels[t], validate_fn, audit_fn, attnums[t]);
    }
    if (ok) {
        const Datum scheduled = CStringGetTextDatum("scheduled");
        const Datum planned = CStringGetTextDatum("planned");
        int* idx = static_cast<int*>(palloc(sizeof(int) * runs.n));
        for (int t = 0; t < ntargets; ++t) {
            if (counts[t] == 0) continue;
            int m = 0;
            for (size_t r = 0; r < runs.n; ++r)
                if (part_of[r] == t) idx[m++] = static_cast<int>(r);
            write_partition(rels[t], attnums[t], runs, idx, m, scheduled, planned);
        }
        pfree(idx);
    }
    // The locks are kept to the end of the transaction, as the executor keeps them.
    for (int t = 0; t < ntargets; ++t)
        if (rels[t] != nullptr) table_close(rels[t], NoLock);
    table_close(root, NoLock);
    pfree(rels);
    pfree(attnums);
    pfree(part_of);
    pfree(counts);
    pfree(targets);
    if (!ok) return -1;
    // The next query of plan_runs (the runs around the next block) sees these rows.
    CommandCounterIncrement();
    return static_cast<int64>(runs.n);
}

}  // namespace railway::pg
