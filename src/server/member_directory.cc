#include "server/member_directory.h"

#include <boost/json.hpp>

namespace larch::server {

namespace json = boost::json;

void MemberDirectory::update(uint64_t id, const std::string& attributes_json) {
  json::error_code ec;
  json::value v = json::parse(attributes_json, ec);
  if (ec || !v.is_object()) return;
  const json::object& o = v.as_object();
  std::lock_guard lock(mu_);
  for (auto& m : members_) {
    if (m.id != id) continue;
    if (auto* name = o.if_contains("name"); name && name->is_string()) {
      m.name = std::string(name->as_string());
    }
    if (auto* urls = o.if_contains("clientURLs"); urls && urls->is_array()) {
      m.client_urls.clear();
      for (const auto& u : urls->as_array()) {
        if (u.is_string()) m.client_urls.emplace_back(u.as_string());
      }
    }
  }
}

std::vector<http::MemberInfo> MemberDirectory::members() const {
  std::lock_guard lock(mu_);
  return members_;
}

std::string attributes_json(const http::MemberInfo& self) {
  json::array urls;
  for (const auto& u : self.client_urls) urls.emplace_back(u);
  return json::serialize(json::object{{"name", self.name}, {"clientURLs", urls}});
}

}  // namespace larch::server
