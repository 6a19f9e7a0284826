#pragma once
// /v2/keys: GET/HEAD (local or linearizable reads), PUT/POST/DELETE (through consensus) and
// watches (handed back to the session as a WatchPlan). Any I/O thread.
#include <boost/asio/awaitable.hpp>

#include "http/api_options.h"
#include "http/auth_handler.h"
#include "http/key_request.h"
#include "http/kv_service.h"
#include "http/request_handler.h"
#include "http/router.h"

namespace larch::http {

class KeysHandler {
 public:
  KeysHandler(KvService& service, const ApiOptions& options, AuthHandler& auth);

  // Not a coroutine: parses (and answers what needs no wait) at once; the awaitable it
  // returns keeps only what the answer needs across the wait.
  boost::asio::awaitable<Outcome> handle(const Request& req, const Dispatch& d);
  std::optional<Response> start_watch(WatchPlan& plan, std::shared_ptr<store::WatchSink> sink,
                                      uint64_t& watch_id);

 private:
  // Everything after parsing and the auth decision.
  boost::asio::awaitable<Outcome> serve(KeyRequest& kr);
  // serve() once auth allows the request (auth enabled), else error 110. req outlives it
  // (the session awaits the handler).
  boost::asio::awaitable<Outcome> authorized(const Request& req, KeyRequest kr);
  boost::asio::awaitable<Outcome> write(store::Command cmd, bool no_value_on_success);
  boost::asio::awaitable<Outcome> quorum_read(KeyRequest kr);
  Response read_now(const KeyRequest& kr);
  // The answer to a write, from the apply result (moved out of reply).
  Response written(WriteReply& reply, bool no_value_on_success) const;
  Response error(int code, const std::optional<std::string>& cause, uint64_t index) const;
  // X-Etcd-Cluster-Id and X-Etcd-Index on every /v2/keys answer; X-Raft-* on successes.
  void add_headers(Response& r, uint64_t etcd_index, bool success) const;

  KvService& service_;
  const ApiOptions& options_;
  AuthHandler& auth_;
  std::string cluster_id_hex_;  // X-Etcd-Cluster-Id (fixed for the life of the member)
};

}  // namespace larch::http
