#pragma once
// Serves the peer URL (--listen-peer-urls). Routes:
//   POST /raft?cluster=<hex>&from=<hex>   body: a batch of raft messages (message_codec.h)
//                                         -> 204; with &reply=1 (and held replies set up)
//                                         200 and this member's answering messages as the
//                                         body, or 204 when it has none; 412 when the
//                                         sender belongs to another
//                                         cluster; 410 when the sender has been removed
//                                         from the cluster; 400 on a malformed batch
//   POST /raft/snapshot?cluster=&from=    header X-Larch-Snapshot: the kSnapshot message;
//                                         body: the image, streamed to a file of the
//                                         snapshot dir (PeerSession) -> 204 once written;
//                                         412/410/400 as for /raft, refused from its header
//                                         (the body is then not read: the connection closes)
//   GET  /version                         -> {"etcdserver":...,"etcdcluster":...}
//   GET  /members                         -> the member list (MembersSnapshot) with headers
//                                         X-Etcd-Cluster-ID and X-Larch-Conf-Index; 404
//                                         when no provider is set
// A batch is handed to `deliver` (which must not block: it queues for the raft thread).
// Messages addressed to another member are dropped, so a misrouted batch cannot confuse the
// core; nothing is delivered when the request is refused. A kSnapshot message in a batch is
// dropped too: a delivered one's `snapshot` is the path of the image file this handler
// wrote, and the receiver installs and then removes that file.
// Held replies (set_held_replies): a `reply=1` batch goes to `deliver_held` with a callback
// the raft loop calls once it has processed the batch and sent what it caused; until then
// (at most kReplyHold) messages to the sender are collected in a ReplySlot registered with
// the router, and answered in the response body. serve() never holds. A pipelining
// connection (PeerSession) uses begin() for each request as it is read and finish() for the
// responses, in order.
//
// Threading: serve()/handle() may run on several I/O threads at once; the callbacks must be
// safe for that. The setters must be called before the handler serves its first request.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "consensus/message.h"
#include "http/request_handler.h"
#include "transport/members_snapshot.h"
#include "transport/peer_target.h"
#include "transport/reply_router.h"

namespace larch::transport {

class PeerHandler : public http::RequestHandler {
 public:
  using Deliver = std::function<void(std::vector<consensus::Message>)>;
  // True when the member has been removed from the cluster for good.
  using IsRemoved = std::function<bool(consensus::NodeId)>;
  using MembersProvider = std::function<MembersSnapshot()>;
  using DeliverHeld =
      std::function<void(std::vector<consensus::Message>, std::function<void()> processed)>;
  // Longer than any normal round (an fsync, a checkpoint); a raft thread stuck beyond it
  // answers late through its own POSTs instead.
  static constexpr std::chrono::milliseconds kReplyHold{500};

  PeerHandler(uint64_t cluster_id, consensus::NodeId self, Deliver deliver,
              IsRemoved is_removed = {})
      : cluster_id_(cluster_id),
        self_(self),
        deliver_(std::move(deliver)),
        is_removed_(std::move(is_removed)) {}

  void set_is_removed(IsRemoved is_removed) { is_removed_ = std::move(is_removed); }
  void set_members_provider(MembersProvider provider) { members_ = std::move(provider); }
  // Where streamed snapshot images are written; without one they are refused (503).
  void set_snapshot_dir(std::string dir) { snapshot_dir_ = std::move(dir); }
  void set_held_replies(ReplyRouter* router, DeliverHeld deliver_held) {
    router_ = router;
    deliver_held_ = std::move(deliver_held);
  }

  // The whole request -> response mapping; synchronous, used by handle().
  http::Response serve(const http::Request& req) const;

  // A request whose answer may be held: either answered at once, or a held reply to collect.
  struct PendingAnswer {
    std::optional<http::Response> ready;
    consensus::NodeId from = 0;
    std::shared_ptr<ReplySlot> slot;  // set when held (open in the router until finished)
  };
  // The synchronous part of handle(): validates and delivers the request (so deliveries keep
  // the order of calls) and opens a held reply's slot on `ex` (the connection's executor).
  PendingAnswer begin(const http::Request& req, boost::asio::any_io_executor ex);
  // The response to `p`: a held reply once the raft loop has processed the batch (at most
  // kReplyHold), on `p.slot`'s executor.
  boost::asio::awaitable<http::Response> finish(PendingAnswer p);
  // A held reply that will not be answered (its connection ended): closes its slot, so
  // later messages go to another open slot or by POST. Safe for answered ones.
  void abandon(PendingAnswer& p);

  // A streamed snapshot, judged from its request header. Admitted: `message` is the kSnapshot
  // message with `snapshot` = the file to write the body to (a fresh name in the snapshot
  // dir); then deliver_snapshot() once the whole body is in that file (or remove it).
  struct SnapshotIntake {
    std::optional<http::Response> refused;
    consensus::Message message;
  };
  static bool is_snapshot_target(std::string_view target);
  SnapshotIntake admit_snapshot(std::string_view method, std::string_view target,
                                std::string_view message_hex) const;
  http::Response deliver_snapshot(consensus::Message m) const;  // -> 204

  boost::asio::awaitable<http::Outcome> handle(const http::Request& req) override;
  std::optional<http::Response> start_watch(http::WatchPlan& plan,
                                            std::shared_ptr<store::WatchSink> sink,
                                            uint64_t& watch_id) override;
  void cancel_watch(uint64_t) override {}
  http::CorsDecision cors(std::string_view) const override { return {}; }

 private:
  http::Response receive(const http::Request& req, std::string_view query) const;
  // Validates a POST /raft: an error response, or nullopt with `params` and `mine` (the
  // messages to deliver) filled in.
  std::optional<http::Response> admit(const http::Request& req, std::string_view query,
                                      RaftTargetParams& params,
                                      std::vector<consensus::Message>& mine) const;
  // The query's cluster and sender: an error response, or nullopt with `params` filled in.
  std::optional<http::Response> admit_sender(std::string_view query,
                                             RaftTargetParams& params) const;
  http::Response members(const http::Request& req) const;

  uint64_t cluster_id_;
  consensus::NodeId self_;
  Deliver deliver_;
  IsRemoved is_removed_;
  MembersProvider members_;
  ReplyRouter* router_ = nullptr;
  DeliverHeld deliver_held_;
  std::string snapshot_dir_;
  mutable std::atomic<uint64_t> snapshot_files_{0};  // names the received images
};

}  // namespace larch::transport
