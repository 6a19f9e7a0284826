#include "http/key_request_parser.h"

#include <catch2/catch.hpp>

#include "../time_units.h"
#include "http/form.h"

using namespace larch::http;
using larch::store::OpType;

namespace {

constexpr int64_t kNow = 1'700'000'000'123'456'789;
constexpr const char* kForm = "application/x-www-form-urlencoded";
using larch::test::kSec;

KeyRequest ok(KeyMethod m, std::string_view path, std::string_view query,
              std::string_view content_type = "", std::string_view body = "") {
  ParseOutcome out = parse_key_request(m, path, query, content_type, body, kNow);
  if (auto* e = std::get_if<ParseError>(&out)) {
    FAIL("unexpected error " << e->code << ": " << e->cause);
  }
  return std::get<KeyRequest>(out);
}

ParseError err(KeyMethod m, std::string_view query, std::string_view content_type = "",
               std::string_view body = "") {
  ParseOutcome out = parse_key_request(m, "/k", query, content_type, body, kNow);
  if (std::holds_alternative<KeyRequest>(out)) FAIL("expected an error for ?" << query);
  return std::get<ParseError>(out);
}

void check_err(KeyMethod m, std::string_view query, int code, std::string_view cause,
               std::string_view content_type = "", std::string_view body = "") {
  INFO(std::string(key_method_name(m)) + " ?" + std::string(query) + " body " + std::string(body));
  ParseError e = err(m, query, content_type, body);
  CHECK(e.code == code);
  CHECK(e.cause == cause);
}

}  // namespace

TEST_CASE("key normalisation and raw key", "[key_request]") {
  CHECK(ok(KeyMethod::kGet, "", "").key == "/");
  CHECK(ok(KeyMethod::kGet, "", "").raw_key.empty());
  CHECK(ok(KeyMethod::kGet, "/", "").key == "/");
  CHECK(ok(KeyMethod::kGet, "/", "").raw_key == "/");
  auto r = ok(KeyMethod::kPut, "/ts/", "");
  CHECK(r.key == "/ts");
  CHECK(r.raw_key == "/ts/");
  CHECK(r.command.key == "/ts");
  CHECK(ok(KeyMethod::kGet, "/with space/\xC3\xA9t\xC3\xA9", "").key ==
        "/with space/\xC3\xA9t\xC3\xA9");
  CHECK(ok(KeyMethod::kGet, std::string("/a\0b", 4), "").key == std::string("/a\0b", 4));
}

TEST_CASE("key_method_from / key_method_name", "[key_request]") {
  CHECK(key_method_from("GET") == KeyMethod::kGet);
  CHECK(key_method_from("HEAD") == KeyMethod::kHead);
  CHECK(key_method_from("PUT") == KeyMethod::kPut);
  CHECK(key_method_from("POST") == KeyMethod::kPost);
  CHECK(key_method_from("DELETE") == KeyMethod::kDelete);
  CHECK_FALSE(key_method_from("get"));
  CHECK_FALSE(key_method_from("PATCH"));
  CHECK(key_method_name(KeyMethod::kDelete) == "DELETE");
}

TEST_CASE("go bool and uint parsing", "[key_request]") {
  for (const char* t : {"1", "t", "T", "true", "TRUE", "True"}) CHECK(parse_go_bool(t) == true);
  for (const char* f : {"0", "f", "F", "false", "FALSE", "False"}) CHECK(parse_go_bool(f) == false);
  for (const char* bad : {"", "yes", "tRUE", "2", " true", "on"}) CHECK_FALSE(parse_go_bool(bad));
  CHECK(parse_go_uint("0") == 0u);
  CHECK(parse_go_uint("007") == 7u);
  CHECK(parse_go_uint("18446744073709551615") == UINT64_MAX);
  for (const char* bad :
       {"", "-1", "+1", "1.5", "abc", "18446744073709551616", " 1", "1_0", "0x10"})
    CHECK_FALSE(parse_go_uint(bad));
}

TEST_CASE("parameter sources (spec §1.4 table)", "[key_request]") {
  // PUT ?value=fromquery (no body) -> fromquery
  CHECK(ok(KeyMethod::kPut, "/q1", "value=fromquery").command.value == "fromquery");
  // body wins over query
  CHECK(ok(KeyMethod::kPut, "/q2", "value=fromquery", kForm, "value=frombody").command.value ==
        "frombody");
  // DELETE body ignored: dir flag not seen
  auto d1 = ok(KeyMethod::kDelete, "/d1", "", kForm, "dir=true");
  CHECK_FALSE(d1.command.dir);
  CHECK(ok(KeyMethod::kDelete, "/d1", "dir=true").command.dir);
  // GET with a body: ignored (even an invalid one)
  CHECK_FALSE(ok(KeyMethod::kGet, "/k", "", kForm, "recursive=true&x=%zz").recursive);
  // JSON / multipart / text / no Content-Type bodies ignored -> value ""
  CHECK(
      ok(KeyMethod::kPut, "/k", "", "application/json", "{\"value\":\"x\"}").command.value.empty());
  CHECK(ok(KeyMethod::kPut, "/k", "", "multipart/form-data; boundary=b", "value=x")
            .command.value.empty());
  CHECK(ok(KeyMethod::kPut, "/k", "", "text/plain", "value=x").command.value.empty());
  CHECK(ok(KeyMethod::kPut, "/k", "", "", "value=x").command.value.empty());
  CHECK(ok(KeyMethod::kPut, "/k", "", "application/x-www-form-urlencoded; charset=utf-8", "value=x")
            .command.value == "x");
  // repeated parameters: first wins
  CHECK(ok(KeyMethod::kPut, "/k", "value=a&value=b").command.value == "a");
  CHECK(ok(KeyMethod::kGet, "/k", "recursive=true&recursive=").recursive);
  // unknown parameters ignored
  CHECK(ok(KeyMethod::kGet, "/k", "foo=bar&baz").key == "/k");
  // + is a space, %2B a plus
  CHECK(ok(KeyMethod::kPut, "/k", "value=a+b%2Bc").command.value == "a b+c");
}

TEST_CASE("validation errors and causes (spec §1.4, §7.2)", "[key_request]") {
  using K = KeyMethod;
  check_err(K::kGet, "x=%zz", 210, "invalid URL escape \"%zz\"");
  check_err(K::kPut, "", 210, "invalid URL escape \"%a\"", kForm, "value=%a");
  check_err(K::kPut, "a;b", 210, "invalid semicolon separator in query");
  check_err(K::kPut, "", 210, "mime: expected token after slash", "foo/", "value=x");
  check_err(K::kPost, "", 210, "http: POST too large", kForm, std::string(kMaxFormBytes + 1, 'a'));

  for (const char* q : {"prevIndex=-1", "prevIndex=", "prevIndex", "prevIndex=1.5", "prevIndex=abc",
                        "prevIndex=%2B1", "prevIndex=18446744073709551616"})
    check_err(K::kPut, q, 203, "invalid value for \"prevIndex\"");
  check_err(K::kGet, "waitIndex=x", 203, "invalid value for \"waitIndex\"");

  for (const char* name :
       {"recursive", "sorted", "wait", "dir", "quorum", "stream", "noValueOnSuccess"}) {
    for (const char* v : {"=yes", "=", ""}) {
      check_err(K::kGet, std::string(name) + v, 209,
                "invalid value for \"" + std::string(name) + "\"");
    }
  }
  check_err(K::kGet, "recursive=&recursive=true", 209, "invalid value for \"recursive\"");
  check_err(K::kPut, "prevExist=yes", 209, "invalid value for prevExist");
  check_err(K::kPut, "prevExist=", 209, "invalid value for prevExist");
  check_err(K::kPut, "refresh=", 209, "invalid value for refresh");
  check_err(K::kPut, "refresh=maybe", 209, "invalid value for refresh");

  for (K m : {K::kHead, K::kPut, K::kPost, K::kDelete})
    check_err(m, "wait=true", 209, "\"wait\" can only be used with GET requests");

  for (K m : {K::kGet, K::kPut, K::kDelete})
    check_err(m, "prevValue=", 201, "\"prevValue\" cannot be empty");
  check_err(K::kPut, "prevValue", 201, "\"prevValue\" cannot be empty");
  check_err(K::kPut, "prevValue=&prevValue=x", 201, "\"prevValue\" cannot be empty");

  for (const char* q : {"ttl=abc", "ttl=-1", "ttl=1.5", "ttl=abc&ttl="})
    check_err(K::kPut, q, 202, "invalid value for \"ttl\"");
  check_err(K::kGet, "ttl=abc", 202, "invalid value for \"ttl\"");  // same for every method

  check_err(K::kPut, "refresh=true&value=x&ttl=5", 211, "A value was provided on a refresh");
  check_err(K::kPut, "value=&refresh=true&ttl=5", 211, "A value was provided on a refresh", kForm,
            "value=x");
  check_err(K::kPut, "refresh=true", 212, "No TTL value set");
  check_err(K::kPut, "refresh=true&ttl=", 212, "No TTL value set");
  check_err(K::kPut, "refresh=true&ttl=&ttl=5", 212, "No TTL value set");
  check_err(K::kGet, "refresh=true", 212, "No TTL value set");
  check_err(K::kDelete, "refresh=1", 212, "No TTL value set");
}

TEST_CASE("validation order: first failure wins", "[key_request]") {
  using K = KeyMethod;
  // Each request carries the failure being tested plus every later one.
  const std::string later_than_prev_index =
      "waitIndex=x&recursive=x&wait=true&prevValue=&noValueOnSuccess=x&ttl=x&prevExist=x&refresh=x";
  check_err(K::kPut, "q=%zz&prevIndex=x&" + later_than_prev_index, 210,
            "invalid URL escape \"%zz\"");
  check_err(K::kPut, "prevIndex=x&" + later_than_prev_index, 203,
            "invalid value for \"prevIndex\"");
  check_err(K::kPut, later_than_prev_index, 203, "invalid value for \"waitIndex\"");
  check_err(K::kPut, "recursive=x&sorted=x&wait=x&dir=x&quorum=x&stream=x&prevValue=", 209,
            "invalid value for \"recursive\"");
  check_err(K::kPut, "sorted=x&wait=x&dir=x&quorum=x&stream=x", 209,
            "invalid value for \"sorted\"");
  check_err(K::kPut, "wait=x&dir=x&quorum=x&stream=x", 209, "invalid value for \"wait\"");
  check_err(K::kPut, "stream=x&dir=y&quorum=z", 209, "invalid value for \"dir\"");
  check_err(K::kPut, "stream=x&quorum=z", 209, "invalid value for \"quorum\"");
  check_err(K::kPut, "stream=x&wait=true", 209, "invalid value for \"stream\"");
  check_err(K::kDelete, "wait=true&prevValue=&ttl=x", 209,
            "\"wait\" can only be used with GET requests");
  check_err(K::kPut, "noValueOnSuccess=x&prevValue=&ttl=x", 201, "\"prevValue\" cannot be empty");
  check_err(K::kPut, "noValueOnSuccess=x&ttl=x&prevExist=x", 209,
            "invalid value for \"noValueOnSuccess\"");
  check_err(K::kPut, "ttl=x&prevExist=x&refresh=x", 202, "invalid value for \"ttl\"");
  check_err(K::kPut, "prevExist=x&refresh=x", 209, "invalid value for prevExist");
  check_err(K::kPut, "refresh=x&value=v", 209, "invalid value for refresh");
  check_err(K::kPut, "refresh=true&value=v", 211, "A value was provided on a refresh");
  // Body errors beat query errors.
  check_err(K::kPut, "x=%a", 210, "invalid URL escape \"%zz\"", kForm, "value=%zz");
  // Validation of a watch with a bad waitIndex happens even if wait is absent.
  check_err(K::kGet, "waitIndex=-1", 203, "invalid value for \"waitIndex\"");
}

TEST_CASE("GET / HEAD flags", "[key_request]") {
  auto g = ok(KeyMethod::kGet, "/dir", "recursive=true&sorted=1&wait=T&waitIndex=42&stream=true");
  CHECK(g.recursive);
  CHECK(g.sorted);
  CHECK(g.wait);
  CHECK(g.stream);
  CHECK(g.wait_index == 42u);
  CHECK_FALSE(g.quorum);
  CHECK_FALSE(g.is_write());
  CHECK(g.command.key.empty());  // untouched for reads

  // quorum overrides wait (§3.1)
  auto q = ok(KeyMethod::kGet, "/k", "wait=true&quorum=true");
  CHECK(q.quorum);
  CHECK_FALSE(q.wait);
  // HEAD+quorum stays a local read in etcd
  CHECK_FALSE(ok(KeyMethod::kHead, "/k", "quorum=true").quorum);
  CHECK_FALSE(ok(KeyMethod::kHead, "/k", "wait=false").wait);
  // waitIndex without wait is parsed but no watch
  auto w = ok(KeyMethod::kGet, "/k", "waitIndex=7");
  CHECK_FALSE(w.wait);
  CHECK(w.wait_index == 7u);
  CHECK(ok(KeyMethod::kGet, "/k", "noValueOnSuccess=true").no_value_on_success);
}

TEST_CASE("PUT operation choice (spec §3.2.1)", "[key_request]") {
  using K = KeyMethod;
  // Row 1: prevExist=false -> create, conditions ignored.
  auto c = ok(K::kPut, "/foo", "prevExist=false&prevValue=six&prevIndex=3&value=one");
  CHECK(c.command.op == OpType::kCreate);
  CHECK(c.command.value == "one");
  CHECK_FALSE(c.command.prev_value);
  CHECK(c.command.prev_index == 0u);
  // Row 2: prevExist=true without conditions -> update (prevIndex=0 counts as absent).
  CHECK(ok(K::kPut, "/foo", "prevExist=true").command.op == OpType::kUpdate);
  CHECK(ok(K::kPut, "/foo", "prevExist=true&prevIndex=0").command.op == OpType::kUpdate);
  // Row 3: prevExist=true with prevValue or prevIndex>0 -> CAS.
  auto cas3 = ok(K::kPut, "/foo", "prevExist=true&prevValue=two&value=three");
  CHECK(cas3.command.op == OpType::kCompareAndSwap);
  CHECK(cas3.command.prev_value == std::optional<std::string>("two"));
  auto cas3i = ok(K::kPut, "/foo", "prevExist=true&prevIndex=27");
  CHECK(cas3i.command.op == OpType::kCompareAndSwap);
  CHECK(cas3i.command.prev_index == 27u);
  CHECK_FALSE(cas3i.command.prev_value);
  // Row 4: no prevExist, conditions -> CAS (both carried).
  auto cas4 = ok(K::kPut, "/foo", "prevIndex=1&prevValue=x");
  CHECK(cas4.command.op == OpType::kCompareAndSwap);
  CHECK(cas4.command.prev_index == 1u);
  CHECK(cas4.command.prev_value == std::optional<std::string>("x"));
  // Row 5: otherwise -> set.
  CHECK(ok(K::kPut, "/foo", "value=eight&prevIndex=0").command.op == OpType::kSet);
  CHECK(ok(K::kPut, "/foo", "").command.op == OpType::kSet);
  CHECK(ok(K::kPut, "/foo", "prevExist=0").command.op == OpType::kCreate);
  CHECK(ok(K::kPut, "/foo", "prevExist=T").command.op == OpType::kUpdate);
}

TEST_CASE("PUT command fields", "[key_request]") {
  auto r = ok(KeyMethod::kPut, "/dv/", "dir=true&noValueOnSuccess=true", kForm, "value=abc&ttl=30");
  const auto& cmd = r.command;
  CHECK(r.is_write());
  CHECK(r.no_value_on_success);
  CHECK(cmd.op == OpType::kSet);
  CHECK(cmd.key == "/dv");
  CHECK(cmd.value == "abc");  // the store ignores it for directories
  CHECK(cmd.dir);
  CHECK_FALSE(cmd.recursive);
  CHECK_FALSE(cmd.refresh);
  CHECK(cmd.expiration_ns == kNow + 30 * kSec);
  CHECK(cmd.now_ns == kNow);
  CHECK(cmd.request_id == 0u);
}

TEST_CASE("TTL handling (spec §4.1)", "[key_request]") {
  using K = KeyMethod;
  CHECK_FALSE(ok(K::kPut, "/k", "").command.expiration_ns);
  CHECK_FALSE(ok(K::kPut, "/k", "ttl=").command.expiration_ns);
  CHECK_FALSE(ok(K::kPut, "/k", "ttl=&ttl=abc").command.expiration_ns);  // first value empty
  CHECK(ok(K::kPut, "/k", "ttl=0").command.expiration_ns == kNow);
  CHECK(ok(K::kPut, "/k", "ttl=5").command.expiration_ns == kNow + 5 * kSec);
  CHECK(ok(K::kPost, "/q", "ttl=7").command.expiration_ns == kNow + 7 * kSec);
  CHECK_FALSE(ok(K::kPost, "/q", "ttl=").command.expiration_ns);
  // Absurd TTLs are clamped to kMaxTtlSeconds instead of overflowing.
  const int64_t clamped = kNow + static_cast<int64_t>(kMaxTtlSeconds) * kSec;
  CHECK(ok(K::kPut, "/k", "ttl=9300000000").command.expiration_ns == clamped);
  CHECK(ok(K::kPut, "/k", "ttl=18446744073709551615").command.expiration_ns == clamped);
  CHECK(ok(K::kPut, "/k", "ttl=3155760000").command.expiration_ns == clamped);
  // Saturates instead of overflowing with a clock near the end of int64.
  auto late = parse_key_request(K::kPut, "/k", "ttl=100", "", "", INT64_MAX - 5);
  CHECK(std::get<KeyRequest>(late).command.expiration_ns == INT64_MAX);
  // No expiry on DELETE even though ttl is validated.
  CHECK_FALSE(ok(K::kDelete, "/k", "ttl=5").command.expiration_ns);
}

TEST_CASE("refresh (spec §4.4)", "[key_request]") {
  using K = KeyMethod;
  auto upd = ok(K::kPut, "/k", "refresh=true&prevExist=true&ttl=200");
  CHECK(upd.command.op == OpType::kUpdate);
  CHECK(upd.command.refresh);
  CHECK(upd.command.expiration_ns == kNow + 200 * kSec);
  auto set = ok(K::kPut, "/k", "refresh=true&ttl=300");
  CHECK(set.command.op == OpType::kSet);
  CHECK(set.command.refresh);
  auto cas = ok(K::kPut, "/k", "refresh=true&prevValue=v&ttl=500");
  CHECK(cas.command.op == OpType::kCompareAndSwap);
  CHECK(cas.command.refresh);
  // prevExist=false + refresh: a plain create (etcd's Create ignores refresh).
  auto create = ok(K::kPut, "/k", "refresh=true&prevExist=false&ttl=10");
  CHECK(create.command.op == OpType::kCreate);
  CHECK_FALSE(create.command.refresh);
  // Empty value allowed with refresh.
  CHECK(ok(K::kPut, "/k", "refresh=true&ttl=5&value=").command.refresh);
  CHECK_FALSE(ok(K::kPut, "/k", "refresh=false&value=x").command.refresh);
  // POST + refresh + ttl: in-order create with value "", no refresh.
  auto post = ok(K::kPost, "/q", "refresh=true&ttl=5");
  CHECK(post.command.op == OpType::kCreateInOrder);
  CHECK_FALSE(post.command.refresh);
  CHECK(post.command.value.empty());
}

TEST_CASE("POST (spec §3.3)", "[key_request]") {
  auto p = ok(KeyMethod::kPost, "/queue", "prevExist=false&prevValue=x&prevIndex=9", kForm,
              "value=Job1");
  CHECK(p.command.op == OpType::kCreateInOrder);
  CHECK(p.command.key == "/queue");
  CHECK(p.command.value == "Job1");
  CHECK_FALSE(p.command.prev_value);
  CHECK(p.command.prev_index == 0u);
  CHECK(ok(KeyMethod::kPost, "/", "").command.key == "/");
  CHECK(ok(KeyMethod::kPost, "/q", "dir=true").command.dir);
  // prevExist etc. are still validated.
  check_err(KeyMethod::kPost, "prevExist=x", 209, "invalid value for prevExist");
  check_err(KeyMethod::kPost, "prevIndex=x", 203, "invalid value for \"prevIndex\"");
}

TEST_CASE("DELETE operation choice (spec §3.4)", "[key_request]") {
  using K = KeyMethod;
  auto del = ok(K::kDelete, "/tree", "dir=true&recursive=true&value=x&prevExist=false");
  CHECK(del.command.op == OpType::kDelete);
  CHECK(del.command.key == "/tree");
  CHECK(del.command.dir);
  CHECK(del.command.recursive);
  CHECK(del.command.value.empty());
  CHECK(del.command.now_ns == kNow);
  CHECK_FALSE(del.command.prev_value);

  auto cad = ok(K::kDelete, "/q1", "prevValue=fromquery");
  CHECK(cad.command.op == OpType::kCompareAndDelete);
  CHECK(cad.command.prev_value == std::optional<std::string>("fromquery"));
  auto cadi = ok(K::kDelete, "/q1", "prevIndex=5&recursive=true");
  CHECK(cadi.command.op == OpType::kCompareAndDelete);
  CHECK(cadi.command.prev_index == 5u);
  CHECK(ok(K::kDelete, "/q1", "prevIndex=0").command.op == OpType::kDelete);
  // Query only: body conditions are not seen.
  CHECK(ok(K::kDelete, "/q1", "", kForm, "prevValue=x").command.op == OpType::kDelete);
  CHECK(ok(K::kDelete, "/", "prevValue=a").command.op == OpType::kCompareAndDelete);
}
