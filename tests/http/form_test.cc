#include "http/form.h"

#include <catch2/catch.hpp>

#include "http/parse_media_type.h"

using namespace larch::http;

namespace {
constexpr const char* kFormType = "application/x-www-form-urlencoded";
}

TEST_CASE("parse_query decodes like Go's url.ParseQuery", "[form]") {
  auto p = parse_query("value=a+b%20c&&=&novalue&value=second&k%3Dx=v%26w");
  REQUIRE_FALSE(p.error);
  CHECK(p.form.value("value") == "a b c");
  CHECK(p.form.values("value") == std::vector<std::string>{"a b c", "second"});
  CHECK(p.form.has("novalue"));
  CHECK(p.form.value("novalue").empty());
  CHECK(p.form.has(""));  // "=" is a pair with an empty key
  CHECK(p.form.value("k=x") == "v&w");
  CHECK_FALSE(p.form.has("missing"));
  CHECK(p.form.first("missing") == nullptr);
  CHECK(p.form.value("missing").empty());
}

TEST_CASE("parse_query reports escape errors like Go", "[form]") {
  CHECK(parse_query("x=%zz").error == std::optional<std::string>("invalid URL escape \"%zz\""));
  CHECK(parse_query("x=%a").error == std::optional<std::string>("invalid URL escape \"%a\""));
  CHECK(parse_query("x=%").error == std::optional<std::string>("invalid URL escape \"%\""));
  CHECK(parse_query("x=%a&y=1").error == std::optional<std::string>("invalid URL escape \"%a\""));
  CHECK(parse_query("%zz=1").error == std::optional<std::string>("invalid URL escape \"%zz\""));
  CHECK(parse_query("x=%azb").error == std::optional<std::string>("invalid URL escape \"%az\""));
  // The first escape error wins.
  CHECK(parse_query("x=%zz&y=%qq").error ==
        std::optional<std::string>("invalid URL escape \"%zz\""));
  // Go quotes the escape with strconv.Quote (all verified against etcd).
  CHECK(parse_query("value=%\x01").error ==
        std::optional<std::string>("invalid URL escape \"%\\x01\""));
  CHECK(parse_query("value=%\xC3\xA9").error ==
        std::optional<std::string>("invalid URL escape \"%\xC3\xA9\""));
  CHECK(parse_query("value=%a\xC3\xA9").error ==
        std::optional<std::string>("invalid URL escape \"%a\\xc3\""));
  CHECK(parse_query("value=%\xC2\x85").error ==
        std::optional<std::string>("invalid URL escape \"%\\u0085\""));
  CHECK(parse_query("value=%\"\\").error ==
        std::optional<std::string>("invalid URL escape \"%\\\"\\\\\""));
  // Good pairs around a bad one are still decoded.
  auto p = parse_query("a=1&x=%zz&b=2");
  CHECK(p.form.value("a") == "1");
  CHECK(p.form.value("b") == "2");
  CHECK_FALSE(p.form.has("x"));
}

TEST_CASE("parse_query rejects semicolons, overriding escape errors", "[form]") {
  const std::string semi = "invalid semicolon separator in query";
  CHECK(parse_query("a=1;b=2").error == semi);
  CHECK(parse_query("a=%zz&b;c").error == semi);
  CHECK(parse_query("b;c&a=%zz").error == semi);
  CHECK(parse_query("x=%zz&a;b&y=%qq").error == semi);
  CHECK_FALSE(parse_query("a=%3B").error);
}

TEST_CASE("query_unescape", "[form]") {
  CHECK(query_unescape("a+b%2Bc").text == "a b+c");
  CHECK(query_unescape("%41%62").text == "Ab");
  CHECK(query_unescape("%4").error == std::optional<std::string>("invalid URL escape \"%4\""));
}

TEST_CASE("parse_request_form: body first, query after (spec §1.4)", "[form]") {
  auto only_query = parse_request_form(true, "", "", "value=fromquery");
  CHECK(only_query.form.value("value") == "fromquery");

  auto both = parse_request_form(true, kFormType, "value=frombody", "value=fromquery");
  REQUIRE_FALSE(both.error);
  CHECK(both.form.value("value") == "frombody");
  CHECK(both.form.values("value") == std::vector<std::string>{"frombody", "fromquery"});

  auto with_charset = parse_request_form(
      true, "Application/X-WWW-Form-URLEncoded ; charset=\"utf-8\"", "value=x", "");
  CHECK(with_charset.form.value("value") == "x");
  CHECK(parse_request_form(true, "application/x-www-form-urlencoded;", "value=x", "")
            .form.value("value") == "x");
}

TEST_CASE("parse_request_form ignores bodies it must not read", "[form]") {
  // DELETE/GET: no body at all.
  CHECK_FALSE(parse_request_form(false, kFormType, "dir=true", "").form.has("dir"));
  CHECK_FALSE(parse_request_form(false, kFormType, "x=%zz", "").error);
  // Non-form content types.
  CHECK_FALSE(parse_request_form(true, "application/json", "value=x", "").form.has("value"));
  CHECK_FALSE(
      parse_request_form(true, "multipart/form-data; boundary=x", "value=x", "").form.has("value"));
  CHECK_FALSE(parse_request_form(true, "text/plain", "value=x", "").form.has("value"));
  CHECK_FALSE(parse_request_form(true, "", "value=x", "").form.has("value"));
  CHECK_FALSE(parse_request_form(true, "foo", "value=x", "").form.has("value"));
}

TEST_CASE("parse_request_form errors", "[form]") {
  // Body error wins over query error (verified against etcd).
  CHECK(parse_request_form(true, kFormType, "value=%zz", "x=%a").error ==
        std::optional<std::string>("invalid URL escape \"%zz\""));
  CHECK(parse_request_form(true, kFormType, "value=1", "x=%a").error ==
        std::optional<std::string>("invalid URL escape \"%a\""));
  // Content-Type errors are reported for any PUT/POST.
  CHECK(parse_request_form(true, "foo/", "value=x", "").error ==
        std::optional<std::string>("mime: expected token after slash"));
  CHECK(
      parse_request_form(true, "application/x-www-form-urlencoded; charset", "value=x", "").error ==
      std::optional<std::string>("mime: invalid media parameter"));
  CHECK(parse_request_form(true, ";", "value=x", "").error ==
        std::optional<std::string>("mime: no media type"));
  CHECK(parse_request_form(true, "text/plain; a=1; a=2", "", "").error ==
        std::optional<std::string>("mime: duplicate parameter name"));
  // ... but not when the body is not read.
  CHECK_FALSE(parse_request_form(false, "foo/", "", "").error);

  std::string big(kMaxFormBytes + 1, 'a');
  CHECK(parse_request_form(true, kFormType, big, "").error ==
        std::optional<std::string>("http: POST too large"));
  std::string limit(kMaxFormBytes, 'a');
  CHECK_FALSE(parse_request_form(true, kFormType, limit, "").error);
  // Too large only matters for form bodies.
  CHECK_FALSE(parse_request_form(true, "application/json", big, "").error);
}

TEST_CASE("parse_media_type matches Go's mime.ParseMediaType", "[form]") {
  CHECK(parse_media_type("application/x-www-form-urlencoded").type == kFormType);
  CHECK(parse_media_type(" APPLICATION/X-WWW-FORM-URLENCODED ; charset=\"utf-8\"").type ==
        kFormType);
  auto ok = parse_media_type("text/plain; charset=utf-8;");
  CHECK(ok.type == "text/plain");
  CHECK_FALSE(ok.error);
  CHECK_FALSE(parse_media_type("foo").error);
  CHECK_FALSE(parse_media_type("a/b; q=\"x\\\"y\"").error);
  CHECK_FALSE(parse_media_type("a/b; a*=1; a=2").error);  // continuation names are separate

  CHECK(parse_media_type("").error == std::optional<std::string>("mime: no media type"));
  CHECK(parse_media_type(";").error == std::optional<std::string>("mime: no media type"));
  CHECK(parse_media_type("a b").error ==
        std::optional<std::string>("mime: expected slash after first token"));
  CHECK(parse_media_type("a/").error ==
        std::optional<std::string>("mime: expected token after slash"));
  CHECK(parse_media_type("a/b/c").error ==
        std::optional<std::string>("mime: unexpected content after media subtype"));

  auto bad_param = parse_media_type("application/x-www-form-urlencoded; a=1;;");
  CHECK(bad_param.error == std::optional<std::string>("mime: invalid media parameter"));
  CHECK(bad_param.type == kFormType);  // Go still returns the type here
  CHECK(parse_media_type("a/b; a=\"1").error ==
        std::optional<std::string>("mime: invalid media parameter"));
  CHECK(parse_media_type("a/b; a=").error ==
        std::optional<std::string>("mime: invalid media parameter"));
  CHECK_FALSE(parse_media_type("a/b; a=\"\"").error);
  auto dup = parse_media_type("a/b; A=1; a=2");
  CHECK(dup.error == std::optional<std::string>("mime: duplicate parameter name"));
  CHECK(dup.type.empty());
}

TEST_CASE("Form::take moves the first value out and leaves the field", "[form]") {
  Form f = parse_query("value=" + std::string(40, 'v') + "&value=second").form;
  CHECK(f.take("value") == std::string(40, 'v'));
  CHECK(f.has("value"));
  CHECK(f.value("value").empty());  // the first field remains, emptied
  CHECK(f.values("value") == std::vector<std::string>{"", "second"});
  CHECK(f.take("absent").empty());
}
