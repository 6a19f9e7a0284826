#pragma once
// RAII prepared statement (SQLITE_PREPARE_PERSISTENT) and a scoped "use" that binds, steps
// and always resets the statement afterwards, so a finished SELECT never pins a read
// transaction or WAL snapshot. Not thread-safe: belongs to one connection's owner thread.
#include <cstdint>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace larch::store {

class Statement {
 public:
  // Binds parameters (1-based), steps, reads columns (0-based); resets on destruction.
  class Use {
   public:
    explicit Use(sqlite3_stmt* stmt) : stmt_(stmt) {}
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    ~Use();

    Use& bind_int(int i, int64_t v);
    Use& bind_blob(int i, std::string_view v);  // binary-safe (keys may contain NUL)
    Use& bind_text(int i, std::string_view v);
    Use& bind_null(int i);

    bool step();  // true: a row is available; false: done. Throws on error.
    void run();   // steps to completion (for writes)

    int64_t col_int(int c) const;
    std::string_view col_blob(int c) const;  // valid until the next step / reset
    bool col_null(int c) const;

   private:
    sqlite3_stmt* stmt_;
  };

  Statement() = default;
  Statement(sqlite3* db, std::string_view sql);  // throws std::runtime_error
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Use use() { return Use(stmt_); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace larch::store
