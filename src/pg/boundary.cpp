#include "boundary.hpp"

#include <algorithm>
#include <climits>
#include <cstring>

extern "C" {
#include "mb/pg_wchar.h"
}

namespace railway::pg {
namespace {

// Appends `text` to the NUL-terminated contents of `buffer`. Text that does not fit is cut at a
// character boundary of the database encoding (pg_mbcliplen: pure computation, no error, no
// allocation) and marked with " [...]", so a long message never ends in half a character (which
// a client in another encoding would receive as 22021 instead of the real error).
template <size_t N>
void append_text(char (&buffer)[N], const char* text) noexcept {
    static constexpr char marker[] = " [...]";
    if (text == nullptr) return;
    const size_t used = std::strlen(buffer);
    const size_t room = N - 1 - used;
    size_t length = std::strlen(text);
    if (length > room) {
        if (room < sizeof marker - 1) {
            length = 0;
        } else {
            length = static_cast<size_t>(pg_mbcliplen(text, static_cast<int>(std::min(length, size_t{INT_MAX})),
                                                      static_cast<int>(room - (sizeof marker - 1))));
        }
        std::memcpy(buffer + used, text, length);
        std::memcpy(buffer + used + length, marker, std::min(sizeof marker, N - used - length));
        buffer[N - 1] = '\0';
        return;
    }
    std::memcpy(buffer + used, text, length);
    buffer[used + length] = '\0';
}

int sqlstate_code(const char* sqlstate) noexcept {
    if (sqlstate == nullptr || std::strlen(sqlstate) != 5) return ERRCODE_INTERNAL_ERROR;
    return MAKE_SQLSTATE(sqlstate[0], sqlstate[1], sqlstate[2], sqlstate[3], sqlstate[4]);
}

}  // namespace

void capture_current_exception(CaughtError& out) noexcept {
    out.sqlerrcode = 0;
    out.pg_error = nullptr;
    out.message[0] = out.detail[0] = out.hint[0] = '\0';
    try {
        throw;
    } catch (const PgError& e) {
        out.pg_error = e.data();
    } catch (const railway::Error& e) {
        out.sqlerrcode = sqlstate_code(e.sqlstate());
        append_text(out.message, e.what());
        append_text(out.detail, e.detail().c_str());
        append_text(out.hint, e.hint().c_str());
    } catch (const std::bad_alloc&) {
        out.sqlerrcode = ERRCODE_OUT_OF_MEMORY;
        append_text(out.message, "out of memory in railway");
    } catch (const std::exception& e) {
        out.sqlerrcode = ERRCODE_INTERNAL_ERROR;
        append_text(out.message, "internal error in railway: ");
        append_text(out.message, e.what());
    } catch (...) {
        out.sqlerrcode = ERRCODE_INTERNAL_ERROR;
        append_text(out.message, "internal error in railway: unknown C++ exception");
    }
}

void raise_captured(const CaughtError& caught) {
    if (caught.pg_error != nullptr) ReThrowError(caught.pg_error);
    ereport(ERROR, (errcode(caught.sqlerrcode), errmsg_internal("%s", caught.message),
                    caught.detail[0] ? errdetail_internal("%s", caught.detail) : 0,
                    caught.hint[0] ? errhint("%s", caught.hint) : 0));
    pg_unreachable();
}

}  // namespace railway::pg
