#pragma once
// Shared helpers for the store tests: temp dirs, a store+reader fixture, index templating.
#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include "../temp_dir.h"
#include "../time_units.h"
#include "store/command.h"
#include "store/key_reader.h"
#include "store/key_store.h"
#include "store/sqlite_db.h"

namespace larch::store::test {

// 2023-11-14T22:13:20Z
constexpr int64_t kNow = 1'700'000'000'000'000'000;
using larch::test::kSec;

using larch::testing::TempDir;

// Replaces "$N" (decimal) with base+N, so expected JSON can use relative indexes.
inline std::string at(const std::string& tmpl, uint64_t base) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '$') {
      out += tmpl[i];
      continue;
    }
    uint64_t n = 0;
    while (i + 1 < tmpl.size() && tmpl[i + 1] >= '0' && tmpl[i + 1] <= '9') {
      n = n * 10 + static_cast<uint64_t>(tmpl[++i] - '0');
    }
    out += std::to_string(base + n);
  }
  return out;
}

inline Command cmd(OpType op, std::string key, std::string value = "") {
  Command c;
  c.op = op;
  c.key = std::move(key);
  c.value = std::move(value);
  c.now_ns = kNow;
  return c;
}

// A key of depth 1..3 over a few names (one hidden), so random commands collide.
inline std::string random_key(std::mt19937_64& rng) {
  static const char* const names[] = {"a", "b", "_h", "c"};
  std::string k;
  int depth = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < depth; ++i) k += std::string("/") + names[rng() % 4];
  return k;
}

// A random command at time now: set (file or dir), create, update, CAS, delete, CAD,
// in-order create, expire; a quarter get a TTL of 1 s. index = the store's etcd index.
inline Command random_command(std::mt19937_64& rng, int step, int64_t now, uint64_t index) {
  Command c = cmd(OpType::kSet, random_key(rng), "v" + std::to_string(step));
  c.now_ns = now;
  switch (rng() % 9) {
    case 1:
      c.dir = true;
      c.value.clear();
      break;
    case 2:
      c.op = OpType::kCreate;
      break;
    case 3:
      c.op = OpType::kUpdate;
      break;
    case 4:
      c.op = OpType::kCompareAndSwap;
      c.prev_value = "v" + std::to_string(step - 1);
      break;
    case 5:
      c.op = OpType::kDelete;
      c.recursive = rng() % 2 == 0;
      c.dir = rng() % 2 == 0;
      break;
    case 6:
      c.op = OpType::kCompareAndDelete;
      c.prev_index = index;
      break;
    case 7:
      c.op = OpType::kCreateInOrder;
      c.key = "/q";
      break;
    case 8:
      c.op = OpType::kExpire;
      break;
    default:
      break;
  }
  if (rng() % 4 == 0 && c.op != OpType::kExpire) c.expiration_ns = now + kSec;
  return c;
}

// The page size of the SQLite file at path (closed or open elsewhere).
inline int64_t file_page_size(const std::string& path) {
  SqliteDb db(path, SqliteDb::Mode::kReadOnly);
  return db.query_int("PRAGMA page_size");
}

// Rebuilds the closed key-space file at path with another page size, as a file of an older
// build (4 KiB pages) would be; it goes back to WAL mode when a KeyStore opens it.
inline void rebuild_with_page_size(const std::string& path, int page_size) {
  SqliteDb db(path, SqliteDb::Mode::kReadWriteCreate);
  db.exec("PRAGMA journal_mode=DELETE");  // WAL files cannot change their page size
  db.change_page_size(page_size);
}

struct StoreFixture {
  explicit StoreFixture(uint64_t history_limit = 1000)
      : path(dir.file("kv.db")),
        store(KeyStore::open(path, history_limit)),
        reader(KeyReader::open(path)) {}

  // Applies one command as its own batch.
  ApplyResult run(const Command& c) {
    store->begin_batch();
    ApplyResult r = store->apply(++raft_index, c);
    store->commit_batch();
    // As the server's keys.db writer does: flush, then readers take fresh snapshots.
    if (auto_flush) flush();
    return r;
  }
  ApplyResult set(const std::string& key, const std::string& value = "") {
    return run(cmd(OpType::kSet, key, value));
  }
  ApplyResult mkdir(const std::string& key) {
    Command c = cmd(OpType::kSet, key);
    c.dir = true;
    return run(c);
  }
  // The body of a GET as keys.db renders it (KeyReader). The in-memory key space must render
  // the very same answer (index and status included), so every store test also checks it.
  std::string get(const std::string& key, bool recursive = false, int64_t now = kNow) {
    GetResult file = reader->get(key, recursive, true, now);
    GetResult mem = store->live().get(key, recursive, now);
    if (mem.body != file.body || mem.etcd_index != file.etcd_index ||
        mem.http_status != file.http_status || mem.error_code != file.error_code) {
      throw std::logic_error("in-memory GET differs from keys.db for " + key +
                             ":\n  memory: " + mem.body + "  file:   " + file.body);
    }
    return file.body;
  }
  uint64_t index() const { return store->etcd_index(); }
  bool flush() {
    return store->flush([this] { reader->end_snapshot(); });
  }

  TempDir dir;
  std::string path;
  std::unique_ptr<KeyStore> store;
  std::unique_ptr<KeyReader> reader;
  uint64_t raft_index = 0;
  bool auto_flush = true;  // run() flushes each batch (false: the test flushes)
};

}  // namespace larch::store::test
