// GiST operator class railway.train_id_ops: integer ids answering only `=` (strategy 3), for
// the train column of the exclusion constraint on railway.schedules. btree_gist's integer
// class answers every comparison and pays for it on each entry GiST tests: a decompress call
// and a general consistent function. This one stores an IdRange (src/core/id_range.hpp) as
// railway.id_range_key (8 bytes, by reference), has no decompress, and its consistent() is a
// comparison; it is exact, so recheck is always false.
#include "core/id_range.hpp"

#include <limits>
#include <vector>

#include "gist_split.hpp"

extern "C" {
#include "access/gist.h"
#include "access/stratnum.h"
}

namespace railway::pg {
namespace {

const IdRange& range_of(Datum key) { return *reinterpret_cast<const IdRange*>(DatumGetPointer(key)); }

Datum new_range_key(const IdRange& range) {
    auto* key = static_cast<IdRange*>(palloc(sizeof(IdRange)));
    *key = range;
    return PointerGetDatum(key);
}

}  // namespace
}  // namespace railway::pg

using namespace railway;
using namespace railway::pg;

extern "C" {

PG_FUNCTION_INFO_V1(railway_id_range_key_in);
Datum railway_id_range_key_in(PG_FUNCTION_ARGS) {
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("railway.id_range_key has no input"),
                    errdetail("It is the key a GiST index with railway.train_id_ops stores."),
                    errhint("Index an integer column with railway.train_id_ops.")));
    PG_RETURN_NULL();
}

// "[lower,upper]", e.g. for pageinspect's gist_page_items().
PG_FUNCTION_INFO_V1(railway_id_range_key_out);
Datum railway_id_range_key_out(PG_FUNCTION_ARGS) {
    const IdRange& range = range_of(PG_GETARG_DATUM(0));
    PG_RETURN_CSTRING(psprintf("[%d,%d]", range.lower, range.upper));
}

PG_FUNCTION_INFO_V1(railway_id_range_consistent);
Datum railway_id_range_consistent(PG_FUNCTION_ARGS) {
    const GISTENTRY* entry = reinterpret_cast<GISTENTRY*>(PG_GETARG_POINTER(0));
    const int32 query = PG_GETARG_INT32(1);
    const StrategyNumber strategy = static_cast<StrategyNumber>(PG_GETARG_UINT16(2));
    bool* recheck = reinterpret_cast<bool*>(PG_GETARG_POINTER(4));
    if (strategy != BTEqualStrategyNumber) {
        elog(ERROR, "railway.train_id_ops: unknown strategy %d", strategy);
    }
    *recheck = false;
    PG_RETURN_BOOL(contains(range_of(entry->key), query));
}

PG_FUNCTION_INFO_V1(railway_id_range_compress);
Datum railway_id_range_compress(PG_FUNCTION_ARGS) {
    GISTENTRY* entry = reinterpret_cast<GISTENTRY*>(PG_GETARG_POINTER(0));
    if (!entry->leafkey) PG_RETURN_POINTER(entry);
    const int32 id = DatumGetInt32(entry->key);
    auto* compressed = static_cast<GISTENTRY*>(palloc(sizeof(GISTENTRY)));
    gistentryinit(*compressed, new_range_key(IdRange{id, id}), entry->rel, entry->page, entry->offset, false);
    PG_RETURN_POINTER(compressed);
}

PG_FUNCTION_INFO_V1(railway_id_range_union);
Datum railway_id_range_union(PG_FUNCTION_ARGS) {
    const GistEntryVector* entries = reinterpret_cast<GistEntryVector*>(PG_GETARG_POINTER(0));
    int* size = reinterpret_cast<int*>(PG_GETARG_POINTER(1));
    IdRange range = range_of(entries->vector[0].key);
    for (int i = 1; i < entries->n; ++i) merge(range, range_of(entries->vector[i].key));
    *size = sizeof(IdRange);
    return new_range_key(range);
}

PG_FUNCTION_INFO_V1(railway_id_range_penalty);
Datum railway_id_range_penalty(PG_FUNCTION_ARGS) {
    const GISTENTRY* original = reinterpret_cast<GISTENTRY*>(PG_GETARG_POINTER(0));
    const GISTENTRY* added = reinterpret_cast<GISTENTRY*>(PG_GETARG_POINTER(1));
    float* penalty = reinterpret_cast<float*>(PG_GETARG_POINTER(2));
    *penalty = static_cast<float>(widening(range_of(original->key), range_of(added->key)));
    PG_RETURN_POINTER(penalty);
}

PG_FUNCTION_INFO_V1(railway_id_range_picksplit);
Datum railway_id_range_picksplit(PG_FUNCTION_ARGS) {
    const GistEntryVector* entries = reinterpret_cast<GistEntryVector*>(PG_GETARG_POINTER(0));
    GIST_SPLITVEC* split = reinterpret_cast<GIST_SPLITVEC*>(PG_GETARG_POINTER(1));
    return guard([&] {
        constexpr IdRange nothing{std::numeric_limits<int32>::max(), std::numeric_limits<int32>::min()};
        return pick_split(
            entries, split, [](Datum key) { return range_of(key); }, split_id_ranges,
            [](IdRange& into, const IdRange& other) { merge(into, other); }, nothing,
            [](const IdRange& range) { return pg_guarded([&] { return new_range_key(range); }); });
    });
}

PG_FUNCTION_INFO_V1(railway_id_range_same);
Datum railway_id_range_same(PG_FUNCTION_ARGS) {
    bool* result = reinterpret_cast<bool*>(PG_GETARG_POINTER(2));
    *result = range_of(PG_GETARG_DATUM(0)) == range_of(PG_GETARG_DATUM(1));
    PG_RETURN_POINTER(result);
}

}  // extern "C"
