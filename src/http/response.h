#pragma once
// An HTTP/1.1 response built by handlers and serialised by hand (exact header names and
// order as etcd sends them; no per-header allocations in Beast's field container).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace larch::http {

// X-Etcd-Cluster-Id, X-Etcd-Index and, on successes, X-Raft-Index and X-Raft-Term: every
// /v2/keys answer carries them, so they are numbers formatted while serialising rather than
// strings allocated per response.
struct EtcdHeaders {
  std::string_view cluster_id;  // hex; its storage outlives the response (the handler's)
  uint64_t etcd_index = 0;
  bool raft = false;  // X-Raft-Index and X-Raft-Term too
  uint64_t raft_index = 0;
  uint64_t raft_term = 0;
};

struct Response {
  int status = 200;
  // Empty: no Content-Type header. Static storage (a literal): a std::string here would
  // allocate for every response ("application/json" is one byte past the inline capacity).
  std::string_view content_type = "application/json";
  // The etcd headers of a /v2/keys answer; serialised before `headers`.
  std::optional<EtcdHeaders> etcd;
  // Extra headers, in order. Names must be string literals (static storage).
  std::vector<std::pair<std::string_view, std::string>> headers;
  std::string body;
  bool head = false;     // HEAD: Content-Length of body, no body bytes
  bool close = false;    // Connection: close, then close the socket
  bool chunked = false;  // headers only, Transfer-Encoding: chunked (watch bodies follow)

  void add(std::string_view name, std::string value) {
    headers.emplace_back(name, std::move(value));
  }
};

// CORS headers to add to a response ("" = none), decided per request by the session.
struct CorsDecision {
  std::string allow_origin;  // "*" or the echoed Origin; empty = send no CORS headers
};

// Reason phrase ("OK", "Not Found", ...).
std::string_view reason_phrase(int status);

// Current time as an HTTP Date header value ("Sat, 21 Nov 2026 12:52:56 GMT").
std::string http_date();

// The Date header value, formatted at most once per second. One per connection.
class DateCache {
 public:
  const std::string& now();

 private:
  int64_t second_ = -1;
  std::string text_;
};

// Serialises status line, headers (with `date` as the Date header) and, unless head/chunked,
// the body into `out` (cleared first): a connection reuses one buffer for all its responses.
void serialize_into(std::string& out, const Response& r, const CorsDecision& cors, bool keep_alive,
                    std::string_view date);

// A connection's output buffer grown by one large response is not kept for the connection's
// lifetime: frees it when over 64 KiB (call after the write).
void trim_output(std::string& out);

// Appends one chunk of a chunked body ("<hex>\r\n<data>\r\n"); the terminator is "0\r\n\r\n".
void append_chunk(std::string& out, std::string_view data);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

// Plain-text helpers matching Go's net/http.
Response text_response(int status, std::string body);  // text/plain; charset=utf-8 + nosniff
Response not_found_page();                             // "404 page not found\n"
Response method_not_allowed(std::string_view allow);   // 405, Allow header unless empty

// Admin error/status body {"message":"..."} (no trailing newline), application/json.
Response json_message(int status, std::string_view text);

}  // namespace larch::http
