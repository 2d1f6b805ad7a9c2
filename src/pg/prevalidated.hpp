// Schedule rows that railway.gtfs_load validated itself (issue 15, import speed), which the
// validation trigger then does not validate a second time.
//
// gtfs_load checks every schedule row it inserts with the trigger's own rules
// (check_schedule_rules, the same code and errors) and, for the trains it created in this
// transaction, with its conflict sweep over the feed's trips (conflicts => 'refuse' or 'skip'):
// those trains are invisible to every other session until commit, so no stored or concurrent
// row of theirs can exist, and the trigger's train lock has nothing to serialise. For such rows
// the trigger's work (fill in train_kind, which gtfs_load gives; the rules; the lock; the
// conflict search) is done already. The exclusion constraint, the CHECK constraints and the
// foreign keys still check every row.
//
// The marks are process-local, set only by gtfs_load around its own INSERT INTO
// railway.schedules (PrevalidatedScope) and cleared when it ends, by error too; they name the
// (sub)transaction that set them and count the rows per train, so they cannot outlive the
// statement, serve another transaction, or skip more rows than gtfs_load inserts. Nothing a
// user can set reaches them. Any other INSERT or UPDATE is validated in full.
#pragma once

#include <cstdint>
#include <unordered_map>

extern "C" {
#include "postgres.h"

#include "catalog/pg_trigger.h"
#include "commands/trigger.h"
}

namespace railway::pg {

struct PrevalidatedRows {
    std::unordered_map<int32, uint32> rows_per_train;  // the statement's rows not yet seen, per train
    LocalTransactionId transaction;
    SubTransactionId subtransaction;
};

// Whether `trigger` is the first enabled BEFORE INSERT row trigger of its table to fire: one
// fired before it (a DBA's) may have changed the row, which is then validated in full.
bool first_before_insert_trigger(const TriggerData* trigger);

// Whether the trigger may leave an INSERT of railway.schedules of `train` unvalidated: true at
// most once per row gtfs_load marked for that train, in the (sub)transaction that marked it.
bool take_prevalidated(int32 train);

// Marks `rows` (consumed by take_prevalidated) for the lifetime of the scope.
class PrevalidatedScope {
public:
    explicit PrevalidatedScope(PrevalidatedRows* rows);
    ~PrevalidatedScope();
    PrevalidatedScope(const PrevalidatedScope&) = delete;
    PrevalidatedScope& operator=(const PrevalidatedScope&) = delete;
};

}  // namespace railway::pg
