#pragma once
// A pool of read-only key-space connections shared by the I/O threads (a reader is used by
// one thread at a time). Thread-safe.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/key_reader.h"

namespace larch::server {

class ReaderPool {
 public:
  explicit ReaderPool(std::string path) : path_(std::move(path)) {}

  // Runs f(KeyReader&) with a reader taken from the pool (opened on demand).
  template <typename F>
  auto with_reader(F&& f) {
    std::unique_ptr<store::KeyReader> r = acquire();
    struct Return {
      ReaderPool* pool;
      std::unique_ptr<store::KeyReader>* r;
      ~Return() { pool->release(std::move(*r)); }
    } guard{this, &r};
    return f(*r);
  }

 private:
  std::unique_ptr<store::KeyReader> acquire();
  void release(std::unique_ptr<store::KeyReader> r);

  std::string path_;
  std::mutex mu_;
  std::vector<std::unique_ptr<store::KeyReader>> free_;
};

}  // namespace larch::server
