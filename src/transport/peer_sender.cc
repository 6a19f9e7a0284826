#include "transport/peer_sender.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <chrono>

#include "consensus/message_codec.h"
#include "http/as_tuple_awaitable.h"
#include "http/sized_read.h"
#include "transport/peer_connect.h"
#include "util/remove_db_file.h"
#include "util/steady_now.h"

namespace larch::transport {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using namespace std::chrono_literals;

namespace {

using http::kTuple;
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
  for (auto& m : msgs) {
    if (m.type == consensus::MessageType::kSnapshot) {
      send_snapshot(std::move(m));
      continue;
    }
    if (stopped_) continue;
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

void PeerSender::send_snapshot(consensus::Message m) {
  if (stopped_ || snapshot_ || snapshot_target_.empty()) {
    if (!stopped_) dropped_messages_.fetch_add(1, std::memory_order_relaxed);
    util::remove_db_file(m.snapshot);
    return;
  }
  const PeerEndpoint& to = endpoints_[current_];
  snapshot_ = std::make_shared<SnapshotSender>(
      ioc_, to, tls_context_.get(), snapshot_target_, std::move(m),
      [self = shared_from_this(), where = where()](const SnapshotSender::Outcome& out) {
        self->snapshot_done(where, out);
      });
  snapshot_->start();
}

void PeerSender::snapshot_done(const std::string& to, const SnapshotSender::Outcome& out) {
  snapshot_.reset();
  if (out.status == 410 && on_removed_) on_removed_();
  if (!out.ok()) {
    failed_batches_.fetch_add(1, std::memory_order_relaxed);
    if (!stopped_) log_("sending a snapshot to peer " + to + " failed: " + out.error);
    return;
  }
  sent_messages_.fetch_add(1, std::memory_order_relaxed);
  sent_bytes_.fetch_add(out.bytes, std::memory_order_relaxed);
  log_("sent a snapshot of " + std::to_string(out.bytes) + " bytes to peer " + to);
}

void PeerSender::start() {
  asio::co_spawn(ioc_, run_owned(shared_from_this()), asio::detached);
}

asio::awaitable<void> PeerSender::run_owned(std::shared_ptr<PeerSender> self) {
  co_await self->run();
}

void PeerSender::stop() {
  stopped_ = true;
  if (snapshot_) snapshot_->stop();
  wake_.cancel();
  backoff_.cancel();
  if (conn_) {
    conn_->stream.tcp().cancel();
    conn_->reader_wake.cancel();
  }
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
  while (!stopped_) {
    if (conn_ && conn_->broken) conn_.reset();
    if (need_backoff_) {
      need_backoff_ = false;
      backoff_.expires_after(backoff_delay_);
      co_await backoff_.async_wait(kTuple);
      backoff_delay_ = std::min<std::chrono::milliseconds>(backoff_delay_ * 2, 1s);
      continue;
    }
    bool probe = false;
    if (!co_await wait_for_work(probe)) break;
    if (conn_ && conn_->broken) continue;
    if (!conn_) {
      if (!co_await connect()) {
        // The batch is lost like one whose POST failed (Raft retransmits what matters).
        if (!probe && !queue_.empty()) failed_batches_.fetch_add(1, std::memory_order_relaxed);
        queue_.clear();
        queued_bytes_ = 0;
        note_reachable(false);
        if (!stopped_) need_backoff_ = true;
        continue;
      }
      asio::co_spawn(ioc_, read_owned(shared_from_this(), conn_), asio::detached);
    }
    co_await send_batch(probe);
  }
  note_reachable(false);
}

asio::awaitable<bool> PeerSender::wait_for_work(bool& probe) {
  while (!stopped_ && (queue_.empty() || window_full())) {
    bool idle = queue_.empty() && !busy();
    wake_.expires_after(idle ? kProbeInterval : std::chrono::milliseconds(kIoTimeout));
    auto [ec] = co_await wake_.async_wait(kTuple);
    if (stopped_) break;
    if (ec || !idle || !queue_.empty()) continue;  // news, or only a periodic recheck
    if (conn_ && conn_->broken) co_return true;    // run() handles it first
    probe = true;                                  // idle for kProbeInterval
    co_return true;
  }
  co_return !stopped_;
}

asio::awaitable<void> PeerSender::send_batch(bool probe) {
  std::shared_ptr<Connection> c = conn_;
  std::vector<consensus::Message> batch;
  batch.swap(queue_);
  queued_bytes_ = 0;
  std::string body = consensus::encode_messages(batch);
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, probe ? target_ : target_for(batch),
                                         11};
  req.set(bhttp::field::host, where());
  req.set(bhttp::field::content_type, "application/octet-stream");
  req.keep_alive(true);
  c->in_flight.push_back(
      InFlight{batch.size(), body.size(), probe, std::chrono::steady_clock::now()});
  req.body() = std::move(body);
  req.prepare_payload();
  c->reader_wake.cancel();  // its answer can be read as soon as it is written
  c->stream.tcp().expires_after(kIoTimeout);
  auto [wec, wn] =
      co_await c->stream.with([&](auto& s) { return bhttp::async_write(s, req, kTuple); });
  if (wec && !c->broken) break_connection(*c, "send: " + wec.message());
}

asio::awaitable<void> PeerSender::read_owned(std::shared_ptr<PeerSender> self,
                                             std::shared_ptr<Connection> c) {
  co_await self->read_responses(std::move(c));
}

asio::awaitable<void> PeerSender::read_responses(std::shared_ptr<Connection> c) {
  while (!c->broken && !stopped_) {
    if (c->in_flight.empty()) {
      c->reader_wake.expires_at(asio::steady_timer::time_point::max());
      co_await c->reader_wake.async_wait(kTuple);
      continue;
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(kMaxReplyBytes);
    c->stream.tcp().expires_after(kIoTimeout);
    // A held reply can carry a batch (forwarded proposals): read it whole, not 512 bytes a time.
    boost::system::error_code rec =
        co_await c->stream.with([&](auto& s) { return http::read_sized(s, c->buffer, parser); });
    if (c->broken) break;
    if (stopped_) {
      drop_connection(*c);  // cancelled: what is in flight failed
      break;
    }
    if (rec) {
      break_connection(*c, "receive: " + rec.message());
      break;
    }
    if (!take_response(*c, parser.get())) break;
    wake_.cancel();  // room in the window
  }
}

bool PeerSender::take_response(Connection& c, bhttp::response<bhttp::string_body>& res) {
  int status = res.result_int();
  if (status == 410 && on_removed_) on_removed_();
  if (status != 204 && status != 200) {
    break_connection(c, "HTTP " + std::to_string(status) + " " + res.body());
    return false;
  }
  InFlight done = c.in_flight.front();
  c.in_flight.pop_front();
  if (!done.probe) {
    sent_messages_.fetch_add(done.messages, std::memory_order_relaxed);
    sent_bytes_.fetch_add(done.bytes, std::memory_order_relaxed);
    note_rtt(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                                  done.started)
                 .count());
  }
  backoff_delay_ = 50ms;
  note_reachable(true);
  if (reported_down_) {
    reported_down_ = false;
    log_("peer " + where() + " is reachable again");
  }
  // 204, or 200 with the peer's answers as the body (held reply; an empty one is fine too).
  if (status == 200 && !res.body().empty() && on_reply_) on_reply_(std::move(res.body()));
  if (res.keep_alive()) return true;
  drop_connection(c);  // the peer closes it: what is still in flight is lost
  return false;
}

void PeerSender::drop_connection(Connection& c) {
  if (c.broken) return;
  c.broken = true;
  size_t failed = 0;
  for (const auto& f : c.in_flight) failed += f.probe ? 0 : 1;
  c.in_flight.clear();
  if (failed) failed_batches_.fetch_add(failed, std::memory_order_relaxed);
  boost::system::error_code ignored;
  c.stream.tcp().socket().close(ignored);  // a pending read or write ends at once
  c.reader_wake.cancel();
  wake_.cancel();  // run() forgets the connection
}

void PeerSender::break_connection(Connection& c, const std::string& what) {
  if (c.broken) return;
  // Logged before the failed batches are counted: whoever sees the count sees the reason.
  note_failure(what);
  note_reachable(false);
  drop_connection(c);
  if (!stopped_) need_backoff_ = true;
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
  const PeerEndpoint& to = endpoints_[current_];
  // A fresh connection with a fresh buffer: bytes the previous one left unparsed (a bad
  // answer, extra bytes after a final response) belong to it; parsed as the start of this
  // one's response they would fail every POST from now on. Set before connecting, so that
  // stop() cancels the connect too.
  conn_ = std::make_shared<Connection>(ioc_, to.tls ? tls_context_.get() : nullptr);
  std::string error = co_await connect_peer(conn_->stream, to, kIoTimeout, stopped_);
  if (error.empty()) co_return true;
  if (!stopped_) note_failure(error);
  conn_.reset();
  current_ = (current_ + 1) % endpoints_.size();  // try the member's next peer URL
  co_return false;
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
