// KeyReader::get (spec §3.1): files, listings, recursion, sorting, hidden nodes, errors.
#include "store/key_reader.h"

#include <catch2/catch.hpp>

#include "store_test_util.h"

using namespace larch::store;
using namespace larch::store::test;

TEST_CASE("get of the root: no key, no indexes, no nodes when empty", "[reader]") {
  StoreFixture f;
  auto g = f.reader->get("/", false, false, kNow);
  REQUIRE(g.http_status == 200);
  REQUIRE(g.body == "{\"action\":\"get\",\"node\":{\"dir\":true}}\n");
  uint64_t b = f.index();
  f.set("/message", "World");
  REQUIRE(
      f.get("/") ==
      at(R"({"action":"get","node":{"dir":true,"nodes":[{"key":"/message","value":"World","modifiedIndex":$1,"createdIndex":$1}]}})"
         "\n",
         b));
  REQUIRE(f.reader->get("", false, false, kNow).body == f.get("/"));
}

TEST_CASE("directory listings of spec §3.1.2, sorted by byte order", "[reader]") {
  StoreFixture f;
  uint64_t b = f.index();
  f.set("/tree/b", "B");    // $1 (creates /tree)
  f.set("/tree/a", "A");    // $2
  f.set("/tree/c/d", "D");  // $3
  REQUIRE(
      f.get("/tree") ==
      at(R"({"action":"get","node":{"key":"/tree","dir":true,"nodes":[{"key":"/tree/a","value":"A","modifiedIndex":$2,"createdIndex":$2},{"key":"/tree/b","value":"B","modifiedIndex":$1,"createdIndex":$1},{"key":"/tree/c","dir":true,"modifiedIndex":$3,"createdIndex":$3}],"modifiedIndex":$1,"createdIndex":$1}})"
         "\n",
         b));
  REQUIRE(
      f.get("/tree", true) ==
      at(R"({"action":"get","node":{"key":"/tree","dir":true,"nodes":[{"key":"/tree/a","value":"A","modifiedIndex":$2,"createdIndex":$2},{"key":"/tree/b","value":"B","modifiedIndex":$1,"createdIndex":$1},{"key":"/tree/c","dir":true,"nodes":[{"key":"/tree/c/d","value":"D","modifiedIndex":$3,"createdIndex":$3}],"modifiedIndex":$3,"createdIndex":$3}],"modifiedIndex":$1,"createdIndex":$1}})"
         "\n",
         b));
  // recursive/sorted have no effect on files
  REQUIRE(f.get("/tree/a", true) == f.get("/tree/a"));
}

TEST_CASE("recursive listing nests by level even where full-path order differs", "[reader]") {
  StoreFixture f;
  f.set("/s/b/c", "1");
  f.set("/s/b-x", "2");
  f.set("/s/a", "3");
  std::string body = f.get("/s", true);
  // per level: a, b, b-x (and /s/b/c nested inside /s/b)
  size_t a = body.find("\"/s/a\""), bdir = body.find("\"/s/b\""), bc = body.find("\"/s/b/c\""),
         bx = body.find("\"/s/b-x\"");
  REQUIRE(a < bdir);
  REQUIRE(bdir < bc);
  REQUIRE(bc < bx);
  std::string root = f.get("/", true);
  REQUIRE(root.find("\"/s/b/c\"") != std::string::npos);
  REQUIRE(root.rfind("]}}\n") == root.size() - 4);
}

TEST_CASE("hidden nodes are omitted from listings at every depth but readable", "[reader]") {
  StoreFixture f;
  f.set("/h/_hidden", "secret");
  f.set("/h/visible/_deep", "x");
  f.set("/h/visible/ok", "y");
  f.set("/h/_hdir/child", "z");
  std::string flat = f.get("/h");
  REQUIRE(flat.find("_hidden") == std::string::npos);
  REQUIRE(flat.find("_hdir") == std::string::npos);
  std::string rec = f.get("/h", true);
  REQUIRE(rec.find("_") == std::string::npos);
  REQUIRE(rec.find("/h/visible/ok") != std::string::npos);
  auto direct = f.reader->get("/h/_hidden", false, false, kNow);
  REQUIRE(direct.http_status == 200);
  REQUIRE(direct.body.find("\"value\":\"secret\"") != std::string::npos);
  // a hidden directory listed directly shows its (non-hidden) children
  REQUIRE(f.get("/h/_hdir").find("/h/_hdir/child") != std::string::npos);
  // a directory whose only children are hidden has no "nodes"
  f.set("/only/_h", "x");
  REQUIRE(f.get("/only").find("nodes") == std::string::npos);
  REQUIRE(f.get("/only", true).find("nodes") == std::string::npos);
}

TEST_CASE("get errors: first missing component, file on the path", "[reader]") {
  StoreFixture f;
  f.set("/x/y", "v");
  uint64_t i = f.index();
  auto g = f.reader->get("/x/z/w", false, false, kNow);
  REQUIRE(g.error_code == 100);
  REQUIRE(g.http_status == 404);
  REQUIRE(g.etcd_index == i);
  REQUIRE(g.body == at(R"({"errorCode":100,"message":"Key not found","cause":"/x/z","index":$0})"
                       "\n",
                       i));
  REQUIRE(f.reader->get("/nothing", false, false, kNow).body.find("\"cause\":\"/nothing\"") !=
          std::string::npos);
  g = f.reader->get("/x/y/deeper", false, false, kNow);
  REQUIRE(g.error_code == 104);
  REQUIRE(g.http_status == 400);
  REQUIRE(g.body.find("\"cause\":\"/x/y\"") != std::string::npos);
}

TEST_CASE("reader sees exactly the committed batches, index consistent with body", "[reader]") {
  StoreFixture f;
  f.set("/a", "1");
  uint64_t i = f.index();
  f.store->begin_batch();
  f.store->apply(++f.raft_index, cmd(OpType::kSet, "/a", "2"));
  auto g = f.reader->get("/a", false, false, kNow);  // the open batch is invisible
  REQUIRE(g.etcd_index == i);
  REQUIRE(g.body.find("\"value\":\"1\"") != std::string::npos);
  f.store->commit_batch();
  // keys.db follows memory behind: a committed batch reaches the file with flush().
  f.reader->end_snapshot();
  REQUIRE(f.reader->get("/a", false, false, kNow).etcd_index == i);
  REQUIRE(f.store->live().get("/a", false, kNow).etcd_index == i + 1);
  REQUIRE(f.store->flushed_index() == f.raft_index - 1);
  REQUIRE(f.store->flush());
  REQUIRE_FALSE(f.store->flush());  // nothing left
  REQUIRE(f.store->flushed_index() == f.raft_index);
  // The reader's snapshot stays as it was until the owner ends it (snapshot contract).
  REQUIRE(f.reader->get("/a", false, false, kNow).etcd_index == i);
  f.reader->end_snapshot();
  g = f.reader->get("/a", false, false, kNow);
  REQUIRE(g.etcd_index == i + 1);
  REQUIRE(g.body.find("\"value\":\"2\"") != std::string::npos);
  REQUIRE(f.reader->etcd_index() == i + 1);
}
