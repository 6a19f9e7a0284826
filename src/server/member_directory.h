#pragma once
// The members as this member knows them: ids and peer URLs from the replicated member table
// (seeded from the identity record), names and client URLs as each member published them
// through the log, and the ids removed so far. Also the raft index its view reflects, which
// a joining member needs (see RaftLoop membership). Read by HTTP threads, updated by the
// apply and raft threads: guarded by a mutex.
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "http/kv_service.h"
#include "store/member_peers.h"

namespace larch::server {

class MemberDirectory {
 public:
  explicit MemberDirectory(std::vector<http::MemberInfo> members, std::set<uint64_t> removed = {},
                           uint64_t conf_index = 0)
      : members_(std::move(members)), removed_(std::move(removed)), conf_index_(conf_index) {}

  // Applies a published {"name":..,"clientURLs":[..]}; malformed JSON or unknown ids are
  // ignored (the entry is already committed: never fail the apply over it).
  void update(uint64_t id, const std::string& attributes_json);
  // A membership change applied at raft index `index`: a member added, its peer URLs
  // changed, or removed for good.
  void apply(uint64_t index, const store::MemberPeers& change);
  // Replaces the member set (after a snapshot install at `index`); names and client URLs of
  // members known before are kept until update() brings the installed ones.
  void reset(uint64_t index, const std::vector<store::MemberPeers>& peers);

  std::vector<http::MemberInfo> members() const;
  bool is_removed(uint64_t id) const;
  // The members with the raft index they reflect (no later change is included).
  std::pair<std::vector<http::MemberInfo>, uint64_t> members_at() const;

 private:
  void update_locked(uint64_t id, const std::string& attributes_json);

  mutable std::mutex mu_;
  std::vector<http::MemberInfo> members_;
  std::set<uint64_t> removed_;
  uint64_t conf_index_;
};

// The attributes JSON a member publishes about itself.
std::string attributes_json(const http::MemberInfo& self);
// etcd's raftAttributes JSON, {"peerURLs":[..]}, and its parser (empty on malformed input).
std::string raft_attributes_json(const std::vector<std::string>& peer_urls);
std::vector<std::string> parse_raft_attributes(const std::string& json);

}  // namespace larch::server
