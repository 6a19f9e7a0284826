#pragma once
// The write-transaction statements of one connection (BEGIN IMMEDIATE / COMMIT / ROLLBACK,
// prepared once), and the run-body-then-commit-or-roll-back pattern both writers use.
// Same threading as the connection.
#include "store/sqlite_db.h"

namespace larch::store {

class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteDb& db)
      : begin_(db.prepare("BEGIN IMMEDIATE")),
        commit_(db.prepare("COMMIT")),
        rollback_(db.prepare("ROLLBACK")) {}

  void begin() { begin_.use().run(); }
  void commit() { commit_.use().run(); }
  void rollback() { rollback_.use().run(); }

  // Runs body in one transaction: commits it, or on any exception rolls back and rethrows.
  template <typename F>
  void run(F&& body) {
    begin();
    try {
      body();
      commit();
    } catch (...) {
      try {
        rollback();
      } catch (...) {  // e.g. SQLite already rolled back; report the first error
      }
      throw;
    }
  }

 private:
  Statement begin_, commit_, rollback_;
};

}  // namespace larch::store
