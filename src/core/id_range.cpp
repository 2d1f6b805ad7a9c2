#include "id_range.hpp"

#include <algorithm>
#include <numeric>

namespace railway {

void merge(IdRange& into, const IdRange& other) {
    into.lower = std::min(into.lower, other.lower);
    into.upper = std::max(into.upper, other.upper);
}

double widening(const IdRange& range, const IdRange& added) {
    int64_t grown = 0;
    if (added.lower < range.lower) grown += static_cast<int64_t>(range.lower) - added.lower;
    if (added.upper > range.upper) grown += static_cast<int64_t>(added.upper) - range.upper;
    return static_cast<double>(grown);
}

std::vector<bool> split_id_ranges(const std::vector<IdRange>& entries) {
    const size_t n = entries.size();
    std::vector<bool> right(n, false);
    if (n < 2) return right;
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t{0});
    auto less = [&](size_t a, size_t b) {
        const IdRange& x = entries[a];
        const IdRange& y = entries[b];
        return x.lower != y.lower ? x.lower < y.lower : x.upper < y.upper;
    };
    std::sort(order.begin(), order.end(), less);
    // The cut falls before order[cut]: the nearest boundary between different ranges to the
    // middle, within the middle third; the middle itself if there is none there.
    const size_t middle = n / 2;
    const size_t reach = std::max<size_t>(1, n / 6);
    size_t cut = middle;
    for (size_t step = 0; step <= reach; ++step) {
        const size_t candidates[2] = {middle + step, middle - std::min(step, middle)};
        bool found = false;
        for (size_t c : candidates) {
            if (c >= 1 && c < n && !(entries[order[c - 1]] == entries[order[c]])) {
                cut = c;
                found = true;
                break;
            }
        }
        if (found) break;
    }
    for (size_t k = cut; k < n; ++k) right[order[k]] = true;
    return right;
}

}  // namespace railway
