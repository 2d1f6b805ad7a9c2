#include "core/error.hpp"

#include <cstring>
#include <string>

#include "datum.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/builtins.h"
}

namespace railway::pg {

Datum text_datum(std::string_view value) {
    return pg_guarded([&] {
        return PointerGetDatum(cstring_to_text_with_len(value.data(), static_cast<int>(value.size())));
    });
}

DayMask day_mask_from_array(const ArrayType* running_days) {
    static const char* const hint =
        "running_days is boolean[7], Monday first: e.g. '{t,t,t,t,t,f,f}' for Monday to Friday.";
    if (ARR_ELEMTYPE(running_days) != BOOLOID) {
        throw Error(sqlstate::data_exception, "running_days must be a boolean array", {}, hint);
    }
    const int ndim = ARR_NDIM(running_days);
    if (ndim > 1) {
        throw Error(sqlstate::array_subscript_error, "running_days must be a one-dimensional array",
                    "It has " + std::to_string(ndim) + " dimensions.", hint);
    }
    const int length = ndim == 0 ? 0 : ARR_DIMS(running_days)[0];  // '{}' has no dimension
    if (length != 7) {
        throw Error(sqlstate::array_subscript_error,
                    "running_days must have exactly 7 elements, one per weekday",
                    "It has " + std::to_string(length) + ".", hint);
    }
    const int lower = ARR_LBOUND(running_days)[0];
    if (lower != 1) {
        throw Error(sqlstate::array_subscript_error, "running_days must start at index 1 (Monday)",
                    "Its lower bound is " + std::to_string(lower) + ".", hint);
    }
    const bits8* nulls = ARR_NULLBITMAP(running_days);
    const bool* values = reinterpret_cast<const bool*>(ARR_DATA_PTR(running_days));
    DayMask days = 0;
    for (int i = 0; i < 7; ++i) {
        if (nulls != nullptr && (nulls[i / 8] & (1 << (i % 8))) == 0) {
            throw Error(sqlstate::null_value_not_allowed, "running_days must not contain NULL",
                        "Element " + std::to_string(i + 1) + " is NULL.", hint);
        }
    }
    // No element is NULL, so the seven bools are stored consecutively, one byte each.
    for (int i = 0; i < 7; ++i) {
        if (values[i]) days |= static_cast<DayMask>(1u << i);
    }
    return days;
}

DayMask day_mask_from_datum(Datum running_days) {
    const auto* raw = reinterpret_cast<const varlena*>(DatumGetPointer(running_days));
    if (!VARATT_IS_EXTENDED(raw)) return day_mask_from_array(reinterpret_cast<const ArrayType*>(raw));
    // A boolean[7] takes 31 bytes with a 4-byte header; tables store it with a 1-byte header,
    // which ArrayType's macros cannot read in place (alignment): copy it behind a 4-byte one.
    constexpr size_t kInlineBytes = 64;
    // (VARATT_IS_SHORT is also true of a toast pointer or an expanded array: not those.)
    if (VARATT_IS_SHORT(raw) && !VARATT_IS_EXTERNAL(raw) &&
        VARSIZE_SHORT(raw) - VARHDRSZ_SHORT + VARHDRSZ <= kInlineBytes) {
        alignas(8) char buffer[kInlineBytes];
        const size_t size = VARSIZE_SHORT(raw) - VARHDRSZ_SHORT;
        SET_VARSIZE(buffer, size + VARHDRSZ);
        std::memcpy(buffer + VARHDRSZ, VARDATA_SHORT(raw), size);
        return day_mask_from_array(reinterpret_cast<const ArrayType*>(buffer));
    }
    // Compressed, toasted, expanded or unusually large: detoast (or flatten) a copy.
    ArrayType* array = pg_guarded([&] { return DatumGetArrayTypeP(running_days); });
    const DayMask days = day_mask_from_array(array);
    if (reinterpret_cast<const varlena*>(array) != raw) pg_guarded([&] { pfree(array); });
    return days;
}

Datum array_from_day_mask(DayMask days) {
    Datum elements[7];
    for (int i = 0; i < 7; ++i) elements[i] = BoolGetDatum((days >> i) & 1u);
    return pg_guarded([&] {
        return PointerGetDatum(construct_array(elements, 7, BOOLOID, 1, true, TYPALIGN_CHAR));
    });
}

}  // namespace railway::pg
