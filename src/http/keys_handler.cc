#include "http/keys_handler.h"

#include "http/await_callback.h"
#include "http/key_request_parser.h"
#include "util/member_id.h"
#include "util/v2_error.h"

namespace larch::http {

using boost::asio::awaitable;

KeysHandler::KeysHandler(KvService& service, const ApiOptions& options)
    : service_(service), options_(options), cluster_id_hex_(util::id_hex(service.cluster_id())) {}

Response KeysHandler::error(int code, const std::optional<std::string>& cause,
                            uint64_t index) const {
  Response r;
  r.status = util::v2_error_status(code);
  r.body = util::v2_error_body(code, cause, index);
  add_headers(r, index, false);
  return r;
}

void KeysHandler::add_headers(Response& r, uint64_t etcd_index, bool success) const {
  r.headers.reserve(r.headers.size() + 4);  // one allocation, not one per doubling
  r.add("X-Etcd-Cluster-Id", cluster_id_hex_);
  r.add("X-Etcd-Index", std::to_string(etcd_index));
  if (!success) return;  // etcd sends the raft headers on successes only (spec §6.1)
  RaftStatus rs = service_.raft_status();
  r.add("X-Raft-Index", std::to_string(rs.commit_index));
  r.add("X-Raft-Term", std::to_string(rs.term));
}

awaitable<Outcome> KeysHandler::handle(const Request& req, const Dispatch& d) {
  auto method = key_method_from(req.method);
  ParseOutcome parsed = parse_key_request(*method, d.route.sub, d.target.raw_query,
                                          req.content_type, req.body, service_.now_ns());
  if (auto* pe = std::get_if<ParseError>(&parsed)) {
    Response r = error(pe->code, pe->cause, 0);
    r.close = pe->cause == "http: POST too large";
    co_return Outcome{std::move(r), {}};
  }
  KeyRequest& kr = std::get<KeyRequest>(parsed);
  // GCC 12 mis-destroys temporaries when co_await appears inside a braced initializer:
  // always land the awaited value in a named local first.
  Outcome out;
  if (kr.is_write()) {
    out.response = co_await write(kr);
    co_return out;
  }
  if (kr.wait) {
    WatchPlan plan;
    plan.spec = store::WatchSpec{kr.key, kr.recursive, kr.stream, kr.wait_index};
    out.watch = std::move(plan);
    co_return out;
  }
  out.response = co_await read(kr);
  co_return out;
}

awaitable<Response> KeysHandler::write(const KeyRequest& kr) {
  store::Command cmd = kr.command;
  WriteReply reply = co_await await_callback<WriteReply>(
      [&](std::function<void(WriteReply)> cb) { service_.write(std::move(cmd), std::move(cb)); });
  if (reply.internal_error) {
    co_return error(util::ecode::kRaftInternal, reply.internal_cause, 0);
  }
  store::ApplyResult& res = reply.result;
  bool ok = res.error_code == 0;
  Response r;
  r.status = res.http_status;
  bool reducible = res.action == "set" || res.action == "create" || res.action == "update" ||
                   res.action == "compareAndSwap";
  r.body = ok && kr.no_value_on_success && reducible ? "{\"action\":\"" + res.action + "\"}\n"
                                                     : std::move(res.body);
  add_headers(r, res.etcd_index, ok);
  co_return r;
}

awaitable<Response> KeysHandler::read(const KeyRequest& kr) {
  if (kr.quorum || (options_.linearizable_reads && kr.method == KeyMethod::kGet)) {
    bool ok = co_await await_callback<bool>(
        [&](std::function<void(bool)> cb) { service_.read_barrier(std::move(cb)); });
    if (!ok) co_return error(util::ecode::kRaftInternal, "etcdserver: request timed out", 0);
  }
  store::GetResult g = service_.get(kr.key, kr.recursive, kr.sorted);
  service_.count_get(g.error_code == 0);
  Response r;
  r.status = g.http_status;
  r.body = std::move(g.body);
  r.head = kr.method == KeyMethod::kHead;
  add_headers(r, g.etcd_index, g.error_code == 0);
  co_return r;
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
