#include "core/conflict_records.hpp"
#include "core/error.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace railway {
namespace {

bool same(const ConflictRecord& a, const ConflictRecord& b) {
    return a.schedule_id == b.schedule_id && a.other_schedule_id == b.other_schedule_id &&
           a.train_id == b.train_id && a.first == b.first;
}

TEST(ConflictRecords, RoundTrip) {
    const int64_t big = std::numeric_limits<int64_t>::max();
    const ConflictRecord records[] = {{1, 2, 7, {0, 60}},
                                      {2147483647, 2147483646, 12, {-big, big}},
                                      {5, 9, 7, {-86400000000, -1}}};
    std::string text;
    for (const ConflictRecord& r : records) append_conflict_record(text, r);
    EXPECT_EQ(text.substr(0, 11), "1 2 7 0 60\n");
    std::pmr::vector<ConflictRecord> parsed;
    parse_conflict_records(text, parsed);
    ASSERT_EQ(parsed.size(), 3u);
    for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(same(parsed[i], records[i])) << i;
}

TEST(ConflictRecords, EmptyTextHasNoRecords) {
    std::pmr::vector<ConflictRecord> parsed;
    parse_conflict_records("", parsed);
    EXPECT_TRUE(parsed.empty());
}

TEST(ConflictRecords, AppendsToWhatIsThere) {
    std::pmr::vector<ConflictRecord> parsed;
    parse_conflict_records("1 2 3 4 5\n", parsed);
    parse_conflict_records("6 7 8 9 10\n", parsed);
    ASSERT_EQ(parsed.size(), 2u);
    EXPECT_EQ(parsed[1].schedule_id, 6);
    EXPECT_EQ(parsed[1].first.end_us, 10);
}

TEST(ConflictRecords, RefusesMalformedText) {
    for (const char* bad : {"1 2 3 4 5", "1 2 3 4\n", "1 2 3 4 5 6\n", "1  2 3 4 5\n", " 1 2 3 4 5\n",
                            "1 2 x 4 5\n", "1 2 3 4 5\n\n", "+1 2 3 4 5\n", "1 2 3 4 99999999999999999999\n",
                            "1\t2 3 4 5\n", "1 2 3 4 5\r\n"}) {
        std::pmr::vector<ConflictRecord> parsed;
        try {
            parse_conflict_records(bad, parsed);
            ADD_FAILURE() << "accepted: " << bad;
        } catch (const Error& e) {
            EXPECT_STREQ(e.sqlstate(), sqlstate::invalid_text_representation) << bad;
        }
    }
}

TEST(ConflictRecords, SortsLikeOneServer) {
    std::pmr::vector<ConflictRecord> records{{9, 10, 2, {0, 1}}, {3, 8, 1, {0, 1}}, {3, 4, 1, {0, 1}},
                                             {1, 20, 2, {0, 1}}};
    sort_conflict_records(records);
    EXPECT_EQ(records[0].other_schedule_id, 4);
    EXPECT_EQ(records[1].other_schedule_id, 8);
    EXPECT_EQ(records[2].schedule_id, 1);
    EXPECT_EQ(records[3].schedule_id, 9);
}

}  // namespace
}  // namespace railway
