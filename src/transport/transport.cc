#include "transport/transport.h"

#include <boost/asio/post.hpp>

#include "consensus/message_codec.h"
#include "transport/peer_target.h"
#include "util/fail_stop.h"
#include "util/member_id.h"
#include "util/remove_db_file.h"

namespace larch::transport {

namespace asio = boost::asio;

Transport::Transport(uint64_t cluster_id, consensus::NodeId self,
                     const std::vector<PeerAddress>& peers, PeerSender::Logger log,
                     std::shared_ptr<asio::ssl::context> tls)
    : self_(self),
      target_(raft_target(cluster_id, self)),
      held_target_(raft_target(cluster_id, self, true)),
      snapshot_target_(raft_snapshot_target(cluster_id, self)),
      log_(std::move(log)),
      tls_(std::move(tls)) {
  std::lock_guard lock(mu_);
  for (const auto& p : peers) add_locked(p);
}

std::vector<PeerEndpoint> PeerAddress::endpoints() const {
  std::vector<PeerEndpoint> out{{host, port, tls}};
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

Transport::~Transport() {
  stop();
  {
    std::lock_guard lock(mu_);
    senders_.clear();
  }
  // Handlers queued while no thread ran the io_context (never started, or posted after
  // stop) hold senders: run them here so nothing is destroyed inside ~io_context. Every
  // sender loop has ended (or never began) and no work guard is left, so this returns.
  ioc_.restart();
  ioc_.run();
}

void Transport::set_on_removed(std::function<void()> on_removed) {
  std::lock_guard lock(mu_);
  on_removed_ = std::move(on_removed);
}

void Transport::set_deliver(std::function<void(std::vector<consensus::Message>)> deliver) {
  std::lock_guard lock(mu_);
  deliver_ = std::move(deliver);
}

void Transport::start() {
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  work_.emplace(ioc_.get_executor());
  for (auto& [id, s] : senders_) s->start();
  // run_fail_stop returns once the work guard is gone and every sender's loop has ended.
  thread_ = std::thread([this] { util::run_fail_stop(ioc_, "larch-peer"); });
}

void Transport::stop() {
  {
    std::lock_guard lock(mu_);
    if (!started_ || !thread_.joinable()) return;
    stopped_ = true;  // from now on no sender is added, so the set below is final
  }
  asio::post(ioc_, [this] {
    std::vector<SenderPtr> all;
    {
      std::lock_guard lock(mu_);
      for (auto& [id, s] : senders_) all.push_back(s);
    }
    for (auto& s : all) s->stop();
    work_.reset();
  });
  thread_.join();
}

void Transport::send(std::vector<consensus::Message> msgs) {
  if (msgs.empty()) return;
  // Usually every message of a Ready goes to a different peer or all to one; group by peer
  // so each sender gets one post.
  std::map<consensus::NodeId, std::vector<consensus::Message>> by_peer;
  std::vector<consensus::Message> snapshots;
  for (auto& m : msgs) {
    if (m.type == consensus::MessageType::kSnapshot) {
      snapshots.push_back(std::move(m));
    } else {
      by_peer[m.to].push_back(std::move(m));
    }
  }
  for (auto it = by_peer.begin(); it != by_peer.end();) {
    it = replies_.offer(it->first, it->second) ? by_peer.erase(it) : std::next(it);
  }
  for (auto& m : snapshots) by_peer[m.to].push_back(std::move(m));
  std::vector<std::pair<SenderPtr, std::vector<consensus::Message>>> work;
  {
    std::lock_guard lock(mu_);
    for (auto& [to, batch] : by_peer) {
      auto it = senders_.find(to);
      // After stop() nobody would send them: do not pile them up on ioc_.
      if (!stopped_ && it != senders_.end()) work.emplace_back(it->second, std::move(batch));
    }
  }
  for (auto& [s, batch] : work) s->enqueue(std::move(batch));
  // What no sender took: the image files of its snapshots are nobody's now.
  for (auto& [to, batch] : by_peer) {
    for (auto& m : batch) {
      if (m.type == consensus::MessageType::kSnapshot) util::remove_db_file(m.snapshot);
    }
  }
}

void Transport::add_peer(const PeerAddress& p) {
  std::lock_guard lock(mu_);
  if (stopped_) return;
  add_locked(p);
}

void Transport::remove_peer(consensus::NodeId id) {
  std::lock_guard lock(mu_);
  remove_locked(id);
}

void Transport::set_peers(const std::vector<PeerAddress>& peers) {
  std::lock_guard lock(mu_);
  if (stopped_) return;
  std::vector<consensus::NodeId> absent;
  for (const auto& [id, s] : senders_) {
    bool listed = false;
    for (const auto& p : peers) listed = listed || p.id == id;
    if (!listed) absent.push_back(id);
  }
  for (auto id : absent) remove_locked(id);
  for (const auto& p : peers) add_locked(p);
}

void Transport::add_locked(const PeerAddress& p) {
  if (p.id == self_) return;
  auto it = senders_.find(p.id);
  if (it != senders_.end()) {
    if (it->second->endpoints() == p.endpoints()) return;
    remove_locked(p.id);
  }
  auto s = std::make_shared<PeerSender>(ioc_, p.endpoints(), target_, log_,
                                        [this] { notify_removed(); });
  s->set_held_replies(held_target_,
                      [this, peer = p.id](std::string body) { on_reply(peer, body); });
  s->set_tls_context(tls_);
  s->set_snapshot_target(snapshot_target_);
  senders_[p.id] = s;
  // Before start() the sender is started by start(); afterwards on the io_context, which
  // owns the sender's state.
  if (started_) asio::post(ioc_, [s] { s->start(); });
}

void Transport::remove_locked(consensus::NodeId id) {
  auto it = senders_.find(id);
  if (it == senders_.end()) return;
  SenderPtr s = std::move(it->second);
  senders_.erase(it);
  retire(std::move(s));
}

void Transport::retire(SenderPtr s) {
  // Never started: no loop to end; the last reference (maybe a queued push) frees it.
  if (!started_) return;
  asio::post(ioc_, [s = std::move(s)] { s->stop(); });
}

void Transport::notify_removed() {
  if (removed_notified_.exchange(true)) return;
  std::function<void()> cb;
  {
    std::lock_guard lock(mu_);
    cb = on_removed_;
  }
  if (cb) cb();
}

void Transport::on_reply(consensus::NodeId peer, const std::string& body) {
  std::string error;
  auto batch = consensus::decode_messages(body, &error);
  if (!batch) {
    log_("malformed raft messages in a response from peer " + util::id_hex(peer) + ": " + error);
    return;
  }
  std::vector<consensus::Message> mine;
  for (auto& m : *batch) {
    // Only what the peer that answered sends to this member, as PeerHandler checks.
    if (takes_from_batch(m, self_, peer)) mine.push_back(std::move(m));
  }
  // deliver_ is set before start(), whose lock hand-over orders it before this thread.
  if (!mine.empty() && deliver_) deliver_(std::move(mine));
}

std::map<consensus::NodeId, PeerSenderStats> Transport::stats() const {
  std::lock_guard lock(mu_);
  std::map<consensus::NodeId, PeerSenderStats> out;
  for (const auto& [id, s] : senders_) out[id] = s->stats();
  return out;
}

}  // namespace larch::transport
