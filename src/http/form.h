#pragma once
// application/x-www-form-urlencoded parsing with Go's url.ParseQuery / Request.ParseForm
// semantics, which decide how etcd reads every /v2/keys parameter (spec §1.4). Pure: any
// thread.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace larch::http {

// Ordered multimap of decoded form fields. Every occurrence is kept in arrival order;
// lookups return the first occurrence (Go's url.Values.Get / Request.FormValue).
class Form {
 public:
  void add(std::string key, std::string value);
  // Appends all fields of `other` after this form's fields.
  void append(const Form& other);

  // True if the key occurred at all (even as "?key" or "key=").
  bool has(std::string_view key) const;
  // First value of the key; nullptr if absent.
  const std::string* first(std::string_view key) const;
  // First value of the key, "" if absent (Go's FormValue).
  std::string value(std::string_view key) const;
  // Moves the first value of the key out ("" if absent); the field stays, emptied.
  std::string take(std::string_view key);
  // All values of the key, in order.
  std::vector<std::string> values(std::string_view key) const;

  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }
  bool empty() const { return fields_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// Result of a form parse: the fields that decoded, plus Go's error text if any failed
// (parsing continues past a bad pair, as in Go; callers report the error, etcd 210).
struct FormParse {
  Form form;
  std::optional<std::string> error;
};

// Go's url.ParseQuery: pairs split on '&', key and value on the first '='; empty pairs
// skipped; '+' -> space; %XX decoded. A pair containing ';' is dropped with error
// "invalid semicolon separator in query" (this error replaces any earlier one); a bad
// escape drops the pair with `invalid URL escape "%zz"` (Go-quoted, at most 3 bytes:
// "%a" or "%" at the end); the first escape error is kept.
FormParse parse_query(std::string_view text);

// Go's url.QueryUnescape; on a bad escape returns the error text instead.
struct Unescaped {
  std::string text;
  std::optional<std::string> error;
};
Unescaped query_unescape(std::string_view s);

// Go's http.Request.ParseForm as etcd sees it for PUT/POST (read_body = true) and other
// methods (read_body = false): with read_body, the Content-Type is parsed (its mime errors
// are reported whatever the type); the body is decoded only for
// application/x-www-form-urlencoded (case-insensitive, parameters allowed), and a body
// larger than kMaxFormBytes yields "http: POST too large" (etcd also closes the
// connection). Body fields come before query fields; a body error wins over a query
// error. An empty Content-Type means application/octet-stream.
inline constexpr size_t kMaxFormBytes = size_t{10} << 20;
FormParse parse_request_form(bool read_body, std::string_view content_type, std::string_view body,
                             std::string_view raw_query);

}  // namespace larch::http
