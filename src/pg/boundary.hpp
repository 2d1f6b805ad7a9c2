// The C++/PostgreSQL boundary (DESIGN.md section 5).
//
// PostgreSQL reports errors with longjmp; C++ unwinds with exceptions. Neither may cross the
// other's frames: a longjmp over a C++ frame skips destructors, an exception thrown through a
// PostgreSQL frame is undefined behaviour. Two tools keep them apart:
//
//   guard(body)        every extern "C" entry point's whole body. Runs the C++ body inside
//                      try/catch; a caught exception is copied into plain buffers and, after the
//                      catch block has ended (every destructor done), raised with ereport(ERROR)
//                      and its SQLSTATE, message, DETAIL and HINT.
//
//   pg_guarded(call)   a PostgreSQL call made while C++ objects are alive. Catches the
//                      PostgreSQL error with sigsetjmp on PG_exception_stack, copies it with
//                      CopyErrorData, flushes the error state and throws PgError, which guard()
//                      re-raises unchanged. The call itself must own nothing with a destructor.
//
// Include order in src/pg: standard and src/core headers first, then this file (which brings in
// postgres.h); src/core/pure.hpp refuses to compile a core header seen after postgres.h.
#pragma once

#include "core/error.hpp"

#include <csetjmp>
#include <exception>
#include <new>
#include <type_traits>
#include <utility>

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "utils/elog.h"
#include "utils/memutils.h"
}

namespace railway::pg {

// A PostgreSQL error travelling through C++ frames. It must always reach guard(), which
// re-throws it into PostgreSQL: catching it and carrying on would leave PostgreSQL's
// transaction state inconsistent (there is no subtransaction to roll back).
class PgError final : public std::exception {
public:
    explicit PgError(ErrorData* data) noexcept : data_(data) {}
    ErrorData* data() const noexcept { return data_; }
    const char* what() const noexcept override {
        return data_ && data_->message ? data_->message : "PostgreSQL error";
    }

private:
    ErrorData* data_;  // palloc'd in the memory context that was current at the call
};

// What guard() remembers of an exception. Trivially destructible on purpose: it lives in the
// frame that ereport() longjmps out of. Deliberately without initializers: guard() runs on
// every call of every native function (once per row for an aggregate), and zeroing these 2.5 KB
// each time cost more than many function bodies; capture_current_exception() initializes it.
struct CaughtError {
    int sqlerrcode;
    ErrorData* pg_error;  // set when the exception was a PgError
    char message[1024];
    char detail[1024];
    char hint[512];
};
static_assert(std::is_trivially_destructible_v<CaughtError>);
static_assert(std::is_trivially_default_constructible_v<CaughtError>);

// Initializes `out` and copies the exception being handled into it. Only called from inside a
// catch block; never calls PostgreSQL (beyond pg_mbcliplen, which cannot fail).
void capture_current_exception(CaughtError& out) noexcept;

// ereport(ERROR) / ReThrowError for a captured exception. Called outside any catch block.
[[noreturn]] void raise_captured(const CaughtError& caught);

template <typename Body>
Datum guard(Body&& body) {
    CaughtError caught;
    try {
        return std::forward<Body>(body)();
    } catch (...) {
        capture_current_exception(caught);
    }
    // The exception object and every C++ object of the body are gone: longjmp is safe now.
    raise_captured(caught);
}

template <typename Call>
auto pg_guarded(Call&& call) -> decltype(call()) {
    using Result = decltype(call());
    static_assert(std::is_void_v<Result> || std::is_trivially_copyable_v<Result>,
                  "pg_guarded returns plain values only");

    MemoryContext const caller_context = CurrentMemoryContext;
    sigjmp_buf* volatile const saved_exception_stack = PG_exception_stack;
    ErrorContextCallback* volatile const saved_context_stack = error_context_stack;
    sigjmp_buf local_exception_stack;

    if (sigsetjmp(local_exception_stack, 0) != 0) {
        PG_exception_stack = saved_exception_stack;
        error_context_stack = saved_context_stack;
        MemoryContextSwitchTo(caller_context);
        ErrorData* const data = CopyErrorData();
        FlushErrorState();
        throw PgError(data);
    }
    PG_exception_stack = &local_exception_stack;
    // PostgreSQL's handler is restored on every way out: the sigsetjmp branch above for a
    // PostgreSQL error, the catch below for a C++ exception thrown by the call (such as
    // std::bad_alloc from a container it fills). No object with a destructor lives in this
    // frame, so the longjmp skips nothing.
    try {
        if constexpr (std::is_void_v<Result>) {
            call();
            PG_exception_stack = saved_exception_stack;
            error_context_stack = saved_context_stack;
        } else {
            Result result = call();
            PG_exception_stack = saved_exception_stack;
            error_context_stack = saved_context_stack;
            return result;
        }
    } catch (...) {
        PG_exception_stack = saved_exception_stack;
        error_context_stack = saved_context_stack;
        throw;
    }
}

}  // namespace railway::pg
