#pragma once
// Shared helpers for the store tests: temp dirs, a store+reader fixture, index templating.
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "store/command.h"
#include "store/key_reader.h"
#include "store/key_store.h"

namespace larch::store::test {

// 2023-11-14T22:13:20Z
constexpr int64_t kNow = 1'700'000'000'000'000'000;
constexpr int64_t kSec = 1'000'000'000;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/larch-store-test-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

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
    reader->end_snapshot();  // as server::ReaderPool does after every committed batch
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

  TempDir dir;
  std::string path;
  std::unique_ptr<KeyStore> store;
  std::unique_ptr<KeyReader> reader;
  uint64_t raft_index = 0;
};

}  // namespace larch::store::test
