#include "transport/cluster_fetch.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <charconv>

#include "transport/peer_stream.h"
#include "util/member_id.h"

namespace larch::transport {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace json = boost::json;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
using Clock = std::chrono::steady_clock;

// What came back from the peer, before interpretation.
struct RawAnswer {
  bool done = false;
  std::string error;  // transport-level failure; empty when a response was read
  int status = 0;
  std::string cluster_header, conf_header, body;
};

std::string io_error(const char* step, const boost::system::error_code& ec) {
  if (ec == beast::error::timeout) return "timed out";
  return std::string(step) + ": " + ec.message();
}

// One GET /members on a fresh connection (TLS with `tls_context`); every step ends by
// `deadline`. Fills `out` and sets out.done (unless the io_context is torn down first).
asio::awaitable<void> get_members(std::string host, uint16_t port, asio::ssl::context* tls_context,
                                  Clock::time_point deadline, RawAnswer& out) {
  auto executor = co_await asio::this_coro::executor;
  asio::ip::tcp::resolver resolver(executor);
  auto [rec, endpoints] = co_await resolver.async_resolve(host, std::to_string(port), kTuple);
  if (rec) {
    out.error = io_error("resolve", rec);
    out.done = true;
    co_return;
  }
  PeerStream stream(executor, tls_context);
  stream.tcp().expires_at(deadline);
  auto [cec, ep] = co_await stream.tcp().async_connect(endpoints, kTuple);
  if (cec) {
    out.error = io_error("connect", cec);
    out.done = true;
    co_return;
  }
  if (stream.tls()) {
    out.error = co_await stream.client_handshake(host);
    if (!out.error.empty()) {
      out.done = true;
      co_return;
    }
  }
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, "/members", 11};
  req.set(bhttp::field::host, host + ":" + std::to_string(port));
  req.set(bhttp::field::accept, "application/json");
  req.keep_alive(false);
  auto [wec, wn] =
      co_await stream.with([&](auto& s) { return bhttp::async_write(s, req, kTuple); });
  if (wec) {
    out.error = io_error("send", wec);
    out.done = true;
    co_return;
  }
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  auto [rdec, rn] =
      co_await stream.with([&](auto& s) { return bhttp::async_read(s, buffer, res, kTuple); });
  if (rdec) {
    out.error = io_error("receive", rdec);
    out.done = true;
    co_return;
  }
  out.status = res.result_int();
  out.cluster_header = std::string(res["X-Etcd-Cluster-ID"]);
  out.conf_header = std::string(res["X-Larch-Conf-Index"]);
  out.body = std::move(res.body());
  out.done = true;
}

// A JSON array of strings (absent: empty); false when it is anything else.
bool parse_strings(const json::object& obj, const char* key, std::vector<std::string>& out) {
  const json::value* v = obj.if_contains(key);
  if (!v) return true;
  if (!v->is_array()) return false;
  for (const auto& item : v->as_array()) {
    if (!item.is_string()) return false;
    out.emplace_back(item.as_string());
  }
  return true;
}

// "id" as a hex string or a JSON number; nullopt when absent, malformed or 0.
std::optional<uint64_t> parse_member_id(const json::object& obj) {
  const json::value* v = obj.if_contains("id");
  std::optional<uint64_t> id;
  if (v && v->is_string()) id = util::parse_id_hex(std::string(v->as_string()));
  if (v && v->is_uint64()) id = v->as_uint64();
  if (v && v->is_int64() && v->as_int64() > 0) id = static_cast<uint64_t>(v->as_int64());
  if (id == 0u) return std::nullopt;
  return id;
}

std::optional<FetchedMember> parse_member(const json::value& v, std::string& error) {
  if (!v.is_object()) {
    error = "a member is not a JSON object";
    return std::nullopt;
  }
  const json::object& obj = v.as_object();
  FetchedMember m;
  auto id = parse_member_id(obj);
  if (!id) {
    error = "a member has a missing or invalid \"id\"";
    return std::nullopt;
  }
  m.id = *id;
  if (const json::value* name = obj.if_contains("name")) {
    if (!name->is_string()) {
      error = "member " + util::id_hex(m.id) + " has a non-string \"name\"";
      return std::nullopt;
    }
    m.name = std::string(name->as_string());
  }
  if (!parse_strings(obj, "peerURLs", m.peer_urls) ||
      !parse_strings(obj, "clientURLs", m.client_urls)) {
    error = "member " + util::id_hex(m.id) + " has malformed peerURLs or clientURLs";
    return std::nullopt;
  }
  return m;
}

std::optional<std::vector<FetchedMember>> parse_members(const std::string& body,
                                                        std::string& error) {
  boost::system::error_code ec;
  json::value doc = json::parse(body, ec);
  if (ec) {
    error = "malformed member list JSON: " + ec.message();
    return std::nullopt;
  }
  if (!doc.is_array()) {
    error = "malformed member list JSON: not an array";
    return std::nullopt;
  }
  std::vector<FetchedMember> members;
  for (const auto& item : doc.as_array()) {
    auto m = parse_member(item, error);
    if (!m) return std::nullopt;
    members.push_back(std::move(*m));
  }
  return members;
}

std::optional<uint64_t> parse_decimal(const std::string& text) {
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return n;
}

// Interprets a response that was read completely.
std::optional<FetchedCluster> interpret(RawAnswer& raw, std::string& error) {
  if (raw.status != 200) {
    error = "unexpected HTTP status " + std::to_string(raw.status) + ": " + raw.body;
    return std::nullopt;
  }
  FetchedCluster out;
  auto cluster = util::parse_id_hex(raw.cluster_header);
  if (!cluster || *cluster == 0) {
    error = "missing or invalid X-Etcd-Cluster-ID header \"" + raw.cluster_header + "\"";
    return std::nullopt;
  }
  out.cluster_id = *cluster;
  if (!raw.conf_header.empty()) {
    auto index = parse_decimal(raw.conf_header);
    if (!index) {
      error = "invalid X-Larch-Conf-Index header \"" + raw.conf_header + "\"";
      return std::nullopt;
    }
    out.conf_index = *index;
  }
  auto members = parse_members(raw.body, error);
  if (!members) return std::nullopt;
  out.members = std::move(*members);
  return out;
}

}  // namespace

std::optional<FetchedCluster> fetch_cluster(const std::string& host, uint16_t port,
                                            std::chrono::milliseconds timeout, std::string* error,
                                            asio::ssl::context* tls_context) {
  const std::string where = std::string("GET ") + (tls_context ? "https" : "http") + "://" + host +
                            ":" + std::to_string(port) + "/members: ";
  std::string reason;
  std::optional<FetchedCluster> out;
  RawAnswer raw;  // outlives ioc: a coroutine still pending at the deadline refers to it
  {
    asio::io_context ioc(1);
    auto deadline = Clock::now() + timeout;
    asio::co_spawn(ioc, get_members(host, port, tls_context, deadline, raw), asio::detached);
    ioc.run_until(deadline);
    // Pending operations, if any, are abandoned (and their socket closed) with ioc.
  }
  if (!raw.done || raw.error == "timed out") {
    reason = "timed out after " + std::to_string(timeout.count()) + " ms";
  } else if (!raw.error.empty()) {
    reason = raw.error;
  } else {
    out = interpret(raw, reason);
  }
  if (error) *error = out ? std::string() : where + reason;
  return out;
}

}  // namespace larch::transport
