#pragma once
// Endpoints other than /v2/keys: /version, /health, /metrics, /v2/machines, /v2/members,
// /v2/stats/{self,leader,store} (/v2/auth is AuthHandler's). Synchronous; any I/O thread.
#include "http/api_options.h"
#include "http/kv_service.h"
#include "http/members_handler.h"
#include "http/request_handler.h"
#include "http/router.h"

namespace larch::http {

class AdminHandler {
 public:
  AdminHandler(KvService& service, const ApiOptions& options)
      : service_(service), options_(options), members_(service, options.strict_reconfig_check) {}

  Response handle(const Request& req, const Dispatch& d) const;
  const MembersHandler& members() const { return members_; }

 private:
  Response version() const;
  Response health() const;
  Response machines(bool head) const;
  Response stats_self() const;
  Response stats_leader() const;
  Response stats_store() const;
  Response metrics() const;

  KvService& service_;
  const ApiOptions& options_;
  MembersHandler members_;
};

}  // namespace larch::http
