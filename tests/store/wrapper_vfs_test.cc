#include "store/wrapper_vfs.h"

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <utility>

#include "store/sqlite_db.h"
#include "store_test_util.h"

using namespace larch::store;

namespace {

// Write system calls this process has made so far (Linux: /proc/self/io's syscw).
long long write_calls() {
  std::ifstream io("/proc/self/io");
  std::string key;
  long long value = 0;
  while (io >> key >> value) {
    if (key == "syscw:") return value;
  }
  return -1;
}

void open_like_the_raft_log(SqliteDb& db) {
  db.exec("PRAGMA locking_mode=EXCLUSIVE");
  db.exec("PRAGMA journal_mode=WAL");
  db.exec("PRAGMA synchronous=FULL");
}

// Rows 1..n: v is i as text, zero-padded to 300 characters.
std::string insert_rows(int from, int to) {
  return "WITH RECURSIVE s(i) AS (SELECT " + std::to_string(from) + " UNION ALL SELECT i + 1 " +
         "FROM s WHERE i < " + std::to_string(to) + ") INSERT OR REPLACE INTO t " +
         "SELECT i, printf('%0300d', i) FROM s";
}

// 1 + 2 + ... + n: what insert_rows(1, n) leaves in sum(CAST(v AS INTEGER)).
long long sum_to(long long n) {
  return n * (n + 1) / 2;
}

}  // namespace

TEST_CASE("coalescing VFS: a transaction's WAL frames reach the file in one write",
          "[sqlite][vfs]") {
  test::TempDir dir;
  REQUIRE(coalescing_vfs_name() != nullptr);
  auto writes_for_one_commit = [&](const char* vfs, const std::string& name) {
    SqliteDb db(dir.file(name), SqliteDb::Mode::kReadWriteCreate, vfs);
    open_like_the_raft_log(db);
    db.exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB)");
    db.exec(insert_rows(1, 10));  // the WAL header is written and synced
    long long before = write_calls();
    db.exec(insert_rows(11, 100));  // ~30 KB: several pages, two writes per frame by default
    return write_calls() - before;
  };
  long long plain = writes_for_one_commit(nullptr, "plain.db");
  long long coalesced = writes_for_one_commit(coalescing_vfs_name(), "coalesced.db");
  INFO("plain " << plain << ", coalesced " << coalesced);
  REQUIRE(plain >= 10);
  REQUIRE(coalesced == 1);
}

TEST_CASE("coalescing VFS: what it writes reads back, within a transaction and after reopening",
          "[sqlite][vfs]") {
  test::TempDir dir;
  const std::string path = dir.file("log.db");
  {
    SqliteDb db(path, SqliteDb::Mode::kReadWriteCreate, coalescing_vfs_name());
    open_like_the_raft_log(db);
    db.exec("PRAGMA cache_size=8");  // pages spill to the WAL and are read back from it
    db.exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB)");
    db.exec("BEGIN");
    db.exec(insert_rows(1, 20000));  // ~6.5 MB: more than the buffer holds at once
    REQUIRE(db.query_int("SELECT count(*) FROM t") == 20000);
    REQUIRE(db.query_int("SELECT sum(CAST(v AS INTEGER)) FROM t") == sum_to(20000));
    db.exec("COMMIT");
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    db.exec(insert_rows(15001, 25000));  // overwrites 5,000 rows, adds 5,000
    db.exec("DELETE FROM t WHERE k > 24000");
    REQUIRE(db.query_int("SELECT count(*) FROM t") == 24000);
  }
  SqliteDb plain(path, SqliteDb::Mode::kReadWriteCreate);  // the default VFS, from the files
  REQUIRE(plain.query_int("SELECT count(*) FROM t") == 24000);
  REQUIRE(plain.query_int("SELECT sum(CAST(v AS INTEGER)) FROM t") == sum_to(24000));
  REQUIRE(plain.query_int("SELECT min(length(v)) FROM t") == 300);
}

namespace {

// Writeback steps of the database's main file and of its WAL (kFcntlPaceSteps).
std::pair<sqlite3_int64, sqlite3_int64> pace_steps(SqliteDb& db) {
  sqlite3_int64 main_steps = -1, wal_steps = -1;
  REQUIRE(sqlite3_file_control(db.handle(), "main", kFcntlPaceSteps, &main_steps) == SQLITE_OK);
  sqlite3_file* wal = nullptr;
  REQUIRE(sqlite3_file_control(db.handle(), "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) ==
          SQLITE_OK);
  REQUIRE(wal != nullptr);
  REQUIRE(wal->pMethods->xFileControl(wal, kFcntlPaceSteps, &wal_steps) == SQLITE_OK);
  return {main_steps, wal_steps};
}

void open_like_the_key_space(SqliteDb& db) {
  db.exec("PRAGMA journal_mode=WAL");
  db.exec("PRAGMA synchronous=NORMAL");
  db.exec("PRAGMA wal_autocheckpoint=0");  // the test checkpoints by hand
}

}  // namespace

TEST_CASE("paced VFS: the WAL and then the main file are written back in 512 KiB steps",
          "[sqlite][vfs]") {
  test::TempDir dir;
  REQUIRE(paced_vfs_name() != nullptr);
  SqliteDb db(dir.file("keys.db"), SqliteDb::Mode::kReadWriteCreate, paced_vfs_name());
  open_like_the_key_space(db);
  db.exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB)");
  REQUIRE(pace_steps(db) == std::pair<sqlite3_int64, sqlite3_int64>{0, 0});
  db.exec(insert_rows(1, 8000));  // ~2.6 MB of rows: ~2.7 MB of WAL frames
  auto [main_before, wal_steps] = pace_steps(db);
  INFO("WAL steps " << wal_steps);
  REQUIRE(main_before == 0);  // nothing reaches the main file before a checkpoint
  REQUIRE(wal_steps >= 4);
  REQUIRE(wal_steps <= 6);
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");  // ~2.6 MB copied into the main file
  auto [main_steps, wal_after] = pace_steps(db);
  INFO("main steps " << main_steps);
  REQUIRE(main_steps >= 4);
  REQUIRE(main_steps <= 6);
  REQUIRE(wal_after == wal_steps);  // a checkpoint reads the WAL, then truncates it
}

TEST_CASE("paced VFS: what it writes reads back after reopening; the raft log's VFS does not pace",
          "[sqlite][vfs]") {
  test::TempDir dir;
  const std::string path = dir.file("keys.db");
  {
    SqliteDb db(path, SqliteDb::Mode::kReadWriteCreate, paced_vfs_name());
    open_like_the_key_space(db);
    db.exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB)");
    db.exec(insert_rows(1, 8000));
    db.exec("PRAGMA wal_checkpoint(PASSIVE)");
    db.exec(insert_rows(4001, 9000));  // overwrites 4,000 rows in the WAL, adds 1,000
  }
  SqliteDb plain(path, SqliteDb::Mode::kReadWriteCreate);  // the default VFS, from the files
  REQUIRE(plain.query_int("SELECT count(*) FROM t") == 9000);
  REQUIRE(plain.query_int("SELECT sum(CAST(v AS INTEGER)) FROM t") == sum_to(9000));

  SqliteDb log(dir.file("log.db"), SqliteDb::Mode::kReadWriteCreate, coalescing_vfs_name());
  open_like_the_raft_log(log);
  log.exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB)");
  log.exec(insert_rows(1, 8000));
  REQUIRE(pace_steps(log) == std::pair<sqlite3_int64, sqlite3_int64>{0, 0});
}
