// The conflict rule of railway.runs (issue 13), checked by the trigger validate_run (runs.cpp):
// see runs_conflicts.cpp and README "Runs".
#pragma once

#include "core/runs.hpp"

#include "boundary.hpp"

extern "C" {
#include "storage/itemptr.h"
#include "utils/rel.h"
}

namespace railway::pg {

// What the search keeps for one statement (the partitions, the train last locked), plain data
// in the trigger's fn_mcxt. Built on first use.
struct RunConflictState;

RunConflictState* new_run_conflict_state(MemoryContext statement_memory);

// On a Citus worker (the trigger fires on a shard of a partition of railway.runs): the search
// reads the shard's own partitions, the candidates' schedules from `schedules` (the qualified
// name of the co-located shard of railway.schedules) and locks the train's row in `trains` (the
// shard of the reference table railway.trains on this node; InvalidOid: an advisory lock).
void set_run_conflict_shards(RunConflictState* state, const char* schedules, Oid trains);

// For railway.plan_runs, which checks the runs it makes in bulk (runs.cpp): locks `train` as
// check_run_conflicts does (one server: its row in railway.trains, else the advisory lock) and
// returns whether it is numbered.
bool lock_run_train(RunConflictState* state, int32 train);

// Locks `train` (its row in railway.trains, as the schedules' trigger does) and looks for a
// run of that train that conflicts with `run` (kind planned and untouched: `untouched`),
// in every partition of railway.runs that may hold one; throws the 23P01 error naming it.
// `rel` is the partition the trigger fires on, `self` the old version of an updated row.
void check_run_conflicts(RunConflictState* state, Relation rel, int32 train, const RunSlot& run, bool untouched,
                         ItemPointer self);

}  // namespace railway::pg
