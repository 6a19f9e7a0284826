#pragma once
// A pool of read-only key-space connections shared by the I/O threads (a reader is used by
// one thread at a time), for watch history replay (GETs read store::LiveKeySpace).
// Thread-safe.
//
// Readers keep their SQLite read snapshot open between requests (see KeyReader), so a
// read-mostly load takes no lock syscalls. Freshness: the raft thread calls
// store_changed() after every committed batch and before acknowledging any write of it or
// publishing its events; that bumps a generation and ends the snapshots of idle readers.
// PooledReader::fresh() ends a snapshot older than the current generation, so a read that
// starts after a write was acknowledged always sees it.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/key_reader.h"

namespace larch::server {

class ReaderPool {
 public:
  struct PooledReader {
    std::unique_ptr<store::KeyReader> reader;
    uint64_t generation = 0;  // store generation its snapshot may be from
    ReaderPool* pool = nullptr;
    // The reader, with a snapshot no older than the latest committed batch.
    store::KeyReader& fresh();
  };

  explicit ReaderPool(std::string path) : path_(std::move(path)) {}

  // Runs f(PooledReader&) with a reader taken from the pool (opened on demand).
  template <typename F>
  auto with_reader(F&& f) {
    PooledReader r = acquire();
    struct Return {
      ReaderPool* pool;
      PooledReader* r;
      ~Return() { pool->release(std::move(*r)); }
    } guard{this, &r};
    return f(r);
  }

  // Raft thread, after each committed batch: see the class comment.
  void store_changed();

 private:
  PooledReader acquire();
  void release(PooledReader r);

  std::string path_;
  std::atomic<uint64_t> generation_{1};
  std::mutex mu_;
  std::vector<PooledReader> free_;
};

}  // namespace larch::server
