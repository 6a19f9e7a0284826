#pragma once
// RAII SQLite connection. Owned and used by exactly one thread at a time.
#include <string>
#include <string_view>

#include "store/sqlite_statement.h"

struct sqlite3;

namespace larch::store {

class SqliteDb {
 public:
  enum class Mode { kReadWriteCreate, kReadOnly };

  // Opens path; throws std::runtime_error naming the path on failure. A read-only open of a
  // missing file fails (SQLite does not create it). vfs: a registered VFS's name, or null
  // for the default one.
  SqliteDb(const std::string& path, Mode mode, const char* vfs = nullptr);
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;
  ~SqliteDb();

  // Runs one or more SQL statements without results; throws on error.
  void exec(std::string_view sql);
  // Prepares a persistent statement; the caller keeps it for the connection's lifetime.
  Statement prepare(std::string_view sql);
  // Runs a single-value query (e.g. a PRAGMA) and returns column 0 as an integer.
  int64_t query_int(std::string_view sql);
  // Rebuilds the file with `page_size`-byte pages (PRAGMA page_size + VACUUM). SQLite can do
  // so only for a file in rollback-journal mode: a WAL file or an in-memory database keeps
  // its page size, which is reported by throwing std::runtime_error.
  void change_page_size(int64_t page_size);

  const std::string& path() const { return path_; }
  sqlite3* handle() { return db_; }

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

}  // namespace larch::store
