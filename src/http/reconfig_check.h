#pragma once
// etcd's --strict-reconfig-check quorum rule (its RaftCluster.IsReadyToAddVotingMember and
// IsReadyToRemoveVotingMember): a membership change must leave at least a quorum of members
// that have started (published their name). Otherwise the change could not commit, or the
// cluster would lose its quorum, until members that never ran come up. Pure functions.
#include <cstdint>
#include <vector>

#include "http/kv_service.h"

namespace larch::http {

// May one more voting member be added to `members`? A one-member cluster may always grow to
// two (etcd's case of restoring a cluster from one member's data).
bool ready_to_add_voter(const std::vector<MemberInfo>& members);

// May member `id` be removed from `members`: do the others keep a started quorum?
bool ready_to_remove_voter(const std::vector<MemberInfo>& members, uint64_t id);

// etcd's connectivity half (ErrUnhealthy), judged by the member serving the request from its
// own connections (`peers`; a member missing from it counts as unreachable). Both use etcd's
// HealthInterval: a peer counts as connected once reachable for at least `window`.
inline constexpr int64_t kHealthWindowNs = 5'000'000'000;

// May a member be added: is `self` connected to every other member (isConnectedFullySince)?
bool connected_to_all(const std::vector<MemberInfo>& members, uint64_t self,
                      const std::vector<PeerActivity>& peers, int64_t window_ns = kHealthWindowNs);

// May member `id` be removed (etcd's mayRemoveMember): a member `self` cannot reach at all is
// always removable (it is not part of the active quorum); otherwise the members connected to
// `self` for `window_ns` (self included), less one, must still be a quorum of `members`.
bool connected_quorum_after_removal(const std::vector<MemberInfo>& members, uint64_t self,
                                    uint64_t id, const std::vector<PeerActivity>& peers,
                                    int64_t window_ns = kHealthWindowNs);

}  // namespace larch::http
