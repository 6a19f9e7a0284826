// The member's TLS contexts (make_tls_setup): built for https listeners only, the peer
// client context always; a missing or mismatched file is one error naming it. Joining a
// running cluster whose members have https peer URLs asks them over TLS.
#include "server/tls_setup.h"

#include <catch2/catch.hpp>
#include <string>

#include "../transport/loopback_peers.h"
#include "../transport/tls_fixtures.h"
#include "server/cluster_join.h"

using namespace larch;
using transport::testing::tls_data;

namespace {

config::Url url(const std::string& text) {
  auto parsed = config::parse_url(text, config::UrlRole::kListen);
  INFO(text);
  REQUIRE(parsed.ok());
  return *parsed.value;
}

}  // namespace

TEST_CASE("tls setup: only the peer client context without https listeners", "[tls_setup]") {
  config::Config cfg;  // http URLs, no TLS flags
  auto setup = server::make_tls_setup(cfg);
  CHECK(setup.error.empty());
  CHECK(setup.peer_client);  // the system's CAs: https members may join later
  CHECK_FALSE(setup.client_listener);
  CHECK_FALSE(setup.peer_listener);
}

TEST_CASE("tls setup: https listeners get server contexts", "[tls_setup]") {
  config::Config cfg;
  cfg.listen_client_urls = {url("https://127.0.0.1:2379")};
  cfg.listen_peer_urls = {url("https://127.0.0.1:2380")};
  cfg.cert_file = cfg.peer_cert_file = tls_data("peer.crt");
  cfg.key_file = cfg.peer_key_file = tls_data("peer.key");
  cfg.trusted_ca_file = cfg.peer_trusted_ca_file = tls_data("ca.crt");
  cfg.client_cert_auth = cfg.peer_client_cert_auth = true;
  auto setup = server::make_tls_setup(cfg);
  INFO(setup.error);
  CHECK(setup.error.empty());
  CHECK(setup.client_listener);
  CHECK(setup.peer_listener);
  CHECK(setup.peer_client);
}

TEST_CASE("tls setup: a missing or mismatched file is one error naming it", "[tls_setup]") {
  config::Config cfg;
  cfg.listen_peer_urls = {url("https://127.0.0.1:2380")};
  cfg.peer_cert_file = "/nonexistent/peer.crt";
  cfg.peer_key_file = tls_data("peer.key");
  auto setup = server::make_tls_setup(cfg);
  CHECK(setup.error == "peer TLS: open /nonexistent/peer.crt: no such file or directory");
  CHECK_FALSE(setup.peer_client);

  config::Config mismatched;
  mismatched.listen_client_urls = {url("https://127.0.0.1:2379")};
  mismatched.cert_file = tls_data("peer.crt");
  mismatched.key_file = tls_data("misnamed.key");
  setup = server::make_tls_setup(mismatched);
  CHECK_THAT(setup.error, Catch::StartsWith("client TLS: ") &&
                              Catch::Contains("private key does not match public key"));

  // The peer client context loads the peer files even with no https listener (etcd too).
  config::Config client_only;
  client_only.peer_trusted_ca_file = "/nonexistent/ca.crt";
  setup = server::make_tls_setup(client_only);
  CHECK(setup.error == "peer TLS: open /nonexistent/ca.crt: no such file or directory");
}

TEST_CASE("tls setup: joining a cluster whose members have https peer URLs", "[tls_setup]") {
  using namespace transport::testing;
  constexpr uint64_t kCluster = 0xc1u;
  const std::string joiner = "https://127.0.0.1:1";  // never listened on: only compared
  auto server = server_context(true);
  Inbox inbox;
  PeerListener existing(
      kCluster, 2, inbox, 0,
      [&joiner](transport::PeerHandler& h) {
        h.set_members_provider([&joiner] {
          return transport::MembersSnapshot{
              R"([{"id":"2","name":"old","peerURLs":[],"clientURLs":[]},)"
              R"({"id":"3","name":"","peerURLs":[")" +
                  joiner + R"("],"clientURLs":[]}])",
              9};
        });
      },
      server.get());
  config::Config cfg;
  cfg.name = "new";
  cfg.initial_cluster_state = "existing";
  cfg.initial_advertise_peer_urls = {url(joiner)};
  cfg.initial_cluster = {{"old", url("https://127.0.0.1:" + std::to_string(existing.port()))},
                         {"new", url(joiner)}};

  auto client = client_context(true);
  auto joined = server::join_cluster(cfg, client.get(), 3000);
  INFO(joined.error);
  REQUIRE(joined.error.empty());
  CHECK(joined.identity.cluster_id == kCluster);
  CHECK(joined.identity.self.id == 3);
  CHECK(joined.identity.conf_index == 9);

  auto plain = server::join_cluster(cfg, nullptr, 300);
  CHECK_THAT(plain.error, Catch::Contains("no TLS client context"));
  auto anonymous = client_context(false);  // refused under --peer-client-cert-auth
  CHECK_FALSE(server::join_cluster(cfg, anonymous.get(), 300).error.empty());
}
