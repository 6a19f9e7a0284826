#include "transport/peer_handler.h"

#include <boost/asio/this_coro.hpp>

#include "consensus/message_codec.h"
#include "util/hex_bytes.h"
#include "util/member_id.h"

namespace larch::transport {

namespace {

http::Response no_content() {
  http::Response r;
  r.status = 204;
  r.content_type = {};
  return r;
}

// A request target split into path and query.
std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
  size_t q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

}  // namespace

http::Response PeerHandler::serve(const http::Request& req) const {
  auto [path, query] = split_target(req.target);
  if (path == kRaftPath) {
    if (req.method != "POST") return http::method_not_allowed("POST");
    return receive(req, query);
  }
  if (path == "/version") {
    if (req.method != "GET" && req.method != "HEAD") return http::method_not_allowed("GET, HEAD");
    http::Response r;
    r.body = R"({"etcdserver":"3.4.23","etcdcluster":"3.4.0"})";
    r.head = req.method == "HEAD";
    return r;
  }
  if (path == "/members" && members_) return members(req);
  return http::not_found_page();
}

http::Response PeerHandler::members(const http::Request& req) const {
  if (req.method != "GET" && req.method != "HEAD") return http::method_not_allowed("GET, HEAD");
  MembersSnapshot snap = members_();
  http::Response r;
  r.add("X-Etcd-Cluster-ID", util::id_hex(cluster_id_));
  r.add("X-Larch-Conf-Index", std::to_string(snap.conf_index));
  r.body = std::move(snap.members_json);
  r.head = req.method == "HEAD";
  return r;
}

std::optional<http::Response> PeerHandler::admit(const http::Request& req, std::string_view query,
                                                 RaftTargetParams& params,
                                                 std::vector<consensus::Message>& mine) const {
  if (auto refused = admit_sender(query, params)) return refused;
  std::string error;
  auto batch = consensus::decode_messages(req.body, &error);
  if (!batch) return http::json_message(400, "malformed raft message batch: " + error);
  mine.reserve(batch->size());
  for (auto& m : *batch) {
    // `from` in the query is the connection's sender; each message must agree with it.
    if (takes_from_batch(m, self_, params.from)) mine.push_back(std::move(m));
  }
  return std::nullopt;
}

std::optional<http::Response> PeerHandler::admit_sender(std::string_view query,
                                                        RaftTargetParams& params) const {
  auto parsed = parse_raft_query(query);
  if (!parsed) return http::json_message(400, "missing or malformed cluster/from parameters");
  params = *parsed;
  if (params.cluster_id != cluster_id_) {
    return http::json_message(
        412, "cluster ID mismatch: this member belongs to cluster " + util::id_hex(cluster_id_));
  }
  if (is_removed_ && is_removed_(params.from)) {
    return http::json_message(410, "the member has been permanently removed from the cluster");
  }
  return std::nullopt;
}

bool PeerHandler::is_snapshot_target(std::string_view target) {
  return split_target(target).first == kRaftSnapshotPath;
}

PeerHandler::SnapshotIntake PeerHandler::admit_snapshot(std::string_view method,
                                                        std::string_view target,
                                                        std::string_view message_hex) const {
  SnapshotIntake in;
  if (method != "POST") {
    in.refused = http::method_not_allowed("POST");
    return in;
  }
  RaftTargetParams params;
  if ((in.refused = admit_sender(split_target(target).second, params))) return in;
  auto encoded = util::from_hex(message_hex);
  std::string error = encoded ? "" : "not hex";
  auto batch = encoded ? consensus::decode_messages(*encoded, &error) : std::nullopt;
  if (!batch || batch->size() != 1 || batch->front().type != consensus::MessageType::kSnapshot ||
      batch->front().from != params.from || batch->front().to != self_ ||
      !batch->front().snapshot.empty()) {
    in.refused = http::json_message(
        400, "malformed snapshot message: " + (error.empty() ? "not one snapshot to me" : error));
    return in;
  }
  if (snapshot_dir_.empty()) {
    in.refused = http::json_message(503, "this member takes no snapshots");
    return in;
  }
  in.message = std::move(batch->front());
  in.message.snapshot = snapshot_dir_ + "/in-" + util::id_hex(params.from) + "-" +
                        std::to_string(++snapshot_files_) + ".snap";
  return in;
}

http::Response PeerHandler::deliver_snapshot(consensus::Message m) const {
  deliver_({std::move(m)});
  return no_content();
}

http::Response PeerHandler::receive(const http::Request& req, std::string_view query) const {
  RaftTargetParams params;
  std::vector<consensus::Message> mine;
  if (auto refused = admit(req, query, params, mine)) return std::move(*refused);
  if (!mine.empty()) deliver_(std::move(mine));
  return no_content();
}

boost::asio::awaitable<http::Outcome> PeerHandler::handle(const http::Request& req) {
  boost::asio::any_io_executor ex = co_await boost::asio::this_coro::executor;
  http::Outcome out;
  out.response = co_await finish(begin(req, ex));
  co_return out;
}

PeerHandler::PendingAnswer PeerHandler::begin(const http::Request& req,
                                              boost::asio::any_io_executor ex) {
  PendingAnswer p;
  auto [path, query] = split_target(req.target);
  if (!router_ || path != kRaftPath || req.method != "POST") {
    p.ready = serve(req);
    return p;
  }
  RaftTargetParams params;
  std::vector<consensus::Message> mine;
  if (auto refused = admit(req, query, params, mine)) {
    p.ready = std::move(*refused);
  } else if (params.held_reply && !mine.empty()) {
    p.from = params.from;
    p.slot = std::make_shared<ReplySlot>(ex);
    router_->open(p.from, p.slot);
    deliver_held_(std::move(mine), [slot = p.slot] { slot->release(); });
  } else {
    if (!mine.empty()) deliver_(std::move(mine));
    p.ready = no_content();
  }
  return p;
}

boost::asio::awaitable<http::Response> PeerHandler::finish(PendingAnswer p) {
  if (p.ready) co_return std::move(*p.ready);
  co_await p.slot->wait(kReplyHold);
  router_->close(p.from, p.slot);
  std::vector<consensus::Message> reply = p.slot->take();
  if (reply.empty()) co_return no_content();
  http::Response r;
  r.content_type = "application/octet-stream";
  r.body = consensus::encode_messages(reply);
  co_return r;
}

void PeerHandler::abandon(PendingAnswer& p) {
  if (!p.slot) return;
  router_->close(p.from, p.slot);
  p.slot->take();
  p.slot.reset();
}

std::optional<http::Response> PeerHandler::start_watch(http::WatchPlan&,
                                                       std::shared_ptr<store::WatchSink>,
                                                       uint64_t& watch_id) {
  watch_id = 0;
  return http::not_found_page();  // the peer port serves no watches
}

}  // namespace larch::transport
