#include "store/key_store.h"

#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <system_error>

#include "store/applier.h"
#include "store/auth_table.h"
#include "store/history_table.h"
#include "store/key_path.h"
#include "store/member_table.h"
#include "store/node_table.h"
#include "store/pending_writes.h"
#include "store/schema.h"
#include "store/snapshot_image.h"
#include "store/sqlite_db.h"
#include "store/sqlite_transaction.h"
#include "store/wrapper_vfs.h"
#include "util/remove_db_file.h"

namespace larch::store {
namespace {

constexpr int64_t kCheckpointBytes = 32 << 20;  // keys.db WAL size that triggers a checkpoint

// The scratch copy install_snapshot makes of an image of another page size (and its
// journal); one left by a crash mid-install is removed at the next open or install. Removal
// never throws: it runs on error paths, and a leftover copy is only wasted space.
std::string scratch_path(const std::string& db_path) {
  return db_path + ".pages";
}

// Meta rows later builds added; old files (and snapshot images made from them) lack them.
void add_missing_meta(SqliteDb& db) {
  db.exec("INSERT OR IGNORE INTO meta VALUES('applied_term', 0)");
  db.exec("INSERT OR IGNORE INTO meta VALUES('conf_index', 0)");
}

}  // namespace

// Durability note: the key-space file runs with journal_mode=WAL and synchronous=NORMAL and
// follows the in-memory key space behind (write-behind): apply changes memory and records
// the file's writes (PendingWrites); flush() writes whole batches, with the meta row of the
// last, in one transaction. A crash or power loss can drop the unflushed batches, never
// corrupt the file, and what is lost is exactly what comes after the file's applied_index:
// the raft log (its own file, synchronous=FULL) is the durable source, and the node replays
// from applied_index()+1. Nodes, history and applied_index share one transaction per flush,
// so they can never disagree.
//
// Threads: the apply thread runs apply/skip/begin_batch/commit_batch and owns the memory
// side; flush() may run on another thread. db_mu serialises every use of the connection
// (flushes, the member tables the applier writes directly, sync, install, startup reads);
// batches go from apply to flush through live.history() (WriteQueue), which watch replay
// also searches until the file holds them.
struct KeyStore::Impl {
  Impl(const std::string& path, uint64_t limit)
      : db(path, SqliteDb::Mode::kReadWriteCreate, paced_vfs_name()),
        live(limit),
        history_limit(limit) {
    ensure_format(db, kKeySpaceFormat, true);
    util::remove_db_file(scratch_path(path));
    // Files created before applied_term / conf_index existed gain their rows (0: term
    // unknown; no membership seeded).
    add_missing_meta(db);
    db.exec("PRAGMA journal_mode=WAL");
    db.exec("PRAGMA synchronous=NORMAL");
    // Fewer, larger checkpoints (each one fsyncs the main file): every 32 MiB of WAL,
    // whatever the file's page size; and a page cache that holds the hot part of the key
    // space.
    db.exec("PRAGMA wal_autocheckpoint=" +
            std::to_string(kCheckpointBytes / db.query_int("PRAGMA page_size")));
    db.exec("PRAGMA cache_size=-65536");
    nodes.emplace(db);
    history.emplace(db);
    members.emplace(db);
    auth_table.emplace(db);
    applier.emplace(writer, *members, *auth_table, auth, etcd_index);
    tx.emplace(db);
    write_meta = db.prepare("UPDATE meta SET value=?2 WHERE name=?1");
    load();
  }

  // Meta values and the in-memory nodes from the file, an empty write queue (open, snapshot
  // install). Caller holds db_mu (or is the constructor).
  void load() {
    load_meta();
    std::vector<NodeRow> rows = nodes->subtree(std::string(key_path::kRoot));
    auto lock = live.write_lock();
    MemTree& tree = live.tree();
    tree.clear();
    // Key order puts every directory before the nodes below it.
    for (const NodeRow& n : rows) {
      if (!tree.put(n)) throw std::runtime_error(db.path() + ": node without parent: " + n.key);
    }
    live.set_etcd_index(etcd_index);
    live.history().reset(etcd_index);
    auth = auth_table->load();
    publish_auth();
  }

  // Makes the applied auth state the one readers get (a copy: readers keep theirs).
  void publish_auth() {
    auth_enabled.store(auth.enabled);
    std::atomic_store(&auth_published, std::make_shared<const auth::AuthState>(auth));
  }

  void load_meta() {
    applied_index = read_meta("applied_index");
    applied_term = read_meta("applied_term");
    etcd_index = read_meta("etcd_index");
    conf_index = read_meta("conf_index");
    flushed = PendingWrites::Position{applied_index, applied_term, etcd_index};
    flushed_index.store(applied_index);
  }

  ~Impl() {
    // An unfinished batch is discarded, exactly as a crash would discard it; committed ones
    // are written (a clean stop leaves less to replay).
    try {
      std::lock_guard lock(db_mu);
      flush_locked({}, false);
    } catch (...) {  // the log replays whatever did not make it
    }
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

  // Runs f with synchronous=FULL: the key space normally commits with synchronous=NORMAL
  // (WAL frames not fsynced), and one FULL commit fsyncs the WAL, covering every earlier
  // frame too. NORMAL is restored whether f returns or throws. Caller holds db_mu.
  template <typename F>
  void with_full_sync(F&& f) {
    db.exec("PRAGMA synchronous=FULL");
    try {
      f();
    } catch (...) {
      db.exec("PRAGMA synchronous=NORMAL");
      throw;
    }
    db.exec("PRAGMA synchronous=NORMAL");
  }

  void commit_batch() {
    if (!in_batch) return;
    in_batch = false;
    current.set_position({applied_index, applied_term, etcd_index});
    PendingWrites next(current, 0);
    live.history().push(std::move(current));
    current = std::move(next);
  }

  // Writes every queued batch (and with always_write, at least the meta rows) in one
  // transaction; then `committed`, then the queue drops what the file now holds.
  // Caller holds db_mu. Throws std::runtime_error on a SQLite failure (rolled back: abandon
  // the store, the log replays).
  bool flush_locked(const std::function<void()>& committed, bool always_write) {
    std::vector<const PendingWrites*> batches = live.history().peek_all();
    if (batches.empty() && !always_write) return false;
    PendingWrites::Position to = batches.empty() ? flushed : batches.back()->position();
    tx->run([&] {
      PendingWrites::write_all(batches, *nodes, *history);
      set_meta("applied_index", to.applied_index);
      set_meta("applied_term", to.applied_term);
      set_meta("etcd_index", to.etcd_index);
      if (to.etcd_index > history_limit) history->trim_before(to.etcd_index - history_limit + 1);
    });
    flushed = to;
    flushed_index.store(to.applied_index);
    if (committed) committed();
    live.history().drop_flushed(batches.size());
    return true;
  }

  SqliteDb db;
  LiveKeySpace live;
  uint64_t history_limit;
  // Apply thread.
  uint64_t applied_index = 0;
  uint64_t applied_term = 0;
  uint64_t etcd_index = 0;  // the Applier holds a reference to it
  uint64_t conf_index = 0;
  bool in_batch = false;
  PendingWrites current;  // the open batch's file writes
  LiveWriter writer{live, current};
  // The file (under db_mu).
  std::mutex db_mu;
  PendingWrites::Position flushed;  // what the file holds
  std::atomic<uint64_t> flushed_index{0};
  // Constructed after the schema check (their statements need the tables).
  std::optional<NodeTable> nodes;
  std::optional<HistoryTable> history;
  std::optional<MemberTable> members;
  std::optional<AuthTable> auth_table;
  std::optional<Applier> applier;
  // The applied auth state (apply thread) and its published copy (any thread).
  auth::AuthState auth;
  std::shared_ptr<const auth::AuthState> auth_published;
  std::atomic<bool> auth_enabled{false};
  std::optional<SqliteTransaction> tx;
  Statement write_meta;
};

std::unique_ptr<KeyStore> KeyStore::open(const std::string& path, uint64_t history_limit) {
  return std::unique_ptr<KeyStore>(new KeyStore(std::make_unique<Impl>(path, history_limit)));
}

KeyStore::KeyStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KeyStore::~KeyStore() = default;

const LiveKeySpace& KeyStore::live() const {
  return impl_->live;
}

uint64_t KeyStore::applied_index() const {
  return impl_->applied_index;
}
uint64_t KeyStore::etcd_index() const {
  return impl_->etcd_index;
}

void KeyStore::begin_batch() {
  impl_->in_batch = true;
}

uint64_t KeyStore::applied_term() const {
  return impl_->applied_term;
}

uint64_t KeyStore::conf_index() const {
  return impl_->conf_index;
}

uint64_t KeyStore::flushed_index() const {
  return impl_->flushed_index.load();
}

ApplyResult KeyStore::apply(uint64_t raft_index, uint64_t raft_term, const Command& cmd,
                            bool want_body) {
  Impl& im = *impl_;
  if (raft_index <= im.applied_index) {  // already applied (replay overlap): ignore
    ApplyResult r;
    r.etcd_index = im.etcd_index;
    return r;
  }
  im.in_batch = true;
  // Internal commands write the member tables straight to the file (rare; idempotent, so a
  // replay after a crash before the next flush does no harm).
  std::unique_lock<std::mutex> db_lock(im.db_mu, std::defer_lock);
  if (cmd.op == OpType::kInternal) db_lock.lock();
  auto lock = im.live.write_lock();  // readers see whole commands only
  // Membership changes up to conf_index are already in member_peers (seeded).
  ApplyResult r = im.applier->apply(cmd, raft_index > im.conf_index, want_body);
  if (r.auth_changed) im.publish_auth();
  im.live.set_etcd_index(im.etcd_index);
  im.applied_index = raft_index;
  im.applied_term = raft_term;
  return r;
}

void KeyStore::skip(uint64_t raft_index, uint64_t raft_term) {
  if (raft_index <= impl_->applied_index) return;
  impl_->in_batch = true;
  impl_->applied_index = raft_index;
  impl_->applied_term = raft_term;
}

ApplyResult KeyStore::apply(uint64_t raft_index, const Command& cmd) {
  return apply(raft_index, impl_->applied_term, cmd);
}

void KeyStore::skip(uint64_t raft_index) {
  skip(raft_index, impl_->applied_term);
}

void KeyStore::commit_batch() {
  impl_->commit_batch();
}

bool KeyStore::flush(const std::function<void()>& committed) {
  std::lock_guard lock(impl_->db_mu);
  return impl_->flush_locked(committed, false);
}

void KeyStore::sync(const std::function<void()>& committed) {
  Impl& im = *impl_;
  std::lock_guard lock(im.db_mu);
  im.with_full_sync([&] { im.flush_locked(committed, true); });
}

namespace {

// The image opened and checked, ready to be copied.
struct CheckedImage {
  std::unique_ptr<SqliteDb> db;
  int64_t page_size = 0;
};

// Opens the image file and checks it is a complete, sound Larch key space this build can
// use. Normalises it the way KeyStore::open normalises a file (rows and tables added by later
// builds), so the installed file needs no further upgrade; the image file is changed by that
// (it is the caller's scratch copy). Throws std::runtime_error describing the problem.
CheckedImage check_image(const std::string& image_path) {
  if (!std::filesystem::is_regular_file(image_path)) throw std::runtime_error("no image file");
  force_rollback_header(image_path);  // a WAL header would put the copy in WAL mode
  CheckedImage out;
  out.db = std::make_unique<SqliteDb>(image_path, SqliteDb::Mode::kReadWriteCreate);
  SqliteDb& db = *out.db;
  ensure_format(db, kKeySpaceFormat, false);  // header, application_id, user_version, not empty
  {
    Statement st = db.prepare("PRAGMA quick_check");
    auto q = st.use();
    if (!q.step() || q.col_blob(0) != "ok") {
      throw std::runtime_error("integrity check failed: " +
                               std::string(q.col_null(0) ? "" : q.col_blob(0)));
    }
  }
  for (const char* name : {"applied_index", "etcd_index"}) {
    Statement st = db.prepare("SELECT value FROM meta WHERE name=?1");
    auto q = st.use();
    q.bind_text(1, name);
    if (!q.step()) throw std::runtime_error(std::string("meta row '") + name + "' missing");
  }
  add_missing_meta(db);
  // Preparing the tables' statements checks the tables and columns they use exist (the
  // member tables are created if missing, as on open).
  NodeTable nodes(db);
  HistoryTable history(db);
  MemberTable members(db);
  AuthTable auth(db);
  out.page_size = db.query_int("PRAGMA page_size");
  return out;
}

// The database in `db` copied to a file at scratch_path with `page_size` pages, opened.
// An in-memory database cannot change its page size (VACUUM keeps it, a backup into one
// refuses), so the copy goes through a file: VACUUM INTO writes it, a VACUUM there (rollback
// mode) changes the page size. Throws std::runtime_error.
std::unique_ptr<SqliteDb> with_page_size(SqliteDb& db, int64_t page_size,
                                         const std::string& scratch_path) {
  util::remove_db_file(scratch_path);
  Statement into = db.prepare("VACUUM INTO ?1");
  into.use().bind_text(1, scratch_path).run();
  auto out = std::make_unique<SqliteDb>(scratch_path, SqliteDb::Mode::kReadWriteCreate);
  out->change_page_size(page_size);
  return out;
}

}  // namespace

std::optional<std::string> KeyStore::install_snapshot_file(const std::string& image_path) {
  Impl& im = *impl_;
  if (im.in_batch) throw std::logic_error("KeyStore::install_snapshot_file inside a batch");
  std::lock_guard db_lock(im.db_mu);
  // Batches still queued must land before the image replaces them, never after it.
  im.flush_locked({}, false);
  CheckedImage src;
  try {
    src = check_image(image_path);
  } catch (const std::exception& e) {
    return std::string("snapshot image rejected: ") + e.what();
  }
  // A WAL-mode destination cannot change its page size in a backup (SQLITE_READONLY). Files
  // of older builds (and their images) have 4 KiB pages, newer ones 16 KiB: the image is
  // rebuilt with the store's page size first.
  int64_t page_size = im.db.query_int("PRAGMA page_size");
  bool converted = src.page_size != page_size;
  std::string scratch = scratch_path(im.db.path());
  if (converted) {
    try {
      src.db = with_page_size(*src.db, page_size, scratch);
    } catch (const std::exception& e) {
      util::remove_db_file(scratch);
      return "snapshot image rejected: converting its " + std::to_string(src.page_size) +
             "-byte pages to " + std::to_string(page_size) + ": " + e.what();
    }
  }
  // One backup step of all pages = one write transaction on the live file: readers on other
  // connections keep their old snapshot and see the new key space only once it commits.
  // synchronous=FULL for that commit fsyncs the WAL (and, with it, every earlier frame).
  int step_rc = SQLITE_DONE, rc = SQLITE_OK;
  im.with_full_sync([&] {
    sqlite3_backup* b = sqlite3_backup_init(im.db.handle(), "main", src.db->handle(), "main");
    if (b == nullptr) {
      throw std::runtime_error(im.db.path() +
                               ": snapshot install: " + sqlite3_errmsg(im.db.handle()));
    }
    step_rc = sqlite3_backup_step(b, -1);
    rc = sqlite3_backup_finish(b);  // rolls back on failure
  });
  if (step_rc != SQLITE_DONE || rc != SQLITE_OK) {
    throw std::runtime_error(im.db.path() + ": snapshot install failed: " +
                             sqlite3_errstr(step_rc != SQLITE_DONE ? step_rc : rc));
  }
  if (converted) {
    src.db.reset();  // close the scratch copy before removing it
    util::remove_db_file(scratch);
  }
  im.load();
  return std::nullopt;
}

std::vector<std::pair<std::string, int64_t>> KeyStore::ttl_nodes() const {
  return impl_->live.tree().ttl_nodes();
}

std::vector<std::pair<uint64_t, std::string>> KeyStore::member_attributes() const {
  std::lock_guard lock(impl_->db_mu);
  return impl_->members->all();
}

std::vector<MemberPeers> KeyStore::member_peers() const {
  std::lock_guard lock(impl_->db_mu);
  return impl_->members->peers();
}

void KeyStore::seed_member_peers(const std::vector<MemberPeers>& members, uint64_t conf_index) {
  Impl& im = *impl_;
  if (im.in_batch) throw std::logic_error("KeyStore::seed_member_peers inside a batch");
  std::lock_guard lock(im.db_mu);
  im.with_full_sync([&] {
    im.tx->run([&] {
      im.members->clear_peers();
      for (const MemberPeers& m : members) {
        im.members->put_peers(m.id, m.peer_urls_json);
        if (m.removed) im.members->mark_removed(m.id);
      }
      im.set_meta("conf_index", conf_index);
    });
  });
  im.conf_index = conf_index;
}

std::shared_ptr<const auth::AuthState> KeyStore::auth_state() const {
  return std::atomic_load(&impl_->auth_published);
}

bool KeyStore::auth_enabled() const {
  return impl_->auth_enabled.load();
}

std::optional<int64_t> KeyStore::next_expiration() const {
  return impl_->live.tree().next_expiration();
}

}  // namespace larch::store
