#include "http/response.h"

#include <cstdio>
#include <ctime>

#include "util/go_json.h"
#include "util/release_capacity.h"
#include "util/v2_error.h"

namespace larch::http {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 307:
      return "Temporary Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Request Entity Too Large";
    case 414:
      return "Request URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 421:
      return "Misdirected Request";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

std::string http_date() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

const std::string& DateCache::now() {
  int64_t sec = static_cast<int64_t>(std::time(nullptr));
  if (sec != second_) {
    second_ = sec;
    text_ = http_date();
  }
  return text_;
}

namespace {

void append_etcd_headers(std::string& out, const EtcdHeaders& h) {
  out += "X-Etcd-Cluster-Id: ";
  out += h.cluster_id;
  out += "\r\nX-Etcd-Index: ";
  util::append_uint(out, h.etcd_index);
  out += "\r\n";
  if (!h.raft) return;
  out += "X-Raft-Index: ";
  util::append_uint(out, h.raft_index);
  out += "\r\nX-Raft-Term: ";
  util::append_uint(out, h.raft_term);
  out += "\r\n";
}

}  // namespace

void serialize_into(std::string& out, const Response& r, const CorsDecision& cors, bool keep_alive,
                    std::string_view date) {
  // At most one allocation: status line, fixed headers, CORS, Date and lengths fit in 320
  // bytes; none when `out` already has the room (a reused buffer).
  size_t size =
      320 + r.content_type.size() + cors.allow_origin.size() + r.body.size() + (r.etcd ? 160 : 0);
  for (const auto& [name, value] : r.headers) size += name.size() + value.size() + 4;
  out.clear();
  out.reserve(size);
  out += "HTTP/1.1 ";
  util::append_int(out, r.status);
  out += ' ';
  out += reason_phrase(r.status);
  out += "\r\n";
  if (!cors.allow_origin.empty()) {
    out +=
        "Access-Control-Allow-Headers: accept, content-type, authorization\r\n"
        "Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n"
        "Access-Control-Allow-Origin: ";
    out += cors.allow_origin;
    out += "\r\n";
  }
  if (!r.content_type.empty()) {
    out += "Content-Type: ";
    out += r.content_type;
    out += "\r\n";
  }
  if (r.etcd) append_etcd_headers(out, *r.etcd);
  for (const auto& [name, value] : r.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += "Date: ";
  out += date;
  out += "\r\n";
  if (r.chunked) {
    out += "Transfer-Encoding: chunked\r\n";
  } else if (r.status != 204) {
    out += "Content-Length: ";
    util::append_uint(out, r.body.size());
    out += "\r\n";
  }
  if (r.close || !keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  if (!r.head && !r.chunked) out += r.body;
}

void append_chunk(std::string& out, std::string_view data) {
  char buf[20];
  int n = std::snprintf(buf, sizeof buf, "%zx\r\n", data.size());
  out.reserve(out.size() + static_cast<size_t>(n) + data.size() + 2);
  out.append(buf, static_cast<size_t>(n));
  out.append(data);
  out += "\r\n";
}

Response text_response(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.add("X-Content-Type-Options", "nosniff");
  r.body = std::move(body);
  return r;
}

Response not_found_page() {
  return text_response(404, "404 page not found\n");
}

Response method_not_allowed(std::string_view allow) {
  Response r = text_response(405, "Method Not Allowed\n");
  if (!allow.empty()) r.headers.insert(r.headers.begin(), {"Allow", std::string(allow)});
  return r;
}

Response json_message(int status, std::string_view text) {
  Response r;
  r.status = status;
  r.body = util::v2_message_body(text);
  return r;
}

void trim_output(std::string& out) {
  constexpr size_t kKeptOutputBytes = 64 * 1024;
  util::release_capacity_over(out, kKeptOutputBytes);
}

}  // namespace larch::http
