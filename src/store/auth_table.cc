#include "store/auth_table.h"

namespace larch::store {

namespace {

SqliteDb& with_table(SqliteDb& db) {
  db.exec("CREATE TABLE IF NOT EXISTS auth_records(key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  return db;
}

}  // namespace

Command auth_record_command(const auth::Record& record) {
  Command cmd;
  cmd.op = OpType::kInternal;
  cmd.key = record.key;
  if (record.value) {
    cmd.value = *record.value;
  } else {
    cmd.dir = true;
  }
  return cmd;
}

std::optional<auth::Record> auth_record_of(const Command& cmd) {
  if (cmd.op != OpType::kInternal || !auth::is_record_key(cmd.key)) return std::nullopt;
  auth::Record r{cmd.key, std::nullopt};
  if (!cmd.dir) r.value = cmd.value;
  return r;
}

AuthTable::AuthTable(SqliteDb& db)
    : put_(
          with_table(db).prepare("INSERT OR REPLACE INTO auth_records(key, value) VALUES(?1, ?2)")),
      remove_(db.prepare("DELETE FROM auth_records WHERE key=?1")),
      all_(db.prepare("SELECT key, value FROM auth_records ORDER BY key")) {}

void AuthTable::put(const auth::Record& record) {
  if (record.value) {
    put_.use().bind_text(1, record.key).bind_text(2, *record.value).run();
  } else {
    remove_.use().bind_text(1, record.key).run();
  }
}

std::vector<auth::Record> AuthTable::all() {
  std::vector<auth::Record> out;
  auto q = all_.use();
  while (q.step()) out.push_back({std::string(q.col_blob(0)), std::string(q.col_blob(1))});
  return out;
}

auth::AuthState AuthTable::load() {
  auth::AuthState state;
  for (const auth::Record& r : all()) auth::apply_record(state, r);
  return state;
}

}  // namespace larch::store
