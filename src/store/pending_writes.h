#pragma once
// The keys.db writes of applied batches that are not in the file yet, in apply order. The
// applier changes the in-memory key space at once and records here what the nodes and
// events tables must do to follow; KeyStore::flush replays whole batches into the file in one
// transaction, together with the meta row of the last one. Losing them in a crash is safe:
// the file's applied_index stays at the last flushed batch and the raft log replays the rest.
//
// Layout: fixed-size op records plus one byte buffer holding every key, value and event JSON,
// so recording a write allocates nothing in the steady state (the apply thread records, the
// keys.db writer frees: per-string allocations would cross threads by the thousand).
// Not thread-safe (KeyStore hands batches between threads under its own lock).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/event.h"
#include "store/history_table.h"
#include "store/key_reader.h"
#include "store/node_row.h"
#include "store/node_table.h"

namespace larch::store {

class PendingWrites {
 public:
  // The raft / etcd position the file reaches once every write recorded so far is flushed.
  struct Position {
    uint64_t applied_index = 0;
    uint64_t applied_term = 0;
    uint64_t etcd_index = 0;
  };

  PendingWrites() = default;
  // Room for about as much as `like` holds (a batch is usually the size of the last one).
  explicit PendingWrites(const PendingWrites& like, int);

  void put(const NodeRow& n);
  void set_value(std::string_view key, std::string_view value, uint64_t modified,
                 std::optional<int64_t> expiration);
  void set_expiration(std::string_view key, std::optional<int64_t> expiration);
  void remove(std::string_view key);          // one row
  void remove_subtree(std::string_view key);  // the row and every row below it
  void append_event(HistoryKind kind, const Event& e);

  void set_position(const Position& p) { position_ = p; }
  const Position& position() const { return position_; }
  // Memory the batch holds (its records and bytes), for the write queue's bound.
  size_t footprint() const { return ops_.capacity() * sizeof(Op) + bytes_.capacity(); }

  // The first recorded kEvent in [from, to] that reaches a watcher on key (watch_matches):
  // true with out filled (kFound), else false.
  bool find_event(std::string_view key, bool recursive, uint64_t from, uint64_t to,
                  HistoryResult& out) const;

  // Replays every recorded write, in order (inside the caller's transaction).
  void write_to(NodeTable& nodes, HistoryTable& history) const;
  // Replays `batches` in order, as write_to each would, but skips the node writes a later one
  // in the same call makes moot: any write to a key followed by a put or removal of that very
  // key, and a value or expiration change followed by a value change of it. The tables end
  // up the same (each of those later writes sets every column the skipped ones did, and no
  // skipped write touches another row); a key written many times between flushes (a hot key,
  // a TTL refreshed every few seconds) costs one row write per flush.
  static void write_all(const std::vector<const PendingWrites*>& batches, NodeTable& nodes,
                        HistoryTable& history);

 private:
  enum class Kind : uint8_t { kPut, kSetValue, kSetExpiration, kRemove, kRemoveSubtree, kEvent };
  struct Span {
    uint32_t offset = 0, size = 0;
  };
  struct Op {
    Kind kind;
    bool dir = false;      // kPut: directory; kEvent: the node is a directory
    bool removal = false;  // kEvent
    HistoryKind history = HistoryKind::kEvent;
    std::optional<int64_t> expiration;
    uint64_t created = 0;   // kPut
    uint64_t modified = 0;  // kPut, kSetValue; kEvent: the index
    Span key, data;         // data: value (kPut, kSetValue) or event JSON (kEvent)
  };

  Op& add(Kind kind, std::string_view key, std::string_view data = {});
  void write_op(const Op& op, NodeTable& nodes, HistoryTable& history) const;
  std::string_view view(Span s) const { return std::string_view(bytes_).substr(s.offset, s.size); }

  std::vector<Op> ops_;
  std::string bytes_;
  Position position_;
};

}  // namespace larch::store
