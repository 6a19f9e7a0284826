#include "util/join.h"

#include <catch2/catch.hpp>

using larch::util::join;

TEST_CASE("join: separators between items, none around them") {
  CHECK(join({}, ",").empty());
  CHECK(join({"a"}, ",") == "a");
  CHECK(join({"a", "b", "c"}, ", ") == "a, b, c");
  // Empty items keep their places (a running "out.empty()" test would drop the first comma).
  CHECK(join({"", "a"}, ",") == ",a");
  CHECK(join({"a", "", "b"}, ",") == "a,,b");
}
