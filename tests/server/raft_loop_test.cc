// RaftLoop end to end without sockets: a single member with an in-memory log and a real
// SQLite key space in a temp dir. Bounded waits only (no fixed sleeps).
#include "server/raft_loop.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <mutex>

#include "../temp_dir.h"
#include "../wait_until.h"
#include "consensus/memory_log_storage.h"
#include "store/member_table.h"

using namespace larch;
using larch::testing::wait_until;
using namespace std::chrono_literals;

using larch::testing::TempDir;

namespace {

struct Member {
  TempDir dir;
  consensus::MemoryLogStorage log;
  std::unique_ptr<store::KeyStore> keys = store::KeyStore::open(dir.path() / "keys.db", 1000);
  store::WatchHub hub{keys->etcd_index()};
  server::StoreCounters counters;
  server::ReaderPool readers{dir.path() / "keys.db"};
  std::atomic<int64_t> now{1'700'000'000'000'000'000};
  std::unique_ptr<server::RaftLoop> loop;

  explicit Member(server::RaftLoopOptions o = {}) {
    o.id = 1;
    o.voters = {1};
    o.tick_ns = 10'000'000;
    o.bootstrap_entries = 3;
    loop = std::make_unique<server::RaftLoop>(o, log, *keys, hub, counters, readers,
                                              [this] { return now.load(); });
    loop->start();
  }
  ~Member() { loop->stop(); }

  http::WriteReply write(store::Command c) {
    c.now_ns = now.load();
    std::promise<http::WriteReply> p;
    auto f = p.get_future();
    loop->propose(std::move(c), [&p](http::WriteReply r) { p.set_value(std::move(r)); });
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
    return f.get();
  }
  // What a client's GET sees: the applied key space in memory (keys.db follows it within a
  // flush interval, so reading the file right after an acknowledgement could miss the write).
  std::string get(const std::string& key) { return keys->live().get(key, false, now.load()).body; }
};

store::Command set(std::string key, std::string value) {
  store::Command c;
  c.op = store::OpType::kSet;
  c.key = std::move(key);
  c.value = std::move(value);
  return c;
}

}  // namespace

TEST_CASE("raft loop: a write is applied, acknowledged and visible; index starts at 4") {
  Member m;
  auto r = m.write(set("/a", "1"));
  REQUIRE_FALSE(r.internal_error);
  REQUIRE(r.result.error_code == 0);
  REQUIRE(r.result.etcd_index == 4);  // three internal bootstrap entries first, as etcd
  REQUIRE(m.get("/a").find("\"value\":\"1\"") != std::string::npos);
  REQUIRE(m.loop->status().is_leader);
  REQUIRE(m.loop->status().commit_index >= 5);
}

TEST_CASE("raft loop: many concurrent writes are all acknowledged in index order") {
  Member m;
  constexpr int kWrites = 300;
  std::vector<std::promise<http::WriteReply>> ps(kWrites);
  std::vector<std::future<http::WriteReply>> fs;
  for (int i = 0; i < kWrites; ++i) {
    fs.push_back(ps[i].get_future());
    m.loop->propose(set("/k" + std::to_string(i), "v"),
                    [&ps, i](http::WriteReply r) { ps[i].set_value(std::move(r)); });
  }
  std::set<uint64_t> indexes;
  for (auto& f : fs) {
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
    auto r = f.get();
    REQUIRE(r.result.error_code == 0);
    indexes.insert(r.result.etcd_index);
  }
  REQUIRE(indexes.size() == kWrites);
  REQUIRE(*indexes.begin() == 4);
  REQUIRE(*indexes.rbegin() == 3 + kWrites);
  REQUIRE(m.counters.snapshot().sets_success == kWrites);
}

TEST_CASE("raft loop: a read barrier completes after everything committed before it") {
  Member m;
  m.write(set("/x", "1"));
  std::promise<bool> p;
  auto f = p.get_future();
  m.loop->read_barrier([&p](bool ok) { p.set_value(ok); });
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  REQUIRE(f.get());
}

TEST_CASE("raft loop: the leader expires a TTL key and watchers get the expire event") {
  Member m;
  store::Command c = set("/ttl", "v");
  c.expiration_ns = m.now.load() + 1'000'000'000;
  REQUIRE(m.write(c).result.error_code == 0);
  m.now += 2'000'000'000;  // the expiry is now in the past: the next poll proposes Expire
  // GETs see the key gone as soon as it is applied; the counter follows a moment later.
  REQUIRE(wait_until([&] {
    return m.get("/ttl").find("\"errorCode\":100") != std::string::npos &&
           m.counters.snapshot().expire_count != 0;
  }));
  REQUIRE(m.counters.snapshot().expire_count == 1);
}

TEST_CASE("raft loop: the log is compacted every compact_every entries") {
  server::RaftLoopOptions o;
  o.compact_every = 50;
  o.compact_keep = 10;
  std::atomic<uint64_t> compacted_to{0};
  std::atomic<uint64_t> file_held{0};
  std::atomic<store::KeyStore*> keys{nullptr};
  o.compact_log = [&](uint64_t index, uint64_t) {
    // What the file held (durably: sync) when the log was dropped; the periodic flush alone
    // (once a second) would be far behind here.
    file_held = keys.load()->flushed_index();
    compacted_to = index;
  };
  Member m(o);
  keys = m.keys.get();
  for (int i = 0; i < 120; ++i) m.write(set("/c" + std::to_string(i % 7), "v"));
  REQUIRE(wait_until([&] { return compacted_to.load() != 0; }));
  REQUIRE(compacted_to.load() >= 40);
  // The key space covered every entry applied when the compaction was decided, i.e. the
  // dropped ones and the compact_keep entries after them.
  REQUIRE(file_held.load() >= compacted_to.load() + o.compact_keep);
}

TEST_CASE("raft loop: a membership change reaches transport, core and key space in order") {
  std::mutex mu;
  std::vector<std::string> calls;
  server::RaftLoopOptions o;
  o.request_timeout_ns = 300'000'000;
  o.on_conf_change = [&](const consensus::ConfChange& cc, const std::string& attrs) {
    std::lock_guard lock(mu);
    calls.push_back("conf " + std::to_string(cc.node) + " " + attrs);
  };
  o.on_member_peers = [&](uint64_t index, const store::MemberPeers& p) {
    std::lock_guard lock(mu);
    calls.push_back("peers " + std::to_string(p.id) + " " + p.peer_urls_json + " " +
                    std::to_string(index > 0));
  };
  Member m(o);
  REQUIRE_FALSE(m.write(set("/a", "1")).internal_error);
  uint64_t before = m.keys->etcd_index();

  store::Command add;
  add.op = store::OpType::kInternal;
  add.key = store::member_raft_attributes_key(2);
  add.value = R"({"peerURLs":["http://127.0.0.1:9"]})";
  consensus::ConfChange cc{consensus::ConfChangeType::kAddNode, 2, ""};
  std::promise<http::WriteReply> p;
  auto f = p.get_future();
  m.loop->propose_conf_change(cc, add, [&p](http::WriteReply r) { p.set_value(std::move(r)); });
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  auto reply = f.get();
  REQUIRE_FALSE(reply.internal_error);
  REQUIRE(reply.result.etcd_index == before + 1);  // one etcd index, like etcd's store write
  {
    std::lock_guard lock(mu);
    REQUIRE(calls ==
            std::vector<std::string>{"conf 2 " + add.value, "peers 2 " + add.value + " 1"});
  }
  // Two voters now and member 2 never answers: a write cannot commit and times out (the
  // test clock is moved past the request timeout).
  std::promise<http::WriteReply> p2;
  auto f2 = p2.get_future();
  m.loop->propose(set("/b", "2"), [&p2](http::WriteReply r) { p2.set_value(std::move(r)); });
  REQUIRE(f2.wait_for(200ms) == std::future_status::timeout);
  m.now += 1'000'000'000;
  REQUIRE(f2.wait_for(10s) == std::future_status::ready);
  REQUIRE(f2.get().internal_error);
  m.loop->stop();
  auto rows = m.keys->member_peers();
  REQUIRE(rows == std::vector<store::MemberPeers>{{2, add.value, false}});
}

TEST_CASE("raft loop: a received batch is reported processed after the answers it caused") {
  std::mutex mu;
  std::vector<consensus::Message> sent;
  server::RaftLoopOptions o;
  o.send = [&](std::vector<consensus::Message> msgs) {
    std::lock_guard lock(mu);
    for (auto& m : msgs) sent.push_back(std::move(m));
  };
  Member m(o);
  REQUIRE_FALSE(m.write(set("/a", "1")).internal_error);
  // A leader of a later term heartbeats: the answer waits for the new term's fsync, and the
  // batch is reported processed only once the answer has been handed to send.
  consensus::Message hb;
  hb.type = consensus::MessageType::kHeartbeat;
  hb.from = 2;
  hb.to = 1;
  hb.term = 100;
  std::promise<bool> answered;
  auto f = answered.get_future();
  m.loop->receive({hb}, [&] {
    std::lock_guard lock(mu);
    bool found = false;
    for (const auto& s : sent) {
      found = found || (s.type == consensus::MessageType::kHeartbeatResp && s.to == 2);
    }
    answered.set_value(found);
  });
  REQUIRE(f.wait_for(10s) == std::future_status::ready);
  CHECK(f.get());
}

namespace {

// A member made a follower of member 2 (term 100), with its sent messages recorded.
struct Follower {
  std::mutex mu;
  std::vector<consensus::Message> sent;
  std::unique_ptr<Member> m;

  Follower() {
    server::RaftLoopOptions o;
    o.election_ticks = 100000;  // stays a follower without further heartbeats
    o.send = [this](std::vector<consensus::Message> msgs) {
      std::lock_guard lock(mu);
      for (auto& msg : msgs) sent.push_back(std::move(msg));
    };
    m = std::make_unique<Member>(o);
    REQUIRE_FALSE(m->write(set("/a", "1")).internal_error);
    consensus::Message hb;
    hb.type = consensus::MessageType::kHeartbeat;
    hb.from = 2;
    hb.to = 1;
    hb.term = 100;
    step({hb});
  }

  // Steps msgs and returns once the raft loop has handled them and everything queued before.
  void step(std::vector<consensus::Message> msgs) {
    std::promise<void> done;
    auto f = done.get_future();
    m->loop->receive(std::move(msgs), [&done] { done.set_value(); });
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
  }

  std::vector<std::string> forwarded_reads() {
    std::lock_guard lock(mu);
    std::vector<std::string> out;
    for (const auto& s : sent) {
      if (s.type == consensus::MessageType::kReadIndex && s.to == 2) out.push_back(s.context);
    }
    return out;
  }

  // Waits (bounded) until n read rounds have been forwarded; returns their contexts.
  std::vector<std::string> wait_forwarded(size_t n) {
    wait_until([&] { return forwarded_reads().size() >= n; });
    auto got = forwarded_reads();
    REQUIRE(got.size() == n);
    return got;
  }

  void answer(const std::string& context) {
    consensus::Message r;
    r.type = consensus::MessageType::kReadIndexResp;
    r.from = 2;
    r.to = 1;
    r.term = 100;
    r.index = 1;
    r.context = context;
    step({r});
  }
};

struct ReadDone {
  std::promise<bool> p;
  std::future<bool> f = p.get_future();
  std::function<void(bool)> cb() {
    return [this](bool ok) { p.set_value(ok); };
  }
  bool done() { return f.wait_for(0s) == std::future_status::ready; }
  bool ok() {
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
    return f.get();
  }
};

}  // namespace

TEST_CASE("raft loop: a follower keeps one read round forwarded; later reads share the next") {
  Follower fw;
  ReadDone r1, r2, r3;
  fw.m->loop->read_barrier(r1.cb());
  auto first = fw.wait_forwarded(1);
  fw.m->loop->read_barrier(r2.cb());
  fw.m->loop->read_barrier(r3.cb());
  fw.step({});  // both reads have been handled: they wait, nothing more is forwarded
  CHECK(fw.forwarded_reads().size() == 1);
  CHECK_FALSE(r2.done());

  fw.answer(first[0]);  // releases the first read and forwards one round for the other two
  CHECK(r1.ok());
  auto rounds = fw.wait_forwarded(2);
  CHECK(rounds[1] != rounds[0]);
  CHECK_FALSE(r2.done());
  fw.answer(rounds[1]);
  CHECK(r2.ok());
  CHECK(r3.ok());
  CHECK(fw.forwarded_reads().size() == 2);
}

TEST_CASE("raft loop: a forwarded read round unanswered for two heartbeats holds nothing back") {
  Follower fw;
  ReadDone lost, next;
  fw.m->loop->read_barrier(lost.cb());
  auto first = fw.wait_forwarded(1);
  fw.m->loop->read_barrier(next.cb());
  fw.step({});
  CHECK(fw.forwarded_reads().size() == 1);
  fw.m->now += 1'000'000'000;          // the first round is now 1 s old (heartbeat interval 10 ms)
  auto rounds = fw.wait_forwarded(2);  // the next tick forwards the waiting read
  fw.answer(rounds[1]);
  CHECK(next.ok());
  CHECK_FALSE(lost.done());  // the lost round's read still waits for its answer or deadline
  fw.answer(first[0]);
  CHECK(lost.ok());
}
