#pragma once
// Content-Type parsing with the exact acceptance rules and error texts of Go's
// mime.ParseMediaType, because etcd reports its errors to the client (error 210 with the
// Go text as cause) for every PUT/POST, whatever the media type. Pure: any thread.
#include <optional>
#include <string>
#include <string_view>

namespace larch::http {

struct MediaType {
  // Lower-cased, trimmed "type/subtype" (or a lone token such as "foo"); empty when the
  // type itself is malformed.
  std::string type;
  // Go's error text when the header is malformed: "mime: no media type",
  // "mime: expected slash after first token", "mime: expected token after slash",
  // "mime: unexpected content after media subtype", "mime: invalid media parameter",
  // "mime: duplicate parameter name". Parameters themselves are validated, not returned.
  std::optional<std::string> error;
};

// Parses a Content-Type value such as "application/x-www-form-urlencoded; charset=utf-8".
// As in Go, on "invalid media parameter" `type` is still filled in.
MediaType parse_media_type(std::string_view value);

}  // namespace larch::http
