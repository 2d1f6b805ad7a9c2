// The summary of a set of service patterns that a GiST index keeps on its inner pages (the
// railway.service_pattern operator class): a superset of where and when any of them can run,
// so that a search for conflicts with a pattern can skip every subtree whose summary rules the
// pattern out. Leaf pages keep the patterns themselves and answer with the exact conflicts().
//
// A summary has two parts:
//   - the time span: from the first instant any occurrence can start to the last instant any
//     can end (saturating at the int64 ends for infinite ranges);
//   - the weekly footprint: 672 slots of 15 minutes from Monday 00:00, marked where some
//     occurrence of some pattern can be (the departure weekdays plus the journey time, wrapped
//     around Sunday midnight).
// Two overlapping occurrences share an instant; that instant lies in both spans and, taken
// modulo one week, in a slot both footprints mark. So when the spans are disjoint or the
// footprints share no slot, no pattern under the summary conflicts with the query: no false
// negatives, which an exclusion constraint requires.
#pragma once
#include "pure.hpp"

#include "service_pattern.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace railway {

inline constexpr int kSlotsPerWeek = 7 * 24 * 4;
inline constexpr int kSlotWords = (kSlotsPerWeek + 63) / 64;  // 11

struct PatternSummary {
    int64_t min_start_us;  // first instant any occurrence can start; empty when > max_end_us
    int64_t max_end_us;    // last instant (exclusive) any occurrence can end
    uint64_t slots[kSlotWords];
};
static_assert(sizeof(PatternSummary) == 16 + 8 * kSlotWords);

// The summary of nothing: conflicts with nothing, the identity of merge().
PatternSummary empty_summary();
bool is_empty(const PatternSummary& summary);

// The summary of one pattern (empty for a pattern that never departs, e.g. a Monday-only
// service whose date range holds no Monday).
PatternSummary summarize(const ServicePattern& pattern);

// Grows `into` to cover `other` too.
void merge(PatternSummary& into, const PatternSummary& other);

// False only when no pattern under the summary can conflict with any under `query`.
bool may_conflict(const PatternSummary& summary, const PatternSummary& query);

// How large a summary is (the footprint's share of the week plus a logarithmic measure of the
// span), and how much merging `added` into `summary` grows it: GiST's penalty.
double summary_size(const PatternSummary& summary);
double growth(const PatternSummary& summary, const PatternSummary& added);

bool operator==(const PatternSummary& a, const PatternSummary& b);

// Splits an overfull page's entries in two (GiST picksplit), in O(n log n): two seeds far
// apart (by summary_size wasted when merged), then every entry to the seed it prefers, each side
// getting at least a third of the entries. Returns, per entry, true for the right side.
std::vector<bool> split_summaries(const std::vector<PatternSummary>& entries);

}  // namespace railway
