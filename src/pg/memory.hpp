// PostgreSQL memory for C++ containers (DESIGN.md section 5).
//
// Long-running work in the core (conflict sweeps, GTFS calendars) takes a
// std::pmr::memory_resource; the boundary passes a ContextResource, so every byte is allocated
// in a PostgreSQL memory context: it is accounted (MemoryContextStats, hash aggregation's
// hash_mem), freed with the context on error or at the end of the call, and an allocation that
// fails throws std::bad_alloc (53200 via guard()) instead of longjmp-ing out of C++ frames.
//
//   ScopedWorkContext work("railway find_conflicts");   // child of CurrentMemoryContext
//   std::pmr::vector<Item> items(work.resource());
//
// The context is deleted when ScopedWorkContext goes out of scope (normal return or a C++
// exception); on a PostgreSQL error that longjmps past it, its parent's reset frees it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <new>

#include "boundary.hpp"

namespace railway::pg {

// Memory of `size` bytes aligned to `alignment` in `context`, or std::bad_alloc. palloc aligns
// to MAXIMUM_ALIGNOF (8); a stricter alignment is obtained by over-allocating.
inline void* allocate_in(MemoryContext context, std::size_t size, std::size_t alignment) {
    const std::size_t extra = alignment > MAXIMUM_ALIGNOF ? alignment - 1 : 0;
    if (size > MaxAllocHugeSize - extra)
        throw std::bad_alloc();
    const int flags = MCXT_ALLOC_NO_OOM | (size + extra > MaxAllocSize ? MCXT_ALLOC_HUGE : 0);
    void* const raw = MemoryContextAllocExtended(context, size + extra, flags);
    if (raw == nullptr)
        throw std::bad_alloc();
    if (extra == 0)
        return raw;
    const auto address = reinterpret_cast<std::uintptr_t>(raw);
    return reinterpret_cast<void*>((address + extra) & ~static_cast<std::uintptr_t>(extra));
}

// A std::pmr::memory_resource whose allocations live in a PostgreSQL memory context.
class ContextResource final : public std::pmr::memory_resource {
public:
    explicit ContextResource(MemoryContext context) noexcept : context_(context) {}
    MemoryContext context() const noexcept { return context_; }

private:
    void* do_allocate(std::size_t bytes, std::size_t alignment) override {
        return allocate_in(context_, bytes == 0 ? 1 : bytes, alignment);
    }
    void do_deallocate(void* pointer, std::size_t, std::size_t alignment) override {
        // Over-aligned blocks do not start at their chunk; the context's reset frees them.
        if (alignment <= MAXIMUM_ALIGNOF)
            pfree(pointer);
    }
    bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
        return this == &other;
    }

    MemoryContext context_;
};

// A memory context of its own for one call's work, a child of the current context, and a
// memory resource over it. Deleted when the object goes (containers using it must go first:
// declare it before them).
class ScopedWorkContext {
public:
    explicit ScopedWorkContext(const char* name)
        : context_(pg_guarded([name] {
              // `name` must outlive the context: pass a string literal.
              return AllocSetContextCreateInternal(CurrentMemoryContext, name, ALLOCSET_DEFAULT_SIZES);
          })),
          resource_(context_) {}
    ~ScopedWorkContext() { MemoryContextDelete(context_); }
    ScopedWorkContext(const ScopedWorkContext&) = delete;
    ScopedWorkContext& operator=(const ScopedWorkContext&) = delete;

    MemoryContext context() const noexcept { return context_; }
    std::pmr::memory_resource* resource() noexcept { return &resource_; }

private:
    MemoryContext context_;
    ContextResource resource_;
};

}  // namespace railway::pg
