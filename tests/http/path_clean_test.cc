#include "http/path_clean.h"

#include <catch2/catch.hpp>

using namespace larch::http;

TEST_CASE("go_path_clean matches Go's path.Clean", "[path_clean]") {
  // Cases from Go's path/path_test.go.
  const std::pair<const char*, const char*> cases[] = {
      {"", "."},
      {"abc", "abc"},
      {"abc/def", "abc/def"},
      {".", "."},
      {"..", ".."},
      {"../..", "../.."},
      {"../../abc", "../../abc"},
      {"/abc", "/abc"},
      {"/", "/"},
      {"abc/", "abc"},
      {"/abc/", "/abc"},
      {"abc//def//ghi", "abc/def/ghi"},
      {"//abc", "/abc"},
      {"///abc", "/abc"},
      {"abc//", "abc"},
      {"abc/./def", "abc/def"},
      {"/./abc/def", "/abc/def"},
      {"abc/.", "abc"},
      {"abc/def/ghi/../jkl", "abc/def/jkl"},
      {"abc/def/../ghi/../jkl", "abc/jkl"},
      {"abc/def/..", "abc"},
      {"abc/def/../..", "."},
      {"/abc/def/../..", "/"},
      {"abc/def/../../..", ".."},
      {"/abc/def/../../..", "/"},
      {"abc/def/../../../ghi/jkl/../../../mno", "../../mno"},
      {"abc/./../def", "def"},
      {"abc//./../def", "def"},
      {"abc/../../././../def", "../../def"},
      {"/..", "/"},
      {"/a/.b/..c/c..", "/a/.b/..c/c.."},
  };
  for (const auto& [in, want] : cases) {
    INFO(in);
    CHECK(go_path_clean(in) == want);
  }
}

TEST_CASE("mux_clean_path keeps one trailing slash", "[path_clean]") {
  CHECK(mux_clean_path("") == "/");
  CHECK(mux_clean_path("v2/keys") == "/v2/keys");
  CHECK(mux_clean_path("/v2/keys/") == "/v2/keys/");
  CHECK(mux_clean_path("/v2/keys/a/./") == "/v2/keys/a/");
  CHECK(mux_clean_path("/v2/keys/a//") == "/v2/keys/a/");
  CHECK(mux_clean_path("/v2/keys/a/..") == "/v2/keys");
  CHECK(mux_clean_path("/v2/keys/a/../") == "/v2/keys/");
  CHECK(mux_clean_path("/../") == "/");
}

TEST_CASE("percent_decode_path decodes and rejects bad escapes", "[path_clean]") {
  CHECK(percent_decode_path("/a%20b+c%2Fd%2e%2E") == std::optional<std::string>("/a b+c/d.."));
  CHECK(percent_decode_path("/a%00b") == std::optional<std::string>(std::string("/a\0b", 4)));
  CHECK(percent_decode_path("/%C3%A9t%c3%a9") == std::optional<std::string>("/\xC3\xA9t\xC3\xA9"));
  CHECK_FALSE(percent_decode_path("/a%zz"));
  CHECK_FALSE(percent_decode_path("/a%2"));
  CHECK_FALSE(percent_decode_path("/a%"));
  CHECK_FALSE(percent_decode_path("/a%g0"));
}

TEST_CASE("escape_path escapes like Go's EscapedPath", "[path_clean]") {
  CHECK(escape_path("/v2/keys/a b") == "/v2/keys/a%20b");
  // Verified against etcd: x!*'()?;,:@=+$y{" -> x%21%2A%27%28%29%3F;,:@=+$y%7B%22
  CHECK(escape_path("/x!*'()?;,:@=+$y{\"") == "/x%21%2A%27%28%29%3F;,:@=+$y%7B%22");
  CHECK(escape_path("/-_.~&") == "/-_.~&");
  CHECK(escape_path("/\xC3\xA9%") == "/%C3%A9%25");
  CHECK(escape_path(std::string("/a\0b", 4)) == "/a%00b");
}

TEST_CASE("clean_request_target serves clean paths", "[path_clean]") {
  auto t = clean_request_target("/v2/keys/a%20b/?recursive=true&x=%zz");
  CHECK(t.kind == TargetKind::kServe);
  CHECK(t.path == "/v2/keys/a b/");
  CHECK(t.raw_query == "recursive=true&x=%zz");
  CHECK(t.location.empty());

  auto enc = clean_request_target("/v2/keys/enc%2Fslash");
  CHECK(enc.kind == TargetKind::kServe);
  CHECK(enc.path == "/v2/keys/enc/slash");

  auto q = clean_request_target("/v2/keys/a?b?c");
  CHECK(q.path == "/v2/keys/a");
  CHECK(q.raw_query == "b?c");

  auto dots = clean_request_target("/v2/keys/a/.b/..c/b.");
  CHECK(dots.kind == TargetKind::kServe);
}

TEST_CASE("clean_request_target redirects the spec §1.2 examples", "[path_clean]") {
  auto a = clean_request_target("/v2/keys/a//b");
  CHECK(a.kind == TargetKind::kRedirect);
  CHECK(a.location == "/v2/keys/a/b");
  CHECK(a.path == "/v2/keys/a/b");

  auto b = clean_request_target("/v2/keys/./b");
  CHECK(b.location == "/v2/keys/b");
  CHECK(b.html_body == "<a href=\"/v2/keys/b\">Moved Permanently</a>.\n\n");

  auto c = clean_request_target("/v2/keys/a/../b?recursive=true");
  CHECK(c.kind == TargetKind::kRedirect);
  CHECK(c.location == "/v2/keys/b?recursive=true");

  auto d = clean_request_target("/v2/keys/%2E%2E/0/members");
  CHECK(d.kind == TargetKind::kRedirect);
  CHECK(d.location == "/v2/0/members");
}

TEST_CASE("clean_request_target redirect details verified against etcd", "[path_clean]") {
  CHECK(clean_request_target("/v2/keys/a/./").location == "/v2/keys/a/");
  CHECK(clean_request_target("/v2/keys/a//").location == "/v2/keys/a/");
  CHECK(clean_request_target("/v2/keys/a/.").location == "/v2/keys/a");
  CHECK(clean_request_target("/v2/keys/a/..").location == "/v2/keys");
  CHECK(clean_request_target("/v2/keys/a/../../..").location == "/");
  CHECK(clean_request_target("//v2/keys").location == "/v2/keys");
  CHECK(clean_request_target("/v2/keys/a%2F%2Fb").location == "/v2/keys/a/b");
  // Empty query: no '?' in Location.
  CHECK(clean_request_target("/v2/keys/a/./?").location == "/v2/keys/a/");

  // Cleaned path is re-escaped; raw query kept verbatim, & html-escaped in the body.
  auto e = clean_request_target("/v2/keys/a%20b//c?x=1&y=%zz");
  CHECK(e.location == "/v2/keys/a%20b/c?x=1&y=%zz");
  CHECK(e.html_body == "<a href=\"/v2/keys/a%20b/c?x=1&amp;y=%zz\">Moved Permanently</a>.\n\n");

  // Non-ASCII query bytes: lower-case %xx in Location, raw in the body.
  auto f = clean_request_target("/v2/keys/a/./?q=%C3%A9&r=\xC3\xA9");
  CHECK(f.location == "/v2/keys/a/?q=%C3%A9&r=%c3%a9");
  CHECK(f.html_body ==
        "<a href=\"/v2/keys/a/?q=%C3%A9&amp;r=\xC3\xA9\">Moved Permanently</a>.\n\n");

  auto g = clean_request_target("/v2/keys/%C3%A9t%C3%A9/../x!*'()%3F;,:@=+$y%7B%22/.");
  CHECK(g.location == "/v2/keys/x%21%2A%27%28%29%3F;,:@=+$y%7B%22");
  CHECK(g.path == "/v2/keys/x!*'()?;,:@=+$y{\"");
}

TEST_CASE("clean_request_target rejects malformed targets", "[path_clean]") {
  CHECK(clean_request_target("/v2/keys/a%zz").kind == TargetKind::kBadRequest);
  CHECK(clean_request_target("/v2/keys/a%2").kind == TargetKind::kBadRequest);
  CHECK(clean_request_target("/v2/keys/a%").kind == TargetKind::kBadRequest);
  CHECK(clean_request_target("*").kind == TargetKind::kBadRequest);
  CHECK(clean_request_target("").kind == TargetKind::kBadRequest);
  CHECK(clean_request_target("v2/keys").kind == TargetKind::kBadRequest);
  // Bad escapes in the query are not the path's business (they become error 210 later).
  CHECK(clean_request_target("/v2/keys/a?x=%zz").kind == TargetKind::kServe);
}

TEST_CASE("clean_request_target accepts the absolute form", "[path_clean]") {
  auto t = clean_request_target("http://127.0.0.1:2379/v2/keys/a?x=1");
  CHECK(t.kind == TargetKind::kServe);
  CHECK(t.path == "/v2/keys/a");
  CHECK(t.raw_query == "x=1");
  auto r = clean_request_target("http://h");
  CHECK(r.kind == TargetKind::kRedirect);
  CHECK(r.location == "/");
}

TEST_CASE("clean_request_target: the plain fast path agrees with the full cleaner") {
  // Every target here is served as-is; the slow path must agree on each.
  for (std::string t : {"/v2/keys", "/v2/keys/", "/v2/keys/a/b", "/v2/keys/a/b/", "/",
                        "/v2/keys/a.b/..c/.d", "/v2/keys/with space"}) {
    CleanTarget c = clean_request_target(t + "?x=1");
    REQUIRE(c.kind == TargetKind::kServe);
    REQUIRE(c.path == t);
    REQUIRE(c.raw_query == "x=1");
    REQUIRE(mux_clean_path(t) == t);
  }
  // Anything needing decoding or cleaning still takes the full path.
  REQUIRE(clean_request_target("/v2/keys//a").kind == TargetKind::kRedirect);
  REQUIRE(clean_request_target("/v2/keys/./a").kind == TargetKind::kRedirect);
  REQUIRE(clean_request_target("/v2/keys/a/..").kind == TargetKind::kRedirect);
  REQUIRE(clean_request_target("/v2/keys/a/.").kind == TargetKind::kRedirect);
  REQUIRE(clean_request_target("/v2/keys/a%2Fb").path == "/v2/keys/a/b");
  REQUIRE(clean_request_target("/v2/keys/%zz").kind == TargetKind::kBadRequest);
}
