// Small conversions between PostgreSQL datums and C++ values, each safe to call from a body
// run by guard(): PostgreSQL calls that may fail go through pg_guarded().
#pragma once

#include "core/running_days.hpp"

#include <cstring>
#include <string_view>

#include "boundary.hpp"

extern "C" {
#include "fmgr.h"
#include "utils/array.h"
}

namespace railway::pg {

// A view of a text argument's bytes. The datum must already be detoasted
// (PG_GETARG_TEXT_PP does that) and outlive the view.
inline std::string_view text_view(const text* value) {
    return {VARDATA_ANY(value), static_cast<size_t>(VARSIZE_ANY_EXHDR(value))};
}

// Whether a text or varchar datum as stored holds exactly `expected` (a status, a kind). An
// inline value (the common case) is compared in place, without allocating; a compressed or
// toasted one is detoasted first, through pg_guarded (so it may be called inside or outside it).
inline bool text_equals(Datum value, std::string_view expected) {
    auto* v = reinterpret_cast<varlena*>(DatumGetPointer(value));
    if (VARATT_IS_EXTERNAL(v) || VARATT_IS_COMPRESSED(v)) v = pg_guarded([v] { return pg_detoast_datum_packed(v); });
    return static_cast<size_t>(VARSIZE_ANY_EXHDR(v)) == expected.size() &&
           std::memcmp(VARDATA_ANY(v), expected.data(), expected.size()) == 0;
}

// A new text datum holding `value`, in the current memory context.
Datum text_datum(std::string_view value);

// The mask of a running_days boolean[]: exactly one dimension, lower bound 1, seven non-null
// elements (Monday first). Throws railway::Error naming what is wrong. Does not require a
// running day: callers that need one call require_running_day().
DayMask day_mask_from_array(const ArrayType* running_days);

// The same from a running_days datum as stored (possibly with a short header, compressed or
// toasted): a short inline array is read from a local copy, without allocating.
DayMask day_mask_from_datum(Datum running_days);

// boolean[7] with running_days[1] = Monday.
Datum array_from_day_mask(DayMask days);

}  // namespace railway::pg
