// The validation trigger's row rules: the mapped columns of a row, every rule of DESIGN.md
// section 4 but the conflict (src/core/schedule_rules), what an update changed, whether a row is
// active, its train's kind and its service pattern.
#include "validation_trigger.hpp"

namespace railway::pg::trigger {

// Reads the mapped columns (`column`: the attribute numbers of the slot's table).
RowValues read_row(const AttrNumber* column, TupleTableSlot* slot) {
    RowValues row{};
    for (int role = 0; role < kRoleCount; ++role) {
        row.null[role] = true;
        if (column[role] != 0) {
            row.value[role] = pg_guarded([&] { return slot_getattr(slot, column[role], &row.null[role]); });
        }
    }
    return row;
}

[[noreturn]] void null_error(const Config& config, const TriggerData* trigger, int role) {
    const TupleDesc descriptor = RelationGetDescr(trigger->tg_relation);
    const char* column = NameStr(TupleDescAttr(descriptor, config.column[role] - 1)->attname);
    throw Error(sqlstate::not_null_violation, std::string(column) + " must not be NULL",
                std::string("Every schedule needs its ") + kRoleNames[role] + ".",
                role == kTrain ? "Give the id of the train that runs the service."
                : role == kDepartureLocation || role == kArrivalLocation
                    ? "Give the id of a location (railway.locations)."
                    : "Only effective_end_date (open-ended), the actual times and optional columns may be NULL.");
}

int64_t timestamp_of(Oid type, Datum value) {
    if (type == DATEOID) {
        const DateADT date = DatumGetDateADT(value);
        if (DATE_IS_NOBEGIN(date)) return kTimestampMinusInfinity;
        if (DATE_IS_NOEND(date)) return kTimestampInfinity;
        return static_cast<int64_t>(date) * kUsecPerDay;
    }
    return DatumGetTimestamp(value);
}

bool is_text_type(Oid type) { return type == TEXTOID || type == VARCHAROID; }

// The text of the status column, in the current memory context.
std::string_view status_text(Oid type, Datum value) {
    if (is_text_type(type)) return text_view(pg_guarded([&] { return DatumGetTextPP(value); }));
    return pg_guarded([&] {
        Oid output;
        bool varlena;
        getTypeOutputInfo(type, &output, &varlena);
        return static_cast<const char*>(OidOutputFunctionCall(output, value));
    });
}

CheckedRow check_row(const Config& config, const TriggerData* trigger, const RowValues& v) {
    for (int role : {kTrain, kDepartureLocation, kArrivalLocation, kScheduledDeparture, kScheduledArrival,
                     kRunningDays, kStartDate, kStatus, kIsCancelled}) {
        if (config.column[role] != 0 && v.null[role]) null_error(config, trigger, role);
    }
    CheckedRow checked{};
    ScheduleRow& row = checked.row;
    row.scheduled_departure = DatumGetTimestamp(v.value[kScheduledDeparture]);
    row.scheduled_arrival = DatumGetTimestamp(v.value[kScheduledArrival]);
    if (config.column[kRunningDays] != 0) {
        row.running_days = day_mask_from_datum(v.value[kRunningDays]);  // detoasts (guarded) if needed
    } else {
        row.running_days = kAllDays;
    }
    if (config.column[kStartDate] != 0) {
        row.effective_start_date = timestamp_of(config.type[kStartDate], v.value[kStartDate]);
        if (config.column[kEndDate] != 0 && !v.null[kEndDate]) {
            row.effective_end_date = timestamp_of(config.type[kEndDate], v.value[kEndDate]);
        }
    } else {
        // No effective dates: one run, on the date of scheduled_departure.
        row.effective_start_date = row.scheduled_departure;
        row.effective_end_date = row.scheduled_departure;
    }
    if (config.column[kStatus] != 0) row.status = status_text(config.type[kStatus], v.value[kStatus]);
    if (config.column[kIsCancelled] != 0) row.is_cancelled = DatumGetBool(v.value[kIsCancelled]);
    if (config.column[kDepartureLocation] != 0) {
        row.departure_location_id = integer_value(config.type[kDepartureLocation], v.value[kDepartureLocation]);
    }
    if (config.column[kArrivalLocation] != 0) {
        row.arrival_location_id = integer_value(config.type[kArrivalLocation], v.value[kArrivalLocation]);
    }
    if (config.column[kActualDeparture] != 0 && !v.null[kActualDeparture]) {
        row.actual_departure = DatumGetTimestamp(v.value[kActualDeparture]);
    }
    if (config.column[kActualArrival] != 0 && !v.null[kActualArrival]) {
        row.actual_arrival = DatumGetTimestamp(v.value[kActualArrival]);
    }
    checked.pattern = check_schedule_rules(row);
    return checked;
}

// Whether an UPDATE changed what the conflict rule depends on (train, timing and train kind
// columns: a kind changed by railway.trains cascades here and is re-checked), by
// the stored bytes: a change in representation only costs a search.
bool timing_changed(const Config& config, const RowValues& old_row, const RowValues& new_row) {
    for (int role : {kTrain, kScheduledDeparture, kScheduledArrival, kRunningDays, kStartDate, kEndDate, kTrainKind}) {
        if (config.column[role] == 0) continue;
        if (old_row.null[role] != new_row.null[role]) return true;
        if (old_row.null[role]) continue;
        const bool equal = pg_guarded([&] {
            return datumIsEqual(old_row.value[role], new_row.value[role], config.typbyval[role], config.typlen[role]);
        });
        if (!equal) return true;
    }
    return false;
}

// Whether a row read by the search is active (not cancelled by either column).
bool row_is_active(const Config& config, const RowValues& v) {
    if (config.column[kIsCancelled] != 0 && !v.null[kIsCancelled] && DatumGetBool(v.value[kIsCancelled])) {
        return false;
    }
    if (config.column[kStatus] != 0 && !v.null[kStatus]) {
        return status_text(config.type[kStatus], v.value[kStatus]) != "cancelled";
    }
    return true;
}

// The kind named by a train_kind value: nullopt for anything but 'numbered' and 'vehicle'.
std::optional<TrainKind> kind_of_value(const Config& config, Datum value) {
    const std::string_view text = status_text(config.type[kTrainKind], value);
    return parse_kind(text);
}

// The kind of a stored row's train: a vehicle (the rule of railway 1.0) when the table has no
// train_kind column or the value is not a kind (a row written with the trigger disabled).
TrainKind stored_kind(const Config& config, const RowValues& v) {
    if (config.column[kTrainKind] == 0 || v.null[kTrainKind]) return TrainKind::kVehicle;
    return kind_of_value(config, v.value[kTrainKind]).value_or(TrainKind::kVehicle);
}

// The kind of the new row's train; its train_kind value must name one.
TrainKind new_row_kind(const Config& config, const TriggerData* trigger, const RowValues& v) {
    if (config.column[kTrainKind] == 0) return TrainKind::kVehicle;
    if (v.null[kTrainKind]) null_error(config, trigger, kTrainKind);
    const std::optional<TrainKind> kind = kind_of_value(config, v.value[kTrainKind]);
    if (!kind) {
        throw Error(sqlstate::check_violation, "train_kind must be 'numbered' or 'vehicle'",
                    "It is '" + std::string(status_text(config.type[kTrainKind], v.value[kTrainKind])) + "'.",
                    "A numbered train's runs conflict when they depart on the same date and overlap; a "
                    "vehicle's whenever they overlap.");
    }
    return *kind;
}

// The pattern of a stored row, nullopt when it has none (a row stored before the trigger, or
// with the trigger disabled, may break the rules; it then cannot be compared).
std::optional<ServicePattern> stored_pattern(const Config& config, const RowValues& v) {
    for (int role : {kScheduledDeparture, kScheduledArrival, kRunningDays, kStartDate}) {
        if (config.column[role] != 0 && v.null[role]) return std::nullopt;
    }
    try {
        DayMask days = kAllDays;
        if (config.column[kRunningDays] != 0) {
            days = day_mask_from_datum(v.value[kRunningDays]);  // no copy of an inline array
        }
        const int64_t departure = DatumGetTimestamp(v.value[kScheduledDeparture]);
        int64_t start = departure;
        std::optional<int64_t> end = departure;
        if (config.column[kStartDate] != 0) {
            start = timestamp_of(config.type[kStartDate], v.value[kStartDate]);
            end = std::nullopt;
            if (config.column[kEndDate] != 0 && !v.null[kEndDate]) {
                end = timestamp_of(config.type[kEndDate], v.value[kEndDate]);
            }
        }
        return make_pattern(departure, DatumGetTimestamp(v.value[kScheduledArrival]), days, start, end,
                            stored_kind(config, v));
    } catch (const Error&) {
        return std::nullopt;
    }
}

}  // namespace railway::pg::trigger
