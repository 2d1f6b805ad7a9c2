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
#include "core/base64.hpp"
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
#include <string>
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
#include "lib/stringinfo.h"
#include "utils/expandeddatum.h"
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

// The railway.punctuality_stats of a state (nullptr: no rows at all, so runs = measured =
// on_time = 0 and NULLs).
Datum punctuality_result(FunctionCallInfo fcinfo, const PunctualityState* state) {
    const PunctualityStats stats = state != nullptr ? state->stats() : PunctualityStats{};
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
        return punctuality_result(fcinfo, holder != nullptr ? &holder->state : nullptr);
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

// ==== Version 1.1: states of real types (railway.punctuality_state, ...) ======================
//
// The 1.0 entry points above keep their `internal` states (a database still at 1.0 calls them).
// From 1.1 the aggregates' states are varlena types, so that Citus can move them between nodes
// (it ships a state as text through the type's output and input functions and refuses
// `internal` ones, multi_logical_optimizer.c AggregateEnabledCustom) and PostgreSQL needs no
// serialize / deserialize functions. The flat form of each state is its serialize() bytes
// (src/core) after the varlena header; its text form is those bytes in base64; its binary form
// (send / receive) the bytes themselves. Input and receive validate everything (22P02 /
// 22P03), so every value of the type is a state serialize() can produce.
//
// Speed on one server: the transition functions never copy a state per row.
//   - punctuality and operation_days (states that grow) are PostgreSQL expanded objects: the
//     C++ state and its memory resource (as in a Holder above, in one object with the
//     header: struct Expanded) live in the aggregate context, its eoh_context is an
//     empty child context shared by the states (states_context() says why), and the
//     transition value is the object's read-write pointer. nodeAgg
//     (ExecAggTransReparent) and Citus's worker_partial_agg (HandleTransition) keep such a value
//     as it is; the transition function returns the pointer it was given, so nothing is copied
//     until the state leaves the aggregate (a parallel worker's or a Citus worker's partial
//     state), when PostgreSQL flattens it through get_flat_size / flatten_into.
//   - hourly_profile and weekday_profile (fixed 193 / 57 bytes) stay flat and the transition
//     function adds to the counts in place (as float8_accum does: allowed in aggregate context).
// A state that arrives in any other form (flat from a tuple or from text, read-only expanded)
// is never modified: the function makes a new state of its own from it.

namespace railway::pg {
namespace {

// PostgreSQL's in-place counting below reads the little-endian counts of serialize().
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "flat profile states are little-endian");

template <typename State>
struct StateTraits;
template <>
struct StateTraits<PunctualityState> {
    static constexpr const char* type_name = "railway.punctuality_state";
};
template <>
struct StateTraits<DaySet> {
    static constexpr const char* type_name = "railway.operation_days_state";
};
template <>
struct StateTraits<HourlyProfile> {
    static constexpr const char* type_name = "railway.hourly_profile_state";
    static constexpr std::size_t kCounts = HourlyProfile::kHours;
};
template <>
struct StateTraits<WeekdayProfile> {
    static constexpr const char* type_name = "railway.weekday_profile_state";
    static constexpr std::size_t kCounts = WeekdayProfile::kWeekdays;
};

// A flat state (varlena) holding `bytes`, in the current memory context.
Datum flat_datum(const std::uint8_t* bytes, std::size_t size) {
    if (size > MaxAllocSize - VARHDRSZ)
        throw std::bad_alloc();
    return pg_guarded([&] {
        auto* const result = static_cast<varlena*>(palloc(VARHDRSZ + size));
        SET_VARSIZE(result, VARHDRSZ + size);
        std::memcpy(VARDATA(result), bytes, size);
        return PointerGetDatum(result);
    });
}

// ---- expanded states (punctuality, operation_days) ----

// Layout: the object is the per-group value of hash aggregation, whose groups are visited in
// any order, so each row's cache misses are what counts. What every transition reads is
// together at the start: the header (the read-write pointer and the methods), `flat`, then the
// state, whose first fields are the ones add() reads (72 bytes for punctuality). The memory
// resource, read only when the state allocates, comes last. 160 bytes for punctuality, in
// AllocSet's 256-byte size class (aligning the object to a cache line, within the same class,
// measured no faster).
template <typename State>
struct Expanded {
    ExpandedObjectHeader header;  // first: PostgreSQL's pointer to the object is to it
    varlena* flat;  // serialize()'s bytes between get_flat_size and flatten_into (else nullptr)
    alignas(State) unsigned char state_storage[sizeof(State)];
    alignas(ContextResource) unsigned char memory_storage[sizeof(ContextResource)];

    State& state() { return *std::launder(reinterpret_cast<State*>(state_storage)); }
    // The resource of the state's memory, in the aggregate context (as the object).
    ContextResource& memory() {
        return *std::launder(reinterpret_cast<ContextResource*>(memory_storage));
    }

    // A modified state forgets its serialized bytes.
    void modified() {
        if (flat != nullptr) {
            pfree(flat);
            flat = nullptr;
        }
    }
};
static_assert(std::is_standard_layout_v<Expanded<PunctualityState>>);
static_assert(sizeof(Expanded<PunctualityState>) <= 256 && sizeof(Expanded<DaySet>) <= 256,
              "one object per group in AllocSet's 256-byte size class");

template <typename State>
Size expanded_flat_size(ExpandedObjectHeader* header);
template <typename State>
void expanded_flatten_into(ExpandedObjectHeader* header, void* result, Size size);

template <typename State>
const ExpandedObjectMethods expanded_methods = {expanded_flat_size<State>,
                                                expanded_flatten_into<State>};

// PostgreSQL calls these two (while forming a tuple); guard() keeps C++ exceptions in here.
template <typename State>
Size expanded_flat_size(ExpandedObjectHeader* header) {
    auto* const object = reinterpret_cast<Expanded<State>*>(header);
    return static_cast<Size>(guard([&] {
        if (object->flat == nullptr) {
            const std::vector<std::uint8_t> bytes = object->state().serialize();
            if (bytes.size() > MaxAllocSize - VARHDRSZ)
                throw std::bad_alloc();
            auto* const copy = static_cast<varlena*>(allocate_in(
                object->memory().context(), VARHDRSZ + bytes.size(), alignof(std::uint32_t)));
            SET_VARSIZE(copy, VARHDRSZ + bytes.size());
            std::memcpy(VARDATA(copy), bytes.data(), bytes.size());
            object->flat = copy;
        }
        return static_cast<Datum>(VARSIZE(object->flat));
    }));
}

template <typename State>
void expanded_flatten_into(ExpandedObjectHeader* header, void* result, Size size) {
    auto* const object = reinterpret_cast<Expanded<State>*>(header);
    Assert(object->flat != nullptr && size == VARSIZE(object->flat));
    std::memcpy(result, object->flat, VARSIZE(object->flat));
}

// The eoh_context of the expanded states of an aggregate context: one empty child of it, shared
// by all its states (and all railway aggregates using it), found among its children (usually
// the only one) or created on the first state. The states themselves live in the aggregate
// context, as in 1.0 (new_expanded()). PostgreSQL keeps a read-write expanded transition value
// without copying it only when the object's eoh_context is a child of the aggregate context; a
// context per state would satisfy that too, but hash aggregation sums its memory over every
// child context each time it creates a group (MemoryContextMemAllocated), which made 5,000
// groups 1.4 to 1.6 times slower.
// Sharing is safe because nothing deletes or moves one state: PostgreSQL (and Citus's
// worker_partial_agg) deletes a read-write expanded transition value only when the transition
// or combine function returns another pointer, and ours return the very object they were given
// whenever it is one of these (writable_state()); and no read-write pointer to a state reaches
// other code (which could take it over, as PL/pgSQL does): only transition functions make
// them, and their values go to final functions and partial results read-only (PostgreSQL) or
// to the state type's output function (Citus's worker_partial_agg); combine functions return
// flat states (expanded_combine()).
constexpr char kStatesContextName[] = "railway aggregate states";

MemoryContext states_context(MemoryContext aggregate) {
    for (MemoryContext child = aggregate->firstchild; child != nullptr; child = child->nextchild)
        if (child->name == kStatesContextName)
            return child;
    return pg_guarded([&] {
        return AllocSetContextCreateInternal(aggregate, kStatesContextName, ALLOCSET_SMALL_SIZES);
    });
}

// A new expanded state for the aggregate context `aggregate`: empty, or deserialized from
// `bytes` (validated: 22P03).
template <typename State>
Expanded<State>* new_expanded(MemoryContext aggregate, const std::uint8_t* bytes = nullptr,
                              std::size_t size = 0) {
    MemoryContext const token = states_context(aggregate);
    auto* const object = static_cast<Expanded<State>*>(
        allocate_in(aggregate, sizeof(Expanded<State>), alignof(Expanded<State>)));
    ContextResource* const memory = new (object->memory_storage) ContextResource(aggregate);
    if (bytes != nullptr)
        new (object->state_storage) State(State::deserialize(bytes, size, memory));
    else
        new (object->state_storage) State(memory);
    object->flat = nullptr;
    EOH_init_header(&object->header, &expanded_methods<State>, token);
    return object;
}

// Our expanded object behind a datum, or nullptr when the datum is flat.
template <typename State>
Expanded<State>* expanded_of(Datum value) {
    if (!VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(value)))
        return nullptr;
    ExpandedObjectHeader* const header = DatumGetEOHP(value);
    if (header->eoh_methods != &expanded_methods<State>)
        return nullptr;
    return reinterpret_cast<Expanded<State>*>(header);
}

// The bytes of a flat datum (detoasted into the current context when needed).
std::pair<const std::uint8_t*, std::size_t> flat_bytes(Datum value) {
    const varlena* const flat = pg_guarded([&] { return PG_DETOAST_DATUM_PACKED(value); });
    return {reinterpret_cast<const std::uint8_t*>(VARDATA_ANY(flat)),
            static_cast<std::size_t>(VARSIZE_ANY_EXHDR(flat))};
}

// The state of a datum for reading: the expanded object's own, or one deserialized (validated)
// into the current memory context.
template <typename State>
const State& read_state(Datum value) {
    if (Expanded<State>* const object = expanded_of<State>(value))
        return object->state();
    const auto [bytes, size] = flat_bytes(value);
    return new_holder<State>(CurrentMemoryContext, bytes, size)->state;
}

// Our expanded object behind a read-write datum, or nullptr. The read-write datum of an
// expanded object is the address of its header's eoh_rw_ptr (EOHPGetRWDatum), so the object's
// address is computed from the datum instead of being loaded from the pointer stored there:
// the CPU can then fetch the state (and through it the histogram) while it is still checking
// that the object is ours, instead of waiting for one cache miss after another. That chain of
// misses made grouped punctuality 11 % slower than 1.0, whose transition value is the state's
// address. The checks are those of expanded_of(): the stored pointer is the object's header,
// and the methods are ours (any expanded object starts with a header, so reading its methods
// at that place is safe whatever the datum is).
template <typename State>
Expanded<State>* own_rw_object(Datum value) {
    Pointer const pointer = DatumGetPointer(value);
    if (!VARATT_IS_EXTERNAL_EXPANDED_RW(pointer))
        return nullptr;
    auto* const object = reinterpret_cast<Expanded<State>*>(
        pointer - offsetof(ExpandedObjectHeader, eoh_rw_ptr));
    varatt_expanded stored;
    std::memcpy(&stored, VARDATA_EXTERNAL(pointer), sizeof stored);
    if (stored.eohptr != &object->header || object->header.eoh_methods != &expanded_methods<State>)
        return nullptr;
    return object;
}

// The state of argument `arg` for modifying: the read-write expanded object of ours it is,
// else a new one in the aggregate context, empty (NULL argument) or a copy of the argument.
template <typename State>
Expanded<State>* writable_state(FunctionCallInfo fcinfo, int arg, MemoryContext context) {
    if (PG_ARGISNULL(arg))
        return new_expanded<State>(context);
    const Datum value = PG_GETARG_DATUM(arg);
    if (Expanded<State>* const mine = own_rw_object<State>(value))
        return mine;  // always after the first row: see states_context()
    Expanded<State>* const object = expanded_of<State>(value);
    if (object != nullptr && VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(value)))
        return object;  // always: see states_context()
    if (object == nullptr) {
        const auto [bytes, size] = flat_bytes(value);
        return new_expanded<State>(context, bytes, size);
    }
    Expanded<State>* const copy = new_expanded<State>(context);
    copy->state().merge(object->state());
    return copy;
}

Datum rw_datum(ExpandedObjectHeader& header) { return EOHPGetRWDatum(&header); }

// combine(state1, state2). When state1 is a read-write state of ours (only a transition
// function makes one) state2 is merged into it in place. Otherwise the result is a new flat
// state: the engines copy it into the aggregate context (the state is read again at the next
// call: a few deserializations per group, as in 1.0's parallel plans). So a combine function
// never hands out a read-write pointer: on a Citus coordinator the final function receives the
// combined state as it is (coord_combine_agg_ffunc does not make it read-only), and a final
// function in PL/pgSQL would take a read-write object over, moving the shared states context
// (states_context()) into its own and freeing it, which the other groups' states name.
template <typename State>
Datum expanded_combine(FunctionCallInfo fcinfo) {
    aggregate_context(fcinfo);
    if (PG_ARGISNULL(1))
        return PG_ARGISNULL(0) ? null_datum(fcinfo) : PG_GETARG_DATUM(0);
    if (!PG_ARGISNULL(0) && VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(PG_GETARG_DATUM(0)))) {
        if (Expanded<State>* const mine = expanded_of<State>(PG_GETARG_DATUM(0))) {
            const State& theirs = read_state<State>(PG_GETARG_DATUM(1));
            mine->modified();
            if (&theirs == &mine->state()) {  // combine(x, x): merge a copy
                const std::vector<std::uint8_t> bytes = theirs.serialize();
                mine->state().merge(
                    new_holder<State>(CurrentMemoryContext, bytes.data(), bytes.size())->state);
            } else {
                mine->state().merge(theirs);
            }
            return rw_datum(mine->header);
        }
    }
    std::vector<std::uint8_t> bytes;
    {
        ScopedWorkContext work("railway combine");
        State* merged;
        if (PG_ARGISNULL(0)) {
            merged = &new_holder<State>(work.context())->state;
        } else if (Expanded<State>* const mine = expanded_of<State>(PG_GETARG_DATUM(0))) {
            merged = &new_holder<State>(work.context())->state;
            merged->merge(mine->state());
        } else {
            const auto [data, size] = flat_bytes(PG_GETARG_DATUM(0));
            merged = &new_holder<State>(work.context(), data, size)->state;
        }
        if (Expanded<State>* const theirs = expanded_of<State>(PG_GETARG_DATUM(1))) {
            merged->merge(theirs->state());
        } else {
            const auto [data, size] = flat_bytes(PG_GETARG_DATUM(1));
            merged->merge(new_holder<State>(work.context(), data, size)->state);
        }
        bytes = merged->serialize();
    }
    return flat_datum(bytes.data(), bytes.size());
}

// ---- flat states (hourly_profile, weekday_profile): version byte, then N little-endian i64 ----

template <typename Profile>
constexpr std::size_t kFlatProfileSize = 1 + 8 * StateTraits<Profile>::kCounts;

// The counts of argument `arg` for adding in place: the argument itself when it is a plain
// flat state of this aggregate (4-byte header, right size and version), else a new flat copy
// (validated) or a new empty state in the current context.
template <typename Profile>
std::uint8_t* writable_profile(FunctionCallInfo fcinfo, int arg, Datum& result) {
    if (!PG_ARGISNULL(arg)) {
        Pointer const pointer = DatumGetPointer(PG_GETARG_DATUM(arg));
        if (VARATT_IS_4B_U(pointer) && VARSIZE(pointer) == VARHDRSZ + kFlatProfileSize<Profile> &&
            static_cast<std::uint8_t>(VARDATA(pointer)[0]) == Profile::kFormatVersion) {
            result = PG_GETARG_DATUM(arg);
            return reinterpret_cast<std::uint8_t*>(VARDATA(pointer));
        }
    }
    Profile profile;
    if (!PG_ARGISNULL(arg)) {
        const auto [bytes, size] = flat_bytes(PG_GETARG_DATUM(arg));
        profile = Profile::deserialize(bytes, size);
    }
    const std::vector<std::uint8_t> bytes = profile.serialize();
    result = flat_datum(bytes.data(), bytes.size());
    return reinterpret_cast<std::uint8_t*>(VARDATA(DatumGetPointer(result)));
}

inline void bump_count(std::uint8_t* counts, std::size_t index, std::int64_t by) {
    std::int64_t count;
    std::memcpy(&count, counts + 1 + 8 * index, sizeof count);
    count += by;
    std::memcpy(counts + 1 + 8 * index, &count, sizeof count);
}

template <typename Profile>
Profile read_profile(Datum value) {
    const auto [bytes, size] = flat_bytes(value);
    return Profile::deserialize(bytes, size);
}

template <typename Profile>
Datum profile_combine(FunctionCallInfo fcinfo) {
    aggregate_context(fcinfo);
    if (PG_ARGISNULL(1))
        return PG_ARGISNULL(0) ? null_datum(fcinfo) : PG_GETARG_DATUM(0);
    const Profile theirs = read_profile<Profile>(PG_GETARG_DATUM(1));
    Datum result;
    std::uint8_t* const counts = writable_profile<Profile>(fcinfo, 0, result);
    Profile mine = Profile::deserialize(counts, kFlatProfileSize<Profile>);
    mine.merge(theirs);  // 22003 on overflow, before anything changes
    const std::vector<std::uint8_t> bytes = mine.serialize();
    std::memcpy(counts, bytes.data(), bytes.size());
    return result;
}

// ---- text and binary I/O, shared ----

template <typename State>
std::vector<std::uint8_t> serialized(Datum value) {
    if constexpr (std::is_constructible_v<State, std::pmr::memory_resource*>) {
        if (Expanded<State>* const object = expanded_of<State>(value))
            return object->state().serialize();
    }
    const auto [bytes, size] = flat_bytes(value);
    return {bytes, bytes + size};
}

// Throws 22P03 unless `bytes` is a state serialize() can produce.
template <typename State>
void validate(const std::vector<std::uint8_t>& bytes) {
    if constexpr (std::is_constructible_v<State, std::pmr::memory_resource*>) {
        // Checked in a context of its own, freed at once (states can be large).
        ScopedWorkContext work("railway state validation");
        new_holder<State>(work.context(), bytes.data(), bytes.size());
    } else {
        State::deserialize(bytes.data(), bytes.size());
    }
}

template <typename State>
Datum state_in(FunctionCallInfo fcinfo) {
    const char* const text = PG_GETARG_CSTRING(0);
    std::string why;
    const std::optional<std::vector<std::uint8_t>> bytes = base64_decode(text, &why);
    if (!bytes)
        throw Error(sqlstate::invalid_text_representation,
                    std::string("invalid input syntax for type ") + StateTraits<State>::type_name,
                    "The text form of a state is base64. " + why);
    try {
        validate<State>(*bytes);
    } catch (const Error& error) {
        throw Error(sqlstate::invalid_text_representation,
                    std::string("invalid input syntax for type ") + StateTraits<State>::type_name,
                    std::string(error.what()) + (error.detail().empty() ? "." : ": " + error.detail()));
    }
    return flat_datum(bytes->data(), bytes->size());
}

template <typename State>
Datum state_out(FunctionCallInfo fcinfo) {
    const std::vector<std::uint8_t> bytes = serialized<State>(PG_GETARG_DATUM(0));
    const std::string text = base64_encode(bytes.data(), bytes.size());
    return pg_guarded([&] { return CStringGetDatum(pstrdup(text.c_str())); });
}

template <typename State>
Datum state_recv(FunctionCallInfo fcinfo) {
    StringInfo const buffer = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
    const auto* const start = reinterpret_cast<const std::uint8_t*>(buffer->data + buffer->cursor);
    const std::vector<std::uint8_t> bytes(start, start + (buffer->len - buffer->cursor));
    validate<State>(bytes);  // 22P03
    buffer->cursor = buffer->len;
    return flat_datum(bytes.data(), bytes.size());
}

template <typename State>
Datum state_send(FunctionCallInfo fcinfo) {
    const std::vector<std::uint8_t> bytes = serialized<State>(PG_GETARG_DATUM(0));
    return flat_datum(bytes.data(), bytes.size());  // a bytea: the same layout
}

}  // namespace
}  // namespace railway::pg

extern "C" {

#define RAILWAY_STATE_IO(prefix, State)                                                   \
    PG_FUNCTION_INFO_V1(railway_##prefix##_state_in);                                     \
    Datum railway_##prefix##_state_in(PG_FUNCTION_ARGS) {                                 \
        return guard([&] { return state_in<State>(fcinfo); });                            \
    }                                                                                     \
    PG_FUNCTION_INFO_V1(railway_##prefix##_state_out);                                    \
    Datum railway_##prefix##_state_out(PG_FUNCTION_ARGS) {                                \
        return guard([&] { return state_out<State>(fcinfo); });                           \
    }                                                                                     \
    PG_FUNCTION_INFO_V1(railway_##prefix##_state_recv);                                   \
    Datum railway_##prefix##_state_recv(PG_FUNCTION_ARGS) {                               \
        return guard([&] { return state_recv<State>(fcinfo); });                          \
    }                                                                                     \
    PG_FUNCTION_INFO_V1(railway_##prefix##_state_send);                                   \
    Datum railway_##prefix##_state_send(PG_FUNCTION_ARGS) {                               \
        return guard([&] { return state_send<State>(fcinfo); });                          \
    }

RAILWAY_STATE_IO(punctuality, PunctualityState)
RAILWAY_STATE_IO(operation_days, DaySet)
RAILWAY_STATE_IO(hourly_profile, HourlyProfile)
RAILWAY_STATE_IO(weekday_profile, WeekdayProfile)

// ---- railway.punctuality over railway.punctuality_state ----

PG_FUNCTION_INFO_V1(railway_punctuality_state_transfn);
Datum railway_punctuality_state_transfn(PG_FUNCTION_ARGS) {
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
        MemoryContext const context = aggregate_context(fcinfo);
        Expanded<PunctualityState>* const object =
            writable_state<PunctualityState>(fcinfo, 0, context);
        object->modified();
        object->state().add(timestamp_arg(fcinfo, 1), timestamp_arg(fcinfo, 2), on_time_within);
        return rw_datum(object->header);
    });
}

PG_FUNCTION_INFO_V1(railway_punctuality_state_combinefn);
Datum railway_punctuality_state_combinefn(PG_FUNCTION_ARGS) {
    return guard([&] { return expanded_combine<PunctualityState>(fcinfo); });
}

// Not only in aggregates: railway.punctuality_finalfn('...'::railway.punctuality_state) works.
PG_FUNCTION_INFO_V1(railway_punctuality_state_finalfn);
Datum railway_punctuality_state_finalfn(PG_FUNCTION_ARGS) {
    return guard([&] {
        return punctuality_result(
            fcinfo, PG_ARGISNULL(0) ? nullptr : &read_state<PunctualityState>(PG_GETARG_DATUM(0)));
    });
}

// ---- railway.operation_days over railway.operation_days_state ----

PG_FUNCTION_INFO_V1(railway_operation_days_state_transfn);
Datum railway_operation_days_state_transfn(PG_FUNCTION_ARGS) {
    return guard([&] {
        MemoryContext const context = aggregate_context(fcinfo);
        if (PG_ARGISNULL(1))  // NULLs are skipped; the state stays as it is (maybe NULL)
            return PG_ARGISNULL(0) ? null_datum(fcinfo) : PG_GETARG_DATUM(0);
        const Timestamp timestamp = PG_GETARG_TIMESTAMP(1);
        Expanded<DaySet>* const object = writable_state<DaySet>(fcinfo, 0, context);
        object->modified();
        object->state().add(timestamp);
        return rw_datum(object->header);
    });
}

PG_FUNCTION_INFO_V1(railway_operation_days_state_combinefn);
Datum railway_operation_days_state_combinefn(PG_FUNCTION_ARGS) {
    return guard([&] { return expanded_combine<DaySet>(fcinfo); });
}

PG_FUNCTION_INFO_V1(railway_operation_days_state_finalfn);
Datum railway_operation_days_state_finalfn(PG_FUNCTION_ARGS) {
    return guard([&] {
        return Int64GetDatum(PG_ARGISNULL(0) ? 0 : read_state<DaySet>(PG_GETARG_DATUM(0)).count());
    });
}

// ---- railway.hourly_profile over railway.hourly_profile_state ----

PG_FUNCTION_INFO_V1(railway_hourly_profile_state_transfn);
Datum railway_hourly_profile_state_transfn(PG_FUNCTION_ARGS) {
    return guard([&] {
        aggregate_context(fcinfo);
        if (PG_ARGISNULL(1))
            return PG_ARGISNULL(0) ? null_datum(fcinfo) : PG_GETARG_DATUM(0);
        const std::size_t hour = HourlyProfile::hour_of(PG_GETARG_TIMESTAMP(1));  // 22008 first
        Datum result;
        bump_count(writable_profile<HourlyProfile>(fcinfo, 0, result), hour, 1);
        return result;
    });
}

PG_FUNCTION_INFO_V1(railway_hourly_profile_state_combinefn);
Datum railway_hourly_profile_state_combinefn(PG_FUNCTION_ARGS) {
    return guard([&] { return profile_combine<HourlyProfile>(fcinfo); });
}

PG_FUNCTION_INFO_V1(railway_hourly_profile_state_finalfn);
Datum railway_hourly_profile_state_finalfn(PG_FUNCTION_ARGS) {
    return guard([&] {
        return bigint_array(PG_ARGISNULL(0) ? HourlyProfile().counts()
                                            : read_profile<HourlyProfile>(PG_GETARG_DATUM(0)).counts());
    });
}

// ---- railway.weekday_profile over railway.weekday_profile_state ----

PG_FUNCTION_INFO_V1(railway_weekday_profile_state_transfn);
Datum railway_weekday_profile_state_transfn(PG_FUNCTION_ARGS) {
    return guard([&] {
        aggregate_context(fcinfo);
        if (PG_ARGISNULL(1))
            return PG_ARGISNULL(0) ? null_datum(fcinfo) : PG_GETARG_DATUM(0);
        const ArrayType* const days = pg_guarded([&] { return PG_GETARG_ARRAYTYPE_P(1); });
        const DayMask mask = day_mask_from_array(days);
        WeekdayProfile::check_mask(mask);
        Datum result;
        std::uint8_t* const counts = writable_profile<WeekdayProfile>(fcinfo, 0, result);
        for (std::size_t day = 0; day < WeekdayProfile::kWeekdays; ++day)
            if ((mask >> day) & 1)
                bump_count(counts, day, 1);
        return result;
    });
}

PG_FUNCTION_INFO_V1(railway_weekday_profile_state_combinefn);
Datum railway_weekday_profile_state_combinefn(PG_FUNCTION_ARGS) {
    return guard([&] { return profile_combine<WeekdayProfile>(fcinfo); });
}

PG_FUNCTION_INFO_V1(railway_weekday_profile_state_finalfn);
Datum railway_weekday_profile_state_finalfn(PG_FUNCTION_ARGS) {
    return guard([&] {
        return bigint_array(PG_ARGISNULL(0) ? WeekdayProfile().counts()
                                            : read_profile<WeekdayProfile>(PG_GETARG_DATUM(0)).counts());
    });
}

}  // extern "C"
