#include "http/metrics_handler.h"

#include "http/router.h"

namespace larch::http {

boost::asio::awaitable<Outcome> MetricsHandler::handle(const Request& req) {
  Dispatch d = dispatch(req.method, req.target);
  if (d.kind == DispatchKind::kBadRequest || d.kind == DispatchKind::kRedirect) {
    return api_.handle(req);  // the client port answers these before any Host check
  }
  if (d.kind == DispatchKind::kOptions) d.route = route("GET", d.target.path);
  Response r;
  if (d.route.endpoint != Endpoint::kMetrics && d.route.endpoint != Endpoint::kHealth) {
    r = not_found_page();
  } else if (d.route.endpoint == Endpoint::kHealth && req.method != "GET") {
    r = method_not_allowed("GET");
  } else {
    r = admin_.handle(req, d);
  }
  return ready_outcome(Outcome{std::move(r), {}});
}

}  // namespace larch::http
