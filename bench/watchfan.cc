// watchfan: watch fan-out latency with a compiled client.
//
//   larch-watchfan HOST PORT W [--keep]
//
// Same experiment as ../shared/bench/watchlat.py — W long-poll watchers
// (GET /v2/keys/watchbench/k?wait=true), one PUT, time from sending the PUT until the last
// watcher has its event — but the client is a single-threaded epoll loop that spends a few
// microseconds per socket, so the figure shows the server's fan-out rather than a Python
// event loop's (~70 µs per socket, which dominates watchlat.py's result on two cores).
// Each watcher's socket is closed as soon as its event is in, as watchlat.py does; --keep
// leaves them open until the end (the server then has no connection teardown to do while
// it is still delivering) and then one more second, so that a profile of the server can
// separate delivery from teardown.
//
// Output: watchers=W delivered=N errors=E first_ms=.. p50_ms=.. last_ms=..
// With WATCHFAN_SERVER_PID set, also the server's CPU time (user + system) from the PUT to
// the last event (/proc, 10 ms ticks); always the client's own CPU time over that span.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "fd_limit.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Watcher {
  int fd = -1;
  std::string data;
  bool headers = false;
  bool done = false;
};

[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::exit(2);
}

int connect_to(const sockaddr_in& addr) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) die("connect");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void send_all(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    if (n <= 0) die("send");
    s.remove_prefix(static_cast<size_t>(n));
  }
}

// Reads what is available (the socket is non-blocking); false on EOF or error.
bool drain(Watcher& w) {
  char buf[16384];
  for (;;) {
    ssize_t n = recv(w.fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      w.data.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    return false;
  }
}

// Phase 1: every watcher's response headers (both etcd and Larch send them at once), so
// that the second phase reads only events. Gives up on stragglers after `limit`.
void await_headers(int ep, std::vector<Watcher>& ws, Clock::duration limit) {
  size_t pending = ws.size();
  auto deadline = Clock::now() + limit;
  std::vector<epoll_event> evs(1024);
  while (pending > 0 && Clock::now() < deadline) {
    int n = epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), 100);
    for (int i = 0; i < n; ++i) {
      Watcher& w = ws[evs[i].data.u64];
      if (!drain(w)) die("watcher closed before its event");
      if (!w.headers && w.data.find("\r\n\r\n") != std::string::npos) {
        w.headers = true;
        --pending;
      }
    }
  }
}

// utime + stime of process `pid` in ms (0 when pid is null or unreadable).
double cpu_ms(const char* pid) {
  if (pid == nullptr) return 0;
  FILE* f = std::fopen((std::string("/proc/") + pid + "/stat").c_str(), "r");
  if (f == nullptr) return 0;
  char buf[1024];
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  const char* p = std::strrchr(buf, ')');
  if (p == nullptr) return 0;
  unsigned long long ut = 0, st = 0;
  // Fields after the command: state ppid pgrp session tty tpgid flags minflt cminflt majflt
  // cmajflt utime stime.
  if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
    return 0;
  return 1000.0 * static_cast<double>(ut + st) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double self_cpu_ms() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto ms = [](const timeval& tv) { return tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0; };
  return ms(ru.ru_utime) + ms(ru.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s HOST PORT W [--keep]\n", argv[0]);
    return 2;
  }
  const int count = std::atoi(argv[3]);
  const bool keep = argc > 4 && std::string_view(argv[4]) == "--keep";
  raise_fd_limit();
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[2])));
  if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) die("address");
  const std::string host(argv[1]);
  const std::string key = "watchbench/k";

  int ep = epoll_create1(EPOLL_CLOEXEC);
  std::vector<Watcher> ws(static_cast<size_t>(count));
  const std::string get =
      "GET /v2/keys/" + key + "?wait=true HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
  for (size_t i = 0; i < ws.size(); ++i) {
    ws[i].fd = connect_to(addr);
    send_all(ws[i].fd, get);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, ws[i].fd, &ev) != 0) die("epoll_ctl");
  }
  await_headers(ep, ws, std::chrono::seconds(10));
  std::fprintf(stderr, "watchers registered; PUT in 1 s\n");  // a profiler may attach now
  std::this_thread::sleep_for(std::chrono::seconds(1));       // let the server register all

  int put = connect_to(addr);
  const std::string body = "value=x";
  const std::string req = "PUT /v2/keys/" + key + " HTTP/1.1\r\nHost: " + host +
                          "\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                          "Content-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body;
  const char* server_pid = std::getenv("WATCHFAN_SERVER_PID");
  const double cpu0 = cpu_ms(server_pid);
  const double self0 = self_cpu_ms();
  const auto t0 = Clock::now();
  send_all(put, req);

  std::vector<double> good_ms;
  size_t finished = 0, errors = 0;
  std::vector<epoll_event> evs(4096);
  const auto deadline = t0 + std::chrono::seconds(30);
  while (finished < ws.size() && Clock::now() < deadline) {
    int n = epoll_wait(ep, evs.data(), static_cast<int>(evs.size()), 100);
    for (int i = 0; i < n; ++i) {
      Watcher& w = ws[evs[i].data.u64];
      if (w.done) continue;
      bool open = drain(w);
      bool event = w.data.find("\"action\"") != std::string::npos ||
                   w.data.find("\"errorCode\"") != std::string::npos;
      if (!event && open) continue;
      auto ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      if (w.data.find("\"action\":\"set\"") != std::string::npos) {
        good_ms.push_back(ms);
      } else {
        ++errors;
      }
      w.done = true;
      ++finished;
      epoll_ctl(ep, EPOLL_CTL_DEL, w.fd, nullptr);
      if (!keep) close(w.fd);
    }
  }
  const double server_cpu = cpu_ms(server_pid) - cpu0;
  const double client_cpu = self_cpu_ms() - self0;
  errors += ws.size() - finished;
  std::sort(good_ms.begin(), good_ms.end());
  auto at = [&](double q) {
    return good_ms.empty() ? 0.0 : good_ms[static_cast<size_t>(q * (good_ms.size() - 1))];
  };
  std::printf("watchers=%d delivered=%zu errors=%zu first_ms=%.1f p50_ms=%.1f last_ms=%.1f\n",
              count, good_ms.size(), errors, at(0), at(0.5), at(1));
  std::printf("client_cpu_ms=%.0f", client_cpu);
  if (server_pid != nullptr) std::printf(" server_cpu_ms=%.0f", server_cpu);
  std::printf("\n");
  if (keep) std::this_thread::sleep_for(std::chrono::seconds(1));  // teardown after profiling
  for (auto& w : ws) {
    if (keep || !w.done) close(w.fd);
  }
  close(put);
  close(ep);
  return errors == 0 ? 0 : 1;
}
