#include "store/member_table.h"

#include "util/member_id.h"

namespace larch::store {

namespace {

constexpr std::string_view kPrefix = "/0/members/";
constexpr std::string_view kSuffix = "/attributes";

SqliteDb& with_table(SqliteDb& db) {
  db.exec(
      "CREATE TABLE IF NOT EXISTS member_attributes("
      "id INTEGER PRIMARY KEY, json TEXT NOT NULL)");
  return db;
}

}  // namespace

std::string member_attributes_key(uint64_t member_id) {
  return std::string(kPrefix) + util::id_hex(member_id) + std::string(kSuffix);
}

std::optional<uint64_t> parse_member_attributes_key(std::string_view key) {
  if (key.size() <= kPrefix.size() + kSuffix.size() || !key.starts_with(kPrefix) ||
      !key.ends_with(kSuffix)) {
    return std::nullopt;
  }
  std::string_view hex = key.substr(kPrefix.size(), key.size() - kPrefix.size() - kSuffix.size());
  return util::parse_id_hex(std::string(hex));
}

MemberTable::MemberTable(SqliteDb& db)
    : put_(with_table(db).prepare("INSERT INTO member_attributes(id, json) VALUES(?1, ?2) "
                                  "ON CONFLICT(id) DO UPDATE SET json=excluded.json")),
      all_(db.prepare("SELECT id, json FROM member_attributes ORDER BY id")) {}

void MemberTable::put(uint64_t member_id, const std::string& attributes_json) {
  auto q = put_.use();
  // Member ids use all 64 bits; SQLite stores them as the same bits in a signed integer.
  q.bind_int(1, static_cast<int64_t>(member_id)).bind_text(2, attributes_json).run();
}

std::vector<std::pair<uint64_t, std::string>> MemberTable::all() {
  std::vector<std::pair<uint64_t, std::string>> out;
  auto q = all_.use();
  while (q.step()) {
    out.emplace_back(static_cast<uint64_t>(q.col_int(0)), std::string(q.col_blob(1)));
  }
  return out;
}

}  // namespace larch::store
