// The conflicts of one shard as compact text, for a Citus cluster: a worker runs the sweep over
// one shard of railway.schedules (railway.find_conflicts_in_shard) and the coordinator's
// railway.find_conflicts() concatenates the shards' answers. A conflict never crosses trains,
// and a train's schedules are all in one shard, so the shards' pairs are exactly the pairs.
// One line per pair, decimal: "schedule_id other_schedule_id train_id first_start_us first_end_us\n"
// (about 50 bytes a pair: what moves between the nodes).
#pragma once
#include "pure.hpp"

#include "service_pattern.hpp"

#include <cstdint>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

namespace railway {

struct ConflictRecord {
    int64_t schedule_id;
    int64_t other_schedule_id;
    int64_t train_id;
    Window first;
};

// Appends one record's line to `out`.
void append_conflict_record(std::string& out, const ConflictRecord& record);

// Appends the records of `text` (lines as above; the empty text has none) to `out`.
// Throws 22P02 on anything else (a field missing, not a number, out of range, extra text).
void parse_conflict_records(std::string_view text, std::pmr::vector<ConflictRecord>& out);

// Sorts records as railway.find_conflicts() returns them on one server: by train, then by the
// pair's schedule ids.
void sort_conflict_records(std::pmr::vector<ConflictRecord>& records);

}  // namespace railway
