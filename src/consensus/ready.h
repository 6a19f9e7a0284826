#pragma once
// What RaftCore hands to its driver. The driver must, in this order:
//   1. persist hard_state (if set) and entries with LogStorage::persist (one fsync); then,
//      if `snapshot` is set, install its image into the state machine and call
//      LogStorage::install_snapshot(index, term) (both durable; this drops every entry),
//   2. send messages (only now: votes and acks promise durable state),
//   3. apply committed_entries in order, serve read_states once applied >= index,
//   4. call RaftCore::advance(ready).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "consensus/message.h"
#include "consensus/types.h"

namespace larch::consensus {

// Volatile state worth reporting (not persisted).
struct SoftState {
  NodeId leader = kNoNode;
  Role role = Role::kFollower;
  uint64_t term = 0;
  bool operator==(const SoftState&) const = default;
};

// A confirmed linearizable read point: once the local state machine applied `index`,
// the read identified by `context` may be served (Raft thesis §6.4).
struct ReadState {
  uint64_t index = 0;
  std::string context;
  bool operator==(const ReadState&) const = default;
};

// A snapshot received from the leader, to install (follower side).
struct SnapshotToInstall {
  uint64_t index = 0;
  uint64_t term = 0;
  std::string image;
  bool operator==(const SnapshotToInstall&) const = default;
};

struct Ready {
  std::optional<SnapshotToInstall> snapshot;  // install after persisting (see above)
  std::optional<SoftState> soft_state;        // set when it changed since the previous Ready
  std::optional<HardState> hard_state;        // set when it changed; persist with `entries`
  std::vector<Entry> entries;                 // to append to the stable log
  std::vector<Message> messages;              // to send after persisting
  std::vector<Entry> committed_entries;       // to apply, in index order
  std::vector<ReadState> read_states;         // confirmed read points for local read_index calls
};

}  // namespace larch::consensus
