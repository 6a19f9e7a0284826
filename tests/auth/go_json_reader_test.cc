#include "auth/go_json_reader.h"

#include <catch2/catch.hpp>

using namespace larch::auth;
using Kind = JsonNode::Kind;

TEST_CASE("read_go_json: first value only for bodies, whole text for records", "[go_json]") {
  // etcd 3.4 accepted {"role":"j1"} garbage and {"role":"j9"}{ as role bodies (201).
  for (const char* text : {R"({"a":"x"} garbage)", R"(  {"a":"x"}{)", R"({"a":"x"}  )"}) {
    auto n = read_go_json(text, true);
    REQUIRE(n);
    CHECK(n->kind == Kind::kObject);
    REQUIRE(n->members.size() == 1);
    CHECK(n->members[0].second.text == "x");
  }
  CHECK_FALSE(read_go_json(R"({"a":"x"} garbage)", false));
  CHECK(read_go_json("{\"a\":\"x\"} \n", false));
}

TEST_CASE("read_go_json: syntax errors and empty input", "[go_json]") {
  for (const char* text : {"", "  ", "{", R"({"a":1,})", "nul", R"({"a":-})", "{'a':1}", "/*c*/{}",
                           "{\"a\":\"\x01\"}"}) {
    INFO(text);
    CHECK_FALSE(read_go_json(text, true));
  }
  auto n = read_go_json("123", true);  // a complete number at the end of the input
  REQUIRE(n);
  CHECK(n->kind == Kind::kNumber);
}

TEST_CASE("read_go_json: keeps duplicate keys in order", "[go_json]") {
  auto n = read_go_json(R"({"a":1,"b":[true,null],"a":"2"})", true);
  REQUIRE(n);
  REQUIRE(n->members.size() == 3);
  CHECK(n->members[0].first == "a");
  CHECK(n->members[0].second.kind == Kind::kNumber);
  CHECK(n->members[1].second.kind == Kind::kArray);
  REQUIRE(n->members[1].second.items.size() == 2);
  CHECK(n->members[1].second.items[0].kind == Kind::kBool);
  CHECK(n->members[1].second.items[1].kind == Kind::kNull);
  CHECK(n->members[2].second.text == "2");
}

TEST_CASE("read_go_json: strings decode like Go's", "[go_json]") {
  auto text_of = [](const std::string& json) {
    auto n = read_go_json("{\"k\":" + json + "}", true);
    REQUIRE(n);
    return n->members.at(0).second.text;
  };
  CHECK(text_of(R"("a\u003cb\n\u00e9")") == "a<b\n\xc3\xa9");
  CHECK(text_of(R"("\ud83d\ude00")") == "\xf0\x9f\x98\x80");  // a surrogate pair
  CHECK(text_of(R"("\ud800x")") == "\xef\xbf\xbdx");          // lone high surrogate
  CHECK(text_of(R"("\udc00")") == "\xef\xbf\xbd");            // lone low surrogate
  CHECK(text_of(R"("\ud800\u0041")") ==
        "\xef\xbf\xbd"
        "A");
  CHECK(text_of(R"("\\ud800")") == "\\ud800");     // an escaped backslash, not an escape
  CHECK(text_of("\"a\xff\"") == "a\xef\xbf\xbd");  // invalid UTF-8 byte
  CHECK(text_of("\"\xed\xa0\x80\"") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  auto n = read_go_json("{\"k\xff\":1}", true);  // keys too
  REQUIRE(n);
  CHECK(n->members[0].first == "k\xef\xbf\xbd");
}

TEST_CASE("read_go_json: nesting deeper than Boost's default limit", "[go_json]") {
  std::string deep = std::string(100, '[') + std::string(100, ']');
  CHECK(read_go_json(R"({"x":)" + deep + "}", true));
}

TEST_CASE("go_key_matches: Go's case-insensitive field names", "[go_json]") {
  CHECK(go_key_matches("role", "role"));
  CHECK(go_key_matches("ROLE", "role"));
  CHECK(go_key_matches("Permissions", "permissions"));
  CHECK(go_key_matches("\xe2\x84\xaaV", "kv"));  // KELVIN SIGN folds to k
  CHECK(
      go_key_matches("u\xc5\xbf"
                     "er",
                     "user"));  // LONG S folds to s
  CHECK_FALSE(go_key_matches("roles", "role"));
  CHECK_FALSE(go_key_matches("rol", "role"));
  CHECK_FALSE(go_key_matches("r_le", "role"));
  CHECK_FALSE(go_key_matches("", "kv"));
}
