#include "server/data_dir.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "../temp_dir.h"

using namespace larch;
namespace fs = std::filesystem;

using larch::testing::TempDir;

namespace {

config::Config single(const std::string& name, uint16_t peer_port) {
  config::Config c;
  c.name = name;
  config::Url peer{"http", "127.0.0.1", peer_port, "http://127.0.0.1:" + std::to_string(peer_port)};
  c.initial_cluster = {{name, peer}};
  c.advertise_client_urls = {config::Url{"http", "127.0.0.1", 2379, "http://127.0.0.1:2379"}};
  return c;
}

}  // namespace

TEST_CASE("data dir: first start writes the identity; etcd's IDs for the spec's example") {
  TempDir t;
  server::DataDir dir{(t.path() / "d").string()};
  auto opened = server::open_data_dir(dir, single("default", 22380));
  REQUIRE(opened.error.empty());
  REQUIRE(opened.fresh);
  REQUIRE(opened.identity.self.id == 0x9e737febb6b99eeeULL);  // spec §10
  REQUIRE(opened.identity.cluster_id == 0xc8730d66636ff140ULL);
  REQUIRE(fs::exists(dir.identity_file()));
}

TEST_CASE("data dir: a restart reads the identity back and ignores initial-cluster flags") {
  TempDir t;
  server::DataDir dir{(t.path() / "d").string()};
  REQUIRE(server::open_data_dir(dir, single("default", 22380)).error.empty());
  std::ofstream(dir.raft_db()) << "";
  std::ofstream(dir.keys_db()) << "";
  auto again = server::open_data_dir(dir, single("default", 33333));
  REQUIRE(again.error.empty());
  REQUIRE_FALSE(again.fresh);
  REQUIRE(again.identity.self.id == 0x9e737febb6b99eeeULL);
}

TEST_CASE("data dir: each start makes snap/ and empties it of an earlier run's images") {
  TempDir t;
  server::DataDir dir{(t.path() / "d").string()};
  REQUIRE(server::open_data_dir(dir, single("default", 22380)).error.empty());
  REQUIRE(fs::is_directory(dir.snap_dir()));
  REQUIRE(fs::is_empty(dir.snap_dir()));
  std::ofstream(dir.raft_db()) << "";
  std::ofstream(dir.keys_db()) << "";
  std::ofstream(dir.snap_dir() + "/in-2-1.snap") << "half an image";
  std::ofstream(dir.snap_dir() + "/out-3-7.snap-journal") << "x";
  fs::create_directory(dir.snap_dir() + "/stray");
  auto again = server::open_data_dir(dir, single("default", 22380));
  REQUIRE(again.error.empty());  // snap/ is Larch's own, not foreign content
  REQUIRE(fs::is_directory(dir.snap_dir()));
  CHECK(fs::is_empty(dir.snap_dir()));
  CHECK(server::classify_data_dir(dir).kind == server::DataDirKind::kMember);
}

TEST_CASE("data dir: foreign content, a missing identity or missing databases are refused") {
  TempDir t;
  server::DataDir etcd_like{(t.path() / "etcd").string()};
  fs::create_directories(fs::path(etcd_like.path) / "member");
  auto r = server::open_data_dir(etcd_like, single("default", 22380));
  REQUIRE(r.error.find("not Larch data") != std::string::npos);

  server::DataDir no_identity{(t.path() / "noid").string()};
  fs::create_directories(no_identity.path);
  std::ofstream(no_identity.raft_db()) << "x";
  r = server::open_data_dir(no_identity, single("default", 22380));
  REQUIRE(r.error.find("no identity record") != std::string::npos);

  server::DataDir missing_db{(t.path() / "nodb").string()};
  REQUIRE(server::open_data_dir(missing_db, single("default", 22380)).error.empty());
  r = server::open_data_dir(missing_db, single("default", 22380));
  REQUIRE(r.error.find("missing keys.db") != std::string::npos);
  std::ofstream(missing_db.keys_db()) << "";
  r = server::open_data_dir(missing_db, single("default", 22380));
  REQUIRE(r.error == "data dir " + missing_db.path +
                         " is missing raft.db (was it started with --wal-dir?); refusing to start");

  server::DataDir corrupt{(t.path() / "corrupt").string()};
  fs::create_directories(corrupt.path);
  std::ofstream(corrupt.identity_file()) << "{not json";
  r = server::open_data_dir(corrupt, single("default", 22380));
  REQUIRE(r.error.find("corrupt identity record") != std::string::npos);
}

TEST_CASE("data dir: --wal-dir holds raft.db, and a restart must name it again") {
  TempDir t;
  server::DataDir dir{(t.path() / "d").string(), (t.path() / "w").string()};
  CHECK(dir.raft_db() == (t.path() / "w" / "raft.db").string());
  auto opened = server::open_data_dir(dir, single("default", 22380));
  INFO(opened.error);
  REQUIRE(opened.error.empty());
  REQUIRE(fs::is_directory(dir.wal_path));
  std::ofstream(dir.raft_db()) << "";
  std::ofstream(dir.raft_db() + "-wal") << "";
  std::ofstream(dir.keys_db()) << "";
  REQUIRE(server::open_data_dir(dir, single("default", 22380)).error.empty());

  // Forgetting --wal-dir (or pointing it elsewhere) is refused, not an empty log.
  server::DataDir without{dir.path};
  auto r = server::open_data_dir(without, single("default", 22380));
  CHECK(r.error == "data dir " + dir.path +
                       " is missing raft.db (was it started with --wal-dir?); refusing to start");
  server::DataDir elsewhere{dir.path, (t.path() / "w2").string()};
  r = server::open_data_dir(elsewhere, single("default", 22380));
  CHECK(r.error == "wal dir " + elsewhere.wal_path + " is missing raft.db; refusing to start");

  // The wal dir holds the log only; a log there without the data dir's identity is damaged.
  std::ofstream((t.path() / "w" / "0000000000000000-0000000000000000.wal").string()) << "x";
  r = server::open_data_dir(dir, single("default", 22380));
  CHECK(r.error.find("which is not Larch data") != std::string::npos);
  server::DataDir orphan{(t.path() / "fresh").string(), (t.path() / "w3").string()};
  fs::create_directories(orphan.wal_path);
  std::ofstream(orphan.raft_db()) << "";
  r = server::open_data_dir(orphan, single("default", 22380));
  CHECK(r.error.find("has no identity record") != std::string::npos);
}

TEST_CASE("data dir: auto TLS's fixtures/ is neither foreign nor a partial Larch layout") {
  TempDir t;
  server::DataDir dir{(t.path() / "d").string()};
  // make_tls_setup runs first and may leave only fixtures/ in a data dir it created.
  fs::create_directories(fs::path(dir.path) / "fixtures" / "client");
  std::ofstream((fs::path(dir.path) / "fixtures" / "client" / "cert.pem").string()) << "x";
  auto opened = server::open_data_dir(dir, single("default", 22380));
  INFO(opened.error);
  REQUIRE(opened.error.empty());
  REQUIRE(opened.fresh);
  std::ofstream(dir.raft_db()) << "";
  std::ofstream(dir.keys_db()) << "";
  auto again = server::open_data_dir(dir, single("default", 22380));
  INFO(again.error);
  REQUIRE(again.error.empty());
  REQUIRE_FALSE(again.fresh);

  // A plain file of that name is still foreign content.
  server::DataDir file_named{(t.path() / "f").string()};
  fs::create_directories(file_named.path);
  std::ofstream((fs::path(file_named.path) / "fixtures").string()) << "x";
  auto r = server::open_data_dir(file_named, single("default", 22380));
  REQUIRE(r.error.find("not Larch data") != std::string::npos);
}

TEST_CASE("data dir: joining needs another member to ask; never bootstraps a cluster of its own") {
  TempDir t;
  server::DataDir dir{(t.path() / "d").string()};
  auto cfg = single("default", 22380);
  cfg.initial_cluster_state = "existing";
  auto opened = server::open_data_dir(dir, cfg);
  REQUIRE(opened.error.find("names no other member") != std::string::npos);
  REQUIRE_FALSE(fs::exists(dir.identity_file()));

  // With data already there the flag is ignored, as etcd ignores initial-cluster flags.
  REQUIRE(server::open_data_dir(dir, single("default", 22380)).error.empty());
  std::ofstream(dir.raft_db()) << "";
  std::ofstream(dir.keys_db()) << "";
  REQUIRE(server::open_data_dir(dir, cfg).error.empty());
}

TEST_CASE("data dir: classified as empty, a member's, a proxy's, or refused when both") {
  TempDir t;
  server::DataDir dir{(t.path() / "d").string()};
  CHECK(server::classify_data_dir(dir).kind == server::DataDirKind::kEmpty);  // not created yet
  fs::create_directories(dir.path + "/fixtures");  // auto TLS's certificates only
  CHECK(server::classify_data_dir(dir).kind == server::DataDirKind::kEmpty);
  fs::create_directories(dir.path + "/proxy");
  CHECK(server::classify_data_dir(dir).kind == server::DataDirKind::kProxy);
  REQUIRE(
      server::open_data_dir(server::DataDir{(t.path() / "m").string()}, single("default", 22380))
          .error.empty());
  server::DataDir member{(t.path() / "m").string()};
  CHECK(server::classify_data_dir(member).kind == server::DataDirKind::kMember);
  fs::create_directories(member.path + "/proxy");
  auto both = server::classify_data_dir(member);
  CHECK(both.error == "invalid datadir. Both member and proxy directories exist.");
}
