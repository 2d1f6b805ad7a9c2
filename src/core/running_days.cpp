#include "running_days.hpp"

#include "error.hpp"

namespace railway {

std::string format_running_days(DayMask days) {
    std::string text(7, '-');
    for (int i = 0; i < 7; ++i) {
        if (days & (1u << i)) text[i] = static_cast<char>('1' + i);
    }
    return text;
}

DayMask parse_running_days(std::string_view text) {
    if (text.size() != 7) {
        throw Error(sqlstate::invalid_text_representation,
                    "invalid running days \"" + std::string(text) + "\"",
                    "Running days are written as 7 characters, one per ISO weekday.",
                    "Use the day number where the service runs and '-' where it does not, "
                    "e.g. '12345--' for Monday to Friday.");
    }
    DayMask days = 0;
    for (int i = 0; i < 7; ++i) {
        const char c = text[i];
        if (c == '1' + i) {
            days |= static_cast<DayMask>(1u << i);
        } else if (c != '-') {
            throw Error(sqlstate::invalid_text_representation,
                        "invalid running days \"" + std::string(text) + "\"",
                        "Character " + std::to_string(i + 1) + " must be '" +
                            std::string(1, static_cast<char>('1' + i)) + "' or '-'.",
                        "Use '12345--' for Monday to Friday, '-----67' for the weekend.");
        }
    }
    return days;
}

void require_running_day(DayMask days) {
    if ((days & kAllDays) == 0) {
        throw Error(sqlstate::check_violation,
                    "running_days must have at least one running day",
                    "All seven elements of running_days are false.",
                    "Set the weekdays the service runs to true, or cancel the schedule instead.");
    }
}

}  // namespace railway
