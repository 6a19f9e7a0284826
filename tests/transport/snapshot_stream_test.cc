// Streamed snapshots: a kSnapshot message names an image file; the transport streams it on a
// connection of its own (SnapshotSender) and the peer session writes the body to a file in
// the receiver's snapshot dir (PeerHandler::admit_snapshot), with no body limit, never
// holding the image in memory. Every image file handed to the transport is removed, sent or
// not. Real loopback sockets; every wait is bounded.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "../temp_dir.h"
#include "consensus/message_codec.h"
#include "loopback_peers.h"
#include "tls_fixtures.h"
#include "transport/peer_target.h"
#include "transport/transport.h"
#include "util/hex_bytes.h"

using namespace larch;
using namespace larch::transport::testing;
using consensus::Message;
using consensus::MessageType;
using larch::testing::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kCluster = 0x5a5a01ULL;
constexpr consensus::NodeId kA = 1, kB = 2;

// An image of `size` bytes with content that shows misplaced or lost chunks.
std::string image_bytes(size_t size) {
  std::string out(size, '\0');
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<char>((i * 2654435761u) >> 13);
  return out;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

size_t files_in(const fs::path& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

// A kSnapshot message from A to B whose image is a new file of `size` bytes in `dir`.
Message snapshot_message(const TempDir& dir, const std::string& name, size_t size, uint64_t index) {
  Message m = typed(MessageType::kSnapshot, kA, kB, index);
  m.log_term = 2;
  m.commit = index;
  m.snapshot = dir.write(name, image_bytes(size));
  return m;
}

// Member B's peer port with a snapshot dir of its own.
PeerListener::Configure snapshots_into(const TempDir& dir) {
  return [&dir](transport::PeerHandler& h) { h.set_snapshot_dir(dir.path().string()); };
}

}  // namespace

TEST_CASE("snapshot stream: an image far beyond the peer port's body limit arrives whole",
          "[snapshot_stream]") {
  TempDir out_dir, in_dir;
  Inbox inbox;
  PeerListener b(kCluster, kB, inbox, 0, snapshots_into(in_dir));
  LogLines log;
  transport::Transport a(kCluster, kA, {{kB, "127.0.0.1", b.port()}}, log.logger());
  a.start();
  // 12 MiB: eight times the listener's request body limit (http::SessionLimits), and not a
  // multiple of the sender's chunk.
  constexpr size_t kSize = (12u << 20) + 12345;
  static_assert(kSize > 8 * http::SessionLimits{}.max_body_bytes);
  Message sent = snapshot_message(out_dir, "out.snap", kSize, 700);
  const std::string out_path = sent.snapshot;
  a.send({sent});
  REQUIRE(wait_until([&] { return inbox.size() == 1; }));
  Message got = inbox.messages()[0];
  // The message as sent, but `snapshot` is the receiver's own file, in its snapshot dir.
  CHECK(fs::path(got.snapshot).parent_path() == in_dir.path());
  Message meta = got;
  meta.snapshot = out_path;
  CHECK(meta == sent);
  CHECK(fs::file_size(got.snapshot) == kSize);
  CHECK(read_all(got.snapshot) == image_bytes(kSize));
  // The sender's image is removed once sent, and counted.
  REQUIRE(wait_until([&] { return stats_of(a, kB).sent_messages == 1; }));
  CHECK(stats_of(a, kB).sent_bytes == kSize);
  CHECK(stats_of(a, kB).failed_batches == 0);
  CHECK_FALSE(fs::exists(out_path));
  CHECK(log.contains("sent a snapshot of " + std::to_string(kSize) + " bytes"));
  a.stop();
}

TEST_CASE("snapshot stream: appends flow while a snapshot is on its way", "[snapshot_stream]") {
  TempDir out_dir, in_dir;
  Inbox inbox;
  PeerListener b(kCluster, kB, inbox, 0, snapshots_into(in_dir));
  transport::Transport a(kCluster, kA, {{kB, "127.0.0.1", b.port()}}, [](auto&) {});
  a.start();
  a.send({snapshot_message(out_dir, "big.snap", 32u << 20, 900)});
  for (uint64_t i = 1; i <= 50; ++i) a.send({typed(MessageType::kHeartbeat, kA, kB, i)});
  REQUIRE(wait_until([&] { return inbox.size() == 51; }));
  size_t heartbeats = 0;
  for (const auto& m : inbox.messages()) heartbeats += m.type == MessageType::kHeartbeat;
  CHECK(heartbeats == 50);
  a.stop();
}

TEST_CASE("snapshot stream: refused from its header, nothing is delivered or kept",
          "[snapshot_stream]") {
  TempDir out_dir, in_dir;
  Inbox inbox;
  LogLines log;
  SECTION("another cluster") {
    PeerListener b(kCluster + 1, kB, inbox, 0, snapshots_into(in_dir));
    transport::Transport a(kCluster, kA, {{kB, "127.0.0.1", b.port()}}, log.logger());
    a.start();
    Message m = snapshot_message(out_dir, "out.snap", 4u << 20, 5);
    a.send({m});
    REQUIRE(wait_until([&] { return stats_of(a, kB).failed_batches == 1; }));
    CHECK_FALSE(fs::exists(m.snapshot));
    a.stop();
  }
  SECTION("a receiver without a snapshot dir") {
    PeerListener b(kCluster, kB, inbox, 0);
    transport::Transport a(kCluster, kA, {{kB, "127.0.0.1", b.port()}}, log.logger());
    a.start();
    Message m = snapshot_message(out_dir, "out.snap", 1000, 5);
    a.send({m});
    REQUIRE(wait_until([&] { return stats_of(a, kB).failed_batches == 1; }));
    CHECK(log.contains("503"));
    CHECK_FALSE(fs::exists(m.snapshot));
    a.stop();
  }
  CHECK(inbox.size() == 0);
  CHECK(files_in(in_dir.path()) == 0);
  CHECK(log.contains("sending a snapshot to peer"));
}

TEST_CASE("snapshot stream: one transfer per peer at a time; stop removes the images",
          "[snapshot_stream]") {
  TempDir out_dir;
  SilentPeer peer;  // reads the whole request, never answers
  LogLines log;
  transport::Transport a(kCluster, kA, {{kB, "127.0.0.1", peer.port()}}, log.logger());
  a.start();
  Message first = snapshot_message(out_dir, "first.snap", 64 * 1024, 10);
  Message second = snapshot_message(out_dir, "second.snap", 64 * 1024, 20);
  a.send({first});
  REQUIRE(wait_until([&] { return peer.requests() >= 1; }));
  a.send({second});  // the first waits for its answer: this one is dropped
  REQUIRE(wait_until([&] { return stats_of(a, kB).dropped_messages == 1; }));
  CHECK_FALSE(fs::exists(second.snapshot));
  CHECK(fs::exists(first.snapshot));  // still being sent
  a.stop();
  CHECK_FALSE(fs::exists(first.snapshot));
  // Handed over after stop, or to a member with no sender: removed at once.
  Message late = snapshot_message(out_dir, "late.snap", 10, 30);
  a.send({late});
  Message stranger = snapshot_message(out_dir, "stranger.snap", 10, 40);
  stranger.to = 9;
  a.send({stranger});
  CHECK(files_in(out_dir.path()) == 0);
}

TEST_CASE("snapshot stream: over https", "[snapshot_stream]") {
  auto server = server_context(true);
  auto client = client_context(true);
  TempDir out_dir, in_dir;
  Inbox inbox;
  PeerListener b(kCluster, kB, inbox, 0, snapshots_into(in_dir), server.get());
  transport::PeerAddress to(kB, "127.0.0.1", b.port());
  to.tls = true;
  transport::Transport a(
      kCluster, kA, {to}, [](auto&) {}, client);
  a.start();
  constexpr size_t kSize = (3u << 20) + 7;
  Message m = snapshot_message(out_dir, "out.snap", kSize, 77);
  a.send({m});
  REQUIRE(wait_until([&] { return inbox.size() == 1; }));
  CHECK(read_all(inbox.messages()[0].snapshot) == image_bytes(kSize));
  REQUIRE(wait_until([&] { return !fs::exists(m.snapshot); }));
  a.stop();
}

TEST_CASE("snapshot stream: a snapshot inside a batch is never delivered", "[snapshot_stream]") {
  // A delivered snapshot's `snapshot` is a file the receiver installs and then removes: it
  // must be one the receiver's own handler wrote, never a path (or bytes) a peer chose.
  Inbox inbox;
  transport::PeerHandler h(kCluster, kB,
                           [&inbox](std::vector<Message> m) { inbox.deliver(std::move(m)); });
  h.set_snapshot_dir("/tmp");
  Message m = typed(MessageType::kSnapshot, kA, kB, 3);
  m.snapshot = "/etc/hostname";
  http::Request req;
  req.method = "POST";
  std::string target = transport::raft_target(kCluster, kA);
  req.target = target;
  std::string body = consensus::encode_messages({m, typed(MessageType::kHeartbeat, kA, kB, 4)});
  req.body = body;
  CHECK(h.serve(req).status == 204);
  REQUIRE(inbox.size() == 1);
  CHECK(inbox.messages()[0].type == MessageType::kHeartbeat);
  // The streamed route refuses a header message that already names an image.
  auto in = h.admit_snapshot("POST", transport::raft_snapshot_target(kCluster, kA),
                             util::to_hex(consensus::encode_messages({m})));
  REQUIRE(in.refused);
  CHECK(in.refused->status == 400);
}

TEST_CASE("snapshot stream: a sender gone half-way leaves no file and delivers nothing",
          "[snapshot_stream]") {
  TempDir in_dir;
  Inbox inbox;
  PeerListener b(kCluster, kB, inbox, 0, snapshots_into(in_dir));
  Message m = typed(MessageType::kSnapshot, kA, kB, 12);
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket s(ioc);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), b.port()});
  std::string head = "POST " + transport::raft_snapshot_target(kCluster, kA) +
                     " HTTP/1.1\r\nHost: b\r\nContent-Length: 4000000\r\n" +
                     std::string(transport::kSnapshotHeader) + ": " +
                     util::to_hex(consensus::encode_messages({m})) + "\r\n\r\n";
  boost::asio::write(s, boost::asio::buffer(head));
  boost::asio::write(s, boost::asio::buffer(image_bytes(300000)));
  // The receiver has started the file by now; the sender then dies.
  REQUIRE(wait_until([&] { return files_in(in_dir.path()) == 1; }));
  s.close();
  REQUIRE(wait_until([&] { return files_in(in_dir.path()) == 0; }));
  CHECK(inbox.size() == 0);
}
