#include "store/snapshot_image.h"

#include <sqlite3.h>

#include <memory>
#include <stdexcept>

#include "store/schema.h"
#include "store/sqlite_db.h"

namespace larch::store {
namespace {

uint64_t read_meta(SqliteDb& db, const char* name) {
  Statement st = db.prepare("SELECT value FROM meta WHERE name=?1");
  auto q = st.use();
  q.bind_text(1, name);
  if (!q.step()) throw std::runtime_error(std::string("meta row '") + name + "' missing");
  return static_cast<uint64_t>(q.col_int(0));
}

SnapshotImage make_image(const std::string& path) {
  SqliteDb src(path, SqliteDb::Mode::kReadOnly);
  ensure_format(src, kKeySpaceFormat, false);
  int64_t page_size = src.query_int("PRAGMA page_size");

  // Destination: an in-memory database on the memdb VFS (an empty deserialize switches the
  // connection to it), so sqlite3_serialize can hand out its pages directly.
  SqliteDb mem(":memory:", SqliteDb::Mode::kReadWriteCreate);
  int rc = sqlite3_deserialize(mem.handle(), "main", nullptr, 0, 0,
                               SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE);
  if (rc != SQLITE_OK) throw std::runtime_error(std::string("memdb: ") + sqlite3_errstr(rc));
  // An in-memory backup destination cannot change page size: match the source first.
  mem.exec("PRAGMA page_size=" + std::to_string(page_size));

  // One read transaction on the source = one consistent snapshot (WAL: the writer is not
  // blocked and its later commits are not seen). The meta rows are read and every page is
  // copied (backup_step reuses an open read transaction) inside it. The copy's header still
  // says WAL, which an in-memory database cannot open, so it is not read back before the
  // header is patched below.
  SnapshotImage img;
  src.exec("BEGIN");
  try {
    img.applied_index = read_meta(src, "applied_index");
    // A file not yet opened by a KeyStore of this build may lack the row: term unknown.
    if (src.query_int("SELECT count(*) FROM meta WHERE name='applied_term'") != 0) {
      img.applied_term = read_meta(src, "applied_term");
    }
    sqlite3_backup* b = sqlite3_backup_init(mem.handle(), "main", src.handle(), "main");
    if (b == nullptr) throw std::runtime_error(sqlite3_errmsg(mem.handle()));
    int step_rc = sqlite3_backup_step(b, -1);
    rc = sqlite3_backup_finish(b);
    if (step_rc != SQLITE_DONE || rc != SQLITE_OK) {
      throw std::runtime_error(std::string("backup: ") +
                               sqlite3_errstr(step_rc != SQLITE_DONE ? step_rc : rc));
    }
  } catch (...) {
    try {
      src.exec("ROLLBACK");
    } catch (...) {  // a read transaction has nothing to lose; report the first error
    }
    throw;
  }
  src.exec("COMMIT");

  sqlite3_int64 size = 0;
  unsigned char* data = sqlite3_serialize(mem.handle(), "main", &size, SQLITE_SERIALIZE_NOCOPY);
  if (data == nullptr || size < 100) throw std::runtime_error("serialize failed");
  img.bytes.assign(reinterpret_cast<const char*>(data), static_cast<size_t>(size));
  // The copied header still says WAL (bytes 18/19 = 2). Mark the image as a rollback-journal
  // database, so it is a standalone file that any connection (in-memory ones included) can
  // open; the installer's WAL file sets its own mode on its header.
  img.bytes[18] = 1;
  img.bytes[19] = 1;
  return img;
}

}  // namespace

std::optional<SnapshotImage> make_snapshot_image(const std::string& keys_db_path,
                                                 std::string* error) {
  try {
    return make_image(keys_db_path);
  } catch (const std::exception& e) {
    if (error != nullptr) *error = keys_db_path + ": snapshot image: " + e.what();
    return std::nullopt;
  }
}

}  // namespace larch::store
