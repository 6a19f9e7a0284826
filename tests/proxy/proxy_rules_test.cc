#include "proxy/proxy_rules.h"

#include <catch2/catch.hpp>

using namespace larch::proxy;

TEST_CASE("hop-by-hop and CORS headers are recognised in any case", "[proxy]") {
  for (const char* h : {"Connection", "connection", "KEEP-ALIVE", "Proxy-Authenticate",
                        "Proxy-Authorization", "TE", "Trailers", "Transfer-Encoding", "upgrade"}) {
    INFO(h);
    CHECK(is_hop_by_hop(h));
  }
  for (const char* h : {"Content-Length", "Content-Type", "X-Etcd-Index", "Authorization", "Host",
                        "Tee", "Connectio"}) {
    INFO(h);
    CHECK_FALSE(is_hop_by_hop(h));
  }
  CHECK(is_cors_header("access-control-allow-origin"));
  CHECK(is_cors_header("Access-Control-Allow-Methods"));
  CHECK(is_cors_header("Access-Control-Allow-Headers"));
  CHECK_FALSE(is_cors_header("Access-Control-Max-Age"));
}

TEST_CASE("X-Forwarded-For chains the client behind earlier proxies", "[proxy]") {
  CHECK(forwarded_for({}, "127.0.0.1") == "127.0.0.1");
  CHECK(forwarded_for({"10.0.0.1"}, "127.0.0.1") == "10.0.0.1, 127.0.0.1");
  CHECK(forwarded_for({"10.0.0.1, 10.0.0.2", "10.0.0.3"}, "::1") ==
        "10.0.0.1, 10.0.0.2, 10.0.0.3, ::1");
}

TEST_CASE("the proxy's own bodies are etcd's", "[proxy]") {
  CHECK(error_body("zero endpoints currently available") ==
        R"({"message":"httpproxy: zero endpoints currently available"})");
  CHECK(error_body("unable to get response from 1 endpoint(s)").size() == 66);  // etcd's length
  CHECK(endpoints_body({"http://127.0.0.1:23379"}) ==
        "{\"endpoints\":[\"http://127.0.0.1:23379\"]}\n");
  CHECK(endpoints_body({}) == "{\"endpoints\":[]}\n");
  CHECK(target_path("/v2/keys/a?wait=true") == "/v2/keys/a");
  CHECK(target_path("/metrics") == "/metrics");
  CHECK(target_query("/v2/keys/a?wait=true&x=1") == "wait=true&x=1");
  CHECK(target_query("/v2/keys/a") == "");
  CHECK(target_query("/v2/keys/a?") == "");
}
