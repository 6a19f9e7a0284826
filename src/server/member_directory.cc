#include "server/member_directory.h"

#include <algorithm>
#include <boost/json.hpp>

namespace larch::server {

namespace json = boost::json;

namespace {

std::vector<std::string> string_array(const json::value* v) {
  std::vector<std::string> out;
  if (!v || !v->is_array()) return out;
  for (const auto& u : v->as_array()) {
    if (u.is_string()) out.emplace_back(u.as_string());
  }
  return out;
}

}  // namespace

void MemberDirectory::update(uint64_t id, const std::string& attributes_json) {
  std::lock_guard lock(mu_);
  update_locked(id, attributes_json);
}

void MemberDirectory::update_locked(uint64_t id, const std::string& attributes_json) {
  json::error_code ec;
  json::value v = json::parse(attributes_json, ec);
  if (ec || !v.is_object()) return;
  const json::object& o = v.as_object();
  for (auto& m : members_) {
    if (m.id != id) continue;
    if (auto* name = o.if_contains("name"); name && name->is_string()) {
      m.name = std::string(name->as_string());
    }
    if (auto* urls = o.if_contains("clientURLs"); urls && urls->is_array()) {
      m.client_urls = string_array(urls);
    }
  }
}

void MemberDirectory::apply(uint64_t index, const store::MemberPeers& change) {
  std::lock_guard lock(mu_);
  conf_index_ = std::max(conf_index_, index);
  auto it = std::find_if(members_.begin(), members_.end(),
                         [&](const http::MemberInfo& m) { return m.id == change.id; });
  if (change.removed) {
    if (it != members_.end()) members_.erase(it);
    removed_.insert(change.id);
    return;
  }
  if (it == members_.end()) {
    http::MemberInfo m;  // added, not started yet: no name, no client URLs (as etcd)
    m.id = change.id;
    it = members_.insert(members_.end(), m);
  }
  it->peer_urls = parse_raft_attributes(change.peer_urls_json);
}

void MemberDirectory::reset(uint64_t index, const std::vector<store::MemberPeers>& peers) {
  std::lock_guard lock(mu_);
  std::vector<http::MemberInfo> before = std::move(members_);
  members_.clear();
  removed_.clear();
  for (const auto& p : peers) {
    if (p.removed) {
      removed_.insert(p.id);
      continue;
    }
    http::MemberInfo m;
    m.id = p.id;
    for (const auto& b : before) {
      if (b.id == p.id) m = b;  // keep names known so far
    }
    m.peer_urls = parse_raft_attributes(p.peer_urls_json);
    members_.push_back(std::move(m));
  }
  conf_index_ = index;
}

std::vector<http::MemberInfo> MemberDirectory::members() const {
  std::lock_guard lock(mu_);
  return members_;
}

bool MemberDirectory::is_removed(uint64_t id) const {
  std::lock_guard lock(mu_);
  return removed_.count(id) != 0;
}

std::pair<std::vector<http::MemberInfo>, uint64_t> MemberDirectory::members_at() const {
  std::lock_guard lock(mu_);
  return {members_, conf_index_};
}

std::string attributes_json(const http::MemberInfo& self) {
  json::array urls;
  for (const auto& u : self.client_urls) urls.emplace_back(u);
  return json::serialize(json::object{{"name", self.name}, {"clientURLs", urls}});
}

std::string raft_attributes_json(const std::vector<std::string>& peer_urls) {
  json::array urls;
  for (const auto& u : peer_urls) urls.emplace_back(u);
  return json::serialize(json::object{{"peerURLs", urls}});
}

std::vector<std::string> parse_raft_attributes(const std::string& text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  return string_array(v.as_object().if_contains("peerURLs"));
}

}  // namespace larch::server
