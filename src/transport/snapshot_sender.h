#pragma once
// Streams one snapshot image to a member: POST kRaftSnapshotPath (peer_target.h) on a
// connection of its own, so a large image never holds up the appends and heartbeats on the
// member's pipelined connection. The kSnapshot message travels without its image (hex of
// encode_messages in the kSnapshotHeader field); the body is the image file, read and written
// kChunk bytes at a time, so neither side holds the image in memory and its size is bounded
// by the disks only (not by the peer port's body limit for batches).
//
// Timeouts: connecting, and each chunk's write, within kIoTimeout (a bound on inactivity,
// not on the whole transfer); the answer within kAnswerTimeout of the last byte (the
// receiver answers once the image is on its disk; the install comes later).
//
// The image file is the sender's from construction: removed when the transfer ends, whatever
// its outcome (or by the destructor, if it never ran). `done` is called exactly once, on the
// io_context's thread, unless the io_context is destroyed first.
// Lifetime: shared_ptr (make_shared); the transfer holds a reference until it ends.
// Threading: start() and stop() on the io_context's thread (or before it runs).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/file.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "consensus/message.h"
#include "transport/peer_endpoint.h"
#include "transport/peer_stream.h"

namespace larch::transport {

class SnapshotSender : public std::enable_shared_from_this<SnapshotSender> {
 public:
  static constexpr size_t kChunk = 512 * 1024;
  static constexpr std::chrono::milliseconds kIoTimeout{5000};
  static constexpr std::chrono::milliseconds kAnswerTimeout{30000};

  struct Outcome {
    int status = 0;      // the HTTP status, 0 when there was no answer
    uint64_t bytes = 0;  // the image's size
    std::string error;   // why not; empty when the receiver answered 204
    bool ok() const { return error.empty(); }
  };
  using Done = std::function<void(const Outcome&)>;

  // `m`: a kSnapshot message whose `snapshot` is the image file's path. `tls`: the client
  // context for an https endpoint (must outlive the sender); null for http.
  SnapshotSender(boost::asio::io_context& ioc, PeerEndpoint to, boost::asio::ssl::context* tls,
                 std::string target, consensus::Message m, Done done);
  ~SnapshotSender();
  SnapshotSender(const SnapshotSender&) = delete;
  SnapshotSender& operator=(const SnapshotSender&) = delete;

  void start();
  // Ends the transfer promptly (done reports a failure).
  void stop();

 private:
  static boost::asio::awaitable<void> run_owned(std::shared_ptr<SnapshotSender> self);
  boost::asio::awaitable<Outcome> transfer();
  // Writes the request: header, then the file; empty on success, else why not.
  boost::asio::awaitable<std::string> write_request(boost::beast::file& image, uint64_t size);
  // Reads the answer into out.status; empty on success, else why not.
  boost::asio::awaitable<std::string> read_answer(Outcome& out);

  PeerEndpoint to_;
  std::string target_;
  consensus::Message message_;  // message_.snapshot: the image file
  Done done_;
  PeerStream stream_;
  bool stopped_ = false;
};

}  // namespace larch::transport
