#include "transport/transport.h"

#include <pthread.h>

#include <boost/asio/post.hpp>

#include "transport/peer_target.h"

namespace larch::transport {

namespace asio = boost::asio;

Transport::Transport(uint64_t cluster_id, consensus::NodeId self,
                     const std::vector<PeerAddress>& peers, PeerSender::Logger log) {
  std::string target = raft_target(cluster_id, self);
  for (const auto& p : peers) {
    if (p.id == self) continue;
    senders_[p.id] = std::make_unique<PeerSender>(ioc_, p.host, p.port, target, log);
  }
}

Transport::~Transport() {
  stop();
}

void Transport::start() {
  for (auto& [id, s] : senders_) s->start();
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "larch-peer");
    ioc_.run();  // returns once every sender's loop has ended (after stop)
  });
}

void Transport::stop() {
  if (!thread_.joinable()) return;
  asio::post(ioc_, [this] {
    for (auto& [id, s] : senders_) s->stop();
  });
  thread_.join();
}

void Transport::send(std::vector<consensus::Message> msgs) {
  if (msgs.empty()) return;
  // Usually every message of a Ready goes to a different peer or all to one; group by peer
  // so each sender gets one post.
  std::map<consensus::NodeId, std::vector<consensus::Message>> by_peer;
  for (auto& m : msgs) by_peer[m.to].push_back(std::move(m));
  for (auto& [to, batch] : by_peer) {
    auto it = senders_.find(to);
    if (it != senders_.end()) it->second->enqueue(std::move(batch));
  }
}

std::map<consensus::NodeId, PeerSenderStats> Transport::stats() const {
  std::map<consensus::NodeId, PeerSenderStats> out;
  for (const auto& [id, s] : senders_) out[id] = s->stats();
  return out;
}

}  // namespace larch::transport
