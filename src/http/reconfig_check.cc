#include "http/reconfig_check.h"

namespace larch::http {
namespace {

bool started(const MemberInfo& m) {
  return !m.name.empty();
}

int64_t active_for(const std::vector<PeerActivity>& peers, uint64_t id) {
  for (const auto& p : peers) {
    if (p.id == id) return p.active_for_ns;
  }
  return 0;
}

}  // namespace

bool ready_to_add_voter(const std::vector<MemberInfo>& members) {
  size_t total = members.size() + 1;  // with the new member, which has not started yet
  size_t running = 0;
  for (const auto& m : members) running += started(m) ? 1 : 0;
  if (running == 1 && total == 2) return true;
  return running >= total / 2 + 1;
}

bool ready_to_remove_voter(const std::vector<MemberInfo>& members, uint64_t id) {
  size_t total = 0;
  size_t running = 0;
  for (const auto& m : members) {
    if (m.id == id) continue;
    ++total;
    running += started(m) ? 1 : 0;
  }
  return running >= total / 2 + 1;
}

bool connected_to_all(const std::vector<MemberInfo>& members, uint64_t self,
                      const std::vector<PeerActivity>& peers, int64_t window_ns) {
  for (const auto& m : members) {
    if (m.id != self && active_for(peers, m.id) < window_ns) return false;
  }
  return true;
}

bool connected_quorum_after_removal(const std::vector<MemberInfo>& members, uint64_t self,
                                    uint64_t id, const std::vector<PeerActivity>& peers,
                                    int64_t window_ns) {
  if (id != self && active_for(peers, id) == 0) return true;
  size_t active = 0;
  for (const auto& m : members) {
    if (m.id == self || active_for(peers, m.id) >= window_ns) ++active;
  }
  // etcd subtracts the removed member whether or not it counted as connected.
  return active >= 1 && active - 1 >= 1 + (members.size() - 1) / 2;
}

}  // namespace larch::http
