#include "store/sqlite_statement.h"

#include <sqlite3.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace larch::store {
namespace {

[[noreturn]] void fail(sqlite3_stmt* stmt, const char* what) {
  sqlite3* db = sqlite3_db_handle(stmt);
  throw std::runtime_error(std::string("sqlite ") + what + ": " + sqlite3_errmsg(db) + " [" +
                           sqlite3_sql(stmt) + "]");
}

void check_bind(sqlite3_stmt* stmt, int rc) {
  if (rc != SQLITE_OK) fail(stmt, "bind");
}

}  // namespace

Statement::Use::~Use() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Statement::Use& Statement::Use::bind_int(int i, int64_t v) {
  check_bind(stmt_, sqlite3_bind_int64(stmt_, i, v));
  return *this;
}

Statement::Use& Statement::Use::bind_blob(int i, std::string_view v) {
  // A zero-length blob must still be a blob, not NULL: pass a non-null pointer.
  const char* data = v.empty() ? "" : v.data();
  check_bind(stmt_, sqlite3_bind_blob64(stmt_, i, data, v.size(), SQLITE_STATIC));
  return *this;
}

Statement::Use& Statement::Use::bind_text(int i, std::string_view v) {
  const char* data = v.empty() ? "" : v.data();
  check_bind(stmt_, sqlite3_bind_text64(stmt_, i, data, v.size(), SQLITE_STATIC, SQLITE_UTF8));
  return *this;
}

Statement::Use& Statement::Use::bind_null(int i) {
  check_bind(stmt_, sqlite3_bind_null(stmt_, i));
  return *this;
}

bool Statement::Use::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(stmt_, "step");
}

void Statement::Use::run() {
  while (step()) {
  }
}

int64_t Statement::Use::col_int(int c) const {
  return sqlite3_column_int64(stmt_, c);
}

std::string_view Statement::Use::col_blob(int c) const {
  const void* p = sqlite3_column_blob(stmt_, c);
  int n = sqlite3_column_bytes(stmt_, c);
  if (p == nullptr || n <= 0) return {};
  return {static_cast<const char*>(p), static_cast<size_t>(n)};
}

bool Statement::Use::col_null(int c) const {
  return sqlite3_column_type(stmt_, c) == SQLITE_NULL;
}

Statement::Statement(sqlite3* db, std::string_view sql) {
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg =
        std::string("sqlite prepare: ") + sqlite3_errmsg(db) + " [" + std::string(sql) + "]";
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
    throw std::runtime_error(msg);
  }
}

Statement::Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

}  // namespace larch::store
