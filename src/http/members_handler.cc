#include "http/members_handler.h"

#include <algorithm>
#include <boost/json.hpp>

#include "http/parse_media_type.h"
#include "util/go_json.h"
#include "util/member_id.h"

namespace larch::http {

namespace {

void append_string_array(std::string& out, const std::vector<std::string>& xs) {
  out += '[';
  for (size_t i = 0; i < xs.size(); ++i) {
    if (i) out += ',';
    util::append_json_string(out, xs[i]);
  }
  out += ']';
}

// etcd accepts http, https, unix and unixs peer URLs.
bool valid_scheme(const std::string& url) {
  for (const char* s : {"http://", "https://", "unix://", "unixs://"}) {
    if (url.rfind(s, 0) == 0 && url.size() > std::string_view(s).size()) return true;
  }
  return false;
}

}  // namespace

std::string member_json(const MemberInfo& m) {
  std::string out = "{\"id\":";
  util::append_json_string(out, util::id_hex(m.id));
  out += ",\"name\":";
  util::append_json_string(out, m.name);
  out += ",\"peerURLs\":";
  append_string_array(out, m.peer_urls);
  out += ",\"clientURLs\":";
  append_string_array(out, m.client_urls);
  out += '}';
  return out;
}

Response MembersHandler::with_cluster(Response r) const {
  r.add("X-Etcd-Cluster-Id", util::id_hex(service_.cluster_id()));
  return r;
}

Response MembersHandler::handle(const Request& req, const std::string& sub) const {
  if (req.method != "GET") return with_cluster(write(req, sub));
  if (sub.empty()) return with_cluster(list());
  if (sub == "leader") return with_cluster(leader());
  return with_cluster(json_message(404, "Not found"));
}

Response MembersHandler::list() const {
  auto ms = service_.members();
  std::sort(ms.begin(), ms.end(), [](auto& a, auto& b) { return a.id < b.id; });
  Response r;
  r.body = "{\"members\":[";
  for (size_t i = 0; i < ms.size(); ++i) {
    if (i) r.body += ',';
    r.body += member_json(ms[i]);
  }
  r.body += "]}\n";
  return r;
}

Response MembersHandler::leader() const {
  uint64_t lead = service_.leader_id();
  for (const auto& m : service_.members()) {
    if (lead != 0 && m.id == lead) {
      Response r;
      r.body = member_json(m) + "\n";
      return r;
    }
  }
  return json_message(503, "During election");
}

std::optional<Response> MembersHandler::check_peer_urls(const Request& req) const {
  MediaType mt = parse_media_type(req.content_type);
  if (mt.error || mt.type != "application/json") {
    return json_message(
        415, "Bad Content-Type " + std::string(req.content_type) + ", accept application/json");
  }
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(req.body, ec);
  if (ec)
    return json_message(400, req.body.empty() ? "unexpected end of JSON input" : ec.message());
  const auto* obj = v.if_object();
  const auto* urls = obj ? obj->if_contains("peerURLs") : nullptr;
  if (!urls || !urls->is_array() || urls->as_array().empty()) {
    return json_message(400, "no valid URLs given");
  }
  for (const auto& u : urls->as_array()) {
    if (!u.is_string()) return json_message(400, "no valid URLs given");
    std::string url(u.as_string());
    if (!valid_scheme(url)) {
      return json_message(400, "URL scheme must be http, https, unix, or unixs: " + url);
    }
    for (const auto& m : service_.members()) {
      if (std::find(m.peer_urls.begin(), m.peer_urls.end(), url) != m.peer_urls.end()) {
        return json_message(409, "membership: peerURL exists");
      }
    }
  }
  return std::nullopt;
}

Response MembersHandler::write(const Request& req, const std::string& sub) const {
  if (req.method == "PUT" || req.method == "DELETE") {
    auto id = util::parse_id_hex(sub);
    auto ms = service_.members();
    bool known = id && std::any_of(ms.begin(), ms.end(), [&](auto& m) { return m.id == *id; });
    if (!known) return json_message(404, "No such member: " + sub);
  }
  if (req.method != "DELETE") {
    if (auto err = check_peer_urls(req)) return *err;
  }
  // A valid membership change: supported once members replicate (next milestone).
  return json_message(500, "Internal Server Error");
}

}  // namespace larch::http
