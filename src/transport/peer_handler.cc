#include "transport/peer_handler.h"

#include "consensus/message_codec.h"
#include "transport/peer_target.h"
#include "util/member_id.h"

namespace larch::transport {

http::Response PeerHandler::serve(const http::Request& req) const {
  std::string_view target = req.target;
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
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

http::Response PeerHandler::receive(const http::Request& req, std::string_view query) const {
  auto params = parse_raft_query(query);
  if (!params) return http::json_message(400, "missing or malformed cluster/from parameters");
  if (params->cluster_id != cluster_id_) {
    return http::json_message(
        412, "cluster ID mismatch: this member belongs to cluster " + util::id_hex(cluster_id_));
  }
  if (is_removed_ && is_removed_(params->from)) {
    return http::json_message(410, "the member has been permanently removed from the cluster");
  }
  std::string error;
  auto batch = consensus::decode_messages(req.body, &error);
  if (!batch) return http::json_message(400, "malformed raft message batch: " + error);
  std::vector<consensus::Message> mine;
  mine.reserve(batch->size());
  for (auto& m : *batch) {
    // `from` in the query is the connection's sender; each message must agree with it.
    if (m.to == self_ && m.from == params->from) mine.push_back(std::move(m));
  }
  if (!mine.empty()) deliver_(std::move(mine));
  http::Response r;
  r.status = 204;
  r.content_type = {};
  return r;
}

boost::asio::awaitable<http::Outcome> PeerHandler::handle(const http::Request& req) {
  http::Outcome out;
  out.response = serve(req);
  co_return out;
}

std::optional<http::Response> PeerHandler::start_watch(http::WatchPlan&,
                                                       std::shared_ptr<store::WatchSink>,
                                                       uint64_t& watch_id) {
  watch_id = 0;
  return http::not_found_page();  // the peer port serves no watches
}

}  // namespace larch::transport
