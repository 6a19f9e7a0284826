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

}  // namespace larch::http
