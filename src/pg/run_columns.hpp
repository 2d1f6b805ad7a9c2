// The columns of railway.runs as the native code reads and writes them (1.1): the trigger
// validate_run (runs.cpp) reads the first kRuleCount, the direct write of plan_runs
// (runs_write.cpp) knows all of them. Found by name in each partition (a partition attached by
// hand may order them otherwise).
#pragma once

extern "C" {
#include "postgres.h"
#include "catalog/pg_type.h"
}

namespace railway::pg::run_columns {

enum Column {
    kTrainId,
    kScheduleId,
    kRunDate,
    kPlannedDeparture,
    kPlannedArrival,
    kActualDeparture,
    kActualArrival,
    kStatus,
    kKind,
    kExpectedDeparture,  // GTFS-realtime's predictions
    kExpectedArrival,
    kCount
};
// The columns the rules of a run read.
inline constexpr int kRuleCount = kKind + 1;
inline constexpr const char* kNames[kCount] = {
    "train_id",       "schedule_id", "run_date", "planned_departure", "planned_arrival", "actual_departure",
    "actual_arrival", "status",      "kind",     "expected_departure", "expected_arrival"};
inline constexpr Oid kTypes[kCount] = {INT4OID,      INT4OID,      DATEOID,      TIMESTAMPOID,
                                       TIMESTAMPOID, TIMESTAMPOID, TIMESTAMPOID, TEXTOID,
                                       TEXTOID,      TIMESTAMPOID, TIMESTAMPOID};

}  // namespace railway::pg::run_columns
