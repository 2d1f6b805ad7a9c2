// The part of a GiST picksplit function that every railway operator class shares: read the
// page's keys, let a core function choose each key's side, then fill GiST's GIST_SPLITVEC with
// the offsets of each side and the union key of each side.
#pragma once

#include <vector>

#include "boundary.hpp"

extern "C" {
#include "access/gist.h"
}

namespace railway::pg {

// `key_of(Datum)` reads an entry's key (a plain value); `choose(keys)` returns, per key, true for
// the right side; `merge(into, key)` grows a union; `empty` is the union of nothing;
// `datum_of(union)` makes the union's index key. Runs inside guard().
template <typename Key, typename KeyOf, typename Choose, typename Merge, typename DatumOf>
Datum pick_split(const GistEntryVector* entries, GIST_SPLITVEC* split, KeyOf key_of, Choose choose,
                 Merge merge, const Key& empty, DatumOf datum_of) {
    const OffsetNumber last = static_cast<OffsetNumber>(entries->n - 1);
    std::vector<Key> keys;
    for (OffsetNumber i = FirstOffsetNumber; i <= last; i = OffsetNumberNext(i)) {
        keys.push_back(key_of(entries->vector[i].key));
    }
    const std::vector<bool> right = choose(keys);
    Key left_union = empty, right_union = empty;
    pg_guarded([&] {
        const size_t bytes = sizeof(OffsetNumber) * (keys.size() + 1);
        split->spl_left = static_cast<OffsetNumber*>(palloc(bytes));
        split->spl_right = static_cast<OffsetNumber*>(palloc(bytes));
    });
    split->spl_nleft = split->spl_nright = 0;
    for (size_t k = 0; k < keys.size(); ++k) {
        const OffsetNumber offset = static_cast<OffsetNumber>(FirstOffsetNumber + k);
        if (right[k]) {
            split->spl_right[split->spl_nright++] = offset;
            merge(right_union, keys[k]);
        } else {
            split->spl_left[split->spl_nleft++] = offset;
            merge(left_union, keys[k]);
        }
    }
    split->spl_ldatum = datum_of(left_union);
    split->spl_rdatum = datum_of(right_union);
    return PointerGetDatum(split);
}

}  // namespace railway::pg
