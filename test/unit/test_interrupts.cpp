// The core's interrupt polling (src/core/interrupts.hpp): the hook runs, its exception
// propagates out of the polling loop, and InterruptPoller polls once per period.
#include "core/interrupts.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory_resource>
#include <stdexcept>
#include <utility>
#include <vector>

namespace {

int calls = 0;
void counting_hook() { ++calls; }
void cancelling_hook() { throw std::runtime_error("canceling statement due to statement timeout"); }

struct HookGuard {
    railway::InterruptHook previous;
    explicit HookGuard(railway::InterruptHook hook) : previous(railway::set_interrupt_hook(hook)) {}
    ~HookGuard() { railway::set_interrupt_hook(previous); }
};

TEST(Interrupts, NoHookDoesNothing) {
    HookGuard guard(nullptr);
    EXPECT_NO_THROW(railway::poll_interrupts());
}

TEST(Interrupts, HookRunsOnEveryPoll) {
    HookGuard guard(&counting_hook);
    calls = 0;
    for (int i = 0; i < 5; ++i) railway::poll_interrupts();
    EXPECT_EQ(calls, 5);
}

TEST(Interrupts, PollerPollsOncePerPeriod) {
    HookGuard guard(&counting_hook);
    calls = 0;
    railway::InterruptPoller poller(8);
    for (int i = 0; i < 100; ++i) poller.tick();
    EXPECT_EQ(calls, 12);
}

TEST(Interrupts, HookExceptionStopsTheLoop) {
    HookGuard guard(&cancelling_hook);
    int iterations = 0;
    railway::InterruptPoller poller(16);
    EXPECT_THROW(
        {
            for (;;) {
                ++iterations;
                poller.tick();
            }
        },
        std::runtime_error);
    EXPECT_EQ(iterations, 16);
}

}  // namespace

namespace {

TEST(Interrupts, SortPollingSortsLikeStdSortAndPolls) {
    HookGuard guard(&counting_hook);
    calls = 0;
    std::pmr::vector<std::uint64_t> values;
    std::uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 300000; ++i) {  // several runs of 65,536 and an odd tail
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        values.push_back(x % 1000);
    }
    std::vector<std::uint64_t> expected(values.begin(), values.end());
    std::sort(expected.begin(), expected.end());
    railway::sort_polling(values, std::pmr::get_default_resource());
    EXPECT_TRUE(std::equal(values.begin(), values.end(), expected.begin(), expected.end()));
    EXPECT_GE(calls, 5);
}

TEST(Interrupts, SortPollingStableKeepsTheOrderOfEqualKeys) {
    std::vector<std::pair<int, int>> values;
    for (int i = 0; i < 200000; ++i) values.emplace_back((i * 7919) % 13, i);
    railway::sort_polling(values.begin(), values.end(), std::pmr::get_default_resource(),
                          [](const auto& a, const auto& b) { return a.first < b.first; }, /*stable=*/true);
    for (std::size_t i = 1; i < values.size(); ++i) {
        ASSERT_LE(values[i - 1].first, values[i].first);
        if (values[i - 1].first == values[i].first) ASSERT_LT(values[i - 1].second, values[i].second);
    }
}

TEST(Interrupts, SortPollingStopsWhenCancelled) {
    HookGuard guard(&cancelling_hook);
    std::pmr::vector<std::uint64_t> values(200000, 1);
    EXPECT_THROW(railway::sort_polling(values, std::pmr::get_default_resource()), std::runtime_error);
}

}  // namespace
