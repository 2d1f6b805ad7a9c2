// What railway asks of Citus's catalog (citus.hpp).
#include <string_view>

#include "citus.hpp"
#include "datum.hpp"
#include "spi.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
}

namespace railway::pg {

char citus_partition_method(Oid relid) {
    const bool has_citus_catalog =
        pg_guarded([] { return OidIsValid(get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE)); });
    if (!has_citus_catalog) return 0;
    Oid types[1] = {OIDOID};
    Datum values[1] = {ObjectIdGetDatum(relid)};
    if (spi_query("SELECT partmethod::pg_catalog.text FROM pg_catalog.pg_dist_partition "
                  "WHERE logicalrelid::pg_catalog.oid OPERATOR(pg_catalog.=) $1",
                  1, types, values, nullptr) == 0) {
        return 0;
    }
    bool is_null;
    const Datum method = spi_value(0, 1, &is_null);
    const char letter = is_null ? '?' : pg_guarded([&] {
        const std::string_view letters = text_view(DatumGetTextPP(method));
        return letters.empty() ? '?' : letters[0];
    });
    spi_free_result();
    return letter;
}

}  // namespace railway::pg
