#pragma once
// /v2/stats/store counters. Writes are counted on the raft thread as they are applied, gets
// where they are served; readers anywhere. Counts only what happened (etcd's phantom
// getsFail per request is not reproduced, see docs/compatibility.md).
#include <atomic>
#include <cstdint>

#include "http/kv_service.h"
#include "store/command.h"

namespace larch::server {

class StoreCounters {
 public:
  void count_apply(store::OpType op, bool success, size_t expired_events);
  void count_get(bool success);
  http::StoreCounters snapshot() const;

 private:
  enum Slot {
    kGetsOk,
    kGetsFail,
    kSetsOk,
    kSetsFail,
    kDeleteOk,
    kDeleteFail,
    kUpdateOk,
    kUpdateFail,
    kCreateOk,
    kCreateFail,
    kCasOk,
    kCasFail,
    kCadOk,
    kCadFail,
    kExpire,
    kSlots
  };
  std::atomic<uint64_t> c_[kSlots] = {};
};

}  // namespace larch::server
