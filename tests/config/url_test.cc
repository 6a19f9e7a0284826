#include "config/url.h"

#include <catch2/catch.hpp>

using namespace larch::config;

TEST_CASE("parse_url accepts http host:port URLs", "[url]") {
  auto r = parse_url("http://127.0.0.1:22379", UrlRole::kListen);
  REQUIRE(r.ok());
  CHECK(r.value->scheme == "http");
  CHECK(r.value->host == "127.0.0.1");
  CHECK(r.value->port == 22379);
  CHECK(r.value->text == "http://127.0.0.1:22379");
  CHECK(r.value->authority() == "127.0.0.1:22379");

  auto local = parse_url("http://localhost:2379", UrlRole::kListen);
  REQUIRE(local.ok());
  CHECK(local.value->host == "localhost");

  auto any = parse_url("http://0.0.0.0:2379", UrlRole::kListen);
  REQUIRE(any.ok());
}

TEST_CASE("parse_url handles bracketed IPv6", "[url]") {
  auto r = parse_url("http://[::1]:2380", UrlRole::kListen);
  REQUIRE(r.ok());
  CHECK(r.value->host == "::1");
  CHECK(r.value->port == 2380);
  CHECK(r.value->authority() == "[::1]:2380");
  CHECK_FALSE(parse_url("http://::1:2380", UrlRole::kListen).ok());
}

TEST_CASE("parse_url takes https and rejects unix schemes as not supported yet", "[url]") {
  auto https = parse_url("HTTPS://127.0.0.1:2379", UrlRole::kListen);
  REQUIRE(https.ok());
  CHECK(https.value->scheme == "https");
  CHECK(https.value->tls());
  CHECK_FALSE(parse_url("http://127.0.0.1:2379", UrlRole::kListen).value->tls());
  for (const char* u : {"unix://127.0.0.1:2379", "unixs://x:1"}) {
    auto r = parse_url(u, UrlRole::kListen);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error, Catch::Contains("not supported yet"));
  }
  auto bad = parse_url("ftp://127.0.0.1:21", UrlRole::kListen);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error == "URL scheme must be http, https, unix, or unixs: ftp://127.0.0.1:21");
  CHECK_FALSE(parse_url("127.0.0.1:2379", UrlRole::kListen).ok());
}

TEST_CASE("parse_url requires a port between 1 and 65535", "[url]") {
  auto r = parse_url("http://127.0.0.1", UrlRole::kListen);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error == "URL address does not have the form \"host:port\": http://127.0.0.1");
  CHECK_FALSE(parse_url("http://127.0.0.1:0", UrlRole::kListen).ok());
  CHECK_FALSE(parse_url("http://127.0.0.1:65536", UrlRole::kListen).ok());
  CHECK_FALSE(parse_url("http://127.0.0.1:", UrlRole::kListen).ok());
  CHECK_FALSE(parse_url("http://127.0.0.1:8x", UrlRole::kListen).ok());
  CHECK(parse_url("http://127.0.0.1:65535", UrlRole::kListen).ok());
  CHECK(parse_url("http://127.0.0.1:1", UrlRole::kListen).ok());
}

TEST_CASE("parse_url: listen hosts must be IPs or localhost, advertised may be names", "[url]") {
  auto r = parse_url("http://foo.com:41379", UrlRole::kListen);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error == "expected IP in URL for binding (http://foo.com:41379)");
  CHECK(parse_url("http://node1.example:2379", UrlRole::kAdvertise).ok());
  CHECK_FALSE(parse_url("http://:2379", UrlRole::kAdvertise).ok());
}

TEST_CASE("parse_url rejects paths and user info", "[url]") {
  auto r = parse_url("http://127.0.0.1:2379/", UrlRole::kListen);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error == "URL must not contain a path: http://127.0.0.1:2379/");
  CHECK_FALSE(parse_url("http://127.0.0.1:2379?x=1", UrlRole::kListen).ok());
  CHECK_FALSE(parse_url("http://u@127.0.0.1:2379", UrlRole::kListen).ok());
}
