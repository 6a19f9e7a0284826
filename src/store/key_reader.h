#pragma once
// Read-only view of the key space on its own SQLite connection (WAL: readers never block the
// writer). Not thread-safe itself: one thread at a time.
//
// Snapshot contract: each call runs in the reader's current read snapshot, which stays open
// across calls (so repeated reads of an unchanged store take no locks) until end_snapshot().
// The owner must call end_snapshot() whenever the store may have changed and the caller needs
// to see it (server::ReaderPool does so on every committed batch).
#include <cstdint>
#include <memory>
#include <string>

namespace larch::store {

struct GetResult {
  int error_code = 0;  // 0 or 100/104
  int http_status = 200;
  uint64_t etcd_index = 0;  // index the read saw (X-Etcd-Index; error "index")
  std::string body;         // {"action":"get","node":...}\n  or the error JSON
};

struct HistoryResult {
  enum class Kind { kFound, kNone, kCleared } kind = Kind::kNone;
  std::string json;     // kFound: the event JSON (ends in '\n')
  uint64_t index = 0;   // kFound: its index
  uint64_t oldest = 0;  // kCleared: oldest retained event index (for the 401 cause)
};

class KeyReader {
 public:
  static std::unique_ptr<KeyReader> open(const std::string& path);
  ~KeyReader();

  // GET semantics of §3.1: file, directory listing (hidden children omitted), recursive,
  // sorted (byte order), root without key/indexes; ttl rendered against now_ns (ceil).
  // The server answers GETs from LiveKeySpace; this is keys.db's own view of the same
  // answer, which the store tests hold the in-memory one to.
  GetResult get(const std::string& key, bool recursive, bool sorted, int64_t now_ns);

  // The first event with from <= index <= to that a watcher on key (recursive or not) would
  // receive, matching exactly as a live watcher does (§5.2, with the replay bugs fixed:
  // hidden keys below key are skipped for recursive watches; ancestor removals match by
  // path component, not string prefix). kCleared when from < oldest retained index, so pass
  // from >= 1. Refresh and internal entries are never returned. Shared rules: watch_match.h.
  HistoryResult find_event(const std::string& key, bool recursive, uint64_t from, uint64_t to);

  uint64_t etcd_index();

  // Closes the current read snapshot; the next call starts a fresh one.
  void end_snapshot();

 private:
  struct Impl;
  explicit KeyReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace larch::store
