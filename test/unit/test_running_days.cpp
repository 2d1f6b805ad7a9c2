#include "core/error.hpp"
#include "core/running_days.hpp"

#include <gtest/gtest.h>

#include <string>

namespace railway {
namespace {

TEST(RunningDays, FormatsDayNumbersAndDashes) {
    EXPECT_EQ(format_running_days(0x1F), "12345--");
    EXPECT_EQ(format_running_days(0x60), "-----67");
    EXPECT_EQ(format_running_days(kAllDays), "1234567");
    EXPECT_EQ(format_running_days(0), "-------");
    EXPECT_EQ(format_running_days(0x55), "1-3-5-7");
}

TEST(RunningDays, ParseIsTheInverseOfFormatForEveryMask) {
    for (unsigned mask = 0; mask <= kAllDays; ++mask) {
        const auto days = static_cast<DayMask>(mask);
        EXPECT_EQ(parse_running_days(format_running_days(days)), days) << mask;
    }
}

void expect_sqlstate(const std::string& text, const char* sqlstate) {
    try {
        parse_running_days(text);
        ADD_FAILURE() << "no error for \"" << text << "\"";
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), sqlstate) << text;
        EXPECT_FALSE(e.detail().empty()) << text;
        EXPECT_FALSE(e.hint().empty()) << text;
    }
}

TEST(RunningDays, RejectsMalformedText) {
    expect_sqlstate("", sqlstate::invalid_text_representation);
    expect_sqlstate("123456", sqlstate::invalid_text_representation);
    expect_sqlstate("12345678", sqlstate::invalid_text_representation);
    expect_sqlstate("MTWTF--", sqlstate::invalid_text_representation);
    expect_sqlstate("21345--", sqlstate::invalid_text_representation);  // digits out of place
    expect_sqlstate("12345 -", sqlstate::invalid_text_representation);
    expect_sqlstate(std::string("1234\0-7", 7), sqlstate::invalid_text_representation);
}

TEST(RunningDays, RequiresARunningDay) {
    EXPECT_NO_THROW(require_running_day(0x01));
    try {
        require_running_day(0);
        ADD_FAILURE() << "no error for an empty mask";
    } catch (const Error& e) {
        EXPECT_STREQ(e.sqlstate(), sqlstate::check_violation);
    }
}

}  // namespace
}  // namespace railway
