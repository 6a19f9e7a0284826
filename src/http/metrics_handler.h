#pragma once
// The handler of a --listen-metrics-urls listener: as etcd's metrics listener, it serves
// only /metrics and /health (the same answers as on the client port) and "404 page not found"
// for every other path. Like etcd's it sends no CORS headers, answers OPTIONS from the
// endpoint itself (405 on /health), checks no Host (--host-whitelist guards the client API
// against DNS rebinding; this listener serves no data) and starts no watches. Malformed and
// unclean targets get the client port's 400 and 301.
#include "http/admin_handler.h"
#include "http/api_handler.h"
#include "http/request_handler.h"

namespace larch::http {

class MetricsHandler final : public RequestHandler {
 public:
  MetricsHandler(ApiHandler& api, KvService& service, const ApiOptions& options)
      : api_(api), admin_(service, options) {}

  boost::asio::awaitable<Outcome> handle(const Request& req) override;
  std::optional<Response> start_watch(WatchPlan&, std::shared_ptr<store::WatchSink>,
                                      uint64_t&) override {
    return not_found_page();  // never reached: handle() plans no watch
  }
  void cancel_watch(uint64_t) override {}
  CorsDecision cors(std::string_view) const override { return {}; }

 private:
  ApiHandler& api_;
  AdminHandler admin_;
};

}  // namespace larch::http
