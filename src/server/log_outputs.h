#pragma once
// Where the server's log goes: etcd's --log-outputs. Larch logs to stderr (util::log_line);
// this points stderr at the chosen outputs for the life of the object and restores it after.
//
//   default, stderr  - stderr as inherited
//   stdout           - stdout
//   a file path      - appended to, created 0644 if missing (--logger=zap only; the config
//                      validator refuses paths for capnslog, as etcd does)
//
// One output: stderr becomes it (dup2), nothing runs in between. Several (zap allows that):
// stderr becomes a pipe and a thread copies what arrives to each of them; the destructor
// closes the pipe, waits for the copy to drain and restores stderr. Outputs are opened before
// anything is served, so a file that cannot be opened is a startup error in etcd's words
// ("open sink \"x\": open x: no such file or directory").
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace larch::server {

class LogOutputs {
 public:
  struct Opened {
    std::unique_ptr<LogOutputs> outputs;  // null on error
    std::string error;
  };
  static Opened open(const std::vector<std::string>& names);

  ~LogOutputs();
  LogOutputs(const LogOutputs&) = delete;
  LogOutputs& operator=(const LogOutputs&) = delete;

 private:
  LogOutputs() = default;
  void copy_loop(int from);

  int saved_stderr_ = -1;     // what fd 2 was; -1 when it was left alone
  std::vector<int> targets_;  // fds this object opened or duplicated (closed at the end)
  std::thread copier_;        // several outputs only
};

}  // namespace larch::server
