#include "transport/snapshot_sender.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/file.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <vector>

#include "consensus/message_codec.h"
#include "http/as_tuple_awaitable.h"
#include "http/sized_read.h"
#include "transport/peer_connect.h"
#include "transport/peer_target.h"
#include "util/hex_bytes.h"
#include "util/remove_db_file.h"

namespace larch::transport {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using http::kTuple;

namespace {

constexpr uint64_t kMaxAnswerBytes = 64 * 1024;

}  // namespace

SnapshotSender::SnapshotSender(asio::io_context& ioc, PeerEndpoint to, asio::ssl::context* tls,
                               std::string target, consensus::Message m, Done done)
    : to_(std::move(to)),
      target_(std::move(target)),
      message_(std::move(m)),
      done_(std::move(done)),
      stream_(ioc.get_executor(), to_.tls ? tls : nullptr) {}

SnapshotSender::~SnapshotSender() {
  util::remove_db_file(message_.snapshot);
}

void SnapshotSender::start() {
  asio::co_spawn(stream_.tcp().get_executor(), run_owned(shared_from_this()), asio::detached);
}

void SnapshotSender::stop() {
  stopped_ = true;
  stream_.tcp().cancel();
}

asio::awaitable<void> SnapshotSender::run_owned(std::shared_ptr<SnapshotSender> self) {
  Outcome out = co_await self->transfer();
  boost::system::error_code ignored;
  self->stream_.tcp().socket().close(ignored);
  util::remove_db_file(self->message_.snapshot);
  self->message_.snapshot.clear();
  if (self->done_) self->done_(out);
}

asio::awaitable<SnapshotSender::Outcome> SnapshotSender::transfer() {
  Outcome out;
  beast::file image;
  beast::error_code ec;
  image.open(message_.snapshot.c_str(), beast::file_mode::scan, ec);
  if (!ec) out.bytes = image.size(ec);
  if (ec) {
    out.error = "snapshot image " + message_.snapshot + ": " + ec.message();
    co_return out;
  }
  std::string error = co_await connect_peer(stream_, to_, kIoTimeout, stopped_);
  if (error.empty()) error = co_await write_request(image, out.bytes);
  if (error.empty()) error = co_await read_answer(out);  // an answer other than 204 is one
  out.error = std::move(error);
  co_return out;
}

asio::awaitable<std::string> SnapshotSender::write_request(beast::file& image, uint64_t size) {
  consensus::Message meta = message_;
  meta.snapshot.clear();
  bhttp::request<bhttp::empty_body> req{bhttp::verb::post, target_, 11};
  req.set(bhttp::field::host, to_.host + ":" + std::to_string(to_.port));
  req.set(bhttp::field::content_type, "application/octet-stream");
  req.set(kSnapshotHeader, util::to_hex(consensus::encode_messages({meta})));
  req.content_length(size);  // the file follows the header as the body
  req.keep_alive(false);
  bhttp::request_serializer<bhttp::empty_body> sr{req};
  stream_.tcp().expires_after(kIoTimeout);
  auto [hec, hn] =
      co_await stream_.with([&](auto& s) { return bhttp::async_write_header(s, sr, kTuple); });
  if (hec) co_return "send: " + hec.message();
  std::vector<char> chunk(static_cast<size_t>(std::min<uint64_t>(size, kChunk)));
  for (uint64_t left = size; left > 0;) {
    if (stopped_) co_return "stopped";
    beast::error_code rec;
    size_t got =
        image.read(chunk.data(), static_cast<size_t>(std::min<uint64_t>(left, kChunk)), rec);
    if (rec || got == 0) co_return "snapshot image read: " + (rec ? rec.message() : "short file");
    stream_.tcp().expires_after(kIoTimeout);
    auto [wec, wn] = co_await stream_.with(
        [&](auto& s) { return asio::async_write(s, asio::buffer(chunk.data(), got), kTuple); });
    if (wec) co_return "send: " + wec.message();
    left -= got;
  }
  co_return std::string();
}

asio::awaitable<std::string> SnapshotSender::read_answer(Outcome& out) {
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(kMaxAnswerBytes);
  stream_.tcp().expires_after(kAnswerTimeout);
  boost::system::error_code ec =
      co_await stream_.with([&](auto& s) { return http::read_sized(s, buffer, parser); });
  if (ec) co_return "receive: " + ec.message();
  out.status = parser.get().result_int();
  if (out.status == 204) co_return std::string();
  co_return "HTTP " + std::to_string(out.status) + " " + parser.get().body();
}

}  // namespace larch::transport
