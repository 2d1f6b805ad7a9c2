// GiST operator class railway.service_pattern_ops: an index on service patterns whose &&
// (strategy 3) is exact, for EXCLUDE USING gist (train_id WITH =, railway.service_pattern(...)
// WITH &&) and for searches of the conflicts of one pattern.
//
// Keys are railway.service_pattern_gist_key values (a varlena, STORAGE plain, two forms told
// apart by their size):
//   leaf   the pattern itself; consistent() answers with the exact conflicts(), recheck false;
//   inner  a PatternSummary (src/core/pattern_summary.hpp) of everything below: the time span
//          and the weekly footprint, which never rules out a pattern that conflicts.
#include "core/pattern_summary.hpp"
#include "core/service_pattern.hpp"

#include <cstring>
#include <string>
#include <vector>

#include "gist_split.hpp"
#include "service_pattern.hpp"

extern "C" {
#include "access/gist.h"
#include "access/stratnum.h"
}

namespace railway::pg {
namespace {

struct LeafKey {
    int32 vl_len_;
    int32 pad;
    ServicePattern pattern;
};
struct InnerKey {
    int32 vl_len_;
    int32 pad;
    PatternSummary summary;
};
static_assert(sizeof(LeafKey) != sizeof(InnerKey));

bool is_leaf_key(const void* key) { return VARSIZE(key) == sizeof(LeafKey); }

Datum leaf_key(const ServicePattern& pattern) {
    auto* key = static_cast<LeafKey*>(pg_guarded([] { return palloc0(sizeof(LeafKey)); }));
    SET_VARSIZE(key, sizeof(LeafKey));
    key->pattern = pattern;
    return PointerGetDatum(key);
}

Datum inner_key(const PatternSummary& summary) {
    auto* key = static_cast<InnerKey*>(pg_guarded([] { return palloc0(sizeof(InnerKey)); }));
    SET_VARSIZE(key, sizeof(InnerKey));
    key->summary = summary;
    return PointerGetDatum(key);
}

// The summary of the last leaf pattern summarized. An insert asks for the summary of its new
// leaf key once per entry of every inner page on its way down (penalty) and again for each
// parent key it adjusts (union); summarize() is pure, so one remembered result serves them all.
struct LastLeaf {
    bool valid;
    ServicePattern pattern;
    PatternSummary summary;
};
LastLeaf last_leaf{};

// The summary of either form, by reference: into the key itself for an inner key, into
// last_leaf for a leaf key (valid until the next leaf key is summarized).
const PatternSummary& summary_ref(Datum datum) {
    const void* key = DatumGetPointer(datum);
    if (!is_leaf_key(key)) return static_cast<const InnerKey*>(key)->summary;
    const ServicePattern& pattern = static_cast<const LeafKey*>(key)->pattern;
    if (!last_leaf.valid || last_leaf.pattern != pattern) {
        last_leaf.summary = summarize(pattern);
        last_leaf.pattern = pattern;
        last_leaf.valid = true;
    }
    return last_leaf.summary;
}

PatternSummary summary_of(Datum datum) { return summary_ref(datum); }

// The query's summary, cached for the scan (consistent() is called once per inner entry).
struct QueryCache {
    ServicePattern query;
    PatternSummary summary;
};

const PatternSummary& query_summary(FunctionCallInfo fcinfo, const ServicePattern& query) {
    auto* cache = static_cast<QueryCache*>(fcinfo->flinfo->fn_extra);
    if (cache == nullptr) {
        cache = static_cast<QueryCache*>(pg_guarded(
            [&] { return MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(QueryCache)); }));
        cache->summary = summarize(query);
        cache->query = query;
        fcinfo->flinfo->fn_extra = cache;
    } else if (cache->query != query) {
        cache->summary = summarize(query);
        cache->query = query;
    }
    return cache->summary;
}

}  // namespace
}  // namespace railway::pg

using namespace railway;
using namespace railway::pg;

extern "C" {

PG_FUNCTION_INFO_V1(railway_gist_key_in);
Datum railway_gist_key_in(PG_FUNCTION_ARGS) {
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("railway.service_pattern_gist_key has no input"),
                    errdetail("It is the key a GiST index on railway.service_pattern stores."),
                    errhint("Use railway.service_pattern.")));
    PG_RETURN_NULL();
}

// Leaf keys print as their pattern; inner keys as their span and footprint size.
PG_FUNCTION_INFO_V1(railway_gist_key_out);
Datum railway_gist_key_out(PG_FUNCTION_ARGS) {
    const void* key = PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
    return guard([&] {
        std::string text;
        if (is_leaf_key(key)) {
            text = format_pattern(static_cast<const LeafKey*>(key)->pattern);
        } else {
            const PatternSummary& s = static_cast<const InnerKey*>(key)->summary;
            int slots = 0;
            for (uint64_t word : s.slots) slots += __builtin_popcountll(word);
            text = is_empty(s) ? std::string("summary: empty")
                               : "summary: " + std::to_string(slots) + " of " + std::to_string(kSlotsPerWeek) +
                                     " weekly slots, span " + std::to_string(s.min_start_us) + " to " +
                                     std::to_string(s.max_end_us);
        }
        return CStringGetDatum(pg_guarded([&] { return pstrdup(text.c_str()); }));
    });
}

PG_FUNCTION_INFO_V1(railway_gist_consistent);
Datum railway_gist_consistent(PG_FUNCTION_ARGS) {
    const GISTENTRY* entry = reinterpret_cast<GISTENTRY*>(PG_GETARG_POINTER(0));
    const ServicePattern& query = pattern_arg(fcinfo, 1);
    const StrategyNumber strategy = static_cast<StrategyNumber>(PG_GETARG_UINT16(2));
    bool* recheck = reinterpret_cast<bool*>(PG_GETARG_POINTER(4));
    if (strategy != RTOverlapStrategyNumber) {
        elog(ERROR, "railway.service_pattern_ops: unknown strategy %d", strategy);
    }
    *recheck = false;  // the leaf test is exact
    const void* key = DatumGetPointer(entry->key);
    if (is_leaf_key(key)) {
        PG_RETURN_BOOL(conflicts(static_cast<const LeafKey*>(key)->pattern, query));
    }
    bool result = false;
    guard([&] {
        result = may_conflict(static_cast<const InnerKey*>(key)->summary, query_summary(fcinfo, query));
        return Datum(0);
    });
    PG_RETURN_BOOL(result);
}

PG_FUNCTION_INFO_V1(railway_gist_compress);
Datum railway_gist_compress(PG_FUNCTION_ARGS) {
    GISTENTRY* entry = reinterpret_cast<GISTENTRY*>(PG_GETARG_POINTER(0));
    if (!entry->leafkey) PG_RETURN_POINTER(entry);
    return guard([&] {
        const ServicePattern pattern = *reinterpret_cast<const ServicePattern*>(DatumGetPointer(entry->key));
        const Datum key = leaf_key(pattern);
        auto* compressed = static_cast<GISTENTRY*>(pg_guarded([] { return palloc(sizeof(GISTENTRY)); }));
        gistentryinit(*compressed, key, entry->rel, entry->page, entry->offset, false);
        return PointerGetDatum(compressed);
    });
}

PG_FUNCTION_INFO_V1(railway_gist_union);
Datum railway_gist_union(PG_FUNCTION_ARGS) {
    const GistEntryVector* entries = reinterpret_cast<GistEntryVector*>(PG_GETARG_POINTER(0));
    int* size = reinterpret_cast<int*>(PG_GETARG_POINTER(1));
    return guard([&] {
        PatternSummary summary = empty_summary();
        for (int i = 0; i < entries->n; ++i) merge(summary, summary_of(entries->vector[i].key));
        *size = sizeof(InnerKey);
        return inner_key(summary);
    });
}

PG_FUNCTION_INFO_V1(railway_gist_penalty);
Datum railway_gist_penalty(PG_FUNCTION_ARGS) {
    const GISTENTRY* original = reinterpret_cast<GISTENTRY*>(PG_GETARG_POINTER(0));
    const GISTENTRY* added = reinterpret_cast<GISTENTRY*>(PG_GETARG_POINTER(1));
    float* penalty = reinterpret_cast<float*>(PG_GETARG_POINTER(2));
    return guard([&] {
        // GiST asks this of nearly every entry of every inner page an insert passes (whenever
        // the train column does not already rule the entry out), so no copy of either summary
        // unless both are leaf keys (then the second would replace the first in last_leaf).
        if (is_leaf_key(DatumGetPointer(original->key))) {
            const PatternSummary original_summary = summary_of(original->key);
            *penalty = static_cast<float>(growth(original_summary, summary_ref(added->key)));
        } else {
            *penalty = static_cast<float>(growth(summary_ref(original->key), summary_ref(added->key)));
        }
        return PointerGetDatum(penalty);
    });
}

PG_FUNCTION_INFO_V1(railway_gist_picksplit);
Datum railway_gist_picksplit(PG_FUNCTION_ARGS) {
    const GistEntryVector* entries = reinterpret_cast<GistEntryVector*>(PG_GETARG_POINTER(0));
    GIST_SPLITVEC* split = reinterpret_cast<GIST_SPLITVEC*>(PG_GETARG_POINTER(1));
    return guard([&] {
        return pick_split(
            entries, split, summary_of, split_summaries,
            [](PatternSummary& into, const PatternSummary& other) { merge(into, other); }, empty_summary(),
            inner_key);
    });
}

PG_FUNCTION_INFO_V1(railway_gist_same);
Datum railway_gist_same(PG_FUNCTION_ARGS) {
    const void* a = DatumGetPointer(PG_GETARG_DATUM(0));
    const void* b = DatumGetPointer(PG_GETARG_DATUM(1));
    bool* result = reinterpret_cast<bool*>(PG_GETARG_POINTER(2));
    *result = VARSIZE(a) == VARSIZE(b) && std::memcmp(a, b, VARSIZE(a)) == 0;
    PG_RETURN_POINTER(result);
}

}  // extern "C"
