#include "conflict_sweep.hpp"

#include "calendar.hpp"
#include "interrupts.hpp"
#include "running_days.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <numeric>
#include <optional>
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
template <class Pieces>
void append_footprint(const ServicePattern& p, uint32_t item, Pieces& pieces) {
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

// The item's span in absolute time: from the departure of its first occurrence to the arrival
// of its last one (saturated at the largest int64), or nullopt when it has no occurrence.
struct Span {
    int64_t start;
    int64_t end;
};

std::optional<Span> span_of(const ServicePattern& p) {
    if (p.departure_us < 0 || p.departure_us >= kDay || p.duration_us <= 0) return std::nullopt;
    const std::optional<int32_t> first = next_departure(p, kDayMinusInfinity);
    if (!first) return std::nullopt;
    int64_t last = std::min<int64_t>(p.last_day, kMaxDay);
    const uint8_t mask = p.days & kAllDays;
    while (last >= *first && !(mask & weekday_bit(last))) --last;  // at most 6 steps
    if (last < *first) return std::nullopt;
    const int64_t start = int64_t{*first} * kDay + p.departure_us;
    const int64_t last_departure = last * kDay + p.departure_us;  // < the end of timestamps
    const int64_t end = last_departure > 0 && p.duration_us > std::numeric_limits<int64_t>::max() - last_departure
                            ? std::numeric_limits<int64_t>::max()
                            : last_departure + p.duration_us;
    return Span{start, end};
}

// A candidate pair of positions in a group, smaller position first, as one sortable number.
uint64_t candidate(uint32_t x, uint32_t y) {
    return x < y ? (uint64_t{x} << 32) | y : (uint64_t{y} << 32) | x;
}

// A footprint piece in a node's sweep, with the side it comes from: 0 for the items whose span
// covers the node, 1 for the items that start inside it.
struct SidedPiece {
    int64_t start;
    int64_t end;
    uint32_t item;
    uint32_t side;
};

// Appends the pairs (one item of each side) whose footprint pieces overlap, with repeats: a
// sweep over the piece starts, where the other side's pieces still active when a piece starts
// are exactly those it overlaps. Each visit of an active piece either drops it (once per piece)
// or reports a pair, so the work is O(pieces log pieces + pairs).
void bipartite_sweep(std::pmr::vector<SidedPiece>& pieces, std::pmr::vector<SidedPiece> (&active)[2],
                     std::pmr::vector<uint64_t>& candidates, InterruptPoller& poller) {
    std::sort(pieces.begin(), pieces.end(),
              [](const SidedPiece& x, const SidedPiece& y) { return x.start < y.start; });
    active[0].clear();
    active[1].clear();
    for (const SidedPiece& piece : pieces) {
        std::pmr::vector<SidedPiece>& others = active[1 - piece.side];
        size_t kept = 0;
        for (const SidedPiece& other : others) {
            poller.tick();
            if (other.end <= piece.start) continue;  // ended: drop it
            others[kept++] = other;
            if (other.item != piece.item) candidates.push_back(candidate(other.item, piece.item));
        }
        others.resize(kept);
        active[piece.side].push_back(piece);
    }
}

// Groups up to this size deduplicate their candidates in a bit matrix (at most 128 KiB),
// larger ones by sorting.
constexpr size_t kMatrixGroup = 1024;

// The candidates once each, in increasing order (by position of the first item, then of the
// second). `matrix` is scratch space.
void distinct_candidates(size_t group_size, std::pmr::vector<uint64_t>& candidates,
                         std::pmr::vector<uint64_t>& matrix, InterruptPoller& poller) {
    if (group_size > kMatrixGroup) {
        sort_polling(candidates, candidates.get_allocator().resource());
        poll_interrupts();
        candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
        return;
    }
    const size_t words = (group_size + 63) / 64;
    matrix.assign(group_size * words, 0);
    for (const uint64_t pair : candidates) {
        poller.tick();
        const uint32_t x = static_cast<uint32_t>(pair >> 32);
        const uint32_t y = static_cast<uint32_t>(pair);
        matrix[x * words + y / 64] |= uint64_t{1} << (y % 64);
    }
    candidates.clear();
    for (uint32_t x = 0; x < group_size; ++x) {
        for (size_t w = 0; w < words; ++w) {
            poller.tick();
            for (uint64_t bits = matrix[x * words + w]; bits != 0; bits &= bits - 1) {
                const uint32_t y = static_cast<uint32_t>(w * 64 + static_cast<size_t>(__builtin_ctzll(bits)));
                candidates.push_back((uint64_t{x} << 32) | y);
            }
        }
    }
}

// The candidate pairs of one group (positions 0 .. size-1, the items `item(position)`), with
// repeats, appended to `candidates`.
//
// Each item with an occurrence is the rectangle span x footprint. Let X be the sorted distinct
// span starts, and a segment tree over X. Two spans I, J overlap iff one contains the other's
// start: J.start in [I.start, I.end). The starts in I's span are a range of X's leaves, which
// the tree splits into O(log n) canonical nodes; J.start's leaf lies in exactly one of them. So
// at every node v, the items having v as a canonical node (their span covers all of v's starts)
// against the items starting in v (a contiguous run of the items sorted by start) are every
// pair of overlapping spans, each once per direction; a sweep over their footprints keeps the
// pairs whose footprints also meet. An item is canonical at O(log n) nodes and starts inside
// O(log n) nodes, so the sweeps handle O(n log n) pieces in all.
template <class ItemAt>
void group_candidates(size_t size, ItemAt&& item, std::pmr::memory_resource* memory,
                      std::pmr::vector<uint64_t>& candidates, InterruptPoller& poller) {
    using Index = uint32_t;
    // Spans and footprints (CSR: the pieces of position p are pieces[piece_begin[p] .. [p + 1])).
    std::pmr::vector<Span> spans(size, Span{0, 0}, memory);
    std::pmr::vector<Index> piece_begin(size + 1, 0, memory);
    std::pmr::vector<Piece> pieces(memory);
    std::pmr::vector<int64_t> starts(memory);
    for (size_t p = 0; p < size; ++p) {
        poller.tick();
        piece_begin[p] = static_cast<Index>(pieces.size());
        const ServicePattern& pattern = item(p).pattern;
        const std::optional<Span> span = span_of(pattern);
        if (!span) continue;
        append_footprint(pattern, static_cast<Index>(p), pieces);
        if (pieces.size() == piece_begin[p]) continue;
        spans[p] = *span;
        starts.push_back(span->start);
    }
    piece_begin[size] = static_cast<Index>(pieces.size());
    if (starts.size() < 2) return;
    std::sort(starts.begin(), starts.end());
    starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
    const size_t leaves = starts.size();
    size_t width = 1;
    while (width < leaves) width *= 2;
    const auto leaf_of = [&](int64_t time) {  // the first start >= time
        return static_cast<Index>(std::lower_bound(starts.begin(), starts.end(), time) - starts.begin());
    };

    // The items by start leaf (a counting sort), and where each leaf's items begin.
    std::pmr::vector<Index> leaf(size, 0, memory);
    std::pmr::vector<Index> leaf_begin(leaves + 1, 0, memory);
    for (size_t p = 0; p < size; ++p) {
        poller.tick();
        if (piece_begin[p] == piece_begin[p + 1]) continue;
        leaf[p] = leaf_of(spans[p].start);
        ++leaf_begin[leaf[p] + 1];
    }
    for (size_t k = 0; k < leaves; ++k) leaf_begin[k + 1] += leaf_begin[k];
    std::pmr::vector<Index> by_start(leaf_begin.back(), 0, memory);
    {
        std::pmr::vector<Index> next(leaf_begin.begin(), leaf_begin.end() - 1, memory);
        for (size_t p = 0; p < size; ++p) {
            if (piece_begin[p] != piece_begin[p + 1]) by_start[next[leaf[p]]++] = static_cast<Index>(p);
        }
    }

    // The canonical nodes of each item's range of leaves [leaf, first start >= its end), as
    // lists per node (CSR over the nodes 1 .. 2 * width - 1, counted first, then filled).
    std::pmr::vector<Index> node_begin(2 * width + 1, 0, memory);
    std::pmr::vector<Index> high(size, 0, memory);
    const auto for_each_canonical = [&](Index low, Index high_leaf, auto&& each) {
        for (size_t l = low + width, r = high_leaf + width; l < r; l /= 2, r /= 2) {
            if (l & 1) each(l++);
            if (r & 1) each(--r);
        }
    };
    for (size_t p = 0; p < size; ++p) {
        poller.tick();
        if (piece_begin[p] == piece_begin[p + 1]) continue;
        high[p] = leaf_of(spans[p].end);  // > leaf[p]: a span is never empty
        for_each_canonical(leaf[p], high[p], [&](size_t node) { ++node_begin[node + 1]; });
    }
    for (size_t v = 0; v < 2 * width; ++v) node_begin[v + 1] += node_begin[v];
    std::pmr::vector<Index> covering(node_begin.back(), 0, memory);
    {
        std::pmr::vector<Index> next(node_begin.begin(), node_begin.end() - 1, memory);
        for (size_t p = 0; p < size; ++p) {
            poller.tick();
            if (piece_begin[p] == piece_begin[p + 1]) continue;
            for_each_canonical(leaf[p], high[p], [&](size_t node) { covering[next[node]++] = static_cast<Index>(p); });
        }
    }

    std::pmr::vector<SidedPiece> work(memory);
    std::pmr::vector<SidedPiece> active[2] = {std::pmr::vector<SidedPiece>(memory),
                                              std::pmr::vector<SidedPiece>(memory)};
    const auto add_pieces = [&](Index p, uint32_t side) {
        for (Index k = piece_begin[p]; k < piece_begin[p + 1]; ++k) {
            work.push_back(SidedPiece{pieces[k].start, pieces[k].end, p, side});
        }
    };
    for (size_t v = 1; v < 2 * width; ++v) {
        poller.tick();
        if (node_begin[v] == node_begin[v + 1]) continue;
        // The node's leaves: v = 2^depth + i covers [i * span, (i + 1) * span).
        size_t depth_width = width;
        for (size_t up = v; up > 1; up /= 2) depth_width /= 2;
        size_t first_node_of_depth = width / depth_width;
        const size_t low = (v - first_node_of_depth) * depth_width;
        const size_t high_leaf = std::min(low + depth_width, leaves);
        if (low >= leaves) continue;
        const Index b_begin = leaf_begin[low];
        const Index b_end = leaf_begin[high_leaf];
        // A lone item covering its own start has no partner.
        if (b_end - b_begin == 1 && node_begin[v + 1] - node_begin[v] == 1 &&
            by_start[b_begin] == covering[node_begin[v]]) {
            continue;
        }
        work.clear();
        for (Index k = node_begin[v]; k < node_begin[v + 1]; ++k) add_pieces(covering[k], 0);
        for (Index k = b_begin; k < b_end; ++k) add_pieces(by_start[k], 1);
        bipartite_sweep(work, active, candidates, poller);
    }
}

}  // namespace

std::pmr::vector<ConflictPair> find_all_conflicts_in(const SweepItem* items, size_t count,
                                                     std::pmr::memory_resource* memory,
                                                     SweepStats* stats) {
    InterruptPoller poller;
    // Items by (group, id); the index breaks ties, so that the order is deterministic.
    std::pmr::vector<size_t> order(count, 0, memory);
    std::iota(order.begin(), order.end(), size_t{0});
    poll_interrupts();
    std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
        return std::tie(items[x].group, items[x].id, x) < std::tie(items[y].group, items[y].id, y);
    });
    poll_interrupts();

    std::pmr::vector<ConflictPair> conflicts(memory);
    std::pmr::vector<uint64_t> candidates(memory);
    std::pmr::vector<uint64_t> matrix(memory);
    for (size_t begin = 0, end = 0; begin < order.size(); begin = end) {
        const int64_t group = items[order[begin]].group;
        bool repeated_id = false;
        for (end = begin; end < order.size() && items[order[end]].group == group; ++end) {
            poller.tick();
            if (end > begin && items[order[end]].id == items[order[end - 1]].id) repeated_id = true;
        }
        const size_t size = end - begin;
        if (size < 2) continue;
        if (size > std::numeric_limits<uint32_t>::max() / 2) throw std::bad_alloc();
        candidates.clear();
        group_candidates(
            size, [&](size_t position) -> const SweepItem& { return items[order[begin + position]]; }, memory,
            candidates, poller);
        distinct_candidates(size, candidates, matrix, poller);
        if (stats != nullptr) stats->candidates += candidates.size();
        // Positions follow (id, index), so the pairs come out in (id of a, id of b) order.
        const size_t first_of_group = conflicts.size();
        for (const uint64_t pair : candidates) {
            poller.tick();
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
            sort_polling(conflicts.begin() + static_cast<std::ptrdiff_t>(first_of_group), conflicts.end(), memory,
                         [&](const ConflictPair& x, const ConflictPair& y) {
                             return std::tie(items[x.a].id, items[x.b].id, x.a, x.b) <
                                    std::tie(items[y.a].id, items[y.b].id, y.a, y.b);
                         });
        }
    }
    return conflicts;
}

std::vector<ConflictPair> find_all_conflicts(const std::vector<SweepItem>& items, SweepStats* stats) {
    const std::pmr::vector<ConflictPair> found =
        find_all_conflicts_in(items.data(), items.size(), std::pmr::get_default_resource(), stats);
    return std::vector<ConflictPair>(found.begin(), found.end());
}

std::vector<std::pair<size_t, Window>> conflicts_with(const ServicePattern& pattern,
                                                      const ServicePattern* others, size_t count) {
    InterruptPoller poller(256);
    std::vector<std::pair<size_t, Window>> found;
    for (size_t i = 0; i < count; ++i) {
        poller.tick();
        if (const std::optional<Window> window = first_conflict(pattern, others[i])) {
            found.emplace_back(i, *window);
        }
    }
    return found;
}

}  // namespace railway
