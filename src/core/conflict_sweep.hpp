// All conflicts among many service patterns at once (railway.find_conflicts) and of one pattern
// against a train's others (the trigger, railway.check_schedule_conflicts).
#pragma once
#include "pure.hpp"

#include "service_pattern.hpp"

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace railway {

struct SweepItem {
    int64_t group;  // train_id: only items of the same group can conflict
    int64_t id;     // schedule id: items with equal ids are the same row and never conflict
    ServicePattern pattern;
};

struct ConflictPair {
    size_t a;  // index into the input of the item with the smaller id
    size_t b;  // index of the item with the larger id
    Window first;
};

// Every conflicting pair of items of the same group, once, sorted by (group, id of a, id of b).
// O(n log n + candidates): a sweep over each group's weekly footprints (which weekday times an
// item can occupy) proposes candidate pairs, and the exact O(1) pair test (which also rejects
// pairs whose date ranges never meet) decides each.
// Throws 22008 when a conflict's first window does not fit in the timestamp range.
std::vector<ConflictPair> find_all_conflicts(const std::vector<SweepItem>& items);

// The index and first conflict window of every pattern in `others` that conflicts with
// `pattern`, in index order. Throws 22008 as above.
std::vector<std::pair<size_t, Window>> conflicts_with(const ServicePattern& pattern,
                                                      const std::vector<ServicePattern>& others);

}  // namespace railway
