#pragma once
// /v2/members: GET of the member list and members/leader, and the validation of member
// writes (POST/PUT/DELETE) with etcd's status codes and messages (spec §8.5). Runtime
// membership changes themselves arrive with replication; a valid change is refused with 500.
#include <string>

#include "http/kv_service.h"
#include "http/request_handler.h"

namespace larch::http {

class MembersHandler {
 public:
  explicit MembersHandler(KvService& service) : service_(service) {}

  // sub: the path after "/v2/members/" ("" for the collection).
  Response handle(const Request& req, const std::string& sub) const;

 private:
  Response list() const;
  Response leader() const;
  Response write(const Request& req, const std::string& sub) const;
  // Checks Content-Type and the {"peerURLs":[...]} body; an error response, or nullopt.
  std::optional<Response> check_peer_urls(const Request& req) const;
  Response with_cluster(Response r) const;

  KvService& service_;
};

// JSON of one member object: {"id":..,"name":..,"peerURLs":[..],"clientURLs":[..]}.
std::string member_json(const MemberInfo& m);

}  // namespace larch::http
