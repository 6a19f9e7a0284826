#include "server/srv_discovery.h"

#include <catch2/catch.hpp>
#include <map>

using namespace larch;
using server::SrvLookup;
using transport::SrvRecord;

namespace {

config::Url url(const std::string& scheme, const std::string& host, uint16_t port) {
  return config::Url{scheme, host, port, scheme + "://" + host + ":" + std::to_string(port)};
}

// Records by service name; host names by address.
SrvLookup fake(std::map<std::string, std::vector<SrvRecord>> records,
               std::map<std::string, std::vector<std::string>> hosts) {
  SrvLookup l;
  l.srv = [records](const std::string& name, std::string* error) {
    auto it = records.find(name);
    if (it == records.end()) {
      *error = "lookup " + name + ": no such host";
      return std::vector<SrvRecord>{};
    }
    return it->second;
  };
  l.resolve = [hosts](const std::string& h) {
    auto it = hosts.find(h);
    return it == hosts.end() ? std::vector<std::string>{} : it->second;
  };
  return l;
}

config::Config member(const std::string& name, config::Url peer) {
  config::Config c;
  c.name = name;
  c.discovery_srv = "example.com";
  c.initial_advertise_peer_urls = {std::move(peer)};
  return c;
}

}  // namespace

TEST_CASE("srv discovery: this member by its resolved address, the others numbered") {
  auto lookup = fake({{"_etcd-server._tcp.example.com",
                       {{0, 0, 2380, "m0.example.com."},
                        {0, 0, 2380, "m1.example.com."},
                        {0, 0, 2380, "m2.example.com."}}}},
                     {{"m0.example.com", {"10.0.0.1"}},
                      {"m1.example.com", {"10.0.0.2"}},
                      {"m2.example.com", {"10.0.0.3"}},
                      {"10.0.0.2", {"10.0.0.2"}}});
  auto out = server::srv_cluster(member("infra1", url("http", "10.0.0.2", 2380)), lookup, true);
  REQUIRE(out.error.empty());
  CHECK(out.entries == std::vector<std::string>{"0=http://m0.example.com:2380",
                                                "infra1=http://m1.example.com:2380",
                                                "1=http://m2.example.com:2380"});
  CHECK(out.log.size() == 3);
  CHECK(out.log[1] ==
        "got bootstrap from DNS for etcd-server at infra1=http://m1.example.com:2380");
}

TEST_CASE("srv discovery: https records first, the service name suffix, errors") {
  auto lookup = fake({{"_etcd-server-ssl-a._tcp.example.com", {{0, 0, 2380, "127.0.0.1."}}},
                      {"_etcd-server-a._tcp.example.com", {{0, 0, 2382, "127.0.0.1."}}}},
                     {{"127.0.0.1", {"127.0.0.1"}}});
  auto self = member("s", url("https", "127.0.0.1", 2380));
  self.discovery_srv_name = "a";
  auto out = server::srv_cluster(self, lookup, true);
  REQUIRE(out.error.empty());
  CHECK(out.entries ==
        std::vector<std::string>{"s=https://127.0.0.1:2380", "0=http://127.0.0.1:2382"});

  // This member's address under the other scheme: etcd's mismatch error, and it is not found.
  auto wrong = member("s", url("http", "127.0.0.1", 2380));
  wrong.discovery_srv_name = "a";
  out = server::srv_cluster(wrong, lookup, true);
  CHECK(out.error == "cannot find local etcd member \"s\" in SRV records");
  CHECK(server::srv_cluster(wrong, lookup, false).error.empty());  // a proxy need not be there

  auto none = fake({}, {});
  out = server::srv_cluster(member("s", url("http", "127.0.0.1", 2380)), none, true);
  CHECK(out.error ==  // etcd's message names the first lookup only
        "error querying DNS SRV records for _etcd-server-ssl lookup "
        "_etcd-server-ssl._tcp.example.com: no such host");

  auto unresolved = fake({{"_etcd-server._tcp.example.com", {{0, 0, 2380, "x.example.com."}}}}, {});
  out = server::srv_cluster(member("s", url("http", "127.0.0.1", 2380)), unresolved, true);
  CHECK(out.error.find("lookup x.example.com: no such host") != std::string::npos);
}
