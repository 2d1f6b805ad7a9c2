// SPI calls for C++ bodies: each goes through pg_guarded, so a PostgreSQL error becomes a
// PgError that unwinds the C++ frames and is re-raised by guard(). There is deliberately no RAII
// wrapper: SPI_finish in a destructor could longjmp during unwinding. On error, PostgreSQL's
// transaction abort releases the SPI connection.
#pragma once

#include "boundary.hpp"

extern "C" {
#include "executor/spi.h"
}

namespace railway::pg {

inline void spi_connect() {
    pg_guarded([] {
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "railway: SPI_connect failed");
    });
}

inline void spi_finish() {
    pg_guarded([] { SPI_finish(); });
}

// Runs a read-only query with parameters (nulls: ' ' not null, 'n' null, or nullptr); the rows
// are in SPI_tuptable until the next call. Returns the number of rows.
inline uint64 spi_query(const char* sql, int nargs, Oid* types, Datum* values, const char* nulls) {
    return pg_guarded([&] {
        const int rc = SPI_execute_with_args(sql, nargs, types, values, nulls, true, 0);
        if (rc != SPI_OK_SELECT) elog(ERROR, "railway: query failed: %s", SPI_result_code_string(rc));
        return SPI_processed;
    });
}

// A cursor over a read-only query, for results too large to hold at once.
inline Portal spi_cursor_open(const char* sql, int nargs, Oid* types, Datum* values, const char* nulls) {
    return pg_guarded([&] {
        Portal portal = SPI_cursor_open_with_args(nullptr, sql, nargs, types, values, nulls, true, 0);
        if (portal == nullptr) elog(ERROR, "railway: could not open a cursor");
        return portal;
    });
}

// Fetches the next `count` rows into SPI_tuptable (freeing the previous batch); returns how many.
inline uint64 spi_cursor_fetch(Portal portal, long count) {
    return pg_guarded([&] {
        if (SPI_tuptable != nullptr) SPI_freetuptable(SPI_tuptable);
        SPI_cursor_fetch(portal, true, count);
        return SPI_processed;
    });
}

inline void spi_cursor_close(Portal portal) {
    pg_guarded([&] { SPI_cursor_close(portal); });
}

// Frees the current SPI result (SPI_tuptable), once its values have been copied: without it,
// every query's rows stay in the SPI context until spi_finish (one table per call of a query
// run once per row). SPI_freetuptable resets SPI_tuptable.
inline void spi_free_result() {
    pg_guarded([] {
        if (SPI_tuptable != nullptr) SPI_freetuptable(SPI_tuptable);
    });
}

// Column `column` (1-based) of row `row` of the current SPI result. No allocation, no error.
inline Datum spi_value(uint64 row, int column, bool* is_null) {
    return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, column, is_null);
}

}  // namespace railway::pg
