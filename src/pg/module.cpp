// The railway module: its magic block and the functions that describe the extension itself.
#include <string>

#include "boundary.hpp"
#include "datum.hpp"

extern "C" {

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(railway_version);
Datum railway_version(PG_FUNCTION_ARGS) {
    return railway::pg::guard([] { return railway::pg::text_datum(RAILWAY_VERSION); });
}

}  // extern "C"
