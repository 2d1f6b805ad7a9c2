// Conversions for SQL type railway.service_pattern, shared by its functions, the GiST support
// and the validation trigger.
#pragma once

#include "core/service_pattern.hpp"

#include "boundary.hpp"

namespace railway::pg {

// The value of a service_pattern argument (fixed length, never toasted).
inline const ServicePattern& pattern_arg(FunctionCallInfo fcinfo, int argno) {
    return *reinterpret_cast<const ServicePattern*>(PG_GETARG_POINTER(argno));
}

// A new service_pattern datum in the current memory context.
Datum pattern_datum(const ServicePattern& pattern);

// A tsrange datum for a half-open window [start, end).
Datum tsrange_datum(const Window& window);

// The pattern of a schedule's five columns, given as datums (end may be NULL: open-ended).
// Throws railway::Error for NULLs and for every invalid value, naming the column.
ServicePattern pattern_from_columns(bool departure_null, Datum departure, bool arrival_null, Datum arrival,
                                    bool days_null, Datum running_days, bool start_null, Datum start,
                                    bool end_null, Datum end, TrainKind kind = TrainKind::kVehicle);

// The kind named by a text datum ('numbered' or 'vehicle'); throws 22023 for anything else.
// Call inside guard() (it may detoast).
TrainKind kind_from_text(Datum kind);

}  // namespace railway::pg
