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
struct Piece {
    int64_t start;
    int64_t end;
    size_t item;
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
void append_footprint(const ServicePattern& p, size_t item, std::vector<Piece>& pieces) {
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

// Appends the pairs of items whose pieces overlap (with repeats), by a sweep over the starts:
// the pieces still active when a piece starts are exactly those it overlaps.
void sweep(std::vector<Piece>& pieces, std::vector<std::pair<size_t, size_t>>& candidates) {
    std::sort(pieces.begin(), pieces.end(),
              [](const Piece& x, const Piece& y) { return x.start < y.start; });
    std::vector<Piece> active;
    for (const Piece& piece : pieces) {
        size_t kept = 0;
        for (const Piece& other : active) {
            if (other.end <= piece.start) continue;  // ended: drop it
            active[kept++] = other;
            if (other.item != piece.item) candidates.emplace_back(other.item, piece.item);
        }
        active.resize(kept);
        active.push_back(piece);
    }
}

}  // namespace

std::vector<ConflictPair> find_all_conflicts(const std::vector<SweepItem>& items) {
    std::vector<size_t> order(items.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
        return std::pair(items[x].group, items[x].id) < std::pair(items[y].group, items[y].id);
    });
    // Orders a candidate's items by (id, index), which also makes repeats adjacent.
    const auto by_id = [&](const std::pair<size_t, size_t>& x, const std::pair<size_t, size_t>& y) {
        return std::tuple(items[x.first].id, items[x.second].id, x) <
               std::tuple(items[y.first].id, items[y.second].id, y);
    };

    std::vector<ConflictPair> conflicts;
    std::vector<Piece> pieces;
    std::vector<std::pair<size_t, size_t>> candidates;
    for (size_t begin = 0, end = 0; begin < order.size(); begin = end) {
        const int64_t group = items[order[begin]].group;
        pieces.clear();
        for (end = begin; end < order.size() && items[order[end]].group == group; ++end) {
            append_footprint(items[order[end]].pattern, order[end], pieces);
        }
        candidates.clear();
        sweep(pieces, candidates);
        for (auto& [a, b] : candidates) {
            if (std::pair(items[b].id, b) < std::pair(items[a].id, a)) std::swap(a, b);
        }
        std::sort(candidates.begin(), candidates.end(), by_id);
        candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
        for (const auto& [a, b] : candidates) {
            if (items[a].id == items[b].id) continue;
            if (const std::optional<Window> window =
                    first_conflict(items[a].pattern, items[b].pattern)) {
                conflicts.push_back(ConflictPair{a, b, *window});
            }
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
