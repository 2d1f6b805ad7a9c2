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
#include "core/calendar.hpp"
#include "core/error.hpp"
#include "core/schedule_rules.hpp"
#include "core/service_pattern.hpp"

#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "datum.hpp"
#include "service_pattern.hpp"
#include "spi.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/skey.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "nodes/primnodes.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/date.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
}

namespace railway::pg {
namespace {

// The columns the trigger reads, by their railway.schedules names (the trigger argument names).
enum Role {
    kId,
    kTrain,
    kDepartureLocation,
    kArrivalLocation,
    kScheduledDeparture,
    kScheduledArrival,
    kActualDeparture,
    kActualArrival,
    kStatus,
    kIsCancelled,
    kRunningDays,
    kStartDate,
    kEndDate,
    kTrainKind,
    kRoleCount
};
constexpr const char* kRoleNames[kRoleCount] = {
    "id", "train_id", "departure_location_id", "arrival_location_id", "scheduled_departure",
    "scheduled_arrival", "actual_departure", "actual_arrival", "status", "is_cancelled",
    "running_days", "effective_start_date", "effective_end_date", "train_kind"};
constexpr bool kRequired[kRoleCount] = {true, true, false, false, true, true, false,
                                        false, false, false, false, false, false, false};

constexpr uint16 kLockClass = 0x5241;       // "RA": a train's advisory lock (pg_locks.objsubid 21057)
constexpr uint16 kTableLockClass = 0x5242;  // "RB": a table's advisory lock (pg_locks.objsubid 21058)
constexpr uint32 kTrainLocksPerTable = 64;  // then one lock on the whole table instead

constexpr const char* kArgumentHint =
    "Arguments are 'role=column' pairs, e.g. 'train_id=train_no' or 'status=' for a table "
    "without that column; roles: id, train_id, departure_location_id, arrival_location_id, "
    "scheduled_departure, scheduled_arrival, actual_departure, actual_arrival, status, "
    "is_cancelled, running_days, effective_start_date, effective_end_date.";

enum class SearchPath { kExclusionIndex, kTrainIndex, kHeap };

// One table the search reads: the trigger's own, or, when the trigger fires on a partition,
// each leaf partition of the partitioned table's whole tree (a conflict in another partition
// is a conflict all the same). Plain data only.
struct Target {
    Oid relid;
    AttrNumber column[kRoleCount];  // this table's attribute numbers (partitions may differ)
    SearchPath path;
    Oid index;
    Oid index_collation;  // of the index's train column
    StrategyNumber train_strategy;
    RegProcedure train_procedure;
    bool pattern_key;  // the index's second column is a service pattern with &&
    StrategyNumber pattern_strategy;
    RegProcedure pattern_procedure;
    struct OpenScan* open_scan;  // the statement's index scan (index paths), in the same context
};

// The trigger's set-up for one statement, kept in fn_extra. Plain data only.
struct Config {
    Oid trigger_oid;
    Oid relid;       // the table the trigger fired on
    Oid lock_relid;  // the table the train locks are keyed by: the partition tree's root, or relid
    AttrNumber column[kRoleCount];  // 0: the table has no such column
    Oid type[kRoleCount];
    bool railway_schedules;  // the train number comes from railway.trains
    Oid trains_relid;        // railway.schedules: the train's row in railway.trains is the lock
    Oid trains_index;        // its primary key (an int4 btree on id)
    AttrNumber trains_kind;  // railway.trains.kind (text), which fills in train_kind; 0: none
    // The last train whose kind was read in this statement, and that kind (a text datum in the
    // statement's memory): a bulk insert reads each train's row once. A kind changed by another
    // transaction meanwhile is caught by schedules_train_kind_fkey at the end of the statement.
    bool kind_cached;
    int32 kind_train;
    Datum kind_value;
    int16 typlen[kRoleCount];
    bool typbyval[kRoleCount];
    Oid train_collation;
    FmgrInfo train_eq;    // for the heap path
    FmgrInfo train_hash;  // the advisory lock's key (fn_oid InvalidOid: hash 0)
    Oid pattern_type;
    int ntargets;
    Target* targets;  // in the same context
};

[[noreturn]] void config_error(const char* sqlstate, const std::string& message, const std::string& detail = {}) {
    throw Error(sqlstate, "railway.validate_schedule_trigger: " + message, detail, kArgumentHint);
}

bool is_integer_type(Oid type) { return type == INT2OID || type == INT4OID || type == INT8OID; }

int64_t integer_value(Oid type, Datum value) {
    switch (type) {
        case INT2OID: return DatumGetInt16(value);
        case INT4OID: return DatumGetInt32(value);
        default: return DatumGetInt64(value);
    }
}

// Checks a mapped column's type; every check here runs once per statement.
void check_type(const Config& config, int role, const char* column_name) {
    const Oid type = config.type[role];
    auto require = [&](bool ok, const char* expected) {
        if (!ok) {
            const char* type_name = format_type_be(type);  // before any std::string exists
            config_error("42804", std::string("column \"") + column_name + "\" (" + kRoleNames[role] +
                                      ") must be " + expected,
                         std::string("It is of type ") + type_name + ".");
        }
    };
    switch (role) {
        case kId: case kDepartureLocation: case kArrivalLocation:
            require(is_integer_type(type), "smallint, integer or bigint");
            break;
        case kScheduledDeparture: case kScheduledArrival: case kActualDeparture: case kActualArrival:
            require(type == TIMESTAMPOID, "timestamp (without time zone)");
            break;
        case kStartDate: case kEndDate:
            require(type == TIMESTAMPOID || type == DATEOID, "timestamp (without time zone) or date");
            break;
        case kIsCancelled: require(type == BOOLOID, "boolean"); break;
        case kTrainKind: require(type == TEXTOID || type == VARCHAROID, "text or varchar"); break;
        case kRunningDays: require(type == BOOLARRAYOID, "boolean[]"); break;
        default: break;  // train: any type with equality; status: any type (its text form)
    }
}

// Whether `clause` is `NOT <is_cancelled>` on the mapped is_cancelled column.
bool is_not_cancelled_clause(Node* clause, AttrNumber is_cancelled) {
    if (is_cancelled == 0 || !IsA(clause, BoolExpr)) return false;
    const BoolExpr* expr = reinterpret_cast<BoolExpr*>(clause);
    if (expr->boolop != NOT_EXPR || list_length(expr->args) != 1) return false;
    const Node* arg = static_cast<Node*>(linitial(expr->args));
    return IsA(arg, Var) && reinterpret_cast<const Var*>(arg)->varattno == is_cancelled &&
           reinterpret_cast<const Var*>(arg)->varlevelsup == 0;
}

// Whether `clause` is `<status> <> 'cancelled'` on the mapped status column (text or varchar),
// compared by pg_catalog's textne under a deterministic collation: exactly the test the trigger
// makes (a byte comparison with "cancelled").
bool is_status_clause(Node* clause, AttrNumber status) {
    if (status == 0 || !IsA(clause, OpExpr)) return false;
    const OpExpr* expr = reinterpret_cast<OpExpr*>(clause);
    if (list_length(expr->args) != 2 || get_opcode(expr->opno) != F_TEXTNE) return false;
    if (OidIsValid(expr->inputcollid) && !get_collation_isdeterministic(expr->inputcollid)) return false;
    const Node* left = static_cast<Node*>(linitial(expr->args));
    const Node* right = static_cast<Node*>(lsecond(expr->args));
    if (IsA(left, RelabelType)) left = reinterpret_cast<const Node*>(reinterpret_cast<const RelabelType*>(left)->arg);
    if (!IsA(left, Var) || reinterpret_cast<const Var*>(left)->varattno != status ||
        reinterpret_cast<const Var*>(left)->varlevelsup != 0 || !IsA(right, Const)) {
        return false;
    }
    const Const* value = reinterpret_cast<const Const*>(right);
    if (value->constisnull || value->consttype != TEXTOID) return false;
    const text* cancelled = DatumGetTextPP(value->constvalue);
    return VARSIZE_ANY_EXHDR(cancelled) == 9 && std::memcmp(VARDATA_ANY(cancelled), "cancelled", 9) == 0;
}

// Whether an index holds every row the trigger must compare with: it has no predicate, or its
// predicate is made only of the cancellation tests railway's own constraint uses
// (NOT is_cancelled, status <> 'cancelled'), which every active row passes. Any other
// predicate (a user's WHERE (depot = 'north')) leaves rows out: such an index is not used.
bool index_covers_active_rows(Relation index, const AttrNumber* column) {
    if (heap_attisnull(index->rd_indextuple, Anum_pg_index_indpred, nullptr)) return true;
    List* predicate = RelationGetIndexPredicate(index);  // implicitly ANDed clauses
    ListCell* cell;
    foreach (cell, predicate) {
        Node* clause = static_cast<Node*>(lfirst(cell));
        if (!is_not_cancelled_clause(clause, column[kIsCancelled]) && !is_status_clause(clause, column[kStatus])) {
            return false;
        }
    }
    return true;
}

// Picks how to find a train's rows in one table: the exclusion constraint's GiST index on
// (train, pattern), else a valid btree index whose first column is the train, else a heap scan;
// only an index that holds every active row (see index_covers_active_rows).
void choose_search_path(const Config& config, Target& target, Relation relation) {
    target.path = SearchPath::kHeap;
    List* indexes = RelationGetIndexList(relation);
    ListCell* cell;
    foreach (cell, indexes) {
        const Oid index_oid = lfirst_oid(cell);
        Relation index = index_open(index_oid, AccessShareLock);
        const Form_pg_index form = index->rd_index;
        const bool usable = form->indisvalid && form->indisready && form->indislive &&
                            form->indnkeyatts >= 1 && form->indkey.values[0] == target.column[kTrain] &&
                            index_covers_active_rows(index, target.column);
        if (usable && form->indisexclusion && index->rd_rel->relam == GIST_AM_OID) {
            Oid* operators;
            Oid* procedures;
            uint16* strategies;
            RelationGetExclusionInfo(index, &operators, &procedures, &strategies);
            target.path = SearchPath::kExclusionIndex;
            target.index = index_oid;
            target.index_collation = index->rd_indcollation[0];
            target.train_strategy = strategies[0];
            target.train_procedure = procedures[0];
            target.pattern_key = form->indnkeyatts >= 2 && form->indkey.values[1] == 0 &&
                                 index->rd_opcintype[1] == config.pattern_type &&
                                 strategies[1] == RTOverlapStrategyNumber;
            if (target.pattern_key) {
                target.pattern_strategy = strategies[1];
                target.pattern_procedure = procedures[1];
            }
            index_close(index, AccessShareLock);
            break;
        }
        if (usable && target.path == SearchPath::kHeap && index->rd_rel->relam == BTREE_AM_OID) {
            const Oid op = get_opfamily_member(index->rd_opfamily[0], index->rd_opcintype[0],
                                               index->rd_opcintype[0], BTEqualStrategyNumber);
            if (OidIsValid(op)) {
                target.path = SearchPath::kTrainIndex;
                target.index = index_oid;
                target.index_collation = index->rd_indcollation[0];
                target.train_strategy = BTEqualStrategyNumber;
                target.train_procedure = get_opcode(op);
                target.pattern_key = false;
            }
        }
        index_close(index, AccessShareLock);
    }
    list_free(indexes);
}

// The attribute numbers of the mapped columns in another table of the same partition tree
// (same names and types, perhaps other positions).
void map_columns(const Config& config, Relation relation, AttrNumber* column) {
    const TupleDesc own = RelationGetDescr(relation);
    for (int role = 0; role < kRoleCount; ++role) {
        column[role] = 0;
        if (config.column[role] == 0) continue;
        // The name, as the trigger's table has it.
        const char* name = get_attname(config.relid, config.column[role], false);
        for (int a = 0; a < own->natts; ++a) {
            const Form_pg_attribute attribute = TupleDescAttr(own, a);
            if (!attribute->attisdropped && std::strcmp(NameStr(attribute->attname), name) == 0) {
                column[role] = attribute->attnum;
            }
        }
        if (column[role] == 0) {
            elog(ERROR, "railway.validate_schedule_trigger: partition \"%s\" has no column \"%s\"",
                 RelationGetRelationName(relation), name);
        }
    }
}

// The tables to search: the trigger's own, or every leaf of the partition tree it belongs to.
// Partitions that are foreign tables cannot be scanned and are left out.
void build_targets(Config& config, Relation relation, MemoryContext context) {
    List* leaves = NIL;
    config.lock_relid = config.relid;
    if (relation->rd_rel->relispartition) {
        List* ancestors = get_partition_ancestors(config.relid);
        config.lock_relid = llast_oid(ancestors);
        List* tree = find_all_inheritors(config.lock_relid, AccessShareLock, nullptr);
        ListCell* cell;
        foreach (cell, tree) {
            const Oid member = lfirst_oid(cell);
            if (get_rel_relkind(member) == RELKIND_RELATION) leaves = lappend_oid(leaves, member);
        }
    } else {
        leaves = list_make1_oid(config.relid);
    }
    config.ntargets = list_length(leaves);
    config.targets = static_cast<Target*>(MemoryContextAllocZero(context, sizeof(Target) * config.ntargets));
    for (int i = 0; i < config.ntargets; ++i) {
        Target& target = config.targets[i];
        target.relid = list_nth_oid(leaves, i);
        if (target.relid == config.relid) {
            std::memcpy(target.column, config.column, sizeof target.column);
            choose_search_path(config, target, relation);
        } else {
            Relation other = table_open(target.relid, AccessShareLock);
            map_columns(config, other, target.column);
            choose_search_path(config, target, other);
            table_close(other, NoLock);
        }
    }
}

// Resolves the trigger arguments against the table. Throws on a bad mapping.
void build_config(Config& config, const TriggerData* trigger, MemoryContext context) {
    Relation relation = trigger->tg_relation;
    const TupleDesc descriptor = RelationGetDescr(relation);
    config.trigger_oid = trigger->tg_trigger->tgoid;
    config.relid = RelationGetRelid(relation);

    // Each role defaults to the column of the same name, if there is one.
    const char* names[kRoleCount];
    for (int role = 0; role < kRoleCount; ++role) names[role] = kRoleNames[role];
    for (int i = 0; i < trigger->tg_trigger->tgnargs; ++i) {
        const char* argument = trigger->tg_trigger->tgargs[i];
        const char* equals = std::strchr(argument, '=');
        if (equals == nullptr) config_error("22023", std::string("argument \"") + argument + "\" is not role=column");
        const std::string role_name(argument, equals - argument);
        int role = 0;
        while (role < kRoleCount && role_name != kRoleNames[role]) ++role;
        if (role == kRoleCount) config_error("22023", "unknown role \"" + role_name + "\"");
        names[role] = equals + 1;
    }
    for (int role = 0; role < kRoleCount; ++role) {
        config.column[role] = 0;
        config.type[role] = InvalidOid;
        if (names[role][0] == '\0') {
            if (kRequired[role]) config_error("22023", std::string("role ") + kRoleNames[role] + " is required");
            continue;
        }
        for (int a = 0; a < descriptor->natts; ++a) {
            const Form_pg_attribute attribute = TupleDescAttr(descriptor, a);
            if (!attribute->attisdropped && std::strcmp(NameStr(attribute->attname), names[role]) == 0) {
                config.column[role] = attribute->attnum;
                config.type[role] = attribute->atttypid;
                config.typlen[role] = attribute->attlen;
                config.typbyval[role] = attribute->attbyval;
                if (role == kTrain) config.train_collation = attribute->attcollation;
            }
        }
        if (config.column[role] == 0) {
            // A default name that the table lacks leaves an optional role unmapped.
            const bool explicit_argument = names[role] != kRoleNames[role];
            if (explicit_argument || kRequired[role]) {
                config_error("42703", std::string("column \"") + names[role] + "\" (" + kRoleNames[role] +
                                          ") does not exist in " + RelationGetRelationName(relation));
            }
            continue;
        }
        check_type(config, role, names[role]);
    }
    if (config.column[kEndDate] != 0 && config.column[kStartDate] == 0) {
        config_error("22023", "effective_end_date needs effective_start_date");
    }

    const Oid railway = get_namespace_oid("railway", false);
    config.railway_schedules = RelationGetNamespace(relation) == railway &&
                               std::strcmp(RelationGetRelationName(relation), "schedules") == 0;
    config.pattern_type = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum("service_pattern"),
                                          ObjectIdGetDatum(railway));

    TypeCacheEntry* train_type =
        lookup_type_cache(config.type[kTrain], TYPECACHE_EQ_OPR_FINFO | TYPECACHE_HASH_PROC_FINFO);
    if (!OidIsValid(train_type->eq_opr_finfo.fn_oid)) {
        const char* type_name = format_type_be(config.type[kTrain]);
        config_error("42883", std::string("the train column's type ") + type_name + " has no equality operator");
    }
    fmgr_info_copy(&config.train_eq, &train_type->eq_opr_finfo, context);
    if (OidIsValid(train_type->hash_proc_finfo.fn_oid)) {
        fmgr_info_copy(&config.train_hash, &train_type->hash_proc_finfo, context);
    } else {
        config.train_hash.fn_oid = InvalidOid;
    }
    // railway.schedules locks the train's row in railway.trains (through its primary key on an
    // integer id); any other table, or a railway.trains without that key, an advisory lock.
    config.trains_relid = InvalidOid;
    config.trains_index = InvalidOid;
    if (config.railway_schedules && config.type[kTrain] == INT4OID) {
        const Oid trains = get_relname_relid("trains", railway);
        if (OidIsValid(trains) && get_rel_relkind(trains) == RELKIND_RELATION) {
            Relation trains_relation = table_open(trains, AccessShareLock);
            const Oid key = RelationGetPrimaryKeyIndex(trains_relation);
            if (OidIsValid(key)) {
                Relation index = index_open(key, AccessShareLock);
                const AttrNumber id = get_attnum(trains, "id");
                if (index->rd_rel->relam == BTREE_AM_OID && index->rd_index->indnkeyatts == 1 &&
                    index->rd_index->indkey.values[0] == id && id != InvalidAttrNumber &&
                    index->rd_opcintype[0] == INT4OID && get_atttype(trains, id) == INT4OID) {
                    config.trains_relid = trains;
                    config.trains_index = key;
                    const AttrNumber kind = get_attnum(trains, "kind");
                    config.trains_kind =
                        config.column[kTrainKind] != 0 && kind != InvalidAttrNumber && get_atttype(trains, kind) == TEXTOID
                            ? kind
                            : 0;
                }
                index_close(index, AccessShareLock);
            }
            table_close(trains_relation, AccessShareLock);
        }
    }
    build_targets(config, relation, context);
}

// The index scan of the conflict search, kept open for the rows of one statement:
// index_beginscan() of a GiST index costs about as much as the search itself (it zeroes a
// 12 kB work area and sets up every support function), so the trigger begins one scan per
// statement and table searched, and rescans it for each row.
//   - Its buffer pins, relcache and tuple descriptor references belong to a resource owner
//     of its own, a child of the (sub)transaction's owner, and its memory to a context of
//     its own under the (sub)transaction's CurTransactionContext: both outlive the portal that
//     runs the statement, never the (sub)transaction that began the scan. (Under
//     TopTransactionContext, a PL/pgSQL loop that catches 23P01 kept 55 kB per refused row
//     until commit.)
//   - It is ended when the statement's memory (the trigger's fn_mcxt) goes, or just before
//     the (sub)transaction that began it commits (XactCallback / SubXactCallback), whichever
//     comes first; on abort the resource owner has already released what it held, the
//     (sub)transaction's memory goes with its context, and the scan is only forgotten.
struct OpenScan {
    OpenScan* next;  // in open_scans while live
    bool live;
    SubTransactionId subxact;  // the (sub)transaction that began it
    ResourceOwner owner;
    MemoryContext memory;
    Relation heap;  // the table searched (its own reference, held by `owner`)
    Relation index;
    IndexScanDesc scan;
    TupleTableSlot* slot;
    SnapshotData dirty;
    MemoryContextCallback on_statement_end;
};
OpenScan* open_scans = nullptr;

void unlink_scan(OpenScan* open) {
    for (OpenScan** link = &open_scans; *link != nullptr; link = &(*link)->next) {
        if (*link == open) {
            *link = open->next;
            break;
        }
    }
    open->next = nullptr;
    open->live = false;
}

// Runs `call` with `owner` as the current resource owner. A PostgreSQL error or a C++
// exception thrown by `call` always ends in an abort, which resets the current owner itself;
// the catch only keeps the owner right for C++ code on the way there.
template <typename Call>
void with_owner(ResourceOwner owner, Call&& call) {
    ResourceOwner const saved = CurrentResourceOwner;
    CurrentResourceOwner = owner;
    try {
        call();
    } catch (...) {
        CurrentResourceOwner = saved;
        throw;
    }
    CurrentResourceOwner = saved;
}

// Ends a live scan and releases its resource owner (the transaction is healthy).
void close_scan(OpenScan* open) {
    unlink_scan(open);
    with_owner(open->owner, [&] {
        index_endscan(open->scan);
        ExecDropSingleTupleTableSlot(open->slot);
        index_close(open->index, NoLock);
        table_close(open->heap, NoLock);
    });
    // As PortalDrop does: the lock on the index passes to the parent owner.
    ResourceOwnerRelease(open->owner, RESOURCE_RELEASE_BEFORE_LOCKS, true, false);
    ResourceOwnerRelease(open->owner, RESOURCE_RELEASE_LOCKS, true, false);
    ResourceOwnerRelease(open->owner, RESOURCE_RELEASE_AFTER_LOCKS, true, false);
    ResourceOwnerDelete(open->owner);
    MemoryContextDelete(open->memory);
}

void on_statement_end(void* argument) {
    auto* open = static_cast<OpenScan*>(argument);
    if (open->live) close_scan(open);
}

void on_transaction_event(XactEvent event, void*) {
    const bool healthy = event == XACT_EVENT_PRE_COMMIT || event == XACT_EVENT_PARALLEL_PRE_COMMIT ||
                         event == XACT_EVENT_PRE_PREPARE;
    while (open_scans != nullptr) {
        if (healthy) {
            close_scan(open_scans);
        } else {
            unlink_scan(open_scans);  // abort: already released by the resource owners
        }
    }
}

void on_subtransaction_event(SubXactEvent event, SubTransactionId subxact, SubTransactionId, void*) {
    if (event != SUBXACT_EVENT_PRE_COMMIT_SUB && event != SUBXACT_EVENT_ABORT_SUB) return;
    for (OpenScan* open = open_scans; open != nullptr;) {
        OpenScan* next = open->next;
        if (open->subxact >= subxact) {
            if (event == SUBXACT_EVENT_PRE_COMMIT_SUB) {
                close_scan(open);
            } else {
                unlink_scan(open);
            }
        }
        open = next;
    }
}

OpenScan* new_open_scan(MemoryContext statement_memory) {
    static bool callbacks_registered = false;
    return pg_guarded([&] {
        if (!callbacks_registered) {
            RegisterXactCallback(on_transaction_event, nullptr);
            RegisterSubXactCallback(on_subtransaction_event, nullptr);
            callbacks_registered = true;
        }
        auto* open = static_cast<OpenScan*>(MemoryContextAllocZero(statement_memory, sizeof(OpenScan)));
        open->on_statement_end.func = on_statement_end;
        open->on_statement_end.arg = open;
        MemoryContextRegisterResetCallback(statement_memory, &open->on_statement_end);
        return open;
    });
}

// Begins the statement's scan of `target` if it is not open. Runs inside pg_guarded.
void ensure_open(const Target& target, OpenScan* open, int nkeys) {
    if (open->live) return;
    open->owner = ResourceOwnerCreate(CurTransactionResourceOwner, "railway conflict search");
    open->memory = AllocSetContextCreate(CurTransactionContext, "railway conflict search", ALLOCSET_SMALL_SIZES);
    MemoryContext saved = MemoryContextSwitchTo(open->memory);
    with_owner(open->owner, [&] {
        InitDirtySnapshot(open->dirty);
        open->heap = table_open(target.relid, AccessShareLock);
        open->index = index_open(target.index, RowExclusiveLock);
        open->slot = table_slot_create(open->heap, nullptr);
        open->scan = index_beginscan(open->heap, open->index, &open->dirty, nkeys, 0);
    });
    MemoryContextSwitchTo(saved);
    open->subxact = GetCurrentSubTransactionId();
    open->live = true;
    open->next = open_scans;
    open_scans = open;
}

const Config& config_for(FunctionCallInfo fcinfo, const TriggerData* trigger) {
    auto* config = static_cast<Config*>(fcinfo->flinfo->fn_extra);
    if (config != nullptr && config->trigger_oid == trigger->tg_trigger->tgoid &&
        config->relid == RelationGetRelid(trigger->tg_relation)) {
        return *config;
    }
    // Built in a local first: a bad mapping throws before anything is kept.
    Config built{};
    MemoryContext context = fcinfo->flinfo->fn_mcxt;
    pg_guarded([&] { build_config(built, trigger, context); });
    config = static_cast<Config*>(pg_guarded([&] { return MemoryContextAlloc(context, sizeof(Config)); }));
    *config = built;
    for (int i = 0; i < config->ntargets; ++i) {
        if (config->targets[i].path != SearchPath::kHeap) config->targets[i].open_scan = new_open_scan(context);
    }
    fcinfo->flinfo->fn_extra = config;
    return *config;
}

// A row's values, as the rules and the conflict search see them.
struct RowValues {
    bool null[kRoleCount];
    Datum value[kRoleCount];
};

// Reads the mapped columns (`column`: the attribute numbers of the slot's table).
RowValues read_row(const AttrNumber* column, TupleTableSlot* slot) {
    RowValues row{};
    for (int role = 0; role < kRoleCount; ++role) {
        row.null[role] = true;
        if (column[role] != 0) {
            row.value[role] = pg_guarded([&] { return slot_getattr(slot, column[role], &row.null[role]); });
        }
    }
    return row;
}

[[noreturn]] void null_error(const Config& config, const TriggerData* trigger, int role) {
    const TupleDesc descriptor = RelationGetDescr(trigger->tg_relation);
    const char* column = NameStr(TupleDescAttr(descriptor, config.column[role] - 1)->attname);
    throw Error(sqlstate::not_null_violation, std::string(column) + " must not be NULL",
                std::string("Every schedule needs its ") + kRoleNames[role] + ".",
                role == kTrain ? "Give the id of the train that runs the service."
                : role == kDepartureLocation || role == kArrivalLocation
                    ? "Give the id of a location (railway.locations)."
                    : "Only effective_end_date (open-ended), the actual times and optional columns may be NULL.");
}

int64_t timestamp_of(Oid type, Datum value) {
    if (type == DATEOID) {
        const DateADT date = DatumGetDateADT(value);
        if (DATE_IS_NOBEGIN(date)) return kTimestampMinusInfinity;
        if (DATE_IS_NOEND(date)) return kTimestampInfinity;
        return static_cast<int64_t>(date) * kUsecPerDay;
    }
    return DatumGetTimestamp(value);
}

bool is_text_type(Oid type) { return type == TEXTOID || type == VARCHAROID; }

// The text of the status column, in the current memory context.
std::string_view status_text(Oid type, Datum value) {
    if (is_text_type(type)) return text_view(pg_guarded([&] { return DatumGetTextPP(value); }));
    return pg_guarded([&] {
        Oid output;
        bool varlena;
        getTypeOutputInfo(type, &output, &varlena);
        return static_cast<const char*>(OidOutputFunctionCall(output, value));
    });
}

// Checks every rule but the conflict; returns the row and its pattern.
struct CheckedRow {
    ScheduleRow row;
    ServicePattern pattern;
};

CheckedRow check_row(const Config& config, const TriggerData* trigger, const RowValues& v) {
    for (int role : {kTrain, kDepartureLocation, kArrivalLocation, kScheduledDeparture, kScheduledArrival,
                     kRunningDays, kStartDate, kStatus, kIsCancelled}) {
        if (config.column[role] != 0 && v.null[role]) null_error(config, trigger, role);
    }
    CheckedRow checked{};
    ScheduleRow& row = checked.row;
    row.scheduled_departure = DatumGetTimestamp(v.value[kScheduledDeparture]);
    row.scheduled_arrival = DatumGetTimestamp(v.value[kScheduledArrival]);
    if (config.column[kRunningDays] != 0) {
        row.running_days = day_mask_from_datum(v.value[kRunningDays]);  // detoasts (guarded) if needed
    } else {
        row.running_days = kAllDays;
    }
    if (config.column[kStartDate] != 0) {
        row.effective_start_date = timestamp_of(config.type[kStartDate], v.value[kStartDate]);
        if (config.column[kEndDate] != 0 && !v.null[kEndDate]) {
            row.effective_end_date = timestamp_of(config.type[kEndDate], v.value[kEndDate]);
        }
    } else {
        // No effective dates: one run, on the date of scheduled_departure.
        row.effective_start_date = row.scheduled_departure;
        row.effective_end_date = row.scheduled_departure;
    }
    if (config.column[kStatus] != 0) row.status = status_text(config.type[kStatus], v.value[kStatus]);
    if (config.column[kIsCancelled] != 0) row.is_cancelled = DatumGetBool(v.value[kIsCancelled]);
    if (config.column[kDepartureLocation] != 0) {
        row.departure_location_id = integer_value(config.type[kDepartureLocation], v.value[kDepartureLocation]);
    }
    if (config.column[kArrivalLocation] != 0) {
        row.arrival_location_id = integer_value(config.type[kArrivalLocation], v.value[kArrivalLocation]);
    }
    if (config.column[kActualDeparture] != 0 && !v.null[kActualDeparture]) {
        row.actual_departure = DatumGetTimestamp(v.value[kActualDeparture]);
    }
    if (config.column[kActualArrival] != 0 && !v.null[kActualArrival]) {
        row.actual_arrival = DatumGetTimestamp(v.value[kActualArrival]);
    }
    checked.pattern = check_schedule_rules(row);
    return checked;
}

// Whether an UPDATE changed what the conflict rule depends on (train, timing and train kind
// columns: a kind changed by railway.trains cascades here and is re-checked), by
// the stored bytes: a change in representation only costs a search.
bool timing_changed(const Config& config, const RowValues& old_row, const RowValues& new_row) {
    for (int role : {kTrain, kScheduledDeparture, kScheduledArrival, kRunningDays, kStartDate, kEndDate, kTrainKind}) {
        if (config.column[role] == 0) continue;
        if (old_row.null[role] != new_row.null[role]) return true;
        if (old_row.null[role]) continue;
        const bool equal = pg_guarded([&] {
            return datumIsEqual(old_row.value[role], new_row.value[role], config.typbyval[role], config.typlen[role]);
        });
        if (!equal) return true;
    }
    return false;
}

// Whether a row read by the search is active (not cancelled by either column).
bool row_is_active(const Config& config, const RowValues& v) {
    if (config.column[kIsCancelled] != 0 && !v.null[kIsCancelled] && DatumGetBool(v.value[kIsCancelled])) {
        return false;
    }
    if (config.column[kStatus] != 0 && !v.null[kStatus]) {
        return status_text(config.type[kStatus], v.value[kStatus]) != "cancelled";
    }
    return true;
}

// The kind named by a train_kind value: nullopt for anything but 'numbered' and 'vehicle'.
std::optional<TrainKind> kind_of_value(const Config& config, Datum value) {
    const std::string_view text = status_text(config.type[kTrainKind], value);
    return parse_kind(text);
}

// The kind of a stored row's train: a vehicle (the rule of railway 1.0) when the table has no
// train_kind column or the value is not a kind (a row written with the trigger disabled).
TrainKind stored_kind(const Config& config, const RowValues& v) {
    if (config.column[kTrainKind] == 0 || v.null[kTrainKind]) return TrainKind::kVehicle;
    return kind_of_value(config, v.value[kTrainKind]).value_or(TrainKind::kVehicle);
}

// The kind of the new row's train; its train_kind value must name one.
TrainKind new_row_kind(const Config& config, const TriggerData* trigger, const RowValues& v) {
    if (config.column[kTrainKind] == 0) return TrainKind::kVehicle;
    if (v.null[kTrainKind]) null_error(config, trigger, kTrainKind);
    const std::optional<TrainKind> kind = kind_of_value(config, v.value[kTrainKind]);
    if (!kind) {
        throw Error(sqlstate::check_violation, "train_kind must be 'numbered' or 'vehicle'",
                    "It is '" + std::string(status_text(config.type[kTrainKind], v.value[kTrainKind])) + "'.",
                    "A numbered train's runs conflict when they depart on the same date and overlap; a "
                    "vehicle's whenever they overlap.");
    }
    return *kind;
}

// The pattern of a stored row, nullopt when it has none (a row stored before the trigger, or
// with the trigger disabled, may break the rules; it then cannot be compared).
std::optional<ServicePattern> stored_pattern(const Config& config, const RowValues& v) {
    for (int role : {kScheduledDeparture, kScheduledArrival, kRunningDays, kStartDate}) {
        if (config.column[role] != 0 && v.null[role]) return std::nullopt;
    }
    try {
        DayMask days = kAllDays;
        if (config.column[kRunningDays] != 0) {
            days = day_mask_from_datum(v.value[kRunningDays]);  // no copy of an inline array
        }
        const int64_t departure = DatumGetTimestamp(v.value[kScheduledDeparture]);
        int64_t start = departure;
        std::optional<int64_t> end = departure;
        if (config.column[kStartDate] != 0) {
            start = timestamp_of(config.type[kStartDate], v.value[kStartDate]);
            end = std::nullopt;
            if (config.column[kEndDate] != 0 && !v.null[kEndDate]) {
                end = timestamp_of(config.type[kEndDate], v.value[kEndDate]);
            }
        }
        return make_pattern(departure, DatumGetTimestamp(v.value[kScheduledArrival]), days, start, end,
                            stored_kind(config, v));
    } catch (const Error&) {
        return std::nullopt;
    }
}

// The conflict found by a search: the other row with the earliest first window.
struct Found {
    bool found;
    Datum other_id;  // by value (an integer)
    Window first;
};

// Train locks on a table other than railway.schedules (see lock_train): one advisory lock per
// train, keyed by (table, 32-bit hash of the train), class kLockClass; a transaction that has
// taken kTrainLocksPerTable of them on one table takes instead one lock on the whole table
// (class kTableLockClass, exclusive), so that a bulk load holds a bounded number of entries
// of PostgreSQL's shared lock table. Every writer holds the table lock in RowExclusiveLock
// (compatible with itself, not with the exclusive one), so the whole-table lock excludes the
// writers of every train.
struct TableLockCount {
    LocalTransactionId transaction;
    Oid relid;
    uint32 train_locks;
};
TableLockCount table_lock_counts[8];

// This transaction's count of train locks on `relid`; nullptr when the table is not counted
// (more than 8 tables in one transaction: those take the whole-table lock at once).
uint32* train_lock_count(Oid relid) {
    const LocalTransactionId now = MyProc->lxid;
    TableLockCount* free_slot = nullptr;
    for (TableLockCount& count : table_lock_counts) {
        if (count.transaction == now && count.relid == relid) return &count.train_locks;
        if (count.transaction != now && free_slot == nullptr) free_slot = &count;
    }
    if (free_slot == nullptr) return nullptr;
    *free_slot = TableLockCount{now, relid, 0};
    return &free_slot->train_locks;
}

// The advisory lock on the train (held to the end of the transaction). Runs inside pg_guarded.
void lock_train_advisory(const Config& config, Datum train) {
    LOCKTAG table_tag;
    SET_LOCKTAG_ADVISORY(table_tag, MyDatabaseId, config.lock_relid, 0, kTableLockClass);
    uint32* count = train_lock_count(config.lock_relid);
    if (count == nullptr || *count >= kTrainLocksPerTable) {
        (void)LockAcquire(&table_tag, ExclusiveLock, false, false);
        return;
    }
    (void)LockAcquire(&table_tag, RowExclusiveLock, false, false);
    uint32 hash = 0;
    if (OidIsValid(config.train_hash.fn_oid)) {
        hash = DatumGetUInt32(
            FunctionCall1Coll(const_cast<FmgrInfo*>(&config.train_hash), config.train_collation, train));
    }
    LOCKTAG tag;
    SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, config.lock_relid, hash, kLockClass);
    if (LockAcquire(&tag, ExclusiveLock, false, false) == LOCKACQUIRE_OK) ++*count;
}

// railway.schedules: locks the train's row in railway.trains FOR NO KEY UPDATE, to the end of
// the transaction, as SELECT ... FOR NO KEY UPDATE would (its latest version, whatever the
// isolation level: this is a lock, not a read). Row locks live in the tuple, not in the shared
// lock table. They do not conflict with the KEY SHARE lock of the foreign key checks; they do
// make an UPDATE or DELETE of that train wait for the writer's transaction. Returns false when
// the train has no live row (the foreign key will refuse the schedule; the caller then takes
// the advisory lock). Runs inside pg_guarded.
bool lock_train_row(const Config& config, Datum train) {
    Relation trains = table_open(config.trains_relid, RowShareLock);
    Relation index = index_open(config.trains_index, AccessShareLock);
    Snapshot snapshot = GetLatestSnapshot();
    TupleTableSlot* slot = table_slot_create(trains, nullptr);
    ScanKeyData key;
    ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT4EQ, train);
    IndexScanDesc scan = index_beginscan(trains, index, snapshot, 1, 0);
    index_rescan(scan, &key, 1, nullptr, 0);
    ItemPointerData tid;
    const bool found = index_getnext_slot(scan, ForwardScanDirection, slot);
    if (found) tid = slot->tts_tid;
    index_endscan(scan);
    TM_Result result = TM_Invisible;
    if (found) {
        TM_FailureData failure;
        result = table_tuple_lock(trains, &tid, snapshot, slot, GetCurrentCommandId(true), LockTupleNoKeyExclusive,
                                  LockWaitBlock, TUPLE_LOCK_FLAG_FIND_LAST_VERSION, &failure);
    }
    ExecDropSingleTupleTableSlot(slot);
    index_close(index, NoLock);
    table_close(trains, NoLock);
    return result == TM_Ok;
}

// railway.schedules: the kind of the train (railway.trains.kind) as a text datum in
// result_context, read through the primary key with the latest snapshot; false when the train has no
// row (the foreign keys refuse the schedule then). A plain read: schedules_train_kind_fkey checks
// (train_id, train_kind) at the end of the statement and keeps it in step afterwards, so a kind
// changed in between makes the statement fail, never a stale copy. Runs inside pg_guarded.
bool read_train_kind(const Config& config, Datum train, Datum* kind, MemoryContext result_context) {
    Relation trains = table_open(config.trains_relid, AccessShareLock);
    Relation index = index_open(config.trains_index, AccessShareLock);
    TupleTableSlot* slot = table_slot_create(trains, nullptr);
    ScanKeyData key;
    ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_INT4EQ, train);
    IndexScanDesc scan = index_beginscan(trains, index, GetLatestSnapshot(), 1, 0);
    index_rescan(scan, &key, 1, nullptr, 0);
    bool found = index_getnext_slot(scan, ForwardScanDirection, slot);
    if (found) {
        bool is_null = true;
        const Datum value = slot_getattr(slot, config.trains_kind, &is_null);
        found = !is_null;
        if (found) {
            MemoryContext saved = MemoryContextSwitchTo(result_context);
            *kind = PointerGetDatum(DatumGetTextPCopy(value));
            MemoryContextSwitchTo(saved);
        }
    }
    index_endscan(scan);
    ExecDropSingleTupleTableSlot(slot);
    index_close(index, NoLock);
    table_close(trains, NoLock);
    return found;
}

// Serializes the writers of one train (to the end of the transaction), so that two sessions
// writing the same train queue here instead of racing in the search. Runs inside pg_guarded.
void lock_train(const Config& config, Datum train) {
    if (OidIsValid(config.trains_relid) && lock_train_row(config, train)) return;
    lock_train_advisory(config, train);
}

// Looks at one row the search returned: true when the scan must wait for the transaction
// `*wait_for` (it wrote a conflicting row and is still in progress); otherwise keeps in
// `found` the conflicting row with the earliest first window (then the smallest id).
bool examine(const Config& config, const Target& target, TupleTableSlot* slot, const SnapshotData& dirty,
             Datum train, const ServicePattern& pattern, ItemPointer self, Found& found, TransactionId* wait_for) {
    if (self != nullptr && target.relid == config.relid && ItemPointerEquals(&slot->tts_tid, self)) return false;
    const RowValues other = read_row(target.column, slot);
    if (other.null[kTrain] ||
        !DatumGetBool(FunctionCall2Coll(const_cast<FmgrInfo*>(&config.train_eq), config.train_collation,
                                        other.value[kTrain], train))) {
        return false;
    }
    if (!row_is_active(config, other)) return false;
    const std::optional<ServicePattern> other_pattern = stored_pattern(config, other);
    if (!other_pattern || !conflicts(pattern, *other_pattern)) return false;
    *wait_for = TransactionIdIsValid(dirty.xmin) ? dirty.xmin : dirty.xmax;
    if (TransactionIdIsValid(*wait_for)) return true;
    const Window window = *first_conflict(pattern, *other_pattern);
    if (!found.found || window.start_us < found.first.start_us ||
        (window.start_us == found.first.start_us &&
         integer_value(config.type[kId], other.value[kId]) < integer_value(config.type[kId], found.other_id))) {
        found = Found{true, other.null[kId] ? Datum(0) : other.value[kId], window};
    }
    return false;
}

// Rows examined between two interrupt checks.
constexpr uint32 kRowsPerInterruptCheck = 256;

// Scans the train's rows of one table through the statement's open index scan (see the file
// comment). Runs inside pg_guarded: no C++ object with a destructor lives in this frame.
void search_index(const Config& config, const Target& target, Datum train, const ServicePattern& pattern,
                  ItemPointer self, Found& found) {
    OpenScan* open = target.open_scan;
    ScanKeyData keys[2];
    int nkeys = 0;
    ScanKeyEntryInitialize(&keys[nkeys++], 0, 1, target.train_strategy, InvalidOid, target.index_collation,
                           target.train_procedure, train);
    if (target.pattern_key) {
        ScanKeyEntryInitialize(&keys[nkeys++], 0, 2, target.pattern_strategy, InvalidOid, InvalidOid,
                               target.pattern_procedure, PointerGetDatum(&pattern));
    }
    ensure_open(target, open, nkeys);
    const Found before = found;
    for (bool restart = true; restart;) {
        restart = false;
        found = before;
        TransactionId wait_for = InvalidTransactionId;
        ItemPointerData wait_tid;
        with_owner(open->owner, [&] {
            index_rescan(open->scan, keys, nkeys, nullptr, 0);
            for (uint32 rows = 1; index_getnext_slot(open->scan, ForwardScanDirection, open->slot); ++rows) {
                if (rows % kRowsPerInterruptCheck == 0) CHECK_FOR_INTERRUPTS();
                if (examine(config, target, open->slot, open->dirty, train, pattern, self, found, &wait_for)) {
                    wait_tid = open->slot->tts_tid;
                    break;
                }
            }
            // Nothing stays pinned between rows: the slot's and the heap fetch's buffers go now.
            ExecClearTuple(open->slot);
            table_index_fetch_reset(open->scan->xs_heapfetch);
        });
        if (TransactionIdIsValid(wait_for)) {
            // Written by a transaction still in progress: wait for it, then look again.
            XactLockTableWait(wait_for, open->heap, &wait_tid, XLTW_RecheckExclusionConstr);
            restart = true;
        }
    }
}

// Scans a whole table (no usable index), anew for each row. Runs inside pg_guarded.
void search_heap(const Config& config, const Target& target, Datum train, const ServicePattern& pattern,
                 ItemPointer self, Found& found) {
    Relation relation = table_open(target.relid, AccessShareLock);
    SnapshotData dirty;
    InitDirtySnapshot(dirty);
    TupleTableSlot* slot = table_slot_create(relation, nullptr);
    const Found before = found;
    for (bool restart = true; restart;) {
        restart = false;
        found = before;
        TransactionId wait_for = InvalidTransactionId;
        ItemPointerData wait_tid;
        TableScanDesc heap_scan = table_beginscan(relation, &dirty, 0, nullptr);
        for (uint32 rows = 1; table_scan_getnextslot(heap_scan, ForwardScanDirection, slot); ++rows) {
            if (rows % kRowsPerInterruptCheck == 0) CHECK_FOR_INTERRUPTS();
            if (examine(config, target, slot, dirty, train, pattern, self, found, &wait_for)) {
                wait_tid = slot->tts_tid;
                break;
            }
        }
        ExecClearTuple(slot);
        table_endscan(heap_scan);
        if (TransactionIdIsValid(wait_for)) {
            XactLockTableWait(wait_for, relation, &wait_tid, XLTW_RecheckExclusionConstr);
            restart = true;
        }
    }
    ExecDropSingleTupleTableSlot(slot);
    table_close(relation, NoLock);
}

// Locks the train and searches every table of `config` for a conflict. Runs inside pg_guarded.
Found search(const Config& config, Datum train, const ServicePattern& pattern, ItemPointer self) {
    lock_train(config, train);
    Found found{};
    for (int i = 0; i < config.ntargets; ++i) {
        CHECK_FOR_INTERRUPTS();
        const Target& target = config.targets[i];
        if (target.path == SearchPath::kHeap) {
            search_heap(config, target, train, pattern, self, found);
        } else {
            search_index(config, target, train, pattern, self, found);
        }
    }
    return found;
}

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
}  // namespace railway::pg

using namespace railway;
using namespace railway::pg;

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
