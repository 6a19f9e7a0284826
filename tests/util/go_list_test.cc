#include "util/go_list.h"

#include <catch2/catch.hpp>

TEST_CASE("go_list: a []string as Go's %v and %q print it") {
  using larch::util::go_list;
  using larch::util::go_quoted_list;
  CHECK(go_list({}) == "[]");
  CHECK(go_list({"http://a:1", "http://b:2"}) == "[http://a:1 http://b:2]");
  CHECK(go_quoted_list({"http://a:1"}) == "[\"http://a:1\"]");
  CHECK(go_quoted_list({"a", "b"}) == "[\"a\" \"b\"]");
}
