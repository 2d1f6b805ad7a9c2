#include "sparse_counts.hpp"

#include "error.hpp"

namespace railway {

std::uint64_t SparseCounts::entry_for(std::int64_t key, std::int64_t count) const {
    if (static_cast<std::uint64_t>(count) < kCountEscape)
        return pack(key, static_cast<std::uint64_t>(count));
    big_[key] = count;
    return pack(key, kCountEscape);
}

void SparseCounts::bump(std::uint64_t& entry, std::int64_t count) const {
    const std::uint64_t field = entry & kCountEscape;
    const std::int64_t key = key_of(entry);
    if (field == kCountEscape) {
        big_.find(key)->second += count;
        return;
    }
    // field + count <= the rows of the state, which the caller keeps within int64.
    const std::int64_t total = static_cast<std::int64_t>(field) + count;
    entry = entry_for(key, total);
}

void SparseCounts::add(std::int64_t key, std::int64_t count) {
    if (key < kMinKey || key > kMaxKey || count < 1)
        throw Error(sqlstate::internal_error, "railway: sparse count out of range");
    pending_.push_back(Pending{key, count});
    if (pending_.size() >= std::max(kMinPending, sorted_.size() / 8))
        merge_pending();
}

void SparseCounts::merge_pending() const {
    InterruptPoller poller;
    std::sort(pending_.begin(), pending_.end(),
              [](const Pending& a, const Pending& b) { return a.key < b.key; });
    // Combine equal keys in place.
    std::size_t unique = 0;
    for (std::size_t i = 0; i < pending_.size(); ++i) {
        poller.tick();
        if (unique > 0 && pending_[unique - 1].key == pending_[i].key)
            pending_[unique - 1].count += pending_[i].count;
        else
            pending_[unique++] = pending_[i];
    }
    pending_.resize(unique);  // shrinking never throws
    // How many pending keys sorted_ lacks: the merged array gets exactly that many more entries.
    std::size_t fresh = 0;
    {
        auto old = sorted_.begin();
        for (const Pending& p : pending_) {
            poller.tick();
            const std::uint64_t probe = pack(p.key, 0);
            while (old != sorted_.end() && *old < probe)
                ++old;
            fresh += old == sorted_.end() || key_of(*old) != p.key;
        }
    }
    if (fresh == 0) {
        // Only keys sorted_ has (a frequent outlier): add the counts in place.
        auto old = sorted_.begin();
        for (const Pending& p : pending_) {
            poller.tick();
            old = std::lower_bound(old, sorted_.end(), pack(p.key, 0));
            bump(*old, p.count);
        }
    } else {
        Sorted merged(sorted_.get_allocator());
        merged.reserve(sorted_.size() + fresh);
        auto old = sorted_.begin();
        for (const Pending& p : pending_) {
            poller.tick();
            const std::uint64_t probe = pack(p.key, 0);
            for (; old != sorted_.end() && *old < probe; ++old)
                merged.push_back(*old);
            if (old != sorted_.end() && key_of(*old) == p.key) {
                merged.push_back(*old);
                bump(merged.back(), p.count);
                ++old;
            } else {
                merged.push_back(entry_for(p.key, p.count));
            }
        }
        for (; old != sorted_.end(); ++old) {
            poller.tick();
            merged.push_back(*old);
        }
        sorted_.swap(merged);
    }
    std::pmr::vector<Pending>(pending_.get_allocator()).swap(pending_);
}

}  // namespace railway
