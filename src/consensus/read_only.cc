#include "consensus/read_only.h"

#include <algorithm>
#include <charconv>
#include <functional>

namespace larch::consensus {

uint64_t ReadOnly::start_round() {
  uint64_t id = next_round_++;
  rounds_.push_back({id, std::move(unsent_)});
  unsent_.clear();
  return id;
}

void ReadOnly::ack(NodeId from, uint64_t round) {
  uint64_t& acked = acked_[from];
  acked = std::max(acked, round);
}

std::vector<ReadRequest> ReadOnly::take_confirmed(const std::vector<NodeId>& voters, NodeId self,
                                                  size_t quorum) {
  std::vector<ReadRequest> out;
  if (rounds_.empty() || quorum == 0 || quorum > voters.size()) return out;
  std::vector<uint64_t> acked;
  for (NodeId v : voters) {
    auto it = acked_.find(v);
    acked.push_back(v == self ? UINT64_MAX : (it == acked_.end() ? 0 : it->second));
  }
  std::sort(acked.begin(), acked.end(), std::greater<>());
  uint64_t confirmed = acked[quorum - 1];
  while (!rounds_.empty() && rounds_.front().id <= confirmed) {
    for (ReadRequest& r : rounds_.front().requests) out.push_back(std::move(r));
    rounds_.pop_front();
  }
  return out;
}

void ReadOnly::reset() {
  unsent_.clear();
  rounds_.clear();
  acked_.clear();
}

uint64_t ReadOnly::decode_round(const std::string& context) {
  uint64_t v = 0;
  const char* end = context.data() + context.size();
  auto [ptr, ec] = std::from_chars(context.data(), end, v);
  return (ec == std::errc() && ptr == end) ? v : 0;
}

}  // namespace larch::consensus
