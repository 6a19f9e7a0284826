#include "store/member_table.h"

#include <algorithm>

#include "util/member_id.h"

namespace larch::store {

namespace {

constexpr std::string_view kMembersPrefix = "/0/members/";
constexpr std::string_view kAttributesSuffix = "/attributes";
constexpr std::string_view kRaftAttributesSuffix = "/raftAttributes";
constexpr std::string_view kRemovedPrefix = "/0/removed_members/";

SqliteDb& with_tables(SqliteDb& db) {
  db.exec(
      "CREATE TABLE IF NOT EXISTS member_attributes("
      "id INTEGER PRIMARY KEY, json TEXT NOT NULL)");
  db.exec(
      "CREATE TABLE IF NOT EXISTS member_peers("
      "id INTEGER PRIMARY KEY, peer_urls TEXT NOT NULL, removed INTEGER NOT NULL)");
  return db;
}

// The id between prefix and suffix of key; nullopt if key has another shape.
std::optional<uint64_t> id_between(std::string_view key, std::string_view prefix,
                                   std::string_view suffix) {
  if (key.size() <= prefix.size() + suffix.size() || !key.starts_with(prefix) ||
      !key.ends_with(suffix)) {
    return std::nullopt;
  }
  std::string_view hex = key.substr(prefix.size(), key.size() - prefix.size() - suffix.size());
  return util::parse_id_hex(std::string(hex));
}

std::optional<uint64_t> nonzero(std::optional<uint64_t> id) {
  return id == 0u ? std::nullopt : id;
}

// Member ids use all 64 bits; SQLite stores them as the same bits in a signed integer.
int64_t to_sql(uint64_t id) {
  return static_cast<int64_t>(id);
}

MemberPeers peers_row(const Statement::Use& q) {
  return MemberPeers{static_cast<uint64_t>(q.col_int(0)), std::string(q.col_blob(1)),
                     q.col_int(2) != 0};
}

}  // namespace

std::string member_attributes_key(uint64_t member_id) {
  return std::string(kMembersPrefix) + util::id_hex(member_id) + std::string(kAttributesSuffix);
}

std::optional<uint64_t> parse_member_attributes_key(std::string_view key) {
  return id_between(key, kMembersPrefix, kAttributesSuffix);
}

std::string member_raft_attributes_key(uint64_t member_id) {
  return std::string(kMembersPrefix) + util::id_hex(member_id) + std::string(kRaftAttributesSuffix);
}

std::optional<uint64_t> parse_raft_attributes_key(std::string_view key) {
  return nonzero(id_between(key, kMembersPrefix, kRaftAttributesSuffix));
}

std::string removed_member_key(uint64_t member_id) {
  return std::string(kRemovedPrefix) + util::id_hex(member_id);
}

std::optional<uint64_t> parse_removed_member_key(std::string_view key) {
  return nonzero(id_between(key, kRemovedPrefix, ""));
}

MemberTable::MemberTable(SqliteDb& db)
    : put_(with_tables(db).prepare("INSERT INTO member_attributes(id, json) VALUES(?1, ?2) "
                                   "ON CONFLICT(id) DO UPDATE SET json=excluded.json")),
      all_(db.prepare("SELECT id, json FROM member_attributes ORDER BY id")),
      put_peers_(db.prepare("INSERT INTO member_peers(id, peer_urls, removed) VALUES(?1, ?2, 0) "
                            "ON CONFLICT(id) DO UPDATE SET peer_urls=excluded.peer_urls, "
                            "removed=0")),
      mark_removed_(db.prepare("INSERT INTO member_peers(id, peer_urls, removed) "
                               "VALUES(?1, '', 1) ON CONFLICT(id) DO UPDATE SET removed=1")),
      find_peers_(db.prepare("SELECT id, peer_urls, removed FROM member_peers WHERE id=?1")),
      peers_(db.prepare("SELECT id, peer_urls, removed FROM member_peers")),
      clear_peers_(db.prepare("DELETE FROM member_peers")) {}

void MemberTable::put(uint64_t member_id, const std::string& attributes_json) {
  auto q = put_.use();
  q.bind_int(1, to_sql(member_id)).bind_text(2, attributes_json).run();
}

std::vector<std::pair<uint64_t, std::string>> MemberTable::all() {
  std::vector<std::pair<uint64_t, std::string>> out;
  auto q = all_.use();
  while (q.step()) {
    out.emplace_back(static_cast<uint64_t>(q.col_int(0)), std::string(q.col_blob(1)));
  }
  return out;
}

void MemberTable::put_peers(uint64_t member_id, const std::string& peer_urls_json) {
  auto q = put_peers_.use();
  q.bind_int(1, to_sql(member_id)).bind_text(2, peer_urls_json).run();
}

MemberPeers MemberTable::mark_removed(uint64_t member_id) {
  mark_removed_.use().bind_int(1, to_sql(member_id)).run();
  auto q = find_peers_.use();
  q.bind_int(1, to_sql(member_id));
  if (!q.step()) return MemberPeers{member_id, "", true};  // unreachable: just upserted
  return peers_row(q);
}

std::vector<MemberPeers> MemberTable::peers() {
  std::vector<MemberPeers> out;
  {
    auto q = peers_.use();
    while (q.step()) out.push_back(peers_row(q));
  }
  // SQL's ORDER BY would sort ids >= 2^63 first (they are stored as negative integers).
  std::sort(out.begin(), out.end(),
            [](const MemberPeers& a, const MemberPeers& b) { return a.id < b.id; });
  return out;
}

void MemberTable::clear_peers() {
  clear_peers_.use().run();
}

}  // namespace larch::store
