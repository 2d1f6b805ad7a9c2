// A compact multiset of 64-bit keys: for each distinct key, how many times it was added. Used by
// PunctualityState for the delay minutes outside its dense window, where an attacker (or odd
// data) can bring millions of distinct minutes into one state.
//
// Layout (what bounds the memory):
//   - sorted_: one 8-byte word per distinct key, in ascending order of key, packed as
//     (key + 2^39) << 24 | count, so a key takes 40 bits (keys must lie in [-2^39, 2^39)) and a
//     count up to 2^24 - 2 fits beside it. A larger count is stored as the escape value
//     2^24 - 1 and its real value in big_ (a map; a key needs 16.7 million rows to get there, so
//     big_ holds at most rows / 2^24 nodes);
//   - pending_: the keys added since the last merge, unsorted, 16 bytes each (key and count;
//     a key may appear more than once, and may be in sorted_ too). When it reaches
//     max(256, sorted_.size() / 8) entries, it is sorted, combined and merged into sorted_: in
//     place when it brings no new key, else into a new array of exactly the merged size (the
//     old one is freed afterwards).
// So the memory is 8 bytes per distinct key, plus at most 16 * 2 * max(256, keys / 8) bytes of
// pending entries (its vector doubles), plus 48-byte nodes in big_ (one per 2^24 rows); a merge
// briefly holds the old and the new array (16 bytes per distinct key). Every entry stands for at
// least one added row, so the memory is also bounded by a constant times the rows added.
// add() is an append (and an amortised share of the merges: O(log) per added key).
//
// Long loops (merging, visiting) call poll_interrupts(). All memory comes from the
// std::pmr::memory_resource given at construction.
#pragma once
#include "pure.hpp"

#include "interrupts.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory_resource>
#include <vector>

namespace railway {

class SparseCounts {
public:
    static constexpr int kCountBits = 24;
    static constexpr std::uint64_t kCountEscape = (std::uint64_t{1} << kCountBits) - 1;
    static constexpr std::int64_t kKeyBias = std::int64_t{1} << 39;
    static constexpr std::int64_t kMinKey = -kKeyBias;
    static constexpr std::int64_t kMaxKey = kKeyBias - 1;
    static constexpr std::size_t kMinPending = 256;

    explicit SparseCounts(std::pmr::memory_resource* memory = std::pmr::get_default_resource())
        : sorted_(memory), pending_(memory), big_(memory) {}

    // Adds `count` (>= 1) to `key` (in [kMinKey, kMaxKey]).
    void add(std::int64_t key, std::int64_t count);

    bool empty() const { return sorted_.empty() && pending_.empty(); }
    // The number of distinct keys.
    std::size_t size() const {
        flush();
        return sorted_.size();
    }

    // Calls visit(key, count) for every key in [from, to), in ascending order.
    template <typename Visit>
    void for_each(Visit&& visit, std::int64_t from = kMinKey, std::int64_t to = kMaxKey + 1) const {
        flush();
        InterruptPoller poller;
        for (auto it = lower_bound(from); it != sorted_.end() && key_of(*it) < to; ++it) {
            poller.tick();
            visit(key_of(*it), count_of(*it));
        }
    }

    // Removes the keys in [from, to), calling visit(key, count) for each first.
    template <typename Visit>
    void extract(std::int64_t from, std::int64_t to, Visit&& visit) {
        flush();
        const auto first = lower_bound(from);
        auto last = first;
        for (; last != sorted_.end() && key_of(*last) < to; ++last) {
            const std::int64_t key = key_of(*last);
            visit(key, count_of(*last));
            if ((*last & kCountEscape) == kCountEscape)
                big_.erase(key);
        }
        sorted_.erase(first, last);
    }

    // Bytes held now (the capacities of the containers, 48 bytes per big_ node), for tests.
    std::size_t bytes() const {
        return sorted_.capacity() * sizeof(std::uint64_t) + pending_.capacity() * sizeof(Pending) +
               big_.size() * 48;
    }

private:
    struct Pending {
        std::int64_t key;
        std::int64_t count;
    };
    using Sorted = std::pmr::vector<std::uint64_t>;

    static std::uint64_t pack(std::int64_t key, std::uint64_t field) {
        return (static_cast<std::uint64_t>(key + kKeyBias) << kCountBits) | field;
    }
    static std::int64_t key_of(std::uint64_t entry) {
        return static_cast<std::int64_t>(entry >> kCountBits) - kKeyBias;
    }
    std::int64_t count_of(std::uint64_t entry) const {
        const std::uint64_t field = entry & kCountEscape;
        return field == kCountEscape ? big_.find(key_of(entry))->second
                                     : static_cast<std::int64_t>(field);
    }
    Sorted::iterator lower_bound(std::int64_t key) const {
        const std::int64_t clamped = std::clamp(key, kMinKey, kMaxKey);
        return std::lower_bound(sorted_.begin(), sorted_.end(), pack(clamped, 0));
    }
    // The packed entry of `key` with `count`; a count that does not fit goes to big_.
    std::uint64_t entry_for(std::int64_t key, std::int64_t count) const;
    // Adds `count` to the existing entry.
    void bump(std::uint64_t& entry, std::int64_t count) const;
    // Merges pending_ into sorted_.
    void flush() const {
        if (!pending_.empty())
            merge_pending();
    }
    void merge_pending() const;

    // mutable: flushing changes how the keys are stored, never which keys and counts there are
    // (so a const state can be read, e.g. by a READ_ONLY final function).
    mutable Sorted sorted_;
    mutable std::pmr::vector<Pending> pending_;
    mutable std::pmr::map<std::int64_t, std::int64_t> big_;
};

}  // namespace railway
