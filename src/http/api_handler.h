#pragma once
// The client API: front door (target cleaning, redirects, OPTIONS, host check, routing) and
// dispatch to the /v2/keys handler and the admin endpoints. Shared by all sessions;
// stateless apart from the service it calls, so any I/O thread may use it.
#include "http/admin_handler.h"
#include "http/api_options.h"
#include "http/auth_handler.h"
#include "http/keys_handler.h"
#include "http/kv_service.h"
#include "http/request_handler.h"

namespace larch::http {

class ApiHandler : public RequestHandler {
 public:
  ApiHandler(KvService& service, ApiOptions options);

  boost::asio::awaitable<Outcome> handle(const Request& req) override;
  std::optional<Response> start_watch(WatchPlan& plan, std::shared_ptr<store::WatchSink> sink,
                                      uint64_t& watch_id) override;
  void cancel_watch(uint64_t id) override;
  CorsDecision cors(std::string_view origin) const override;

 private:
  bool host_allowed(std::string_view host) const;
  boost::asio::awaitable<Outcome> members_write(const Request& req, std::string sub);
  boost::asio::awaitable<Outcome> auth_api(const Request& req, Dispatch d);

  KvService& service_;
  ApiOptions options_;
  AuthHandler auth_;  // before keys_, which refers to it
  KeysHandler keys_;
  AdminHandler admin_;
};

}  // namespace larch::http
