// All conflicts among many service patterns at once (railway.find_conflicts) and of one pattern
// against a train's others (the trigger, railway.check_schedule_conflicts).
#pragma once
#include "pure.hpp"

#include "service_pattern.hpp"

#include <cstddef>
#include <cstdint>
#include <memory_resource>
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

// What a sweep did, for tests and benchmarks.
struct SweepStats {
    size_t candidates = 0;  // distinct pairs handed to the exact pair test
};

// Every conflicting pair of items of the same group, once, sorted by (group, id of a, id of b).
//
// O(n log^2 n + candidates) time, O(n log n) memory: each item is a rectangle in two dimensions,
// its span (from its first departure to its last arrival, in absolute time) times its weekly
// footprint (where in the week any of its occurrences can be). Two items whose rectangles are
// disjoint never conflict: overlapping occurrences share an instant, which lies in both spans
// and at one place in the week. Inside each group a segment tree over the span starts finds
// every pair of intersecting rectangles (for each node, the items whose span covers the node
// against the items that start inside it, by a sweep over the footprints), and the exact O(1)
// pair test decides each candidate. Services on disjoint dates (one-day services, seasons) and
// services at disjoint times of the week are never paired, however many a train has.
//
// Every buffer comes from `memory`; loops poll railway::poll_interrupts().
// Throws 22008 when a conflict's first window does not fit in the timestamp range.
std::pmr::vector<ConflictPair> find_all_conflicts_in(const SweepItem* items, size_t count,
                                                     std::pmr::memory_resource* memory,
                                                     SweepStats* stats = nullptr);

// The same with the default memory resource.
std::vector<ConflictPair> find_all_conflicts(const std::vector<SweepItem>& items,
                                             SweepStats* stats = nullptr);

// The index and first conflict window of every pattern in `others` that conflicts with
// `pattern`, in index order. Throws 22008 as above. Polls interrupts.
std::vector<std::pair<size_t, Window>> conflicts_with(const ServicePattern& pattern,
                                                      const ServicePattern* others, size_t count);
inline std::vector<std::pair<size_t, Window>> conflicts_with(const ServicePattern& pattern,
                                                             const std::vector<ServicePattern>& others) {
    return conflicts_with(pattern, others.data(), others.size());
}

}  // namespace railway
