#include "auth/go_sprintf.h"

#include <catch2/catch.hpp>

using larch::auth::go_sprintf_no_args;

TEST_CASE("go_sprintf_no_args: plain text and %%", "[go_sprintf]") {
  CHECK(go_sprintf_no_args("") == "");
  CHECK(go_sprintf_no_args("auth: Granting duplicate role app for user bob") ==
        "auth: Granting duplicate role app for user bob");
  CHECK(go_sprintf_no_args("100%% sure") == "100% sure");
  CHECK(go_sprintf_no_args("%3.%") == "%");  // '%' ignores width and precision
}

TEST_CASE("go_sprintf_no_args: verbs with no argument", "[go_sprintf]") {
  CHECK(go_sprintf_no_args("%s") == "%!s(MISSING)");
  CHECK(go_sprintf_no_args("%5.2f") == "%!f(MISSING)");
  CHECK(go_sprintf_no_args("%-+# 05.3x") == "%!x(MISSING)");
  CHECK(go_sprintf_no_args("%.d") == "%!d(MISSING)");
  CHECK(go_sprintf_no_args("%!") == "%!!(MISSING)");
  CHECK(go_sprintf_no_args("%\xc3\xa9") == "%!\xc3\xa9(MISSING)");  // a UTF-8 verb
  CHECK(go_sprintf_no_args("%\xff") == "%!\xef\xbf\xbd(MISSING)");  // invalid byte: U+FFFD
}

TEST_CASE("go_sprintf_no_args: bad width, precision, index; no verb", "[go_sprintf]") {
  CHECK(go_sprintf_no_args("%*d") == "%!(BADWIDTH)%!d(MISSING)");
  CHECK(go_sprintf_no_args("%.*d") == "%!(BADPREC)%!d(MISSING)");
  CHECK(go_sprintf_no_args("%[1]s") == "%!s(BADINDEX)");
  CHECK(go_sprintf_no_args("%[]s") == "%!s(BADINDEX)");
  CHECK(go_sprintf_no_args("%[1]%") == "%");
  CHECK(go_sprintf_no_args("%") == "%!(NOVERB)");
  CHECK(go_sprintf_no_args("abc%5") == "abc%!(NOVERB)");
}

// The two messages etcd 3.4.23 formats twice, with the bytes it sent (Content-Length
// matched): user dave granted/revoking these role names.
TEST_CASE("go_sprintf_no_args: etcd 3.4 messages", "[go_sprintf]") {
  CHECK(go_sprintf_no_args("auth: Granting duplicate role %s%d %5.2f %% % for user dave") ==
        "auth: Granting duplicate role %!s(MISSING)%!d(MISSING) %!f(MISSING) % %!f(MISSING)or "
        "user dave");
  CHECK(go_sprintf_no_args(
            "auth: Revoking ungranted role %-+# 05.3x%*d%[1]s%.*d%\xc3\xa9% for user dave") ==
        "auth: Revoking ungranted role "
        "%!x(MISSING)%!(BADWIDTH)%!d(MISSING)%!s(BADINDEX)%!(BADPREC)%!d(MISSING)%!\xc3\xa9("
        "MISSING)%!f(MISSING)or user dave");
  CHECK(go_sprintf_no_args("auth: Revoking ungranted role %!%v for user dave") ==
        "auth: Revoking ungranted role %!!(MISSING)%!v(MISSING) for user dave");
  CHECK(go_sprintf_no_args("auth: Revoking ungranted role %.d%3.% for user dave") ==
        "auth: Revoking ungranted role %!d(MISSING)% for user dave");
}
