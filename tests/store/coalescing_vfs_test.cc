#include "store/coalescing_vfs.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

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
  auto sum_to = [](long long n) { return n * (n + 1) / 2; };
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
