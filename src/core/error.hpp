// Errors raised by the core. The core has no PostgreSQL headers, so an error carries its
// SQLSTATE as the five-character string of the SQL standard; the boundary (src/pg/boundary.hpp)
// turns it into ereport(ERROR) once every C++ destructor has run.
#pragma once
#include "pure.hpp"

#include <stdexcept>
#include <string>

namespace railway {

namespace sqlstate {
// Class 22 - data exception
inline constexpr const char* data_exception = "22000";
inline constexpr const char* array_subscript_error = "2202E";
inline constexpr const char* datetime_field_overflow = "22008";
inline constexpr const char* invalid_datetime_format = "22007";
inline constexpr const char* invalid_parameter_value = "22023";
inline constexpr const char* invalid_text_representation = "22P02";
inline constexpr const char* null_value_not_allowed = "22004";
inline constexpr const char* numeric_value_out_of_range = "22003";
inline constexpr const char* invalid_binary_representation = "22P03";
// Class 23 - integrity constraint violation
inline constexpr const char* not_null_violation = "23502";
inline constexpr const char* check_violation = "23514";
inline constexpr const char* exclusion_violation = "23P01";
// Class 53 / XX
inline constexpr const char* out_of_memory = "53200";
inline constexpr const char* internal_error = "XX000";
}  // namespace sqlstate

// An error with everything ereport() can show: SQLSTATE, message, DETAIL and HINT.
class Error : public std::runtime_error {
public:
    Error(const char* sqlstate, const std::string& message, std::string detail = {},
          std::string hint = {})
        : std::runtime_error(message),
          sqlstate_(sqlstate),
          detail_(std::move(detail)),
          hint_(std::move(hint)) {}

    const char* sqlstate() const noexcept { return sqlstate_; }
    const std::string& detail() const noexcept { return detail_; }
    const std::string& hint() const noexcept { return hint_; }

private:
    const char* sqlstate_;  // always one of the string literals above
    std::string detail_;
    std::string hint_;
};

}  // namespace railway
