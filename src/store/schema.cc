#include "store/schema.h"

#include <stdexcept>
#include <string>

namespace larch::store {
namespace {

// Keys and values are BLOBs: keys are arbitrary bytes (NUL allowed) compared bytewise
// (memcmp order = etcd's Go string order). WITHOUT ROWID: one B-tree probe per key lookup;
// the parent index then holds (parent, key) so child listings come out in key order.
constexpr std::string_view kKeySpaceDdl = R"(
CREATE TABLE nodes(
  key BLOB PRIMARY KEY NOT NULL,
  parent BLOB NOT NULL,
  dir INTEGER NOT NULL,
  value BLOB NOT NULL,
  expiration INTEGER,
  created INTEGER NOT NULL,
  modified INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX nodes_by_parent ON nodes(parent);
CREATE INDEX nodes_by_expiration ON nodes(expiration, key) WHERE expiration IS NOT NULL;
CREATE TABLE events(
  idx INTEGER PRIMARY KEY,
  kind INTEGER NOT NULL,
  dir INTEGER NOT NULL,
  removal INTEGER NOT NULL,
  key BLOB NOT NULL,
  json BLOB NOT NULL);
CREATE TABLE meta(name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta VALUES('applied_index', 0), ('etcd_index', 0), ('applied_term', 0),
                       ('conf_index', 0);
)";

constexpr std::string_view kRaftLogDdl = R"(
CREATE TABLE entries(
  idx INTEGER PRIMARY KEY,
  term INTEGER NOT NULL,
  type INTEGER NOT NULL,
  data BLOB NOT NULL);
CREATE TABLE state(name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO state VALUES('term', 0), ('vote', 0), ('commit', 0),
                        ('snapshot_index', 0), ('snapshot_term', 0);
)";

std::string describe(const SqliteDb& db, const FileFormat& fmt) {
  return std::string(fmt.kind) + " file " + db.path();
}

int64_t read_application_id(SqliteDb& db, const FileFormat& fmt) {
  try {
    return db.query_int("PRAGMA application_id");
  } catch (const std::exception& e) {
    throw std::runtime_error(describe(db, fmt) + ": not a SQLite database or corrupt (" + e.what() +
                             ")");
  }
}

void create_schema(SqliteDb& db, const FileFormat& fmt) {
  // Takes effect with the first write to the empty file (before WAL mode is set).
  db.exec("PRAGMA page_size=" + std::to_string(fmt.page_size));
  db.exec("BEGIN IMMEDIATE");
  try {
    db.exec(fmt.ddl);
    db.exec("PRAGMA application_id=" + std::to_string(fmt.application_id));
    db.exec("PRAGMA user_version=" + std::to_string(fmt.version));
    db.exec("COMMIT");
  } catch (...) {
    db.exec("ROLLBACK");
    throw;
  }
}

}  // namespace

const FileFormat kKeySpaceFormat{0x4C524B53 /* "LRKS" */, 1, "key-space", kKeySpaceDdl, 16384};
const FileFormat kRaftLogFormat{0x4C52524C /* "LRRL" */, 1, "raft log", kRaftLogDdl, 4096};

void ensure_format(SqliteDb& db, const FileFormat& fmt, bool writable) {
  int64_t app_id = read_application_id(db, fmt);
  if (app_id == 0) {
    int64_t objects = db.query_int("SELECT count(*) FROM sqlite_master");
    if (objects != 0) {
      throw std::runtime_error(describe(db, fmt) + ": SQLite database belongs to another program");
    }
    if (!writable) {
      throw std::runtime_error(describe(db, fmt) + ": database is empty (not initialised)");
    }
    create_schema(db, fmt);
    return;
  }
  if (app_id != static_cast<int64_t>(fmt.application_id)) {
    const FileFormat* other = app_id == kKeySpaceFormat.application_id  ? &kKeySpaceFormat
                              : app_id == kRaftLogFormat.application_id ? &kRaftLogFormat
                                                                        : nullptr;
    throw std::runtime_error(describe(db, fmt) + ": " +
                             (other ? "is a Larch " + std::string(other->kind) + " file"
                                    : "SQLite database belongs to another program"));
  }
  int64_t version = db.query_int("PRAGMA user_version");
  if (version > fmt.version) {
    throw std::runtime_error(describe(db, fmt) + ": format version " + std::to_string(version) +
                             " is newer than supported (" + std::to_string(fmt.version) + ")");
  }
  if (version < 1) {
    throw std::runtime_error(describe(db, fmt) + ": corrupt format marker");
  }
}

}  // namespace larch::store
