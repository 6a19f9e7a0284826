#pragma once
// Internal to handle_api: the answers etcd writes and the per-resource handlers.
#include <string>
#include <string_view>
#include <vector>

#include "auth/auth_api.h"

namespace larch::auth {

// An error as etcd's writeError sends it: {"message":"..."} without a newline.
ApiAnswer error_answer(int status, std::string_view message);
// A JSON body as json.NewEncoder writes it: `json` plus "\n".
ApiAnswer json_answer(int status, std::string json);
// 200 with an empty body (etcd still sets Content-Type: application/json).
ApiAnswer empty_answer();

// The records of one change. etcd's store creates its auth directories and "/2/enabled" =
// "false" before it first sets or deletes an auth resource (even when the delete then
// fails), so the first such step on an uninitialized state adds those records.
class Writes {
 public:
  explicit Writes(const AuthState& state) : initialized_(state.initialized) {}
  void ensure_directories();
  void put(std::string key, std::string value);
  void remove(std::string key);
  std::vector<Record> take() { return std::move(records_); }

 private:
  bool initialized_;
  std::vector<Record> records_;
};

// GET /v2/auth/users; GET, PUT, DELETE /v2/auth/users/<name> (root access already checked).
ApiAnswer list_users(const AuthState& state);
ApiAnswer handle_user(const AuthState& state, const ApiRequest& request, Crypto& crypto);
// GET /v2/auth/roles; GET, PUT, DELETE /v2/auth/roles/<name>.
ApiAnswer list_roles(const AuthState& state);
ApiAnswer handle_role(const AuthState& state, const ApiRequest& request);

}  // namespace larch::auth
