// The validation trigger's parts (railway.validate_schedule_trigger, see validation_trigger.cpp
// for what it does), shared by its four files:
//   validation_trigger_config.cpp  the trigger arguments and the search path (index) per table;
//   validation_trigger_scan.cpp    the train lock, the per-statement index scan and its
//                                  lifetime, the conflict search;
//   validation_trigger_rules.cpp   a row's values, its rules, its pattern and its kind;
//   validation_trigger.cpp         the entry point.
// Plain data and declarations; internal to the trigger (namespace railway::pg::trigger).
#pragma once

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

namespace railway::pg::trigger {


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

inline bool is_integer_type(Oid type) { return type == INT2OID || type == INT4OID || type == INT8OID; }

inline int64_t integer_value(Oid type, Datum value) {
    switch (type) {
        case INT2OID: return DatumGetInt16(value);
        case INT4OID: return DatumGetInt32(value);
        default: return DatumGetInt64(value);
    }
}

// A row's values, as the rules and the conflict search see them.
struct RowValues {
    bool null[kRoleCount];
    Datum value[kRoleCount];
};

// Checks every rule but the conflict; returns the row and its pattern.
struct CheckedRow {
    ScheduleRow row;
    ServicePattern pattern;
};

// The conflict found by a search: the other row with the earliest first window.
struct Found {
    bool found;
    Datum other_id;  // by value (an integer)
    Window first;
};

struct OpenScan;

// validation_trigger_config.cpp: the statement's set-up, built from the trigger's arguments on
// its first row and kept in fn_extra (a bad mapping throws).
const Config& config_for(FunctionCallInfo fcinfo, const TriggerData* trigger);

// validation_trigger_rules.cpp
RowValues read_row(const AttrNumber* column, TupleTableSlot* slot);
CheckedRow check_row(const Config& config, const TriggerData* trigger, const RowValues& v);
bool timing_changed(const Config& config, const RowValues& old_row, const RowValues& new_row);
bool row_is_active(const Config& config, const RowValues& v);
TrainKind new_row_kind(const Config& config, const TriggerData* trigger, const RowValues& v);
std::optional<ServicePattern> stored_pattern(const Config& config, const RowValues& v);

// validation_trigger_scan.cpp
OpenScan* new_open_scan(MemoryContext statement_memory);
bool read_train_kind(const Config& config, Datum train, Datum* kind, MemoryContext result_context);
Found search(const Config& config, Datum train, const ServicePattern& pattern, ItemPointer self);

}  // namespace railway::pg::trigger
