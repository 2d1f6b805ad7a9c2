// The railway module: its magic block, its initialization and the functions that describe the
// extension itself.
#include "core/interrupts.hpp"

#include <string>

#include "boundary.hpp"
#include "datum.hpp"

extern "C" {
#include "miscadmin.h"
}

namespace {

// The core's interrupt hook (src/core/interrupts.hpp): lets a pending cancel, timeout or
// termination request through, as CHECK_FOR_INTERRUPTS would, turning its error into a PgError
// that unwinds the core's frames.
void process_pending_interrupts() {
    if (likely(!INTERRUPTS_PENDING_CONDITION()))
        return;
    railway::pg::pg_guarded([] { CHECK_FOR_INTERRUPTS(); });
}

}  // namespace

extern "C" {

PG_MODULE_MAGIC;

void _PG_init(void);
void _PG_init(void) {
    railway::set_interrupt_hook(&process_pending_interrupts);
}

PG_FUNCTION_INFO_V1(railway_version);
Datum railway_version(PG_FUNCTION_ARGS) {
    return railway::pg::guard([] { return railway::pg::text_datum(RAILWAY_VERSION); });
}

}  // extern "C"
