#include "http/auth_handler.h"

#include <boost/asio/post.hpp>

#include "http/await_callback.h"
#include "store/auth_table.h"
#include "util/member_id.h"
#include "util/v2_error.h"

namespace larch::http {

using boost::asio::awaitable;

namespace {

std::optional<auth::Resource> resource_of(Endpoint e) {
  switch (e) {
    case Endpoint::kAuthEnable:
      return auth::Resource::kEnable;
    case Endpoint::kAuthUsers:
      return auth::Resource::kUsers;
    case Endpoint::kAuthUser:
      return auth::Resource::kUser;
    case Endpoint::kAuthRoles:
      return auth::Resource::kRoles;
    case Endpoint::kAuthRole:
      return auth::Resource::kRole;
    default:
      return std::nullopt;
  }
}

}  // namespace

AuthHandler::AuthHandler(KvService& service)
    : service_(service), cluster_id_hex_(util::id_hex(service.cluster_id())) {}

AuthHandler::~AuthHandler() {
  pool_.join();
}

Response AuthHandler::insufficient_credentials() {
  return json_message(401, "Insufficient credentials");
}

template <typename T, typename F>
awaitable<T> AuthHandler::off_thread(F f) {
  // The awaiting coroutine stays suspended until the callback: f may use its frame.
  T result = co_await await_callback<T>([&](std::function<void(T)> done) {
    boost::asio::post(pool_, [&f, done = std::move(done)]() mutable { done(f()); });
  });
  co_return result;
}

awaitable<Response> AuthHandler::api(const Request& req, const Dispatch& d) {
  if (d.route.endpoint == Endpoint::kAuthInvalidPath) co_return json_message(400, "Invalid path");
  std::optional<auth::Resource> resource = resource_of(d.route.endpoint);
  if (!resource) co_return not_found_page();
  // A change is decided on state that includes every change committed before it (etcd reads
  // the records it updates with quorum=true): without this, a member that has not applied
  // the root user yet would refuse to enable auth right after another member created it.
  if (req.method != "GET") {
    bool fresh = co_await await_callback<bool>(
        [&](std::function<void(bool)> cb) { service_.read_barrier(std::move(cb)); });
    if (!fresh) co_return json_message(500, "etcdserver: request timed out");
  }
  std::shared_ptr<const auth::AuthState> state = service_.auth_state();
  auth::ApiRequest ar{req.method, *resource,         d.route.sub,
                      req.body,   req.authorization, req.cert_user};
  auth::ApiAnswer answer = co_await off_thread<auth::ApiAnswer>([&]() -> auth::ApiAnswer {
    try {
      return auth::handle_api(*state, ar, crypto_);
    } catch (const std::exception& e) {  // bcrypt failed (no salt): an internal error
      auth::ApiAnswer failed;
      failed.status = 500;
      failed.body = util::v2_message_body(e.what());
      return failed;
    }
  });
  for (const auth::Record& record : answer.writes) {
    WriteReply w = co_await await_callback<WriteReply>([&](std::function<void(WriteReply)> cb) {
      service_.write(store::auth_record_command(record), std::move(cb));
    });
    if (w.internal_error) co_return json_message(500, w.internal_cause);
  }
  co_return to_response(answer);
}

Response AuthHandler::to_response(const auth::ApiAnswer& answer) const {
  Response r;
  r.status = answer.status;
  r.content_type = answer.json ? std::string_view("application/json") : std::string_view();
  if (answer.cluster_id_header) r.add("X-Etcd-Cluster-Id", cluster_id_hex_);
  r.body = answer.body;
  return r;
}

template <typename Decide>
awaitable<bool> AuthHandler::decide(std::optional<std::string_view> authorization, Decide d) {
  std::shared_ptr<const auth::AuthState> state = service_.auth_state();
  auto run = [&] { return d(*state); };
  if (crypto_.cheap(*state, authorization)) co_return run();
  bool allowed = co_await off_thread<bool>(run);
  co_return allowed;
}

awaitable<bool> AuthHandler::key_access(const Request& req, std::string raw_key, bool write,
                                        bool recursive) {
  bool allowed = co_await decide(req.authorization, [&](const auth::AuthState& state) {
    return auth::key_access_allowed(state, req.authorization, raw_key, write, recursive, crypto_,
                                    req.cert_user);
  });
  co_return allowed;
}

awaitable<bool> AuthHandler::root_access(const Request& req) {
  bool allowed = co_await decide(req.authorization, [&](const auth::AuthState& state) {
    return auth::root_allowed(state, req.authorization, crypto_, req.cert_user);
  });
  co_return allowed;
}

}  // namespace larch::http
