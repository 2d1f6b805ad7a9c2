// The direct write of railway.gtfs_load (schedules_write.cpp): schedule rows that gtfs_load has
// validated itself, written into railway.schedules the way COPY writes rows (table_multi_insert,
// then each row's index entries), with the foreign keys checked once per batch instead of once
// per row and column.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "boundary.hpp"

namespace railway::pg {

// New schedules, column by column, n rows each: train_id, departure_location_id,
// arrival_location_id (int4), scheduled_departure, scheduled_arrival (timestamp), running_days
// (bool[]), effective_start_date, effective_end_date (timestamp), train_kind (text); none NULL. Every other column gets its default, as in an INSERT naming these nine.
struct NewSchedules {
    static constexpr int kColumns = 9;
    const Datum* columns[kColumns];
    size_t n;
};

// The names of NewSchedules' columns, in its order.
extern const char* const kNewScheduleColumns[NewSchedules::kColumns];

// Writes the rows when the direct write applies and returns their ids (the id column's values,
// in the rows' order); returns nothing, having written nothing, when it does not apply, and the
// caller INSERTs them. It applies only where skipping the INSERT's executor skips nothing but
// what this write does itself (see README "Importing GTFS timetables", "Direct write"):
//   - the caller may INSERT into railway.schedules (the table's privilege), which has no
//     row-level security for the caller, no rules, no Citus distribution, is a plain table
//     (not a partition: no partition constraint) with no generated column, and its deferrable
//     constraints are none;
//   - its enabled INSERT triggers are railway's own: validate_schedule (which the caller has
//     made unnecessary: every row is of a train this transaction created, checked by the
//     trigger's rules and the conflict sweep; see prevalidated.hpp), the foreign keys' checks
//     (done here for the whole batch: the referenced rows locked FOR KEY SHARE as the table's
//     owner, as the foreign key's own check does, but for those this transaction inserted,
//     which no other session can see; a missing one raises the foreign key's 23503)
//     and schedules_audit_insert (its rows written here, by railway.audit_inserted_rows);
//   - session_replication_role is not replica.
// The CHECK and NOT NULL constraints are checked per row (ExecConstraints), the unique and
// exclusion constraints by the index entries (23505, 23P01), as for an INSERT.
std::optional<std::vector<int32>> write_new_schedules(const NewSchedules& rows);

}  // namespace railway::pg
