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

#include <cstdint>

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

}  // namespace railway
