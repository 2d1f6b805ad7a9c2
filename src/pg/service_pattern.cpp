// SQL type railway.service_pattern: text and binary I/O, the constructor from a schedule's
// columns, the && operator, first_conflict, runs_on and occurrences.
#include "core/calendar.hpp"
#include "core/error.hpp"
#include "core/service_pattern.hpp"

#include <cstring>
#include <string>

#include "datum.hpp"
#include "service_pattern.hpp"

extern "C" {
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/rangetypes.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
}

namespace railway::pg {

Datum pattern_datum(const ServicePattern& pattern) {
    auto* copy = static_cast<ServicePattern*>(pg_guarded([] { return palloc(sizeof(ServicePattern)); }));
    std::memcpy(copy, &pattern, sizeof pattern);
    return PointerGetDatum(copy);
}

Datum tsrange_datum(const Window& window) {
    return pg_guarded([&] {
        TypeCacheEntry* typcache = lookup_type_cache(TSRANGEOID, TYPECACHE_RANGE_INFO);
        RangeBound lower{TimestampGetDatum(window.start_us), false, true, true};
        RangeBound upper{TimestampGetDatum(window.end_us), false, false, false};
        return RangeTypePGetDatum(make_range(typcache, &lower, &upper, false));
    });
}

ServicePattern pattern_from_columns(bool departure_null, Datum departure, bool arrival_null, Datum arrival,
                                    bool days_null, Datum running_days, bool start_null, Datum start,
                                    bool end_null, Datum end, TrainKind kind) {
    auto require = [](bool is_null, const char* column) {
        if (is_null) {
            throw Error(sqlstate::null_value_not_allowed, std::string(column) + " must not be NULL",
                        {},
                        "Only effective_end_date may be NULL (an open-ended service).");
        }
    };
    require(departure_null, "scheduled_departure");
    require(arrival_null, "scheduled_arrival");
    require(days_null, "running_days");
    require(start_null, "effective_start_date");
    // The array may have a short header, be toasted or compressed when it comes from a table.
    const DayMask days = day_mask_from_datum(running_days);
    std::optional<int64_t> end_ts;
    if (!end_null) end_ts = DatumGetTimestamp(end);
    return make_pattern(DatumGetTimestamp(departure), DatumGetTimestamp(arrival), days,
                        DatumGetTimestamp(start), end_ts, kind);
}

TrainKind kind_from_text(Datum kind) {
    const std::string_view name = text_view(pg_guarded([&] { return DatumGetTextPP(kind); }));
    const std::optional<TrainKind> parsed = parse_kind(name);
    if (!parsed) {
        throw Error(sqlstate::invalid_parameter_value, "invalid train kind \"" + std::string(name) + "\"",
                    "A train is a numbered train (its runs conflict only when they depart on the "
                    "same date) or a vehicle (its runs conflict whenever they overlap).",
                    "Use 'numbered' or 'vehicle'.");
    }
    return *parsed;
}

}  // namespace railway::pg

using railway::ServicePattern;
using railway::pg::guard;
using railway::pg::pattern_arg;
using railway::pg::pattern_datum;
using railway::pg::pg_guarded;

extern "C" {

PG_FUNCTION_INFO_V1(railway_service_pattern_in);
Datum railway_service_pattern_in(PG_FUNCTION_ARGS) {
    const char* text = PG_GETARG_CSTRING(0);
    return guard([&] { return pattern_datum(railway::parse_pattern(text)); });
}

PG_FUNCTION_INFO_V1(railway_service_pattern_out);
Datum railway_service_pattern_out(PG_FUNCTION_ARGS) {
    const ServicePattern& pattern = pattern_arg(fcinfo, 0);
    return guard([&] {
        const std::string text = railway::format_pattern(pattern);
        return CStringGetDatum(pg_guarded([&] { return pstrdup(text.c_str()); }));
    });
}

// Binary form: departure_us int8, duration_us int8, first_day int4, last_day int4, days int1
// (network byte order), then, for a numbered train's pattern only, its kind int1 (1); checked
// like any other input. A vehicle's pattern has 1.0's form.
PG_FUNCTION_INFO_V1(railway_service_pattern_recv);
Datum railway_service_pattern_recv(PG_FUNCTION_ARGS) {
    StringInfo buffer = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
    return guard([&] {
        ServicePattern pattern{};
        pg_guarded([&] {
            pattern.departure_us = pq_getmsgint64(buffer);
            pattern.duration_us = pq_getmsgint64(buffer);
            pattern.first_day = static_cast<int32_t>(pq_getmsgint(buffer, 4));
            pattern.last_day = static_cast<int32_t>(pq_getmsgint(buffer, 4));
            pattern.days = static_cast<uint8_t>(pq_getmsgbyte(buffer));
            // 1.1: a numbered pattern's kind byte follows (1.0's form, without it, is a vehicle's).
            if (buffer->cursor < buffer->len) pattern.kind = static_cast<railway::TrainKind>(pq_getmsgbyte(buffer));
        });
        railway::validate(pattern);
        return pattern_datum(pattern);
    });
}

PG_FUNCTION_INFO_V1(railway_service_pattern_send);
Datum railway_service_pattern_send(PG_FUNCTION_ARGS) {
    const ServicePattern& pattern = pattern_arg(fcinfo, 0);
    return guard([&] {
        return pg_guarded([&] {
            StringInfoData buffer;
            pq_begintypsend(&buffer);
            pq_sendint64(&buffer, pattern.departure_us);
            pq_sendint64(&buffer, pattern.duration_us);
            pq_sendint32(&buffer, static_cast<uint32>(pattern.first_day));
            pq_sendint32(&buffer, static_cast<uint32>(pattern.last_day));
            pq_sendbyte(&buffer, pattern.days);
            if (pattern.kind != railway::TrainKind::kVehicle) pq_sendbyte(&buffer, static_cast<uint8>(pattern.kind));
            return PointerGetDatum(pq_endtypsend(&buffer));
        });
    });
}

// railway.service_pattern(scheduled_departure, scheduled_arrival, running_days,
//                         effective_start_date, effective_end_date); not STRICT: a NULL end
// date is an open-ended service, any other NULL is an error.
PG_FUNCTION_INFO_V1(railway_service_pattern_make);
Datum railway_service_pattern_make(PG_FUNCTION_ARGS) {
    return guard([&] {
        return pattern_datum(railway::pg::pattern_from_columns(
            PG_ARGISNULL(0), PG_GETARG_DATUM(0), PG_ARGISNULL(1), PG_GETARG_DATUM(1),
            PG_ARGISNULL(2), PG_GETARG_DATUM(2), PG_ARGISNULL(3), PG_GETARG_DATUM(3),
            PG_ARGISNULL(4), PG_ARGISNULL(4) ? Datum(0) : PG_GETARG_DATUM(4)));
    });
}

// railway.service_pattern(scheduled_departure, scheduled_arrival, running_days,
//                         effective_start_date, effective_end_date, kind): the same with the
// train's kind ('numbered' or 'vehicle'), which decides the conflict rule.
PG_FUNCTION_INFO_V1(railway_service_pattern_make_kind);
Datum railway_service_pattern_make_kind(PG_FUNCTION_ARGS) {
    return guard([&] {
        if (PG_ARGISNULL(5)) {
            throw railway::Error(railway::sqlstate::null_value_not_allowed, "kind must not be NULL", {},
                                 "Use 'numbered' or 'vehicle'.");
        }
        return pattern_datum(railway::pg::pattern_from_columns(
            PG_ARGISNULL(0), PG_GETARG_DATUM(0), PG_ARGISNULL(1), PG_GETARG_DATUM(1),
            PG_ARGISNULL(2), PG_GETARG_DATUM(2), PG_ARGISNULL(3), PG_GETARG_DATUM(3),
            PG_ARGISNULL(4), PG_ARGISNULL(4) ? Datum(0) : PG_GETARG_DATUM(4),
            railway::pg::kind_from_text(PG_GETARG_DATUM(5))));
    });
}

PG_FUNCTION_INFO_V1(railway_service_pattern_overlaps);
Datum railway_service_pattern_overlaps(PG_FUNCTION_ARGS) {
    // conflicts() is noexcept and touches no PostgreSQL state: no guard needed.
    PG_RETURN_BOOL(railway::conflicts(pattern_arg(fcinfo, 0), pattern_arg(fcinfo, 1)));
}

PG_FUNCTION_INFO_V1(railway_service_pattern_eq);
Datum railway_service_pattern_eq(PG_FUNCTION_ARGS) {
    PG_RETURN_BOOL(pattern_arg(fcinfo, 0) == pattern_arg(fcinfo, 1));
}

PG_FUNCTION_INFO_V1(railway_first_conflict);
Datum railway_first_conflict(PG_FUNCTION_ARGS) {
    const ServicePattern& a = pattern_arg(fcinfo, 0);
    const ServicePattern& b = pattern_arg(fcinfo, 1);
    bool found = false;
    const Datum result = guard([&] {
        const auto window = railway::first_conflict(a, b);
        found = window.has_value();
        return found ? railway::pg::tsrange_datum(*window) : Datum(0);
    });
    if (!found) PG_RETURN_NULL();
    return result;
}

PG_FUNCTION_INFO_V1(railway_runs_on);
Datum railway_runs_on(PG_FUNCTION_ARGS) {
    PG_RETURN_BOOL(railway::runs_on(pattern_arg(fcinfo, 0), PG_GETARG_DATEADT(1)));
}

// railway.occurrences(pattern, from_date, to_date): one tsrange per departure date in
// [from_date, to_date], one per call. (A set-returning function in FROM is materialized whole
// by PostgreSQL, so an open-ended service with to_date infinity is refused rather than listed to
// the year 294276.)
namespace {
struct OccurrenceCursor {
    ServicePattern pattern;
    int32_t next_day;  // the first date not yet looked at
    int32_t to_day;
};
}  // namespace

PG_FUNCTION_INFO_V1(railway_occurrences);
Datum railway_occurrences(PG_FUNCTION_ARGS) {
    FuncCallContext* srf = nullptr;
    if (SRF_IS_FIRSTCALL()) {
        srf = SRF_FIRSTCALL_INIT();
        auto* cursor = static_cast<OccurrenceCursor*>(
            MemoryContextAlloc(srf->multi_call_memory_ctx, sizeof(OccurrenceCursor)));
        cursor->pattern = pattern_arg(fcinfo, 0);
        cursor->next_day = PG_GETARG_DATEADT(1);
        cursor->to_day = PG_GETARG_DATEADT(2);
        srf->user_fctx = cursor;
        if (DATE_IS_NOEND(cursor->to_day) && cursor->pattern.last_day == railway::kDayInfinity) {
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("the occurrences of an open-ended service need a finite to_date"),
                            errdetail("The service runs every week with no last date."),
                            errhint("Give the last departure date you want listed.")));
        }
    }
    srf = SRF_PERCALL_SETUP();
    auto* cursor = static_cast<OccurrenceCursor*>(srf->user_fctx);
    bool done = false;
    const Datum range = guard([&] {
        const auto day = railway::next_departure(cursor->pattern, cursor->next_day);
        if (!day || *day > cursor->to_day) {
            done = true;
            return Datum(0);
        }
        cursor->next_day = *day + 1;  // a departure date is finite, below the int32 maximum
        return railway::pg::tsrange_datum(railway::occurrence(cursor->pattern, *day));
    });
    if (done) SRF_RETURN_DONE(srf);
    SRF_RETURN_NEXT(srf, range);
}

}  // extern "C"
