// The direct write of railway.plan_runs (runs_write.cpp): planned runs that plan_runs has
// checked itself, written into the monthly partitions of railway.runs the way COPY writes rows
// (table_multi_insert, then each row's index entries), without the executor of an INSERT.
#pragma once

#include <cstddef>

#include "boundary.hpp"

namespace railway::pg {

// The runs, column by column (Datums of int4, date, int4, timestamp, timestamp), n of them:
// planned runs (status scheduled, kind planned, no actual or expected times).
struct PlannedRuns {
    const Datum* schedule;
    const Datum* date;
    const Datum* train;
    const Datum* departure;
    const Datum* arrival;
    size_t n;
};

// Writes the runs when the direct write applies: the caller may INSERT into railway.runs (the
// whole table), railway.runs has no row-level security, every run's month has a partition, and
// each partition the runs go to is a plain table with railway's own columns, CHECK constraints
// and insert triggers only (validate_run, whose checks plan_runs made, and runs_audit_insert,
// which records extra runs only). Returns the number of runs written, or -1 when the direct
// write does not apply (then nothing was written and the caller INSERTs them). A duplicate key
// raises 23505 from the primary key, as an INSERT would. Runs inside pg_guarded: it raises
// PostgreSQL errors and owns nothing with a destructor.
int64 write_planned_runs(const PlannedRuns& runs);

}  // namespace railway::pg
