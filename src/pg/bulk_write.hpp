// The heap-and-index step that railway's direct writes share (runs_write.cpp for plan_runs,
// schedules_write.cpp for gtfs_load): rows already built and checked in slots go into the table
// as COPY puts them, not through the executor of an INSERT. C-style, for code run inside
// pg_guarded.
#pragma once

extern "C" {
#include "postgres.h"

#include "access/heapam.h"
#include "access/tableam.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "nodes/makefuncs.h"
#include "nodes/pg_list.h"
#include "parser/parse_func.h"
}

namespace railway::pg {

// The function railway.<name>(types), or InvalidOid: what a direct write checks a trigger's
// function against (railway's own triggers are the ones it may skip or do itself).
inline Oid railway_function_oid(const char* name, int nargs = 0, Oid* types = nullptr) {
    List* qualified = list_make2(makeString(pstrdup("railway")), makeString(pstrdup(name)));
    return LookupFuncName(qualified, nargs, types, true);
}

// table_multi_insert of slots[0..n) (one WAL record per page), then each row's index entries:
// the unique and exclusion constraints check every row (23505, 23P01), as for an INSERT. The
// indexes must be open (ExecOpenIndices) and none deferrable: their recheck list is dropped.
inline void insert_slots(Relation rel, ResultRelInfo* rri, EState* estate, TupleTableSlot** slots, int n,
                         CommandId cid, BulkInsertState bistate) {
    table_multi_insert(rel, slots, n, cid, 0, bistate);
    for (int k = 0; k < n; ++k) {
        List* recheck = ExecInsertIndexTuples(rri, slots[k], estate, false, false, nullptr, NIL);
        list_free(recheck);
        ResetPerTupleExprContext(estate);
    }
}

}  // namespace railway::pg
