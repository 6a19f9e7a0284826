// Event history replay (spec §5.2/§5.3) with the two etcd replay bugs fixed, and trimming.
#include <catch2/catch.hpp>

#include "store/watch_match.h"
#include "store_test_util.h"

using namespace larch::store;
using namespace larch::store::test;
using Kind = HistoryResult::Kind;

namespace {

Command delete_key(const std::string& key, bool recursive) {
  Command c = cmd(OpType::kDelete, key);
  c.recursive = recursive;
  c.dir = recursive;
  return c;
}

}  // namespace

TEST_CASE("replay matches exact keys and recursive children", "[history]") {
  StoreFixture f;
  uint64_t b = f.index();
  f.set("/w/a", "1");  // $1
  f.set("/w", "no");   // /w is a directory: 102, no index consumed
  f.set("/w/b", "2");  // $2
  auto h = f.reader->find_event("/w/b", false, b + 1, f.index());
  REQUIRE(h.kind == Kind::kFound);
  REQUIRE(h.index == b + 2);
  REQUIRE(
      h.json ==
      at(R"({"action":"set","node":{"key":"/w/b","value":"2","modifiedIndex":$2,"createdIndex":$2}})"
         "\n",
         b));
  REQUIRE(f.reader->find_event("/w", false, b + 1, f.index()).kind == Kind::kNone);
  h = f.reader->find_event("/w", true, b + 1, f.index());
  REQUIRE(h.index == b + 1);
  REQUIRE(f.reader->find_event("/", true, b + 2, f.index()).index == b + 2);
  // the window's upper bound is respected
  REQUIRE(f.reader->find_event("/w/b", false, b + 1, b + 1).kind == Kind::kNone);
  // a future index finds nothing (the watcher waits)
  REQUIRE(f.reader->find_event("/w/b", false, b + 3, b + 100).kind == Kind::kNone);
}

TEST_CASE("replay: hidden keys below a recursive watch are skipped (fixed bug)", "[history]") {
  StoreFixture f;
  uint64_t b = f.index();
  f.set("/p/_hidden", "h");  // $1
  f.set("/p/_hd/x", "h2");   // $2
  f.set("/p/visible", "v");  // $3
  auto h = f.reader->find_event("/p", true, b + 1, f.index());
  REQUIRE(h.kind == Kind::kFound);
  REQUIRE(h.index == b + 3);
  // a watch placed directly on the hidden key still sees it
  REQUIRE(f.reader->find_event("/p/_hidden", false, b + 1, f.index()).index == b + 1);
  // and a recursive watch inside the hidden directory sees its children
  REQUIRE(f.reader->find_event("/p/_hd", true, b + 1, f.index()).index == b + 2);
}

TEST_CASE("replay: ancestor removal matches by path component (fixed bug)", "[history]") {
  StoreFixture f;
  uint64_t b = f.index();
  f.set("/pfx/child", "c");         // $1
  f.set("/pfxother", "o");          // $2
  f.run(delete_key("/pfx", true));  // $3
  // /pfxother is not below /pfx: no match for the /pfx delete
  REQUIRE(f.reader->find_event("/pfxother", false, b + 3, f.index()).kind == Kind::kNone);
  // a (non-recursive) watch below the deleted directory receives the directory's event
  auto h = f.reader->find_event("/pfx/child", false, b + 3, f.index());
  REQUIRE(h.kind == Kind::kFound);
  REQUIRE(h.index == b + 3);
  REQUIRE(h.json.find("\"key\":\"/pfx\",\"dir\":true") != std::string::npos);
  // also for keys that never existed below it
  REQUIRE(f.reader->find_event("/pfx/never/there", false, b + 3, f.index()).index == b + 3);
  // deleting a file does not reach watches "below" it
  f.set("/file", "x");                // $4
  f.run(delete_key("/file", false));  // $5
  REQUIRE(f.reader->find_event("/file/x", false, b + 4, f.index()).kind == Kind::kNone);
  REQUIRE(f.reader->find_event("/file", false, b + 5, f.index()).index == b + 5);
}

TEST_CASE("internal entries occupy history slots but never match", "[history]") {
  StoreFixture f;
  uint64_t b = f.index();
  f.run(cmd(OpType::kInternal, "/k"));  // $1
  f.set("/k", "v");                     // $2
  auto h = f.reader->find_event("/k", false, b + 1, f.index());
  REQUIRE(h.index == b + 2);
  REQUIRE(f.reader->find_event("/", true, b + 1, b + 1).kind == Kind::kNone);
}

TEST_CASE("history keeps the last history_limit entries; older is kCleared", "[history]") {
  StoreFixture f(5);
  for (int i = 0; i < 9; ++i) f.set("/k" + std::to_string(i), "v");
  f.run(cmd(OpType::kInternal, "/x"));  // index 10: slots count internal entries too
  REQUIRE(f.index() == 10);
  auto h = f.reader->find_event("/k0", false, 1, 10);
  REQUIRE(h.kind == Kind::kCleared);
  REQUIRE(h.oldest == 6);
  REQUIRE(f.reader->find_event("/k4", false, 5, 10).kind == Kind::kCleared);
  h = f.reader->find_event("/k5", false, 6, 10);
  REQUIRE(h.kind == Kind::kFound);
  REQUIRE(h.index == 6);
  // history survives reopening
  f.reader.reset();
  f.store.reset();
  f.store = KeyStore::open(f.path, 5);
  f.reader = KeyReader::open(f.path);
  REQUIRE(f.reader->find_event("/k8", false, 6, 10).index == 9);
  REQUIRE(f.reader->find_event("/k8", false, 5, 10).oldest == 6);
}

TEST_CASE("watch_matches: the live-hub rules", "[history]") {
  REQUIRE(watch_matches("/a", false, "/a", false, false));
  REQUIRE_FALSE(watch_matches("/a", false, "/a/b", false, false));
  REQUIRE(watch_matches("/a", true, "/a/b", false, false));
  REQUIRE_FALSE(watch_matches("/a", true, "/ab", false, false));
  REQUIRE_FALSE(watch_matches("/a", true, "/a/_b/c", false, false));
  REQUIRE(watch_matches("/a/_b", true, "/a/_b/c", false, false));
  REQUIRE(watch_matches("/", true, "/x/y", false, false));
  REQUIRE_FALSE(watch_matches("/", true, "/_x", false, false));
  REQUIRE(watch_matches("/a/b/c", false, "/a", true, true));
  REQUIRE_FALSE(watch_matches("/a/b/c", false, "/a", true, false));
  REQUIRE_FALSE(watch_matches("/ab/c", false, "/a", true, true));
  REQUIRE_FALSE(watch_matches("/a/b", false, "/a", false, true));  // a file is no ancestor
  std::vector<std::string> seen;
  for_each_ancestor_or_self("/a/b", [&](const std::string& k) { seen.push_back(k); });
  REQUIRE(seen == std::vector<std::string>{"/", "/a", "/a/b"});
  REQUIRE(has_hidden_below("/a", "/a/_b"));
  REQUIRE_FALSE(has_hidden_below("/a/_b", "/a/_b/c"));
}
