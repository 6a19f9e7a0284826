#pragma once
// What a member serves on GET /members of its peer URL (PeerHandler), so that a member
// joining a running cluster can learn the member list (cluster_fetch.h).
#include <cstdint>
#include <string>

namespace larch::transport {

struct MembersSnapshot {
  // The JSON array of member objects, served verbatim, as etcd's peer API has them:
  //   [{"id":<decimal>,"peerURLs":["http://.."],"name":"n","clientURLs":["http://.."]}]
  std::string members_json;
  // Index of the last applied configuration change (X-Larch-Conf-Index).
  uint64_t conf_index = 0;
};

}  // namespace larch::transport
