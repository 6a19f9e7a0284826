#include "config/value_parsers.h"

#include <catch2/catch.hpp>

using namespace larch::config;

TEST_CASE("parse_go_bool accepts exactly Go's strconv.ParseBool spellings", "[values]") {
  for (const char* t : {"1", "t", "T", "true", "TRUE", "True"}) {
    auto r = parse_go_bool(t);
    REQUIRE(r.ok());
    CHECK(*r.value);
  }
  for (const char* f : {"0", "f", "F", "false", "FALSE", "False"}) {
    auto r = parse_go_bool(f);
    REQUIRE(r.ok());
    CHECK_FALSE(*r.value);
  }
  for (const char* bad : {"yes", "no", "on", "tRUE", "", " true", "2"}) {
    auto r = parse_go_bool(bad);
    CHECK_FALSE(r.ok());
    CHECK(r.error == "parse error");
  }
}

TEST_CASE("parse_decimal_uint accepts base-10 non-negative integers only", "[values]") {
  CHECK(*parse_decimal_uint("0").value == 0);
  CHECK(*parse_decimal_uint("100000").value == 100000);
  CHECK(*parse_decimal_uint("18446744073709551615").value == 18446744073709551615ull);
  for (const char* bad : {"", "-1", "+1", "0x10", "1e3", "12 ", "18446744073709551616"}) {
    CHECK_FALSE(parse_decimal_uint(bad).ok());
  }
}

TEST_CASE("parse_decimal_int accepts a sign", "[values]") {
  CHECK(*parse_decimal_int("-5").value == -5);
  CHECK(*parse_decimal_int("7").value == 7);
  CHECK(*parse_decimal_int("-9223372036854775808").value == INT64_MIN);
  CHECK_FALSE(parse_decimal_int("9223372036854775808").ok());
  CHECK_FALSE(parse_decimal_int("-").ok());
}

TEST_CASE("split_list trims and drops empty entries", "[values]") {
  CHECK(split_list(" a , b,,c ") == std::vector<std::string>{"a", "b", "c"});
  CHECK(split_list("").empty());
}

TEST_CASE("parse_url_list parses comma-separated URLs", "[values]") {
  auto r = parse_url_list("http://127.0.0.1:1, http://127.0.0.1:2", UrlRole::kListen, false);
  REQUIRE(r.ok());
  REQUIRE(r.value->size() == 2);
  CHECK((*r.value)[1].port == 2);
  CHECK_FALSE(parse_url_list("", UrlRole::kListen, false).ok());
  CHECK(parse_url_list("", UrlRole::kListen, true).ok());
  CHECK_FALSE(
      parse_url_list("http://127.0.0.1:1,unix://127.0.0.1:2", UrlRole::kListen, false).ok());
}

TEST_CASE("parse_cors_list wants * or scheme://host:port", "[values]") {
  auto ok = parse_cors_list("http://good.example:8080,https://x.example:443");
  REQUIRE(ok.ok());
  CHECK(ok.value->size() == 2);
  CHECK(*parse_cors_list("*").value == std::vector<std::string>{"*"});
  auto bad = parse_cors_list("http://good.example");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.error, Catch::Contains("http://good.example"));
  CHECK_FALSE(parse_cors_list("good.example:80").ok());
  CHECK_FALSE(parse_cors_list("ftp://good.example:80").ok());
  CHECK_FALSE(parse_cors_list("http://good.example:80/path").ok());
}

TEST_CASE("parse_initial_cluster parses name=url entries", "[values]") {
  auto r = parse_initial_cluster("n1=http://a:1,n2=http://127.0.0.1:2, n2=http://127.0.0.1:3");
  REQUIRE(r.ok());
  REQUIRE(r.value->size() == 3);
  CHECK((*r.value)[0].name == "n1");
  CHECK((*r.value)[0].peer_url.host == "a");
  CHECK((*r.value)[2].name == "n2");
  CHECK((*r.value)[2].peer_url.text == "http://127.0.0.1:3");
  CHECK(parse_initial_cluster("").value->empty());
  CHECK_FALSE(parse_initial_cluster("n1").ok());
  CHECK_FALSE(parse_initial_cluster("=http://a:1").ok());
  CHECK_FALSE(parse_initial_cluster("n1=http://a").ok());
  CHECK(parse_initial_cluster("n1=https://a:1").ok());
  CHECK_FALSE(parse_initial_cluster("n1=unixs://a:1").ok());
}
