#include "pattern_summary.hpp"

#include "calendar.hpp"
#include "running_days.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace railway {

namespace {

__extension__ typedef __int128 int128;

constexpr int64_t kDay = kUsecPerDay;
constexpr int64_t kWeek = 7 * kDay;
constexpr int64_t kSlot = 15 * kUsecPerMinute;
static_assert(kWeek / kSlot == kSlotsPerWeek);

int64_t saturate(int128 value) {
    if (value > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
    if (value < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(value);
}

void mark_all(PatternSummary& s) {
    for (uint64_t& word : s.slots) word = ~uint64_t{0};
    s.slots[kSlotWords - 1] &= (uint64_t{1} << (kSlotsPerWeek - 64 * (kSlotWords - 1))) - 1;
}

void mark(PatternSummary& s, int slot) { s.slots[slot / 64] |= uint64_t{1} << (slot % 64); }

int popcount(const PatternSummary& s) {
    int bits = 0;
    for (uint64_t word : s.slots) bits += __builtin_popcountll(word);
    return bits;
}

}  // namespace

PatternSummary empty_summary() {
    PatternSummary s{};
    s.min_start_us = std::numeric_limits<int64_t>::max();
    s.max_end_us = std::numeric_limits<int64_t>::min();
    return s;
}

bool is_empty(const PatternSummary& summary) { return summary.min_start_us >= summary.max_end_us; }

PatternSummary summarize(const ServicePattern& p) {
    PatternSummary s = empty_summary();
    // First and last departure dates (a range that holds no running day never departs).
    const std::optional<int32_t> first = next_departure(p, kDayMinusInfinity);
    if (!first || p.duration_us <= 0) return s;
    const int64_t last = std::min<int64_t>(p.last_day, kMaxDay);
    if (last < *first) return s;

    s.min_start_us = saturate(static_cast<int128>(*first) * kDay + p.departure_us);
    s.max_end_us = saturate(static_cast<int128>(last) * kDay + p.departure_us + p.duration_us);

    // The weekdays it departs on: a range shorter than a week holds only some of them.
    uint8_t weekdays = p.days & kAllDays;
    if (last - *first < 6) {
        uint8_t in_range = 0;
        for (int64_t day = *first; day <= last; ++day) in_range |= weekday_bit(day);
        weekdays &= in_range;
    }
    if (p.duration_us >= kWeek - kSlot) {
        mark_all(s);
        return s;
    }
    for (int weekday = 0; weekday < 7; ++weekday) {
        if (!(weekdays & (1u << weekday))) continue;
        const int64_t start = weekday * kDay + p.departure_us;
        const int64_t end = start + p.duration_us;  // exclusive, < 14 days
        for (int64_t slot = start / kSlot; slot <= (end - 1) / kSlot; ++slot) {
            mark(s, static_cast<int>(slot % kSlotsPerWeek));
        }
    }
    return s;
}

void merge(PatternSummary& into, const PatternSummary& other) {
    if (is_empty(other)) return;
    if (is_empty(into)) {
        into = other;
        return;
    }
    into.min_start_us = std::min(into.min_start_us, other.min_start_us);
    into.max_end_us = std::max(into.max_end_us, other.max_end_us);
    for (int i = 0; i < kSlotWords; ++i) into.slots[i] |= other.slots[i];
}

bool may_conflict(const PatternSummary& summary, const PatternSummary& query) {
    if (is_empty(summary) || is_empty(query)) return false;
    if (summary.max_end_us <= query.min_start_us || query.max_end_us <= summary.min_start_us) {
        return false;
    }
    for (int i = 0; i < kSlotWords; ++i) {
        if (summary.slots[i] & query.slots[i]) return true;
    }
    return false;
}

double summary_size(const PatternSummary& summary) {
    if (is_empty(summary)) return 0.0;
    const double span_days =
        (static_cast<double>(summary.max_end_us) - static_cast<double>(summary.min_start_us)) / kDay;
    return static_cast<double>(popcount(summary)) / kSlotsPerWeek + std::log2(1.0 + span_days) / 32.0;
}

// summary_size(merged) - summary_size(summary), without building the merged summary: only
// the slots `added` brings and, if the span widens, the change of its logarithmic measure.
// GiST calls this for every entry of every inner page an insert passes, so it stays cheap.
double growth(const PatternSummary& summary, const PatternSummary& added) {
    if (is_empty(added)) return 0.0;
    if (is_empty(summary)) return summary_size(added);
    int new_slots = 0;
    for (int i = 0; i < kSlotWords; ++i) {
        const uint64_t bits = added.slots[i] & ~summary.slots[i];
        if (bits != 0) new_slots += __builtin_popcountll(bits);
    }
    double span_growth = 0.0;
    if (added.min_start_us < summary.min_start_us || added.max_end_us > summary.max_end_us) {
        auto span_measure = [](int64_t from, int64_t to) {
            return std::log2(1.0 + (static_cast<double>(to) - static_cast<double>(from)) / kDay) / 32.0;
        };
        span_growth = span_measure(std::min(summary.min_start_us, added.min_start_us),
                                   std::max(summary.max_end_us, added.max_end_us)) -
                      span_measure(summary.min_start_us, summary.max_end_us);
    }
    return std::max(0.0, static_cast<double>(new_slots) / kSlotsPerWeek + span_growth);
}

bool operator==(const PatternSummary& a, const PatternSummary& b) {
    return std::memcmp(&a, &b, sizeof(PatternSummary)) == 0;
}

std::vector<bool> split_summaries(const std::vector<PatternSummary>& entries) {
    const size_t n = entries.size();
    std::vector<bool> right(n, false);
    if (n < 2) return right;

    // Seeds, in linear time: the entry that wastes most when merged with the first entry, and
    // then the entry that wastes most when merged with that one.
    auto waste = [&](size_t i, size_t j) {
        PatternSummary merged = entries[i];
        merge(merged, entries[j]);
        return summary_size(merged) - summary_size(entries[i]) - summary_size(entries[j]);
    };
    auto farthest_from = [&](size_t from) {
        size_t best = from == 0 ? 1 : 0;
        double worst = -1.0;
        for (size_t i = 0; i < n; ++i) {
            if (i == from) continue;
            const double w = waste(from, i);
            if (w > worst) {
                worst = w;
                best = i;
            }
        }
        return best;
    };
    const size_t seed_left = farthest_from(0);
    const size_t seed_right = farthest_from(seed_left);

    // Every entry by how much more it prefers the left seed than the right one; the left side
    // takes the entries that prefer it, within the minimum fill of a third on each side.
    std::vector<std::pair<double, size_t>> order;
    order.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        double preference = growth(entries[seed_left], entries[i]) - growth(entries[seed_right], entries[i]);
        if (i == seed_left) preference = -std::numeric_limits<double>::infinity();
        if (i == seed_right) preference = std::numeric_limits<double>::infinity();
        order.emplace_back(preference, i);
    }
    std::sort(order.begin(), order.end());
    size_t left_count = 0;
    while (left_count < n && order[left_count].first < 0) ++left_count;
    // Entries with no preference are shared out to balance the sides.
    size_t no_preference = left_count;
    while (no_preference < n && order[no_preference].first == 0) ++no_preference;
    left_count += (no_preference - left_count) / 2;
    const size_t min_fill = std::max<size_t>(1, n / 3);
    left_count = std::clamp(left_count, min_fill, n - min_fill);
    for (size_t k = left_count; k < n; ++k) right[order[k].second] = true;
    return right;
}

}  // namespace railway
