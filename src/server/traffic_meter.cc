#include "server/traffic_meter.h"

namespace larch::server {

namespace {
constexpr int64_t kSecond = 1'000'000'000;
}

void TrafficMeter::roll(int64_t second) {
  if (second == second_) return;
  if (second == second_ + 1) {
    prev_msgs_ = cur_msgs_;
    prev_bytes_ = cur_bytes_;
  } else {
    prev_msgs_ = prev_bytes_ = 0;  // a silent second (or more) in between
  }
  cur_msgs_ = cur_bytes_ = 0;
  second_ = second;
}

void TrafficMeter::add(uint64_t messages, uint64_t bytes, int64_t now_ns) {
  std::lock_guard lock(mu_);
  int64_t second = now_ns / kSecond;
  if (second > second_) roll(second);
  total_ += messages;
  cur_msgs_ += messages;
  cur_bytes_ += bytes;
}

TrafficRates TrafficMeter::read(int64_t now_ns) const {
  std::lock_guard lock(mu_);
  int64_t second = now_ns / kSecond;
  TrafficRates r;
  r.count = total_;
  // The last complete second is second-1: that is cur_* if no message came since, else prev_*.
  if (second == second_ + 1) {
    r.pkg_rate = static_cast<double>(cur_msgs_);
    r.bandwidth_rate = static_cast<double>(cur_bytes_);
  } else if (second == second_) {
    r.pkg_rate = static_cast<double>(prev_msgs_);
    r.bandwidth_rate = static_cast<double>(prev_bytes_);
  }
  return r;
}

}  // namespace larch::server
