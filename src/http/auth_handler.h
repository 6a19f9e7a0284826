#pragma once
// v2 authentication at the HTTP edge (spec §9): the /v2/auth API, and the access decisions
// for /v2/keys and /v2/members writes. The decisions themselves are auth::'s pure functions
// over the member's applied AuthState; this class runs them where they may block (bcrypt:
// ~50 ms per uncached check or new password) on its own thread, never on an I/O thread, and
// replicates the records an API call changes, one log entry each, before answering. A
// change is decided after a read barrier (ReadIndex), on state no older than any committed
// change.
// Shared by all sessions; any I/O thread.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "auth/auth_api.h"
#include "auth/bcrypt_crypto.h"
#include "http/kv_service.h"
#include "http/request_handler.h"
#include "http/router.h"

namespace larch::http {

class AuthHandler {
 public:
  explicit AuthHandler(KvService& service);
  ~AuthHandler();
  AuthHandler(const AuthHandler&) = delete;
  AuthHandler& operator=(const AuthHandler&) = delete;

  // A /v2/auth/* request (the router's kAuth* endpoints, method already allowed).
  boost::asio::awaitable<Response> api(const Request& req, const Dispatch& d);
  // Whether a /v2/keys request may proceed (true whenever auth is disabled), by req's
  // credentials (Authorization, else the client certificate's user). raw_key: the decoded
  // path after /v2/keys, trailing slash kept. req must outlive the call.
  boost::asio::awaitable<bool> key_access(const Request& req, std::string raw_key, bool write,
                                          bool recursive);
  // Whether a /v2/members write may proceed: auth disabled, or root credentials.
  boost::asio::awaitable<bool> root_access(const Request& req);

  // etcd's answer to a management request without root credentials.
  static Response insufficient_credentials();

 private:
  // f() on the crypto thread; resumes the caller on its own executor with the result.
  template <typename T, typename F>
  boost::asio::awaitable<T> off_thread(F f);
  // d(state) for the member's applied auth state: inline when the credentials need no
  // bcrypt work (BcryptCrypto::cheap), else on the crypto thread.
  template <typename Decide>
  boost::asio::awaitable<bool> decide(std::optional<std::string_view> authorization, Decide d);
  Response to_response(const auth::ApiAnswer& answer) const;

  KvService& service_;
  std::string cluster_id_hex_;
  auth::BcryptCrypto crypto_;
  boost::asio::thread_pool pool_{1};
};

}  // namespace larch::http
