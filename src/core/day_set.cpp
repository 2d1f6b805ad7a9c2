#include "day_set.hpp"

#include "error.hpp"
#include "interrupts.hpp"
#include "wire.hpp"

#include <algorithm>
#include <string>

namespace railway {

namespace {

// The blocks of all finite int64 timestamps, for validating deserialized block numbers.
constexpr std::int64_t kMinBlock = floor_div(
    floor_div(kTimestampMinusInfinity + 1, kUsecPerDay), DaySet::kDaysPerBlock);
constexpr std::int64_t kMaxBlock =
    floor_div(floor_div(kTimestampInfinity - 1, kUsecPerDay), DaySet::kDaysPerBlock);

}  // namespace

DaySet::DaySet(std::pmr::memory_resource* memory) : dense_(memory), sparse_(memory) {}

DaySet::Bitmap& DaySet::bitmap_outside_window(std::int64_t block) {
    if (dense_.empty()) {
        dense_first_ = block;
        dense_.resize(1);
        return dense_[0];
    }
    const auto size = static_cast<std::int64_t>(dense_.size());
    const std::int64_t needed_first = std::min(dense_first_, block);
    const std::int64_t needed_end = std::max(dense_first_ + size, block + 1);
    const std::int64_t needed = needed_end - needed_first;
    // The widest window allowed now: a power of two, at most kDenseMaxBlocks and at most
    // kDenseBlocksPerDay * (days + 1) (the date being added may be a new one).
    const std::int64_t wanted = std::min(days_ + 1, kDenseMaxBlocks) * kDenseBlocksPerDay;
    std::int64_t limit = 1;
    while (limit * 2 <= std::min(wanted, kDenseMaxBlocks))
        limit <<= 1;
    if (needed > limit)
        return sparse_[block];  // a new node starts all zero
    // Doubling keeps the number of regrowths logarithmic. The extra room goes where the window
    // grew, as later dates tend to continue that way; the final size has no later growth, so
    // its room is shared between both sides.
    std::int64_t grown_size = 1;
    while (grown_size < std::max(2 * size, needed))
        grown_size <<= 1;
    grown_size = std::min(grown_size, limit);
    std::int64_t grown_first;
    if (grown_size == kDenseMaxBlocks)
        grown_first = needed_first - (grown_size - needed) / 2;
    else if (block < dense_first_)
        grown_first = needed_end - grown_size;
    else
        grown_first = needed_first;
    std::pmr::vector<Bitmap> grown(static_cast<std::size_t>(grown_size), Bitmap{},
                                   dense_.get_allocator());
    std::copy(dense_.begin(), dense_.end(), grown.begin() + (dense_first_ - grown_first));
    // Sparse blocks the window now covers move into it (a block is in exactly one place).
    const auto first = sparse_.lower_bound(grown_first);
    auto last = first;
    for (; last != sparse_.end() && last->first < grown_first + grown_size; ++last)
        grown[static_cast<std::size_t>(last->first - grown_first)] = last->second;
    sparse_.erase(first, last);
    dense_.swap(grown);
    dense_first_ = grown_first;
    return dense_[static_cast<std::size_t>(block - grown_first)];
}

void DaySet::throw_infinite(std::int64_t timestamp) {
    throw Error(sqlstate::datetime_field_overflow,
                "operation_days cannot take the date of an infinite timestamp",
                std::string("The timestamp is ") + (timestamp > 0 ? "infinity." : "-infinity."),
                "Leave such rows out, for example with WHERE isfinite(...).");
}

template <typename Visit>
void DaySet::for_each_block(Visit&& visit) const {
    // Sparse blocks all lie outside the dense window: first those below it, then the window,
    // then those above it.
    InterruptPoller poller;
    auto sparse = sparse_.begin();
    for (; sparse != sparse_.end() && sparse->first < dense_first_; ++sparse) {
        poller.tick();
        visit(sparse->first, sparse->second);
    }
    for (std::size_t i = 0; i < dense_.size(); ++i)
        if (dense_[i] != Bitmap{})
            visit(dense_first_ + static_cast<std::int64_t>(i), dense_[i]);
    for (; sparse != sparse_.end(); ++sparse) {
        poller.tick();
        visit(sparse->first, sparse->second);
    }
}

void DaySet::merge(const DaySet& other) {
    other.for_each_block([this](std::int64_t block, const Bitmap& theirs) {
        Bitmap& mine = bitmap(block);
        for (std::size_t w = 0; w < kWordsPerBlock; ++w) {
            days_ += __builtin_popcountll(theirs[w] & ~mine[w]);
            mine[w] |= theirs[w];
        }
    });
}

std::vector<std::uint8_t> DaySet::serialize() const {
    std::uint64_t blocks = 0;
    for_each_block([&](std::int64_t, const Bitmap&) { ++blocks; });

    std::vector<std::uint8_t> out;
    out.reserve(5 + static_cast<std::size_t>(blocks) * (10 + sizeof(Bitmap)));
    out.push_back(kFormatVersion);
    wire::put_le(out, blocks, 4);
    for_each_block([&](std::int64_t block, const Bitmap& bits) {
        wire::put_le(out, static_cast<std::uint64_t>(block), 8);
        std::uint64_t word_mask = 0;
        for (std::size_t w = 0; w < kWordsPerBlock; ++w)
            if (bits[w] != 0)
                word_mask |= std::uint64_t{1} << w;
        wire::put_le(out, word_mask, 2);
        for (const std::uint64_t word : bits)
            if (word != 0)
                wire::put_le(out, word, 8);
    });
    return out;
}

DaySet DaySet::deserialize(const std::uint8_t* data, std::size_t size,
                           std::pmr::memory_resource* memory) {
    wire::Reader in(data, size, "invalid serialized railway.operation_days state");
    if (in.le(1) != kFormatVersion)
        in.fail("Unknown format version.");
    const std::uint64_t block_count = in.le(4);
    // Every block takes at least 18 bytes, which bounds the loop by the input size.
    if (block_count > in.remaining() / 18)
        in.fail("Too many blocks for the data size.");

    DaySet set(memory);
    std::int64_t previous = kMinBlock - 1;
    InterruptPoller poller;
    for (std::uint64_t i = 0; i < block_count; ++i) {
        poller.tick();
        const auto block = static_cast<std::int64_t>(in.le(8));
        if (block < kMinBlock || block > kMaxBlock)
            in.fail("A block number is out of range.");
        if (block <= previous)
            in.fail("The blocks are not in ascending order.");
        previous = block;
        const std::uint64_t word_mask = in.le(2);
        if (word_mask == 0)
            in.fail("A block is empty.");
        Bitmap& bits = set.bitmap(block);
        for (std::size_t w = 0; w < kWordsPerBlock; ++w) {
            if ((word_mask & (std::uint64_t{1} << w)) == 0)
                continue;
            bits[w] = in.le(8);
            if (bits[w] == 0)
                in.fail("A word marked nonzero is zero.");
            set.days_ += __builtin_popcountll(bits[w]);
        }
    }
    if (in.remaining() != 0)
        in.fail("Trailing bytes.");
    return set;
}

}  // namespace railway
