#pragma once
// Sends raft messages to one remote member over a persistent HTTP/1.1 connection, pipelined:
// up to kWindow POSTs are in flight at once (the peer port reads ahead and answers in order,
// PeerSession), so a follower has its next append batch while it syncs the previous one;
// whatever is queued while the window is full goes into the next POST (batching), and the
// core's inflight window bounds the appends beyond that. One connection keeps the order.
// A failed POST drops its batch and every batch in flight behind it (Raft retransmits what
// matters), closes the connection and backs off 50 ms doubling to 1 s.
//
// The queue is bounded in bytes; overflow drops messages. A snapshot (whose `snapshot` names
// its image file) does not queue: it is streamed at once by a SnapshotSender on a connection
// of its own, to the endpoint in use (set_snapshot_target, before start()); one at a time per
// peer: another that comes meanwhile is dropped (the leader resends after a timeout if the
// transfer fails). Every image file handed over is removed, sent or not.
//
// Held replies (set_held_replies, before start()): a batch holding a request that the peer
// answers promptly (append, heartbeat, vote) is POSTed to `held_target`, and the peer answers
// 200 with its messages to this member as the body (see ReplySlot), handed to `on_reply` on
// the io_context thread; its size is bounded like a request's on the peer port. Other batches
// (acks, forwarded proposals, read-index requests) are not held, so they never
// wait behind the peer's disk.
//
// Probes: after kProbeInterval with nothing to send or in flight, an empty batch is POSTed,
// so that members that exchange no raft traffic (two followers) still learn whether they
// reach each other (active_since_ns, for --strict-reconfig-check). A probe's outcome counts
// for reachability only, not in the message statistics.
// A POST answered 410 Gone means this member was removed from the cluster: `on_removed` is
// called (on the io_context thread) and the batch counts as failed.
//
// TLS: an endpoint from an https peer URL is connected with TLS (set_tls_context, before
// start()): after the TCP connect the handshake, bounded like the connect, verifying the
// peer's certificate for the URL's host (tls::prepare_client); then the same HTTP. A failed
// handshake counts as a failed connect. Plain endpoints are unaffected.
//
// Lifetime: always owned by a shared_ptr (make_shared). The run() coroutine, each
// connection's reader coroutine and every enqueue() post hold a reference, so Transport may
// drop its own reference right after stop(): the sender is destroyed only once they ended.
// Threading: enqueue() from any thread; everything else runs on the transport's io_context.
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "consensus/message.h"
#include "transport/peer_endpoint.h"
#include "transport/peer_stream.h"
#include "transport/snapshot_sender.h"

namespace larch::transport {

struct PeerSenderStats {
  uint64_t sent_messages = 0;
  uint64_t failed_batches = 0;
  uint64_t dropped_messages = 0;
  uint64_t sent_bytes = 0;
  // Of the last successful POST: from its write to its answer (pipelined, that includes
  // waiting behind the answers to the POSTs before it).
  int64_t last_rtt_ns = 0;
  // Round trips of successful POSTs since start (for /v2/stats/leader).
  uint64_t rtt_count = 0;
  double rtt_sum_ns = 0, rtt_sum_sq_ns = 0;
  int64_t rtt_min_ns = 0, rtt_max_ns = 0;
  // Steady-clock time (ns) since which every exchange with the peer has succeeded; 0 while
  // it is unreachable (the last POST or probe failed) or before the first success.
  int64_t active_since_ns = 0;
};

class PeerSender : public std::enable_shared_from_this<PeerSender> {
 public:
  using Logger = std::function<void(const std::string&)>;
  using OnRemoved = std::function<void()>;
  using OnReply = std::function<void(std::string body)>;
  static constexpr size_t kMaxQueuedBytes = 64u << 20;
  static constexpr std::chrono::milliseconds kProbeInterval{1000};
  static constexpr size_t kWindow = 4;  // POSTs in flight per peer

  PeerSender(boost::asio::io_context& ioc, std::string host, uint16_t port, std::string target,
             Logger log, OnRemoved on_removed = {});
  // A member with several peer URLs: connects to them in turn, moving on after a failed
  // resolve or connect. `endpoints` must not be empty.
  PeerSender(boost::asio::io_context& ioc, std::vector<PeerEndpoint> endpoints, std::string target,
             Logger log, OnRemoved on_removed = {});

  // The first address (immutable, any thread) and all of them.
  const std::string& host() const { return endpoints_.front().host; }
  uint16_t port() const { return endpoints_.front().port; }
  const std::vector<PeerEndpoint>& endpoints() const { return endpoints_; }

  // The target snapshots are POSTed to (raft_snapshot_target); without one they are dropped.
  void set_snapshot_target(std::string target) { snapshot_target_ = std::move(target); }
  void set_held_replies(std::string held_target, OnReply on_reply) {
    held_target_ = std::move(held_target);
    on_reply_ = std::move(on_reply);
  }
  // The client context for https endpoints (before start()); without one they cannot be
  // connected (each attempt fails).
  void set_tls_context(std::shared_ptr<boost::asio::ssl::context> context) {
    tls_context_ = std::move(context);
  }
  void enqueue(std::vector<consensus::Message> msgs);  // any thread
  void start();                                        // io_context thread (or before run)
  // io_context thread: ends run() promptly (cancels the POSTs in flight and the backoff).
  void stop();
  PeerSenderStats stats() const;  // any thread

 private:
  // A POST written and not yet answered.
  struct InFlight {
    size_t messages = 0;
    size_t bytes = 0;
    bool probe = false;
    std::chrono::steady_clock::time_point started;
  };
  // One connection: the run() loop writes requests, read_responses() reads the answers in
  // order. Shared by both until both have let go (a broken one may still have an operation
  // completing).
  struct Connection {
    // TLS with `tls`, plain when it is null.
    Connection(boost::asio::io_context& ioc, boost::asio::ssl::context* tls)
        : stream(ioc.get_executor(), tls), reader_wake(ioc) {}
    PeerStream stream;
    boost::beast::flat_buffer buffer;
    std::deque<InFlight> in_flight;
    boost::asio::steady_timer reader_wake;  // cancelled when a request has been written
    bool broken = false;
  };

  void push(std::vector<consensus::Message> msgs);
  void send_snapshot(consensus::Message m);
  void snapshot_done(const std::string& to, const SnapshotSender::Outcome& out);
  // Runs self->run(); the parameter keeps the sender alive until the loop has ended.
  static boost::asio::awaitable<void> run_owned(std::shared_ptr<PeerSender> self);
  boost::asio::awaitable<void> run();
  // Waits for something to send and room in the window; false: stop. `probe` is set when
  // nothing came for kProbeInterval.
  boost::asio::awaitable<bool> wait_for_work(bool& probe);
  boost::asio::awaitable<bool> connect();
  // Writes one POST of the queue (an empty probe when `probe`) on conn_.
  boost::asio::awaitable<void> send_batch(bool probe);
  static boost::asio::awaitable<void> read_owned(std::shared_ptr<PeerSender> self,
                                                 std::shared_ptr<Connection> c);
  boost::asio::awaitable<void> read_responses(std::shared_ptr<Connection> c);
  // Handles the answer to c's oldest POST; false if the connection is done.
  bool take_response(Connection& c,
                     boost::beast::http::response<boost::beast::http::string_body>& res);
  // Closes c; what it had in flight counts as failed batches.
  void drop_connection(Connection& c);
  // drop_connection, and the peer counts as unreachable until an answer (with backoff).
  void break_connection(Connection& c, const std::string& what);
  bool window_full() const { return conn_ && conn_->in_flight.size() >= kWindow; }
  bool busy() const { return conn_ && !conn_->in_flight.empty(); }
  // The target for `batch`: held_target_ when it holds a promptly answered request.
  const std::string& target_for(const std::vector<consensus::Message>& batch) const;
  void note_failure(const std::string& what);
  void note_reachable(bool ok);
  void note_rtt(int64_t ns);

  std::string where() const;  // "host:port" of the current endpoint

  boost::asio::io_context& ioc_;
  const std::vector<PeerEndpoint> endpoints_;
  size_t current_ = 0;  // io_context thread: the endpoint connected or tried next
  std::string target_;
  Logger log_;
  OnRemoved on_removed_;
  std::string held_target_;  // empty: no held replies
  OnReply on_reply_;
  std::shared_ptr<boost::asio::ssl::context> tls_context_;  // null: no https endpoints
  std::shared_ptr<Connection> conn_;                        // null: not connected
  std::string snapshot_target_;
  std::shared_ptr<SnapshotSender> snapshot_;  // the transfer under way, if any
  boost::asio::steady_timer wake_;     // cancelled when messages arrive or a POST is answered
  boost::asio::steady_timer backoff_;  // pause after a failure
  std::chrono::milliseconds backoff_delay_{50};
  bool need_backoff_ = false;
  std::vector<consensus::Message> queue_;
  size_t queued_bytes_ = 0;
  bool stopped_ = false;
  bool reported_down_ = false;

  std::atomic<uint64_t> sent_messages_{0}, failed_batches_{0}, dropped_messages_{0}, sent_bytes_{0};
  std::atomic<int64_t> last_rtt_ns_{0};
  std::atomic<int64_t> active_since_ns_{0};
  mutable std::mutex rtt_mu_;
  uint64_t rtt_count_ = 0;
  double rtt_sum_ns_ = 0, rtt_sum_sq_ns_ = 0;
  int64_t rtt_min_ns_ = 0, rtt_max_ns_ = 0;
};

}  // namespace larch::transport
