#pragma once
// The replicated command: the payload of one raft log entry. Built at the HTTP edge
// (all clock reads happen there), applied deterministically by KeyStore on every member.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace larch::store {

enum class OpType : uint8_t {
  kSet = 1,               // PUT, no conditions (operation table row 5)
  kCreate = 2,            // PUT prevExist=false
  kUpdate = 3,            // PUT prevExist=true, no prevValue / prevIndex
  kCompareAndSwap = 4,    // PUT with prevValue and/or prevIndex>0
  kDelete = 5,            // DELETE without conditions
  kCompareAndDelete = 6,  // DELETE with prevValue and/or prevIndex>0
  kCreateInOrder = 7,     // POST: child named by the new etcd index, 20 digits
  kExpire = 8,            // TTL sweep: delete every node whose expiration <= now_ns
  kInternal = 9,          // internal bookkeeping (member added / attributes / version):
                          // consumes one etcd index, invisible to /v2/keys and to watches
};

struct Command {
  OpType op = OpType::kSet;
  std::string key;  // normalised absolute key: "/", "/a", "/a/b" (no trailing slash)
  std::string value;
  bool dir = false;
  bool recursive = false;  // DELETE only
  bool refresh = false;    // keep the current value, only change the TTL; no watch event
  std::optional<std::string> prev_value;  // present and non-empty when given
  uint64_t prev_index = 0;                // 0 = no condition
  std::optional<int64_t> expiration_ns;   // absolute Unix ns; nullopt = permanent
  int64_t now_ns = 0;       // proposer's clock: renders "ttl", and is the sweep time of kExpire
  uint64_t request_id = 0;  // (member id, counter) hash so the proposer can complete it; 0 = none
};

// Compact, versioned binary encoding (first byte = format version).
std::string encode_command(const Command& cmd);
// nullopt on malformed or unknown-version input.
std::optional<Command> decode_command(std::string_view bytes);

}  // namespace larch::store
