#include "server/tls_setup.h"

#include <algorithm>

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

}  // namespace

TlsSetup make_tls_setup(const config::Config& cfg) {
  TlsSetup out;
  if (any_tls(cfg.listen_client_urls)) {
    tls::TlsFiles files;
    files.cert_file = cfg.cert_file;
    files.key_file = cfg.key_file;
    files.trusted_ca_file = cfg.trusted_ca_file;
    files.client_cert_auth = cfg.client_cert_auth;
    auto made = tls::make_server_context(files);
    if (!made.context) return failure("client TLS", made.error);
    out.client_listener = std::move(made.context);
  }
  tls::TlsFiles peer;
  peer.cert_file = cfg.peer_cert_file;
  peer.key_file = cfg.peer_key_file;
  peer.trusted_ca_file = cfg.peer_trusted_ca_file;
  if (any_tls(cfg.listen_peer_urls)) {
    tls::TlsFiles files = peer;
    files.client_cert_auth = cfg.peer_client_cert_auth;
    files.allowed_cn = cfg.peer_cert_allowed_cn;
    auto made = tls::make_server_context(files);
    if (!made.context) return failure("peer TLS", made.error);
    out.peer_listener = std::move(made.context);
  }
  auto made = tls::make_client_context(peer);
  if (!made.context) return failure("peer TLS", made.error);
  out.peer_client = std::move(made.context);
  return out;
}

}  // namespace larch::server
