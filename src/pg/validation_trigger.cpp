// railway.validate_schedule_trigger(): the BEFORE INSERT OR UPDATE row trigger that enforces
// the rules of DESIGN.md section 4 on railway.schedules, or on a user's own timetable table
// whose columns the trigger arguments name.
//
// Per row: read the mapped columns, check the rules (src/core/schedule_rules: each with its own
// message, SQLSTATE, DETAIL and HINT), then, for an active row whose train or timing changed
// (or which was just reactivated), look for a conflicting active row of the same train:
//   1. take a transaction-scoped lock on the train (an advisory lock of class kLockClass on
//      (table, hash(train) mod kLockBuckets)), so that two sessions writing the same train
//      queue here instead of racing (and deadlocking) in the exclusion constraint;
//   2. scan the table's rows of that train with a dirty snapshot (committed and in-progress
//      rows, whatever the isolation level, as exclusion constraints do), through the exclusion
//      constraint's GiST index (train = and pattern &&), else a btree index on the train
//      column, else the heap; a conflicting row of a transaction still in progress (one that
//      bypassed the trigger) is waited for, then the scan restarts. An index scan is begun
//      once per statement and rescanned for each row (see OpenScan);
//   3. raise conflict_error() (23P01) naming the other row, the train and the first window.
// The exclusion constraint on railway.schedules remains the race-free backstop for writers
// that bypass the trigger (disabled triggers, session_replication_role = replica).
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
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
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
    kRoleCount
};
constexpr const char* kRoleNames[kRoleCount] = {
    "id", "train_id", "departure_location_id", "arrival_location_id", "scheduled_departure",
    "scheduled_arrival", "actual_departure", "actual_arrival", "status", "is_cancelled",
    "running_days", "effective_start_date", "effective_end_date"};
constexpr bool kRequired[kRoleCount] = {true, true, false, false, true, true, false,
                                        false, false, false, false, false, false};

constexpr uint16 kLockClass = 0x5241;  // "RA": railway's advisory locks (pg_locks.objsubid)
constexpr uint32 kLockBuckets = 1024;   // at most this many locks per table per transaction

constexpr const char* kArgumentHint =
    "Arguments are 'role=column' pairs, e.g. 'train_id=train_no' or 'status=' for a table "
    "without that column; roles: id, train_id, departure_location_id, arrival_location_id, "
    "scheduled_departure, scheduled_arrival, actual_departure, actual_arrival, status, "
    "is_cancelled, running_days, effective_start_date, effective_end_date.";

enum class SearchPath { kExclusionIndex, kTrainIndex, kHeap };

// The trigger's set-up for one statement, kept in fn_extra. Plain data only.
struct Config {
    Oid trigger_oid;
    Oid relid;
    AttrNumber column[kRoleCount];  // 0: the table has no such column
    Oid type[kRoleCount];
    bool railway_schedules;  // the train number comes from railway.trains
    SearchPath path;
    Oid index;
    Oid index_collation;  // of the index's train column
    StrategyNumber train_strategy;
    RegProcedure train_procedure;
    bool pattern_key;  // the index's second column is a service pattern with &&
    StrategyNumber pattern_strategy;
    RegProcedure pattern_procedure;
    int16 typlen[kRoleCount];
    bool typbyval[kRoleCount];
    Oid train_collation;
    FmgrInfo train_eq;    // for the heap path
    FmgrInfo train_hash;  // the lock bucket (fn_oid InvalidOid: bucket 0)
    Oid pattern_type;
    struct OpenScan* open_scan;  // the statement's index scan (index paths), in the same context
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
        case kRunningDays: require(type == BOOLARRAYOID, "boolean[]"); break;
        default: break;  // train: any type with equality; status: any type (its text form)
    }
}

// Picks how to find a train's rows: the exclusion constraint's GiST index on (train, pattern),
// else a valid btree index whose first column is the train, else a heap scan.
void choose_search_path(Config& config, Relation relation) {
    config.path = SearchPath::kHeap;
    List* indexes = RelationGetIndexList(relation);
    ListCell* cell;
    foreach (cell, indexes) {
        const Oid index_oid = lfirst_oid(cell);
        Relation index = index_open(index_oid, AccessShareLock);
        const Form_pg_index form = index->rd_index;
        const bool usable = form->indisvalid && form->indisready && form->indislive &&
                            form->indnkeyatts >= 1 && form->indkey.values[0] == config.column[kTrain];
        if (usable && form->indisexclusion && index->rd_rel->relam == GIST_AM_OID) {
            Oid* operators;
            Oid* procedures;
            uint16* strategies;
            RelationGetExclusionInfo(index, &operators, &procedures, &strategies);
            config.path = SearchPath::kExclusionIndex;
            config.index = index_oid;
            config.index_collation = index->rd_indcollation[0];
            config.train_strategy = strategies[0];
            config.train_procedure = procedures[0];
            config.pattern_key = form->indnkeyatts >= 2 && form->indkey.values[1] == 0 &&
                                 index->rd_opcintype[1] == config.pattern_type &&
                                 strategies[1] == RTOverlapStrategyNumber;
            if (config.pattern_key) {
                config.pattern_strategy = strategies[1];
                config.pattern_procedure = procedures[1];
            }
            index_close(index, AccessShareLock);
            break;
        }
        if (usable && config.path == SearchPath::kHeap && index->rd_rel->relam == BTREE_AM_OID &&
            heap_attisnull(index->rd_indextuple, Anum_pg_index_indpred, nullptr)) {
            const Oid op = get_opfamily_member(index->rd_opfamily[0], index->rd_opcintype[0],
                                               index->rd_opcintype[0], BTEqualStrategyNumber);
            if (OidIsValid(op)) {
                config.path = SearchPath::kTrainIndex;
                config.index = index_oid;
                config.index_collation = index->rd_indcollation[0];
                config.train_strategy = BTEqualStrategyNumber;
                config.train_procedure = get_opcode(op);
                config.pattern_key = false;
            }
        }
        index_close(index, AccessShareLock);
    }
    list_free(indexes);
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
    choose_search_path(config, relation);
}

// The index scan of the conflict search, kept open for the rows of one statement:
// index_beginscan() of a GiST index costs about as much as the search itself (it zeroes a
// 12 kB work area and sets up every support function), so the trigger begins one scan per
// statement and rescans it for each row.
//   - Its buffer pins, relcache and tuple descriptor references belong to a resource owner
//     of its own, a child of the (sub)transaction's owner, and its memory to a context of
//     its own under TopTransactionContext: both outlive the portal that runs the statement,
//     never the transaction.
//   - It is ended when the statement's memory (the trigger's fn_mcxt) goes, or just before
//     the (sub)transaction that began it commits (XactCallback / SubXactCallback), whichever
//     comes first; on abort the resource owner has already released what it held, and the
//     scan is only forgotten.
struct OpenScan {
    OpenScan* next;  // in open_scans while live
    bool live;
    SubTransactionId subxact;  // the (sub)transaction that began it
    ResourceOwner owner;
    MemoryContext memory;
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

// Begins the statement's scan if it is not open. Runs inside pg_guarded.
void ensure_open(const Config& config, OpenScan* open, Relation relation, int nkeys) {
    if (open->live) return;
    open->owner = ResourceOwnerCreate(CurTransactionResourceOwner, "railway conflict search");
    open->memory = AllocSetContextCreate(TopTransactionContext, "railway conflict search", ALLOCSET_SMALL_SIZES);
    MemoryContext saved = MemoryContextSwitchTo(open->memory);
    with_owner(open->owner, [&] {
        InitDirtySnapshot(open->dirty);
        open->index = index_open(config.index, RowExclusiveLock);
        open->slot = table_slot_create(relation, nullptr);
        open->scan = index_beginscan(relation, open->index, &open->dirty, nkeys, 0);
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
    if (config->path != SearchPath::kHeap) config->open_scan = new_open_scan(context);
    fcinfo->flinfo->fn_extra = config;
    return *config;
}

// A row's values, as the rules and the conflict search see them.
struct RowValues {
    bool null[kRoleCount];
    Datum value[kRoleCount];
};

RowValues read_row(const Config& config, TupleTableSlot* slot) {
    RowValues row{};
    for (int role = 0; role < kRoleCount; ++role) {
        row.null[role] = true;
        if (config.column[role] != 0) {
            row.value[role] = pg_guarded([&] { return slot_getattr(slot, config.column[role], &row.null[role]); });
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
        const ArrayType* days = pg_guarded([&] { return DatumGetArrayTypeP(v.value[kRunningDays]); });
        row.running_days = day_mask_from_array(days);
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

// Whether an UPDATE changed what the conflict rule depends on (train and timing columns), by
// the stored bytes: a change in representation only costs a search.
bool timing_changed(const Config& config, const RowValues& old_row, const RowValues& new_row) {
    for (int role : {kTrain, kScheduledDeparture, kScheduledArrival, kRunningDays, kStartDate, kEndDate}) {
        if (config.column[role] == 0) continue;
        if (old_row.null[role] != new_row.null[role]) return true;
        if (old_row.null[role]) continue;
        if (!datumIsEqual(old_row.value[role], new_row.value[role], config.typbyval[role], config.typlen[role])) {
            return true;
        }
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

// The pattern of a stored row, nullopt when it has none (a row stored before the trigger, or
// with the trigger disabled, may break the rules; it then cannot be compared).
std::optional<ServicePattern> stored_pattern(const Config& config, const RowValues& v) {
    for (int role : {kScheduledDeparture, kScheduledArrival, kRunningDays, kStartDate}) {
        if (config.column[role] != 0 && v.null[role]) return std::nullopt;
    }
    try {
        DayMask days = kAllDays;
        if (config.column[kRunningDays] != 0) {
            days = day_mask_from_array(pg_guarded([&] { return DatumGetArrayTypeP(v.value[kRunningDays]); }));
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
        return make_pattern(departure, DatumGetTimestamp(v.value[kScheduledArrival]), days, start, end);
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

void lock_train(const Config& config, Datum train) {
    uint32 bucket = 0;
    if (OidIsValid(config.train_hash.fn_oid)) {
        bucket = DatumGetUInt32(FunctionCall1Coll(const_cast<FmgrInfo*>(&config.train_hash), config.train_collation, train)) %
                 kLockBuckets;
    }
    LOCKTAG tag;
    SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, config.relid, bucket, kLockClass);
    (void)LockAcquire(&tag, ExclusiveLock, false, false);
}

// Looks at one row the search returned: true when the scan must wait for the transaction
// `*wait_for` (it wrote a conflicting row and is still in progress); otherwise keeps in
// `found` the conflicting row with the earliest first window (then the smallest id).
bool examine(const Config& config, TupleTableSlot* slot, const SnapshotData& dirty, Datum train,
             const ServicePattern& pattern, ItemPointer self, Found& found, TransactionId* wait_for) {
    if (self != nullptr && ItemPointerEquals(&slot->tts_tid, self)) return false;
    const RowValues other = read_row(config, slot);
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

// Scans the train's rows through the statement's open index scan (see the file comment).
// Runs inside pg_guarded: no C++ object with a destructor lives in this frame.
Found search_index(const Config& config, Relation relation, Datum train, const ServicePattern& pattern,
                   ItemPointer self) {
    OpenScan* open = config.open_scan;
    ScanKeyData keys[2];
    int nkeys = 0;
    ScanKeyEntryInitialize(&keys[nkeys++], 0, 1, config.train_strategy, InvalidOid, config.index_collation,
                           config.train_procedure, train);
    if (config.pattern_key) {
        ScanKeyEntryInitialize(&keys[nkeys++], 0, 2, config.pattern_strategy, InvalidOid, InvalidOid,
                               config.pattern_procedure, PointerGetDatum(&pattern));
    }
    ensure_open(config, open, relation, nkeys);
    Found found{};
    for (bool restart = true; restart;) {
        restart = false;
        found.found = false;
        TransactionId wait_for = InvalidTransactionId;
        ItemPointerData wait_tid;
        with_owner(open->owner, [&] {
            index_rescan(open->scan, keys, nkeys, nullptr, 0);
            while (index_getnext_slot(open->scan, ForwardScanDirection, open->slot)) {
                if (examine(config, open->slot, open->dirty, train, pattern, self, found, &wait_for)) {
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
            XactLockTableWait(wait_for, relation, &wait_tid, XLTW_RecheckExclusionConstr);
            restart = true;
        }
    }
    return found;
}

// Scans the whole table (no usable index), anew for each row. Runs inside pg_guarded.
Found search_heap(const Config& config, Relation relation, Datum train, const ServicePattern& pattern,
                  ItemPointer self) {
    Found found{};
    SnapshotData dirty;
    InitDirtySnapshot(dirty);
    TupleTableSlot* slot = table_slot_create(relation, nullptr);
    for (bool restart = true; restart;) {
        restart = false;
        found.found = false;
        TransactionId wait_for = InvalidTransactionId;
        ItemPointerData wait_tid;
        TableScanDesc heap_scan = table_beginscan(relation, &dirty, 0, nullptr);
        while (table_scan_getnextslot(heap_scan, ForwardScanDirection, slot)) {
            if (examine(config, slot, dirty, train, pattern, self, found, &wait_for)) {
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
    return found;
}

// How the error names the train: its train number for railway.schedules, else the value.
std::string train_name(const Config& config, Datum train) {
    if (config.railway_schedules && config.type[kTrain] == INT4OID) {
        spi_connect();
        Oid types[1] = {INT4OID};
        const uint64 rows = spi_query("SELECT train_number::pg_catalog.text FROM railway.trains "
                                      "WHERE id OPERATOR(pg_catalog.=) $1",
                                      1, types, &train, nullptr);
        std::string number = std::to_string(DatumGetInt32(train));
        if (rows == 1) {
            bool is_null;
            const Datum value = spi_value(0, 1, &is_null);
            if (!is_null) number = std::string(text_view(DatumGetTextPP(value)));
        }
        spi_finish();
        return number;
    }
    return pg_guarded([&] {
        Oid output;
        bool varlena;
        getTypeOutputInfo(config.type[kTrain], &output, &varlena);
        return static_cast<const char*>(OidOutputFunctionCall(output, train));
    });
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
        const RowValues new_row = read_row(config, new_slot);
        const CheckedRow checked = check_row(config, trigger, new_row);
        if (!is_active(checked.row)) return Datum(0);
        if (is_update) {
            const RowValues old_row = read_row(config, trigger->tg_trigslot);
            // Status and actual times change all day: no search unless the train or timing
            // changed, or the row was cancelled and is active again.
            if (row_is_active(config, old_row) && !timing_changed(config, old_row, new_row)) return Datum(0);
        }
        const Datum train = new_row.value[kTrain];
        ItemPointer self = is_update ? &trigger->tg_trigtuple->t_self : nullptr;
        Relation relation = trigger->tg_relation;
        const ServicePattern pattern = checked.pattern;
        const Found found = pg_guarded([&] {
            lock_train(config, train);
            return config.path == SearchPath::kHeap ? search_heap(config, relation, train, pattern, self)
                                                    : search_index(config, relation, train, pattern, self);
        });
        if (found.found) {
            throw conflict_error(integer_value(config.type[kId], found.other_id), train_name(config, train),
                                 found.first);
        }
        return Datum(0);
    });
    return PointerGetDatum(result);
}

}  // extern "C"
