#include "store/sqlite_db.h"

#include <sqlite3.h>

#include <stdexcept>
#include <string>

namespace larch::store {

SqliteDb::SqliteDb(const std::string& path, Mode mode, const char* vfs) : path_(path) {
  int flags =
      SQLITE_OPEN_NOMUTEX |
      (mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, vfs);
  if (rc != SQLITE_OK) {
    std::string msg =
        "cannot open " + path + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw std::runtime_error(msg);
  }
  sqlite3_extended_result_codes(db_, 1);
  // A larger per-connection lookaside pool (default 100 slots of 1200 bytes) keeps the many
  // small allocations of a prepared statement's run out of malloc.
  sqlite3_db_config(db_, SQLITE_DBCONFIG_LOOKASIDE, nullptr, 1200, 1000);
  // Readers may briefly meet the writer's WAL checkpoint / recovery locks.
  sqlite3_busy_timeout(db_, 5000);
}

SqliteDb::~SqliteDb() {
  // close_v2: safe even if a Statement outlives us by member order; it closes when the
  // last statement is finalized.
  sqlite3_close_v2(db_);
}

void SqliteDb::exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = path_ + ": " + (err ? err : sqlite3_errstr(rc)) + " [" + text + "]";
    sqlite3_free(err);
    throw std::runtime_error(msg);
  }
}

Statement SqliteDb::prepare(std::string_view sql) {
  return Statement(db_, sql);
}

int64_t SqliteDb::query_int(std::string_view sql) {
  Statement st(db_, sql);
  auto use = st.use();
  if (!use.step()) return 0;
  return use.col_int(0);
}

void SqliteDb::change_page_size(int64_t page_size) {
  exec("PRAGMA page_size=" + std::to_string(page_size));
  exec("VACUUM");
  if (query_int("PRAGMA page_size") != page_size) {
    throw std::runtime_error(path_ + ": VACUUM kept the old page size");
  }
}

}  // namespace larch::store
