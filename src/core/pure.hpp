// Compile-time guard: src/core is plain C++17 and never sees a PostgreSQL header.
//
// Every header of src/core includes this file first. If postgres.h has already been
// included in the translation unit (POSTGRES_H is its include guard), compilation stops:
// either a file of src/core pulled PostgreSQL in, or a file of src/pg included a core
// header after postgres.h (the boundary rule is: standard and core headers first, then
// PostgreSQL's, whose macros such as snprintf and gettext would otherwise leak into C++).
#pragma once

#ifdef POSTGRES_H
static_assert(false,
              "src/core must not see PostgreSQL headers; in src/pg include core headers "
              "before postgres.h");
#endif
