#include "http/response.h"

#include <catch2/catch.hpp>

using namespace larch::http;

namespace {

// A response serialised into a fresh buffer.
std::string serialize(const Response& r, const CorsDecision& cors, bool keep_alive,
                      std::string_view date) {
  std::string out;
  serialize_into(out, r, cors, keep_alive, date);
  return out;
}

std::string chunk(std::string_view data) {
  std::string out;
  append_chunk(out, data);
  return out;
}

}  // namespace

TEST_CASE("response: status line, CORS, content type, extra headers, length, body") {
  Response r;
  r.status = 201;
  r.body = "{}\n";
  r.add("X-Etcd-Index", "4");
  std::string out = serialize(r, CorsDecision{"*"}, true, "D");
  REQUIRE(out.rfind("HTTP/1.1 201 Created\r\n", 0) == 0);
  REQUIRE(out.find("Access-Control-Allow-Origin: *\r\n") != std::string::npos);
  REQUIRE(out.find("Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n") !=
          std::string::npos);
  REQUIRE(out.find("Content-Type: application/json\r\n") != std::string::npos);
  REQUIRE(out.find("X-Etcd-Index: 4\r\nDate: D\r\nContent-Length: 3\r\n\r\n{}\n") !=
          std::string::npos);
  REQUIRE(out.find("Connection: close") == std::string::npos);
}

TEST_CASE("response: no CORS headers when not allowed; close when asked") {
  Response r;
  r.close = true;
  std::string out = serialize(r, CorsDecision{}, true, "D");
  REQUIRE(out.find("Access-Control") == std::string::npos);
  REQUIRE(out.find("Connection: close\r\n") != std::string::npos);
}

TEST_CASE("response: HEAD keeps Content-Length of the body but sends no body") {
  Response r;
  r.body = "hello";
  r.head = true;
  std::string out = serialize(r, CorsDecision{}, true, "D");
  REQUIRE(out.find("Content-Length: 5\r\n") != std::string::npos);
  REQUIRE(out.substr(out.size() - 4) == "\r\n\r\n");
}

TEST_CASE("response: chunked head and chunks; 204 has no length") {
  Response r;
  r.chunked = true;
  r.body = "ignored";
  std::string out = serialize(r, CorsDecision{}, true, "D");
  REQUIRE(out.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
  REQUIRE(out.find("ignored") == std::string::npos);
  REQUIRE(chunk("{\"a\":1}\n") == "8\r\n{\"a\":1}\n\r\n");
  Response nc;
  nc.status = 204;
  nc.content_type = {};
  std::string n = serialize(nc, CorsDecision{}, true, "D");
  REQUIRE(n.find("Content-Length") == std::string::npos);
  REQUIRE(n.find("Content-Type") == std::string::npos);
}

TEST_CASE("response: plain-text helpers match Go's net/http") {
  Response nf = not_found_page();
  REQUIRE(nf.status == 404);
  REQUIRE(nf.body == "404 page not found\n");
  REQUIRE(nf.content_type == "text/plain; charset=utf-8");
  Response na = method_not_allowed("GET,HEAD");
  REQUIRE(na.status == 405);
  REQUIRE(na.body.size() == 19);
  std::string out = serialize(na, CorsDecision{}, true, "D");
  REQUIRE(out.find("Allow: GET,HEAD\r\n") != std::string::npos);
  REQUIRE(out.find("X-Content-Type-Options: nosniff\r\n") != std::string::npos);
}

TEST_CASE("response: the date cache formats an RFC 7231 date") {
  DateCache cache;
  const std::string& d = cache.now();
  REQUIRE(d.size() == 29);
  REQUIRE(d.substr(d.size() - 4) == " GMT");
  REQUIRE(&cache.now() == &d);
}

TEST_CASE("response: serialize_into replaces a reused buffer's content without reallocating") {
  Response big;
  big.body = std::string(2000, 'x');
  Response small;
  small.status = 201;
  small.body = "{}\n";
  for (int i = 0; i < 6; ++i) small.add("X-Test", std::to_string(i));
  std::string buf;
  serialize_into(buf, big, CorsDecision{"*"}, true, "D");
  REQUIRE(buf == serialize(big, CorsDecision{"*"}, true, "D"));
  const char* storage = buf.data();
  serialize_into(buf, small, CorsDecision{}, false, "D");
  REQUIRE(buf == serialize(small, CorsDecision{}, false, "D"));
  REQUIRE(buf.data() == storage);  // the larger buffer was reused
  REQUIRE(buf.find("X-Test: 5\r\n") != std::string::npos);
  REQUIRE(buf.find("xxx") == std::string::npos);
}

TEST_CASE("response: append_chunk appends after what is there") {
  std::string out = "head|";
  append_chunk(out, std::string(17, 'e'));
  out += kLastChunk;
  REQUIRE(out == "head|11\r\n" + std::string(17, 'e') + "\r\n0\r\n\r\n");
}

TEST_CASE("response: the etcd headers come after Content-Type, in etcd's order") {
  Response r;
  r.etcd = EtcdHeaders{"cdf818194e3a8c32", 7, false, 0, 0};
  std::string out = serialize(r, CorsDecision{}, true, "D");
  REQUIRE(out.find("Content-Type: application/json\r\nX-Etcd-Cluster-Id: cdf818194e3a8c32\r\n"
                   "X-Etcd-Index: 7\r\nDate: D\r\n") != std::string::npos);
  REQUIRE(out.find("X-Raft") == std::string::npos);  // errors carry no raft headers
  r.etcd = EtcdHeaders{"1", 18446744073709551615ull, true, 12, 3};
  out = serialize(r, CorsDecision{}, true, "D");
  REQUIRE(out.find("X-Etcd-Cluster-Id: 1\r\nX-Etcd-Index: 18446744073709551615\r\n"
                   "X-Raft-Index: 12\r\nX-Raft-Term: 3\r\nDate: D\r\n") != std::string::npos);
}

TEST_CASE("response: reason phrases, including the proxy's 501 and 502") {
  CHECK(reason_phrase(200) == "OK");
  CHECK(reason_phrase(501) == "Not Implemented");
  CHECK(reason_phrase(502) == "Bad Gateway");
  CHECK(reason_phrase(503) == "Service Unavailable");
  CHECK(reason_phrase(599) == "Unknown");
}
