// watchfloor: the least a server can do for ../shared/bench/watchlat.py.
//
//   larch-watchfloor PORT
//
// A benchmark instrument, not a key-value server: a single-threaded epoll loop on
// 127.0.0.1:PORT that answers a `GET ...?wait=true` with etcd's watch headers at once and
// parks the socket; a PUT is answered 201 and then the same event (one pre-rendered
// chunk and the terminating chunk, one send()) is written to every parked socket; a socket
// the client closes is closed. It keeps no keys, no log and no fsync, so its fan-out costs
// one send() per watcher. watchlat.py's figure against it is the floor that the Python
// client itself sets on this machine: no server can show a smaller one. docs/benchmarks.md
// compares it with Larch's and etcd's.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "fd_limit.h"

namespace {

constexpr const char* kWatchHead =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Etcd-Cluster-Id: 1\r\n"
    "X-Etcd-Index: 4\r\nX-Raft-Index: 5\r\nX-Raft-Term: 2\r\nTransfer-Encoding: chunked\r\n\r\n";
constexpr const char* kEventJson =
    "{\"action\":\"set\",\"node\":{\"key\":\"/watchbench/k\",\"value\":\"x\",\"modifiedIndex\":5,"
    "\"createdIndex\":5}}\n";

// One connection's unparsed input.
struct Conn {
  std::string in;
  bool parked = false;  // a watch waiting for the next PUT
};

// Sends all of `data` on a non-blocking socket: the answers are small enough for a loopback
// socket's buffer; a send that fails (EAGAIN included) ends the attempt, and the client's
// close is noticed by the read side.
void send_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

std::string chunked_event() {
  std::string body = kEventJson;
  char size[16];
  std::snprintf(size, sizeof size, "%zx\r\n", body.size());
  return std::string(size) + body + "\r\n0\r\n\r\n";
}

std::string put_response() {
  std::string body = kEventJson;  // a PUT's answer is its event
  return "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-Etcd-Index: 5\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Length of the first complete request in `in` (head and Content-Length body), or 0.
size_t request_length(const std::string& in) {
  size_t end = in.find("\r\n\r\n");
  if (end == std::string::npos) return 0;
  size_t len = end + 4;
  size_t cl = in.find("Content-Length: ");
  if (cl != std::string::npos && cl < end) len += std::strtoul(in.c_str() + cl + 16, nullptr, 10);
  return in.size() >= len ? len : 0;
}

int listen_on(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 4096) != 0) {
    std::perror("larch-watchfloor: listen");
    std::exit(1);
  }
  return fd;
}

class FloorServer {
 public:
  explicit FloorServer(int port) : listener_(listen_on(port)), ep_(::epoll_create1(0)) {
    add(listener_);
  }

  void run() {
    std::vector<epoll_event> events(1024);
    for (;;) {
      int n = ::epoll_wait(ep_, events.data(), static_cast<int>(events.size()), -1);
      for (int i = 0; i < n; ++i) {
        int fd = events[i].data.fd;
        if (fd == listener_) {
          accept_all();
        } else {
          on_readable(fd);
        }
      }
    }
  }

 private:
  void add(int fd) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
  }

  void accept_all() {
    for (;;) {
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK);
      if (fd < 0) return;
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      conns_[fd];
      add(fd);
    }
  }

  void on_readable(int fd) {
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN)) {
      ::close(fd);
      conns_.erase(fd);
      return;
    }
    if (n < 0) return;
    std::string& in = conns_[fd].in;
    in.append(buf, static_cast<size_t>(n));
    while (size_t len = request_length(in)) {
      handle(fd, in.substr(0, len));
      in.erase(0, len);
    }
  }

  void handle(int fd, const std::string& request) {
    if (request.rfind("PUT ", 0) == 0) {
      send_all(fd, put_);
      for (auto& [w, conn] : conns_) {
        if (conn.parked) send_all(w, event_);
        conn.parked = false;
      }
    } else if (request.find("wait=true") != std::string::npos) {
      send_all(fd, kWatchHead);
      conns_[fd].parked = true;
    } else {
      send_all(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    }
  }

  int listener_;
  int ep_;
  std::unordered_map<int, Conn> conns_;
  const std::string event_ = chunked_event();
  const std::string put_ = put_response();
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: larch-watchfloor PORT\n");
    return 2;
  }
  raise_fd_limit();
  FloorServer(std::atoi(argv[1])).run();
}
