// The analytics aggregates (DESIGN.md section 3): railway.punctuality, railway.operation_days,
// railway.hourly_profile and railway.weekday_profile, with their combine, serialize and
// deserialize functions so that PostgreSQL can aggregate in parallel (and per partition).
//
// The states are the C++ classes of src/core (punctuality.hpp, day_set.hpp, profiles.hpp);
// this file only moves them in and out of PostgreSQL. How a state lives in PostgreSQL memory:
//
//   - It is constructed (placement new) in the aggregate memory context that
//     AggCheckCallContext returns, together with a std::pmr::memory_resource (ContextResource)
//     through which the state makes every allocation of its own, also in that context. So the
//     memory that hash aggregation accounts for (and spills on) is the real memory of the state,
//     and nothing lives outside the context.
//   - Allocation uses MemoryContextAllocExtended(..., MCXT_ALLOC_NO_OOM) and turns a NULL into
//     std::bad_alloc: out of memory unwinds the C++ frames and guard() reports it (53200); no
//     longjmp ever starts inside C++ code here.
//   - No destructor is ever run. The states own nothing but memory from that context (the
//     containers' destructors would only give it back), so PostgreSQL's reset or deletion of the
//     context frees each state as a whole, at the end of a group, a window partition, a spilled
//     hash batch or an error. A reset callback running ~State() would cost a call per state and
//     a walk over its containers just to pfree chunks that the reset frees anyway.
//   - The final functions only read the state (FINALFUNC_MODIFY = READ_ONLY), so a window
//     aggregate may call them after every row and keep adding rows.
//   - A deserialized state is short-lived: it is built in the current (per-input-tuple)
//     memory context and the combine function merges it into a state of the aggregate context.
#include "core/day_set.hpp"
#include "core/error.hpp"
#include "core/profiles.hpp"
#include "core/punctuality.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory_resource>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "boundary.hpp"
#include "datum.hpp"
#include "memory.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/timestamp.h"
}

namespace railway::pg {
namespace {

// A state and, for the states that allocate, its memory resource, constructed in one block of
// a memory context and never destroyed (see the top of the file).
template <typename State, bool = std::is_constructible_v<State, std::pmr::memory_resource*>>
struct Holder;

template <typename State>
struct Holder<State, true> {
    ContextResource memory;
    State state;

    explicit Holder(MemoryContext context) : memory(context), state(&memory) {}
    Holder(MemoryContext context, const std::uint8_t* data, std::size_t size)
        : memory(context), state(State::deserialize(data, size, &memory)) {}
};

template <typename State>
struct Holder<State, false> {
    State state;

    explicit Holder(MemoryContext) {}
    Holder(MemoryContext, const std::uint8_t* data, std::size_t size)
        : state(State::deserialize(data, size)) {}
};

template <typename State, typename... Args>
Holder<State>* new_holder(MemoryContext context, Args&&... args) {
    void* const memory = allocate_in(context, sizeof(Holder<State>), alignof(Holder<State>));
    return new (memory) Holder<State>(context, std::forward<Args>(args)...);
}

// The aggregate memory context, or an error when called outside an aggregate (the support
// functions take `internal`, so SQL cannot call them directly, but be safe).
MemoryContext aggregate_context(FunctionCallInfo fcinfo) {
    MemoryContext context = nullptr;
    if (AggCheckCallContext(fcinfo, &context) == 0)
        throw Error(sqlstate::internal_error, "railway aggregate function called in non-aggregate context");
    return context;
}

template <typename State>
Holder<State>* state_arg(FunctionCallInfo fcinfo, int arg) {
    return PG_ARGISNULL(arg) ? nullptr : reinterpret_cast<Holder<State>*>(PG_GETARG_POINTER(arg));
}

// The state of argument 0, created in the aggregate context on the first row.
template <typename State>
Holder<State>* transition_state(FunctionCallInfo fcinfo) {
    MemoryContext const context = aggregate_context(fcinfo);
    Holder<State>* const holder = state_arg<State>(fcinfo, 0);
    return holder != nullptr ? holder : new_holder<State>(context);
}

Datum null_datum(FunctionCallInfo fcinfo) {
    fcinfo->isnull = true;
    return Datum(0);
}

// combine(state1, state2): state2's rows added to state1, which is created in the aggregate
// context when it is NULL (state2 is never adopted: it may live in a shorter-lived context).
template <typename State>
Datum combine(FunctionCallInfo fcinfo) {
    MemoryContext const context = aggregate_context(fcinfo);
    Holder<State>* mine = state_arg<State>(fcinfo, 0);
    const Holder<State>* const theirs = state_arg<State>(fcinfo, 1);
    if (theirs == nullptr)
        return mine != nullptr ? PointerGetDatum(mine) : null_datum(fcinfo);
    if (mine == nullptr)
        mine = new_holder<State>(context);
    mine->state.merge(theirs->state);
    return PointerGetDatum(mine);
}

// serialize(state) -> bytea, in the current memory context. STRICT: the state is not NULL.
template <typename State>
Datum serialize(FunctionCallInfo fcinfo) {
    aggregate_context(fcinfo);
    const std::vector<std::uint8_t> bytes = state_arg<State>(fcinfo, 0)->state.serialize();
    return pg_guarded([&] {
        bytea* const result = static_cast<bytea*>(palloc(VARHDRSZ + bytes.size()));
        SET_VARSIZE(result, VARHDRSZ + bytes.size());
        std::memcpy(VARDATA(result), bytes.data(), bytes.size());
        return PointerGetDatum(result);
    });
}

// deserialize(bytea, internal) -> state, in the current memory context. STRICT.
template <typename State>
Datum deserialize(FunctionCallInfo fcinfo) {
    aggregate_context(fcinfo);
    const bytea* const bytes = pg_guarded([&] { return PG_GETARG_BYTEA_PP(0); });
    const auto* const data = reinterpret_cast<const std::uint8_t*>(VARDATA_ANY(bytes));
    const auto size = static_cast<std::size_t>(VARSIZE_ANY_EXHDR(bytes));
    return PointerGetDatum(new_holder<State>(CurrentMemoryContext, data, size));
}

// A bigint[] of the counts, in the current memory context.
template <std::size_t N>
Datum bigint_array(const std::array<std::int64_t, N>& counts) {
    Datum elements[N];
    for (std::size_t i = 0; i < N; ++i)
        elements[i] = Int64GetDatum(counts[i]);
    return pg_guarded([&] {
        return PointerGetDatum(construct_array(elements, static_cast<int>(N), INT8OID, sizeof(int64),
                                               FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
    });
}

// The blessed descriptor of the final function's composite result, cached for the life of the
// function's FmgrInfo (a window aggregate calls the final function once per row).
TupleDesc result_descriptor(FunctionCallInfo fcinfo) {
    if (fcinfo->flinfo->fn_extra != nullptr)
        return static_cast<TupleDesc>(fcinfo->flinfo->fn_extra);
    TupleDesc const descriptor = pg_guarded([&] {
        TupleDesc found;
        if (get_call_result_type(fcinfo, nullptr, &found) != TYPEFUNC_COMPOSITE)
            elog(ERROR, "railway.punctuality: the result type is not composite");
        MemoryContext const caller = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
        TupleDesc const copy = BlessTupleDesc(CreateTupleDescCopy(found));
        MemoryContextSwitchTo(caller);
        return copy;
    });
    fcinfo->flinfo->fn_extra = descriptor;
    return descriptor;
}

std::optional<std::int64_t> timestamp_arg(FunctionCallInfo fcinfo, int arg) {
    if (PG_ARGISNULL(arg))
        return std::nullopt;
    return PG_GETARG_TIMESTAMP(arg);
}

}  // namespace
}  // namespace railway::pg

using namespace railway;
using namespace railway::pg;

extern "C" {

// ---- railway.punctuality(scheduled timestamp, actual timestamp [, on_time_within interval]) --

// Transition, for both forms: the two-argument one uses the default '5 minutes'.
PG_FUNCTION_INFO_V1(railway_punctuality_transfn);
Datum railway_punctuality_transfn(PG_FUNCTION_ARGS) {
    return guard([&] {
        std::int64_t on_time_within = PunctualityState::kDefaultOnTimeWithinMicros;
        if (PG_NARGS() > 3) {
            if (PG_ARGISNULL(3))
                throw Error(sqlstate::null_value_not_allowed,
                            "on_time_within of railway.punctuality must not be NULL", {},
                            "Leave it out for the default '5 minutes'.");
            const Interval* const within = PG_GETARG_INTERVAL_P(3);
            on_time_within = PunctualityState::on_time_within_from_interval(
                within->month, within->day, within->time);
        }
        Holder<PunctualityState>* const holder = transition_state<PunctualityState>(fcinfo);
        holder->state.add(timestamp_arg(fcinfo, 1), timestamp_arg(fcinfo, 2), on_time_within);
        return PointerGetDatum(holder);
    });
}

PG_FUNCTION_INFO_V1(railway_punctuality_combinefn);
Datum railway_punctuality_combinefn(PG_FUNCTION_ARGS) {
    return guard([&] { return combine<PunctualityState>(fcinfo); });
}

PG_FUNCTION_INFO_V1(railway_punctuality_serialfn);
Datum railway_punctuality_serialfn(PG_FUNCTION_ARGS) {
    return guard([&] { return serialize<PunctualityState>(fcinfo); });
}

PG_FUNCTION_INFO_V1(railway_punctuality_deserialfn);
Datum railway_punctuality_deserialfn(PG_FUNCTION_ARGS) {
    return guard([&] { return deserialize<PunctualityState>(fcinfo); });
}

// railway.punctuality_stats; no rows at all give runs = measured = on_time = 0 and NULLs.
PG_FUNCTION_INFO_V1(railway_punctuality_finalfn);
Datum railway_punctuality_finalfn(PG_FUNCTION_ARGS) {
    return guard([&] {
        aggregate_context(fcinfo);
        const Holder<PunctualityState>* const holder = state_arg<PunctualityState>(fcinfo, 0);
        const PunctualityStats stats = holder != nullptr ? holder->state.stats() : PunctualityStats{};
        Datum values[10] = {Int64GetDatum(stats.runs), Int64GetDatum(stats.measured),
                            Int64GetDatum(stats.on_time)};
        bool nulls[10] = {};
        const std::optional<double>* const figures[] = {
            &stats.on_time_pct,   &stats.avg_delay_min, &stats.p50_delay_min, &stats.p90_delay_min,
            &stats.p95_delay_min, &stats.p99_delay_min, &stats.max_delay_min};
        for (int i = 0; i < 7; ++i) {
            nulls[3 + i] = !figures[i]->has_value();
            values[3 + i] = nulls[3 + i] ? Datum(0) : Float8GetDatum(**figures[i]);
        }
        TupleDesc const descriptor = result_descriptor(fcinfo);
        return pg_guarded(
            [&] { return HeapTupleGetDatum(heap_form_tuple(descriptor, values, nulls)); });
    });
}

// ---- railway.operation_days(timestamp) -> bigint ---------------------------------------------

PG_FUNCTION_INFO_V1(railway_operation_days_transfn);
Datum railway_operation_days_transfn(PG_FUNCTION_ARGS) {
    return guard([&] {
        if (PG_ARGISNULL(1))  // NULLs are skipped; the state stays as it is (maybe NULL)
            return PG_ARGISNULL(0) ? null_datum(fcinfo) : PG_GETARG_DATUM(0);
        Holder<DaySet>* const holder = transition_state<DaySet>(fcinfo);
        holder->state.add(PG_GETARG_TIMESTAMP(1));
        return PointerGetDatum(holder);
    });
}

PG_FUNCTION_INFO_V1(railway_operation_days_combinefn);
Datum railway_operation_days_combinefn(PG_FUNCTION_ARGS) {
    return guard([&] { return combine<DaySet>(fcinfo); });
}

PG_FUNCTION_INFO_V1(railway_operation_days_serialfn);
Datum railway_operation_days_serialfn(PG_FUNCTION_ARGS) {
    return guard([&] { return serialize<DaySet>(fcinfo); });
}

PG_FUNCTION_INFO_V1(railway_operation_days_deserialfn);
Datum railway_operation_days_deserialfn(PG_FUNCTION_ARGS) {
    return guard([&] { return deserialize<DaySet>(fcinfo); });
}

PG_FUNCTION_INFO_V1(railway_operation_days_finalfn);
Datum railway_operation_days_finalfn(PG_FUNCTION_ARGS) {
    return guard([&] {
        aggregate_context(fcinfo);
        const Holder<DaySet>* const holder = state_arg<DaySet>(fcinfo, 0);
        return Int64GetDatum(holder != nullptr ? holder->state.count() : 0);
    });
}

// ---- railway.hourly_profile(timestamp) -> bigint[24] -----------------------------------------

PG_FUNCTION_INFO_V1(railway_hourly_profile_transfn);
Datum railway_hourly_profile_transfn(PG_FUNCTION_ARGS) {
    return guard([&] {
        if (PG_ARGISNULL(1))
            return PG_ARGISNULL(0) ? null_datum(fcinfo) : PG_GETARG_DATUM(0);
        Holder<HourlyProfile>* const holder = transition_state<HourlyProfile>(fcinfo);
        holder->state.add(PG_GETARG_TIMESTAMP(1));
        return PointerGetDatum(holder);
    });
}

PG_FUNCTION_INFO_V1(railway_hourly_profile_combinefn);
Datum railway_hourly_profile_combinefn(PG_FUNCTION_ARGS) {
    return guard([&] { return combine<HourlyProfile>(fcinfo); });
}

PG_FUNCTION_INFO_V1(railway_hourly_profile_serialfn);
Datum railway_hourly_profile_serialfn(PG_FUNCTION_ARGS) {
    return guard([&] { return serialize<HourlyProfile>(fcinfo); });
}

PG_FUNCTION_INFO_V1(railway_hourly_profile_deserialfn);
Datum railway_hourly_profile_deserialfn(PG_FUNCTION_ARGS) {
    return guard([&] { return deserialize<HourlyProfile>(fcinfo); });
}

PG_FUNCTION_INFO_V1(railway_hourly_profile_finalfn);
Datum railway_hourly_profile_finalfn(PG_FUNCTION_ARGS) {
    return guard([&] {
        aggregate_context(fcinfo);
        const Holder<HourlyProfile>* const holder = state_arg<HourlyProfile>(fcinfo, 0);
        return bigint_array(holder != nullptr ? holder->state.counts() : HourlyProfile().counts());
    });
}

// ---- railway.weekday_profile(boolean[]) -> bigint[7] -----------------------------------------

PG_FUNCTION_INFO_V1(railway_weekday_profile_transfn);
Datum railway_weekday_profile_transfn(PG_FUNCTION_ARGS) {
    return guard([&] {
        if (PG_ARGISNULL(1))
            return PG_ARGISNULL(0) ? null_datum(fcinfo) : PG_GETARG_DATUM(0);
        const ArrayType* const days = pg_guarded([&] { return PG_GETARG_ARRAYTYPE_P(1); });
        const DayMask mask = day_mask_from_array(days);
        Holder<WeekdayProfile>* const holder = transition_state<WeekdayProfile>(fcinfo);
        holder->state.add(mask);
        return PointerGetDatum(holder);
    });
}

PG_FUNCTION_INFO_V1(railway_weekday_profile_combinefn);
Datum railway_weekday_profile_combinefn(PG_FUNCTION_ARGS) {
    return guard([&] { return combine<WeekdayProfile>(fcinfo); });
}

PG_FUNCTION_INFO_V1(railway_weekday_profile_serialfn);
Datum railway_weekday_profile_serialfn(PG_FUNCTION_ARGS) {
    return guard([&] { return serialize<WeekdayProfile>(fcinfo); });
}

PG_FUNCTION_INFO_V1(railway_weekday_profile_deserialfn);
Datum railway_weekday_profile_deserialfn(PG_FUNCTION_ARGS) {
    return guard([&] { return deserialize<WeekdayProfile>(fcinfo); });
}

PG_FUNCTION_INFO_V1(railway_weekday_profile_finalfn);
Datum railway_weekday_profile_finalfn(PG_FUNCTION_ARGS) {
    return guard([&] {
        aggregate_context(fcinfo);
        const Holder<WeekdayProfile>* const holder = state_arg<WeekdayProfile>(fcinfo, 0);
        return bigint_array(holder != nullptr ? holder->state.counts() : WeekdayProfile().counts());
    });
}

}  // extern "C"
