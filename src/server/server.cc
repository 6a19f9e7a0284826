#include "server/server.h"

#include <pthread.h>
#include <sqlite3.h>
#include <sys/resource.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <list>
#include <set>
#include <thread>

#include "config/url.h"
#include "consensus/message_codec.h"
#include "http/api_handler.h"
#include "http/listener.h"
#include "http/members_handler.h"
#include "http/metrics_handler.h"
#include "server/data_dir.h"
#include "server/force_new_cluster.h"
#include "server/io_threads.h"
#include "server/kv_server.h"
#include "server/log_outputs.h"
#include "server/member_directory.h"
#include "server/proxy_mode.h"
#include "server/raft_loop.h"
#include "server/tls_setup.h"
#include "store/key_store.h"
#include "store/member_table.h"
#include "store/sqlite_log_storage.h"
#include "transport/peer_handler.h"
#include "transport/peer_session.h"
#include "transport/transport.h"
#include "util/join.h"
#include "util/log_line.h"
#include "util/member_id.h"

namespace larch::server {

namespace asio = boost::asio;

using util::log_line;

namespace {

RaftLoopOptions raft_options(const config::Config& cfg, const Identity& id,
                             const std::vector<store::MemberPeers>& members,
                             store::SqliteLogStorage& log) {
  RaftLoopOptions o;
  o.id = id.self.id;
  for (const auto& m : members) {
    if (!m.removed) o.voters.push_back(m.id);
  }
  o.tick_ns = static_cast<int64_t>(cfg.heartbeat_interval_ms) * 1'000'000;
  o.election_ticks = static_cast<int>(cfg.election_timeout_ms / cfg.heartbeat_interval_ms);
  o.request_timeout_ns = static_cast<int64_t>(cfg.request_timeout_ms()) * 1'000'000;
  // etcd's bootstrap writes: one member add per initial member plus the cluster version
  // (measured: first write at index 4 for one member, 9 for three, with the publishes).
  // A member that joined a running cluster never bootstraps.
  o.bootstrap_entries = id.conf_index != 0 ? 0 : static_cast<int>(id.members.size()) + 1;
  store::Command publish;
  publish.op = store::OpType::kInternal;
  publish.key = store::member_attributes_key(id.self.id);
  publish.value = attributes_json(id.self);
  o.publish = std::move(publish);
  o.seed = id.self.id ^ static_cast<uint64_t>(unix_now_ns());
  o.compact_every = cfg.snapshot_count;
  o.leader_follows_writes = cfg.leader_follows_writes;
  o.keys_db_path = DataDir{cfg.data_dir}.keys_db();
  o.snapshot_dir = DataDir{cfg.data_dir}.snap_dir();
  o.compact_log = [&log](uint64_t index, uint64_t term) { log.compact(index, term); };
  return o;
}

// Where to reach a member: its peer URLs in the order announced (the sender moves on to the
// next when one cannot be connected); nullopt if it has none usable.
std::optional<transport::PeerAddress> peer_address(uint64_t id,
                                                   const std::vector<std::string>& peer_urls) {
  std::vector<transport::PeerEndpoint> endpoints;
  for (const auto& text : peer_urls) {
    auto url = config::parse_url(text, config::UrlRole::kAdvertise);
    if (url.ok()) {
      endpoints.push_back({url.value->host, url.value->port, url.value->tls()});
    } else {
      log_line("warning: member " + util::id_hex(id) + " has an unusable peer URL " + text);
    }
  }
  if (endpoints.empty()) return std::nullopt;
  transport::PeerAddress a(id, endpoints.front().host, endpoints.front().port);
  a.tls = endpoints.front().tls;
  a.more.assign(endpoints.begin() + 1, endpoints.end());
  return a;
}

std::vector<transport::PeerAddress> peer_addresses(const std::vector<http::MemberInfo>& members) {
  std::vector<transport::PeerAddress> out;
  for (const auto& m : members) {
    if (auto a = peer_address(m.id, m.peer_urls)) out.push_back(*a);
  }
  return out;
}

// The replicated member table; seeded from the identity record on the first start (and for
// data dirs made before the table existed).
std::vector<store::MemberPeers> load_members(store::KeyStore& keys, const Identity& id) {
  auto rows = keys.member_peers();
  if (!rows.empty()) return rows;
  for (const auto& m : id.members) rows.push_back({m.id, raft_attributes_json(m.peer_urls), false});
  keys.seed_member_peers(rows, id.conf_index);
  return keys.member_peers();
}

// --force-new-cluster: rewrites the log so that this member is the only voter (logged as
// etcd logs it). False after logging the error that stops the start.
bool force_standalone(store::SqliteLogStorage& log, store::KeyStore& keys,
                      const std::vector<store::MemberPeers>& rows, uint64_t self) {
  ForcedCluster f;
  try {
    f = force_new_cluster(log, keys.applied_index(), rows, self, unix_now_ns());
  } catch (const std::exception& e) {
    f.error = std::string("--force-new-cluster: ") + e.what();
  }
  if (!f.error.empty()) {
    log_line("error: " + f.error);
    return false;
  }
  std::vector<std::string> removed;
  for (uint64_t m : f.removed) removed.push_back(util::id_hex(m));
  log_line("forcing restart of member " + util::id_hex(self) + " at commit index " +
           std::to_string(f.commit) +
           (removed.empty() ? " (already the only voter)"
                            : "; removing members " + util::join(removed, ", ")));
  return true;
}

// The directory's starting view: peer URLs from the table, names from the identity record
// (the initial cluster's names), then whatever members published through the log.
std::unique_ptr<MemberDirectory> make_directory(const Identity& id,
                                                const std::vector<store::MemberPeers>& rows,
                                                store::KeyStore& keys) {
  auto dir = std::make_unique<MemberDirectory>(id.members);
  dir->reset(std::max(keys.applied_index(), keys.conf_index()), rows);
  for (const auto& [member, attrs] : keys.member_attributes()) dir->update(member, attrs);
  return dir;
}

// The peer endpoint's GET /members body (what a joining member reads).
transport::MembersSnapshot members_snapshot(const MemberDirectory& directory) {
  auto [members, index] = directory.members_at();
  std::sort(members.begin(), members.end(), [](auto& a, auto& b) { return a.id < b.id; });
  transport::MembersSnapshot out;
  out.conf_index = index;
  out.members_json = "[";
  for (size_t i = 0; i < members.size(); ++i) {
    if (i) out.members_json += ',';
    out.members_json += http::peer_member_json(members[i]);
  }
  out.members_json += ']';
  return out;
}

// Feeds /v2/stats/self: append messages and (approximately) their bytes.
void count_appends(TrafficMeter& meter, const std::vector<consensus::Message>& msgs) {
  uint64_t n = 0, bytes = 0;
  for (const auto& m : msgs) {
    if (m.type != consensus::MessageType::kAppend) continue;
    ++n;
    bytes += consensus::approx_encoded_size(m);
  }
  if (n != 0) meter.add(n, bytes, unix_now_ns());
}

// A listening socket and whether its URL is https.
struct Listener {
  Listener(asio::io_context& ioc, bool tls_) : acceptor(ioc), tls(tls_) {}
  asio::ip::tcp::acceptor acceptor;
  bool tls;
};

// Binds every URL (SO_REUSEADDR); false after logging the first failure.
bool open_listeners(asio::io_context& ioc, const std::vector<config::Url>& urls,
                    const std::string& what, std::list<Listener>& out) {
  for (const auto& url : urls) {
    auto& acc = out.emplace_back(ioc, url.tls()).acceptor;
    if (auto err = http::open_acceptor(acc, url.host, url.port); !err.empty()) {
      log_line("error: " + err);
      return false;
    }
    log_line("serving " + what + " on " + url.text);
  }
  return true;
}

http::ApiOptions api_options(const config::Config& cfg) {
  http::ApiOptions o;
  o.cors = cfg.cors;
  o.host_whitelist = cfg.host_whitelist;
  o.linearizable_reads = cfg.linearizable_reads;
  o.strict_reconfig_check = cfg.strict_reconfig_check;
  return o;
}

// Every watcher holds a connection: raise the soft open-file limit to the hard limit (as Go's
// runtime does for etcd), so 10,000+ idle watchers fit under a default 1024 soft limit.
void raise_open_file_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max) return;
  rlim_t before = lim.rlim_cur;
  lim.rlim_cur = lim.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &lim) == 0) {
    log_line("open file limit raised from " + std::to_string(before) + " to " +
             std::to_string(lim.rlim_cur));
  }
}

// Client requests are served once this member has replayed its log past what it had
// acknowledged before a restart (RaftLoop::ready: its own publish entry of this run applied,
// as etcd waits for ReadyNotify), or after `bound` without that (no quorum): then it answers
// as etcd's members do without a leader. Until then connections wait in the listen backlog.
// https listeners serve with `client_tls` (the client listener context); with
// `client_cert_auth`, a request's verified certificate names its user (as in etcd).
asio::awaitable<void> serve_clients_when_ready(
    const RaftLoop& raft, std::list<Listener>& listeners, std::vector<asio::io_context*> contexts,
    http::RequestHandler& api, http::SessionLimits limits, asio::ssl::context* client_tls,
    bool client_cert_auth, std::chrono::nanoseconds bound) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex);
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (!raft.ready() && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(5));
    co_await timer.async_wait(asio::use_awaitable);
  }
  for (auto& l : listeners) {
    if (!l.acceptor.is_open()) continue;
    if (!l.tls) {
      asio::co_spawn(ex, http::accept_loop(l.acceptor, contexts, api, limits), asio::detached);
      continue;
    }
    http::SessionRunner run = [client_tls, &api, limits,
                               client_cert_auth](asio::ip::tcp::socket socket) {
      return http::run_tls_client_session(std::move(socket), *client_tls, api, limits,
                                          client_cert_auth);
    };
    asio::co_spawn(ex, http::accept_loop(l.acceptor, contexts, std::move(run)), asio::detached);
  }
}

// A data dir initialised as a proxy, or a new one with --proxy on|readonly, runs the v2 proxy
// (its exit code); nullopt when this process is a member.
std::optional<int> maybe_run_proxy(const config::Config& cfg, const DataDir& dir,
                                   const TlsSetup& tls) {
  DataDirClass kind = classify_data_dir(dir);
  if (!kind.error.empty()) {
    log_line("error: " + kind.error);
    return 1;
  }
  if (kind.kind == DataDirKind::kProxy) {
    log_line("the server is already initialized as proxy before, starting as etcd proxy...");
    return run_proxy(cfg, initial_peer_urls(cfg), tls);
  }
  if (kind.kind == DataDirKind::kMember || cfg.proxy == "off") return std::nullopt;
  std::vector<std::string> peers = initial_peer_urls(cfg);
  if (!cfg.discovery_srv.empty()) {
    config::Config found = cfg;
    if (auto err = srv_initial_cluster(found, false); !err.empty()) {
      log_line("error: " + err);
      return 1;
    }
    peers = initial_peer_urls(found);
  }
  if (!cfg.discovery.empty()) {
    if (auto err = discover_peer_urls(cfg, peers); !err.empty()) {
      log_line("error: " + err);
      return 1;
    }
  }
  return run_proxy(cfg, std::move(peers), tls);
}

}  // namespace

http::SessionLimits client_limits(const config::Config& cfg) {
  http::SessionLimits limits;
  limits.max_body_bytes = cfg.max_request_bytes;
  limits.idle_timeout = std::chrono::seconds(cfg.client_idle_timeout_s);
  return limits;
}

int run_server(const config::Config& cfg) {
  int64_t start_ns = unix_now_ns();
  // SQLite's allocation statistics take a process-wide mutex on every allocation; Larch never
  // reads them. Must precede any other SQLite call.
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  // --log-outputs first: every line from here on goes there.
  LogOutputs::Opened log_outputs = LogOutputs::open(cfg.log_outputs);
  if (!log_outputs.outputs) {
    log_line("error: " + log_outputs.error);
    return 1;
  }
  raise_open_file_limit();
  // Before anything else: a bad certificate, key or CA file is a one-line error.
  TlsSetup tls_setup = make_tls_setup(cfg);
  if (!tls_setup.error.empty()) {
    log_line("error: " + tls_setup.error);
    return 1;
  }
  for (const auto& note : tls_setup.notes) log_line(note);
  DataDir dir{cfg.data_dir, cfg.wal_dir};
  if (auto proxy_exit = maybe_run_proxy(cfg, dir, tls_setup)) {
    return *proxy_exit;
  }
  OpenedDataDir opened = open_data_dir(dir, cfg, tls_setup.peer_client.get());
  if (!opened.error.empty() && !opened.full_cluster_peer_urls.empty() &&
      cfg.discovery_fallback == "proxy") {
    log_line("discovery cluster full, falling back to proxy");
    return run_proxy(cfg, opened.full_cluster_peer_urls, tls_setup);
  }
  if (!opened.error.empty()) {
    log_line("error: " + opened.error);
    return 1;
  }
  std::unique_ptr<store::SqliteLogStorage> log;
  std::unique_ptr<store::KeyStore> keys;
  try {
    log = std::make_unique<store::SqliteLogStorage>(dir.raft_db());
    keys = store::KeyStore::open(dir.keys_db(), cfg.history_size);
  } catch (const std::exception& e) {
    log_line(std::string("error: ") + e.what());
    return 1;
  }
  const Identity& id = opened.identity;
  std::vector<store::MemberPeers> member_rows;
  try {
    member_rows = load_members(*keys, id);
  } catch (const std::exception& e) {
    log_line(std::string("error: ") + e.what());
    return 1;
  }
  for (const auto& r : member_rows) {
    if (r.id == id.self.id && r.removed) {
      log_line("error: member " + util::id_hex(id.self.id) +
               " was removed from the cluster; its data dir cannot be used to rejoin (add it "
               "again as a new member with an empty data dir)");
      return 1;
    }
  }
  log_line("member " + util::id_hex(id.self.id) + " (" + cfg.name + ") of cluster " +
           util::id_hex(id.cluster_id) + ", data dir " + cfg.data_dir + ", applied index " +
           std::to_string(keys->applied_index()));
  // As in etcd, the flag only acts on a member restarted from its data; a new one ignores it.
  bool forced = cfg.force_new_cluster && !opened.fresh;
  if (forced && !force_standalone(*log, *keys, member_rows, id.self.id)) return 1;

  IoThreads io(2);
  asio::io_context& main_ioc = io.main();
  std::function<void(const std::string&)> begin_shutdown;  // set below; main_ioc only
  // Any thread: this member learnt it was removed from the cluster; it stops (as etcd does).
  // Like etcd, after a delay of one election timeout: the answer to the DELETE that removed
  // it is still being written, and the others may still be learning the entry's commit.
  asio::steady_timer removal_delay(main_ioc);
  auto election_timeout = std::chrono::milliseconds(cfg.election_timeout_ms);
  auto removed_from_cluster = [&main_ioc, &begin_shutdown, &removal_delay, election_timeout] {
    asio::post(main_ioc, [&begin_shutdown, &removal_delay, election_timeout] {
      removal_delay.expires_after(election_timeout);
      removal_delay.async_wait([&begin_shutdown](boost::system::error_code ec) {
        if (!ec) begin_shutdown("this member has been permanently removed from the cluster");
      });
    });
  };

  store::WatchHub hub(keys->etcd_index());
  StoreCounters counters;
  ReaderPool readers(dir.keys_db());
  std::unique_ptr<MemberDirectory> directory_ptr = make_directory(id, member_rows, *keys);
  MemberDirectory& directory = *directory_ptr;
  transport::Transport peers(id.cluster_id, id.self.id, peer_addresses(directory.members()),
                             log_line, tls_setup.peer_client);
  peers.set_on_removed(removed_from_cluster);
  RaftLoopOptions raft_opts = raft_options(cfg, id, member_rows, *log);
  if (forced) raft_opts.voters = {id.self.id};  // what the appended removals leave
  raft_opts.on_member_attributes = [&directory](uint64_t member, const std::string& attrs) {
    directory.update(member, attrs);
  };
  raft_opts.on_conf_change = [&peers](const consensus::ConfChange& cc,
                                      const std::string& raft_attributes) {
    if (cc.type == consensus::ConfChangeType::kRemoveNode) {
      peers.remove_peer(cc.node);
    } else if (auto a = peer_address(cc.node, parse_raft_attributes(raft_attributes))) {
      peers.add_peer(*a);
    }
  };
  uint64_t self_id = id.self.id;
  raft_opts.on_member_peers = [&directory, self_id, removed_from_cluster](
                                  uint64_t index, const store::MemberPeers& change) {
    directory.apply(index, change);
    if (change.removed) log_line("member " + util::id_hex(change.id) + " removed");
    if (change.id == self_id && change.removed) removed_from_cluster();
  };
  raft_opts.on_members_reset = [&directory, &peers, self_id, removed_from_cluster](
                                   uint64_t index, const std::vector<store::MemberPeers>& rows) {
    directory.reset(index, rows);
    peers.set_peers(peer_addresses(directory.members()));
    for (const auto& r : rows) {
      if (r.id == self_id && r.removed) removed_from_cluster();
    }
  };
  PeerMeters meters;
  meters.transport = &peers;
  raft_opts.send = [&peers, &meters](std::vector<consensus::Message> msgs) {
    count_appends(meters.sent, msgs);
    peers.send(std::move(msgs));
  };
  RaftLoop raft(std::move(raft_opts), *log, *keys, hub, counters, readers, unix_now_ns);
  transport::PeerHandler peer_handler(id.cluster_id, id.self.id,
                                      [&raft, &meters](std::vector<consensus::Message> msgs) {
                                        count_appends(meters.received, msgs);
                                        raft.receive(std::move(msgs));
                                      });
  // A follower's answers ride on the response to the leader's POST (see ReplySlot).
  peer_handler.set_held_replies(
      &peers.replies(),
      [&raft, &meters](std::vector<consensus::Message> msgs, std::function<void()> processed) {
        count_appends(meters.received, msgs);
        raft.receive(std::move(msgs), std::move(processed));
      });
  peers.set_deliver([&raft, &meters](std::vector<consensus::Message> msgs) {
    count_appends(meters.received, msgs);
    raft.receive(std::move(msgs));
  });
  peer_handler.set_is_removed(
      [&directory](uint64_t member) { return directory.is_removed(member); });
  peer_handler.set_members_provider([&directory] { return members_snapshot(directory); });
  peer_handler.set_snapshot_dir(dir.snap_dir());
  KvServer service(raft, *keys, readers, hub, counters, id, directory, meters, start_ns);
  http::ApiOptions options = api_options(cfg);
  http::ApiHandler api(service, options);
  http::MetricsHandler metrics(api, service, options);
  http::SessionLimits limits = client_limits(cfg);

  std::list<Listener> acceptors, peer_acceptors, metrics_acceptors;
  if (!open_listeners(main_ioc, cfg.listen_client_urls, "client requests", acceptors) ||
      !open_listeners(main_ioc, cfg.listen_peer_urls, "peer traffic", peer_acceptors) ||
      !open_listeners(main_ioc, cfg.listen_metrics_urls, "metrics", metrics_acceptors)) {
    return 1;
  }
  http::SessionLimits peer_limits;
  peer_limits.max_body_bytes = 256u << 20;  // a batch of appends can be large
  peer_limits.idle_timeout = std::chrono::seconds(300);
  peers.start();
  raft.start();
  for (auto [listeners, handler] :
       {std::pair<std::list<Listener>*, http::RequestHandler*>{&acceptors, &api},
        {&metrics_acceptors, &metrics}}) {
    asio::co_spawn(
        main_ioc,
        serve_clients_when_ready(raft, *listeners, io.contexts(), *handler, limits,
                                 tls_setup.client_listener.get(), tls_setup.client_cert_auth,
                                 std::chrono::milliseconds(cfg.request_timeout_ms())),
        asio::detached);
  }
  for (auto& l : peer_acceptors) {
    // Pipelined: a leader keeps several append batches in flight per follower (PeerSession).
    http::SessionRunner run;
    if (l.tls) {
      run = [ctx = tls_setup.peer_listener.get(), &peer_handler,
             peer_limits](asio::ip::tcp::socket s) {
        return transport::run_tls_peer_session(std::move(s), *ctx, peer_handler, peer_limits);
      };
    } else {
      run = [&peer_handler, peer_limits](asio::ip::tcp::socket socket) {
        return transport::run_peer_session(std::move(socket), peer_handler, peer_limits);
      };
    }
    asio::co_spawn(main_ioc, http::accept_loop(l.acceptor, io.contexts(), std::move(run)),
                   asio::detached);
  }
  asio::signal_set signals(main_ioc, SIGINT, SIGTERM);
  std::thread handover;  // joined below, after the I/O threads stop
  auto shut_down = [&] {
    for (auto& l : acceptors) l.acceptor.close();
    for (auto& l : peer_acceptors) l.acceptor.close();
    for (auto& l : metrics_acceptors) l.acceptor.close();
    hub.close_all();
    raft.stop();
    peers.stop();
    io.stop();
  };
  bool shutting_down = false;
  begin_shutdown = [&](const std::string& why) {
    if (shutting_down) return;
    shutting_down = true;
    log_line(why + ", shutting down");
    signals.cancel();
    // A leader hands over first (off the I/O threads, which keep serving peer traffic
    // meanwhile); bounded by the election timeout, after which we stop regardless.
    handover = std::thread([&] {
      if (raft.hand_over_leadership(static_cast<int64_t>(cfg.election_timeout_ms) * 1'000'000)) {
        log_line("leadership handed over to " + util::id_hex(raft.leader()));
      }
      asio::post(main_ioc, shut_down);
    });
  };
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (!ec) begin_shutdown("received signal " + std::to_string(sig));
  });
  io.run();
  if (handover.joinable()) handover.join();
  raft.stop();
  peers.stop();
  log_line("stopped");
  return 0;
}

}  // namespace larch::server
