#pragma once
// Serves the peer URL (--listen-peer-urls). Routes:
//   POST /raft?cluster=<hex>&from=<hex>   body: a batch of raft messages (message_codec.h)
//                                         -> 204; 412 when the sender belongs to another
//                                         cluster; 400 on a malformed batch
//   GET  /version                         -> {"etcdserver":...,"etcdcluster":...}
// A batch is handed to `deliver` (which must not block: it queues for the raft thread).
// Messages addressed to another member are dropped, so a misrouted batch cannot confuse the
// core.
#include <functional>
#include <vector>

#include "consensus/message.h"
#include "http/request_handler.h"

namespace larch::transport {

class PeerHandler : public http::RequestHandler {
 public:
  using Deliver = std::function<void(std::vector<consensus::Message>)>;

  PeerHandler(uint64_t cluster_id, consensus::NodeId self, Deliver deliver)
      : cluster_id_(cluster_id), self_(self), deliver_(std::move(deliver)) {}

  // The whole request -> response mapping; synchronous, used by handle().
  http::Response serve(const http::Request& req) const;

  boost::asio::awaitable<http::Outcome> handle(const http::Request& req) override;
  std::optional<http::Response> start_watch(http::WatchPlan& plan,
                                            std::shared_ptr<store::WatchSink> sink,
                                            uint64_t& watch_id) override;
  void cancel_watch(uint64_t) override {}
  http::CorsDecision cors(std::string_view) const override { return {}; }

 private:
  http::Response receive(const http::Request& req, std::string_view query) const;

  uint64_t cluster_id_;
  consensus::NodeId self_;
  Deliver deliver_;
};

}  // namespace larch::transport
