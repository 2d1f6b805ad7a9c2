// SQL functions for password hashes (railway.users.password): scrypt via src/core/password.
#include "core/password.hpp"

#include <string>

#include "boundary.hpp"
#include "datum.hpp"

extern "C" {

// railway.password_hash(password text) -> text: a new PHC scrypt string with a random salt.
PG_FUNCTION_INFO_V1(railway_password_hash);
Datum railway_password_hash(PG_FUNCTION_ARGS) {
    const text* password = PG_GETARG_TEXT_PP(0);
    return railway::pg::guard([&] {
        const std::string stored = railway::password::hash(railway::pg::text_view(password));
        return railway::pg::text_datum(stored);
    });
}

// railway.password_verify(password text, stored text) -> boolean. Not strict: a NULL stored
// hash (an unknown user) is checked against a dummy hash of the same cost and gives false, so
// it takes as long as a wrong password. A NULL password is false after the same work.
PG_FUNCTION_INFO_V1(railway_password_verify);
Datum railway_password_verify(PG_FUNCTION_ARGS) {
    const text* password = PG_ARGISNULL(0) ? nullptr : PG_GETARG_TEXT_PP(0);
    const text* stored = PG_ARGISNULL(1) ? nullptr : PG_GETARG_TEXT_PP(1);
    return railway::pg::guard([&] {
        const std::string_view given = password ? railway::pg::text_view(password) : "";
        bool ok = false;
        if (stored == nullptr)
            ok = railway::password::verify_unknown_user(given);
        else
            ok = railway::password::verify(given, railway::pg::text_view(stored)) && password;
        return BoolGetDatum(ok);
    });
}

// railway.is_password_hash(stored text) -> boolean: stored is a recognised hash (the CHECK on
// railway.users.password).
PG_FUNCTION_INFO_V1(railway_is_password_hash);
Datum railway_is_password_hash(PG_FUNCTION_ARGS) {
    const text* stored = PG_GETARG_TEXT_PP(0);
    return railway::pg::guard(
        [&] { return BoolGetDatum(railway::password::is_hash(railway::pg::text_view(stored))); });
}

}  // extern "C"
