#include "conflict_sweep.hpp"

#include "calendar.hpp"
#include "running_days.hpp"

#include <algorithm>
#include <array>
#include <numeric>
#include <tuple>

namespace railway {

namespace {

constexpr int64_t kDay = kUsecPerDay;
constexpr int64_t kWeek = 7 * kDay;

// An interval of the week, as microseconds since Monday 00:00, occupied by an item.
// `item` is the item's position in its group (the group's items ordered by id).
struct Piece {
    int64_t start;
    int64_t end;
    uint32_t item;
};

// The weekdays the pattern actually departs on: a range shorter than a week contains only some.
uint8_t departure_weekdays(const ServicePattern& p) {
    const int64_t first = std::max<int64_t>(p.first_day, kMinDay);
    const int64_t last = std::min<int64_t>(p.last_day, kMaxDay);
    if (first > last) return 0;
    uint8_t mask = p.days & kAllDays;
    if (last - first < 6) {
        uint8_t in_range = 0;
        for (int64_t day = first; day <= last; ++day) in_range |= weekday_bit(day);
        mask &= in_range;
    }
    return mask;
}

// The item's footprint on the week circle: where in the week any of its occurrences can be.
// Two patterns whose footprints are disjoint never conflict, since overlapping occurrences
// overlap at a common instant, which falls at the same place in the week. One interval per
// departure weekday, merged where they touch (an overnight daily service makes long runs), and
// an interval that wraps past Sunday midnight is cut in two.
void append_footprint(const ServicePattern& p, uint32_t item, std::vector<Piece>& pieces) {
    if (p.departure_us < 0 || p.departure_us >= kDay || p.duration_us <= 0) return;
    const uint8_t mask = departure_weekdays(p);
    if (mask == 0) return;
    if (p.duration_us >= kWeek) {
        pieces.push_back({0, kWeek, item});
        return;
    }
    std::array<Piece, 7> runs{};
    size_t count = 0;
    for (int weekday = 0; weekday < 7; ++weekday) {
        if (!(mask & (1u << weekday))) continue;
        const int64_t start = weekday * kDay + p.departure_us;
        const int64_t end = start + p.duration_us;  // < 14 days: no overflow
        if (count > 0 && start <= runs[count - 1].end) {
            runs[count - 1].end = std::max(runs[count - 1].end, end);
        } else {
            runs[count++] = Piece{start, end, item};
        }
    }
    for (size_t i = 0; i < count; ++i) {
        const Piece& run = runs[i];
        if (run.end - run.start >= kWeek) {
            pieces.push_back({0, kWeek, item});
            return;
        }
    }
    for (size_t i = 0; i < count; ++i) {
        const Piece& run = runs[i];
        pieces.push_back({run.start, std::min(run.end, kWeek), item});
        if (run.end > kWeek) pieces.push_back({0, run.end - kWeek, item});
    }
}

// A candidate pair of positions in a group, smaller position first, as one sortable number.
uint64_t candidate(uint32_t x, uint32_t y) {
    return x < y ? (uint64_t{x} << 32) | y : (uint64_t{y} << 32) | x;
}

// Appends the pairs of items whose pieces overlap (with repeats), by a sweep over the starts:
// the pieces still active when a piece starts are exactly those it overlaps.
void sweep(std::vector<Piece>& pieces, std::vector<uint64_t>& candidates) {
    std::sort(pieces.begin(), pieces.end(),
              [](const Piece& x, const Piece& y) { return x.start < y.start; });
    std::vector<Piece> active;
    for (const Piece& piece : pieces) {
        size_t kept = 0;
        for (const Piece& other : active) {
            if (other.end <= piece.start) continue;  // ended: drop it
            active[kept++] = other;
            if (other.item != piece.item) candidates.push_back(candidate(other.item, piece.item));
        }
        active.resize(kept);
        active.push_back(piece);
    }
}

// Groups up to this size deduplicate their candidates in a bit matrix (at most 128 KiB),
// larger ones by sorting.
constexpr size_t kMatrixGroup = 1024;

// The candidates once each, in increasing order (by position of the first item, then of the
// second). `matrix` is scratch space.
void distinct_candidates(size_t group_size, std::vector<uint64_t>& candidates,
                         std::vector<uint64_t>& matrix) {
    if (group_size > kMatrixGroup) {
        std::sort(candidates.begin(), candidates.end());
        candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
        return;
    }
    const size_t words = (group_size + 63) / 64;
    matrix.assign(group_size * words, 0);
    for (const uint64_t pair : candidates) {
        const uint32_t x = static_cast<uint32_t>(pair >> 32);
        const uint32_t y = static_cast<uint32_t>(pair);
        matrix[x * words + y / 64] |= uint64_t{1} << (y % 64);
    }
    candidates.clear();
    for (uint32_t x = 0; x < group_size; ++x) {
        for (size_t w = 0; w < words; ++w) {
            for (uint64_t bits = matrix[x * words + w]; bits != 0; bits &= bits - 1) {
                const uint32_t y = static_cast<uint32_t>(w * 64 + static_cast<size_t>(__builtin_ctzll(bits)));
                candidates.push_back((uint64_t{x} << 32) | y);
            }
        }
    }
}

}  // namespace

std::vector<ConflictPair> find_all_conflicts(const std::vector<SweepItem>& items) {
    // Items by (group, id); the index breaks ties, so that the order is deterministic.
    std::vector<size_t> order(items.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
        return std::tie(items[x].group, items[x].id, x) < std::tie(items[y].group, items[y].id, y);
    });

    std::vector<ConflictPair> conflicts;
    std::vector<Piece> pieces;
    std::vector<uint64_t> candidates;
    std::vector<uint64_t> matrix;
    for (size_t begin = 0, end = 0; begin < order.size(); begin = end) {
        const int64_t group = items[order[begin]].group;
        bool repeated_id = false;
        pieces.clear();
        for (end = begin; end < order.size() && items[order[end]].group == group; ++end) {
            if (end > begin && items[order[end]].id == items[order[end - 1]].id) repeated_id = true;
            append_footprint(items[order[end]].pattern, static_cast<uint32_t>(end - begin), pieces);
        }
        candidates.clear();
        sweep(pieces, candidates);
        distinct_candidates(end - begin, candidates, matrix);
        // Positions follow (id, index), so the pairs come out in (id of a, id of b) order.
        const size_t first_of_group = conflicts.size();
        for (const uint64_t pair : candidates) {
            const size_t a = order[begin + (pair >> 32)];
            const size_t b = order[begin + static_cast<uint32_t>(pair)];
            if (items[a].id == items[b].id) continue;  // the same row
            if (const std::optional<Window> window =
                    first_conflict(items[a].pattern, items[b].pattern)) {
                conflicts.push_back(ConflictPair{a, b, *window});
            }
        }
        if (repeated_id) {
            // Items sharing an id (not rows of a table, whose ids are unique) interleave the
            // pairs: restore the (id of a, id of b, index of a, index of b) order.
            std::sort(conflicts.begin() + static_cast<std::ptrdiff_t>(first_of_group), conflicts.end(),
                      [&](const ConflictPair& x, const ConflictPair& y) {
                          return std::tie(items[x.a].id, items[x.b].id, x.a, x.b) <
                                 std::tie(items[y.a].id, items[y.b].id, y.a, y.b);
                      });
        }
    }
    return conflicts;
}

std::vector<std::pair<size_t, Window>> conflicts_with(const ServicePattern& pattern,
                                                      const std::vector<ServicePattern>& others) {
    std::vector<std::pair<size_t, Window>> found;
    for (size_t i = 0; i < others.size(); ++i) {
        if (const std::optional<Window> window = first_conflict(pattern, others[i])) {
            found.emplace_back(i, *window);
        }
    }
    return found;
}

}  // namespace railway
