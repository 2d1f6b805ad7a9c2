// SQL functions for the text form of running days ('12345--').
#include "core/running_days.hpp"

#include "boundary.hpp"
#include "datum.hpp"

extern "C" {

PG_FUNCTION_INFO_V1(railway_format_running_days);
Datum railway_format_running_days(PG_FUNCTION_ARGS) {
    const ArrayType* running_days = PG_GETARG_ARRAYTYPE_P(0);
    return railway::pg::guard([&] {
        const railway::DayMask days = railway::pg::day_mask_from_array(running_days);
        return railway::pg::text_datum(railway::format_running_days(days));
    });
}

PG_FUNCTION_INFO_V1(railway_parse_running_days);
Datum railway_parse_running_days(PG_FUNCTION_ARGS) {
    const text* days_text = PG_GETARG_TEXT_PP(0);
    return railway::pg::guard([&] {
        return railway::pg::array_from_day_mask(
            railway::parse_running_days(railway::pg::text_view(days_text)));
    });
}

}  // extern "C"
