// The train lock shared by the schedules' validation trigger and the runs' trigger
// (validate_run): the writers of one train's schedules and runs queue on the train's row in
// railway.trains, so that a conflict search sees every other writer's rows committed.
#pragma once

extern "C" {
#include "postgres.h"
#include "access/attnum.h"
}

namespace railway::pg {

// Locks the train's row (id = train, through the btree primary key `trains_index` of
// `trains_relid`) FOR NO KEY UPDATE to the end of the transaction, its latest version whatever
// the isolation level. Returns false when the train has no live row. When kind_attnum is not 0
// and the row is locked, *numbered tells whether that column (text) of the locked version is
// 'numbered'. Runs inside pg_guarded (it may wait, and raises PostgreSQL errors).
bool lock_train_row(Oid trains_relid, Oid trains_index, Datum train, AttrNumber kind_attnum, bool* numbered);

}  // namespace railway::pg
