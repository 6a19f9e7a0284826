// Raft snapshot transfer on the store side: applied_term, write_snapshot_image,
// KeyStore::install_snapshot_file, and SqliteLogStorage::install_snapshot.
#include <sqlite3.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "store/member_table.h"
#include "store/snapshot_image.h"
#include "store/sqlite_db.h"
#include "store/sqlite_log_storage.h"
#include "store_test_util.h"

using namespace larch::store;
using namespace larch::store::test;
using larch::consensus::Entry;
using larch::consensus::EntryType;
using larch::consensus::HardState;

namespace {

// A store with its own raft index/term counters; every write is one batch.
struct TermStore {
  explicit TermStore(const std::string& p, uint64_t history_limit = 1000)
      : path(p), store(KeyStore::open(p, history_limit)), reader(KeyReader::open(p)) {}

  ApplyResult run(const Command& c) {
    store->begin_batch();
    ApplyResult r = store->apply(++index, term, c);
    store->commit_batch();
    store->flush();
    reader->end_snapshot();
    return r;
  }

  std::string path;
  std::unique_ptr<KeyStore> store;
  std::unique_ptr<KeyReader> reader;
  uint64_t index = 0;
  uint64_t term = 1;
};

Command with_ttl(Command c, int64_t expiration_ns) {
  c.expiration_ns = expiration_ns;
  return c;
}

// Everything observable about a key space, for before/after comparisons.
struct Observed {
  std::string tree, hidden, ttl_file;
  std::vector<std::pair<std::string, int64_t>> ttl_nodes;
  std::vector<std::pair<uint64_t, std::string>> members;
  std::vector<std::string> history;
  uint64_t applied_index = 0, applied_term = 0, etcd_index = 0, reader_index = 0;
  std::optional<int64_t> next_expiration;
  bool operator==(const Observed&) const = default;
};

Observed observe(KeyStore& s, KeyReader& r) {
  Observed o;
  o.tree = r.get("/", true, true, kNow).body;
  o.hidden = r.get("/dir/_hidden", false, false, kNow).body;
  o.ttl_file = r.get("/ttl/a", false, false, kNow).body;
  o.ttl_nodes = s.ttl_nodes();
  o.members = s.member_attributes();
  for (uint64_t i = 1; i <= s.etcd_index() + 1; ++i) {
    HistoryResult h = r.find_event("/", true, i, i);
    o.history.push_back(std::to_string(static_cast<int>(h.kind)) + ":" + std::to_string(h.index) +
                        ":" + std::to_string(h.oldest) + ":" + h.json);
  }
  o.applied_index = s.applied_index();
  o.applied_term = s.applied_term();
  o.etcd_index = s.etcd_index();
  o.reader_index = r.etcd_index();
  o.next_expiration = s.next_expiration();
  return o;
}

// Source: nodes, dirs, hidden nodes, TTL nodes, history with a trimmed prefix, deletes,
// internal entries with member attributes, entries in several terms.
void populate(TermStore& s) {
  s.run(cmd(OpType::kSet, "/dir/a", "1"));
  s.run(cmd(OpType::kSet, "/dir/_hidden", "h"));
  s.run(with_ttl(cmd(OpType::kSet, "/ttl/a", "x"), kNow + 100 * kSec));
  s.term = 2;
  s.run(with_ttl(cmd(OpType::kSet, "/ttl/b", "y"), kNow + 50 * kSec));
  s.run(cmd(OpType::kInternal, member_attributes_key(0x1234),
            R"({"name":"n1","clientURLs":["http://a:2379"]})"));
  s.run(cmd(OpType::kInternal, member_attributes_key(0xfeedbeef00112233ull),
            R"({"name":"n2","clientURLs":[]})"));
  for (int i = 0; i < 30; ++i) s.run(cmd(OpType::kSet, "/many/k" + std::to_string(i), "v"));
  s.run(cmd(OpType::kDelete, "/many/k3"));
  s.run(cmd(OpType::kSet, std::string("/bin\0key", 8), std::string("\0\1\2", 3)));
  s.store->begin_batch();
  s.store->skip(++s.index, s.term = 5);  // a no-op entry of a new leader
  s.store->commit_batch();
  s.store->flush();
  s.reader->end_snapshot();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// `bytes` as an image file at `path` (what the transport would have received).
const std::string& write_image_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
  return path;
}

}  // namespace

TEST_CASE("applied_term is recorded with applied_index and survives reopen", "[snapshot]") {
  TempDir dir;
  std::string path = dir.file("kv.db");
  {
    auto s = KeyStore::open(path, 100);
    REQUIRE(s->applied_term() == 0);
    s->begin_batch();
    s->apply(1, 2, cmd(OpType::kSet, "/a", "1"));
    s->skip(2, 3);
    REQUIRE(s->applied_term() == 3);
    s->commit_batch();
    // Legacy overloads keep the term.
    s->begin_batch();
    s->apply(3, cmd(OpType::kSet, "/b", "1"));
    s->skip(4);
    s->commit_batch();
    REQUIRE(s->applied_term() == 3);
    // Replay overlap: ignored, term untouched.
    s->begin_batch();
    s->apply(4, 9, cmd(OpType::kSet, "/c", "1"));
    s->skip(2, 9);
    s->commit_batch();
    REQUIRE(s->applied_term() == 3);
    // An uncommitted batch is lost with its term.
    s->begin_batch();
    s->apply(5, 7, cmd(OpType::kSet, "/d", "1"));
  }
  auto s = KeyStore::open(path, 100);
  REQUIRE(s->applied_index() == 4);
  REQUIRE(s->applied_term() == 3);
}

TEST_CASE("a key-space file without the applied_term row gains it on open", "[snapshot]") {
  TempDir dir;
  std::string path = dir.file("kv.db");
  {
    auto s = KeyStore::open(path, 100);
    s->begin_batch();
    s->apply(1, 4, cmd(OpType::kSet, "/a", "1"));
    s->commit_batch();
  }
  {
    SqliteDb db(path, SqliteDb::Mode::kReadWriteCreate);
    db.exec("DELETE FROM meta WHERE name='applied_term'");
  }
  std::string err;
  auto img =
      write_snapshot_image(path, dir.file("image.snap"), &err);  // an old file: term unknown = 0
  REQUIRE(img);
  REQUIRE(img->applied_index == 1);
  REQUIRE(img->applied_term == 0);
  auto s = KeyStore::open(path, 100);
  REQUIRE(s->applied_index() == 1);
  REQUIRE(s->applied_term() == 0);
  SqliteDb db(path, SqliteDb::Mode::kReadOnly);
  REQUIRE(db.query_int("SELECT count(*) FROM meta WHERE name='applied_term'") == 1);
}

TEST_CASE("snapshot image installs a full copy of the key space", "[snapshot]") {
  TempDir dir;
  TermStore src(dir.file("src.db"), 20);  // small history: the image has a trimmed prefix
  populate(src);
  Observed want = observe(*src.store, *src.reader);
  REQUIRE(want.applied_index == src.index);
  REQUIRE(want.applied_term == 5);
  REQUIRE(want.ttl_nodes.size() == 2);
  REQUIRE(want.members.size() == 2);

  std::string err;
  auto img = write_snapshot_image(src.path, dir.file("image.snap"), &err);
  REQUIRE(img);
  INFO(err);
  REQUIRE(img->path == dir.file("image.snap"));
  REQUIRE(img->applied_index == src.index);
  REQUIRE(img->applied_term == 5);
  REQUIRE(img->size == std::filesystem::file_size(img->path));
  REQUIRE(img->size % 4096 == 0);
  // A standalone file in rollback mode: opening it does not make it a WAL database.
  REQUIRE(read_file(img->path).substr(18, 2) == std::string("\x01\x01", 2));

  bool fresh = GENERATE(true, false);
  TermStore dst(dir.file("dst.db"), 20);
  if (!fresh) {  // non-empty target, ahead of the source in every counter
    dst.term = 9;
    for (int i = 0; i < 60; ++i) dst.run(cmd(OpType::kSet, "/other/" + std::to_string(i), "o"));
    dst.run(with_ttl(cmd(OpType::kSet, "/ttl/zzz", "t"), kNow + kSec));
    dst.run(cmd(OpType::kInternal, member_attributes_key(0x99), R"({"name":"x"})"));
  }
  // A reader on another connection, in the middle of a read snapshot.
  Observed before = observe(*dst.store, *dst.reader);
  REQUIRE_FALSE(dst.store->install_snapshot_file(img->path));
  // The open read snapshot still shows the old key space (never a mix) ...
  REQUIRE(dst.reader->get("/", true, true, kNow).body == before.tree);
  // ... and the new one after end_snapshot (ReaderPool's generation bump).
  dst.reader->end_snapshot();
  // The in-memory key space was replaced too.
  REQUIRE(dst.store->live().get("/", true, kNow).body ==
          dst.reader->get("/", true, true, kNow).body);
  REQUIRE(dst.store->live().etcd_index() == dst.store->etcd_index());
  REQUIRE(observe(*dst.store, *dst.reader) == want);
  // A reader opened afterwards too, and the installed file survives a reopen.
  REQUIRE(observe(*dst.store, *KeyReader::open(dst.path)) == want);
  dst.reader.reset();
  dst.store = KeyStore::open(dst.path, 20);
  dst.reader = KeyReader::open(dst.path);
  REQUIRE(observe(*dst.store, *dst.reader) == want);

  // Both stores go on identically from there (statements work on the replaced file).
  dst.index = src.index;
  dst.term = src.term;
  for (const Command& c : {cmd(OpType::kSet, "/dir/a", "2"), cmd(OpType::kDelete, "/ttl/b"),
                           cmd(OpType::kCreateInOrder, "/q", "v")}) {
    ApplyResult a = src.run(c);
    ApplyResult b = dst.run(c);
    REQUIRE(a.body == b.body);
    REQUIRE(a.etcd_index == b.etcd_index);
  }
  REQUIRE(observe(*dst.store, *dst.reader) == observe(*src.store, *src.reader));
}

TEST_CASE("snapshot images install between key spaces of different page sizes", "[snapshot]") {
  // A member of an older build (4 KiB pages) and one of this build (16 KiB) exchange images
  // both ways: the installed copy takes the receiver's page size.
  auto [src_pages, dst_pages] = GENERATE(std::pair{4096, 16384}, std::pair{16384, 4096});
  TempDir dir;
  auto file_with_pages = [&](const std::string& name, int pages) {
    std::string path = dir.file(name);
    KeyStore::open(path, 20);
    if (pages != file_page_size(path)) rebuild_with_page_size(path, pages);
    return path;
  };
  TermStore src(file_with_pages("src.db", src_pages), 20);
  populate(src);
  Observed want = observe(*src.store, *src.reader);
  auto img = write_snapshot_image(src.path, dir.file("image.snap"), nullptr);
  REQUIRE(img);
  REQUIRE(img->size % src_pages == 0);

  TermStore dst(file_with_pages("dst.db", dst_pages), 20);
  dst.run(cmd(OpType::kSet, "/mine", "m"));
  auto err = dst.store->install_snapshot_file(img->path);
  INFO(err.value_or(""));
  REQUIRE_FALSE(err);
  dst.reader->end_snapshot();
  REQUIRE(observe(*dst.store, *dst.reader) == want);
  REQUIRE(file_page_size(dst.path) == dst_pages);
  REQUIRE_FALSE(std::filesystem::exists(dst.path + ".pages"));  // the scratch copy is gone
  dst.reader.reset();
  dst.store = KeyStore::open(dst.path, 20);
  dst.reader = KeyReader::open(dst.path);
  REQUIRE(observe(*dst.store, *dst.reader) == want);
}

TEST_CASE("bad snapshot images are rejected and leave the store untouched", "[snapshot]") {
  TempDir dir;
  TermStore src(dir.file("src.db"));
  populate(src);
  auto good_image = write_snapshot_image(src.path, dir.file("good.snap"), nullptr);
  REQUIRE(good_image);
  const std::string good = read_file(good_image->path);

  TermStore dst(dir.file("dst.db"));
  dst.term = 3;
  dst.run(cmd(OpType::kSet, "/mine", "m"));
  dst.run(cmd(OpType::kInternal, member_attributes_key(7), "{}"));
  Observed before = observe(*dst.store, *dst.reader);

  // Another program's SQLite database; a Larch raft-log file.
  std::string foreign_path = dir.file("foreign.db");
  {
    SqliteDb db(foreign_path, SqliteDb::Mode::kReadWriteCreate);
    db.exec("CREATE TABLE t(x); INSERT INTO t VALUES(1)");
  }
  std::string log_path = dir.file("log.db");
  {
    SqliteLogStorage log(log_path);
    log.persist(HardState{1, 1, 0}, {Entry{1, 1, EntryType::kNormal, "x"}});
  }
  // A key space of a newer format; one missing its meta rows.
  auto patched = [&](const char* sql) {
    std::string p = dir.file("patched.db");
    std::filesystem::remove(p);
    {
      SqliteDb db(p, SqliteDb::Mode::kReadWriteCreate);
      sqlite3_int64 n = static_cast<sqlite3_int64>(good.size());
      auto* buf = static_cast<unsigned char*>(sqlite3_malloc64(good.size()));
      std::memcpy(buf, good.data(), good.size());
      REQUIRE(sqlite3_deserialize(db.handle(), "main", buf, n, n,
                                  SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE) ==
              SQLITE_OK);
      db.exec(sql);
      sqlite3_int64 size = 0;
      unsigned char* out = sqlite3_serialize(db.handle(), "main", &size, 0);
      std::string bytes(reinterpret_cast<char*>(out), static_cast<size_t>(size));
      sqlite3_free(out);
      return bytes;
    }
  };
  std::string flipped = good;
  flipped[flipped.size() / 2] ^= 0x5a;  // a flipped byte inside a b-tree page
  flipped[flipped.size() / 2 + 1] ^= 0x5a;

  struct Case {
    const char* name;
    std::string image;
    const char* expect;
  };
  std::vector<Case> cases = {
      {"empty", "", "empty"},
      {"garbage", std::string(8192, 'g'), "not a SQLite database"},
      {"foreign", read_file(foreign_path), "another program"},
      {"raft log", read_file(log_path), "raft log"},
      {"newer format", patched("PRAGMA user_version=99"), "newer"},
      {"no meta", patched("DELETE FROM meta WHERE name='etcd_index'"), "etcd_index"},
      {"no nodes table", patched("DROP TABLE nodes"), "nodes"},
      {"truncated", good.substr(0, good.size() / 2), ""},
      {"header only", good.substr(0, 100), ""},
  };
  // A corrupted page need not be caught by quick_check (it checks structure, not every
  // byte), so it is only tried for the no-crash / untouched-or-installed property below.
  auto err = dst.store->install_snapshot_file(dir.file("missing.snap"));
  REQUIRE(err);
  REQUIRE(err->find("no image file") != std::string::npos);
  for (const Case& c : cases) {
    INFO(c.name);
    auto err = dst.store->install_snapshot_file(write_image_file(dir.file("bad.snap"), c.image));
    REQUIRE(err);
    INFO(*err);
    REQUIRE(err->find("snapshot image rejected") != std::string::npos);
    REQUIRE(err->find(c.expect) != std::string::npos);
    dst.reader->end_snapshot();
    REQUIRE(observe(*dst.store, *dst.reader) == before);
  }
  if (dst.store->install_snapshot_file(write_image_file(dir.file("bad.snap"), flipped))) {
    dst.reader->end_snapshot();
    REQUIRE(observe(*dst.store, *dst.reader) == before);
  }
  // Still a working store.
  dst.index = std::max(dst.index, dst.store->applied_index());
  REQUIRE(dst.run(cmd(OpType::kSet, "/after", "a")).error_code == 0);
}

TEST_CASE("install_snapshot_file inside a batch is a caller bug", "[snapshot]") {
  TempDir dir;
  TermStore s(dir.file("kv.db"));
  auto img = write_snapshot_image(s.path, dir.file("image.snap"), nullptr);
  REQUIRE(img);
  s.store->begin_batch();
  REQUIRE_THROWS_AS(s.store->install_snapshot_file(img->path), std::logic_error);
}

TEST_CASE("write_snapshot_image reports a missing or foreign file and leaves no image",
          "[snapshot]") {
  TempDir dir;
  std::string err;
  std::string image = dir.file("image.snap");
  REQUIRE_FALSE(write_snapshot_image(dir.file("missing.db"), image, &err));
  REQUIRE(err.find("missing.db") != std::string::npos);
  { SqliteLogStorage log(dir.file("log.db")); }
  write_image_file(image, "an older image of the same name");
  REQUIRE_FALSE(write_snapshot_image(dir.file("log.db"), image, &err));
  REQUIRE(err.find("raft log") != std::string::npos);
  REQUIRE_FALSE(std::filesystem::exists(image));
}

TEST_CASE("images taken while the source is written are consistent snapshots", "[snapshot]") {
  TempDir dir;
  std::string src_path = dir.file("src.db");
  auto src = KeyStore::open(src_path, 100000);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> written{0};
  // Raft index i writes /k<i> (etcd index i too), in batches of 1..4 entries; term = i/10+1.
  std::thread writer([&] {
    uint64_t i = 0;
    while (!stop.load() && i < 20000) {
      src->begin_batch();
      for (uint64_t n = i % 4 + 1; n > 0; --n) {
        ++i;
        src->apply(i, i / 10 + 1, cmd(OpType::kSet, "/k" + std::to_string(i), "v"));
      }
      src->commit_batch();
      src->flush();
      written.store(i);
    }
  });
  auto dst = KeyStore::open(dir.file("dst.db"), 100000);
  auto reader = KeyReader::open(dir.file("dst.db"));
  uint64_t last = 0;
  int images = 0;
  while (images < 15 || written.load() < 200) {
    std::string err;
    auto img = write_snapshot_image(src_path, dir.file("image.snap"), &err);
    INFO(err);
    REQUIRE(img);
    REQUIRE(img->applied_index >= last);
    last = img->applied_index;
    uint64_t a = img->applied_index;
    REQUIRE(img->applied_term == (a == 0 ? 0 : a / 10 + 1));
    REQUIRE_FALSE(dst->install_snapshot_file(img->path));
    reader->end_snapshot();
    REQUIRE(dst->applied_index() == a);
    REQUIRE(dst->applied_term() == img->applied_term);
    REQUIRE(dst->etcd_index() == a);
    REQUIRE(reader->etcd_index() == a);
    // Exactly the keys /k1../k<a>.
    std::string tree = reader->get("/", false, false, kNow).body;
    size_t count = 0;
    for (size_t p = tree.find("\"key\":\"/k"); p != std::string::npos;
         p = tree.find("\"key\":\"/k", p + 1)) {
      ++count;
    }
    REQUIRE(count == a);
    if (a > 0) REQUIRE(reader->get("/k" + std::to_string(a), false, false, kNow).error_code == 0);
    REQUIRE(reader->get("/k" + std::to_string(a + 1), false, false, kNow).error_code == 100);
    ++images;
    if (images > 200) break;
  }
  stop.store(true);
  writer.join();
  REQUIRE(last > 0);
}

TEST_CASE("sqlite log: install_snapshot on a fresh log", "[log][snapshot]") {
  TempDir dir;
  std::string path = dir.file("log.db");
  {
    SqliteLogStorage log(path);
    log.install_snapshot(10, 3);
    REQUIRE(log.first_index() == 11);
    REQUIRE(log.last_index() == 10);
    REQUIRE(log.term(10) == 3u);
    REQUIRE_FALSE(log.term(9));
    REQUIRE_FALSE(log.term(11));
    REQUIRE(log.hard_state() == HardState{0, 0, 10});
    REQUIRE(log.entries(11, 20, 1000).empty());
    // Appending continues right after the snapshot.
    log.persist(HardState{3, 2, 10}, {Entry{3, 11, EntryType::kNormal, "a"}});
    REQUIRE_THROWS_AS(log.persist(HardState{3, 2, 10}, {Entry{3, 13, EntryType::kNormal, "c"}}),
                      std::logic_error);
  }
  SqliteLogStorage log(path);
  REQUIRE(log.first_index() == 11);
  REQUIRE(log.last_index() == 11);
  REQUIRE(log.term(10) == 3u);
  REQUIRE(log.term(11) == 3u);
  REQUIRE(log.hard_state() == HardState{3, 2, 10});
}

TEST_CASE("sqlite log: install_snapshot drops entries below and beyond the index",
          "[log][snapshot]") {
  TempDir dir;
  std::string path = dir.file("log.db");
  uint64_t index = GENERATE(5, 10, 20);  // inside, at the end of, beyond the held log
  {
    SqliteLogStorage log(path);
    std::vector<Entry> es;
    for (uint64_t i = 1; i <= 10; ++i)
      es.push_back(Entry{i <= 6 ? 1u : 2u, i, EntryType::kNormal, ""});
    log.persist(HardState{2, 1, 7}, es);
    log.compact(2, 1);
    log.install_snapshot(index, 7);  // a term the held entry does not have: whole log goes
    REQUIRE(log.first_index() == index + 1);
    REQUIRE(log.last_index() == index);
    REQUIRE(log.term(index) == 7u);
    REQUIRE_FALSE(log.term(index + 1));
    REQUIRE_FALSE(log.term(index - 1));
    REQUIRE(log.entries(1, 100, 1000).empty());
    REQUIRE(log.hard_state() == HardState{2, 1, std::max<uint64_t>(7, index)});
    // Entries at or below the snapshot are ignored; the next one appends.
    log.persist(log.hard_state(), {Entry{7, index, EntryType::kNormal, "old"},
                                   Entry{8, index + 1, EntryType::kNormal, "new"}});
    REQUIRE(log.last_index() == index + 1);
    REQUIRE(log.term(index + 1) == 8u);
  }
  SqliteLogStorage log(path);
  REQUIRE(log.snapshot_index() == index);
  REQUIRE(log.snapshot_term() == 7u);
  REQUIRE(log.first_index() == index + 1);
  REQUIRE(log.last_index() == index + 1);
  REQUIRE(log.term(index) == 7u);
  REQUIRE(log.term(index + 1) == 8u);
  auto es = log.entries(index + 1, index + 2, 1000);
  REQUIRE(es.size() == 1);
  REQUIRE(es[0].data == "new");
  REQUIRE(log.hard_state().commit == std::max<uint64_t>(7, index));
}
