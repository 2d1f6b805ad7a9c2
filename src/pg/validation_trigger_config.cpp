// The validation trigger's set-up for a statement: its 'role=column' arguments resolved against
// the table (and each partition of its tree), how each table is searched (the exclusion
// constraint's GiST index, a btree index on the train, or the heap), and the train lock's target.
#include "validation_trigger.hpp"

namespace railway::pg::trigger {

[[noreturn]] void config_error(const char* sqlstate, const std::string& message, const std::string& detail = {}) {
    throw Error(sqlstate, "railway.validate_schedule_trigger: " + message, detail, kArgumentHint);
}

// Checks a mapped column's type; every check here runs once per statement.
void check_type(const Config& config, int role, const char* column_name) {
    const Oid type = config.type[role];
    auto require = [&](bool ok, const char* expected) {
        if (!ok) {
            const char* type_name = format_type_be(type);  // before any std::string exists
            config_error("42804", std::string("column \"") + column_name + "\" (" + kRoleNames[role] +
                                      ") must be " + expected,
                         std::string("It is of type ") + type_name + ".");
        }
    };
    switch (role) {
        case kId: case kDepartureLocation: case kArrivalLocation:
            require(is_integer_type(type), "smallint, integer or bigint");
            break;
        case kScheduledDeparture: case kScheduledArrival: case kActualDeparture: case kActualArrival:
            require(type == TIMESTAMPOID, "timestamp (without time zone)");
            break;
        case kStartDate: case kEndDate:
            require(type == TIMESTAMPOID || type == DATEOID, "timestamp (without time zone) or date");
            break;
        case kIsCancelled: require(type == BOOLOID, "boolean"); break;
        case kTrainKind: require(type == TEXTOID || type == VARCHAROID, "text or varchar"); break;
        case kRunningDays: require(type == BOOLARRAYOID, "boolean[]"); break;
        default: break;  // train: any type with equality; status: any type (its text form)
    }
}

// Whether `clause` is `NOT <is_cancelled>` on the mapped is_cancelled column.
bool is_not_cancelled_clause(Node* clause, AttrNumber is_cancelled) {
    if (is_cancelled == 0 || !IsA(clause, BoolExpr)) return false;
    const BoolExpr* expr = reinterpret_cast<BoolExpr*>(clause);
    if (expr->boolop != NOT_EXPR || list_length(expr->args) != 1) return false;
    const Node* arg = static_cast<Node*>(linitial(expr->args));
    return IsA(arg, Var) && reinterpret_cast<const Var*>(arg)->varattno == is_cancelled &&
           reinterpret_cast<const Var*>(arg)->varlevelsup == 0;
}

// Whether `clause` is `<status> <> 'cancelled'` on the mapped status column (text or varchar),
// compared by pg_catalog's textne under a deterministic collation: exactly the test the trigger
// makes (a byte comparison with "cancelled").
bool is_status_clause(Node* clause, AttrNumber status) {
    if (status == 0 || !IsA(clause, OpExpr)) return false;
    const OpExpr* expr = reinterpret_cast<OpExpr*>(clause);
    if (list_length(expr->args) != 2 || get_opcode(expr->opno) != F_TEXTNE) return false;
    if (OidIsValid(expr->inputcollid) && !get_collation_isdeterministic(expr->inputcollid)) return false;
    const Node* left = static_cast<Node*>(linitial(expr->args));
    const Node* right = static_cast<Node*>(lsecond(expr->args));
    if (IsA(left, RelabelType)) left = reinterpret_cast<const Node*>(reinterpret_cast<const RelabelType*>(left)->arg);
    if (!IsA(left, Var) || reinterpret_cast<const Var*>(left)->varattno != status ||
        reinterpret_cast<const Var*>(left)->varlevelsup != 0 || !IsA(right, Const)) {
        return false;
    }
    const Const* value = reinterpret_cast<const Const*>(right);
    if (value->constisnull || value->consttype != TEXTOID) return false;
    const text* cancelled = DatumGetTextPP(value->constvalue);
    return VARSIZE_ANY_EXHDR(cancelled) == 9 && std::memcmp(VARDATA_ANY(cancelled), "cancelled", 9) == 0;
}

// Whether an index holds every row the trigger must compare with: it has no predicate, or its
// predicate is made only of the cancellation tests railway's own constraint uses
// (NOT is_cancelled, status <> 'cancelled'), which every active row passes. Any other
// predicate (a user's WHERE (depot = 'north')) leaves rows out: such an index is not used.
bool index_covers_active_rows(Relation index, const AttrNumber* column) {
    if (heap_attisnull(index->rd_indextuple, Anum_pg_index_indpred, nullptr)) return true;
    List* predicate = RelationGetIndexPredicate(index);  // implicitly ANDed clauses
    ListCell* cell;
    foreach (cell, predicate) {
        Node* clause = static_cast<Node*>(lfirst(cell));
        if (!is_not_cancelled_clause(clause, column[kIsCancelled]) && !is_status_clause(clause, column[kStatus])) {
            return false;
        }
    }
    return true;
}

// Picks how to find a train's rows in one table: the exclusion constraint's GiST index on
// (train, pattern), else a valid btree index whose first column is the train, else a heap scan;
// only an index that holds every active row (see index_covers_active_rows).
void choose_search_path(const Config& config, Target& target, Relation relation) {
    target.path = SearchPath::kHeap;
    List* indexes = RelationGetIndexList(relation);
    ListCell* cell;
    foreach (cell, indexes) {
        const Oid index_oid = lfirst_oid(cell);
        Relation index = index_open(index_oid, AccessShareLock);
        const Form_pg_index form = index->rd_index;
        const bool usable = form->indisvalid && form->indisready && form->indislive &&
                            form->indnkeyatts >= 1 && form->indkey.values[0] == target.column[kTrain] &&
                            index_covers_active_rows(index, target.column);
        if (usable && form->indisexclusion && index->rd_rel->relam == GIST_AM_OID) {
            Oid* operators;
            Oid* procedures;
            uint16* strategies;
            RelationGetExclusionInfo(index, &operators, &procedures, &strategies);
            target.path = SearchPath::kExclusionIndex;
            target.index = index_oid;
            target.index_collation = index->rd_indcollation[0];
            target.train_strategy = strategies[0];
            target.train_procedure = procedures[0];
            target.pattern_key = form->indnkeyatts >= 2 && form->indkey.values[1] == 0 &&
                                 index->rd_opcintype[1] == config.pattern_type &&
                                 strategies[1] == RTOverlapStrategyNumber;
            if (target.pattern_key) {
                target.pattern_strategy = strategies[1];
                target.pattern_procedure = procedures[1];
            }
            index_close(index, AccessShareLock);
            break;
        }
        if (usable && target.path == SearchPath::kHeap && index->rd_rel->relam == BTREE_AM_OID) {
            const Oid op = get_opfamily_member(index->rd_opfamily[0], index->rd_opcintype[0],
                                               index->rd_opcintype[0], BTEqualStrategyNumber);
            if (OidIsValid(op)) {
                target.path = SearchPath::kTrainIndex;
                target.index = index_oid;
                target.index_collation = index->rd_indcollation[0];
                target.train_strategy = BTEqualStrategyNumber;
                target.train_procedure = get_opcode(op);
                target.pattern_key = false;
            }
        }
        index_close(index, AccessShareLock);
    }
    list_free(indexes);
}

// The attribute numbers of the mapped columns in another table of the same partition tree
// (same names and types, perhaps other positions).
void map_columns(const Config& config, Relation relation, AttrNumber* column) {
    const TupleDesc own = RelationGetDescr(relation);
    for (int role = 0; role < kRoleCount; ++role) {
        column[role] = 0;
        if (config.column[role] == 0) continue;
        // The name, as the trigger's table has it.
        const char* name = get_attname(config.relid, config.column[role], false);
        for (int a = 0; a < own->natts; ++a) {
            const Form_pg_attribute attribute = TupleDescAttr(own, a);
            if (!attribute->attisdropped && std::strcmp(NameStr(attribute->attname), name) == 0) {
                column[role] = attribute->attnum;
            }
        }
        if (column[role] == 0) {
            elog(ERROR, "railway.validate_schedule_trigger: partition \"%s\" has no column \"%s\"",
                 RelationGetRelationName(relation), name);
        }
    }
}

// The tables to search: the trigger's own, or every leaf of the partition tree it belongs to.
// Partitions that are foreign tables cannot be scanned and are left out.
void build_targets(Config& config, Relation relation, MemoryContext context) {
    List* leaves = NIL;
    config.lock_relid = config.relid;
    if (relation->rd_rel->relispartition) {
        List* ancestors = get_partition_ancestors(config.relid);
        config.lock_relid = llast_oid(ancestors);
        List* tree = find_all_inheritors(config.lock_relid, AccessShareLock, nullptr);
        ListCell* cell;
        foreach (cell, tree) {
            const Oid member = lfirst_oid(cell);
            if (get_rel_relkind(member) == RELKIND_RELATION) leaves = lappend_oid(leaves, member);
        }
    } else {
        leaves = list_make1_oid(config.relid);
    }
    config.ntargets = list_length(leaves);
    config.targets = static_cast<Target*>(MemoryContextAllocZero(context, sizeof(Target) * config.ntargets));
    for (int i = 0; i < config.ntargets; ++i) {
        Target& target = config.targets[i];
        target.relid = list_nth_oid(leaves, i);
        if (target.relid == config.relid) {
            std::memcpy(target.column, config.column, sizeof target.column);
            choose_search_path(config, target, relation);
        } else {
            Relation other = table_open(target.relid, AccessShareLock);
            map_columns(config, other, target.column);
            choose_search_path(config, target, other);
            table_close(other, NoLock);
        }
    }
}

// Resolves the trigger arguments against the table. Throws on a bad mapping.
void build_config(Config& config, const TriggerData* trigger, MemoryContext context) {
    Relation relation = trigger->tg_relation;
    const TupleDesc descriptor = RelationGetDescr(relation);
    config.trigger_oid = trigger->tg_trigger->tgoid;
    config.relid = RelationGetRelid(relation);

    // Each role defaults to the column of the same name, if there is one.
    const char* names[kRoleCount];
    for (int role = 0; role < kRoleCount; ++role) names[role] = kRoleNames[role];
    for (int i = 0; i < trigger->tg_trigger->tgnargs; ++i) {
        const char* argument = trigger->tg_trigger->tgargs[i];
        const char* equals = std::strchr(argument, '=');
        if (equals == nullptr) config_error("22023", std::string("argument \"") + argument + "\" is not role=column");
        const std::string role_name(argument, equals - argument);
        int role = 0;
        while (role < kRoleCount && role_name != kRoleNames[role]) ++role;
        if (role == kRoleCount) config_error("22023", "unknown role \"" + role_name + "\"");
        names[role] = equals + 1;
    }
    for (int role = 0; role < kRoleCount; ++role) {
        config.column[role] = 0;
        config.type[role] = InvalidOid;
        if (names[role][0] == '\0') {
            if (kRequired[role]) config_error("22023", std::string("role ") + kRoleNames[role] + " is required");
            continue;
        }
        for (int a = 0; a < descriptor->natts; ++a) {
            const Form_pg_attribute attribute = TupleDescAttr(descriptor, a);
            if (!attribute->attisdropped && std::strcmp(NameStr(attribute->attname), names[role]) == 0) {
                config.column[role] = attribute->attnum;
                config.type[role] = attribute->atttypid;
                config.typlen[role] = attribute->attlen;
                config.typbyval[role] = attribute->attbyval;
                if (role == kTrain) config.train_collation = attribute->attcollation;
            }
        }
        if (config.column[role] == 0) {
            // A default name that the table lacks leaves an optional role unmapped.
            const bool explicit_argument = names[role] != kRoleNames[role];
            if (explicit_argument || kRequired[role]) {
                config_error("42703", std::string("column \"") + names[role] + "\" (" + kRoleNames[role] +
                                          ") does not exist in " + RelationGetRelationName(relation));
            }
            continue;
        }
        check_type(config, role, names[role]);
    }
    if (config.column[kEndDate] != 0 && config.column[kStartDate] == 0) {
        config_error("22023", "effective_end_date needs effective_start_date");
    }

    const Oid railway = get_namespace_oid("railway", false);
    config.railway_schedules = RelationGetNamespace(relation) == railway &&
                               std::strcmp(RelationGetRelationName(relation), "schedules") == 0;
    config.pattern_type = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum("service_pattern"),
                                          ObjectIdGetDatum(railway));

    TypeCacheEntry* train_type =
        lookup_type_cache(config.type[kTrain], TYPECACHE_EQ_OPR_FINFO | TYPECACHE_HASH_PROC_FINFO);
    if (!OidIsValid(train_type->eq_opr_finfo.fn_oid)) {
        const char* type_name = format_type_be(config.type[kTrain]);
        config_error("42883", std::string("the train column's type ") + type_name + " has no equality operator");
    }
    fmgr_info_copy(&config.train_eq, &train_type->eq_opr_finfo, context);
    if (OidIsValid(train_type->hash_proc_finfo.fn_oid)) {
        fmgr_info_copy(&config.train_hash, &train_type->hash_proc_finfo, context);
    } else {
        config.train_hash.fn_oid = InvalidOid;
    }
    // railway.schedules locks the train's row in railway.trains (through its primary key on an
    // integer id); any other table, or a railway.trains without that key, an advisory lock.
    config.trains_relid = InvalidOid;
    config.trains_index = InvalidOid;
    if (config.railway_schedules && config.type[kTrain] == INT4OID) {
        const Oid trains = get_relname_relid("trains", railway);
        if (OidIsValid(trains) && get_rel_relkind(trains) == RELKIND_RELATION) {
            Relation trains_relation = table_open(trains, AccessShareLock);
            const Oid key = RelationGetPrimaryKeyIndex(trains_relation);
            if (OidIsValid(key)) {
                Relation index = index_open(key, AccessShareLock);
                const AttrNumber id = get_attnum(trains, "id");
                if (index->rd_rel->relam == BTREE_AM_OID && index->rd_index->indnkeyatts == 1 &&
                    index->rd_index->indkey.values[0] == id && id != InvalidAttrNumber &&
                    index->rd_opcintype[0] == INT4OID && get_atttype(trains, id) == INT4OID) {
                    config.trains_relid = trains;
                    config.trains_index = key;
                    const AttrNumber kind = get_attnum(trains, "kind");
                    config.trains_kind =
                        config.column[kTrainKind] != 0 && kind != InvalidAttrNumber && get_atttype(trains, kind) == TEXTOID
                            ? kind
                            : 0;
                }
                index_close(index, AccessShareLock);
            }
            table_close(trains_relation, AccessShareLock);
        }
    }
    build_targets(config, relation, context);
}

const Config& config_for(FunctionCallInfo fcinfo, const TriggerData* trigger) {
    auto* config = static_cast<Config*>(fcinfo->flinfo->fn_extra);
    if (config != nullptr && config->trigger_oid == trigger->tg_trigger->tgoid &&
        config->relid == RelationGetRelid(trigger->tg_relation)) {
        return *config;
    }
    // Built in a local first: a bad mapping throws before anything is kept.
    Config built{};
    MemoryContext context = fcinfo->flinfo->fn_mcxt;
    pg_guarded([&] { build_config(built, trigger, context); });
    config = static_cast<Config*>(pg_guarded([&] { return MemoryContextAlloc(context, sizeof(Config)); }));
    *config = built;
    for (int i = 0; i < config->ntargets; ++i) {
        if (config->targets[i].path != SearchPath::kHeap) config->targets[i].open_scan = new_open_scan(context);
    }
    fcinfo->flinfo->fn_extra = config;
    return *config;
}

}  // namespace railway::pg::trigger
