// Crash safety, replay idempotence and rejection of foreign / corrupt / newer files.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "store/schema.h"
#include "store/sqlite_log_storage.h"
#include "store_test_util.h"

using namespace larch::store;
using namespace larch::store::test;

namespace {

void sql(const std::string& path, const std::string& statements) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, statements.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

std::string open_error(const std::string& path) {
  try {
    KeyStore::open(path, 10);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("an uncommitted batch is lost on crash; replay resumes at applied_index+1", "[files]") {
  TempDir dir;
  std::string path = dir.file("kv.db");
  {
    auto store = KeyStore::open(path, 100);
    store->begin_batch();
    store->apply(1, cmd(OpType::kSet, "/a", "1"));
    store->skip(2);
    store->commit_batch();
    REQUIRE(store->applied_index() == 2);
    store->begin_batch();
    store->apply(3, cmd(OpType::kSet, "/b", "2"));
    REQUIRE(store->applied_index() == 3);
    // destroyed without commit_batch: as if the process died here
  }
  auto store = KeyStore::open(path, 100);
  REQUIRE(store->applied_index() == 2);
  REQUIRE(store->etcd_index() == 1);
  auto reader = KeyReader::open(path);
  REQUIRE(reader->get("/b", false, false, kNow).error_code == 100);
  REQUIRE(reader->find_event("/b", false, 1, 10).kind == HistoryResult::Kind::kNone);
  // entries at or below applied_index are ignored (replay overlap)
  store->begin_batch();
  REQUIRE(store->apply(2, cmd(OpType::kSet, "/c", "x")).events.empty());
  auto r = store->apply(3, cmd(OpType::kSet, "/b", "2"));
  REQUIRE(r.etcd_index == 2);
  store->commit_batch();
  store->flush();
  reader->end_snapshot();
  REQUIRE(reader->get("/c", false, false, kNow).error_code == 100);
  REQUIRE(reader->get("/b", false, false, kNow).etcd_index == 2);
}

TEST_CASE("TTL nodes survive reopening for the timing wheel", "[files]") {
  TempDir dir;
  std::string path = dir.file("kv.db");
  {
    auto store = KeyStore::open(path, 100);
    Command c = cmd(OpType::kSet, "/t", "v");
    c.expiration_ns = kNow + kSec;
    store->begin_batch();
    store->apply(1, c);
    store->commit_batch();
  }
  auto store = KeyStore::open(path, 100);
  REQUIRE(store->ttl_nodes() == std::vector<std::pair<std::string, int64_t>>{{"/t", kNow + kSec}});
  REQUIRE(store->next_expiration() == kNow + kSec);
}

TEST_CASE("foreign, corrupt and newer files are rejected with a clear error", "[files]") {
  TempDir dir;
  SECTION("not a SQLite file") {
    std::string path = dir.file("text.db");
    std::ofstream(path) << std::string(4096, 'x');
    REQUIRE_THAT(open_error(path), Catch::Contains("not a SQLite database"));
    REQUIRE_THROWS_AS(KeyReader::open(path), std::runtime_error);
    REQUIRE_THROWS_AS(SqliteLogStorage(path), std::runtime_error);
  }
  SECTION("another program's SQLite database") {
    std::string path = dir.file("other.db");
    sql(path, "CREATE TABLE t(x); INSERT INTO t VALUES(1);");
    REQUIRE_THAT(open_error(path), Catch::Contains("another program"));
    REQUIRE_THROWS_AS(SqliteLogStorage(path), std::runtime_error);
  }
  SECTION("a newer format") {
    std::string path = dir.file("kv.db");
    KeyStore::open(path, 10);
    sql(path, "PRAGMA user_version=99;");
    REQUIRE_THAT(open_error(path), Catch::Contains("newer"));
    REQUIRE_THROWS_AS(KeyReader::open(path), std::runtime_error);
  }
  SECTION("the raft log file is not a key space, and vice versa") {
    std::string log = dir.file("log.db"), kv = dir.file("kv.db");
    { SqliteLogStorage s(log); }
    REQUIRE_THAT(open_error(log), Catch::Contains("raft log"));
    KeyStore::open(kv, 10);
    REQUIRE_THROWS_WITH(SqliteLogStorage(kv), Catch::Contains("key-space"));
  }
  SECTION("a reader needs an existing, initialised key space") {
    REQUIRE_THROWS_AS(KeyReader::open(dir.file("missing.db")), std::runtime_error);
  }
}

TEST_CASE("new files get their format's page size; a 4 KiB key space of an older build works",
          "[files]") {
  TempDir dir;
  std::string kv = dir.file("kv.db"), log = dir.file("log.db");
  KeyStore::open(kv, 10);
  { SqliteLogStorage s(log); }
  REQUIRE(file_page_size(kv) == kKeySpaceFormat.page_size);
  REQUIRE(kKeySpaceFormat.page_size == 16384);
  REQUIRE(file_page_size(log) == 4096);

  rebuild_with_page_size(kv, 4096);
  {
    auto store = KeyStore::open(kv, 10);
    store->begin_batch();
    for (uint64_t i = 1; i <= 50; ++i) {
      store->apply(i, 1, cmd(OpType::kSet, "/k/" + std::to_string(i), std::string(500, 'v')));
    }
    store->commit_batch();
    store->flush();
  }
  REQUIRE(file_page_size(kv) == 4096);  // an existing file keeps its pages
  // A scratch copy left by a crash during a snapshot install is removed at open.
  std::ofstream(kv + ".pages") << "partial copy";
  std::ofstream(kv + ".pages-journal") << "x";
  auto store = KeyStore::open(kv, 10);
  REQUIRE_FALSE(std::filesystem::exists(kv + ".pages"));
  REQUIRE_FALSE(std::filesystem::exists(kv + ".pages-journal"));
  REQUIRE(store->applied_index() == 50);
  auto reader = KeyReader::open(kv);
  REQUIRE(reader->get("/k/50", false, false, kNow).body.find(std::string(500, 'v')) !=
          std::string::npos);
}
