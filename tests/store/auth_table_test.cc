// Auth records in the key space: replicated as internal commands (one etcd index each,
// invisible to /v2/keys), applied to the published AuthState, kept in keys.db across reopen
// and carried by snapshot images.
#include "store/auth_table.h"

#include <catch2/catch.hpp>

#include "store/member_table.h"
#include "store/snapshot_image.h"
#include "store_test_util.h"

using namespace larch::store;
using namespace larch::store::test;
using larch::auth::Record;

namespace {

const std::string kUserBob =
    R"({"user":"bob","password":"$2b$10$abcdefghijklmnopqrstuu0123456789012345678901234567890","roles":["app"]})";
const std::string kRoleApp =
    R"({"role":"app","permissions":{"kv":{"read":["/app/*"],"write":["/app/*"]}}})";

struct Store {
  explicit Store(const std::string& p) : path(p), store(KeyStore::open(p, 1000)) {}
  ApplyResult run(const Command& c) {
    store->begin_batch();
    ApplyResult r = store->apply(++index, 1, c);
    store->commit_batch();
    store->flush();
    return r;
  }
  ApplyResult put(const std::string& key, std::optional<std::string> value) {
    return run(auth_record_command(Record{key, std::move(value)}));
  }
  std::string path;
  std::unique_ptr<KeyStore> store;
  uint64_t index = 0;
};

}  // namespace

TEST_CASE("auth record commands round-trip through the command encoding", "[auth_table]") {
  for (const Record& r : {Record{"/2/users/bob", kUserBob}, Record{"/2/roles/app", std::nullopt},
                          Record{"/2/enabled", "true"}}) {
    auto decoded = decode_command(encode_command(auth_record_command(r)));
    REQUIRE(decoded);
    auto back = auth_record_of(*decoded);
    REQUIRE(back);
    CHECK(back->key == r.key);
    CHECK(back->value == r.value);
  }
  Command plain = cmd(OpType::kInternal, member_attributes_key(7), "{}");
  CHECK_FALSE(auth_record_of(plain));
  CHECK_FALSE(auth_record_of(cmd(OpType::kSet, "/2/enabled", "true")));
}

TEST_CASE("applied auth records change the published state and consume one index each",
          "[auth_table]") {
  TempDir dir;
  Store s(dir.file("keys.db"));
  REQUIRE_FALSE(s.store->auth_enabled());
  REQUIRE(s.store->auth_state()->users.empty());
  auto before = s.store->auth_state();
  uint64_t index = s.store->etcd_index();

  ApplyResult r = s.put("/2/users/bob", kUserBob);
  CHECK(r.auth_changed);
  CHECK(r.events.empty());  // never delivered to watchers
  s.put("/2/roles/app", kRoleApp);
  s.put("/2/enabled", "true");
  CHECK(s.store->etcd_index() == index + 3);
  REQUIRE(s.store->auth_enabled());
  auto st = s.store->auth_state();
  REQUIRE(st->enabled);
  REQUIRE(st->users.count("bob") == 1);
  CHECK(st->users.at("bob").roles == std::vector<std::string>{"app"});
  REQUIRE(st->roles.count("app") == 1);
  CHECK(st->roles.at("app").read == std::vector<std::string>{"/app/*"});
  CHECK(before->users.empty());  // a reader's copy never changes under it
  // Invisible to /v2/keys.
  CHECK(s.store->live().get("/2", false, kNow).error_code == 100);

  // A value that does not parse consumes its index and changes nothing.
  r = s.put("/2/users/eve", "not json");
  CHECK_FALSE(r.auth_changed);
  CHECK(s.store->etcd_index() == index + 4);
  CHECK(s.store->auth_state()->users.count("eve") == 0);

  s.put("/2/users/bob", std::nullopt);
  s.put("/2/enabled", "false");
  CHECK_FALSE(s.store->auth_enabled());
  CHECK(s.store->auth_state()->users.empty());
  CHECK(s.store->auth_state()->roles.size() == 1);
}

TEST_CASE("auth state survives reopen and travels in snapshot images", "[auth_table]") {
  TempDir dir;
  Store src(dir.file("src.db"));
  src.put("/2/users/bob", kUserBob);
  src.put("/2/roles/app", kRoleApp);
  src.put("/2/enabled", "true");

  src.store = KeyStore::open(src.path, 1000);
  auto st = src.store->auth_state();
  REQUIRE(src.store->auth_enabled());
  CHECK(st->users.count("bob") == 1);
  CHECK(st->roles.count("app") == 1);

  std::string err;
  auto img = write_snapshot_image(src.path, dir.file("image.snap"), &err);
  REQUIRE(img);
  Store dst(dir.file("dst.db"));
  dst.put("/2/users/zed", R"({"user":"zed","password":"x","roles":[]})");
  REQUIRE_FALSE(dst.store->install_snapshot_file(img->path));
  auto got = dst.store->auth_state();
  CHECK(dst.store->auth_enabled());
  CHECK(got->users.count("bob") == 1);
  CHECK(got->users.count("zed") == 0);
  CHECK(got->roles.count("app") == 1);
}
