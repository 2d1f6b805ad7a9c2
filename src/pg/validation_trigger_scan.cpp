// The validation trigger's conflict search: the train lock, the index scan kept open for the
// rows of one statement (and ended with the statement or the (sub)transaction), the heap scan,
// and the test of each row found.
#include "validation_trigger.hpp"
#include "train_lock.hpp"

namespace railway::pg::trigger {

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

}  // namespace railway::pg::trigger

namespace railway::pg {

// Locks a train's row in railway.trains FOR NO KEY UPDATE, to the end of the transaction, as
// SELECT ... FOR NO KEY UPDATE would (its latest version, whatever the isolation level: this is
// a lock, not a read). Row locks live in the tuple, not in the shared lock table. They do not
// conflict with the KEY SHARE lock of the foreign key checks; they do make an UPDATE or DELETE
// of that train wait for the writer's transaction. Used by the schedules' trigger (below) and
// the runs' trigger (runs_conflicts.cpp); see train_lock.hpp. Runs inside pg_guarded.
bool lock_train_row(Oid trains_relid, Oid trains_index, Datum train, AttrNumber kind_attnum, bool* numbered) {
    Relation trains = table_open(trains_relid, RowShareLock);
    Relation index = index_open(trains_index, AccessShareLock);
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
    if (result == TM_Ok && kind_attnum != 0) {
        bool is_null = true;
        const Datum kind = slot_getattr(slot, kind_attnum, &is_null);
        *numbered = !is_null && strcmp(TextDatumGetCString(kind), "numbered") == 0;
    }
    ExecDropSingleTupleTableSlot(slot);
    index_close(index, NoLock);
    table_close(trains, NoLock);
    return result == TM_Ok;
}

}  // namespace railway::pg

namespace railway::pg::trigger {

// railway.schedules: the train's row in railway.trains is its lock (lock_train_row above).
// Returns false when the train has no live row (the foreign key will refuse the schedule; the
// caller then takes the advisory lock). Runs inside pg_guarded.
bool lock_train_row(const Config& config, Datum train) {
    return railway::pg::lock_train_row(config.trains_relid, config.trains_index, train, 0, nullptr);
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

}  // namespace railway::pg::trigger
