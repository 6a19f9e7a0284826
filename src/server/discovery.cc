#include "server/discovery.h"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <set>

#include "config/value_parsers.h"
#include "http/key_request_parser.h"
#include "util/member_id.h"

namespace larch::server {

namespace json = boost::json;
using std::chrono::milliseconds;
using transport::HttpAnswer;
using transport::HttpRequest;

namespace {

constexpr milliseconds kRequestTimeout{10'000};
constexpr milliseconds kWatchTimeout{30'000};  // a long poll: then look again
constexpr milliseconds kFirstPause{1'000}, kMaxPause{32'000};
constexpr std::string_view kConfigDir = "_config";

std::string basename(std::string_view key) {
  auto slash = key.rfind('/');
  return std::string(slash == std::string_view::npos ? key : key.substr(slash + 1));
}

const json::object* node_of(const json::value& doc) {
  const json::object* o = doc.if_object();
  const json::value* node = o ? o->if_contains("node") : nullptr;
  return node ? node->if_object() : nullptr;
}

std::string string_field(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

uint64_t uint_field(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v && v->is_uint64()) return v->as_uint64();
  if (v && v->is_int64() && v->as_int64() >= 0) return static_cast<uint64_t>(v->as_int64());
  return 0;
}

// A keys API error answer as etcd's Go client prints it: "100: Key not found (/a/b) [10]".
std::string service_error(const HttpAnswer& a) {
  boost::system::error_code ec;
  json::value doc = json::parse(a.body, ec);
  const json::object* o = ec ? nullptr : doc.if_object();
  if (!o || !o->contains("errorCode")) {
    return "unexpected response " + std::to_string(a.status) + " from the discovery service";
  }
  return std::to_string(uint_field(*o, "errorCode")) + ": " + string_field(*o, "message") + " (" +
         string_field(*o, "cause") + ") [" + std::to_string(uint_field(*o, "index")) + "]";
}

}  // namespace

Discovery::Discovery(std::string url, uint64_t self_id, std::string self_entry, Call call,
                     Sleep sleep, Log log)
    : url_(std::move(url)),
      self_hex_(util::id_hex(self_id)),
      self_entry_(std::move(self_entry)),
      call_(std::move(call)),
      sleep_(std::move(sleep)),
      log_(std::move(log)) {
  auto parsed = boost::urls::parse_uri(url_);
  if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") ||
      parsed->host().empty()) {
    return;  // host_ stays empty: join() reports the invalid URL
  }
  tls_ = parsed->scheme() == "https";
  host_ = parsed->host_name().empty() ? std::string(parsed->encoded_host_address())
                                      : std::string(parsed->host_name());
  auto port = http::parse_go_uint(parsed->port());
  port_ = port && *port > 0 && *port <= 65535 ? static_cast<uint16_t>(*port) : (tls_ ? 443 : 80);
  path_ = std::string(parsed->encoded_path());
  while (!path_.empty() && path_.back() == '/') path_.pop_back();
}

HttpRequest Discovery::request(const std::string& method, const std::string& target) const {
  HttpRequest r;
  r.method = method;
  r.host = host_;
  r.port = port_;
  r.target = target;
  r.accept = "application/json";
  return r;
}

HttpAnswer Discovery::call_until_answered(const HttpRequest& req, milliseconds timeout) {
  milliseconds pause = kFirstPause;
  for (;;) {
    HttpAnswer a = call_(req, timeout);
    if (a.error.empty()) return a;
    log_("discovery: error connecting to " + url_ + " (" + a.error + "), retrying in " +
         std::to_string(pause.count() / 1000) + "s");
    sleep_(pause);
    pause = std::min(pause * 2, kMaxPause);
  }
}

Discovery::ClusterView Discovery::check_cluster() {
  ClusterView v;
  auto failed = [&v](std::string error) {
    v.error = std::move(error);
    return v;
  };
  HttpAnswer size = call_until_answered(request("GET", path_ + "/_config/size"), kRequestTimeout);
  if (size.status != 200) return failed(service_error(size));
  boost::system::error_code ec;
  json::value doc = json::parse(size.body, ec);
  const json::object* node = ec ? nullptr : node_of(doc);
  auto n = node ? http::parse_go_uint(string_field(*node, "value")) : std::nullopt;
  if (!n || *n == 0) return failed("discovery: size key is bad");
  v.size = *n;
  HttpAnswer list = call_until_answered(request("GET", path_), kRequestTimeout);
  if (list.status != 200) return failed(service_error(list));
  doc = json::parse(list.body, ec);
  node = ec ? nullptr : node_of(doc);
  if (!node) return failed("discovery: bad key/value inside cluster");
  v.index = http::parse_go_uint(list.header("X-Etcd-Index")).value_or(0);
  if (const json::value* nodes = node->if_contains("nodes"); nodes && nodes->is_array()) {
    for (const auto& item : nodes->as_array()) {
      const json::object* m = item.if_object();
      if (!m || basename(string_field(*m, "key")) == kConfigDir) continue;
      v.members.push_back({basename(string_field(*m, "key")), string_field(*m, "value"),
                           uint_field(*m, "createdIndex")});
    }
  }
  std::stable_sort(v.members.begin(), v.members.end(),
                   [](const Registered& a, const Registered& b) { return a.created < b.created; });
  // Full when this member is not among the first `size` registrations (etcd's rule).
  for (size_t i = 0; i < v.members.size() && v.members[i].id_hex != self_hex_; ++i) {
    if (i + 1 >= v.size) v.full = true;
  }
  return v;
}

std::string Discovery::register_self() {
  HttpRequest put = request("PUT", path_ + "/" + self_hex_ + "?prevExist=false");
  put.content_type = "application/x-www-form-urlencoded";
  put.body = "value=" + boost::urls::encode(self_entry_, boost::urls::unreserved_chars);
  HttpAnswer a = call_until_answered(put, kRequestTimeout);
  if (a.status == 201 || a.status == 200) return {};
  if (a.status == 412) return "discovery: found duplicate id";
  return service_error(a);
}

void Discovery::wait_for_more(const ClusterView& v) {
  log_("discovery: found " + std::to_string(v.members.size()) + " peer(s), waiting for " +
       std::to_string(v.size - v.members.size()) + " more");
  wait_for_change(v.index);
}

void Discovery::wait_for_change(uint64_t index) {
  std::string target = path_ + "?wait=true&recursive=true&waitIndex=" + std::to_string(index + 1);
  // Whatever comes back — an event, an error, nothing before the timeout, no connection —
  // the caller looks again (and check_cluster waits out a service that is down).
  call_(request("GET", target), kWatchTimeout);
}

Discovery::Outcome Discovery::join() {
  Outcome out;
  auto failed = [&out](std::string error) {
    out.error = std::move(error);
    return out;
  };
  if (host_.empty()) return failed("discovery: invalid URL");
  auto full = [this, &out](const ClusterView& v) -> Outcome& {
    take_registrations(v, out);
    out.error = "discovery: cluster is full";
    out.full = true;
    return out;
  };
  ClusterView v = check_cluster();  // no registration in a cluster that cannot take it
  if (!v.error.empty()) return failed(v.error);
  if (v.full) return full(v);
  if (auto err = register_self(); !err.empty()) return failed(err);
  size_t seen = 0;
  for (;;) {
    v = check_cluster();
    if (!v.error.empty()) return failed(v.error);
    if (v.full) return full(v);
    for (; seen < v.members.size() && seen < v.size; ++seen) {
      bool self = v.members[seen].id_hex == self_hex_;
      std::string line = "discovery: found ";  // appended: see store/node_table.cc
      line += self ? "self " : "peer ";
      line += v.members[seen].id_hex;
      line += " in the cluster";
      log_(line);
    }
    if (v.members.size() >= v.size) break;
    wait_for_more(v);
  }
  log_("discovery: found " + std::to_string(v.size) + " needed peer(s)");
  return take_registrations(v, out);
}

Discovery::Outcome Discovery::cluster() {
  Outcome out;
  if (host_.empty()) {
    out.error = "discovery: invalid URL";
    return out;
  }
  for (;;) {
    ClusterView v = check_cluster();
    if (!v.error.empty()) {
      out.error = v.error;
      return out;
    }
    if (v.members.size() >= v.size) return take_registrations(v, out);
    wait_for_more(v);
  }
}

Discovery::Outcome& Discovery::take_registrations(const ClusterView& v, Outcome& out) {
  std::string joined;
  for (size_t i = 0; i < v.size && i < v.members.size(); ++i) {
    joined += (i ? "," : "") + v.members[i].entry;
  }
  auto parsed = config::parse_initial_cluster(joined);
  if (!parsed.ok()) {
    out.error = "discovery: bad key/value inside cluster: " + parsed.error;
    return out;
  }
  out.initial_cluster = std::move(*parsed.value);
  std::set<std::string> names;
  for (const auto& m : out.initial_cluster) names.insert(m.name);
  if (names.size() != v.size) out.error = "discovery: found duplicate name";
  return out;
}

}  // namespace larch::server
