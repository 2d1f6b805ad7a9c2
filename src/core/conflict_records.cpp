#include "conflict_records.hpp"

#include "error.hpp"
#include "interrupts.hpp"

#include <algorithm>
#include <charconv>
#include <tuple>

namespace railway {

void append_conflict_record(std::string& out, const ConflictRecord& record) {
    char buffer[5 * 21];
    char* end = buffer + sizeof buffer;
    char* at = buffer;
    const int64_t fields[5] = {record.schedule_id, record.other_schedule_id, record.train_id,
                               record.first.start_us, record.first.end_us};
    for (int i = 0; i < 5; ++i) {
        at = std::to_chars(at, end, fields[i]).ptr;
        *at++ = i == 4 ? '\n' : ' ';
    }
    out.append(buffer, static_cast<size_t>(at - buffer));
}

void parse_conflict_records(std::string_view text, std::pmr::vector<ConflictRecord>& out) {
    const char* at = text.data();
    const char* const end = at + text.size();
    InterruptPoller poller;
    while (at != end) {
        poller.tick();
        int64_t fields[5];
        for (int i = 0; i < 5; ++i) {
            const auto [next, error] = std::from_chars(at, end, fields[i]);
            const char separator = i == 4 ? '\n' : ' ';
            if (error != std::errc() || next == end || *next != separator) {
                throw Error(sqlstate::invalid_text_representation,
                            "malformed conflict record at byte " + std::to_string(at - text.data()) +
                                " of a shard's answer");
            }
            at = next + 1;
        }
        out.push_back(ConflictRecord{fields[0], fields[1], fields[2], Window{fields[3], fields[4]}});
    }
}

void sort_conflict_records(std::pmr::vector<ConflictRecord>& records) {
    std::sort(records.begin(), records.end(), [](const ConflictRecord& a, const ConflictRecord& b) {
        return std::tie(a.train_id, a.schedule_id, a.other_schedule_id) <
               std::tie(b.train_id, b.schedule_id, b.other_schedule_id);
    });
}

}  // namespace railway
