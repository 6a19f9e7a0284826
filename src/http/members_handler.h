#pragma once
// /v2/members: GET of the member list and members/leader (synchronous), and member writes
// (POST adds, PUT changes peer URLs, DELETE removes) validated with etcd's status codes and
// messages (spec §8.5) and, with --strict-reconfig-check, etcd's started-quorum and
// connectivity rules, then replicated as a configuration change and answered once applied.
#include <boost/asio/awaitable.hpp>
#include <string>
#include <vector>

#include "http/kv_service.h"
#include "http/request_handler.h"

namespace larch::http {

class MembersHandler {
 public:
  // strict_reconfig_check: --strict-reconfig-check (see reconfig_check.h); a refused
  // change is answered 500 Internal Server Error, as etcd's v2 API does.
  MembersHandler(KvService& service, bool strict_reconfig_check)
      : service_(service), strict_(strict_reconfig_check) {}

  // GET. sub: the path after "/v2/members/" ("" for the collection).
  Response handle(const std::string& sub) const;
  // POST, PUT and DELETE.
  boost::asio::awaitable<Response> write(const Request& req, const std::string& sub) const;

 private:
  Response list() const;
  Response leader() const;
  // Validates the request and fills `change`; an error response, or nullopt.
  std::optional<Response> prepare(const Request& req, const std::string& sub,
                                  MemberChange& change) const;
  // Checks Content-Type and the {"peerURLs":[...]} body (URLs of member `self`, which may
  // keep its own) into `urls`; an error response, or nullopt.
  std::optional<Response> check_peer_urls(const Request& req, uint64_t self,
                                          std::vector<std::string>& urls) const;
  Response with_cluster(Response r) const;

  KvService& service_;
  bool strict_;
};

// JSON of one member object: {"id":..,"name":..,"peerURLs":[..],"clientURLs":[..]}.
std::string member_json(const MemberInfo& m);

// One member as etcd's peer API (GET /members on a peer URL) sends it, which etcd's proxy and
// joining members parse: {"id":<decimal uint64>,"peerURLs":[...],"name":"..",
// "clientURLs":[...]}, name and clientURLs left out when empty (a member not started yet).
std::string peer_member_json(const MemberInfo& m);

}  // namespace larch::http
