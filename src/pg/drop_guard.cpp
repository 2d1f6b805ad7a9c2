// DROP EXTENSION railway refuses while railway's tables hold rows (README "Security").
//
// The timetable, the users and the audit log are members of the extension, so a plain
// `DROP EXTENSION railway` would delete them with it. The event trigger railway_guard_drop
// (ddl_command_start, tag DROP EXTENSION, ENABLE ALWAYS) runs this function before the drop: when
// the statement names railway without CASCADE and one of the extension's configuration tables
// (the user's data: pg_extension.extconfig) holds a row, it refuses with 2BP01
// (dependent_objects_still_exist), the tables in DETAIL and a HINT naming CASCADE.
// `DROP EXTENSION railway CASCADE` says the administrator means it and proceeds.
//
// Plain C calls only: no C++ object is alive in this file, so PostgreSQL's errors propagate as
// usual (no guard()/pg_guarded needed).
extern "C" {
#include "postgres.h"

#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "nodes/value.h"
#include "utils/builtins.h"
}

namespace {

bool names_railway(const DropStmt* stmt) {
    ListCell* cell;
    foreach (cell, stmt->objects) {
        const Node* object = static_cast<const Node*>(lfirst(cell));
        if (IsA(object, String) && strcmp(strVal(object), "railway") == 0)
            return true;
    }
    return false;
}

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(railway_guard_drop_extension);
Datum railway_guard_drop_extension(PG_FUNCTION_ARGS) {
    if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("railway.guard_drop_extension() must be called as an event trigger")));
    const EventTriggerData* data = reinterpret_cast<EventTriggerData*>(fcinfo->context);
    if (data->parsetree == nullptr || !IsA(data->parsetree, DropStmt))
        PG_RETURN_VOID();
    const DropStmt* stmt = reinterpret_cast<const DropStmt*>(data->parsetree);
    if (stmt->removeType != OBJECT_EXTENSION || stmt->behavior == DROP_CASCADE || !names_railway(stmt))
        PG_RETURN_VOID();

    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "railway: SPI_connect failed");
    // The configuration tables of the extension, schema-qualified and quoted by the catalog.
    int rc = SPI_execute(
        "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) "
        "FROM pg_catalog.pg_extension e "
        "CROSS JOIN LATERAL pg_catalog.unnest(e.extconfig) AS x(oid) "
        "JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) x.oid "
        "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
        "WHERE e.extname OPERATOR(pg_catalog.=) 'railway' AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,p}') "
        "ORDER BY 1",
        true, 0);
    if (rc != SPI_OK_SELECT)
        elog(ERROR, "railway: could not list the extension's tables: %s", SPI_result_code_string(rc));
    SPITupleTable* tables = SPI_tuptable;
    const uint64 ntables = SPI_processed;

    StringInfoData holding;
    initStringInfo(&holding);
    int nholding = 0;
    for (uint64 i = 0; i < ntables; ++i) {
        const char* table = SPI_getvalue(tables->vals[i], tables->tupdesc, 1);
        StringInfoData query;
        initStringInfo(&query);
        appendStringInfo(&query, "SELECT 1 FROM %s LIMIT 1", table);
        rc = SPI_execute(query.data, true, 1);
        if (rc != SPI_OK_SELECT)
            elog(ERROR, "railway: could not read %s: %s", table, SPI_result_code_string(rc));
        if (SPI_processed > 0) {
            appendStringInfo(&holding, "%s%s", nholding > 0 ? ", " : "", table);
            ++nholding;
        }
        SPI_freetuptable(SPI_tuptable);
        pfree(query.data);
    }
    SPI_freetuptable(tables);
    SPI_finish();

    if (nholding > 0)
        ereport(ERROR,
                (errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
                 errmsg("cannot drop extension railway because its tables hold data"),
                 errdetail("%s %s rows; DROP EXTENSION would delete them.", holding.data,
                           nholding == 1 ? "holds" : "hold"),
                 errhint("Back the data up with pg_dump first. Use DROP EXTENSION railway CASCADE to "
                         "delete the extension together with its tables and every row in them.")));
    PG_RETURN_VOID();
}

}  // extern "C"
