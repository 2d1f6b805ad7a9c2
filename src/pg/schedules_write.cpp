// The direct write of railway.gtfs_load (see schedules_write.hpp and README "Importing GTFS timetables").
//
// gtfs_load validates its rows itself (the trigger's rules, the conflict sweep over the trains
// it creates), so of what an INSERT does per row only the executor's own work remains: the
// function scan of the arrays, the column defaults, the CHECK constraints, the heap insert and
// its WAL record, the index entries (with the exclusion constraint's search), and three
// foreign-key checks, each a query of its own, after every row. Measured on the largest feed
// (cdmx-corredores, 90,663 schedules), the foreign-key checks were a third of the INSERTs' time.
// This file writes a batch as COPY does: the foreign keys checked once for the whole batch (the
// batch's distinct keys, their rows locked FOR KEY SHARE by one query per key, run as the
// referenced table's owner, as the foreign key's own check runs), then per row the defaults and
// ExecConstraints, table_multi_insert of up to kSlots rows (one WAL record per page), each row's
// index entries with ExecInsertIndexTuples (the primary key raises 23505, the exclusion
// constraint 23P01, as for an INSERT), and the audit rows of the batch. It applies only where
// this skips nothing else (write_guarded); otherwise nothing is written and the caller INSERTs.
// The body runs inside one pg_guarded call: C-style code, no object with a destructor.
#include "schedules_write.hpp"

#include "bulk_write.hpp"

#include "citus.hpp"

extern "C" {
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation_d.h"
#include "catalog/pg_index.h"
#include "catalog/pg_operator_d.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/snapmgr.h"
#include "nodes/makefuncs.h"
#include "nodes/pg_list.h"
#include "parser/parse_coerce.h"
#include "parser/parse_func.h"
#include "rewrite/rewriteHandler.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/rls.h"
#include "utils/syscache.h"
}

#include <cstring>

namespace railway::pg {

const char* const kNewScheduleColumns[NewSchedules::kColumns] = {
    "train_id",          "departure_location_id", "arrival_location_id", "scheduled_departure",
    "scheduled_arrival", "running_days",          "effective_start_date", "effective_end_date",
    "train_kind"};

namespace {

constexpr int kSlots = 1000;  // rows per table_multi_insert, as COPY buffers
const Oid kColumnTypes[NewSchedules::kColumns] = {INT4OID,      INT4OID,      INT4OID,      TIMESTAMPOID, TIMESTAMPOID,
                                                  BOOLARRAYOID, TIMESTAMPOID, TIMESTAMPOID, TEXTOID};

// A foreign key of railway.schedules whose check this write makes.
struct ForeignKey {
    const char* name;      // the constraint
    Oid referenced;        // its table
    Oid owner;             // whose identity the check runs with, as the foreign key's own check
    int nkeys;
    int column[INDEX_MAX_KEYS];  // NewSchedules' column of each key column
    const char* own_sql;      // the rows of the distinct keys whose xmin is this transaction's id (ctid)
    const char* lock_sql;     // the others joined to their rows, locked FOR KEY SHARE
    const char* lock_all_sql; // every distinct key joined to its row, locked FOR KEY SHARE
    const char* missing_sql;  // the first key without a row, as text
};

// What the write needs of the table, found by inspect().
struct Target {
    AttrNumber attnum[NewSchedules::kColumns];
    AttrNumber id;  // the id column
    ForeignKey keys[8];
    int nkeys;
    bool audit;  // schedules_audit_insert fires
};

// Whether an enabled trigger fires in this session (session_replication_role is not replica:
// checked by the caller), as the executor decides.
bool fires(const Trigger& t) { return t.tgenabled == TRIGGER_FIRES_ON_ORIGIN || t.tgenabled == TRIGGER_FIRES_ALWAYS; }

// The column of NewSchedules named `name`, or -1.
int provided_column(const char* name) {
    for (int c = 0; c < NewSchedules::kColumns; ++c)
        if (strcmp(kNewScheduleColumns[c], name) == 0) return c;
    return -1;
}

// Fills `key` for the foreign key `constraint` of `rel` when this write can check it: every key
// column one of NewSchedules' (never NULL), int4 or text on both sides
// with the types' own equality (text in the default collation), the referenced table a plain one.
bool describe_key(Relation rel, const Target& target, Oid constraint, ForeignKey* key) {
    ListCell* cell;
    foreach (cell, RelationGetFKeyList(rel)) {
        const ForeignKeyCacheInfo* info = static_cast<const ForeignKeyCacheInfo*>(lfirst(cell));
        if (info->conoid != constraint) continue;
        if (get_rel_relkind(info->confrelid) != RELKIND_RELATION) return false;
        key->name = get_constraint_name(constraint);
        key->referenced = info->confrelid;
        key->nkeys = info->nkeys;
        const char* table = quote_qualified_identifier(get_namespace_name(get_rel_namespace(info->confrelid)),
                                                       get_rel_name(info->confrelid));
        HeapTuple owner_tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(info->confrelid));
        if (!HeapTupleIsValid(owner_tuple)) return false;
        key->owner = reinterpret_cast<Form_pg_class>(GETSTRUCT(owner_tuple))->relowner;
        ReleaseSysCache(owner_tuple);
        StringInfoData arrays, names, join, as_text;
        initStringInfo(&arrays);
        initStringInfo(&names);
        initStringInfo(&join);
        initStringInfo(&as_text);
        for (int i = 0; i < info->nkeys; ++i) {
            int column = -1;
            for (int c = 0; c < NewSchedules::kColumns; ++c)
                if (target.attnum[c] == info->conkey[i]) column = c;
            if (column < 0) return false;
            key->column[i] = column;
            Oid type, collation;
            int32 typmod;
            get_atttypetypmodcoll(info->confrelid, info->confkey[i], &type, &typmod, &collation);
            const Oid wanted = kColumnTypes[column];
            if (type != wanted || (wanted != INT4OID && wanted != TEXTOID)) return false;
            if (info->conpfeqop[i] != (wanted == INT4OID ? Int4EqualOperator : TextEqualOperator)) return false;
            if (wanted == TEXTOID && (collation != DEFAULT_COLLATION_OID ||
                                      TupleDescAttr(RelationGetDescr(rel), info->conkey[i] - 1)->attcollation != DEFAULT_COLLATION_OID))
                return false;
            const char* referenced_column = quote_identifier(get_attname(info->confrelid, info->confkey[i], false));
            const char* type_name = wanted == INT4OID ? "pg_catalog.int4" : "pg_catalog.text";
            appendStringInfo(&arrays, "%spg_catalog.unnest($%d::%s[])", i ? ", " : "", i + 1, type_name);
            appendStringInfo(&names, "%sk%d", i ? ", " : "", i);
            appendStringInfo(&join, "%sx.%s OPERATOR(pg_catalog.=) k.k%d", i ? " AND " : "", referenced_column, i);
            appendStringInfo(&as_text, "%sk.k%d::pg_catalog.text", i ? " OPERATOR(pg_catalog.||) ', ' OPERATOR(pg_catalog.||) " : "", i);
        }
        // A row this transaction inserted (its xmin the top-level transaction's id: the load's
        // own trains and locations, unless it runs in a subtransaction) is invisible to every
        // other session until commit, so no other transaction can delete or change it: the lock
        // would only cost a WAL record. Every other row is locked, as the foreign key's check does.
        // The xmin column is the raw one, kept when a row is frozen: after a wraparound an old
        // row can carry this transaction's id, so the rows the test selects are confirmed by
        // their tuple header (check_keys, inserted_here) and any that is not this transaction's
        // has every key locked (lock_all_sql).
        static const char* const kMine =
            "x.xmin OPERATOR(pg_catalog.=) pg_catalog.xid(pg_catalog.pg_current_xact_id())";
        // The parameters are the batch's distinct keys (check_keys). Each key is looked up by
        // its own index probe (LATERAL, LIMIT 1: a subquery the planner keeps), as the foreign
        // key's check does: a hash join would read the whole referenced table for every batch.
        key->own_sql = psprintf(
            "SELECT f.ctid FROM ROWS FROM (%s) AS k(%s) CROSS JOIN LATERAL "
            "(SELECT x.ctid FROM ONLY %s x WHERE %s AND %s LIMIT 1) AS f",
            arrays.data, names.data, table, join.data, kMine);
        key->lock_sql = psprintf(
            "SELECT 1 FROM ROWS FROM (%s) AS k(%s) CROSS JOIN LATERAL "
            "(SELECT FROM ONLY %s x WHERE %s AND NOT (%s) FOR KEY SHARE OF x) AS f",
            arrays.data, names.data, table, join.data, kMine);
        key->lock_all_sql = psprintf(
            "SELECT 1 FROM ROWS FROM (%s) AS k(%s) CROSS JOIN LATERAL "
            "(SELECT FROM ONLY %s x WHERE %s FOR KEY SHARE OF x) AS f",
            arrays.data, names.data, table, join.data);
        key->missing_sql = psprintf(
            "SELECT %s FROM ROWS FROM (%s) WITH ORDINALITY AS k(%s, ord) WHERE NOT EXISTS "
            "(SELECT FROM ONLY %s x WHERE %s) ORDER BY k.ord LIMIT 1",
            as_text.data, arrays.data, names.data, table, join.data);
        return true;
    }
    return false;
}

// Whether the direct write applies to railway.schedules (`rel`); fills `target`.
bool inspect(Relation rel, Target* target) {
    // A partition: an INSERT into it checks the partition constraint too (ExecPartitionCheck).
    if (rel->rd_rel->relkind != RELKIND_RELATION || rel->rd_rel->relhasrules || rel->rd_rel->relispartition)
        return false;
    const TupleDesc desc = RelationGetDescr(rel);
    for (int c = 0; c < NewSchedules::kColumns; ++c) target->attnum[c] = 0;
    target->id = 0;
    for (int a = 0; a < desc->natts; ++a) {
        const Form_pg_attribute att = TupleDescAttr(desc, a);
        if (att->attisdropped) continue;
        if (att->attgenerated) return false;
        const int c = provided_column(NameStr(att->attname));
        if (c >= 0) {
            // The type, without a modifier (a timestamp(0) would round what the INSERT stores).
            if (att->atttypid != kColumnTypes[c] || att->atttypmod != -1) return false;
            target->attnum[c] = att->attnum;
        }
        if (strcmp(NameStr(att->attname), "id") == 0 && att->atttypid == INT4OID && att->attnotnull)
            target->id = att->attnum;
    }
    for (int c = 0; c < NewSchedules::kColumns; ++c)
        if (target->attnum[c] == 0) return false;
    if (target->id == 0) return false;
    // Deferrable unique or exclusion constraints would be re-checked at commit by a trigger the
    // INSERT queues.
    ListCell* cell;
    foreach (cell, RelationGetIndexList(rel)) {
        HeapTuple index = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(cell)));
        if (!HeapTupleIsValid(index)) return false;
        const bool immediate = reinterpret_cast<Form_pg_index>(GETSTRUCT(index))->indimmediate;
        ReleaseSysCache(index);
        if (!immediate) return false;
    }
    // The INSERT triggers that fire: railway's own only.
    const Oid validate_fn = railway_function_oid("validate_schedule_trigger");
    const Oid audit_fn = railway_function_oid("audit_trigger");
    target->nkeys = 0;
    target->audit = false;
    if (rel->trigdesc == nullptr) return true;
    bool validate_seen = false;
    for (int i = 0; i < rel->trigdesc->numtriggers; ++i) {
        const Trigger& t = rel->trigdesc->triggers[i];
        if (!TRIGGER_FOR_INSERT(t.tgtype) || !fires(t)) continue;
        const bool plain = t.tgqual == nullptr && t.tgnargs == 0 && t.tgoldtable == nullptr;
        if (t.tgfoid == F_RI_FKEY_CHECK_INS && TRIGGER_FOR_ROW(t.tgtype) && TRIGGER_FOR_AFTER(t.tgtype) &&
            !t.tgdeferrable && t.tgnewtable == nullptr) {
            if (target->nkeys == static_cast<int>(sizeof target->keys / sizeof target->keys[0])) return false;
            if (!describe_key(rel, *target, t.tgconstraint, &target->keys[target->nkeys])) return false;
            ++target->nkeys;
        } else if (t.tgfoid == validate_fn && plain && t.tgnewtable == nullptr && TRIGGER_FOR_ROW(t.tgtype) &&
                   TRIGGER_FOR_BEFORE(t.tgtype) && !validate_seen) {
            validate_seen = true;  // its checks made by the caller (prevalidated.hpp)
        } else if (t.tgfoid == audit_fn && plain && t.tgnewtable != nullptr && !TRIGGER_FOR_ROW(t.tgtype) &&
                   TRIGGER_FOR_AFTER(t.tgtype) && !target->audit) {
            target->audit = true;  // its rows written by railway.audit_inserted_rows
        } else {
            return false;
        }
    }
    return true;
}

// Runs `sql` (a SELECT) as `owner` (the referenced table's), as the foreign key's own check does:
// its privileges, and row-level security not forced on the owner. Returns the number of rows.
uint64 run_as_owner(Oid owner, const char* sql, int nargs, Oid* types, Datum* values) {
    Oid user;
    int context;
    GetUserIdAndSecContext(&user, &context);
    SetUserIdAndSecContext(owner, context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_NOFORCE_RLS);
    const int rc = SPI_execute_with_args(sql, nargs, types, values, nullptr, false, 0);
    SetUserIdAndSecContext(user, context);
    if (rc != SPI_OK_SELECT) elog(ERROR, "railway: foreign key check failed: %s", SPI_result_code_string(rc));
    if (SPI_tuptable == nullptr) elog(ERROR, "railway: foreign key check returned no result");
    return SPI_processed;
}

// The order of the batch's rows by one foreign key's columns (int4 or text, by their bytes: the
// types' own equality, text in a deterministic collation), for qsort_arg.
struct KeyOrder {
    const NewSchedules* rows;
    const ForeignKey* key;
};

int compare_keys(const void* a, const void* b, void* arg) {
    const KeyOrder* order = static_cast<const KeyOrder*>(arg);
    const size_t x = *static_cast<const size_t*>(a), y = *static_cast<const size_t*>(b);
    for (int i = 0; i < order->key->nkeys; ++i) {
        const int c = order->key->column[i];
        const Datum u = order->rows->columns[c][x], v = order->rows->columns[c][y];
        if (kColumnTypes[c] == INT4OID) {
            const int32 p = DatumGetInt32(u), q = DatumGetInt32(v);
            if (p != q) return p < q ? -1 : 1;
        } else {
            const text* p = DatumGetTextPP(u);
            const text* q = DatumGetTextPP(v);
            const size_t lp = VARSIZE_ANY_EXHDR(p), lq = VARSIZE_ANY_EXHDR(q);
            const int cmp = memcmp(VARDATA_ANY(p), VARDATA_ANY(q), lp < lq ? lp : lq);
            if (cmp != 0) return cmp;
            if (lp != lq) return lp < lq ? -1 : 1;
        }
    }
    return 0;
}

// Whether the row at `tid` of `relid` was inserted by this transaction (or one of its
// subtransactions), by its tuple header: HeapTupleHeaderGetXmin is FrozenTransactionId for a
// frozen row, whatever its raw xmin.
bool inserted_here(Relation referenced, ItemPointer tid) {
    HeapTupleData tuple;
    tuple.t_self = *tid;
    Buffer buffer;
    bool mine = false;
    // Another table access method has no heap tuple header to ask: its rows are locked.
    if (referenced->rd_tableam == GetHeapamTableAmRoutine() &&
        heap_fetch(referenced, SnapshotAny, &tuple, &buffer, false)) {
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        mine = TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tuple.t_data));
        LockBuffer(buffer, BUFFER_LOCK_UNLOCK);
        ReleaseBuffer(buffer);
    }
    return mine;
}

// The foreign keys of the batch: every distinct key must have its row, locked FOR KEY SHARE
// unless this transaction inserted it; a key without a row raises the foreign key's error.
void check_keys(Relation rel, const Target& target, const NewSchedules& rows) {
    size_t* order = static_cast<size_t*>(palloc(sizeof(size_t) * rows.n));
    Datum* distinct_values = static_cast<Datum*>(palloc(sizeof(Datum) * rows.n));
    for (int k = 0; k < target.nkeys; ++k) {
        const ForeignKey& key = target.keys[k];
        // The distinct keys, sorted, one array per key column.
        for (size_t r = 0; r < rows.n; ++r) order[r] = r;
        KeyOrder by_key{&rows, &key};
        qsort_arg(order, rows.n, sizeof(size_t), compare_keys, &by_key);
        size_t distinct = 0;
        for (size_t r = 0; r < rows.n; ++r)
            if (r == 0 || compare_keys(&order[r - 1], &order[r], &by_key) != 0) order[distinct++] = order[r];
        Oid types[INDEX_MAX_KEYS];
        Datum values[INDEX_MAX_KEYS];
        for (int i = 0; i < key.nkeys; ++i) {
            const int c = key.column[i];
            const Oid element = kColumnTypes[c];
            types[i] = element == INT4OID ? INT4ARRAYOID : TEXTARRAYOID;
            for (size_t d = 0; d < distinct; ++d) distinct_values[d] = rows.columns[c][order[d]];
            int16 length;
            bool by_value;
            char align;
            get_typlenbyvalalign(element, &length, &by_value, &align);
            values[i] = PointerGetDatum(
                construct_array(distinct_values, static_cast<int>(distinct), element, length, by_value, align));
        }
        // Each must have its row: this transaction's own, or locked. The rows whose raw xmin is
        // this transaction's id are confirmed by their header (a frozen row's raw xmin may be
        // it after a wraparound); if one is not this transaction's, every key's row is locked.
        uint64 found = run_as_owner(key.owner, key.own_sql, key.nkeys, types, values);
        bool all_mine = true;
        if (found > 0) {
            Relation referenced = table_open(key.referenced, AccessShareLock);
            for (uint64 f = 0; f < found && all_mine; ++f) {
                bool is_null;
                const Datum tid = SPI_getbinval(SPI_tuptable->vals[f], SPI_tuptable->tupdesc, 1, &is_null);
                all_mine = !is_null && inserted_here(referenced, reinterpret_cast<ItemPointer>(DatumGetPointer(tid)));
            }
            table_close(referenced, AccessShareLock);
        }
        SPI_freetuptable(SPI_tuptable);
        if (!all_mine) {
            found = run_as_owner(key.owner, key.lock_all_sql, key.nkeys, types, values);
            SPI_freetuptable(SPI_tuptable);
        } else if (found < distinct) {
            found += run_as_owner(key.owner, key.lock_sql, key.nkeys, types, values);
            SPI_freetuptable(SPI_tuptable);
        }
        if (found == distinct) {
            for (int i = 0; i < key.nkeys; ++i) pfree(DatumGetPointer(values[i]));
            continue;
        }
        // A key without a row (deleted by another transaction since it was read, or by a trigger
        // of the DBA's in this one): the foreign key's error, with the key when the caller may
        // read the table (as the foreign key's check decides).
        const uint64 missing = run_as_owner(key.owner, key.missing_sql, key.nkeys, types, values);
        const char* value = missing > 0 ? SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1) : nullptr;
        StringInfoData columns;
        initStringInfo(&columns);
        for (int i = 0; i < key.nkeys; ++i)
            appendStringInfo(&columns, "%s%s", i ? ", " : "", kNewScheduleColumns[key.column[i]]);
        const bool show = value != nullptr &&
                          pg_class_aclcheck(RelationGetRelid(rel), GetUserId(), ACL_SELECT) == ACLCHECK_OK;
        ereport(ERROR, (errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
                        errmsg("insert or update on table \"%s\" violates foreign key constraint \"%s\"",
                               RelationGetRelationName(rel), key.name),
                        show ? errdetail("Key (%s)=(%s) is not present in table \"%s\".", columns.data, value,
                                         get_rel_name(key.referenced))
                             : errdetail("Key is not present in table \"%s\".", get_rel_name(key.referenced)),
                        errtableconstraint(rel, key.name)));
    }
}

// Writes the rows: defaults, constraints, heap, index entries. ids[r] gets row r's id.
void write_rows(Relation rel, const Target& target, const NewSchedules& rows, int32* ids) {
    EState* estate = CreateExecutorState();
    ResultRelInfo* rri = makeNode(ResultRelInfo);
    InitResultRelInfo(rri, rel, 0, nullptr, 0);
    ExecOpenIndices(rri, false);
    const TupleDesc desc = RelationGetDescr(rel);
    // The defaults of the other columns, as the INSERT's (the id's identity sequence, the status).
    ExprState** defaults = static_cast<ExprState**>(palloc0(sizeof(ExprState*) * desc->natts));
    for (int a = 0; a < desc->natts; ++a) {
        const Form_pg_attribute att = TupleDescAttr(desc, a);
        bool provided = false;
        for (int c = 0; c < NewSchedules::kColumns; ++c) provided = provided || target.attnum[c] == att->attnum;
        if (att->attisdropped || provided) continue;
        Node* expression = build_column_default(rel, att->attnum);
        // Without a default, the INSERT's NULL is coerced to the column's domain, whose
        // constraints see it (a CHECK (VALUE IS NOT NULL) refuses the row): as the planner's
        // expand_insert_targetlist; for a type that is not a domain, the NULL as it is.
        if (expression == nullptr && get_typtype(att->atttypid) == TYPTYPE_DOMAIN)
            expression = coerce_to_domain(reinterpret_cast<Node*>(makeConst(att->atttypid, -1, att->attcollation,
                                                                              att->attlen, Datum(0), true,
                                                                              att->attbyval)),
                                          InvalidOid, -1, att->atttypid, COERCION_IMPLICIT, COERCE_IMPLICIT_CAST, -1,
                                          false);
        if (expression != nullptr) defaults[a] = ExecPrepareExpr(reinterpret_cast<Expr*>(expression), estate);
    }
    // The defaults' values live until their rows are in the heap: reset per chunk.
    ExprContext* defaults_context = CreateExprContext(estate);
    const bool constrained = desc->constr != nullptr;
    BulkInsertState bistate = GetBulkInsertState();
    const CommandId cid = GetCurrentCommandId(true);
    TupleTableSlot* slots[kSlots];
    const int nslots = rows.n < static_cast<size_t>(kSlots) ? static_cast<int>(rows.n) : kSlots;
    for (int i = 0; i < nslots; ++i) slots[i] = table_slot_create(rel, nullptr);
    for (size_t first = 0; first < rows.n; first += kSlots) {
        CHECK_FOR_INTERRUPTS();
        const int n = rows.n - first < static_cast<size_t>(kSlots) ? static_cast<int>(rows.n - first) : kSlots;
        for (int k = 0; k < n; ++k) {
            const size_t r = first + k;
            TupleTableSlot* slot = slots[k];
            ExecClearTuple(slot);
            for (int a = 0; a < desc->natts; ++a) {
                if (defaults[a] != nullptr) {
                    slot->tts_values[a] = ExecEvalExprSwitchContext(defaults[a], defaults_context, &slot->tts_isnull[a]);
                } else {
                    slot->tts_values[a] = 0;
                    slot->tts_isnull[a] = true;
                }
            }
            for (int c = 0; c < NewSchedules::kColumns; ++c) {
                const int a = target.attnum[c] - 1;
                slot->tts_values[a] = rows.columns[c][r];
                slot->tts_isnull[a] = false;
            }
            ExecStoreVirtualTuple(slot);
            // A CHECK constraint may read tableoid (the one system column it may name): the
            // INSERT's slot has it set before ExecConstraints, as COPY's.
            slot->tts_tableOid = RelationGetRelid(rel);
            if (constrained) ExecConstraints(rri, slot, estate);  // NOT NULL and CHECK, 23502 and 23514
            ResetPerTupleExprContext(estate);
            ids[r] = DatumGetInt32(slot->tts_values[target.id - 1]);  // NOT NULL: checked above
        }
        insert_slots(rel, rri, estate, slots, n, cid, bistate);
        ResetExprContext(defaults_context);
    }
    for (int i = 0; i < nslots; ++i) ExecDropSingleTupleTableSlot(slots[i]);
    FreeBulkInsertState(bistate);
    ExecCloseIndices(rri);
    FreeExecutorState(estate);
}

bool write_guarded(Oid relid, const NewSchedules& rows, int32* ids) {
    // What the INSERT's executor would check or do besides: the table's privilege (column
    // privileges only: the INSERT names its columns), row-level security, replica mode.
    // Checked with the table locked, as the INSERT's executor checks them.
    if (SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA) return false;
    Oid audit_types[2] = {TEXTOID, INT4ARRAYOID};
    const Oid audit_rows_fn = railway_function_oid("audit_inserted_rows", 2, audit_types);
    if (!OidIsValid(audit_rows_fn)) return false;
    Relation rel = table_open(relid, RowExclusiveLock);
    Target target;
    if (pg_class_aclcheck(relid, GetUserId(), ACL_INSERT) != ACLCHECK_OK ||
        check_enable_rls(relid, InvalidOid, true) == RLS_ENABLED || !inspect(rel, &target)) {
        table_close(rel, NoLock);  // the lock is kept to the end of the transaction, as an INSERT's
        return false;
    }
    check_keys(rel, target, rows);
    write_rows(rel, target, rows, ids);
    table_close(rel, NoLock);
    // The next queries (gtfs_trips, the audit rows) see these rows.
    CommandCounterIncrement();
    if (target.audit) {
        Datum* elements = static_cast<Datum*>(palloc(sizeof(Datum) * rows.n));
        for (size_t r = 0; r < rows.n; ++r) elements[r] = Int32GetDatum(ids[r]);
        ArrayType* array = construct_array(elements, static_cast<int>(rows.n), INT4OID, 4, true, TYPALIGN_INT);
        // The function is not executable by PUBLIC: called here as the trigger would fire.
        OidFunctionCall2(audit_rows_fn, CStringGetTextDatum("schedules"), PointerGetDatum(array));
        pfree(array);
        pfree(elements);
        CommandCounterIncrement();
    }
    return true;
}

}  // namespace

std::optional<std::vector<int32>> write_new_schedules(const NewSchedules& rows) {
    if (rows.n == 0) return std::vector<int32>{};
    const Oid relid = pg_guarded([] {
        const Oid railway = get_namespace_oid("railway", true);
        return OidIsValid(railway) ? get_relname_relid("schedules", railway) : InvalidOid;
    });
    if (!OidIsValid(relid) || citus_partition_method(relid) != 0) return std::nullopt;
    std::vector<int32> ids(rows.n);
    const bool written = pg_guarded([&] { return write_guarded(relid, rows, ids.data()); });
    if (!written) return std::nullopt;
    return ids;
}

}  // namespace railway::pg
