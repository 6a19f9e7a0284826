#include "transport/peer_sender.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <chrono>

#include "consensus/message_codec.h"
#include "http/sized_read.h"
#include "util/steady_now.h"

namespace larch::transport {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using namespace std::chrono_literals;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr auto kIoTimeout = 5s;
constexpr uint64_t kMaxReplyBytes = 256u << 20;  // the peer listener's request body limit

}  // namespace

PeerSender::PeerSender(asio::io_context& ioc, std::string host, uint16_t port, std::string target,
                       Logger log, OnRemoved on_removed)
    : PeerSender(ioc, std::vector<PeerEndpoint>{{std::move(host), port}}, std::move(target),
                 std::move(log), std::move(on_removed)) {}

PeerSender::PeerSender(asio::io_context& ioc, std::vector<PeerEndpoint> endpoints,
                       std::string target, Logger log, OnRemoved on_removed)
    : ioc_(ioc),
      endpoints_(std::move(endpoints)),
      target_(std::move(target)),
      log_(std::move(log)),
      on_removed_(std::move(on_removed)),
      wake_(ioc),
      backoff_(ioc) {}

void PeerSender::enqueue(std::vector<consensus::Message> msgs) {
  asio::post(ioc_, [self = shared_from_this(), msgs = std::move(msgs)]() mutable {
    self->push(std::move(msgs));
  });
}

void PeerSender::push(std::vector<consensus::Message> msgs) {
  if (stopped_) return;
  for (auto& m : msgs) {
    if (m.type == consensus::MessageType::kSnapshot) {
      queue_snapshot(std::move(m));
      continue;
    }
    size_t n = consensus::approx_encoded_size(m);
    if (queued_bytes_ + n > kMaxQueuedBytes) {
      dropped_messages_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    queued_bytes_ += n;
    queue_.push_back(std::move(m));
  }
  wake_.cancel();
}

void PeerSender::queue_snapshot(consensus::Message m) {
  // Outside the byte bound: the image already exists in memory, and a key space larger than
  // the bound could otherwise never reach a follower that needs it. A newer snapshot replaces
  // one still queued (the leader resends after a timeout), so at most one waits.
  for (auto& queued : queue_) {
    if (queued.type == consensus::MessageType::kSnapshot) {
      queued = std::move(m);
      dropped_messages_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
  queue_.push_back(std::move(m));
}

void PeerSender::start() {
  asio::co_spawn(ioc_, run_owned(shared_from_this()), asio::detached);
}

asio::awaitable<void> PeerSender::run_owned(std::shared_ptr<PeerSender> self) {
  co_await self->run();
}

void PeerSender::stop() {
  stopped_ = true;
  wake_.cancel();
  backoff_.cancel();
  if (stream_) stream_->cancel();
}

PeerSenderStats PeerSender::stats() const {
  PeerSenderStats s;
  s.sent_messages = sent_messages_.load(std::memory_order_relaxed);
  s.failed_batches = failed_batches_.load(std::memory_order_relaxed);
  s.dropped_messages = dropped_messages_.load(std::memory_order_relaxed);
  s.sent_bytes = sent_bytes_.load(std::memory_order_relaxed);
  s.last_rtt_ns = last_rtt_ns_.load(std::memory_order_relaxed);
  s.active_since_ns = active_since_ns_.load(std::memory_order_relaxed);
  std::lock_guard lock(rtt_mu_);
  s.rtt_count = rtt_count_;
  s.rtt_sum_ns = rtt_sum_ns_;
  s.rtt_sum_sq_ns = rtt_sum_sq_ns_;
  s.rtt_min_ns = rtt_min_ns_;
  s.rtt_max_ns = rtt_max_ns_;
  return s;
}

asio::awaitable<void> PeerSender::run() {
  auto backoff = 50ms;
  while (!stopped_) {
    bool probe = false;
    if (queue_.empty()) {
      wake_.expires_after(kProbeInterval);
      auto [ec] = co_await wake_.async_wait(kTuple);
      if (stopped_) break;
      if (ec || !queue_.empty()) continue;  // woken by messages
      probe = true;                         // idle for kProbeInterval
    }
    std::vector<consensus::Message> batch;
    batch.swap(queue_);
    queued_bytes_ = 0;
    std::string body = consensus::encode_messages(batch);
    size_t bytes = body.size();
    bool ok = co_await post(probe ? target_ : target_for(batch), std::move(body), !probe);
    note_reachable(ok);
    if (ok) {
      if (!probe) {
        sent_messages_.fetch_add(batch.size(), std::memory_order_relaxed);
        sent_bytes_.fetch_add(bytes, std::memory_order_relaxed);
      }
      backoff = 50ms;
      continue;
    }
    if (!probe) failed_batches_.fetch_add(1, std::memory_order_relaxed);
    stream_.reset();
    if (stopped_) break;
    backoff_.expires_after(backoff);
    co_await backoff_.async_wait(kTuple);
    backoff = std::min<std::chrono::milliseconds>(backoff * 2, 1s);
  }
  note_reachable(false);
}

void PeerSender::note_reachable(bool ok) {
  if (!ok) {
    active_since_ns_.store(0, std::memory_order_relaxed);
    return;
  }
  if (active_since_ns_.load(std::memory_order_relaxed) != 0) return;
  int64_t now = util::steady_now_ns();
  active_since_ns_.store(now == 0 ? 1 : now, std::memory_order_relaxed);
}

asio::awaitable<bool> PeerSender::connect() {
  asio::ip::tcp::resolver resolver(ioc_);
  const PeerEndpoint& to = endpoints_[current_];
  auto [rec, results] = co_await resolver.async_resolve(to.host, std::to_string(to.port), kTuple);
  if (rec) {
    note_failure("resolve: " + rec.message());
    current_ = (current_ + 1) % endpoints_.size();
    co_return false;
  }
  // stop() cannot cancel the resolver: do not start a connect it would have to wait out.
  if (stopped_) co_return false;
  stream_.emplace(ioc_);
  // Bytes the previous connection left unparsed (a bad answer, extra bytes after a final
  // response) belong to it; parsed as the start of this one's response they would fail
  // every POST from now on.
  buffer_.clear();
  stream_->expires_after(kIoTimeout);
  auto [cec, ep] = co_await stream_->async_connect(results, kTuple);
  if (cec) {
    note_failure("connect: " + cec.message());
    current_ = (current_ + 1) % endpoints_.size();  // try the member's next peer URL
    co_return false;
  }
  boost::system::error_code ignored;  // Nagle off is an optimisation, not a requirement
  stream_->socket().set_option(asio::ip::tcp::no_delay(true), ignored);
  co_return true;
}

const std::string& PeerSender::target_for(const std::vector<consensus::Message>& batch) const {
  if (held_target_.empty()) return target_;
  for (const auto& m : batch) {
    switch (m.type) {
      case consensus::MessageType::kAppend:
      case consensus::MessageType::kHeartbeat:
      case consensus::MessageType::kVote:
      case consensus::MessageType::kPreVote:
        return held_target_;
      default:
        break;
    }
  }
  return target_;
}

asio::awaitable<bool> PeerSender::post(const std::string& target, std::string body, bool rtt) {
  if (!stream_ && !co_await connect()) co_return false;
  // stop() only cancels the operation pending when it runs; one that had already completed
  // would otherwise be followed by the next (up to kIoTimeout each). Check at every resume.
  if (stopped_) co_return false;
  auto started = std::chrono::steady_clock::now();
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, target, 11};
  req.set(bhttp::field::host, where());
  req.set(bhttp::field::content_type, "application/octet-stream");
  req.keep_alive(true);
  req.body() = std::move(body);
  req.prepare_payload();
  stream_->expires_after(kIoTimeout);
  auto [wec, wn] = co_await bhttp::async_write(*stream_, req, kTuple);
  if (wec) {
    note_failure("send: " + wec.message());
    co_return false;
  }
  if (stopped_) co_return false;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(kMaxReplyBytes);
  // A held reply can carry a batch (forwarded proposals): read it whole, not 512 bytes a time.
  boost::system::error_code rec = co_await http::read_sized(*stream_, buffer_, parser);
  if (rec) {
    note_failure("receive: " + rec.message());
    co_return false;
  }
  auto& res = parser.get();
  if (res.result_int() == 410 && on_removed_) on_removed_();
  // 204, or 200 with the peer's answers as the body (held reply; an empty one is fine too).
  bool held_reply = res.result_int() == 200 && !res.body().empty();
  if (res.result_int() != 204 && res.result_int() != 200) {
    note_failure("HTTP " + std::to_string(res.result_int()) + " " + res.body());
    co_return false;
  }
  if (!res.keep_alive()) stream_.reset();
  if (held_reply && on_reply_) on_reply_(std::move(res.body()));
  if (rtt) {
    note_rtt(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                                  started)
                 .count());
  }
  if (reported_down_) {
    reported_down_ = false;
    log_("peer " + where() + " is reachable again");
  }
  co_return true;
}

void PeerSender::note_rtt(int64_t ns) {
  last_rtt_ns_.store(ns, std::memory_order_relaxed);
  std::lock_guard lock(rtt_mu_);
  if (rtt_count_ == 0 || ns < rtt_min_ns_) rtt_min_ns_ = ns;
  if (ns > rtt_max_ns_) rtt_max_ns_ = ns;
  ++rtt_count_;
  rtt_sum_ns_ += static_cast<double>(ns);
  rtt_sum_sq_ns_ += static_cast<double>(ns) * static_cast<double>(ns);
}

void PeerSender::note_failure(const std::string& what) {
  // One line per outage, not one per retry.
  if (reported_down_) return;
  reported_down_ = true;
  log_("cannot reach peer " + where() + " (" + what + ")");
}

std::string PeerSender::where() const {
  return endpoints_[current_].host + ":" + std::to_string(endpoints_[current_].port);
}

}  // namespace larch::transport
