// The keys of railway.train_id_ops, a GiST operator class for integer ids that answers only
// `=` (the train column of the exclusion constraint): a leaf holds [id, id], an inner entry the
// range [lowest, highest] of the ids below it. Kept lean because GiST tests every entry of every
// page it visits: a search for one train tests a few hundred of them.
#pragma once
#include "pure.hpp"

#include <cstdint>
#include <vector>

namespace railway {

struct IdRange {
    int32_t lower;
    int32_t upper;  // >= lower
};
static_assert(sizeof(IdRange) == 8);

inline bool operator==(const IdRange& a, const IdRange& b) { return a.lower == b.lower && a.upper == b.upper; }
inline bool contains(const IdRange& range, int32_t id) { return range.lower <= id && id <= range.upper; }

// Grows `into` to cover `other` too.
void merge(IdRange& into, const IdRange& other);

// How much merging `added` into `range` widens it (0 when it is inside): GiST's penalty.
double widening(const IdRange& range, const IdRange& added);

// Splits an overfull page's entries in two (GiST picksplit): ordered by range, cut in the
// middle, or at the nearest boundary between different ranges within the middle third of the
// page, so that one id rarely ends up on both sides. Returns, per entry, true for the right
// side; each side gets at least one entry (n >= 2).
std::vector<bool> split_id_ranges(const std::vector<IdRange>& entries);

}  // namespace railway
