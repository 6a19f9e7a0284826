#pragma once
// The member's TLS contexts, built from etcd's TLS flags before anything else starts, so a
// missing or bad certificate, key or CA file stops the member with one line.
//
// --auto-tls / --peer-auto-tls without that side's --cert-file and --key-file (either one
// given: ignored, with a warning) use a self-signed certificate for the hosts of that side's
// listen URLs, generated under <data-dir>/fixtures/client or /fixtures/peer on first use and
// reused afterwards (tls::self_signed_files; the data dir is created for it). As in etcd 3.4
// it replaces that side's TLS settings whole: the trusted CA file, --client-cert-auth, the
// CRL file and the allowed CN or host name are then not applied, and outgoing peer
// connections present the certificate without verifying the other member's.
//
// --cipher-suites applies to all three contexts (auto TLS too) and is checked even when no
// URL is https: an unknown name is etcd's error, `unexpected TLS cipher suite "X"`.
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"

namespace larch::server {

struct TlsSetup {
  // For https --listen-client-urls and --listen-metrics-urls (--cert-file, --key-file,
  // --trusted-ca-file, --client-cert-auth); null when every such URL is http.
  std::shared_ptr<boost::asio::ssl::context> client_listener;
  // For https --listen-peer-urls (the --peer-* forms, and --peer-cert-allowed-cn); null
  // when every peer URL is http.
  std::shared_ptr<boost::asio::ssl::context> peer_listener;
  // For connecting to members with https peer URLs (--peer-cert-file, --peer-key-file when
  // given; --peer-trusted-ca-file, else the system's CAs). Always built: members added at
  // runtime may have https peer URLs.
  std::shared_ptr<boost::asio::ssl::context> peer_client;
  // --client-cert-auth as applied (false under client auto TLS): a verified client
  // certificate's Common Name is the v2 auth user.
  bool client_cert_auth = false;
  std::vector<std::string> notes;  // lines to log: auto TLS's files, or why it is ignored
  std::string error;               // non-empty: cannot start; the contexts are then null
};

TlsSetup make_tls_setup(const config::Config& cfg);

// The v2 proxy's client context for members' https client URLs, as etcd's proxy builds it:
// from --cert-file, --key-file and --trusted-ca-file (not verifying the member with
// --auto-tls), or `peer_client` when none of the three is set. Null with *error on a bad file.
std::shared_ptr<boost::asio::ssl::context> make_proxy_upstream_tls(
    const config::Config& cfg, std::shared_ptr<boost::asio::ssl::context> peer_client,
    std::string* error);

}  // namespace larch::server
