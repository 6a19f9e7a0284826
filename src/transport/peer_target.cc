#include "transport/peer_target.h"

#include "util/member_id.h"

namespace larch::transport {

namespace {

std::string with_query(std::string_view path, uint64_t cluster_id, uint64_t from) {
  return std::string(path) + "?cluster=" + util::id_hex(cluster_id) + "&from=" + util::id_hex(from);
}

}  // namespace

std::string raft_target(uint64_t cluster_id, uint64_t from, bool held_reply) {
  return with_query(kRaftPath, cluster_id, from) + (held_reply ? "&reply=1" : "");
}

std::string raft_snapshot_target(uint64_t cluster_id, uint64_t from) {
  return with_query(kRaftSnapshotPath, cluster_id, from);
}

std::optional<RaftTargetParams> parse_raft_query(std::string_view query) {
  std::optional<uint64_t> cluster, from;
  bool held_reply = false;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = part.substr(0, eq);
    std::string value(part.substr(eq + 1));
    if (name == "cluster") cluster = util::parse_id_hex(value);
    if (name == "from") from = util::parse_id_hex(value);
    if (name == "reply") held_reply = value == "1";
  }
  if (!cluster || !from) return std::nullopt;
  return RaftTargetParams{*cluster, *from, held_reply};
}

}  // namespace larch::transport
