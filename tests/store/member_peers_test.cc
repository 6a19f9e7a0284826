// Replicated membership (etcd's /0/members/<id>/raftAttributes and /0/removed_members/<id>
// internal entries) in the member_peers table, the conf_index rule, seeding, and snapshots.
#include <catch2/catch.hpp>

#include "store/member_table.h"
#include "store/snapshot_image.h"
#include "store/sqlite_db.h"
#include "store_test_util.h"

using namespace larch::store;
using namespace larch::store::test;

namespace {

constexpr uint64_t kBig = 0xfeedbeef00112233ull;  // high bit set: negative in SQLite
const std::string kUrlsA = R"({"peerURLs":["http://10.0.0.1:2380"]})";
const std::string kUrlsB = R"({"peerURLs":["http://10.0.0.2:2380","http://10.0.0.2:2381"]})";

Command add_member(uint64_t id, const std::string& urls) {
  return cmd(OpType::kInternal, member_raft_attributes_key(id), urls);
}

Command remove_member(uint64_t id) {
  return cmd(OpType::kInternal, removed_member_key(id));
}

// (kind, key) of the history row at etcd index idx, read straight from the events table;
// kind -1 when there is no row.
std::pair<int64_t, std::string> history_row(const std::string& path, uint64_t idx) {
  SqliteDb db(path, SqliteDb::Mode::kReadOnly);
  Statement st = db.prepare("SELECT kind, key FROM events WHERE idx=?1");
  auto q = st.use();
  q.bind_int(1, static_cast<int64_t>(idx));
  if (!q.step()) return {-1, ""};
  return {q.col_int(0), std::string(q.col_blob(1))};
}

constexpr int64_t kInternalKind = 2;  // HistoryKind::kInternal in the events table

}  // namespace

TEST_CASE("membership keys round-trip and reject malformed keys", "[member_peers]") {
  REQUIRE(member_raft_attributes_key(0xabc) == "/0/members/abc/raftAttributes");
  REQUIRE(removed_member_key(0xabc) == "/0/removed_members/abc");
  for (uint64_t id : {uint64_t{1}, uint64_t{0x1e59f386d59c414}, kBig, uint64_t{~0ull}}) {
    REQUIRE(parse_raft_attributes_key(member_raft_attributes_key(id)) == id);
    REQUIRE(parse_removed_member_key(removed_member_key(id)) == id);
    // The three member keys never parse as each other.
    REQUIRE_FALSE(parse_member_attributes_key(member_raft_attributes_key(id)));
    REQUIRE_FALSE(parse_raft_attributes_key(member_attributes_key(id)));
    REQUIRE_FALSE(parse_removed_member_key(member_raft_attributes_key(id)));
    REQUIRE_FALSE(parse_raft_attributes_key(removed_member_key(id)));
  }
  for (const char* bad :
       {"", "/0/members/0/raftAttributes", "/0/members//raftAttributes",
        "/0/members/xyz/raftAttributes", "/0/members/abc/raftattributes",
        "/0/members/abc/raftAttributes/x", "/1/members/abc/raftAttributes",
        "/0/members/abc/def/raftAttributes", "/0/members/12345678901234567/raftAttributes"}) {
    INFO(bad);
    REQUIRE_FALSE(parse_raft_attributes_key(bad));
  }
  for (const char* bad :
       {"", "/0/removed_members", "/0/removed_members/", "/0/removed_members/0",
        "/0/removed_members/abc/", "/0/removed_members/xyz", "/0/removed_members/a/b",
        "/0/removed_members/12345678901234567", "/0/members/abc", "/1/removed_members/abc"}) {
    INFO(bad);
    REQUIRE_FALSE(parse_removed_member_key(bad));
  }
}

TEST_CASE("member_peers table: put, mark removed, sorted listing, clear", "[member_peers]") {
  TempDir dir;
  SqliteDb db(dir.file("m.db"), SqliteDb::Mode::kReadWriteCreate);
  MemberTable t(db);
  t.put(7, R"({"name":"n7"})");
  REQUIRE(t.peers().empty());

  t.put_peers(kBig, kUrlsA);
  t.put_peers(5, kUrlsA);
  t.put_peers(5, kUrlsB);  // replaces
  // Sorted as unsigned ids: the high-bit id comes last.
  REQUIRE(t.peers() == std::vector<MemberPeers>{{5, kUrlsB, false}, {kBig, kUrlsA, false}});

  // Removal keeps the last peer URLs; an unknown member gets a row with "".
  REQUIRE(t.mark_removed(5) == MemberPeers{5, kUrlsB, true});
  REQUIRE(t.mark_removed(5) == MemberPeers{5, kUrlsB, true});  // idempotent
  REQUIRE(t.mark_removed(9) == MemberPeers{9, "", true});
  REQUIRE(t.peers() ==
          std::vector<MemberPeers>{{5, kUrlsB, true}, {9, "", true}, {kBig, kUrlsA, false}});
  // put_peers always stores a live member.
  t.put_peers(9, kUrlsA);
  REQUIRE(t.peers()[1] == MemberPeers{9, kUrlsA, false});

  t.clear_peers();
  REQUIRE(t.peers().empty());
  REQUIRE(t.all().size() == 1);  // member_attributes untouched
}

TEST_CASE("raftAttributes and removed_members entries update member_peers", "[member_peers]") {
  StoreFixture f;
  uint64_t b = f.index();
  REQUIRE(f.store->conf_index() == 0);

  ApplyResult r = f.run(add_member(kBig, kUrlsA));
  REQUIRE(r.error_code == 0);
  REQUIRE(r.action == "internal");
  REQUIRE(r.etcd_index == b + 1);
  REQUIRE(r.member_peers == MemberPeers{kBig, kUrlsA, false});
  REQUIRE_FALSE(r.member_attributes);
  REQUIRE(r.events.empty());  // invisible to watchers
  REQUIRE(history_row(f.path, b + 1) ==
          std::make_pair(kInternalKind, member_raft_attributes_key(kBig)));

  REQUIRE(f.run(add_member(0x10, kUrlsA)).member_peers == MemberPeers{0x10, kUrlsA, false});
  r = f.run(add_member(0x10, kUrlsB));  // peer URLs updated
  REQUIRE(r.member_peers == MemberPeers{0x10, kUrlsB, false});
  REQUIRE(r.etcd_index == b + 3);

  r = f.run(remove_member(0x10));
  REQUIRE(r.member_peers == MemberPeers{0x10, kUrlsB, true});
  REQUIRE(r.etcd_index == b + 4);
  REQUIRE(history_row(f.path, b + 4) == std::make_pair(kInternalKind, removed_member_key(0x10)));
  // Removing a member never seen: its row has no peer URLs. The value is ignored.
  Command rm = remove_member(0x99);
  rm.value = "ignored";
  REQUIRE(f.run(rm).member_peers == MemberPeers{0x99, "", true});

  // Other internal entries consume an index but leave member_peers alone.
  REQUIRE_FALSE(f.run(cmd(OpType::kInternal, "/0/removed_members/0")).member_peers);
  r = f.run(cmd(OpType::kInternal, member_attributes_key(0x10), R"({"name":"x"})"));
  REQUIRE(r.member_attributes);
  REQUIRE_FALSE(r.member_peers);
  REQUIRE(f.index() == b + 7);
  REQUIRE(f.reader->find_event("/", true, b + 1, f.index()).kind == HistoryResult::Kind::kNone);

  std::vector<MemberPeers> want{{0x10, kUrlsB, true}, {0x99, "", true}, {kBig, kUrlsA, false}};
  REQUIRE(f.store->member_peers() == want);
  f.store.reset();
  auto reopened = KeyStore::open(f.path, 1000);
  REQUIRE(reopened->member_peers() == want);
  REQUIRE(reopened->conf_index() == 0);
}

TEST_CASE("membership entries at or below conf_index only consume their etcd index",
          "[member_peers]") {
  StoreFixture f;
  std::vector<MemberPeers> seeded{{1, kUrlsA, false}, {2, kUrlsA, true}};
  f.store->seed_member_peers(seeded, 5);
  REQUIRE(f.store->conf_index() == 5);
  uint64_t b = f.index();

  f.raft_index = 2;
  ApplyResult r = f.run(add_member(3, kUrlsB));  // raft index 3
  REQUIRE(r.error_code == 0);
  REQUIRE_FALSE(r.member_peers);
  REQUIRE(r.etcd_index == b + 1);
  REQUIRE(history_row(f.path, b + 1) ==
          std::make_pair(kInternalKind, member_raft_attributes_key(3)));
  // Attributes are not membership: applied at any index.
  REQUIRE(f.run(cmd(OpType::kInternal, member_attributes_key(1), "{}")).member_attributes);
  r = f.run(remove_member(1));  // raft index 5 == conf_index
  REQUIRE_FALSE(r.member_peers);
  REQUIRE(r.etcd_index == b + 3);
  REQUIRE(f.store->member_peers() == seeded);

  // Above conf_index the table follows the log again; conf_index itself stays.
  r = f.run(remove_member(1));  // raft index 6
  REQUIRE(r.member_peers == MemberPeers{1, kUrlsA, true});
  REQUIRE(f.run(add_member(3, kUrlsB)).member_peers == MemberPeers{3, kUrlsB, false});
  REQUIRE(f.index() == b + 5);
  REQUIRE(f.store->conf_index() == 5);
  REQUIRE(f.store->member_peers() ==
          std::vector<MemberPeers>{{1, kUrlsA, true}, {2, kUrlsA, true}, {3, kUrlsB, false}});
}

TEST_CASE("seed_member_peers replaces the table durably, outside a batch", "[member_peers]") {
  StoreFixture f;
  f.run(add_member(1, kUrlsA));
  f.run(add_member(2, kUrlsA));
  f.run(cmd(OpType::kInternal, member_attributes_key(1), "{}"));
  uint64_t etcd = f.index(), applied = f.store->applied_index();

  std::vector<MemberPeers> seeded{{3, kUrlsB, false}, {4, "", true}, {kBig, kUrlsA, true}};
  f.store->seed_member_peers(seeded, 42);
  REQUIRE(f.store->member_peers() == seeded);
  REQUIRE(f.store->conf_index() == 42);
  // Committed: another connection sees it at once. Nothing else changed.
  {
    SqliteDb db(f.path, SqliteDb::Mode::kReadOnly);
    REQUIRE(db.query_int("SELECT value FROM meta WHERE name='conf_index'") == 42);
    REQUIRE(db.query_int("SELECT count(*) FROM member_peers") == 3);
  }
  REQUIRE(f.index() == etcd);
  REQUIRE(f.store->applied_index() == applied);
  REQUIRE(f.store->member_attributes().size() == 1);

  f.store->begin_batch();
  REQUIRE_THROWS_AS(f.store->seed_member_peers({}, 1), std::logic_error);
  f.store->commit_batch();

  f.store.reset();
  f.store = KeyStore::open(f.path, 1000);
  REQUIRE(f.store->member_peers() == seeded);
  REQUIRE(f.store->conf_index() == 42);
  f.store->seed_member_peers({}, 43);  // an empty member list clears the table
  REQUIRE(f.store->member_peers().empty());
  f.store.reset();
  REQUIRE(KeyStore::open(f.path, 1000)->conf_index() == 43);
}

TEST_CASE("a snapshot image carries member_peers and conf_index", "[member_peers][snapshot]") {
  TempDir dir;
  StoreFixture src;
  src.store->seed_member_peers({{1, kUrlsA, false}}, 7);
  src.raft_index = 7;
  src.run(add_member(2, kUrlsB));
  src.run(remove_member(1));
  src.run(cmd(OpType::kInternal, member_attributes_key(2), R"({"name":"n2"})"));
  std::vector<MemberPeers> want{{1, kUrlsA, true}, {2, kUrlsB, false}};
  REQUIRE(src.store->member_peers() == want);

  std::string err;
  auto img = write_snapshot_image(src.path, dir.file("image.snap"), &err);
  INFO(err);
  REQUIRE(img);

  // The target has its own, different membership and a higher conf_index.
  std::string dst_path = dir.file("dst.db");
  auto dst = KeyStore::open(dst_path, 1000);
  dst->seed_member_peers({{9, kUrlsA, false}}, 99);
  REQUIRE_FALSE(dst->install_snapshot_file(img->path));
  REQUIRE(dst->member_peers() == want);
  REQUIRE(dst->conf_index() == 7);
  REQUIRE(dst->member_attributes() == src.store->member_attributes());
  dst = KeyStore::open(dst_path, 1000);  // (the old store closes after the new one opened)
  REQUIRE(dst->member_peers() == want);
  REQUIRE(dst->conf_index() == 7);

  // Both go on identically: membership entries above conf_index apply on both.
  uint64_t next = src.raft_index + 1;
  for (const Command& c : {add_member(3, kUrlsA), remove_member(2)}) {
    src.store->begin_batch();
    ApplyResult a = src.store->apply(next, c);
    src.store->commit_batch();
    dst->begin_batch();
    ApplyResult b = dst->apply(next, c);
    dst->commit_batch();
    ++next;
    REQUIRE(a.member_peers);
    REQUIRE(a.member_peers == b.member_peers);
    REQUIRE(a.etcd_index == b.etcd_index);
  }
  REQUIRE(dst->member_peers() == src.store->member_peers());
}

TEST_CASE("files and images from before member_peers / conf_index work", "[member_peers]") {
  TempDir dir;
  std::string old_path = dir.file("old.db");
  {
    auto s = KeyStore::open(old_path, 100);
    s->begin_batch();
    s->apply(1, cmd(OpType::kSet, "/a", "1"));
    s->apply(2, cmd(OpType::kInternal, member_attributes_key(4), "{}"));
    s->commit_batch();
  }
  {  // as an older build left it
    SqliteDb db(old_path, SqliteDb::Mode::kReadWriteCreate);
    db.exec("DROP TABLE member_peers");
    db.exec("DELETE FROM meta WHERE name='conf_index'");
  }

  // An image of the old file installs over a store with membership: the image has none.
  auto img = write_snapshot_image(old_path, dir.file("image.snap"), nullptr);
  REQUIRE(img);
  std::string dst_path = dir.file("dst.db");
  {
    auto dst = KeyStore::open(dst_path, 100);
    dst->seed_member_peers({{1, kUrlsA, false}}, 3);
    REQUIRE_FALSE(dst->install_snapshot_file(img->path));
    REQUIRE(dst->conf_index() == 0);
    REQUIRE(dst->member_peers().empty());
    REQUIRE(dst->member_attributes().size() == 1);
    dst->begin_batch();
    REQUIRE(dst->apply(3, add_member(1, kUrlsB)).member_peers == MemberPeers{1, kUrlsB, false});
    dst->commit_batch();
  }
  REQUIRE(KeyStore::open(dst_path, 100)->member_peers() ==
          std::vector<MemberPeers>{{1, kUrlsB, false}});

  // The old file itself opens and gains the table and meta row.
  auto s = KeyStore::open(old_path, 100);
  REQUIRE(s->conf_index() == 0);
  REQUIRE(s->member_peers().empty());
  REQUIRE(s->applied_index() == 2);
  s->begin_batch();
  ApplyResult r = s->apply(3, remove_member(4));
  s->commit_batch();
  REQUIRE(r.member_peers == MemberPeers{4, "", true});
  REQUIRE(r.etcd_index == 3);
  SqliteDb db(old_path, SqliteDb::Mode::kReadOnly);
  REQUIRE(db.query_int("SELECT count(*) FROM meta WHERE name='conf_index'") == 1);
}
