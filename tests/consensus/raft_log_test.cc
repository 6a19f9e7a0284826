// Unit tests for the helpers under RaftCore: RaftLog, Progress/Inflights, ReadOnly.
#include "consensus/raft_log.h"

#include <catch2/catch.hpp>

#include "consensus/memory_log_storage.h"
#include "consensus/progress.h"
#include "consensus/read_only.h"

using namespace larch::consensus;

namespace {

std::vector<Entry> ents(std::initializer_list<std::pair<uint64_t, uint64_t>> index_term) {
  std::vector<Entry> out;
  for (auto [i, t] : index_term) out.push_back(Entry{t, i, EntryType::kNormal, "d"});
  return out;
}

// Counts the entries read back from the stable log.
class CountingStorage : public MemoryLogStorage {
 public:
  std::vector<Entry> entries(uint64_t lo, uint64_t hi, uint64_t max_bytes) const override {
    auto out = MemoryLogStorage::entries(lo, hi, max_bytes);
    reads += out.size();
    return out;
  }
  mutable size_t reads = 0;
};

// Appends ents as the driver would: hand out, persist, stable_to.
void append_stable(RaftLog& log, LogStorage& s, const std::vector<Entry>& es) {
  log.append(es);
  auto out = log.take_entries_to_persist();
  s.persist({es.back().term, 0, 0}, out);
  log.stable_to(out.back().index, out.back().term);
}

}  // namespace

TEST_CASE("raft log merges the stable and unstable parts", "[raftlog]") {
  MemoryLogStorage s;
  s.persist({1, 0, 0}, ents({{1, 1}, {2, 1}}));
  RaftLog log(s, 0);
  REQUIRE(log.last_index() == 2);
  log.append(ents({{3, 2}, {4, 2}}));
  REQUIRE(log.last_index() == 4);
  REQUIRE(log.term(3) == 2u);
  REQUIRE(log.persisted_index() == 2);
  REQUIRE(log.slice(1, 5, 100).size() == 4);
  REQUIRE(log.slice(1, 5, 2).size() == 2);  // byte limit spans both parts

  REQUIRE(log.has_entries_to_persist());
  auto to_persist = log.take_entries_to_persist();
  REQUIRE(to_persist.size() == 2);
  REQUIRE_FALSE(log.has_entries_to_persist());  // handed out once
  s.persist({2, 0, 0}, to_persist);
  log.stable_to(4, 2);
  REQUIRE(log.persisted_index() == 4);
}

TEST_CASE("raft log maybe_append truncates a conflicting suffix only", "[raftlog]") {
  MemoryLogStorage s;
  s.persist({2, 0, 1}, ents({{1, 1}, {2, 1}, {3, 2}, {4, 2}}));
  RaftLog log(s, 0);
  // Wrong previous term: rejected.
  REQUIRE_FALSE(log.maybe_append(2, 2, 0, ents({{3, 3}})));
  // Matching prefix is kept, conflict at 4 replaced, commit bounded by the last new entry.
  auto last = log.maybe_append(2, 1, 10, ents({{3, 2}, {4, 3}}));
  REQUIRE(last == 4u);
  REQUIRE(log.term(4) == 3u);
  REQUIRE(log.committed() == 4);
  REQUIRE(log.persisted_index() == 3);  // 4 must be persisted again
  // An already-present shorter append does not truncate anything.
  REQUIRE(log.maybe_append(1, 1, 0, ents({{2, 1}})) == 2u);
  REQUIRE(log.last_index() == 4);
}

TEST_CASE("raft log find_conflict_by_term skips whole terms", "[raftlog]") {
  MemoryLogStorage s;
  s.persist({}, ents({{1, 1}, {2, 1}, {3, 2}, {4, 2}, {5, 4}, {6, 4}}));
  RaftLog log(s, 0);
  REQUIRE(log.find_conflict_by_term(6, 3) == std::pair<uint64_t, uint64_t>{4, 2});
  REQUIRE(log.find_conflict_by_term(6, 4) == std::pair<uint64_t, uint64_t>{6, 4});
  REQUIRE(log.find_conflict_by_term(4, 1) == std::pair<uint64_t, uint64_t>{2, 1});
  REQUIRE(log.find_conflict_by_term(9, 1) == std::pair<uint64_t, uint64_t>{9, 0});
}

TEST_CASE("raft log commits only current-term entries via maybe_commit", "[raftlog]") {
  MemoryLogStorage s;
  s.persist({}, ents({{1, 1}, {2, 2}}));
  RaftLog log(s, 0);
  REQUIRE_FALSE(log.maybe_commit(1, 2));
  REQUIRE(log.maybe_commit(2, 2));
  REQUIRE(log.committed() == 2);
  REQUIRE(log.has_entries_to_apply());
  REQUIRE(log.take_entries_to_apply(1).size() == 1);  // byte-limited apply batch
  log.applied_to(2);
  REQUIRE_FALSE(log.has_entries_to_apply());
}

TEST_CASE("raft log applies only entries already handed out for persisting", "[raftlog]") {
  MemoryLogStorage s;
  RaftLog log(s, 0);
  log.append(ents({{1, 1}}));
  log.commit_to(1);
  REQUIRE_FALSE(log.has_entries_to_apply());
  log.take_entries_to_persist();
  REQUIRE(log.has_entries_to_apply());
}

TEST_CASE("raft log keeps stable entries in memory until applied", "[raftlog]") {
  CountingStorage s;
  s.persist({1, 0, 0}, ents({{1, 1}}));
  RaftLog log(s, 0);
  append_stable(log, s, ents({{2, 1}, {3, 1}, {4, 1}}));
  REQUIRE(log.persisted_index() == 4);
  // Entries stable since this log was made come from memory; older ones from storage.
  REQUIRE(log.slice(2, 5, 100) == ents({{2, 1}, {3, 1}, {4, 1}}));
  REQUIRE(s.reads == 0);
  REQUIRE(log.slice(1, 3, 100) == ents({{1, 1}, {2, 1}}));
  REQUIRE(s.reads == 1);
  log.commit_to(4);
  s.reads = 0;
  auto first = log.take_entries_to_apply(100);
  REQUIRE(first == ents({{1, 1}, {2, 1}, {3, 1}, {4, 1}}));
  REQUIRE(s.reads == 1);  // only entry 1, from before this log
  log.applied_to(4);
  // Handed-out entries left memory: a follower lagging behind reads them from storage.
  REQUIRE(log.slice(3, 5, 100) == ents({{3, 1}, {4, 1}}));
  REQUIRE(s.reads == 3);
}

TEST_CASE("raft log drops replaced stable entries from memory", "[raftlog]") {
  CountingStorage s;
  RaftLog log(s, 0);
  append_stable(log, s, ents({{1, 1}, {2, 1}, {3, 1}}));
  // A new leader's entries replace 2 and 3 before they were applied.
  REQUIRE(log.maybe_append(1, 1, 0, ents({{2, 2}})) == 2u);
  REQUIRE(log.last_index() == 2);
  REQUIRE(log.slice(1, 3, 100) == ents({{1, 1}, {2, 2}}));
  auto out = log.take_entries_to_persist();
  REQUIRE(out == ents({{2, 2}}));
  s.persist({2, 0, 0}, out);
  log.stable_to(2, 2);
  log.commit_to(2);
  REQUIRE(log.take_entries_to_apply(100) == ents({{1, 1}, {2, 2}}));
  REQUIRE(s.reads == 0);
}

TEST_CASE("progress probe and replicate flow control", "[progress]") {
  Progress pr(11, 2);
  REQUIRE(pr.state() == ProgressState::kProbe);
  REQUIRE_FALSE(pr.is_paused());
  pr.sent_append(12, 10);
  REQUIRE(pr.is_paused());  // one probe at a time
  // A stale rejection (for another index) is ignored; the right one moves next back.
  REQUIRE_FALSE(pr.maybe_decr_to(5, 3));
  REQUIRE(pr.maybe_decr_to(10, 6));
  REQUIRE(pr.next() == 7);
  REQUIRE_FALSE(pr.is_paused());
  REQUIRE(pr.maybe_update(9));
  pr.become_replicate();
  REQUIRE(pr.next() == 10);
  pr.sent_append(12, 3);
  pr.sent_append(14, 2);
  REQUIRE(pr.is_paused());  // window of 2 full
  REQUIRE(pr.next() == 15);
  pr.on_heartbeat_resp();  // frees one slot
  REQUIRE_FALSE(pr.is_paused());
  pr.sent_append(15, 1);
  REQUIRE(pr.maybe_update(14));
  REQUIRE(pr.inflights().count() == 1);
  // Rejection in replicate: back to match+1.
  REQUIRE(pr.maybe_decr_to(15, 14));
  REQUIRE(pr.next() == 15);
  pr.become_probe();
  REQUIRE(pr.inflights().count() == 0);
}

TEST_CASE("read-only rounds confirm all earlier rounds with a quorum", "[readonly]") {
  ReadOnly ro;
  ro.add({1, "a", 5});
  uint64_t r1 = ro.start_round();
  ro.add({1, "b", 6});
  REQUIRE(ro.has_unsent());
  uint64_t r2 = ro.start_round();
  REQUIRE(r2 > r1);
  std::vector<NodeId> voters{1, 2, 3, 4, 5};
  ro.ack(2, r2);
  REQUIRE(ro.take_confirmed(voters, 1, 3).empty());  // {1, 2} is not a quorum of 5
  ro.ack(3, r1);
  auto first = ro.take_confirmed(voters, 1, 3);  // {1, 2, 3} acked r1
  REQUIRE(first.size() == 1);
  REQUIRE(first[0].context == "a");
  ro.ack(4, r2);
  auto second = ro.take_confirmed(voters, 1, 3);
  REQUIRE(second.size() == 1);
  REQUIRE(second[0].context == "b");
  REQUIRE_FALSE(ro.has_round_in_flight());
  REQUIRE(ReadOnly::decode_round(ReadOnly::encode_round(r2)) == r2);
  REQUIRE(ReadOnly::decode_round("x1") == 0);
  REQUIRE(ReadOnly::decode_round("") == 0);
}
