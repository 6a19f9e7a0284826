#pragma once
// One member's replicated raft attributes (etcd's /0/members/<id>/raftAttributes) and
// removal mark (/0/removed_members/<id>), as stored in keys.db's member_peers table.
#include <cstdint>
#include <string>

namespace larch::store {

struct MemberPeers {
  uint64_t id = 0;
  // The raftAttributes JSON as applied, e.g. {"peerURLs":["http://h:2380"]}; "" when a
  // member was removed before any raftAttributes of it was seen.
  std::string peer_urls_json;
  bool removed = false;  // removed for good (its id may never rejoin)
  bool operator==(const MemberPeers&) const = default;
};

}  // namespace larch::store
