// Throughput smoke check (hidden: run with `test_store [.perf]`). Not part of the normal run
// because timings depend on the machine.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>

#include "store_test_util.h"

using namespace larch::store;
using namespace larch::store::test;

TEST_CASE("apply throughput in batches of 64", "[.perf]") {
  StoreFixture f;
  constexpr int kBatches = 1000, kBatch = 64;
  auto start = std::chrono::steady_clock::now();
  uint64_t raft = 0;
  for (int b = 0; b < kBatches; ++b) {
    f.store->begin_batch();
    for (int i = 0; i < kBatch; ++i) {
      Command c =
          cmd(OpType::kSet,
              "/bench/d" + std::to_string(i % 16) + "/k" + std::to_string((b * kBatch + i) % 5000),
              "value-" + std::to_string(i));
      f.store->apply(++raft, c);
    }
    f.store->commit_batch();
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "applied " << kBatches * kBatch / secs << " writes/s\n";
  CHECK(f.index() == static_cast<uint64_t>(kBatches * kBatch));
  if (getenv("LARCH_PERF_WRITES_ONLY")) return;
  start = std::chrono::steady_clock::now();
  constexpr int kGets = 100000;
  for (int i = 0; i < kGets; ++i) {
    auto g = f.reader->get("/bench/d" + std::to_string(i % 16) + "/k" + std::to_string(i % 5000),
                           false, false, kNow);
    REQUIRE(g.error_code == 0);
  }
  secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "get " << kGets / secs << " reads/s\n";
}
