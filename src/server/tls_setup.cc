#include "server/tls_setup.h"

#include <algorithm>
#include <filesystem>

#include "tls/cipher_suites.h"
#include "tls/self_signed.h"
#include "tls/tls_context.h"

namespace larch::server {

namespace {

bool any_tls(const std::vector<config::Url>& urls) {
  return std::any_of(urls.begin(), urls.end(), [](const config::Url& u) { return u.tls(); });
}

TlsSetup failure(const std::string& what, const std::string& error) {
  TlsSetup out;
  out.error = what + ": " + error;
  return out;
}

// etcd's ClientSelfCert / PeerSelfCert for one side ("client" or "peer"): unless `files`
// names a certificate or a key, replaces it with a self-signed pair under
// <data-dir>/fixtures/<side> for the hosts of `urls` (all of them, http ones too, as etcd).
// etcd generates it even when no URL of the side is https; so does Larch. Empty on success.
std::string use_auto_tls(const config::Config& cfg, const std::string& side,
                         const std::vector<config::Url>& urls, tls::TlsFiles& files,
                         std::vector<std::string>& notes) {
  if (!files.cert_file.empty() || !files.key_file.empty()) {
    notes.push_back("warning: ignoring " + side + " auto TLS since certs given");
    return {};
  }
  std::vector<std::string> hosts;
  for (const auto& u : urls) hosts.push_back(u.host);
  auto dir = std::filesystem::path(cfg.data_dir) / "fixtures" / side;
  auto made = tls::self_signed_files(dir.string(), hosts);
  if (!made.error.empty()) return made.error;
  files = tls::TlsFiles{};
  files.cert_file = made.cert_file;
  files.key_file = made.key_file;
  files.skip_verify = true;  // used by the peer client context only
  notes.push_back(side + " auto TLS: " + (made.generated ? "generated" : "reusing") +
                  " self-signed certificate " + made.cert_file);
  return {};
}

}  // namespace

TlsSetup make_tls_setup(const config::Config& cfg) {
  TlsSetup out;
  // Checked whether or not any URL is https, as etcd does.
  if (out.error = tls::check_cipher_suites(cfg.cipher_suites); !out.error.empty()) return out;
  tls::TlsFiles client;
  client.cert_file = cfg.cert_file;
  client.key_file = cfg.key_file;
  client.trusted_ca_file = cfg.trusted_ca_file;
  client.client_cert_auth = cfg.client_cert_auth;
  client.allowed_hostname = cfg.client_cert_allowed_hostname;
  client.crl_file = cfg.client_crl_file;
  if (cfg.auto_tls) {
    auto err = use_auto_tls(cfg, "client", cfg.listen_client_urls, client, out.notes);
    if (!err.empty()) return failure("client TLS", err);
  }
  client.cipher_suites = cfg.cipher_suites;  // kept under auto TLS, as etcd's
  if (any_tls(cfg.listen_client_urls) || any_tls(cfg.listen_metrics_urls)) {
    auto made = tls::make_server_context(client);
    if (!made.context) return failure("client TLS", made.error);
    out.client_listener = std::move(made.context);
  }
  out.client_cert_auth = client.client_cert_auth;

  tls::TlsFiles peer;
  peer.cert_file = cfg.peer_cert_file;
  peer.key_file = cfg.peer_key_file;
  peer.trusted_ca_file = cfg.peer_trusted_ca_file;
  peer.client_cert_auth = cfg.peer_client_cert_auth;
  peer.allowed_cn = cfg.peer_cert_allowed_cn;
  peer.allowed_hostname = cfg.peer_cert_allowed_hostname;
  peer.crl_file = cfg.peer_crl_file;
  if (cfg.peer_auto_tls) {
    auto err = use_auto_tls(cfg, "peer", cfg.listen_peer_urls, peer, out.notes);
    if (!err.empty()) return failure("peer TLS", err);
  }
  peer.cipher_suites = cfg.cipher_suites;
  if (any_tls(cfg.listen_peer_urls)) {
    auto made = tls::make_server_context(peer);
    if (!made.context) return failure("peer TLS", made.error);
    out.peer_listener = std::move(made.context);
  }
  tls::TlsFiles outgoing = peer;  // the client side: no listener settings
  outgoing.client_cert_auth = false;
  outgoing.allowed_cn.clear();
  outgoing.allowed_hostname.clear();
  outgoing.crl_file.clear();
  auto made = tls::make_client_context(outgoing);
  if (!made.context) return failure("peer TLS", made.error);
  out.peer_client = std::move(made.context);
  return out;
}

std::shared_ptr<boost::asio::ssl::context> make_proxy_upstream_tls(
    const config::Config& cfg, std::shared_ptr<boost::asio::ssl::context> peer_client,
    std::string* error) {
  if (cfg.cert_file.empty() && cfg.key_file.empty() && cfg.trusted_ca_file.empty()) {
    return peer_client;
  }
  tls::TlsFiles files;
  files.cert_file = cfg.cert_file;
  files.key_file = cfg.key_file;
  files.trusted_ca_file = cfg.trusted_ca_file;
  files.cipher_suites = cfg.cipher_suites;
  files.skip_verify = cfg.auto_tls;
  auto made = tls::make_client_context(files);
  if (!made.context) *error = "client TLS: " + made.error;
  return made.context;
}

}  // namespace larch::server
