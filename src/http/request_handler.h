#pragma once
// The seam between a connection (ClientSession) and the API logic: a parsed request in, an
// Outcome out. Outcomes are either a complete Response or a watch to be served by the session.
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "http/response.h"
#include "store/watch_hub.h"

namespace larch::http {

// One parsed request. The views point into the session's parser buffer and stay valid
// until the handler's Outcome has been produced (not across the watch that may follow).
struct Request {
  std::string_view method;  // as sent, e.g. "GET"
  std::string_view target;  // raw request target (path + query)
  std::string_view content_type;
  std::string_view origin;
  std::string_view host;
  std::optional<std::string_view> authorization;  // the Authorization header, if sent
  // The verified client certificate's Common Name on a TLS listener with --client-cert-auth
  // (the v2 auth user when no Authorization header is sent); empty otherwise.
  std::string_view cert_user;
  bool tls = false;  // arrived on a TLS (https) listener
  std::string body;
};

// A watch to serve: the session writes `head` (chunked), then each event as a chunk.
struct WatchPlan {
  store::WatchSpec spec;
  Response head;  // headers of the 200 response, filled in by start_watch
};

struct Outcome {
  Response response;
  // Behind a pointer: a handler's coroutine frame holds its Outcome, and a small frame is
  // one asio recycles (see ready_outcome); watches are rare next to plain answers.
  std::unique_ptr<WatchPlan> watch;
};

// Yields `o` at once: for a handler that answers without waiting. Its frame is small enough
// for asio's per-thread frame cache (blocks up to ~1 KiB; a larger frame costs a malloc per
// request and evicts cached ones), so an immediate answer allocates no frame.
inline boost::asio::awaitable<Outcome> ready_outcome(Outcome o) {
  co_return std::move(o);
}

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Runs on the session's executor. May suspend (writes, quorum reads).
  virtual boost::asio::awaitable<Outcome> handle(const Request& req) = 0;
  // Registers the watch with sink. On success returns the registration (id may be 0 when
  // the event was already delivered from history) and fills plan.head; on failure (history
  // cleared) returns the error response to send instead.
  virtual std::optional<Response> start_watch(WatchPlan& plan,
                                              std::shared_ptr<store::WatchSink> sink,
                                              uint64_t& watch_id) = 0;
  virtual void cancel_watch(uint64_t id) = 0;
  // CORS headers for a response to a request with this Origin.
  virtual CorsDecision cors(std::string_view origin) const = 0;
};

}  // namespace larch::http
