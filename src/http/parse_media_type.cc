#include "http/parse_media_type.h"

#include <set>

namespace larch::http {
namespace {

// Go's unicode.IsSpace restricted to ASCII (non-ASCII spaces in a Content-Type are not
// worth the table; they only change which error text is reported).
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool is_tspecial(char c) {
  return std::string_view(R"(()<>@,;:\"/[]?=)").find(c) != std::string_view::npos;
}

bool is_token_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && !is_tspecial(c);
}

std::string_view trim_left(std::string_view v) {
  while (!v.empty() && is_space(v.front())) v.remove_prefix(1);
  return v;
}

std::string_view trim(std::string_view v) {
  v = trim_left(v);
  while (!v.empty() && is_space(v.back())) v.remove_suffix(1);
  return v;
}

std::string ascii_lower(std::string_view v) {
  std::string out(v);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Go's consumeToken: (token, rest).
std::pair<std::string_view, std::string_view> consume_token(std::string_view v) {
  size_t i = 0;
  while (i < v.size() && is_token_char(v[i])) ++i;
  return {v.substr(0, i), v.substr(i)};
}

// Go's consumeValue: a token or a quoted string; on failure rest == v and value empty.
std::pair<std::string, std::string_view> consume_value(std::string_view v) {
  if (v.empty()) return {"", v};
  if (v[0] != '"') {
    auto [tok, rest] = consume_token(v);
    return {std::string(tok), rest};
  }
  std::string buf;
  for (size_t i = 1; i < v.size(); ++i) {
    char c = v[i];
    if (c == '"') return {buf, v.substr(i + 1)};
    if (c == '\\' && i + 1 < v.size() && is_tspecial(v[i + 1])) {
      buf.push_back(v[++i]);
      continue;
    }
    if (c == '\r' || c == '\n') return {"", v};
    buf.push_back(c);
  }
  return {"", v};  // no closing quote
}

// Go's consumeMediaParam: returns the lower-cased parameter name ("" on failure) and the
// rest of the input after it.
std::pair<std::string, std::string_view> consume_media_param(std::string_view v) {
  std::string_view rest = trim_left(v);
  if (rest.empty() || rest[0] != ';') return {"", v};
  rest = trim_left(rest.substr(1));
  auto [param, after_param] = consume_token(rest);
  if (param.empty()) return {"", v};
  rest = trim_left(after_param);
  if (rest.empty() || rest[0] != '=') return {"", v};
  rest = trim_left(rest.substr(1));
  auto [value, rest2] = consume_value(rest);
  if (value.empty() && rest2.size() == rest.size()) return {"", v};
  return {ascii_lower(param), rest2};
}

// Go's checkMediaTypeDisposition.
std::optional<std::string> check_type(std::string_view s) {
  auto [type, rest] = consume_token(s);
  if (type.empty()) return "mime: no media type";
  if (rest.empty()) return std::nullopt;
  if (rest[0] != '/') return "mime: expected slash after first token";
  auto [subtype, rest2] = consume_token(rest.substr(1));
  if (subtype.empty()) return "mime: expected token after slash";
  if (!rest2.empty()) return "mime: unexpected content after media subtype";
  return std::nullopt;
}

}  // namespace

MediaType parse_media_type(std::string_view value) {
  MediaType result;
  std::string_view base = value.substr(0, value.find(';'));
  std::string type = ascii_lower(trim(base));
  if (auto err = check_type(type)) {
    result.error = std::move(err);
    return result;
  }
  result.type = std::move(type);
  // Parameter names (continuations such as "a*0" included) must not repeat.
  std::set<std::string> seen;
  std::string_view v = value.substr(base.size());
  while (true) {
    v = trim_left(v);
    if (v.empty()) break;
    auto [key, rest] = consume_media_param(v);
    if (key.empty()) {
      if (trim(rest) == ";") break;  // a trailing semicolon is fine
      result.error = "mime: invalid media parameter";
      return result;
    }
    if (!seen.insert(key).second) {
      result.type.clear();
      result.error = "mime: duplicate parameter name";
      return result;
    }
    v = rest;
  }
  return result;
}

}  // namespace larch::http
