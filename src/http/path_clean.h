#pragma once
// Request-target handling in front of the router, byte-compatible with Go's net/http as
// etcd uses it: the path is percent-decoded first (a bad escape is a plain "400 Bad
// Request" from Go's HTTP layer), then ServeMux cleans it; a path that is not already
// clean gets a 301 to the cleaned, re-escaped path with the raw query kept (spec §1.2).
// Pure functions: any thread.
#include <optional>
#include <string>
#include <string_view>

namespace larch::http {

// Go's path.Clean: collapse "//", drop "." segments, resolve "..", no trailing slash
// except for "/"; "" -> ".". Rooted inputs never climb above "/".
std::string go_path_clean(std::string_view p);

// Go's ServeMux cleanPath: "" -> "/", adds a leading "/", go_path_clean, then puts back a
// single trailing slash if the input had one ("/a/./" -> "/a/", "/a//" -> "/a/").
std::string mux_clean_path(std::string_view p);

// Decodes %XX escapes of a URL path ('+' stays '+'). nullopt when a '%' is not followed
// by two hex digits (Go rejects such a request line with 400 before any handler runs).
std::optional<std::string> percent_decode_path(std::string_view raw_path);

// Go's url.URL.EscapedPath for a decoded path: keeps A-Z a-z 0-9 - _ . ~ $ & + , / : ; = @
// and escapes every other byte as %XX (upper-case hex), '?' included.
std::string escape_path(std::string_view decoded_path);

enum class TargetKind {
  kServe,       // path is clean: dispatch it
  kRedirect,    // answer 301 with `location` (see CleanTarget)
  kBadRequest,  // malformed target: Go answers "HTTP/1.1 400 Bad Request", headers
                // "Content-Type: text/plain; charset=utf-8" + "Connection: close",
                // body "400 Bad Request" (no newline, no Content-Length), then closes.
};

struct CleanTarget {
  TargetKind kind = TargetKind::kBadRequest;
  std::string path;       // kServe: decoded clean path; kRedirect: decoded cleaned path
  std::string raw_query;  // text after the first '?', verbatim (not decoded)
  // kRedirect only. Location header value: escaped cleaned path + "?" + raw query (when
  // non-empty), bytes >= 0x80 then written as lower-case %xx (Go's hexEscapeNonASCII).
  std::string location;
  // kRedirect only. Body Go sends for a GET redirect:
  // <a href="(html-escaped location before the non-ASCII escaping)">Moved Permanently</a>.\n\n
  // GET and HEAD redirects carry "Content-Type: text/html; charset=utf-8"; HEAD and all
  // other methods have an empty body and (other than HEAD) no Content-Type.
  std::string html_body;
};

// Splits, decodes and cleans a raw request target ("/v2/keys/a%20b?x=1"). Accepts the
// origin form and the absolute form ("http://host/path?q"); anything else is kBadRequest.
// OPTIONS requests must NOT be redirected (etcd answers them before the mux): see
// dispatch() in router.h, which handles that.
CleanTarget clean_request_target(std::string_view target);

}  // namespace larch::http
