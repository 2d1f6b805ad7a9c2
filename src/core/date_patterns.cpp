#include "date_patterns.hpp"

#include "calendar.hpp"
#include "error.hpp"
#include "interrupts.hpp"
#include "text.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <iterator>
#include <limits>
#include <string>

namespace railway {

namespace {

constexpr int32_t kNoIndex = -1;
constexpr int64_t kMaxGtfsHours = 240;
// A segment spans at most this many cut points: that bounds the splitting work on adversarial
// date sets (decades of random exceptions) at O(n * kMaxSegmentCuts); real calendars have a few
// cut points per exception and never come near it.
constexpr size_t kMaxSegmentCuts = 500;

bool all_digits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int64_t digits_value(std::string_view digits) {
    int64_t value = 0;
    for (char c : digits) value = value * 10 + (c - '0');
    return value;
}

std::vector<int32_t> sorted_distinct(std::vector<int32_t> days) {
    std::sort(days.begin(), days.end());
    days.erase(std::unique(days.begin(), days.end()), days.end());
    return days;
}

// ---------------------------------------------------------------------------------------------
// Splitting a date set into patterns.
//
// The set S is covered in layers. A layer cuts time into consecutive segments; in a segment the
// weekdays whose every calendar day in the segment is in S ("full" weekdays) form one pattern,
// and the segment's other dates are left over as the residue. A dynamic programme over the cut
// points chooses the segments that minimise the estimated total: one per segment plus, for the
// residue, one per weekly run (dates 7 days apart), runs that start within one week and end
// within one week counting once. That is what makes a removed holiday cut the range in two
// (2 patterns) rather than demote its weekday to the residue (Tuesday-Friday plus two Monday
// runs: 3), and keeps an added Saturday in the residue (1 + 1) rather than cut the range (3).
// Ties go to the smaller residue, so the layer takes whole weeks where it can. The residue,
// whose dates differ from the layer's (so patterns never overlap), is split the same way.
//
// Every layer is compared with a second, simpler cover of its input, one pattern per group of
// weekly runs (group_runs), and the smaller wins: the result never has more patterns than S has
// weekly runs, which is what the programme assumed for the residue.
//
// Cut points are only allowed where S stops repeating weekly (cut_points), so the programme
// stays small even for calendars that run to 2099.

struct Run {
    int64_t start;
    int64_t end;
    uint8_t bit;
    bool grouped = false;  // set by group_runs
};

bool by_start_then_end(const Run& a, const Run& b) {
    return a.start != b.start ? a.start < b.start : a.end < b.end;
}

// The maximal weekly runs of S, ordered by (start, end).
std::vector<Run> weekly_runs(const std::vector<int32_t>& dates,
                             const std::vector<int32_t>& next_week) {
    std::vector<bool> continues_run(dates.size(), false);
    for (int32_t following : next_week)
        if (following != kNoIndex) continues_run[static_cast<size_t>(following)] = true;
    std::vector<Run> runs;
    for (size_t k = 0; k < dates.size(); ++k) {
        if (continues_run[k]) continue;
        size_t last = k;
        while (next_week[last] != kNoIndex) last = static_cast<size_t>(next_week[last]);
        runs.push_back({dates[k], dates[last], weekday_bit(dates[k])});
    }
    std::sort(runs.begin(), runs.end(), by_start_then_end);
    return runs;
}

// Runs (sorted by start, then end) that start within 7 days and end within 7 days are one
// pattern over [min start, max end]: that range holds exactly the days of each run's weekday
// that the run holds. Greedy: the earliest unassigned run takes along the unassigned runs that
// start in its week and end in the 7-day window (around its own end) that fits the most of them.
// Calls on_group(days, first, last) for each group.
template <typename OnGroup>
void group_runs(Run* runs, size_t count, OnGroup&& on_group) {
    for (size_t r = 0; r < count; ++r) {
        if (runs[r].grouped) continue;
        size_t same_week_end = r + 1;
        while (same_week_end < count && runs[same_week_end].start - runs[r].start <= 6)
            ++same_week_end;
        auto fits = [&](size_t s, int64_t window) {
            return !runs[s].grouped && runs[s].end >= window && runs[s].end <= window + 6;
        };
        int64_t best_window = runs[r].end;
        size_t best_fit = 0;
        for (int64_t window = runs[r].end - 6; window <= runs[r].end; ++window) {
            size_t fit = 0;
            for (size_t s = r + 1; s < same_week_end; ++s) fit += fits(s, window);
            if (fit > best_fit) {
                best_fit = fit;
                best_window = window;
            }
        }
        uint8_t days = runs[r].bit;
        int64_t last = runs[r].end;
        for (size_t s = r + 1; s < same_week_end; ++s) {
            if (!fits(s, best_window)) continue;
            runs[s].grouped = true;
            days |= runs[s].bit;
            last = std::max(last, runs[s].end);
        }
        on_group(days, runs[r].start, last);
    }
}

// What a segment leaves for later layers.
struct Residue {
    int64_t estimate = 0;     // patterns it will take: its weekly runs, aligned ones merged
    int64_t lower_bound = 0;  // never decreases as the segment grows (prunes the programme)
    int64_t dates = 0;
};

// Per-weekday prefix counts over S, so that a segment costs O(7) to assess.
class SegmentCoster {
public:
    SegmentCoster(const std::vector<int32_t>& dates, const std::vector<int32_t>& next_week)
        : dates_(dates),
          count_(dates.size() + 1),
          run_starts_(dates.size() + 1),
          next_of_weekday_(dates.size() + 1),
          starts_run_(dates.size(), true) {
        for (int32_t following : next_week)
            if (following != kNoIndex) starts_run_[static_cast<size_t>(following)] = false;
        for (size_t k = 0; k < dates.size(); ++k) {
            count_[k + 1] = count_[k];
            run_starts_[k + 1] = run_starts_[k];
            const int w = iso_weekday(dates[k]) - 1;
            ++count_[k + 1][w];
            run_starts_[k + 1][w] += starts_run_[k];
        }
        next_of_weekday_[dates.size()].fill(static_cast<int32_t>(dates.size()));
        for (size_t k = dates.size(); k-- > 0;) {
            next_of_weekday_[k] = next_of_weekday_[k + 1];
            next_of_weekday_[k][iso_weekday(dates[k]) - 1] = static_cast<int32_t>(k);
        }
    }

    // The full weekdays of the segment of dates [begin, end) as a day mask.
    uint8_t full_days(size_t begin, size_t end) const {
        const int64_t span = int64_t{dates_[end - 1]} - dates_[begin];
        const int first_weekday = iso_weekday(dates_[begin]) - 1;
        uint8_t mask = 0;
        for (int w = 0; w < 7; ++w) {
            const int32_t count = count_[end][w] - count_[begin][w];
            // Days to the segment's first day of weekday w; within the span when count > 0.
            const int offset = (w - first_weekday + 7) % 7;
            if (count > 0 && count == (span - offset) / 7 + 1)
                mask |= static_cast<uint8_t>(1u << w);
        }
        return mask;
    }

    // The segment's dates whose weekday is not in `full`.
    Residue residue(size_t begin, size_t end, uint8_t full) const {
        Residue residue;
        std::array<Run, 7> single_runs;  // weekdays whose residue is one weekly run
        size_t singles = 0;
        for (int w = 0; w < 7; ++w) {
            const auto first = static_cast<size_t>(next_of_weekday_[begin][w]);
            if ((full & (1u << w)) || first >= end) continue;
            const int32_t count = count_[end][w] - count_[begin][w];
            // A run that began before the segment starts again at the segment's first date.
            const int64_t runs =
                run_starts_[end][w] - run_starts_[begin][w] + (starts_run_[first] ? 0 : 1);
            residue.dates += count;
            if (runs == 1) {
                const Run run{dates_[first], dates_[first] + 7 * int64_t{count - 1},
                              static_cast<uint8_t>(1u << w)};
                size_t at = singles++;  // insertion sort: group_runs wants them ordered
                for (; at > 0 && by_start_then_end(run, single_runs[at - 1]); --at)
                    single_runs[at] = single_runs[at - 1];
                single_runs[at] = run;
            } else {
                residue.estimate += runs;
                residue.lower_bound += runs;
            }
        }
        if (singles > 0) {
            ++residue.lower_bound;
            group_runs(single_runs.data(), singles,
                       [&](uint8_t, int64_t, int64_t) { ++residue.estimate; });
        }
        return residue;
    }

private:
    const std::vector<int32_t>& dates_;
    std::vector<std::array<int32_t, 7>> count_;
    std::vector<std::array<int32_t, 7>> run_starts_;
    std::vector<std::array<int32_t, 7>> next_of_weekday_;
    std::vector<bool> starts_run_;
};

// For each date, the index of the date 7 days later, or kNoIndex.
std::vector<int32_t> next_week_index(const std::vector<int32_t>& dates) {
    std::vector<int32_t> next(dates.size(), kNoIndex);
    size_t later = 0;
    for (size_t k = 0; k < dates.size(); ++k) {
        const int64_t wanted = int64_t{dates[k]} + 7;
        while (later < dates.size() && dates[later] < wanted) ++later;
        if (later < dates.size() && dates[later] == wanted) next[k] = static_cast<int32_t>(later);
    }
    return next;
}

// The indices k where a segment may start (0 and dates.size() included as the ends): those
// where the pair of consecutive dates (k - 1, k) does not recur unchanged a week before and a
// week after. Between two cut points S repeats weekly, so such a stretch always has a full
// weekday, and cutting inside it is never needed: a long plain service has no cut points but
// its ends, a holiday brings a few around itself.
std::vector<size_t> cut_points(const std::vector<int32_t>& next_week) {
    std::vector<int32_t> previous_week(next_week.size(), kNoIndex);
    for (size_t k = 0; k < next_week.size(); ++k)
        if (next_week[k] != kNoIndex)
            previous_week[static_cast<size_t>(next_week[k])] = static_cast<int32_t>(k);
    auto recurs = [](const std::vector<int32_t>& week, size_t k) {
        return week[k - 1] != kNoIndex && week[k] == week[k - 1] + 1;
    };
    std::vector<size_t> cuts{0};
    for (size_t k = 1; k < next_week.size(); ++k)
        if (!recurs(previous_week, k) || !recurs(next_week, k)) cuts.push_back(k);
    cuts.push_back(next_week.size());
    return cuts;
}

struct Layer {
    std::vector<DatePattern> patterns;
    std::vector<int32_t> residue;
};

Layer segment_layer(const std::vector<int32_t>& dates, const std::vector<int32_t>& next_week) {
    const SegmentCoster coster(dates, next_week);
    const std::vector<size_t> cuts = cut_points(next_week);

    struct Cost {
        int64_t estimate;  // segments so far + the patterns their residue is expected to take
        int64_t residue_dates;
        bool operator<(const Cost& other) const {
            return estimate != other.estimate ? estimate < other.estimate
                                              : residue_dates < other.residue_dates;
        }
    };
    constexpr int64_t kUnreachable = std::numeric_limits<int64_t>::max() / 4;
    std::vector<Cost> best(cuts.size(), Cost{kUnreachable, 0});
    std::vector<size_t> previous_cut(cuts.size(), 0);
    best[0] = Cost{0, 0};
    InterruptPoller poller(256);
    for (size_t b = 1; b < cuts.size(); ++b) {
        // The segment from the previous cut always has a full weekday, so best[b] becomes
        // reachable on the first iteration.
        const size_t earliest = b > kMaxSegmentCuts ? b - kMaxSegmentCuts : 0;
        for (size_t a = b; a-- > earliest;) {
            poller.tick();
            const uint8_t full = coster.full_days(cuts[a], cuts[b]);
            const Residue residue = coster.residue(cuts[a], cuts[b], full);
            // Stop once the segment alone costs more than the best way found so far: the bound
            // only grows as the segment extends to earlier dates.
            if (1 + residue.lower_bound > best[b].estimate) break;
            if (full == 0) continue;  // the segment would cover nothing
            const Cost cost{best[a].estimate + 1 + residue.estimate,
                            best[a].residue_dates + residue.dates};
            if (cost < best[b]) {
                best[b] = cost;
                previous_cut[b] = a;
            }
        }
    }

    Layer layer;
    for (size_t b = cuts.size() - 1; b > 0; b = previous_cut[b]) {
        const size_t begin = cuts[previous_cut[b]];
        const size_t end = cuts[b];
        const uint8_t full = coster.full_days(begin, end);
        DatePattern pattern{full, 0, 0};
        bool empty = true;
        for (size_t k = begin; k < end; ++k) {
            if (!(full & weekday_bit(dates[k]))) {
                layer.residue.push_back(dates[k]);
                continue;
            }
            if (empty) pattern.first_day = dates[k];
            pattern.last_day = dates[k];
            empty = false;
        }
        layer.patterns.push_back(pattern);
    }
    std::sort(layer.residue.begin(), layer.residue.end());
    return layer;
}

std::vector<DatePattern> partition(const std::vector<int32_t>& dates) {
    if (dates.empty()) return {};
    poll_interrupts();  // once per layer; the layer's loops poll too
    const std::vector<int32_t> next_week = next_week_index(dates);
    std::vector<Run> runs = weekly_runs(dates, next_week);
    std::vector<DatePattern> by_runs;
    group_runs(runs.data(), runs.size(), [&](uint8_t days, int64_t first, int64_t last) {
        by_runs.push_back({days, static_cast<int32_t>(first), static_cast<int32_t>(last)});
    });
    Layer layer = segment_layer(dates, next_week);
    const size_t layered_at_least = layer.patterns.size() + (layer.residue.empty() ? 0 : 1);
    if (by_runs.size() < layered_at_least) return by_runs;
    const std::vector<DatePattern> rest = partition(layer.residue);
    if (by_runs.size() < layer.patterns.size() + rest.size()) return by_runs;
    layer.patterns.insert(layer.patterns.end(), rest.begin(), rest.end());
    return layer.patterns;
}

void check_sorted_exceptions(const std::vector<int32_t>& additions, const std::vector<int32_t>& removals) {
    std::vector<int32_t> conflicts;
    std::set_intersection(additions.begin(), additions.end(), removals.begin(), removals.end(),
                          std::back_inserter(conflicts));
    if (!conflicts.empty())
        throw Error(sqlstate::invalid_parameter_value,
                    "service date " + format_date(conflicts.front()) + " is both added and removed",
                    "calendar_dates.txt has exception_type 1 and exception_type 2 for the same "
                    "service and date; GTFS allows one exception per service and date.",
                    "Keep one of the two calendar_dates.txt rows.");
}

}  // namespace

void check_exceptions(const std::vector<int32_t>& added, const std::vector<int32_t>& removed) {
    check_sorted_exceptions(sorted_distinct(added), sorted_distinct(removed));
}

std::optional<DatePattern> calendar_pattern(uint8_t days, int32_t first_day, int32_t last_day) {
    days &= 0x7F;
    if (days == 0 || first_day > last_day) return std::nullopt;
    int64_t first = first_day;
    int64_t last = last_day;
    while (first <= last && !(days & weekday_bit(first))) ++first;  // at most 6 steps
    while (last >= first && !(days & weekday_bit(last))) --last;
    if (first > last) return std::nullopt;
    uint8_t occurring = days;
    if (last - first < 6) {  // a short range holds only some of the weekdays
        occurring = 0;
        for (int64_t day = first; day <= last; ++day) occurring |= days & weekday_bit(day);
    }
    return DatePattern{occurring, static_cast<int32_t>(first), static_cast<int32_t>(last)};
}

DatePattern shift_pattern(const DatePattern& pattern, int32_t days) {
    const int shift = days % 7;
    const uint8_t rotated =
        static_cast<uint8_t>(((pattern.days << shift) | (pattern.days >> (7 - shift))) & 0x7F);
    return DatePattern{rotated, pattern.first_day + days, pattern.last_day + days};
}

bool pattern_runs_on(const DatePattern& pattern, int32_t day) {
    return day >= pattern.first_day && day <= pattern.last_day && (pattern.days & weekday_bit(day));
}

std::vector<int32_t> service_dates(uint8_t calendar_days,
                                   std::optional<std::pair<int32_t, int32_t>> calendar_range,
                                   const std::vector<int32_t>& added,
                                   const std::vector<int32_t>& removed) {
    if (calendar_days > 0x7F)
        throw Error(
            sqlstate::invalid_parameter_value,
            "calendar day mask " + std::to_string(calendar_days) + " has a bit above Sunday",
            "Bit 0 is Monday and bit 6 is Sunday.");
    const std::vector<int32_t> additions = sorted_distinct(added);
    const std::vector<int32_t> removals = sorted_distinct(removed);
    check_sorted_exceptions(additions, removals);

    std::vector<int32_t> calendar;
    if (calendar_range) {
        const auto [first, last] = *calendar_range;
        if (first > last)
            throw Error(sqlstate::invalid_parameter_value,
                        "calendar end date " + format_date(last) + " is before its start date " +
                            format_date(first));
        InterruptPoller poller(4096);
        for (int64_t day = first; calendar_days != 0 && day <= last; ++day) {
            poller.tick();
            if (calendar_days & weekday_bit(day)) calendar.push_back(static_cast<int32_t>(day));
        }
    }
    std::vector<int32_t> with_additions;
    std::set_union(calendar.begin(), calendar.end(), additions.begin(), additions.end(),
                   std::back_inserter(with_additions));
    std::vector<int32_t> dates;
    std::set_difference(with_additions.begin(), with_additions.end(), removals.begin(),
                        removals.end(), std::back_inserter(dates));
    return dates;
}

std::vector<int32_t> shift_dates(const std::vector<int32_t>& dates, int32_t days) {
    std::vector<int32_t> shifted;
    shifted.reserve(dates.size());
    for (int32_t date : dates) {
        const int64_t moved = int64_t{date} + days;
        if (moved < std::numeric_limits<int32_t>::min() ||
            moved > std::numeric_limits<int32_t>::max())
            throw Error(sqlstate::datetime_field_overflow,
                        "date out of range after shifting by " + std::to_string(days) + " days");
        shifted.push_back(static_cast<int32_t>(moved));
    }
    return shifted;
}

std::vector<DatePattern> split_into_patterns(const std::vector<int32_t>& sorted_dates) {
    for (size_t k = 1; k < sorted_dates.size(); ++k)
        if (sorted_dates[k - 1] >= sorted_dates[k])
            throw Error(sqlstate::invalid_parameter_value,
                        "dates to split into patterns must be sorted and distinct",
                        "Date " + format_date(sorted_dates[k]) + " follows " +
                            format_date(sorted_dates[k - 1]) + ".");
    std::vector<DatePattern> patterns = partition(sorted_dates);
    std::sort(patterns.begin(), patterns.end(), [](const DatePattern& a, const DatePattern& b) {
        if (a.first_day != b.first_day) return a.first_day < b.first_day;
        if (a.last_day != b.last_day) return a.last_day < b.last_day;
        return a.days < b.days;
    });
    return patterns;
}

int64_t parse_gtfs_time(std::string_view text) {
    const std::string_view time = trim_spaces(text);
    const size_t colon = time.find(':');
    const bool well_formed =
        colon != std::string_view::npos && colon >= 1 && colon <= 3 && time.size() == colon + 6 &&
        time[colon + 3] == ':' && all_digits(time.substr(0, colon)) &&
        all_digits(time.substr(colon + 1, 2)) && all_digits(time.substr(colon + 4, 2));
    if (!well_formed)
        throw Error(sqlstate::invalid_datetime_format, "invalid GTFS time " + quoted(text),
                    "A GTFS time is H:MM:SS or HH:MM:SS, counted from the start of the service "
                    "day; hours may exceed 23.");
    const int64_t hours = digits_value(time.substr(0, colon));
    const int64_t minutes = digits_value(time.substr(colon + 1, 2));
    const int64_t seconds = digits_value(time.substr(colon + 4, 2));
    if (minutes > 59 || seconds > 59 || hours >= kMaxGtfsHours)
        throw Error(sqlstate::datetime_field_overflow,
                    "GTFS time " + quoted(text) + " is out of range",
                    "Minutes and seconds must be 00 to 59, and hours below " +
                        std::to_string(kMaxGtfsHours) + ".");
    return hours * 3600 + minutes * 60 + seconds;
}

int32_t parse_gtfs_date(std::string_view text) {
    const std::string_view date = trim_spaces(text);
    if (date.size() != 8 || !all_digits(date))
        throw Error(sqlstate::invalid_datetime_format, "invalid GTFS date " + quoted(text),
                    "A GTFS date is YYYYMMDD.");
    const int64_t year = digits_value(date.substr(0, 4));
    const auto month = static_cast<int>(digits_value(date.substr(4, 2)));
    const auto day = static_cast<int>(digits_value(date.substr(6, 2)));
    std::string problem;
    if (year == 0)
        problem = "There is no year 0000.";
    else if (month < 1 || month > 12)
        problem = "Month must be 01 to 12.";
    else if (day < 1 || day > days_in_month(year, month))
        problem = "The month has " + std::to_string(days_in_month(year, month)) + " days.";
    if (!problem.empty())
        throw Error(sqlstate::datetime_field_overflow,
                    "GTFS date " + quoted(text) + " is out of range", problem);
    return static_cast<int32_t>(day_from_civil(year, month, day));
}

}  // namespace railway
