#include "http/members_handler.h"

#include <algorithm>
#include <boost/json.hpp>

#include "http/await_callback.h"
#include "http/parse_media_type.h"
#include "http/reconfig_check.h"
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

std::string peer_member_json(const MemberInfo& m) {
  std::string out = "{\"id\":" + std::to_string(m.id);
  out += ",\"peerURLs\":";
  append_string_array(out, m.peer_urls);
  if (!m.name.empty()) {
    out += ",\"name\":";
    util::append_json_string(out, m.name);
  }
  if (!m.client_urls.empty()) {
    out += ",\"clientURLs\":";
    append_string_array(out, m.client_urls);
  }
  out += '}';
  return out;
}

Response MembersHandler::with_cluster(Response r) const {
  r.add("X-Etcd-Cluster-Id", util::id_hex(service_.cluster_id()));
  return r;
}

Response MembersHandler::handle(const std::string& sub) const {
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

std::optional<Response> MembersHandler::check_peer_urls(const Request& req, uint64_t self,
                                                        std::vector<std::string>& urls) const {
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
  const auto* list = obj ? obj->if_contains("peerURLs") : nullptr;
  if (!list || !list->is_array() || list->as_array().empty()) {
    return json_message(400, "no valid URLs given");
  }
  auto members = service_.members();
  for (const auto& u : list->as_array()) {
    if (!u.is_string()) return json_message(400, "no valid URLs given");
    std::string url(u.as_string());
    if (!valid_scheme(url)) {
      return json_message(400, "URL scheme must be http, https, unix, or unixs: " + url);
    }
    for (const auto& m : members) {
      if (m.id == self) continue;
      if (std::find(m.peer_urls.begin(), m.peer_urls.end(), url) != m.peer_urls.end()) {
        return json_message(409, "membership: peerURL exists");
      }
    }
    urls.push_back(std::move(url));
  }
  return std::nullopt;
}

std::optional<Response> MembersHandler::prepare(const Request& req, const std::string& sub,
                                                MemberChange& change) const {
  auto ms = service_.members();
  auto known = [&](uint64_t id) {
    return std::any_of(ms.begin(), ms.end(), [&](auto& m) { return m.id == id; });
  };
  if (req.method == "POST") {
    change.kind = MemberChangeKind::kAdd;
    if (auto err = check_peer_urls(req, 0, change.peer_urls)) return err;
    // etcd: a runtime-added member's id hashes its URLs, an empty token and the add time.
    change.id = util::member_id(change.peer_urls, "", service_.now_ns() / 1'000'000'000);
    if (known(change.id) || service_.member_removed(change.id)) {
      return json_message(409, "membership: ID exists");
    }
    if (strict_ && (!ready_to_add_voter(ms) ||
                    !connected_to_all(ms, service_.self().id, service_.peer_activity()))) {
      return json_message(500, "Internal Server Error");
    }
    return std::nullopt;
  }
  auto id = util::parse_id_hex(sub);
  if (id && service_.member_removed(*id)) {
    if (req.method == "DELETE") return json_message(410, "Member permanently removed: " + sub);
    return json_message(500, "Internal Server Error");
  }
  if (!id || !known(*id)) return json_message(404, "No such member: " + sub);
  change.id = *id;
  if (req.method == "DELETE") {
    // The last member cannot go: nothing would be left to apply the removal.
    if (ms.size() == 1) return json_message(500, "Internal Server Error");
    if (strict_ &&
        (!ready_to_remove_voter(ms, *id) ||
         !connected_quorum_after_removal(ms, service_.self().id, *id, service_.peer_activity()))) {
      return json_message(500, "Internal Server Error");
    }
    change.kind = MemberChangeKind::kRemove;
    return std::nullopt;
  }
  change.kind = MemberChangeKind::kUpdate;
  return check_peer_urls(req, *id, change.peer_urls);
}

boost::asio::awaitable<Response> MembersHandler::write(const Request& req,
                                                       const std::string& sub) const {
  MemberChange change;
  if (auto err = prepare(req, sub, change)) co_return with_cluster(std::move(*err));
  MemberChange sent = change;
  WriteReply reply = co_await await_callback<WriteReply>(
      [&](std::function<void(WriteReply)> cb) { service_.change_member(sent, std::move(cb)); });
  if (reply.internal_error) co_return with_cluster(json_message(500, "Internal Server Error"));
  Response r;
  if (change.kind == MemberChangeKind::kAdd) {
    MemberInfo added;
    added.id = change.id;
    added.peer_urls = change.peer_urls;
    r.status = 201;
    r.body = member_json(added) + "\n";
  } else {
    r.status = 204;
    r.content_type = {};
  }
  co_return with_cluster(std::move(r));
}

}  // namespace larch::http
