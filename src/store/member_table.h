#pragma once
// Member attributes replicated through the log (etcd's /0/members/<id>/attributes): each
// member publishes {"name":..,"clientURLs":[..]} once per start as an internal entry, and
// every member stores it here, so /v2/members can show every member's client URLs. Lives in
// keys.db (created on open if missing, so older files gain it) and shares the batch
// transaction. Not thread-safe: the apply thread, or startup.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/sqlite_db.h"

namespace larch::store {

// The internal command key that carries a member's attributes, and its parser.
std::string member_attributes_key(uint64_t member_id);
std::optional<uint64_t> parse_member_attributes_key(std::string_view key);

class MemberTable {
 public:
  explicit MemberTable(SqliteDb& db);

  void put(uint64_t member_id, const std::string& attributes_json);
  std::vector<std::pair<uint64_t, std::string>> all();

 private:
  Statement put_, all_;
};

}  // namespace larch::store
