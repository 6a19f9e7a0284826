#pragma once
// Loopback test peers for the Transport tests: a real PeerHandler behind http::accept_loop
// (PeerListener), a peer that accepts and reads but never answers (SilentPeer), one that
// answers with scripted raw bytes (ScriptedPeer) and a port with nothing listening
// (closed_port); the bounded wait is the shared tests/wait_until.h. Each server runs its own
// io_context on its own thread; stop() tears it down hard (as a crashed member would: the
// sockets of its open connections are closed without a response).
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "../wait_until.h"
#include "consensus/message.h"
#include "http/as_tuple_awaitable.h"
#include "http/listener.h"
#include "transport/peer_handler.h"
#include "transport/peer_session.h"
#include "transport/transport.h"

namespace larch::transport::testing {

using namespace std::chrono_literals;

// A message of `type` from `from` to `to` at `index` (term 3): what the tests route.
inline consensus::Message typed(consensus::MessageType type, consensus::NodeId from,
                                consensus::NodeId to, uint64_t index) {
  consensus::Message m;
  m.type = type;
  m.from = from;
  m.to = to;
  m.term = 3;
  m.index = index;
  return m;
}

using larch::testing::wait_until;

// The statistics of t's sender for member `id`, which must exist.
inline transport::PeerSenderStats stats_of(const transport::Transport& t, consensus::NodeId id) {
  auto all = t.stats();
  REQUIRE(all.count(id) == 1);
  return all.at(id);
}

// Collects what a PeerHandler delivers (called on the listener's thread).
class Inbox {
 public:
  void deliver(std::vector<consensus::Message> msgs) {
    std::lock_guard lock(mu_);
    ++deliveries_;
    for (auto& m : msgs) messages_.push_back(std::move(m));
  }
  std::vector<consensus::Message> messages() const {
    std::lock_guard lock(mu_);
    return messages_;
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return messages_.size();
  }
  size_t deliveries() const {
    std::lock_guard lock(mu_);
    return deliveries_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<consensus::Message> messages_;
  size_t deliveries_ = 0;
};

// Held deliveries as member B's raft loop would see them: the batches in arrival order and
// their `processed` callbacks, which the test calls when it chooses.
struct HeldBatches {
  std::mutex mu;
  std::vector<std::vector<consensus::Message>> batches;
  std::vector<std::function<void()>> processed;
  void add(std::vector<consensus::Message> msgs, std::function<void()> done) {
    std::lock_guard lock(mu);
    batches.push_back(std::move(msgs));
    processed.push_back(std::move(done));
  }
  size_t size() {
    std::lock_guard lock(mu);
    return batches.size();
  }
  std::vector<uint64_t> first_indexes() {
    std::lock_guard lock(mu);
    std::vector<uint64_t> out;
    for (const auto& b : batches) out.push_back(b.empty() ? 0 : b.front().index);
    return out;
  }
  void release(size_t i) {
    std::function<void()> done;
    {
      std::lock_guard lock(mu);
      done = processed.at(i);
    }
    done();
  }
  void release_all() {
    for (size_t i = 0, n = size(); i < n; ++i) release(i);
  }
};

// Collects the transport's log lines (called on the larch-peer thread).
class LogLines {
 public:
  std::function<void(const std::string&)> logger() {
    return [this](const std::string& line) {
      std::lock_guard lock(mu_);
      lines_.push_back(line);
    };
  }
  bool contains(const std::string& part) const {
    std::lock_guard lock(mu_);
    for (const auto& l : lines_) {
      if (l.find(part) != std::string::npos) return true;
    }
    return false;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

// Member `self` of `cluster_id`: the production PeerHandler served as in production
// (http::accept_loop with pipelining PeerSessions) on 127.0.0.1:`port` (0 = any free port),
// delivering into `inbox`. `configure` (optional) sets up the handler (is_removed, members
// provider) before it serves anything. With `tls` (a server context that outlives the
// listener) it serves https (run_tls_peer_session).
class PeerListener {
 public:
  using Configure = std::function<void(PeerHandler&)>;

  PeerListener(uint64_t cluster_id, consensus::NodeId self, Inbox& inbox, uint16_t port = 0,
               const Configure& configure = {}, boost::asio::ssl::context* tls = nullptr)
      : handler_(cluster_id, self,
                 [&inbox](std::vector<consensus::Message> m) { inbox.deliver(std::move(m)); }),
        ioc_(std::make_unique<boost::asio::io_context>(1)) {
    if (configure) configure(handler_);
    acceptor_.emplace(*ioc_);
    std::string err = http::open_acceptor(*acceptor_, "127.0.0.1", port);
    REQUIRE(err.empty());
    port_ = acceptor_->local_endpoint().port();
    http::SessionRunner run = [this, tls](boost::asio::ip::tcp::socket socket) {
      if (tls) return run_tls_peer_session(std::move(socket), *tls, handler_, {});
      return run_peer_session(std::move(socket), handler_, http::SessionLimits{});
    };
    boost::asio::co_spawn(*ioc_, http::accept_loop(*acceptor_, {ioc_.get()}, std::move(run)),
                          boost::asio::detached);
    thread_ = std::thread([this] { ioc_->run(); });
  }
  ~PeerListener() { stop(); }
  PeerListener(const PeerListener&) = delete;
  PeerListener& operator=(const PeerListener&) = delete;

  uint16_t port() const { return port_; }

  // Stops serving and closes the listening socket and every open connection.
  void stop() {
    if (!ioc_) return;
    ioc_->stop();
    thread_.join();
    acceptor_.reset();
    ioc_.reset();  // destroys the session coroutines, closing their sockets
  }

 private:
  PeerHandler handler_;
  std::unique_ptr<boost::asio::io_context> ioc_;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor_;
  std::thread thread_;
  uint16_t port_ = 0;
};

// Accepts connections and reads whatever arrives, but never answers: a POST to it stays in
// flight until the sender gives up or is stopped.
class SilentPeer {
 public:
  SilentPeer() : ioc_(std::make_unique<boost::asio::io_context>(1)) {
    acceptor_.emplace(*ioc_);
    REQUIRE(http::open_acceptor(*acceptor_, "127.0.0.1", 0).empty());
    port_ = acceptor_->local_endpoint().port();
    boost::asio::co_spawn(*ioc_, accept(), boost::asio::detached);
    thread_ = std::thread([this] { ioc_->run(); });
  }
  ~SilentPeer() {
    ioc_->stop();
    thread_.join();
    acceptor_.reset();
    ioc_.reset();
  }
  SilentPeer(const SilentPeer&) = delete;
  SilentPeer& operator=(const SilentPeer&) = delete;

  uint16_t port() const { return port_; }
  uint64_t bytes_received() const { return bytes_.load(); }
  uint64_t connections() const { return connections_.load(); }
  // Request lines seen ("POST " at the start of a request; the tests' bodies never hold it).
  uint64_t requests() const { return requests_.load(); }

 private:
  boost::asio::awaitable<void> accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_->async_accept(http::kTuple);
      if (ec) co_return;
      connections_.fetch_add(1);
      boost::asio::co_spawn(*ioc_, drain(std::move(socket)), boost::asio::detached);
    }
  }
  boost::asio::awaitable<void> drain(boost::asio::ip::tcp::socket socket) {
    char buf[4096];
    std::string tail;  // the last bytes of the previous read: a "POST " split across reads
    for (;;) {
      auto [ec, n] = co_await socket.async_read_some(boost::asio::buffer(buf), http::kTuple);
      if (ec) co_return;
      std::string seen = tail + std::string(buf, n);
      for (size_t at = seen.find("POST "); at != std::string::npos; at = seen.find("POST ", at + 1))
        requests_.fetch_add(1);
      tail = seen.substr(seen.size() > 4 ? seen.size() - 4 : 0);
      bytes_.fetch_add(n);
    }
  }

  std::unique_ptr<boost::asio::io_context> ioc_;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor_;
  std::thread thread_;
  uint16_t port_ = 0;
  std::atomic<uint64_t> bytes_{0}, connections_{0}, requests_{0};
};

// Answers each HTTP request with raw bytes chosen by a script, to imitate a misbehaving
// peer. script(connection) is asked once per request; connections are numbered from 0.
class ScriptedPeer {
 public:
  struct Reply {
    std::string bytes;
    bool close = false;  // close the connection after writing `bytes`
  };
  using Script = std::function<Reply(uint64_t connection)>;

  explicit ScriptedPeer(Script script)
      : script_(std::move(script)), ioc_(std::make_unique<boost::asio::io_context>(1)) {
    acceptor_.emplace(*ioc_);
    REQUIRE(http::open_acceptor(*acceptor_, "127.0.0.1", 0).empty());
    port_ = acceptor_->local_endpoint().port();
    boost::asio::co_spawn(*ioc_, accept(), boost::asio::detached);
    thread_ = std::thread([this] { ioc_->run(); });
  }
  ~ScriptedPeer() {
    ioc_->stop();
    thread_.join();
    acceptor_.reset();
    ioc_.reset();
  }
  ScriptedPeer(const ScriptedPeer&) = delete;
  ScriptedPeer& operator=(const ScriptedPeer&) = delete;

  uint16_t port() const { return port_; }
  uint64_t requests() const { return requests_.load(); }

 private:
  boost::asio::awaitable<void> accept() {
    for (uint64_t n = 0;; ++n) {
      auto [ec, socket] = co_await acceptor_->async_accept(http::kTuple);
      if (ec) co_return;
      boost::asio::co_spawn(*ioc_, serve(std::move(socket), n), boost::asio::detached);
    }
  }
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket, uint64_t connection) {
    namespace bhttp = boost::beast::http;
    boost::beast::flat_buffer buffer;
    for (;;) {
      bhttp::request<bhttp::string_body> req;
      auto [rec, rn] = co_await bhttp::async_read(socket, buffer, req, http::kTuple);
      if (rec) co_return;
      requests_.fetch_add(1);
      Reply reply = script_(connection);
      auto [wec, wn] =
          co_await boost::asio::async_write(socket, boost::asio::buffer(reply.bytes), http::kTuple);
      if (wec || reply.close) co_return;  // the socket closes with the coroutine
    }
  }

  Script script_;
  std::unique_ptr<boost::asio::io_context> ioc_;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor_;
  std::thread thread_;
  uint16_t port_ = 0;
  std::atomic<uint64_t> requests_{0};
};

// A loopback port with nothing listening on it (connects are refused).
inline uint16_t closed_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acc(ioc);
  REQUIRE(http::open_acceptor(acc, "127.0.0.1", 0).empty());
  return acc.local_endpoint().port();  // closed when acc goes out of scope
}

// Distinct, fully populated message number `i` from `from` to `to`.
inline consensus::Message numbered_message(consensus::NodeId from, consensus::NodeId to,
                                           uint64_t i) {
  consensus::Message m;
  m.type = i % 2 ? consensus::MessageType::kAppend : consensus::MessageType::kHeartbeat;
  m.from = from;
  m.to = to;
  m.term = 7;
  m.log_term = 6;
  m.index = i;
  m.commit = i / 2;
  m.reject = i % 3 == 0;
  m.reject_hint = i * 3;
  m.context = "ctx-" + std::to_string(i);
  if (m.type == consensus::MessageType::kAppend) {
    m.entries = {
        consensus::Entry{7, i + 1, consensus::EntryType::kNormal, "payload-" + std::to_string(i)},
        consensus::Entry{7, i + 2, consensus::EntryType::kConfChange, std::string(1, '\0')}};
  }
  return m;
}

// Runs t.stop() and returns how long it took.
inline std::chrono::milliseconds timed_stop(Transport& t) {
  auto started = std::chrono::steady_clock::now();
  t.stop();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               started);
}

}  // namespace larch::transport::testing
