#pragma once
// The member's outgoing peer traffic: one PeerSender per remote member, all on one
// io_context run by the "larch-peer" thread, so the raft thread never blocks on a socket.
// Incoming traffic is served by PeerHandler on the peer listener.
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "consensus/message.h"
#include "transport/peer_sender.h"

namespace larch::transport {

struct PeerAddress {
  consensus::NodeId id = 0;
  std::string host;
  uint16_t port = 0;
};

class Transport {
 public:
  Transport(uint64_t cluster_id, consensus::NodeId self, const std::vector<PeerAddress>& peers,
            PeerSender::Logger log);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  void start();
  void stop();  // ends every sender and joins the thread; idempotent

  // Any thread. Messages to unknown members are dropped.
  void send(std::vector<consensus::Message> msgs);

  std::map<consensus::NodeId, PeerSenderStats> stats() const;

 private:
  boost::asio::io_context ioc_;
  std::map<consensus::NodeId, std::unique_ptr<PeerSender>> senders_;
  std::thread thread_;
};

}  // namespace larch::transport
