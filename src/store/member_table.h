#pragma once
// Cluster membership replicated through the log, stored in keys.db (tables created on open
// if missing, so older files gain them; they share the batch transaction):
// - member_attributes: etcd's /0/members/<id>/attributes. Each member publishes
//   {"name":..,"clientURLs":[..]} once per start as an internal entry, so /v2/members can
//   show every member's client URLs.
// - member_peers: etcd's /0/members/<id>/raftAttributes ({"peerURLs":[..]}, member added or
//   its peer URLs updated) and /0/removed_members/<id> (member removed for good).
// Not thread-safe: the apply thread, or startup.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/member_peers.h"
#include "store/sqlite_db.h"

namespace larch::store {

// The internal command keys that carry membership, and their parsers. Ids are printed as
// util::id_hex (lower-case hex, no leading zeros). The parsers return nullopt for any other
// key; the raftAttributes / removed_members parsers also reject id 0.
std::string member_attributes_key(uint64_t member_id);
std::optional<uint64_t> parse_member_attributes_key(std::string_view key);
std::string member_raft_attributes_key(uint64_t member_id);
std::optional<uint64_t> parse_raft_attributes_key(std::string_view key);
std::string removed_member_key(uint64_t member_id);
std::optional<uint64_t> parse_removed_member_key(std::string_view key);

class MemberTable {
 public:
  explicit MemberTable(SqliteDb& db);

  // member_attributes: insert or replace; every row by member id.
  void put(uint64_t member_id, const std::string& attributes_json);
  std::vector<std::pair<uint64_t, std::string>> all();

  // member_peers: insert or replace the member's peer URLs JSON, marking it not removed.
  void put_peers(uint64_t member_id, const std::string& peer_urls_json);
  // Marks the member removed, keeping its last peer URLs (a row with peer URLs "" if the
  // member is unknown). Returns the member's row as now stored.
  MemberPeers mark_removed(uint64_t member_id);
  // Every member_peers row, sorted by id (as unsigned 64-bit).
  std::vector<MemberPeers> peers();
  // Deletes every member_peers row (member_attributes is untouched).
  void clear_peers();

 private:
  Statement put_, all_, put_peers_, mark_removed_, find_peers_, peers_, clear_peers_;
};

}  // namespace larch::store
