#pragma once
// The member's TLS contexts, built from etcd's TLS flags before anything else starts, so a
// missing or bad certificate, key or CA file stops the member with one line.
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "config/config.h"

namespace larch::server {

struct TlsSetup {
  // For https --listen-client-urls (--cert-file, --key-file, --trusted-ca-file,
  // --client-cert-auth); null when every client URL is http.
  std::shared_ptr<boost::asio::ssl::context> client_listener;
  // For https --listen-peer-urls (the --peer-* forms, and --peer-cert-allowed-cn); null
  // when every peer URL is http.
  std::shared_ptr<boost::asio::ssl::context> peer_listener;
  // For connecting to members with https peer URLs (--peer-cert-file, --peer-key-file when
  // given; --peer-trusted-ca-file, else the system's CAs). Always built: members added at
  // runtime may have https peer URLs.
  std::shared_ptr<boost::asio::ssl::context> peer_client;
  std::string error;  // non-empty: cannot start; the contexts are then null
};

TlsSetup make_tls_setup(const config::Config& cfg);

}  // namespace larch::server
