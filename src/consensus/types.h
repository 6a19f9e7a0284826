#pragma once
// Plain data exchanged with RaftCore. No behaviour here.
#include <cstdint>
#include <string>
#include <vector>

namespace larch::consensus {

using NodeId = uint64_t;  // 0 = none
constexpr NodeId kNoNode = 0;

enum class EntryType : uint8_t { kNormal = 0, kConfChange = 1 };

struct Entry {
  uint64_t term = 0;
  uint64_t index = 0;
  EntryType type = EntryType::kNormal;
  std::string data;  // empty data on a normal entry = the no-op a new leader appends
  bool operator==(const Entry&) const = default;
};

// Must be persisted (fsync) before any message of the same Ready is sent.
struct HardState {
  uint64_t term = 0;
  NodeId vote = kNoNode;
  uint64_t commit = 0;
  bool operator==(const HardState&) const = default;
};

enum class Role : uint8_t { kFollower, kPreCandidate, kCandidate, kLeader };

}  // namespace larch::consensus
