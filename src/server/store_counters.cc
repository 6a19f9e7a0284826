#include "server/store_counters.h"

namespace larch::server {

void StoreCounters::count_apply(store::OpType op, bool success, size_t expired_events) {
  using store::OpType;
  int ok_slot;
  switch (op) {
    case OpType::kSet:
      ok_slot = kSetsOk;
      break;
    case OpType::kCreate:
    case OpType::kCreateInOrder:
      ok_slot = kCreateOk;
      break;
    case OpType::kUpdate:
      ok_slot = kUpdateOk;
      break;
    case OpType::kCompareAndSwap:
      ok_slot = kCasOk;
      break;
    case OpType::kDelete:
      ok_slot = kDeleteOk;
      break;
    case OpType::kCompareAndDelete:
      ok_slot = kCadOk;
      break;
    case OpType::kExpire:
      c_[kExpire].fetch_add(expired_events, std::memory_order_relaxed);
      return;
    default:
      return;
  }
  // Each failure slot directly follows its success slot.
  c_[success ? ok_slot : ok_slot + 1].fetch_add(1, std::memory_order_relaxed);
}

void StoreCounters::count_get(bool success) {
  c_[success ? kGetsOk : kGetsFail].fetch_add(1, std::memory_order_relaxed);
}

http::StoreCounters StoreCounters::snapshot() const {
  auto v = [&](Slot s) { return c_[s].load(std::memory_order_relaxed); };
  return http::StoreCounters{v(kGetsOk),   v(kGetsFail),   v(kSetsOk),   v(kSetsFail),
                             v(kDeleteOk), v(kDeleteFail), v(kUpdateOk), v(kUpdateFail),
                             v(kCreateOk), v(kCreateFail), v(kCasOk),    v(kCasFail),
                             v(kCadOk),    v(kCadFail),    v(kExpire)};
}

}  // namespace larch::server
