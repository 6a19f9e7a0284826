#include "store/key_store.h"

#include <stdexcept>

#include "store/applier.h"
#include "store/history_table.h"
#include "store/member_table.h"
#include "store/node_table.h"
#include "store/schema.h"
#include "store/sqlite_db.h"

namespace larch::store {

// Durability note: the key-space file runs with journal_mode=WAL and synchronous=NORMAL.
// A power loss can drop the last committed batches, but never corrupts the file, and the
// lost batches are exactly those after the persisted applied_index: the raft log (its own
// file, synchronous=FULL) is the durable source, and the node replays from
// applied_index()+1. Nodes, history and applied_index share one transaction per batch, so
// they can never disagree.
struct KeyStore::Impl {
  Impl(const std::string& path, uint64_t limit)
      : db(path, SqliteDb::Mode::kReadWriteCreate), history_limit(limit) {
    ensure_format(db, kKeySpaceFormat, true);
    db.exec("PRAGMA journal_mode=WAL");
    db.exec("PRAGMA synchronous=NORMAL");
    // Fewer, larger checkpoints (each one fsyncs the main file) and a page cache that holds
    // the hot part of the key space.
    db.exec("PRAGMA wal_autocheckpoint=8192");
    db.exec("PRAGMA cache_size=-65536");
    nodes.emplace(db);
    history.emplace(db);
    members.emplace(db);
    applier.emplace(*nodes, *history, *members, etcd_index);
    begin = db.prepare("BEGIN IMMEDIATE");
    commit = db.prepare("COMMIT");
    rollback = db.prepare("ROLLBACK");
    write_meta = db.prepare("UPDATE meta SET value=?2 WHERE name=?1");
    applied_index = read_meta("applied_index");
    etcd_index = read_meta("etcd_index");
  }

  ~Impl() {
    // An unfinished batch is discarded, exactly as a crash would discard it.
    if (in_batch) rollback.use().run();
  }

  uint64_t read_meta(const char* name) {
    Statement st = db.prepare("SELECT value FROM meta WHERE name=?1");
    auto q = st.use();
    q.bind_text(1, name);
    if (!q.step()) throw std::runtime_error(db.path() + ": meta row '" + name + "' missing");
    return static_cast<uint64_t>(q.col_int(0));
  }

  void set_meta(const char* name, uint64_t value) {
    auto q = write_meta.use();
    q.bind_text(1, name).bind_int(2, static_cast<int64_t>(value)).run();
  }

  void ensure_batch() {
    if (in_batch) return;
    begin.use().run();
    in_batch = true;
  }

  void commit_batch() {
    if (!in_batch) return;
    set_meta("applied_index", applied_index);
    set_meta("etcd_index", etcd_index);
    if (etcd_index > history_limit) history->trim_before(etcd_index - history_limit + 1);
    commit.use().run();
    in_batch = false;
  }

  SqliteDb db;
  uint64_t history_limit;
  uint64_t applied_index = 0;
  uint64_t etcd_index = 0;
  bool in_batch = false;
  // Constructed after the schema check (their statements need the tables).
  std::optional<NodeTable> nodes;
  std::optional<HistoryTable> history;
  std::optional<MemberTable> members;
  std::optional<Applier> applier;
  Statement begin, commit, rollback, write_meta;
};

std::unique_ptr<KeyStore> KeyStore::open(const std::string& path, uint64_t history_limit) {
  return std::unique_ptr<KeyStore>(new KeyStore(std::make_unique<Impl>(path, history_limit)));
}

KeyStore::KeyStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KeyStore::~KeyStore() = default;

uint64_t KeyStore::applied_index() const {
  return impl_->applied_index;
}
uint64_t KeyStore::etcd_index() const {
  return impl_->etcd_index;
}

void KeyStore::begin_batch() {
  impl_->ensure_batch();
}

ApplyResult KeyStore::apply(uint64_t raft_index, const Command& cmd) {
  if (raft_index <= impl_->applied_index) {  // already applied (replay overlap): ignore
    ApplyResult r;
    r.etcd_index = impl_->etcd_index;
    return r;
  }
  impl_->ensure_batch();
  ApplyResult r = impl_->applier->apply(cmd);
  impl_->applied_index = raft_index;
  return r;
}

void KeyStore::skip(uint64_t raft_index) {
  if (raft_index <= impl_->applied_index) return;
  impl_->ensure_batch();
  impl_->applied_index = raft_index;
}

void KeyStore::commit_batch() {
  impl_->commit_batch();
}

void KeyStore::sync() {
  // The key space runs with synchronous=NORMAL (WAL frames not fsynced at commit). One
  // commit under synchronous=FULL fsyncs the WAL, which covers every earlier frame too.
  Impl& im = *impl_;
  im.db.exec("PRAGMA synchronous=FULL");
  im.db.exec("BEGIN IMMEDIATE");
  im.set_meta("applied_index", im.applied_index);
  im.db.exec("COMMIT");
  im.db.exec("PRAGMA synchronous=NORMAL");
}

std::vector<std::pair<std::string, int64_t>> KeyStore::ttl_nodes() const {
  return impl_->nodes->ttl_nodes();
}

std::vector<std::pair<uint64_t, std::string>> KeyStore::member_attributes() const {
  return impl_->members->all();
}

std::optional<int64_t> KeyStore::next_expiration() const {
  return impl_->nodes->next_expiration();
}

}  // namespace larch::store
