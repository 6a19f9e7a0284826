#include "transport/cluster_fetch.h"

#include <boost/json.hpp>

#include "http/key_request_parser.h"
#include "transport/http_exchange.h"
#include "util/member_id.h"

namespace larch::transport {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

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

// Interprets a response that was read completely.
std::optional<FetchedCluster> interpret(const HttpAnswer& raw, std::string& error) {
  if (raw.status != 200) {
    error = "unexpected HTTP status " + std::to_string(raw.status) + ": " + raw.body;
    return std::nullopt;
  }
  FetchedCluster out;
  std::string cluster_header = raw.header("X-Etcd-Cluster-ID");
  auto cluster = util::parse_id_hex(cluster_header);
  if (!cluster || *cluster == 0) {
    error = "missing or invalid X-Etcd-Cluster-ID header \"" + cluster_header + "\"";
    return std::nullopt;
  }
  out.cluster_id = *cluster;
  if (std::string conf_header = raw.header("X-Larch-Conf-Index"); !conf_header.empty()) {
    auto index = http::parse_go_uint(conf_header);
    if (!index) {
      error = "invalid X-Larch-Conf-Index header \"" + conf_header + "\"";
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
  HttpRequest request;
  request.host = host;
  request.port = port;
  request.target = "/members";
  request.accept = "application/json";
  HttpAnswer raw = http_exchange(request, timeout, tls_context);
  if (!raw.error.empty()) {
    reason = raw.error;
  } else {
    out = interpret(raw, reason);
  }
  if (error) *error = out ? std::string() : where + reason;
  return out;
}

}  // namespace larch::transport
