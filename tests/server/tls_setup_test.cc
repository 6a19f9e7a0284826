// The member's TLS contexts (make_tls_setup): built for https listeners only, the peer
// client context always; a missing or mismatched file is one error naming it. Joining a
// running cluster whose members have https peer URLs asks them over TLS.
#include "server/tls_setup.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "../temp_dir.h"
#include "../tls/handshake.h"
#include "../transport/loopback_peers.h"
#include "../transport/tls_fixtures.h"
#include "server/cluster_join.h"

using namespace larch;
using transport::testing::tls_data;

using larch::testing::TempDir;

namespace {

config::Url url(const std::string& text) {
  auto parsed = config::parse_url(text, config::UrlRole::kListen);
  INFO(text);
  REQUIRE(parsed.ok());
  return *parsed.value;
}

bool has_note(const server::TlsSetup& setup, const std::string& part) {
  for (const auto& n : setup.notes) {
    if (n.find(part) != std::string::npos) return true;
  }
  return false;
}

// https client and peer URLs with the fixture certificates, client certificates required.
config::Config https_both() {
  config::Config cfg;
  cfg.listen_client_urls = {url("https://127.0.0.1:2379")};
  cfg.listen_peer_urls = {url("https://127.0.0.1:2380")};
  cfg.cert_file = cfg.peer_cert_file = tls_data("peer.crt");
  cfg.key_file = cfg.peer_key_file = tls_data("peer.key");
  cfg.trusted_ca_file = cfg.peer_trusted_ca_file = tls_data("ca.crt");
  cfg.client_cert_auth = cfg.peer_client_cert_auth = true;
  return cfg;
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
  auto setup = server::make_tls_setup(https_both());
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

TEST_CASE("tls setup: cipher suites are checked, CRL files must be readable", "[tls_setup]") {
  config::Config plain;  // checked even when no URL is https, as etcd
  plain.cipher_suites = {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_FOO"};
  CHECK(server::make_tls_setup(plain).error == "unexpected TLS cipher suite \"TLS_FOO\"");
  plain.cipher_suites = {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"};
  CHECK(server::make_tls_setup(plain).error.empty());

  config::Config cfg = https_both();
  cfg.client_crl_file = "/nonexistent/crl.pem";
  CHECK(server::make_tls_setup(cfg).error ==
        "client TLS: open /nonexistent/crl.pem: no such file or directory");
  cfg.client_crl_file.clear();
  cfg.client_cert_allowed_hostname = "localhost";
  CHECK(server::make_tls_setup(cfg).error.empty());

  config::Config peer = https_both();
  peer.peer_cert_allowed_cn = "x";
  peer.peer_cert_allowed_hostname = "y";
  CHECK(server::make_tls_setup(peer).error ==
        "peer TLS: AllowedCN and AllowedHostname are mutually exclusive (cn=\"x\", "
        "hostname=\"y\")");
  // Auto TLS replaces the side's settings whole: the CRL file is then not read.
  TempDir dir;
  peer.peer_cert_allowed_hostname.clear();
  peer.peer_crl_file = "/nonexistent/crl.pem";
  peer.peer_cert_file.clear();
  peer.peer_key_file.clear();
  peer.peer_auto_tls = true;
  peer.data_dir = dir.path().string();
  auto setup = server::make_tls_setup(peer);
  INFO(setup.error);
  CHECK(setup.peer_listener);
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

TEST_CASE("tls setup: auto TLS generates under <data-dir>/fixtures, then reuses", "[tls_setup]") {
  namespace fs = std::filesystem;
  TempDir t;
  config::Config cfg;
  cfg.data_dir = (t.path() / "not-yet" / "d.larch").string();  // created for the fixtures
  cfg.listen_client_urls = {url("https://127.0.0.1:2379")};
  cfg.listen_peer_urls = {url("http://127.0.0.1:2380")};
  cfg.auto_tls = true;
  cfg.client_cert_auth = true;  // dropped with auto TLS, as in etcd 3.4
  cfg.trusted_ca_file = "/nonexistent/ca.crt";
  auto setup = server::make_tls_setup(cfg);
  INFO(setup.error);
  REQUIRE(setup.error.empty());
  CHECK(setup.client_listener);
  CHECK_FALSE(setup.client_cert_auth);
  CHECK_FALSE(setup.peer_listener);
  fs::path client_dir = fs::path(cfg.data_dir) / "fixtures" / "client";
  CHECK(fs::exists(client_dir / "cert.pem"));
  CHECK(fs::exists(client_dir / "key.pem"));
  CHECK_FALSE(fs::exists(fs::path(cfg.data_dir) / "fixtures" / "peer"));
  CHECK(has_note(setup, "client auto TLS: generated self-signed certificate " +
                            (client_dir / "cert.pem").string()));
  auto before = fs::last_write_time(client_dir / "cert.pem");
  auto again = server::make_tls_setup(cfg);
  REQUIRE(again.error.empty());
  CHECK(has_note(again, "client auto TLS: reusing"));
  CHECK(fs::last_write_time(client_dir / "cert.pem") == before);

  // A client skipping verification shakes hands with the listener (curl -k).
  tls::TlsFiles skipping;
  skipping.skip_verify = true;
  auto insecure = tls::make_client_context(skipping).context;
  REQUIRE(insecure);
  auto o = tls::testing::handshake(*setup.client_listener, *insecure);
  CHECK(o.server_ok);
  CHECK(o.client_ok);
}

TEST_CASE("tls setup: explicit files win over auto TLS, with etcd's warning", "[tls_setup]") {
  TempDir t;
  config::Config cfg;
  cfg.data_dir = (t.path() / "d").string();
  cfg.listen_client_urls = {url("https://127.0.0.1:2379")};
  cfg.listen_peer_urls = {url("https://127.0.0.1:2380")};
  cfg.cert_file = cfg.peer_cert_file = tls_data("peer.crt");
  cfg.key_file = cfg.peer_key_file = tls_data("peer.key");
  cfg.client_cert_auth = true;
  cfg.trusted_ca_file = tls_data("ca.crt");
  cfg.auto_tls = cfg.peer_auto_tls = true;
  auto setup = server::make_tls_setup(cfg);
  INFO(setup.error);
  REQUIRE(setup.error.empty());
  CHECK(setup.client_cert_auth);
  CHECK(has_note(setup, "warning: ignoring client auto TLS since certs given"));
  CHECK(has_note(setup, "warning: ignoring peer auto TLS since certs given"));
  CHECK_FALSE(std::filesystem::exists(t.path() / "d"));
}

TEST_CASE("tls setup: peer auto TLS presents its certificate, verifies no one's", "[tls_setup]") {
  using namespace transport::testing;
  TempDir t;
  config::Config cfg;
  cfg.data_dir = (t.path() / "d").string();
  cfg.listen_peer_urls = {url("https://127.0.0.1:2380"), url("https://localhost:2381")};
  cfg.peer_auto_tls = true;
  cfg.peer_client_cert_auth = true;  // dropped with auto TLS, as in etcd 3.4
  cfg.peer_cert_allowed_cn = "nobody";
  auto setup = server::make_tls_setup(cfg);
  INFO(setup.error);
  REQUIRE(setup.error.empty());
  REQUIRE(setup.peer_listener);
  REQUIRE(setup.peer_client);
  CHECK_FALSE(setup.client_listener);
  CHECK(has_note(setup, "peer auto TLS: generated"));

  // Outgoing: a member whose certificate no CA here signed (and for another name) is
  // accepted; the generated certificate is presented to one that requires a certificate.
  auto other = server_context(false, "misnamed");
  auto o = tls::testing::handshake(*other, *setup.peer_client);
  CHECK(o.client_ok);
  // Incoming: another auto TLS member (its own generated certificate) gets in without a
  // client certificate check, and the listener presents the generated certificate.
  config::Config second = cfg;
  second.data_dir = (t.path() / "d2").string();
  auto setup2 = server::make_tls_setup(second);
  REQUIRE(setup2.error.empty());
  o = tls::testing::handshake(*setup.peer_listener, *setup2.peer_client);
  CHECK(o.server_ok);
  CHECK(o.client_ok);
  // A verifying client (a CA that did not sign it) refuses the generated certificate.
  auto verifying = client_context(false);
  CHECK_FALSE(tls::testing::handshake(*setup.peer_listener, *verifying).client_ok);

  // etcd generates the files even when no URL of the side is https.
  config::Config plain;
  plain.data_dir = (t.path() / "plain").string();
  plain.auto_tls = plain.peer_auto_tls = true;
  auto setup3 = server::make_tls_setup(plain);
  REQUIRE(setup3.error.empty());
  CHECK_FALSE(setup3.client_listener);
  CHECK_FALSE(setup3.peer_listener);
  CHECK(std::filesystem::exists(t.path() / "plain" / "fixtures" / "client" / "cert.pem"));
  CHECK(std::filesystem::exists(t.path() / "plain" / "fixtures" / "peer" / "key.pem"));
}

TEST_CASE("tls setup: auto TLS that cannot write its files is a startup error", "[tls_setup]") {
  TempDir t;
  std::ofstream((t.path() / "file").string()) << "x";
  config::Config cfg;
  cfg.data_dir = (t.path() / "file").string();  // not a directory
  cfg.listen_client_urls = {url("https://127.0.0.1:2379")};
  cfg.auto_tls = true;
  auto setup = server::make_tls_setup(cfg);
  CHECK_THAT(setup.error, Catch::StartsWith("client TLS: tls: cannot create directory "));
  CHECK_FALSE(setup.client_listener);
  CHECK_FALSE(setup.peer_client);
}
