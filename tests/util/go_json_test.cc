#include "util/go_json.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "../time_units.h"

using namespace larch::util;

namespace {
std::string quoted(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}
using larch::test::kSec;
}  // namespace

TEST_CASE("append_json_string: spec 1.6 example", "[go_json]") {
  std::string value = "<a href=\"x\">&'\ntab\tend";
  CHECK(quoted(value) == R"("\u003ca href=\"x\"\u003e\u0026'\ntab\tend")");
}

TEST_CASE("append_json_string: control characters and specials", "[go_json]") {
  CHECK(quoted("") == "\"\"");
  CHECK(quoted("plain") == "\"plain\"");
  CHECK(quoted(std::string("a\0b", 3)) == R"("a\u0000b")");
  CHECK(quoted("\r") == R"("\r")");
  CHECK(quoted("\x01\x1f") == R"("\u0001\u001f")");
  CHECK(quoted("\b\f") == R"("\u0008\u000c")");  // Go does not use \b or \f
  CHECK(quoted("\x7f") == "\"\x7f\"");           // DEL is passed through by Go
  CHECK(quoted("back\\slash") == R"("back\\slash")");
  CHECK(quoted("/") == "\"/\"");  // Go does not escape '/'
}

TEST_CASE("append_json_string: appends to existing output", "[go_json]") {
  std::string out = "x=";
  append_json_string(out, "<");
  CHECK(out == R"(x="\u003c")");
}

TEST_CASE("append_json_string: valid UTF-8 passes through; U+2028/2029 escaped", "[go_json]") {
  CHECK(quoted("h\xc3\xa9llo") == "\"h\xc3\xa9llo\"");          // é
  CHECK(quoted("\xe2\x82\xac") == "\"\xe2\x82\xac\"");          // €
  CHECK(quoted("\xf0\x9f\x98\x80") == "\"\xf0\x9f\x98\x80\"");  // 😀
  CHECK(quoted("a\xe2\x80\xa8"
               "b") == R"("a\u2028b")");
  CHECK(quoted("a\xe2\x80\xa9"
               "b") == R"("a\u2029b")");
  CHECK(quoted("\xe2\x80\xaa") == "\"\xe2\x80\xaa\"");  // U+202A is not escaped
}

TEST_CASE("append_json_string: invalid UTF-8 becomes \\ufffd per byte", "[go_json]") {
  CHECK(quoted("\xff") == R"("\ufffd")");
  CHECK(quoted("a\xc3") == R"("a\ufffd")");  // truncated sequence
  CHECK(quoted("\x80"
               "x") == R"("\ufffdx")");                                  // lone continuation byte
  CHECK(quoted("\xc0\xaf") == R"("\ufffd\ufffd")");                      // overlong '/'
  CHECK(quoted("\xed\xa0\x80") == R"("\ufffd\ufffd\ufffd")");            // UTF-16 surrogate
  CHECK(quoted("\xf4\x90\x80\x80") == R"("\ufffd\ufffd\ufffd\ufffd")");  // > U+10FFFF
  CHECK(quoted("\xe2\x82"
               "A") == R"("\ufffd\ufffdA")");  // bad continuation
}

TEST_CASE("append_uint / append_int", "[go_json]") {
  std::string out;
  append_uint(out, 0);
  out += ',';
  append_uint(out, UINT64_MAX);
  out += ',';
  append_int(out, -42);
  out += ',';
  append_int(out, INT64_MIN);
  CHECK(out == "0,18446744073709551615,-42,-9223372036854775808");
}

TEST_CASE("format_rfc3339_nano trims trailing zeros", "[go_json]") {
  // 2026-11-21T12:10:48Z = 1795263048
  int64_t base = 1795263048 * kSec;
  CHECK(format_rfc3339_nano(base) == "2026-11-21T12:10:48Z");
  CHECK(format_rfc3339_nano(base + 432758291) == "2026-11-21T12:10:48.432758291Z");
  CHECK(format_rfc3339_nano(base + 452580000) == "2026-11-21T12:10:48.45258Z");
  CHECK(format_rfc3339_nano(base + 500000000) == "2026-11-21T12:10:48.5Z");
  CHECK(format_rfc3339_nano(base + 1) == "2026-11-21T12:10:48.000000001Z");
  CHECK(format_rfc3339_nano(0) == "1970-01-01T00:00:00Z");
  CHECK(format_rfc3339_nano(951782400 * kSec) == "2000-02-29T00:00:00Z");  // leap day
}

TEST_CASE("format_rfc3339_nano before the epoch", "[go_json]") {
  CHECK(format_rfc3339_nano(-1) == "1969-12-31T23:59:59.999999999Z");
  CHECK(format_rfc3339_nano(-kSec) == "1969-12-31T23:59:59Z");
}

TEST_CASE("format_go_duration matches Go's Duration.String", "[go_json]") {
  constexpr int64_t kMin = 60 * kSec;
  constexpr int64_t kHour = 60 * kMin;
  CHECK(format_go_duration(0) == "0s");
  CHECK(format_go_duration(13 * kMin + 26 * kSec + 75000939) == "13m26.075000939s");
  CHECK(format_go_duration(1500000000) == "1.5s");
  CHECK(format_go_duration(kHour) == "1h0m0s");
  CHECK(format_go_duration(2 * kHour) == "2h0m0s");
  CHECK(format_go_duration(350'000'000) == "350ms");
  CHECK(format_go_duration(1'500'000) == "1.5ms");
  CHECK(format_go_duration(1'000) == "1µs");
  CHECK(format_go_duration(1'500) == "1.5µs");
  CHECK(format_go_duration(999) == "999ns");
  CHECK(format_go_duration(1) == "1ns");
  CHECK(format_go_duration(kSec) == "1s");
  CHECK(format_go_duration(kMin) == "1m0s");
  CHECK(format_go_duration(kHour + kSec) == "1h0m1s");
  CHECK(format_go_duration(-1500000000) == "-1.5s");
  CHECK(format_go_duration(INT64_MAX) == "2562047h47m16.854775807s");
  CHECK(format_go_duration(INT64_MIN) == "-2562047h47m16.854775808s");
}

TEST_CASE("floats are written like Go's encoding/json", "[go_json]") {
  auto f = [](double v) {
    std::string s;
    larch::util::append_go_float(s, v);
    return s;
  };
  REQUIRE(f(0) == "0");
  REQUIRE(f(115.6941651354303) == "115.6941651354303");
  REQUIRE(f(9550.55333192977) == "9550.55333192977");
  REQUIRE(f(0.000712) == "0.000712");
  REQUIRE(f(5) == "5");
  REQUIRE(f(1e-7) == "1e-07");
  REQUIRE(f(1e21) == "1e+21");
}
