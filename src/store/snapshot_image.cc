#include "store/snapshot_image.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "store/schema.h"
#include "store/sqlite_db.h"
#include "util/remove_db_file.h"

namespace larch::store {
namespace {

uint64_t read_meta(SqliteDb& db, const char* name) {
  Statement st = db.prepare("SELECT value FROM meta WHERE name=?1");
  auto q = st.use();
  q.bind_text(1, name);
  if (!q.step()) throw std::runtime_error(std::string("meta row '") + name + "' missing");
  return static_cast<uint64_t>(q.col_int(0));
}

// Copies every page of src's snapshot into dst (one backup step, inside src's open read
// transaction, so the copy is of that snapshot).
void copy_pages(SqliteDb& src, SqliteDb& dst) {
  sqlite3_backup* b = sqlite3_backup_init(dst.handle(), "main", src.handle(), "main");
  if (b == nullptr) throw std::runtime_error(sqlite3_errmsg(dst.handle()));
  int step_rc = sqlite3_backup_step(b, -1);
  int rc = sqlite3_backup_finish(b);
  if (step_rc != SQLITE_DONE || rc != SQLITE_OK) {
    throw std::runtime_error(std::string("backup: ") +
                             sqlite3_errstr(step_rc != SQLITE_DONE ? step_rc : rc));
  }
}

SnapshotImage write_image(const std::string& keys_db_path, const std::string& image_path) {
  SqliteDb src(keys_db_path, SqliteDb::Mode::kReadOnly);
  ensure_format(src, kKeySpaceFormat, false);
  util::remove_db_file(image_path);
  SnapshotImage img;
  img.path = image_path;
  {
    SqliteDb dst(image_path, SqliteDb::Mode::kReadWriteCreate);
    // A scratch file: no journal and no syncs (a crash leaves a file the next start removes).
    dst.exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF");
    // One read transaction on the source = one consistent snapshot (WAL: the writer is not
    // blocked and its later commits are not seen). The meta rows are read and every page is
    // copied (backup_step reuses an open read transaction) inside it.
    src.exec("BEGIN");
    try {
      img.applied_index = read_meta(src, "applied_index");
      // A file not yet opened by a KeyStore of this build may lack the row: term unknown.
      if (src.query_int("SELECT count(*) FROM meta WHERE name='applied_term'") != 0) {
        img.applied_term = read_meta(src, "applied_term");
      }
      copy_pages(src, dst);
    } catch (...) {
      try {
        src.exec("ROLLBACK");
      } catch (...) {  // a read transaction has nothing to lose; report the first error
      }
      throw;
    }
    src.exec("COMMIT");
  }
  force_rollback_header(image_path);
  img.size = std::filesystem::file_size(image_path);
  if (img.size < 100) throw std::runtime_error("image shorter than a database header");
  return img;
}

}  // namespace

std::optional<SnapshotImage> write_snapshot_image(const std::string& keys_db_path,
                                                  const std::string& image_path,
                                                  std::string* error) {
  try {
    return write_image(keys_db_path, image_path);
  } catch (const std::exception& e) {
    util::remove_db_file(image_path);
    if (error != nullptr) *error = keys_db_path + ": snapshot image: " + e.what();
    return std::nullopt;
  }
}

void force_rollback_header(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(path + ": " + std::strerror(errno));
  unsigned char versions[2] = {0, 0};
  ssize_t n = ::pread(fd, versions, sizeof versions, 18);
  bool ok = n >= 0;
  if (n == static_cast<ssize_t>(sizeof versions) && (versions[0] == 2 || versions[1] == 2)) {
    for (auto& v : versions) v = v == 2 ? 1 : v;
    ok = ::pwrite(fd, versions, sizeof versions, 18) == static_cast<ssize_t>(sizeof versions);
  }
  int saved = errno;
  ::close(fd);
  if (!ok) throw std::runtime_error(path + ": header: " + std::strerror(saved));
}

}  // namespace larch::store
