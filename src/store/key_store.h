#pragma once
// The key space: in memory (live(): nodes, TTL index, newest events), and in SQLite (keys.db:
// nodes, event history, replicated membership and applied_index/applied_term/conf_index).
// Apply changes memory at once and queues the file's writes per batch; flush() writes the
// queued batches in one transaction, on whatever thread calls it (the server's keys.db
// writer), so SQLite never sits on the apply path. GETs, watches and the applier's own
// lookups read memory (watch replay reads the file for what memory no longer holds).
// Apply never reads a clock: all times come in the Command. Crash-safe: after a crash,
// replay from the file's applied_index()+1 (the raft log holds every applied entry after the
// file's position until sync() has made the file durable).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/auth_state.h"
#include "store/command.h"
#include "store/event.h"
#include "store/live_key_space.h"
#include "store/member_peers.h"

namespace larch::store {

struct ApplyResult {
  int error_code = 0;       // 0 = success, else the etcd errorCode (100..108)
  int http_status = 200;    // 200/201 on success; v2_error_status(code) otherwise
  uint64_t etcd_index = 0;  // store index after the command (errors: current index)
  std::string action;       // "set", "create", "update", "compareAndSwap", "delete", ...
  std::string body;         // full response body: event JSON or error JSON, ending in '\n'
  // Events to publish to watchers (empty for errors, refreshes and kInternal;
  // several for one kExpire). Event::json is the body a watcher receives.
  std::vector<Event> events;
  // TTL bookkeeping for the timing wheel: keys whose expiration was set by this command.
  std::vector<std::pair<std::string, int64_t>> ttl_set;
  // kInternal carrying a member's attributes: (member id, attributes JSON).
  std::optional<std::pair<uint64_t, std::string>> member_attributes;
  // kInternal that changed the member set (conf-change payloads): raftAttributes gives
  // {id, the value, removed=false}; removed_members gives {id, last known peer URLs JSON or
  // "", removed=true}. Unset for entries at or below conf_index() (already reflected).
  std::optional<MemberPeers> member_peers;
  // kInternal carrying an auth record (store/auth_table.h) that changed the auth state.
  bool auth_changed = false;
};

class KeyStore {
 public:
  // Opens or creates the key-space database at path (WAL mode). history_limit = number of
  // most recent events kept in the event table. Throws std::runtime_error with a clear
  // message on a corrupt or foreign file.
  static std::unique_ptr<KeyStore> open(const std::string& path, uint64_t history_limit);
  ~KeyStore();

  // The applied key space for readers (any thread; it outlives nothing: keep the store).
  const LiveKeySpace& live() const;

  uint64_t applied_index() const;  // last raft index applied (0 on a fresh store)
  // Last raft index whose batch is in the file (<= applied_index()). Any thread.
  uint64_t flushed_index() const;
  // Raft term of the entry at applied_index() as last recorded by the 3-argument apply/skip
  // or an installed snapshot (0 on a fresh store; unchanged by the 2-argument overloads).
  uint64_t applied_term() const;
  uint64_t etcd_index() const;  // current etcd index
  // The member_peers table already reflects every membership change (raftAttributes /
  // removed_members internal command) up to this raft index: apply() leaves the table alone
  // for such commands at or below it (they still consume their etcd index). 0 on a fresh
  // store; set by seed_member_peers() or an installed snapshot, never by apply().
  uint64_t conf_index() const;

  void begin_batch();  // start a batch (apply thread)
  // Applies cmd as raft entry raft_index (inside the batch; opens one if needed). An entry
  // with raft_index <= applied_index() (replay overlap) is ignored: empty result. Throws
  // std::runtime_error on a SQLite failure; the store must then be abandoned (fail fast).
  // raft_term is the entry's term; it becomes applied_term() and is persisted with
  // applied_index in the same transaction (commit_batch), so a snapshot of the key space
  // always knows the (index, term) it corresponds to.
  // want_body = false: see Applier::apply (the proposing member alone renders the answer).
  ApplyResult apply(uint64_t raft_index, uint64_t raft_term, const Command& cmd,
                    bool want_body = true);
  // Marks raft_index (of term raft_term) applied without changing the key space (no-op /
  // conf-change entries). Ignored when raft_index <= applied_index().
  void skip(uint64_t raft_index, uint64_t raft_term);
  // Legacy overloads: as above but leave applied_term() unchanged.
  ApplyResult apply(uint64_t raft_index, const Command& cmd);
  void skip(uint64_t raft_index);
  // Ends the batch: queues its file writes for flush(); no-op if none open.
  void commit_batch();
  // Writes every queued batch to the file in one transaction (with the meta rows of the last,
  // and the history trimmed to history_limit); then calls `committed` (e.g. to refresh
  // readers' snapshots), then drops the flushed batches from live().history(). False if
  // nothing was queued. Any thread; serialised with every other use of the file. Throws
  // std::runtime_error on a SQLite failure: abandon the store (fail fast; the log replays).
  bool flush(const std::function<void()>& committed = {});

  // flush(committed) that also makes the file durable (fsync): the raft log up to the last
  // batch committed before the call may then be dropped. Any thread, like flush() (a batch
  // still open is not part of it). Costs one fsync; called once per log compaction.
  void sync(const std::function<void()>& committed = {});
  // Destroying the store discards an open batch (as a crash would) and flushes queued ones.

  // Replaces the whole key space (nodes, history, members, meta) with the image file at
  // `image_path`, a key-space database written by write_snapshot_image() (snapshot_image.h)
  // on the leader and streamed here. Apply thread, outside a batch (std::logic_error
  // otherwise). Queued batches are flushed first. The file stays the caller's to remove
  // (it is changed: the checks below normalise it in place).
  // - The image is validated first (SQLite header, Larch key-space application_id / format
  //   version, integrity, tables, meta rows). Any problem: returns the error message and the
  //   store is untouched.
  // - Then the live file is overwritten in ONE write transaction (SQLite backup API), so
  //   other connections (KeyReader, WAL) see either the old or the new key space, never a
  //   mix. The commit is fsynced before returning; applied_index(), applied_term(),
  //   etcd_index(), conf_index() and member_peers() then report the image's values.
  // - Throws std::runtime_error if writing the live file fails (the transaction is rolled
  //   back; treat it like a failed apply: fail fast).
  // Memory: SQLite's page caches, whatever the image's size.
  // Returns std::nullopt on success. The caller must then make readers drop their open
  // read snapshots (server::ReaderPool generation bump) and rebuild anything derived from
  // the key space (TTL timing wheel from ttl_nodes(), member attributes and peers,
  // watchers).
  std::optional<std::string> install_snapshot_file(const std::string& image_path);

  // The applied v2 auth state (users, roles, enabled), replaced as a whole whenever an auth
  // record is applied or a snapshot installed. Any thread; never null.
  std::shared_ptr<const auth::AuthState> auth_state() const;
  // auth_state()->enabled without the shared_ptr traffic (the per-request check). Any thread.
  bool auth_enabled() const;

  // Every node with a TTL: (key, expiration_ns); used to rebuild the timing wheel at startup.
  std::vector<std::pair<std::string, int64_t>> ttl_nodes() const;
  // Earliest expiration_ns of any node, if any node has a TTL.
  std::optional<int64_t> next_expiration() const;
  // Every member's last published attributes JSON, by member id.
  std::vector<std::pair<uint64_t, std::string>> member_attributes() const;
  // Every member ever added (removed ones flagged), sorted by id.
  std::vector<MemberPeers> member_peers() const;
  // Startup only, outside a batch (std::logic_error otherwise): replaces the whole
  // member_peers table with `members` and sets conf_index() to conf_index, in one
  // transaction that is durable (fsynced) when this returns. Used by a member joining a
  // running cluster, which learns the member set as of conf_index from a peer. Throws
  // std::runtime_error on a SQLite failure (the transaction is rolled back).
  void seed_member_peers(const std::vector<MemberPeers>& members, uint64_t conf_index);

 private:
  struct Impl;
  explicit KeyStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace larch::store
