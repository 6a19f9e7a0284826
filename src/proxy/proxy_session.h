#pragma once
// One client connection of a v2 proxy (--proxy on|readonly): each request is answered by the
// proxy itself (/metrics, /v2/config/local/proxy, OPTIONS, a readonly proxy's 501, its 502 and
// 503 when no member answers) or forwarded to the first available member that answers, and
// that member's response relayed back as it arrives — a watch's headers at once, each event
// of a stream when the member sends it (etcd's proxy buffers 4 KiB of a stream before the
// client sees anything). A client that goes away cancels its forwarded request (the member's
// connection is closed, which ends its watch there).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "http/client_session.h"
#include "proxy/endpoint_set.h"
#include "proxy/proxy_metrics.h"

namespace larch::proxy {

struct ProxyOptions {
  bool readonly = false;                          // only GET is forwarded; anything else gets 501
  std::vector<std::string> cors{"*"};             // the proxy's own --cors
  std::chrono::milliseconds dial_timeout{1000};   // zero: none
  std::chrono::milliseconds write_timeout{5000};  // sending a request upstream; zero: none
  std::chrono::milliseconds read_timeout{0};      // each read of a response; zero: none
  http::SessionLimits limits;  // a client connection's, as a member's (body, header, idle)
};

// Shared by every session of the proxy; outlives them.
struct ProxyContext {
  ProxyOptions options;
  EndpointSet* endpoints = nullptr;
  ProxyMetrics* metrics = nullptr;
  std::function<void(const std::string&)> log;
  std::function<int64_t()> now_ns;  // steady clock, for the endpoints' failure wait
  // Connects to https client URLs (--cert-file/--key-file/--trusted-ca-file as a client, or
  // the peer ones when those are not set, as etcd's proxy); null: https endpoints fail.
  boost::asio::ssl::context* upstream_tls = nullptr;
};

// A client connection on an http listener.
boost::asio::awaitable<void> run_proxy_session(boost::asio::ip::tcp::socket socket,
                                               ProxyContext& ctx);
// The same on an https listener (`tls`: the client listener's context).
boost::asio::awaitable<void> run_tls_proxy_session(boost::asio::ip::tcp::socket socket,
                                                   boost::asio::ssl::context& tls,
                                                   ProxyContext& ctx);

}  // namespace larch::proxy
