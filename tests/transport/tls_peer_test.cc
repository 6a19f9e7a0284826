// Peer traffic over TLS (https peer URLs): a Transport's senders reach a TLS peer session
// (run_tls_peer_session) with the same pipelined HTTP as plain ones, held replies included;
// GET /members (fetch_cluster) works over https. Refused: a peer without a client
// certificate under --peer-client-cert-auth, a server certificate from an untrusted CA or
// not valid for the URL's host, and either side speaking plain HTTP to the other's TLS.
// Real loopback sockets, fixture certificates (tests/transport/data); every wait is bounded.
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "loopback_peers.h"
#include "tls_fixtures.h"
#include "transport/cluster_fetch.h"
#include "transport/transport.h"

using namespace larch;
using namespace larch::transport::testing;
using consensus::Message;
using consensus::MessageType;

namespace {

constexpr uint64_t kCluster = 0x7151ULL;
constexpr consensus::NodeId kA = 1, kB = 2;
constexpr auto kFetchTimeout = std::chrono::milliseconds(3000);

// The address of member `id` at an https peer URL on 127.0.0.1:`port`.
transport::PeerAddress https_peer(consensus::NodeId id, uint16_t port) {
  transport::PeerAddress a(id, "127.0.0.1", port);
  a.tls = true;
  return a;
}

// A peer listener that also answers GET /members.
PeerListener::Configure with_members() {
  return [](transport::PeerHandler& h) {
    h.set_members_provider([] {
      return transport::MembersSnapshot{R"([{"id":"2","name":"b","peerURLs":[],"clientURLs":[]}])",
                                        5};
    });
  };
}

// fetch_cluster's error against `port` (empty on success).
std::string fetch_error(uint16_t port, boost::asio::ssl::context* tls,
                        const std::string& host = "127.0.0.1") {
  std::string error;
  auto got = transport::fetch_cluster(host, port, kFetchTimeout, &error, tls);
  CHECK(got.has_value() == error.empty());
  return error;
}

uint64_t failed_batches(const transport::Transport& t, consensus::NodeId id) {
  auto stats = t.stats();
  return stats.count(id) ? stats.at(id).failed_batches : 0;
}

}  // namespace

TEST_CASE("tls peer: a Transport delivers over https, in order, to a TLS peer session",
          "[tls_peer]") {
  auto server = server_context(true);  // --peer-client-cert-auth
  auto client = client_context(true);
  Inbox inbox;
  PeerListener b(kCluster, kB, inbox, 0, {}, server.get());
  LogLines log;
  transport::Transport a(kCluster, kA, {https_peer(kB, b.port())}, log.logger(), client);
  a.start();
  std::vector<Message> sent;
  for (uint64_t i = 1; i <= 300; ++i) {
    sent.push_back(numbered_message(kA, kB, i));
    a.send({sent.back()});
  }
  REQUIRE(wait_until([&] { return inbox.size() == sent.size(); }));
  CHECK(inbox.messages() == sent);  // one connection keeps the order, pipelined or not
  CHECK(wait_until([&] { return a.stats().at(kB).sent_messages == sent.size(); }));
  CHECK(a.stats().at(kB).failed_batches == 0);
  CHECK(a.stats().at(kB).active_since_ns != 0);
  CHECK_FALSE(log.contains("cannot reach"));
  a.stop();
}

TEST_CASE("tls peer: held replies ride back on https POSTs", "[tls_peer]") {
  auto server = server_context(true);
  auto client = client_context(true);
  Inbox a_inbox, b_inbox, replies;
  PeerListener a_listener(kCluster, kA, a_inbox, 0, {}, server.get());
  transport::Transport tb(
      kCluster, kB, {https_peer(kA, a_listener.port())}, [](auto&) {}, client);
  PeerListener b_listener(
      kCluster, kB, b_inbox, 0,
      [&tb](transport::PeerHandler& h) {
        h.set_held_replies(&tb.replies(),
                           [&tb](std::vector<Message> msgs, std::function<void()> processed) {
                             std::vector<Message> acks;
                             for (const auto& m : msgs)
                               acks.push_back(typed(MessageType::kAppendResp, kB, kA, m.index));
                             tb.send(std::move(acks));
                             processed();
                           });
      },
      server.get());
  transport::Transport ta(
      kCluster, kA, {https_peer(kB, b_listener.port())}, [](auto&) {}, client);
  ta.set_deliver([&replies](std::vector<Message> m) { replies.deliver(std::move(m)); });
  ta.start();
  tb.start();
  for (uint64_t i = 1; i <= 50; ++i) ta.send({typed(MessageType::kAppend, kA, kB, i)});
  REQUIRE(wait_until([&] { return replies.size() == 50; }));
  for (const auto& m : replies.messages()) CHECK(m.type == MessageType::kAppendResp);
  CHECK(a_inbox.size() == 0);  // every answer rode on a response
  ta.stop();
  tb.stop();
}

TEST_CASE("tls peer: GET /members over https", "[tls_peer]") {
  auto server = server_context(false);
  auto client = client_context(false);
  Inbox inbox;
  PeerListener b(kCluster, kB, inbox, 0, with_members(), server.get());
  std::string error;
  auto got = transport::fetch_cluster("127.0.0.1", b.port(), kFetchTimeout, &error, client.get());
  INFO(error);
  REQUIRE(got.has_value());
  CHECK(got->cluster_id == kCluster);
  CHECK(got->conf_index == 5);
  REQUIRE(got->members.size() == 1);
  CHECK(got->members[0].name == "b");
  // localhost is in the certificate too; a name it does not hold is refused.
  CHECK(fetch_error(b.port(), client.get(), "localhost").empty());
}

TEST_CASE("tls peer: a peer without a client certificate is refused under client-cert-auth",
          "[tls_peer]") {
  auto server = server_context(true);
  auto anonymous = client_context(false);
  Inbox inbox;
  PeerListener b(kCluster, kB, inbox, 0, with_members(), server.get());

  CHECK_FALSE(fetch_error(b.port(), anonymous.get()).empty());
  CHECK(fetch_error(b.port(), client_context(true).get()).empty());  // with one: fine

  LogLines log;
  transport::Transport a(kCluster, kA, {https_peer(kB, b.port())}, log.logger(), anonymous);
  a.start();
  a.send({typed(MessageType::kHeartbeat, kA, kB, 1)});
  REQUIRE(wait_until([&] { return log.contains("cannot reach peer 127.0.0.1:"); }));
  CHECK(wait_until([&] { return failed_batches(a, kB) >= 1; }));
  for (uint64_t i = 2; i <= 5; ++i) a.send({typed(MessageType::kHeartbeat, kA, kB, i)});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(inbox.size() == 0);
  CHECK(a.stats().at(kB).active_since_ns == 0);
  a.stop();
}

TEST_CASE("tls peer: an untrusted or misnamed server certificate is refused", "[tls_peer]") {
  Inbox inbox;
  auto server = server_context(false);
  PeerListener good(kCluster, kB, inbox, 0, with_members(), server.get());
  auto misnamed_server = server_context(false, "misnamed");
  PeerListener misnamed(kCluster, kB, inbox, 0, with_members(), misnamed_server.get());
  auto client = client_context(true);
  auto wrong_ca = client_context(true, "other-ca.crt");

  CHECK(fetch_error(good.port(), client.get()).empty());
  std::string untrusted = fetch_error(good.port(), wrong_ca.get());
  CHECK_THAT(untrusted, Catch::Contains("TLS handshake") && Catch::Contains("certificate verify"));
  std::string wrong_host = fetch_error(misnamed.port(), client.get());
  CHECK_THAT(wrong_host, Catch::Contains("TLS handshake") && Catch::Contains("certificate verify"));

  LogLines log;
  transport::Transport a(kCluster, kA, {https_peer(kB, good.port())}, log.logger(), wrong_ca);
  a.start();
  a.send({typed(MessageType::kHeartbeat, kA, kB, 1)});
  REQUIRE(wait_until([&] { return log.contains("TLS handshake"); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(inbox.size() == 0);
  a.stop();
}

TEST_CASE("tls peer: http and https do not mix", "[tls_peer]") {
  Inbox inbox;
  auto server = server_context(false);
  auto client = client_context(false);
  PeerListener tls_peer(kCluster, kB, inbox, 0, with_members(), server.get());
  PeerListener plain_peer(kCluster, kB, inbox, 0, with_members());
  CHECK(fetch_error(plain_peer.port(), nullptr).empty());
  CHECK_FALSE(fetch_error(tls_peer.port(), nullptr).empty());  // plain GET to the TLS port
  CHECK_THAT(fetch_error(plain_peer.port(), client.get()), Catch::Contains("TLS handshake"));

  // An https peer URL without a client context cannot be reached (and nothing is sent in
  // the clear).
  LogLines log;
  transport::Transport a(kCluster, kA, {https_peer(kB, plain_peer.port())}, log.logger());
  a.start();
  a.send({typed(MessageType::kHeartbeat, kA, kB, 1)});
  REQUIRE(wait_until([&] { return log.contains("no TLS client context"); }));
  CHECK(inbox.size() == 0);
  a.stop();
}

TEST_CASE("tls peer: the TLS handshake is bounded; a silent client is dropped", "[tls_peer]") {
  // A client that connects and never starts the handshake: the session closes the
  // connection after its bound (here the idle timeout, 1 s, below the 10 s default).
  auto server = server_context(false);
  Inbox inbox;
  transport::PeerHandler handler(kCluster, kB,
                                 [&inbox](std::vector<Message> m) { inbox.deliver(std::move(m)); });
  boost::asio::io_context ioc(1);
  boost::asio::ip::tcp::acceptor acceptor(ioc);
  REQUIRE(http::open_acceptor(acceptor, "127.0.0.1", 0).empty());
  http::SessionLimits limits;
  limits.idle_timeout = std::chrono::seconds(1);
  http::SessionRunner run = [&](boost::asio::ip::tcp::socket socket) {
    return transport::run_tls_peer_session(std::move(socket), *server, handler, limits);
  };
  boost::asio::co_spawn(ioc, http::accept_loop(acceptor, {&ioc}, std::move(run)),
                        boost::asio::detached);
  std::thread thread([&ioc] { ioc.run(); });

  boost::asio::io_context client_ioc(1);
  boost::asio::ip::tcp::socket socket(client_ioc);
  socket.connect(acceptor.local_endpoint());
  auto started = std::chrono::steady_clock::now();
  char byte;
  boost::system::error_code ec;
  boost::asio::read(socket, boost::asio::buffer(&byte, 1), ec);  // blocks until closed
  auto waited = std::chrono::steady_clock::now() - started;
  CHECK(ec == boost::asio::error::eof);
  CHECK(waited >= std::chrono::milliseconds(900));
  CHECK(waited < std::chrono::seconds(5));

  boost::asio::post(ioc, [&] { acceptor.close(); });
  ioc.stop();
  thread.join();
}
