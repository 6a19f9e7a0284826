#include "http/key_request_parser.h"

#include <algorithm>
#include <limits>
#include <optional>

#include "http/form.h"
#include "http/path_clean.h"
#include "util/v2_error.h"

namespace larch::http {
namespace {

namespace ecode = util::ecode;

// Parameters after validation, before the operation is chosen.
struct Params {
  uint64_t prev_index = 0;
  bool dir = false;
  bool wait = false;
  std::string prev_value;          // "" = no condition (an empty one is rejected)
  std::optional<uint64_t> ttl;     // nullopt: absent or empty (permanent)
  std::optional<bool> prev_exist;  // nullopt: absent
  bool refresh = false;
};

// Go's getUint64: absent -> 0; present -> its first value must parse.
bool read_uint(const Form& form, std::string_view key, uint64_t& out) {
  const std::string* v = form.first(key);
  if (!v) return true;
  auto n = parse_go_uint(*v);
  if (!n) return false;
  out = *n;
  return true;
}

// Go's getBool: absent -> false; present -> its first value must parse.
bool read_bool(const Form& form, std::string_view key, bool& out) {
  const std::string* v = form.first(key);
  if (!v) return true;
  auto b = parse_go_bool(*v);
  if (!b) return false;
  out = *b;
  return true;
}

ParseError invalid_field(std::string_view name) {
  return {ecode::kInvalidField, "invalid value for \"" + std::string(name) + "\""};
}

// prevIndex .. prevValue, in etcd's order; fills the read flags of `req` on the way.
std::optional<ParseError> check_first_half(const Form& form, KeyMethod method, KeyRequest& req,
                                           Params& p) {
  if (!read_uint(form, "prevIndex", p.prev_index))
    return ParseError{ecode::kIndexNaN, "invalid value for \"prevIndex\""};
  if (!read_uint(form, "waitIndex", req.wait_index))
    return ParseError{ecode::kIndexNaN, "invalid value for \"waitIndex\""};
  if (!read_bool(form, "recursive", req.recursive)) return invalid_field("recursive");
  if (!read_bool(form, "sorted", req.sorted)) return invalid_field("sorted");
  if (!read_bool(form, "wait", p.wait)) return invalid_field("wait");
  if (!read_bool(form, "dir", p.dir)) return invalid_field("dir");
  if (!read_bool(form, "quorum", req.quorum)) return invalid_field("quorum");
  if (!read_bool(form, "stream", req.stream)) return invalid_field("stream");
  if (p.wait && method != KeyMethod::kGet)
    return ParseError{ecode::kInvalidField, "\"wait\" can only be used with GET requests"};
  p.prev_value = form.value("prevValue");
  if (form.has("prevValue") && p.prev_value.empty())
    return ParseError{ecode::kPrevValueRequired, "\"prevValue\" cannot be empty"};
  return std::nullopt;
}

// noValueOnSuccess .. refresh, in etcd's order.
std::optional<ParseError> check_second_half(const Form& form, KeyRequest& req, Params& p) {
  if (!read_bool(form, "noValueOnSuccess", req.no_value_on_success))
    return invalid_field("noValueOnSuccess");
  if (const std::string* t = form.first("ttl"); t && !t->empty()) {  // "ttl=": no TTL
    auto ttl = parse_go_uint(*t);
    if (!ttl) return ParseError{ecode::kTtlNaN, "invalid value for \"ttl\""};
    p.ttl = ttl;
  }
  if (const std::string* v = form.first("prevExist")) {
    p.prev_exist = parse_go_bool(*v);
    if (!p.prev_exist) return ParseError{ecode::kInvalidField, "invalid value for prevExist"};
  }
  if (const std::string* v = form.first("refresh")) {
    auto refresh = parse_go_bool(*v);
    if (!refresh) return ParseError{ecode::kInvalidField, "invalid value for refresh"};
    p.refresh = *refresh;
    if (const std::string* v = form.first("value"); p.refresh && v && !v->empty())
      return ParseError{ecode::kRefreshValue, "A value was provided on a refresh"};
    if (p.refresh && !p.ttl) return ParseError{ecode::kRefreshTtlRequired, "No TTL value set"};
  }
  return std::nullopt;
}

std::optional<int64_t> expiration(const Params& p, int64_t now_ns) {
  if (!p.ttl) return std::nullopt;
  const int64_t ttl_ns = static_cast<int64_t>(std::min(*p.ttl, kMaxTtlSeconds)) * 1'000'000'000;
  if (now_ns > std::numeric_limits<int64_t>::max() - ttl_ns)
    return std::numeric_limits<int64_t>::max();
  return now_ns + ttl_ns;
}

void set_conditions(store::Command& cmd, const Params& p) {
  if (!p.prev_value.empty()) cmd.prev_value = p.prev_value;
  cmd.prev_index = p.prev_index;
}

// Spec §3.2.1: the five rows of the PUT operation table.
void build_put(store::Command& cmd, const Params& p) {
  const bool has_condition = !p.prev_value.empty() || p.prev_index > 0;
  if (p.prev_exist == false) {
    cmd.op = store::OpType::kCreate;
  } else if (has_condition) {
    cmd.op = store::OpType::kCompareAndSwap;
    set_conditions(cmd, p);
  } else {
    cmd.op = p.prev_exist == true ? store::OpType::kUpdate : store::OpType::kSet;
  }
  // etcd's Create ignores refresh (it just creates, with the value forced empty by 211).
  cmd.refresh = p.refresh && cmd.op != store::OpType::kCreate;
}

// Takes the value out of `form` (the last use of the form).
void build_command(KeyRequest& req, Form& form, const Params& p, int64_t now_ns) {
  store::Command& cmd = req.command;
  cmd.key = req.key;
  cmd.now_ns = now_ns;
  if (req.method == KeyMethod::kDelete) {
    const bool has_condition = !p.prev_value.empty() || p.prev_index > 0;
    if (has_condition) {
      cmd.op = store::OpType::kCompareAndDelete;
      set_conditions(cmd, p);
    } else {
      cmd.op = store::OpType::kDelete;
      cmd.dir = p.dir;
      cmd.recursive = req.recursive;
    }
    return;
  }
  cmd.value = form.take("value");
  cmd.dir = p.dir;
  cmd.expiration_ns = expiration(p, now_ns);
  if (req.method == KeyMethod::kPost) {
    cmd.op = store::OpType::kCreateInOrder;
  } else {
    build_put(cmd, p);
  }
}

}  // namespace

std::optional<bool> parse_go_bool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "true" || s == "TRUE" || s == "True") return true;
  if (s == "0" || s == "f" || s == "F" || s == "false" || s == "FALSE" || s == "False")
    return false;
  return std::nullopt;
}

std::optional<uint64_t> parse_go_uint(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t n = 0;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    auto digit = static_cast<uint64_t>(c - '0');
    if (n > (kMax - digit) / 10) return std::nullopt;
    n = n * 10 + digit;
  }
  return n;
}

ParseOutcome parse_key_request(KeyMethod method, std::string_view key_path,
                               std::string_view raw_query, std::string_view content_type,
                               std::string_view body, int64_t now_ns) {
  // Go's ParseForm reads a body only for POST, PUT (and PATCH, which never gets here).
  const bool read_body = method == KeyMethod::kPut || method == KeyMethod::kPost;
  FormParse parsed = parse_request_form(read_body, content_type, body, raw_query);
  if (parsed.error) return ParseError{ecode::kInvalidForm, *parsed.error};

  KeyRequest req;
  req.method = method;
  req.raw_key = std::string(key_path);
  req.key = go_path_clean("/" + req.raw_key);
  Params p;
  if (auto err = check_first_half(parsed.form, method, req, p)) return *err;
  if (auto err = check_second_half(parsed.form, req, p)) return *err;

  // quorum turns GET into etcd's QGET (no watch); HEAD+quorum is a plain local read.
  req.quorum = req.quorum && method == KeyMethod::kGet;
  req.wait = p.wait && !req.quorum;
  if (req.is_write()) build_command(req, parsed.form, p, now_ns);
  return req;
}

}  // namespace larch::http
