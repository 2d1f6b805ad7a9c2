// Micro-benchmarks of the conflict engine: the O(1) pair test and the per-train sweep.
#include "core/calendar.hpp"
#include "core/conflict_sweep.hpp"
#include "core/service_pattern.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <iterator>
#include <random>
#include <vector>

namespace {

using namespace railway;

constexpr int64_t kMinute = kUsecPerMinute;
constexpr int64_t kHour = kUsecPerHour;
constexpr int32_t kJan2024 = 8766;

ServicePattern pattern(int64_t departure, int64_t duration, uint8_t days, int32_t first,
                       int32_t last) {
    ServicePattern p{};
    p.departure_us = departure;
    p.duration_us = duration;
    p.days = days;
    p.first_day = first;
    p.last_day = last;
    return p;
}

// Schedules as a timetable has them: departures on the quarter hour, trips of a few minutes to
// a day and a half, common day masks, yearly or open-ended validity.
std::vector<ServicePattern> random_patterns(size_t count, uint64_t seed) {
    static constexpr uint8_t kMasks[] = {0x7F, 0x1F, 0x60, 0x20, 0x40, 0x10, 0x3F, 0x01};
    std::mt19937_64 random(seed);
    std::vector<ServicePattern> patterns;
    for (size_t i = 0; i < count; ++i) {
        const int32_t first = kJan2024 + static_cast<int32_t>(random() % 730);
        patterns.push_back(pattern(static_cast<int64_t>(random() % 96) * 15 * kMinute,
                                   static_cast<int64_t>(1 + random() % 144) * 15 * kMinute,
                                   kMasks[random() % std::size(kMasks)], first,
                                   random() % 3 ? first + 365 : kDayInfinity));
    }
    return patterns;
}

void BM_Conflicts(benchmark::State& state) {
    const std::vector<ServicePattern> patterns = random_patterns(4096, 1);
    size_t found = 0;
    for (auto _ : state) {
        for (size_t i = 0; i + 1 < patterns.size(); ++i)
            found += conflicts(patterns[i], patterns[i + 1]);
        benchmark::DoNotOptimize(found);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(patterns.size() - 1));
    state.counters["conflicting_share"] =
        static_cast<double>(found) /
        static_cast<double>(state.iterations() * (patterns.size() - 1));
}
BENCHMARK(BM_Conflicts);

void BM_FirstConflict(benchmark::State& state) {
    const std::vector<ServicePattern> patterns = random_patterns(4096, 2);
    int64_t sum = 0;
    for (auto _ : state) {
        for (size_t i = 0; i + 1 < patterns.size(); ++i) {
            const std::optional<Window> window = first_conflict(patterns[i], patterns[i + 1]);
            if (window) sum += window->start_us;
        }
        benchmark::DoNotOptimize(sum);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(patterns.size() - 1));
}
BENCHMARK(BM_FirstConflict);

// Long journeys (several days, more than a week) take the other branch of the pair test.
void BM_ConflictsMultiWeek(benchmark::State& state) {
    std::mt19937_64 random(3);
    std::vector<ServicePattern> patterns;
    for (int i = 0; i < 4096; ++i) {
        patterns.push_back(pattern(static_cast<int64_t>(random() % 96) * 15 * kMinute,
                                   static_cast<int64_t>(24 + random() % 600) * kHour,
                                   static_cast<uint8_t>(1 + random() % 127), kDayMinusInfinity,
                                   kDayInfinity));
    }
    size_t found = 0;
    for (auto _ : state) {
        for (size_t i = 0; i + 1 < patterns.size(); ++i)
            found += conflicts(patterns[i], patterns[i + 1]);
        benchmark::DoNotOptimize(found);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(patterns.size() - 1));
}
BENCHMARK(BM_ConflictsMultiWeek);

// A national timetable of 100,000 schedules in groups of 40 per train: half are bus blocks
// (40 trips a day at disjoint times, all on the same calendar), half are trains with 10 daily
// services in 4 seasonal versions (same times, consecutive date ranges). A few trips are
// stretched so that some conflicts exist.
std::vector<SweepItem> national_timetable() {
    std::mt19937_64 random(4);
    std::vector<SweepItem> items;
    int64_t id = 1;
    for (int64_t train = 0; items.size() < 100'000; ++train) {
        const bool bus = train % 2 == 0;
        for (int i = 0; i < 40; ++i) {
            ServicePattern p{};
            if (bus) {
                p = pattern(5 * kHour + i * 25 * kMinute, 20 * kMinute, i % 5 == 4 ? 0x60 : 0x1F,
                            kJan2024, kDayInfinity);
            } else {
                const int season = i / 10;
                p = pattern(6 * kHour + (i % 10) * 100 * kMinute, 90 * kMinute, 0x7F,
                            kJan2024 + season * 91, kJan2024 + season * 91 + 90);
            }
            if (random() % 50 == 0) p.duration_us += 30 * kMinute;
            items.push_back({train, id++, p});
        }
    }
    std::shuffle(items.begin(), items.end(), random);
    return items;
}

void BM_FindAllConflicts100k(benchmark::State& state) {
    const std::vector<SweepItem> items = national_timetable();
    size_t found = 0;
    for (auto _ : state) {
        found = find_all_conflicts(items).size();
        benchmark::DoNotOptimize(found);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(items.size()));
    state.counters["conflicts"] = static_cast<double>(found);
}
BENCHMARK(BM_FindAllConflicts100k)->Unit(benchmark::kMillisecond);

// One train with 2,000 schedules at disjoint times of the week: the sweep must not go quadratic.
void BM_FindAllConflictsOneBigTrain(benchmark::State& state) {
    std::vector<SweepItem> items;
    for (int i = 0; i < 2000; ++i) {
        const int64_t start = i * 5 * kMinute;  // 2000 slots of 5 minutes fill 6.9 days
        items.push_back(
            {1, i,
             pattern(start % kUsecPerDay, 4 * kMinute,
                     static_cast<uint8_t>(1u << (start / kUsecPerDay)), kJan2024, kDayInfinity)});
    }
    for (auto _ : state) benchmark::DoNotOptimize(find_all_conflicts(items).size());
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(items.size()));
}
BENCHMARK(BM_FindAllConflictsOneBigTrain)->Unit(benchmark::kMillisecond);

}  // namespace
