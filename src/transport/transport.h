#pragma once
// The member's outgoing peer traffic: one PeerSender per remote member, all on one
// io_context run by the "larch-peer" thread, so the raft thread never blocks on a socket.
// Incoming traffic is served by PeerHandler on the peer listener; messages a peer returns
// in the response to a POST (held replies) are handed to `deliver`. Messages to a peer
// whose own POST this member is holding (replies()) go into that POST's response instead
// of a POST of their own, except snapshots (too large to wait in a response): a kSnapshot
// message's `snapshot` names an image file, which its sender streams and then removes (the
// transport removes the files of those it cannot hand to a sender).
//
// The set of remote members changes at runtime (add_peer, remove_peer, set_peers), from
// any thread, before or after start(). A removed sender drops what was queued for it and
// its connection; it is destroyed once its loop has ended on the io_context (PeerSender
// keeps itself alive until then).
//
// Members with https peer URLs are reached over TLS with the client context given at
// construction (shared by every sender); without one, such a member cannot be reached.
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "consensus/message.h"
#include "transport/peer_sender.h"
#include "transport/reply_router.h"

namespace larch::transport {

struct PeerAddress {
  PeerAddress() = default;
  PeerAddress(consensus::NodeId id_, std::string host_, uint16_t port_,
              std::vector<PeerEndpoint> more_ = {})
      : id(id_), host(std::move(host_)), port(port_), more(std::move(more_)) {}

  consensus::NodeId id = 0;
  std::string host;  // the first peer URL
  uint16_t port = 0;
  bool tls = false;                // the first peer URL is https
  std::vector<PeerEndpoint> more;  // the member's further peer URLs, tried in turn

  std::vector<PeerEndpoint> endpoints() const;
};

class Transport {
 public:
  // `tls`: the client context for https peer URLs (tls::make_client_context); may be null
  // when no member has one.
  Transport(uint64_t cluster_id, consensus::NodeId self, const std::vector<PeerAddress>& peers,
            PeerSender::Logger log, std::shared_ptr<boost::asio::ssl::context> tls = nullptr);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Called at most once per Transport, on the larch-peer thread, the first time a peer
  // answers 410 Gone: this member has been removed from the cluster. Set before start().
  // The callback must not call stop() (it runs on the thread stop() joins).
  void set_on_removed(std::function<void()> on_removed);
  // Receives the messages peers return in their responses (larch-peer thread); only those
  // addressed to this member by the peer that answered. Set before start().
  void set_deliver(std::function<void(std::vector<consensus::Message>)> deliver);
  // The POSTs held open at this member, for the PeerHandler.
  ReplyRouter& replies() { return replies_; }

  void start();
  // Ends every sender and joins the thread; idempotent. Before start() it does nothing.
  // Afterwards add_peer and set_peers are ignored.
  void stop();

  // Any thread. Messages to unknown members, and all after stop(), are dropped.
  void send(std::vector<consensus::Message> msgs);

  // Any thread. Starts a sender for p.id; no-op for self or when p.id already has a sender
  // for the same host:port; a sender for another address is replaced.
  void add_peer(const PeerAddress& p);
  // Any thread. Stops and discards p.id's sender (its queued messages are dropped); no-op
  // for an unknown id.
  void remove_peer(consensus::NodeId id);
  // Any thread. Makes the set of senders equal to `peers` minus self: adds the missing,
  // removes the absent, replaces those whose address changed.
  void set_peers(const std::vector<PeerAddress>& peers);

  // Any thread. The current senders' statistics (removed peers are gone).
  std::map<consensus::NodeId, PeerSenderStats> stats() const;

 private:
  using SenderPtr = std::shared_ptr<PeerSender>;

  // Both with mu_ held.
  void add_locked(const PeerAddress& p);
  void remove_locked(consensus::NodeId id);
  void retire(SenderPtr s);  // stops s on the io_context once it runs there
  void notify_removed();     // larch-peer thread
  void on_reply(consensus::NodeId peer, const std::string& body);  // larch-peer thread

  const consensus::NodeId self_;
  const std::string target_;           // raft_target(cluster_id, self)
  const std::string held_target_;      // the same with reply=1
  const std::string snapshot_target_;  // raft_snapshot_target(cluster_id, self)
  const PeerSender::Logger log_;
  const std::shared_ptr<boost::asio::ssl::context> tls_;
  boost::asio::io_context ioc_;
  // Keeps ioc_.run() going while there are no senders; released by stop().
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  mutable std::mutex mu_;  // guards senders_, started_, stopped_, on_removed_
  std::map<consensus::NodeId, SenderPtr> senders_;
  bool started_ = false;
  bool stopped_ = false;
  std::function<void()> on_removed_;
  std::function<void(std::vector<consensus::Message>)> deliver_;
  ReplyRouter replies_;
  std::atomic<bool> removed_notified_{false};
  std::thread thread_;
};

}  // namespace larch::transport
