#pragma once
// On-disk format identification for Larch's SQLite files. Each file kind carries its own
// PRAGMA application_id (so a raft-log file is never mistaken for a key space, and files of
// other programs are rejected) and PRAGMA user_version (= format version; newer is refused).
#include <cstdint>
#include <string_view>

#include "store/sqlite_db.h"

namespace larch::store {

struct FileFormat {
  uint32_t application_id;  // magic, distinct per file kind
  int64_t version;          // current format version written by this build (>= 1)
  std::string_view kind;    // human name for messages: "key-space", "raft log"
  std::string_view ddl;     // schema created on an empty database
  int page_size;            // SQLite page size of a file created by this build
};

// Key space: nodes, event history, meta (applied_index, applied_term, etcd_index,
// conf_index); the member tables are created by MemberTable. Files created before
// applied_term / conf_index existed gain their rows (0) when KeyStore opens them.
// 16 KiB pages: the keys.db writer appends ~0.7 KiB of event row per write and rewrites most
// node pages of a busy key space at each flush, and SQLite writes every WAL frame with two
// pwrite calls, so 4 KiB pages cost four times the calls for the same bytes (measured: the
// writer's CPU per put -25 %); larger pages would also multiply the bytes a sparse update of
// a large key space rewrites. Files created with other page sizes (4 KiB before) keep theirs.
extern const FileFormat kKeySpaceFormat;
// Raft log: entries + hard state + snapshot marker. SQLite's default 4 KiB pages: a commit
// appends a few entries, and larger pages only made each fsync write more.
extern const FileFormat kRaftLogFormat;

// Verifies db holds fmt (creating the schema if the database is empty and writable).
// Throws std::runtime_error with a clear message for: not a SQLite file / corrupt header,
// a SQLite file of another program (or another Larch file kind), a newer format, or an
// empty file opened read-only.
void ensure_format(SqliteDb& db, const FileFormat& fmt, bool writable);

}  // namespace larch::store
