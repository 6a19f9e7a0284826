#pragma once
// etcd's --force-new-cluster (restartAsStandaloneNode): a member restarted with it becomes
// the only voter of its cluster, keeping its data, member id and cluster id. The disaster
// recovery for a cluster that lost its quorum for good: restart a survivor with the flag,
// then add new members to it.
//
// The raft log is rewritten before the member starts: one removal (kConfChange kRemoveNode,
// with etcd's /0/removed_members/<id> record as context) is appended for every other voter,
// in the current term, and the commit index moves to the last of them. The removals are then
// applied like any committed entry: the key space's member table, the core's voters and the
// peer transport all follow the log, and members added later replay the same history. A
// member that already is the only voter is left as it is.
//
// Unlike etcd, which first drops the entries after the commit index it knows of, every entry
// in the log is kept and so committed, as a newly elected Raft leader commits its whole log.
// The member may not have learnt that its last entries were committed (a follower learns it
// one message later, and persists it with its next append): etcd then loses writes the old
// cluster acknowledged, e.g. when the survivor itself was killed. An entry that was never
// committed may survive instead; its client had no answer, or a timeout.
#include <cstdint>
#include <string>
#include <vector>

#include "store/member_peers.h"
#include "store/sqlite_log_storage.h"

namespace larch::server {

struct ForcedCluster {
  std::string error;              // non-empty: refuse to start, with this message
  std::vector<uint64_t> removed;  // the voters a removal was appended for, in id order
  uint64_t commit = 0;            // the commit index the member starts with
};

// `rows`: the key space's member table (as of applied_index); `self`: this member's id.
ForcedCluster force_new_cluster(store::SqliteLogStorage& log, uint64_t applied_index,
                                const std::vector<store::MemberPeers>& rows, uint64_t self,
                                int64_t now_ns);

}  // namespace larch::server
