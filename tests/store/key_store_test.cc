// KeyStore write semantics: the verified examples of spec §3.2–§3.4 (indexes relative).
#include "store/key_store.h"

#include <catch2/catch.hpp>

#include "store_test_util.h"

using namespace larch::store;
using namespace larch::store::test;

namespace {

Command cas(const std::string& key, std::optional<std::string> prev_value, uint64_t prev_index,
            const std::string& value = "") {
  Command c = cmd(OpType::kCompareAndSwap, key, value);
  c.prev_value = std::move(prev_value);
  c.prev_index = prev_index;
  return c;
}

Command del(const std::string& key, bool dir = false, bool recursive = false) {
  Command c = cmd(OpType::kDelete, key);
  c.dir = dir;
  c.recursive = recursive;
  return c;
}

}  // namespace

TEST_CASE("create/update/CAS sequence of spec §3.2.1", "[key_store]") {
  StoreFixture f;
  uint64_t b = f.index();
  auto r = f.run(cmd(OpType::kCreate, "/foo", "one"));
  REQUIRE(r.http_status == 201);
  REQUIRE(r.action == "create");
  REQUIRE(
      r.body ==
      at(R"({"action":"create","node":{"key":"/foo","value":"one","modifiedIndex":$1,"createdIndex":$1}})"
         "\n",
         b));
  REQUIRE(r.etcd_index == b + 1);
  REQUIRE(r.events.size() == 1);
  REQUIRE(r.events[0].json == r.body);
  REQUIRE(r.events[0].index == b + 1);

  r = f.run(cmd(OpType::kCreate, "/foo", "two"));
  REQUIRE(r.http_status == 412);
  REQUIRE(r.body ==
          at(R"({"errorCode":105,"message":"Key already exists","cause":"/foo","index":$1})"
             "\n",
             b));
  REQUIRE(r.events.empty());
  REQUIRE(f.index() == b + 1);  // failures consume no index

  r = f.run(cmd(OpType::kUpdate, "/foo", "two"));
  REQUIRE(r.http_status == 200);
  REQUIRE(
      r.body ==
      at(R"({"action":"update","node":{"key":"/foo","value":"two","modifiedIndex":$2,"createdIndex":$1},"prevNode":{"key":"/foo","value":"one","modifiedIndex":$1,"createdIndex":$1}})"
         "\n",
         b));

  r = f.run(cas("/foo", "two", 0, "three"));
  REQUIRE(
      r.body ==
      at(R"({"action":"compareAndSwap","node":{"key":"/foo","value":"three","modifiedIndex":$3,"createdIndex":$1},"prevNode":{"key":"/foo","value":"two","modifiedIndex":$2,"createdIndex":$1}})"
         "\n",
         b));

  r = f.run(cas("/foo", "two", 0, "four"));
  REQUIRE(r.http_status == 412);
  REQUIRE(r.body ==
          at(R"({"errorCode":101,"message":"Compare failed","cause":"[two != three]","index":$3})"
             "\n",
             b));

  r = f.run(cas("/foo", "x", 1));
  REQUIRE(
      r.body ==
      at(R"({"errorCode":101,"message":"Compare failed","cause":"[x != three] [1 != $3]","index":$3})"
         "\n",
         b));
  r = f.run(cas("/foo", std::nullopt, 1));
  REQUIRE(r.body ==
          at(R"({"errorCode":101,"message":"Compare failed","cause":"[1 != $3]","index":$3})"
             "\n",
             b));
  r = f.run(cas("/foo", "three", 1));  // only the failing condition is shown
  REQUIRE(r.body ==
          at(R"({"errorCode":101,"message":"Compare failed","cause":"[1 != $3]","index":$3})"
             "\n",
             b));

  r = f.set("/foo", "eight");  // plain set replaces the node: new createdIndex
  REQUIRE(r.http_status == 200);
  REQUIRE(
      r.body ==
      at(R"({"action":"set","node":{"key":"/foo","value":"eight","modifiedIndex":$4,"createdIndex":$4},"prevNode":{"key":"/foo","value":"three","modifiedIndex":$3,"createdIndex":$1}})"
         "\n",
         b));
  REQUIRE(
      f.get("/foo") ==
      at(R"({"action":"get","node":{"key":"/foo","value":"eight","modifiedIndex":$4,"createdIndex":$4}})"
         "\n",
         b));
}

TEST_CASE("set: new, onto a directory, dir over file, through a file, root", "[key_store]") {
  StoreFixture f;
  uint64_t b = f.index();
  auto r = f.set("/n", "v");
  REQUIRE(r.http_status == 201);
  REQUIRE(r.action == "set");
  REQUIRE(
      r.body ==
      at(R"({"action":"set","node":{"key":"/n","value":"v","modifiedIndex":$1,"createdIndex":$1}})"
         "\n",
         b));

  f.mkdir("/queue");
  r = f.set("/queue", "x");
  REQUIRE(r.http_status == 403);
  REQUIRE(r.body == at(R"({"errorCode":102,"message":"Not a file","cause":"/queue","index":$2})"
                       "\n",
                       b));

  Command dv = cmd(OpType::kSet, "/dv", "abc");
  dv.dir = true;
  r = f.run(dv);
  REQUIRE(r.http_status == 201);
  REQUIRE(
      r.body ==
      at(R"({"action":"set","node":{"key":"/dv","dir":true,"modifiedIndex":$3,"createdIndex":$3}})"
         "\n",
         b));

  Command over = cmd(OpType::kSet, "/n");
  over.dir = true;
  r = f.run(over);  // a file replaced by an empty directory
  REQUIRE(r.http_status == 200);
  REQUIRE(
      r.body ==
      at(R"({"action":"set","node":{"key":"/n","dir":true,"modifiedIndex":$4,"createdIndex":$4},"prevNode":{"key":"/n","value":"v","modifiedIndex":$1,"createdIndex":$1}})"
         "\n",
         b));

  f.set("/persist", "p");
  r = f.set("/persist/child", "c");
  REQUIRE(r.http_status == 400);
  REQUIRE(r.body ==
          at(R"({"errorCode":104,"message":"Not a directory","cause":"/persist","index":$5})"
             "\n",
             b));
  r = f.set("/persist/child/deeper", "c");
  REQUIRE(r.error_code == 104);

  r = f.set("/", "x");
  REQUIRE(r.body == at(R"({"errorCode":107,"message":"Root is read only","cause":"/","index":$5})"
                       "\n",
                       b));
  REQUIRE(f.index() == b + 5);
}

TEST_CASE("auto-created ancestors get the write's index; dir modifiedIndex ignores children",
          "[key_store]") {
  StoreFixture f;
  uint64_t b = f.index();
  f.set("/a/b/c", "v");
  REQUIRE(
      f.get("/a") ==
      at(R"({"action":"get","node":{"key":"/a","dir":true,"nodes":[{"key":"/a/b","dir":true,"modifiedIndex":$1,"createdIndex":$1}],"modifiedIndex":$1,"createdIndex":$1}})"
         "\n",
         b));
  f.set("/a/b/d", "w");
  f.run(del("/a/b/c"));
  REQUIRE(f.get("/a/b").find(at(R"("modifiedIndex":$1,"createdIndex":$1}})", b)) !=
          std::string::npos);
  auto r = f.set("/a/x/y/z", "deep");  // several missing ancestors at once
  REQUIRE(r.error_code == 0);
  REQUIRE(
      f.get("/a/x/y") ==
      at(R"({"action":"get","node":{"key":"/a/x/y","dir":true,"nodes":[{"key":"/a/x/y/z","value":"deep","modifiedIndex":$4,"createdIndex":$4}],"modifiedIndex":$4,"createdIndex":$4}})"
         "\n",
         b));
}

TEST_CASE("create: directories, through a file, root", "[key_store]") {
  StoreFixture f;
  uint64_t b = f.index();
  Command d = cmd(OpType::kCreate, "/d/e", "ignored");
  d.dir = true;
  auto r = f.run(d);
  REQUIRE(
      r.body ==
      at(R"({"action":"create","node":{"key":"/d/e","dir":true,"modifiedIndex":$1,"createdIndex":$1}})"
         "\n",
         b));
  REQUIRE(f.run(d).error_code == 105);  // an existing directory also counts
  f.set("/f", "file");
  r = f.run(cmd(OpType::kCreate, "/f/x"));
  REQUIRE(r.body == at(R"({"errorCode":104,"message":"Not a directory","cause":"/f","index":$2})"
                       "\n",
                       b));
  REQUIRE(f.run(cmd(OpType::kCreate, "/")).error_code == 107);
}

TEST_CASE("update: missing, file with dir=true, directory rules", "[key_store]") {
  StoreFixture f;
  uint64_t b = f.index();
  auto r = f.run(cmd(OpType::kUpdate, "/nope/x", "v"));
  REQUIRE(r.body == at(R"({"errorCode":100,"message":"Key not found","cause":"/nope","index":$0})"
                       "\n",
                       b));
  f.set("/file", "v");
  Command u = cmd(OpType::kUpdate, "/file");
  u.dir = true;  // ignored for files: value becomes ""
  r = f.run(u);
  REQUIRE(
      r.body ==
      at(R"({"action":"update","node":{"key":"/file","value":"","modifiedIndex":$2,"createdIndex":$1},"prevNode":{"key":"/file","value":"v","modifiedIndex":$1,"createdIndex":$1}})"
         "\n",
         b));

  f.mkdir("/dir");  // b+3
  r = f.run(cmd(OpType::kUpdate, "/dir", "x"));
  REQUIRE(r.body == at(R"({"errorCode":102,"message":"Not a file","cause":"/dir","index":$3})"
                       "\n",
                       b));
  Command ttl = cmd(OpType::kUpdate, "/dir");
  ttl.dir = true;
  ttl.expiration_ns = kNow + 60 * kSec;
  r = f.run(ttl);
  REQUIRE(
      r.body ==
      at(R"({"action":"update","node":{"key":"/dir","dir":true,"expiration":"2023-11-14T22:14:20Z","ttl":60,"modifiedIndex":$4,"createdIndex":$3},"prevNode":{"key":"/dir","dir":true,"modifiedIndex":$3,"createdIndex":$3}})"
         "\n",
         b));
  REQUIRE(r.ttl_set.size() == 1);
  REQUIRE(r.ttl_set[0] == std::make_pair(std::string("/dir"), kNow + 60 * kSec));
  // [quirk §2.4] the stored directory keeps its old modifiedIndex.
  REQUIRE(
      f.get("/dir") ==
      at(R"({"action":"get","node":{"key":"/dir","dir":true,"expiration":"2023-11-14T22:14:20Z","ttl":60,"modifiedIndex":$3,"createdIndex":$3}})"
         "\n",
         b));
  REQUIRE(f.index() == b + 4);
  REQUIRE(f.run(cmd(OpType::kUpdate, "/")).error_code == 107);
}

TEST_CASE("compare-and-swap: root, missing, directory", "[key_store]") {
  StoreFixture f;
  REQUIRE(f.run(cas("/", "a", 0)).body.find("\"errorCode\":107") != std::string::npos);
  auto r = f.run(cas("/m", "a", 0));
  REQUIRE(r.error_code == 100);
  REQUIRE(r.http_status == 404);
  f.mkdir("/d");
  r = f.run(cas("/d", "a", 0));
  REQUIRE(r.error_code == 102);
  REQUIRE(r.body.find("\"cause\":\"/d\"") != std::string::npos);
  f.set("/k", "v");
  r = f.run(cas("/k", std::nullopt, f.index(), "w"));  // prevIndex alone
  REQUIRE(r.action == "compareAndSwap");
}

TEST_CASE("delete and compare-and-delete of spec §3.4", "[key_store]") {
  StoreFixture f;
  uint64_t b = f.index();
  f.set("/message", "World");  // $1
  auto r = f.run(del("/message"));
  REQUIRE(
      r.body ==
      at(R"({"action":"delete","node":{"key":"/message","modifiedIndex":$2,"createdIndex":$1},"prevNode":{"key":"/message","value":"World","modifiedIndex":$1,"createdIndex":$1}})"
         "\n",
         b));
  REQUIRE(r.events.size() == 1);
  REQUIRE(r.events[0].removal);
  REQUIRE_FALSE(r.events[0].dir);

  f.mkdir("/d1");  // $3
  r = f.run(del("/d1", true));
  REQUIRE(
      r.body ==
      at(R"({"action":"delete","node":{"key":"/d1","dir":true,"modifiedIndex":$4,"createdIndex":$3},"prevNode":{"key":"/d1","dir":true,"modifiedIndex":$3,"createdIndex":$3}})"
         "\n",
         b));
  REQUIRE(r.events[0].dir);

  f.set("/tree/a", "A");  // $5
  r = f.run(del("/tree", true));
  REQUIRE(r.body ==
          at(R"({"errorCode":108,"message":"Directory not empty","cause":"/tree","index":$5})"
             "\n",
             b));
  r = f.run(del("/tree"));
  REQUIRE(r.body == at(R"({"errorCode":102,"message":"Not a file","cause":"/tree","index":$5})"
                       "\n",
                       b));
  f.set("/tree/_hidden", "h");  // $6 a hidden child still makes the directory non-empty
  f.run(del("/tree/a"));        // $7
  REQUIRE(f.run(del("/tree", true)).error_code == 108);
  r = f.run(del("/tree", false, true));  // recursive implies dir
  REQUIRE(
      r.body ==
      at(R"({"action":"delete","node":{"key":"/tree","dir":true,"modifiedIndex":$8,"createdIndex":$5},"prevNode":{"key":"/tree","dir":true,"modifiedIndex":$5,"createdIndex":$5}})"
         "\n",
         b));
  REQUIRE(f.reader->get("/tree/_hidden", false, false, kNow).error_code == 100);

  f.set("/q1", "fromquery");  // $9
  Command cad = cmd(OpType::kCompareAndDelete, "/q1");
  cad.prev_value = "fromquery";
  r = f.run(cad);
  REQUIRE(
      r.body ==
      at(R"({"action":"compareAndDelete","node":{"key":"/q1","modifiedIndex":$10,"createdIndex":$9},"prevNode":{"key":"/q1","value":"fromquery","modifiedIndex":$9,"createdIndex":$9}})"
         "\n",
         b));
}

TEST_CASE("delete / CAD error cases", "[key_store]") {
  StoreFixture f;
  uint64_t b = f.index();
  auto r = f.run(del("/", true, true));
  REQUIRE(r.body == at(R"({"errorCode":107,"message":"Root is read only","cause":"/","index":$0})"
                       "\n",
                       b));
  Command cad = cmd(OpType::kCompareAndDelete, "/");
  cad.prev_value = "a";
  r = f.run(cad);  // root: 102 without a cause
  REQUIRE(r.body == at(R"({"errorCode":102,"message":"Not a file","index":$0})"
                       "\n",
                       b));
  REQUIRE(f.run(del("/x/y")).body.find("\"cause\":\"/x\"") != std::string::npos);
  f.mkdir("/d");
  cad.key = "/d";
  cad.recursive = true;
  r = f.run(cad);
  REQUIRE(r.error_code == 102);
  REQUIRE(r.http_status == 403);
  f.set("/k", "v");  // $2
  cad = cmd(OpType::kCompareAndDelete, "/k");
  cad.prev_value = "w";
  cad.prev_index = 1;
  r = f.run(cad);
  REQUIRE(
      r.body ==
      at(R"({"errorCode":101,"message":"Compare failed","cause":"[w != v] [1 != $2]","index":$2})"
         "\n",
         b));
  cad.prev_value.reset();
  cad.prev_index = b + 2;
  REQUIRE(f.run(cad).action == "compareAndDelete");
  REQUIRE(f.run(del("/d/x")).error_code == 100);
  f.set("/file", "v");
  r = f.run(del("/file/x"));
  REQUIRE(r.error_code == 104);
  REQUIRE(r.body.find("\"cause\":\"/file\"") != std::string::npos);
  r = f.run(del("/d", true));  // file deletes ignore flags; empty dir with dir=true works
  REQUIRE(r.action == "delete");
  Command file_flags = del("/file", true, true);
  REQUIRE(f.run(file_flags).action == "delete");
}

TEST_CASE("POST creates in-order keys named by the new index", "[key_store]") {
  StoreFixture f;
  uint64_t b = f.index();
  auto r = f.run(cmd(OpType::kCreateInOrder, "/queue", "Job1"));
  std::string name =
      "/queue/" + std::string(20 - std::to_string(b + 1).size(), '0') + std::to_string(b + 1);
  REQUIRE(r.http_status == 201);
  REQUIRE(r.body == at(R"({"action":"create","node":{"key":")" + name +
                           R"(","value":"Job1","modifiedIndex":$1,"createdIndex":$1}})"
                           "\n",
                       b));
  REQUIRE(f.get("/queue").find(at(R"(],"modifiedIndex":$1,"createdIndex":$1})", b)) !=
          std::string::npos);  // the queue directory was created with the same index
  f.set("/other", "x");
  Command d = cmd(OpType::kCreateInOrder, "/queue");
  d.dir = true;
  r = f.run(d);
  REQUIRE(r.body.find("\"dir\":true") != std::string::npos);
  std::string listing = f.get("/queue");
  REQUIRE(listing.find(name) < listing.find(std::to_string(b + 3) + "\",\"dir\""));

  r = f.run(cmd(OpType::kCreateInOrder, "/"));
  REQUIRE(r.body.find(at("\"key\":\"/0000000000000000000$4\"", b)) != std::string::npos);
  r = f.run(cmd(OpType::kCreateInOrder, "/other", "x"));
  REQUIRE(r.body ==
          at(R"({"errorCode":104,"message":"Not a directory","cause":"/other","index":$4})"
             "\n",
             b));
}

TEST_CASE("kInternal consumes an index without events or nodes", "[key_store]") {
  StoreFixture f;
  uint64_t b = f.index();
  auto r = f.run(cmd(OpType::kInternal, "/0/members/1"));
  REQUIRE(r.error_code == 0);
  REQUIRE(r.events.empty());
  REQUIRE(r.etcd_index == b + 1);
  REQUIRE(f.index() == b + 1);
  REQUIRE(f.get("/") == "{\"action\":\"get\",\"node\":{\"dir\":true}}\n");
  REQUIRE(f.reader->etcd_index() == b + 1);
}

TEST_CASE("keys and values are arbitrary bytes", "[key_store]") {
  StoreFixture f;
  std::string key("/a\0b", 4);
  std::string value("x\0<y>&", 6);
  REQUIRE(f.set(key, value).error_code == 0);
  REQUIRE(f.set("/a", "other").error_code == 0);  // distinct from "/a\0b"
  uint64_t i = f.index();
  REQUIRE(
      f.get(key) ==
      at(R"({"action":"get","node":{"key":"/a\u0000b","value":"x\u0000\u003cy\u003e\u0026","modifiedIndex":$0,"createdIndex":$0}})"
         "\n",
         i - 1));
  REQUIRE(f.get("/a").find("\"other\"") != std::string::npos);
}

TEST_CASE("apply without a body: same state, events and indexes; errors keep theirs",
          "[key_store]") {
  // A member that did not propose the command applies it without rendering the answer.
  StoreFixture with, without;
  uint64_t raft = 0;
  auto both = [&](const Command& c) {
    ++raft;
    with.store->begin_batch();
    ApplyResult a = with.store->apply(raft, 1, c, true);
    with.store->commit_batch();
    with.flush();
    without.store->begin_batch();
    ApplyResult b = without.store->apply(raft, 1, c, false);
    without.store->commit_batch();
    without.flush();
    REQUIRE(a.http_status == b.http_status);
    REQUIRE(a.error_code == b.error_code);
    REQUIRE(a.etcd_index == b.etcd_index);
    REQUIRE(a.action == b.action);
    REQUIRE(a.events.size() == b.events.size());
    for (size_t i = 0; i < a.events.size(); ++i) REQUIRE(a.events[i].json == b.events[i].json);
    return std::make_pair(a, b);
  };
  auto [a, b] = both(cmd(OpType::kSet, "/k", "v"));
  REQUIRE_FALSE(a.body.empty());
  REQUIRE(b.body.empty());
  REQUIRE(b.events.at(0).json == a.body);
  auto [ea, eb] = both(cmd(OpType::kCreate, "/k", "again"));  // 105 Key already exists
  REQUIRE(ea.error_code == 105);
  REQUIRE(eb.body == ea.body);
  both(cmd(OpType::kDelete, "/k"));
  REQUIRE(with.get("/k") == without.get("/k"));
  REQUIRE(with.get("/") == without.get("/"));
}
