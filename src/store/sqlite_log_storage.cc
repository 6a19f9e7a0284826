#include "store/sqlite_log_storage.h"

#include <algorithm>
#include <stdexcept>

#include "store/schema.h"
#include "store/sqlite_db.h"
#include "store/sqlite_transaction.h"
#include "store/wrapper_vfs.h"

namespace larch::store {

using consensus::Entry;
using consensus::HardState;

namespace {

struct TermRun {
  uint64_t start;  // first index with this term
  uint64_t term;
};

// Rows below the snapshot deleted per transaction, beyond as many as the transaction appends:
// a compaction no longer deletes --snapshot-count rows at once (~0.2 s with the raft thread,
// and so every write, stalled); the rows go a chunk at a time with the appends that follow,
// faster than the log grows, so they are gone long before the next compaction.
constexpr uint64_t kTrimRowsExtra = 32;

}  // namespace

struct SqliteLogStorage::Impl {
  // The coalescing VFS: one write per transaction's WAL frames instead of two per frame
  // (it needs the exclusive lock below; see wrapper_vfs.h).
  explicit Impl(const std::string& path)
      : db(path, SqliteDb::Mode::kReadWriteCreate, coalescing_vfs_name()) {
    // Only the raft thread ever opens the log: an exclusive lock, held from the first access
    // until close, spares the per-transaction file-lock syscalls and keeps the WAL index in
    // heap memory (no -shm file). A second process opening the log gets SQLITE_BUSY.
    db.exec("PRAGMA locking_mode=EXCLUSIVE");
    ensure_format(db, kRaftLogFormat, true);
    db.exec("PRAGMA journal_mode=WAL");
    db.exec("PRAGMA synchronous=FULL");  // an acknowledged append is on disk
    tx.emplace(db);
    insert = db.prepare("INSERT INTO entries(idx, term, type, data) VALUES(?1, ?2, ?3, ?4)");
    truncate_from = db.prepare("DELETE FROM entries WHERE idx>=?1");
    drop_below = db.prepare("DELETE FROM entries WHERE idx<?1");
    set_state = db.prepare("UPDATE state SET value=?2 WHERE name=?1");
    range = db.prepare(
        "SELECT idx, term, type, data FROM entries WHERE idx>=?1 AND idx<?2 "
        "ORDER BY idx");
    load();
  }

  uint64_t read_state(const char* name) {
    Statement st = db.prepare("SELECT value FROM state WHERE name=?1");
    auto q = st.use();
    q.bind_text(1, name);
    if (!q.step()) throw std::runtime_error(db.path() + ": state row '" + name + "' missing");
    return static_cast<uint64_t>(q.col_int(0));
  }

  void load() {
    hs.term = read_state("term");
    hs.vote = read_state("vote");
    hs.commit = read_state("commit");
    snap_index = read_state("snapshot_index");
    snap_term = read_state("snapshot_term");
    last = snap_index;
    dead_from = snap_index + 1;
    Statement st = db.prepare("SELECT idx, term FROM entries ORDER BY idx");
    auto q = st.use();
    while (q.step()) {
      auto idx = static_cast<uint64_t>(q.col_int(0));
      auto t = static_cast<uint64_t>(q.col_int(1));
      if (idx <= snap_index) {  // left by a compaction; still to be trimmed
        dead_from = std::min(dead_from, idx);
        continue;
      }
      if (idx != last + 1)
        throw std::runtime_error(db.path() + ": raft log has a gap at " + std::to_string(last + 1));
      if (runs.empty() || runs.back().term != t) runs.push_back({idx, t});
      last = idx;
    }
  }

  // Rows at or below the snapshot that are still in the file.
  uint64_t dead_rows() const { return dead_from <= snap_index ? snap_index + 1 - dead_from : 0; }

  // Inside a transaction: deletes up to `rows` of the rows below the snapshot, oldest first.
  void trim(uint64_t rows) {
    if (dead_rows() == 0) return;
    uint64_t end = std::min(snap_index + 1, dead_from + rows);
    drop_below.use().bind_int(1, static_cast<int64_t>(end)).run();
    dead_from = end;
  }

  // Inside a transaction: the log now starts after (index, term). Rows above index go now
  // (they conflict, or a later append would meet them); rows at or below it stay as trim()'s
  // work.
  void move_snapshot(uint64_t index, uint64_t term, bool keep_suffix) {
    if (!keep_suffix) truncate_from.use().bind_int(1, static_cast<int64_t>(index) + 1).run();
    put_state("snapshot_index", index);
    put_state("snapshot_term", term);
    // snap_index is still the old snapshot: every row from there up is now below the new one.
    dead_from = std::min(dead_from, snap_index + 1);
  }

  void put_state(const char* name, uint64_t v) {
    auto q = set_state.use();
    q.bind_text(1, name).bind_int(2, static_cast<int64_t>(v)).run();
  }

  std::optional<uint64_t> term(uint64_t i) const {
    if (i == snap_index) return snap_term;
    if (i < snap_index || i > last) return std::nullopt;
    auto it = std::upper_bound(runs.begin(), runs.end(), i,
                               [](uint64_t v, const TermRun& r) { return v < r.start; });
    if (it == runs.begin()) return std::nullopt;
    return std::prev(it)->term;
  }

  // Keeps only runs covering indexes >= from.
  void drop_runs_below(uint64_t from) {
    std::vector<TermRun> kept;
    for (size_t i = 0; i < runs.size(); ++i) {
      uint64_t end = i + 1 < runs.size() ? runs[i + 1].start - 1 : last;
      if (end < from) continue;
      kept.push_back({std::max(runs[i].start, from), runs[i].term});
    }
    runs.swap(kept);
  }

  void append_runs(const std::vector<Entry>& es, size_t skip) {
    uint64_t first = es[skip].index;
    while (!runs.empty() && runs.back().start >= first) runs.pop_back();
    for (size_t i = skip; i < es.size(); ++i) {
      if (runs.empty() || runs.back().term != es[i].term) runs.push_back({es[i].index, es[i].term});
    }
  }

  SqliteDb db;
  std::optional<SqliteTransaction> tx;
  Statement insert, truncate_from, drop_below, set_state, range;
  HardState hs;
  uint64_t snap_index = 0, snap_term = 0, last = 0;
  uint64_t dead_from = 1;  // lowest index that may still have a row below the snapshot
  std::vector<TermRun> runs;
};

SqliteLogStorage::SqliteLogStorage(const std::string& path) : impl_(std::make_unique<Impl>(path)) {}
SqliteLogStorage::~SqliteLogStorage() = default;

HardState SqliteLogStorage::hard_state() const {
  return impl_->hs;
}
uint64_t SqliteLogStorage::first_index() const {
  return impl_->snap_index + 1;
}
uint64_t SqliteLogStorage::last_index() const {
  return impl_->last;
}
uint64_t SqliteLogStorage::snapshot_index() const {
  return impl_->snap_index;
}
uint64_t SqliteLogStorage::snapshot_term() const {
  return impl_->snap_term;
}
uint64_t SqliteLogStorage::dead_rows() const {
  return impl_->dead_rows();
}

std::optional<uint64_t> SqliteLogStorage::term(uint64_t i) const {
  return impl_->term(i);
}

std::vector<Entry> SqliteLogStorage::entries(uint64_t lo, uint64_t hi, uint64_t max_bytes) const {
  std::vector<Entry> out;
  hi = std::min(hi, impl_->last + 1);
  if (lo < first_index() || lo >= hi) return out;
  auto q = impl_->range.use();
  q.bind_int(1, static_cast<int64_t>(lo)).bind_int(2, static_cast<int64_t>(hi));
  uint64_t bytes = 0;
  while (q.step()) {
    std::string_view data = q.col_blob(3);
    bytes += data.size();
    if (!out.empty() && bytes > max_bytes) break;  // always at least one entry
    Entry& e = out.emplace_back();
    e.index = static_cast<uint64_t>(q.col_int(0));
    e.term = static_cast<uint64_t>(q.col_int(1));
    e.type = static_cast<consensus::EntryType>(q.col_int(2));
    e.data.assign(data);
  }
  return out;
}

void SqliteLogStorage::persist(const HardState& hs, const std::vector<Entry>& entries) {
  Impl& im = *impl_;
  size_t skip = 0;  // entries already covered by the snapshot
  while (skip < entries.size() && entries[skip].index <= im.snap_index) ++skip;
  bool append = skip < entries.size();
  if (!append && hs == im.hs) return;
  if (append && entries[skip].index > im.last + 1) {
    throw std::logic_error("raft log persist: gap after index " + std::to_string(im.last));
  }
  im.tx->run([&] {
    if (append) {
      if (entries[skip].index <= im.last) {
        im.truncate_from.use().bind_int(1, static_cast<int64_t>(entries[skip].index)).run();
      }
      for (size_t i = skip; i < entries.size(); ++i) {
        const Entry& e = entries[i];
        auto q = im.insert.use();
        q.bind_int(1, static_cast<int64_t>(e.index)).bind_int(2, static_cast<int64_t>(e.term));
        q.bind_int(3, static_cast<int>(e.type)).bind_blob(4, e.data).run();
      }
    }
    if (hs != im.hs) {
      im.put_state("term", hs.term);
      im.put_state("vote", hs.vote);
      im.put_state("commit", hs.commit);
    }
    im.trim(entries.size() - skip + kTrimRowsExtra);
  });
  if (append) {
    im.append_runs(entries, skip);
    im.last = entries.back().index;
  }
  im.hs = hs;
}

void SqliteLogStorage::compact(uint64_t upto_index, uint64_t upto_term) {
  Impl& im = *impl_;
  if (upto_index <= im.snap_index) return;
  bool keep_suffix = upto_index <= im.last && im.term(upto_index) == upto_term;
  im.tx->run([&] { im.move_snapshot(upto_index, upto_term, keep_suffix); });
  if (keep_suffix) {
    im.drop_runs_below(upto_index + 1);
  } else {
    im.runs.clear();
    im.last = upto_index;
  }
  im.snap_index = upto_index;
  im.snap_term = upto_term;
}

void SqliteLogStorage::install_snapshot(uint64_t index, uint64_t term) {
  Impl& im = *impl_;
  uint64_t commit = std::max(im.hs.commit, index);
  im.tx->run([&] {
    im.move_snapshot(index, term, false);
    if (commit != im.hs.commit) im.put_state("commit", commit);
  });
  im.runs.clear();
  im.last = index;
  im.snap_index = index;
  im.snap_term = term;
  im.hs.commit = commit;
}

}  // namespace larch::store
