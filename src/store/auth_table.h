#pragma once
// The v2 auth records (auth/auth_state.h: "/2/enabled", "/2/users/<name>",
// "/2/roles/<name>") in keys.db, replicated through the log as internal commands. The table
// is created on open if missing (older files gain it) and travels with the key space in
// snapshot images. Written straight to the file by the applier, like the member tables
// (rare; idempotent on replay). Not thread-safe: under KeyStore's db mutex.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "auth/auth_state.h"
#include "store/command.h"
#include "store/sqlite_db.h"

namespace larch::store {

// The internal command that replicates one auth record: op kInternal, key = the record's
// key, value = its value; a deletion is marked with dir = true (a record is never a
// directory).
Command auth_record_command(const auth::Record& record);
// The record an internal command carries; nullopt when its key is not an auth record key.
std::optional<auth::Record> auth_record_of(const Command& cmd);

class AuthTable {
 public:
  explicit AuthTable(SqliteDb& db);

  void put(const auth::Record& record);  // insert, replace or (value nullopt) delete
  std::vector<auth::Record> all();       // every stored record, by key
  // The state the stored records describe (records that no longer parse are skipped).
  auth::AuthState load();

 private:
  Statement put_, remove_, all_;
};

}  // namespace larch::store
