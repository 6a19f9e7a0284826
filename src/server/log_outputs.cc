#include "server/log_outputs.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "util/go_open_error.h"

namespace larch::server {
namespace {

// Writes all of buf to fd (a log line must not be cut by a short write); gives up on error.
void write_all(int fd, const char* buf, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, buf, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    buf += w;
    n -= static_cast<size_t>(w);
  }
}

// An fd writing to `name`, owned by the caller; -1 and `error` set on failure.
int open_output(const std::string& name, std::string& error) {
  int fd = -1;
  if (name == "stdout" || name == "default" || name == "stderr") {
    fd = ::dup(name == "stdout" ? STDOUT_FILENO : STDERR_FILENO);
    if (fd < 0) error = "log output " + name + ": " + std::strerror(errno);
    return fd;
  }
  fd = ::open(name.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  // zap's words: open sink "x": open x: no such file or directory
  if (fd < 0) error = "open sink \"" + name + "\": " + util::go_open_error(name, errno);
  return fd;
}

}  // namespace

LogOutputs::Opened LogOutputs::open(const std::vector<std::string>& names) {
  std::unique_ptr<LogOutputs> out(new LogOutputs());
  bool only_stderr = true;
  for (const auto& n : names) only_stderr = only_stderr && (n == "default" || n == "stderr");
  if (only_stderr) return Opened{std::move(out), {}};  // nothing to change
  for (const auto& n : names) {
    std::string error;
    int fd = open_output(n, error);
    if (fd < 0) return Opened{nullptr, error};  // the destructor closes what was opened
    out->targets_.push_back(fd);
  }
  std::fflush(stderr);
  out->saved_stderr_ = ::dup(STDERR_FILENO);
  if (out->targets_.size() == 1) {
    ::dup2(out->targets_[0], STDERR_FILENO);
    return Opened{std::move(out), {}};
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return Opened{nullptr, std::string("log outputs: pipe: ") + std::strerror(errno)};
  }
  ::dup2(pipe_fds[1], STDERR_FILENO);
  ::close(pipe_fds[1]);
  out->copier_ = std::thread([o = out.get(), from = pipe_fds[0]] { o->copy_loop(from); });
  return Opened{std::move(out), {}};
}

void LogOutputs::copy_loop(int from) {
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(from, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // every write end closed: the destructor restored stderr
    for (int fd : targets_) write_all(fd, buf, static_cast<size_t>(n));
  }
  ::close(from);
}

LogOutputs::~LogOutputs() {
  if (saved_stderr_ >= 0) {
    std::fflush(stderr);
    ::dup2(saved_stderr_, STDERR_FILENO);  // closes the pipe's last write end, if any
    ::close(saved_stderr_);
  }
  if (copier_.joinable()) copier_.join();
  for (int fd : targets_) ::close(fd);
}

}  // namespace larch::server
