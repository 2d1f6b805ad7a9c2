// The core's interrupt polling (src/core/interrupts.hpp): the hook runs, its exception
// propagates out of the polling loop, and InterruptPoller polls once per period.
#include "core/interrupts.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

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
