#include "core/calendar.hpp"
#include "core/error.hpp"
#include "core/schedule_rules.hpp"

#include <gtest/gtest.h>

#include <string>

namespace railway {
namespace {

int64_t at(int64_t year, int month, int day, int hour, int minute = 0) {
    return day_from_civil(year, month, day) * kUsecPerDay + hour * kUsecPerHour + minute * kUsecPerMinute;
}

ScheduleRow valid_row() {
    ScheduleRow row{};
    row.scheduled_departure = at(2024, 1, 5, 22);
    row.scheduled_arrival = at(2024, 1, 6, 6);
    row.running_days = 0x10;  // Friday
    row.effective_start_date = at(2024, 1, 1, 0);
    row.status = "scheduled";
    row.is_cancelled = false;
    row.departure_location_id = 1;
    row.arrival_location_id = 2;
    return row;
}

// The SQLSTATE and message of the first violated rule, or "ok".
std::string violation(const ScheduleRow& row) {
    try {
        check_schedule_rules(row);
        return "ok";
    } catch (const Error& e) {
        EXPECT_FALSE(e.detail().empty()) << e.what();
        EXPECT_FALSE(e.hint().empty()) << e.what();
        return std::string(e.sqlstate()) + " " + e.what();
    }
}

TEST(ScheduleRules, AValidRowPassesAndYieldsItsPattern) {
    const ScheduleRow row = valid_row();
    EXPECT_EQ(violation(row), "ok");
    const ServicePattern p = check_schedule_rules(row);
    EXPECT_EQ(p.departure_us, 22 * kUsecPerHour);
    EXPECT_EQ(p.duration_us, 8 * kUsecPerHour);
    EXPECT_EQ(p.days, 0x10);
}

TEST(ScheduleRules, EachRuleHasItsOwnMessage) {
    ScheduleRow row = valid_row();
    row.scheduled_arrival = row.scheduled_departure;
    EXPECT_EQ(violation(row), "23514 Arrival must be after departure");

    row = valid_row();
    row.effective_end_date = at(2023, 12, 31, 0);
    EXPECT_EQ(violation(row), "23514 End date must be after start date");

    row = valid_row();
    row.running_days = 0;
    EXPECT_EQ(violation(row), "23514 running_days must have at least one running day");

    row = valid_row();
    row.status = "late";
    EXPECT_EQ(violation(row), "23514 Unknown schedule status \"late\"");

    row = valid_row();
    row.is_cancelled = true;
    EXPECT_EQ(violation(row),
              "23514 Cancellation is inconsistent: is_cancelled is true but status is \"scheduled\"");
    row.status = "cancelled";
    EXPECT_EQ(violation(row), "ok");
    row.is_cancelled = false;
    EXPECT_EQ(violation(row),
              "23514 Cancellation is inconsistent: is_cancelled is false but status is \"cancelled\"");

    row = valid_row();
    row.arrival_location_id = row.departure_location_id;
    EXPECT_EQ(violation(row), "23514 Departure and arrival locations must differ");

    row = valid_row();
    row.actual_departure = at(2024, 1, 5, 22, 10);
    row.actual_arrival = at(2024, 1, 5, 22, 5);
    EXPECT_EQ(violation(row), "23514 Actual arrival must not be before actual departure");
    row.actual_arrival = row.actual_departure;
    EXPECT_EQ(violation(row), "ok");
}

TEST(ScheduleRules, TheFirstViolationInDesignOrderWins) {
    ScheduleRow row = valid_row();
    row.scheduled_arrival = row.scheduled_departure - 1;
    row.status = "late";
    row.arrival_location_id = row.departure_location_id;
    EXPECT_EQ(violation(row), "23514 Arrival must be after departure");
}

TEST(ScheduleRules, ColumnsATableLacksAreNotChecked) {
    ScheduleRow row = valid_row();
    row.status.reset();
    row.is_cancelled.reset();
    row.departure_location_id.reset();
    row.arrival_location_id.reset();
    EXPECT_EQ(violation(row), "ok");
    EXPECT_TRUE(is_active(row));
}

TEST(ScheduleRules, CancelledRowsAreNotActive) {
    ScheduleRow row = valid_row();
    EXPECT_TRUE(is_active(row));
    row.status = "cancelled";
    EXPECT_FALSE(is_active(row));
    row = valid_row();
    row.is_cancelled = true;
    EXPECT_FALSE(is_active(row));
}

TEST(ScheduleRules, ConflictErrorNamesScheduleTrainDateAndWindow) {
    const Error e = conflict_error(17, "12711", Window{at(2024, 1, 6, 5), at(2024, 1, 6, 6)});
    EXPECT_STREQ(e.sqlstate(), "23P01");
    EXPECT_STREQ(e.what(), "Schedule conflicts with schedule 17 of train 12711 on 2024-01-06");
    EXPECT_EQ(e.detail(),
              "Both would run from 2024-01-06 05:00:00 to 2024-01-06 06:00:00 (the first overlapping window).");
}

}  // namespace
}  // namespace railway
