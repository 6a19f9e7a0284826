#include "http/keys_handler.h"

#include "http/await_callback.h"
#include "http/key_request_parser.h"
#include "util/member_id.h"
#include "util/v2_error.h"

namespace larch::http {

using boost::asio::awaitable;

KeysHandler::KeysHandler(KvService& service, const ApiOptions& options, AuthHandler& auth)
    : service_(service),
      options_(options),
      auth_(auth),
      cluster_id_hex_(util::id_hex(service.cluster_id())) {}

Response KeysHandler::error(int code, const std::optional<std::string>& cause,
                            uint64_t index) const {
  Response r;
  r.status = util::v2_error_status(code);
  r.body = util::v2_error_body(code, cause, index);
  add_headers(r, index, false);
  return r;
}

void KeysHandler::add_headers(Response& r, uint64_t etcd_index, bool success) const {
  EtcdHeaders& h = r.etcd.emplace();
  h.cluster_id = cluster_id_hex_;
  h.etcd_index = etcd_index;
  if (!success) return;  // etcd sends the raft headers on successes only (spec §6.1)
  RaftStatus rs = service_.raft_status();
  h.raft = true;
  h.raft_index = rs.commit_index;
  h.raft_term = rs.term;
}

awaitable<Outcome> KeysHandler::handle(const Request& req, const Dispatch& d) {
  auto method = key_method_from(req.method);
  ParseOutcome parsed = parse_key_request(*method, d.route.sub, d.target.raw_query,
                                          req.content_type, req.body, service_.now_ns());
  if (auto* pe = std::get_if<ParseError>(&parsed)) {
    Response r = error(pe->code, pe->cause, 0);
    r.close = pe->cause == "http: POST too large";
    return ready_outcome(Outcome{std::move(r), {}});
  }
  KeyRequest& kr = std::get<KeyRequest>(parsed);
  // Parameter errors come before the auth decision (spec §9.4).
  if (service_.auth_enabled()) return authorized(req, std::move(kr));
  return serve(kr);
}

awaitable<Outcome> KeysHandler::authorized(const Request& req, KeyRequest kr) {
  bool recursive = kr.recursive || kr.command.recursive;
  bool allowed = co_await auth_.key_access(req, kr.raw_key, kr.is_write(), recursive);
  if (!allowed)
    co_return Outcome{error(util::ecode::kUnauthorized, "Insufficient credentials", 0), {}};
  Outcome out = co_await serve(kr);
  co_return out;
}

awaitable<Outcome> KeysHandler::serve(KeyRequest& kr) {
  if (kr.is_write()) return write(std::move(kr.command), kr.no_value_on_success);
  if (kr.wait) {
    auto plan = std::make_unique<WatchPlan>();
    plan->spec = store::WatchSpec{kr.key, kr.recursive, kr.stream, kr.wait_index};
    return ready_outcome(Outcome{Response{}, std::move(plan)});
  }
  if (kr.quorum || (options_.linearizable_reads && kr.method == KeyMethod::kGet)) {
    return quorum_read(std::move(kr));
  }
  return ready_outcome(Outcome{read_now(kr), {}});
}

awaitable<Outcome> KeysHandler::write(store::Command cmd, bool no_value_on_success) {
  // GCC 12 mis-destroys temporaries when co_await appears inside a braced initializer:
  // always land the awaited value in a named local first. The frame holds only cmd and the
  // reply (the answer is built in the co_return expression), small enough to be recycled.
  WriteReply reply = co_await await_callback<WriteReply>(
      [&](std::function<void(WriteReply)> cb) { service_.write(std::move(cmd), std::move(cb)); });
  co_return Outcome{written(reply, no_value_on_success), {}};
}

Response KeysHandler::written(WriteReply& reply, bool no_value_on_success) const {
  if (reply.internal_error) return error(util::ecode::kRaftInternal, reply.internal_cause, 0);
  store::ApplyResult& res = reply.result;
  bool ok = res.error_code == 0;
  Response r;
  r.status = res.http_status;
  bool reducible = res.action == "set" || res.action == "create" || res.action == "update" ||
                   res.action == "compareAndSwap";
  r.body = ok && no_value_on_success && reducible ? "{\"action\":\"" + res.action + "\"}\n"
                                                  : std::move(res.body);
  add_headers(r, res.etcd_index, ok);
  return r;
}

awaitable<Outcome> KeysHandler::quorum_read(KeyRequest kr) {
  bool ok = co_await await_callback<bool>(
      [&](std::function<void(bool)> cb) { service_.read_barrier(std::move(cb)); });
  co_return Outcome{
      ok ? read_now(kr) : error(util::ecode::kRaftInternal, "etcdserver: request timed out", 0),
      {}};
}

Response KeysHandler::read_now(const KeyRequest& kr) {
  store::GetResult g = service_.get(kr.key, kr.recursive, kr.sorted);
  service_.count_get(g.error_code == 0);
  Response r;
  r.status = g.http_status;
  r.body = std::move(g.body);
  r.head = kr.method == KeyMethod::kHead;
  add_headers(r, g.etcd_index, g.error_code == 0);
  return r;
}

std::optional<Response> KeysHandler::start_watch(WatchPlan& plan,
                                                 std::shared_ptr<store::WatchSink> sink,
                                                 uint64_t& watch_id) {
  store::WatchRegistration reg = service_.watch(plan.spec, std::move(sink));
  if (reg.cleared) {
    return error(util::ecode::kEventIndexCleared,
                 "the requested history has been cleared [" + std::to_string(reg.oldest) + "/" +
                     std::to_string(plan.spec.since) + "]",
                 reg.etcd_index);
  }
  watch_id = reg.id;
  plan.head = Response{};
  add_headers(plan.head, reg.etcd_index, true);
  return std::nullopt;
}

}  // namespace larch::http
