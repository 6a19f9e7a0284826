#include "http/api_handler.h"

#include "http/router.h"

namespace larch::http {

ApiHandler::ApiHandler(KvService& service, ApiOptions options)
    : service_(service),
      options_(std::move(options)),
      auth_(service),
      keys_(service, options_, auth_),
      admin_(service, options_) {}

CorsDecision ApiHandler::cors(std::string_view origin) const {
  for (const auto& o : options_.cors) {
    if (o == "*") return {"*"};
    if (!origin.empty() && o == origin) return {std::string(origin)};
  }
  return {};
}

bool ApiHandler::host_allowed(std::string_view host) const {
  for (const auto& h : options_.host_whitelist) {
    if (h == "*") return true;
  }
  // Strip the port (and IPv6 brackets) before comparing.
  std::string_view name = host;
  if (!name.empty() && name.front() == '[') {
    name = name.substr(1, name.find(']') - 1);
  } else if (auto colon = name.rfind(':'); colon != std::string_view::npos) {
    name = name.substr(0, colon);
  }
  for (const auto& h : options_.host_whitelist) {
    if (h == name) return true;
  }
  return false;
}

namespace {

bool is_auth_endpoint(Endpoint e) {
  switch (e) {
    case Endpoint::kAuthEnable:
    case Endpoint::kAuthUsers:
    case Endpoint::kAuthUser:
    case Endpoint::kAuthRoles:
    case Endpoint::kAuthRole:
    case Endpoint::kAuthInvalidPath:
      return true;
    default:
      return false;
  }
}

Response redirect(const Dispatch& d, std::string_view method) {
  Response r;
  r.status = 301;
  r.content_type = {};
  r.add("Location", d.target.location);
  if (method == "GET" || method == "HEAD") {
    r.content_type = "text/html; charset=utf-8";
    if (method == "GET") r.body = d.target.html_body;
    r.head = method == "HEAD";
  }
  return r;
}

Response misdirected(std::string_view host) {
  Response r =
      text_response(421, "Unrecognized Host \"" + std::string(host) +
                             "\": this server does not serve that host name. This is a protection "
                             "against DNS rebinding attacks; add the host to --host-whitelist.\n");
  return r;
}

}  // namespace

boost::asio::awaitable<Outcome> ApiHandler::handle(const Request& req) {
  // Not a coroutine: what needs no wait is answered at once, and a wait happens in a frame
  // holding only what its answer needs (see ready_outcome).
  Dispatch d = dispatch(req.method, req.target);
  switch (d.kind) {
    case DispatchKind::kBadRequest: {
      Response r = text_response(400, "400 Bad Request");
      r.close = true;
      return ready_outcome(Outcome{std::move(r), {}});
    }
    case DispatchKind::kOptions: {
      Response r;
      r.content_type = {};
      return ready_outcome(Outcome{std::move(r), {}});
    }
    case DispatchKind::kRedirect:
      return ready_outcome(Outcome{redirect(d, req.method), {}});
    case DispatchKind::kRoute:
      break;
  }
  // etcd checks the Host only on plain HTTP (spec §6.4): TLS already names the server.
  if (!req.tls && !host_allowed(req.host)) return ready_outcome(Outcome{misdirected(req.host), {}});
  if (!d.route.method_allowed) {
    return ready_outcome(Outcome{method_not_allowed(d.route.allow), {}});
  }
  if (d.route.endpoint == Endpoint::kKeys) return keys_.handle(req, d);
  if (d.route.endpoint == Endpoint::kMembers && req.method != "GET" && req.method != "HEAD") {
    return members_write(req, std::move(d.route.sub));
  }
  if (is_auth_endpoint(d.route.endpoint)) return auth_api(req, std::move(d));
  return ready_outcome(Outcome{admin_.handle(req, d), {}});
}

boost::asio::awaitable<Outcome> ApiHandler::members_write(const Request& req, std::string sub) {
  // Membership changes need root credentials while auth is enabled (spec §9.4).
  if (service_.auth_enabled()) {
    bool allowed = co_await auth_.root_access(req);
    if (!allowed) co_return Outcome{AuthHandler::insufficient_credentials(), {}};
  }
  // GCC 12: the awaited value lands in a named local (see keys_handler.cc).
  Response r = co_await admin_.members().write(req, sub);
  co_return Outcome{std::move(r), {}};
}

boost::asio::awaitable<Outcome> ApiHandler::auth_api(const Request& req, Dispatch d) {
  Response r = co_await auth_.api(req, d);
  co_return Outcome{std::move(r), {}};
}

std::optional<Response> ApiHandler::start_watch(WatchPlan& plan,
                                                std::shared_ptr<store::WatchSink> sink,
                                                uint64_t& watch_id) {
  return keys_.start_watch(plan, std::move(sink), watch_id);
}

void ApiHandler::cancel_watch(uint64_t id) {
  service_.cancel_watch(id);
}

}  // namespace larch::http
