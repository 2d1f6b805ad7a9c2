// Cancellation of long loops in the core (DESIGN.md section 5).
//
// The core has no PostgreSQL headers, so it cannot call CHECK_FOR_INTERRUPTS itself. Every loop
// whose length depends on its input (rows, dates, candidate pairs, calendar days) calls
// railway::poll_interrupts() now and then instead. The boundary installs a hook at module load
// (src/pg/module.cpp) that processes a pending cancel or termination request: PostgreSQL's
// error becomes a PgError exception that unwinds the core's frames (every destructor runs) and
// guard() re-raises it, so statement_timeout, pg_cancel_backend and pg_terminate_backend stop
// railway's work like any other. Outside PostgreSQL (unit tests, fuzzers, benchmarks) the hook
// is empty unless a test installs one (to check that a loop polls).
#pragma once
#include "pure.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory_resource>
#include <utility>
#include <vector>

namespace railway {

using InterruptHook = void (*)();

namespace detail {
inline InterruptHook interrupt_hook = nullptr;
}

// Installs `hook` (nullptr: none) and returns the previous one.
inline InterruptHook set_interrupt_hook(InterruptHook hook) noexcept {
    InterruptHook const previous = detail::interrupt_hook;
    detail::interrupt_hook = hook;
    return previous;
}

// Lets a pending cancellation through: may throw (the hook's exception). Cheap: one load and a
// predictable branch when nothing is pending (the hook itself tests a flag first).
inline void poll_interrupts() {
    if (detail::interrupt_hook != nullptr)
        detail::interrupt_hook();
}

// For the tightest loops: polls once every `every` iterations (a power of two is cheapest).
class InterruptPoller {
public:
    explicit InterruptPoller(std::uint32_t every = 1024) noexcept : every_(every), count_(0) {}
    void tick() {
        if (++count_ >= every_) {
            count_ = 0;
            poll_interrupts();
        }
    }

private:
    std::uint32_t every_;
    std::uint32_t count_;
};

// std::sort (stable_sort with `stable`) that can be cancelled: sorts runs of 65,536 elements
// (each a few milliseconds), then merges them pairwise through a buffer from `memory`, polling
// between runs and merges. For the large arrays of the conflict sweeps, where one std::sort of
// tens of millions of elements would be seconds deaf to statement_timeout.
template <typename RandomIt, typename Compare>
void sort_polling(RandomIt first, RandomIt last, std::pmr::memory_resource* memory, Compare compare,
                  bool stable = false) {
    using T = typename std::iterator_traits<RandomIt>::value_type;
    constexpr std::ptrdiff_t kRun = std::ptrdiff_t{1} << 16;
    const std::ptrdiff_t n = last - first;
    for (std::ptrdiff_t begin = 0; begin < n; begin += kRun) {
        if (n > kRun) poll_interrupts();
        const RandomIt run_end = first + std::min(n, begin + kRun);
        if (stable)
            std::stable_sort(first + begin, run_end, compare);
        else
            std::sort(first + begin, run_end, compare);
    }
    if (n <= kRun) return;
    std::pmr::vector<T> buffer(memory);
    buffer.reserve(static_cast<std::size_t>(n));
    for (std::ptrdiff_t width = kRun; width < n; width *= 2) {
        buffer.clear();
        for (std::ptrdiff_t begin = 0; begin < n; begin += 2 * width) {
            poll_interrupts();
            const RandomIt middle = first + std::min(n, begin + width);
            const RandomIt end = first + std::min(n, begin + 2 * width);
            std::merge(std::make_move_iterator(first + begin), std::make_move_iterator(middle),
                       std::make_move_iterator(middle), std::make_move_iterator(end),
                       std::back_inserter(buffer), compare);
        }
        poll_interrupts();
        std::move(buffer.begin(), buffer.end(), first);
    }
}

template <typename T>
void sort_polling(std::pmr::vector<T>& values, std::pmr::memory_resource* memory) {
    sort_polling(values.begin(), values.end(), memory, std::less<T>());
}

}  // namespace railway
