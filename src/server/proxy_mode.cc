#include "server/proxy_mode.h"

#include <sys/stat.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <condition_variable>
#include <filesystem>
#include <list>
#include <mutex>
#include <random>
#include <thread>

#include "http/listener.h"
#include "proxy/cluster_refresher.h"
#include "proxy/proxy_session.h"
#include "server/cluster_join.h"
#include "server/io_threads.h"
#include "server/server.h"
#include "util/go_list.h"
#include "util/log_line.h"
#include "util/steady_now.h"

namespace larch::server {

namespace asio = boost::asio;
using util::log_line;

namespace {

// The peer URLs to ask: the cluster file's when there is one (etcd's messages).
bool choose_peer_urls(const config::Config& cfg, const std::string& proxy_dir,
                      std::vector<std::string>& peers) {
  std::string error;
  auto stored = proxy::ClusterRefresher::read_cluster_file(proxy_dir, &error);
  if (!error.empty()) {
    log_line("error: " + error);
    return false;
  }
  if (!stored) {
    log_line("proxy: using peer urls " + util::go_list(peers) + " ");
    return true;
  }
  if (!cfg.discovery.empty()) {
    log_line(
        "proxy: discovery token ignored since the proxy has already been initialized. Valid "
        "cluster file found at \"" +
        proxy_dir + "/cluster\"");
  }
  peers = std::move(*stored);
  log_line("proxy: using peer urls " + util::go_list(peers) + " from cluster file \"" + proxy_dir +
           "/cluster\"");
  return true;
}

proxy::ProxyOptions proxy_options(const config::Config& cfg) {
  proxy::ProxyOptions o;
  o.readonly = cfg.proxy == "readonly";
  o.cors = cfg.cors;
  o.dial_timeout = std::chrono::milliseconds(cfg.proxy_dial_timeout_ms);
  o.write_timeout = std::chrono::milliseconds(cfg.proxy_write_timeout_ms);
  o.read_timeout = std::chrono::milliseconds(cfg.proxy_read_timeout_ms);
  o.limits = client_limits(cfg);
  return o;
}

// Refreshes the endpoints every interval on its own thread (the fetch is synchronous) until
// stop().
class RefreshThread {
 public:
  RefreshThread(proxy::ClusterRefresher& refresher, std::chrono::milliseconds interval)
      : thread_([this, &refresher, interval] {
          std::unique_lock lock(mu_);
          while (!stopped_) {
            if (cv_.wait_for(lock, refresher.next_pause(interval), [this] { return stopped_; })) {
              break;
            }
            lock.unlock();
            refresher.refresh_once();
            lock.lock();
          }
        }) {}
  ~RefreshThread() { stop(); }

  void stop() {
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  std::thread thread_;  // last: starts after the members above exist
};

}  // namespace

std::vector<std::string> initial_peer_urls(const config::Config& cfg) {
  std::vector<std::string> out;
  for (const auto& m : cfg.initial_cluster) out.push_back(m.peer_url.text);
  std::sort(out.begin(), out.end());
  return out;
}

int run_proxy(const config::Config& cfg, std::vector<std::string> peers, const TlsSetup& tls) {
  log_line("proxy: this proxy supports v2 API only!");
  std::string tls_error;
  auto upstream_tls = make_proxy_upstream_tls(cfg, tls.peer_client, &tls_error);
  if (!upstream_tls) {
    log_line("error: " + tls_error);
    return 1;
  }
  asio::ssl::context* peer_tls = tls.peer_client.get();
  std::string proxy_dir = cfg.data_dir + "/proxy";
  std::error_code ec;
  std::filesystem::create_directories(proxy_dir, ec);
  if (ec) {
    log_line("error: cannot create " + proxy_dir + ": " + ec.message());
    return 1;
  }
  ::chmod(proxy_dir.c_str(), 0700);
  if (!choose_peer_urls(cfg, proxy_dir, peers)) return 1;

  proxy::EndpointSet endpoints(std::chrono::milliseconds(cfg.proxy_failure_wait_ms),
                               std::random_device{}());
  auto fetch = [peer_tls](const config::Url& peer, std::string* error) {
    return fetch_members(peer, peer_tls, error);
  };
  proxy::ClusterRefresher refresher(std::move(peers), proxy_dir, endpoints, fetch, log_line);
  refresher.refresh_once();
  proxy::ProxyMetrics metrics;
  proxy::ProxyContext ctx{
      proxy_options(cfg), &endpoints, &metrics, log_line, [] { return util::steady_now_ns(); },
      upstream_tls.get()};

  IoThreads io(2);
  asio::io_context& main_ioc = io.main();
  std::list<asio::ip::tcp::acceptor> acceptors;
  for (const auto& url : cfg.listen_client_urls) {
    auto& acc = acceptors.emplace_back(main_ioc);
    if (auto err = http::open_acceptor(acc, url.host, url.port); !err.empty()) {
      log_line("error: " + err);
      return 1;
    }
    log_line("v2 proxy started listening on client requests on \"" + url.text + "\"");
    http::SessionRunner run = [&ctx](asio::ip::tcp::socket s) {
      return proxy::run_proxy_session(std::move(s), ctx);
    };
    if (url.tls()) {
      run = [&ctx, listener = tls.client_listener.get()](asio::ip::tcp::socket s) {
        return proxy::run_tls_proxy_session(std::move(s), *listener, ctx);
      };
    }
    asio::co_spawn(main_ioc, http::accept_loop(acc, io.contexts(), std::move(run)), asio::detached);
  }
  RefreshThread refreshing(refresher, std::chrono::milliseconds(cfg.proxy_refresh_interval_ms));
  asio::signal_set signals(main_ioc, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code e, int sig) {
    if (e) return;
    log_line("received signal " + std::to_string(sig) + ", shutting down");
    for (auto& a : acceptors) a.close();
    io.stop();
  });
  io.run();
  refreshing.stop();
  log_line("stopped");
  return 0;
}

}  // namespace larch::server
