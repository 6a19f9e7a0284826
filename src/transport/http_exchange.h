#pragma once
// One HTTP/1.1 request and its response on a fresh connection, synchronously: the client
// side used before a member starts serving (GET /members from a peer when joining, the
// discovery service's keys API when bootstrapping with --discovery).
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace larch::transport {

struct HttpRequest {
  std::string method = "GET";
  std::string host;
  uint16_t port = 0;
  std::string target;        // path and query, e.g. "/v2/keys/a?wait=true"
  std::string body;          // sent with content_type when non-empty
  std::string content_type;  // e.g. "application/x-www-form-urlencoded"
  std::string accept;        // Accept header, when non-empty
  // An HTTP proxy to go through (etcd's --discovery-proxy), when proxy_port is not 0: an
  // http request is sent to it with the absolute URL as its target; an https one through a
  // CONNECT tunnel.
  std::string proxy_host;
  uint16_t proxy_port = 0;
};

struct HttpAnswer {
  std::string error;  // empty when a response was read; else why not ("timed out", ...)
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header of that name (case-insensitive); empty when absent.
  std::string header(std::string_view name) const;
};

// Runs its own io_context on the calling thread, bounded by `timeout` in total, also against
// a server that accepts and never answers (name resolution of a non-numeric host is bounded by
// the system resolver only). With `tls_context` (a client context) the connection is https
// and the server's certificate must be valid for the host.
HttpAnswer http_exchange(const HttpRequest& request, std::chrono::milliseconds timeout,
                         boost::asio::ssl::context* tls_context = nullptr);

}  // namespace larch::transport
