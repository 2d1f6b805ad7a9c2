// Helpers shared by the unit tests.
#pragma once

#include "core/calendar.hpp"
#include "core/error.hpp"
#include "core/service_pattern.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <string>

namespace railway::test_support {

// Expects `action` to throw railway::Error with `sqlstate`, and, when given, `message_part`
// somewhere in its message or DETAIL.
template <typename F>
void expect_error(F&& action, const char* sqlstate, const std::string& message_part = {}) {
    try {
        action();
        ADD_FAILURE() << "expected SQLSTATE " << sqlstate;
    } catch (const Error& error) {
        EXPECT_STREQ(error.sqlstate(), sqlstate) << error.what();
        if (!message_part.empty()) {
            EXPECT_NE((std::string(error.what()) + " " + error.detail()).find(message_part),
                      std::string::npos)
                << error.what() << " / " << error.detail();
        }
    }
}

// A memory resource that counts what is allocated through it (live: not yet freed; total:
// ever), to show a state takes every byte from the resource it was given.
class CountingResource : public std::pmr::memory_resource {
public:
    std::size_t live = 0;
    std::size_t total = 0;

private:
    void* do_allocate(std::size_t bytes, std::size_t alignment) override {
        live += bytes;
        total += bytes;
        return std::pmr::new_delete_resource()->allocate(bytes, alignment);
    }
    void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override {
        live -= bytes;
        std::pmr::new_delete_resource()->deallocate(p, bytes, alignment);
    }
    bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
        return this == &other;
    }
};

inline constexpr int32_t kMonday2024 = 8766;  // 2024-01-01, a Monday

// A pattern from its fields, open-ended from 2024-01-01 unless told otherwise.
inline ServicePattern pattern(int64_t departure, int64_t duration, uint8_t days,
                              int32_t first = kMonday2024, int32_t last = kDayInfinity) {
    ServicePattern p{};
    p.departure_us = departure;
    p.duration_us = duration;
    p.days = days;
    p.first_day = first;
    p.last_day = last;
    return p;
}

}  // namespace railway::test_support
