#include "http/path_clean.h"

#include <cstdint>

#include "util/hex_digit.h"

namespace larch::http {
namespace {

using util::hex_value;

// Go's shouldEscape(c, encodePath) negated.
bool path_byte_is_plain(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '-':
    case '_':
    case '.':
    case '~':
    case '$':
    case '&':
    case '+':
    case ',':
    case '/':
    case ':':
    case ';':
    case '=':
    case '@':
      return true;
    default:
      return false;
  }
}

void append_hex_byte(std::string& out, unsigned char c, const char* digits) {
  out.push_back('%');
  out.push_back(digits[c >> 4]);
  out.push_back(digits[c & 0xF]);
}

// Go's hexEscapeNonASCII (used by http.Redirect for the Location header): lower-case hex.
std::string hex_escape_non_ascii(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80) {
      append_hex_byte(out, c, "0123456789abcdef");
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

// Go's net/http htmlEscape.
std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

// Strips "scheme://authority" from an absolute-form target; nullopt if it is not one.
std::optional<std::string_view> strip_absolute_form(std::string_view target) {
  auto sep = target.find("://");
  if (sep == std::string_view::npos || sep == 0) return std::nullopt;
  for (size_t i = 0; i < sep; ++i) {
    char c = target[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
    if (!ok) return std::nullopt;
  }
  std::string_view rest = target.substr(sep + 3);
  auto end = rest.find_first_of("/?");
  return end == std::string_view::npos ? std::string_view{} : rest.substr(end);
}

}  // namespace

std::string go_path_clean(std::string_view path) {
  if (path.empty()) return ".";
  const bool rooted = path[0] == '/';
  const size_t n = path.size();
  std::string out;
  out.reserve(n);
  size_t r = 0, dotdot = 0;
  if (rooted) {
    out.push_back('/');
    r = dotdot = 1;
  }
  while (r < n) {
    if (path[r] == '/') {
      ++r;
    } else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/')) {
      ++r;
    } else if (path[r] == '.' && path[r + 1] == '.' && (r + 2 == n || path[r + 2] == '/')) {
      r += 2;
      if (out.size() > dotdot) {  // backtrack to the previous '/'
        size_t w = out.size() - 1;
        while (w > dotdot && out[w] != '/') --w;
        out.resize(w);
      } else if (!rooted) {  // cannot backtrack: keep the ".."
        if (!out.empty()) out.push_back('/');
        out += "..";
        dotdot = out.size();
      }
    } else {
      if ((rooted && out.size() != 1) || (!rooted && !out.empty())) out.push_back('/');
      for (; r < n && path[r] != '/'; ++r) out.push_back(path[r]);
    }
  }
  return out.empty() ? "." : out;
}

std::string mux_clean_path(std::string_view p) {
  if (p.empty()) return "/";
  std::string rooted = p[0] == '/' ? std::string(p) : "/" + std::string(p);
  std::string np = go_path_clean(rooted);
  if (rooted.back() == '/' && np != "/") np.push_back('/');
  return np;
}

std::optional<std::string> percent_decode_path(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '%') {
      out.push_back(raw[i]);
      continue;
    }
    if (i + 2 >= raw.size()) return std::nullopt;
    int hi = hex_value(raw[i + 1]), lo = hex_value(raw[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::string escape_path(std::string_view decoded) {
  std::string out;
  out.reserve(decoded.size());
  for (char ch : decoded) {
    auto c = static_cast<unsigned char>(ch);
    if (path_byte_is_plain(c)) {
      out.push_back(ch);
    } else {
      append_hex_byte(out, c, "0123456789ABCDEF");
    }
  }
  return out;
}

namespace {

// True when p needs neither percent-decoding nor cleaning: rooted, no '%', and no empty, "."
// or ".." segment (one trailing slash is allowed). mux_clean_path(p) == p for such paths.
bool is_plain_clean_path(std::string_view p) {
  if (p.empty() || p[0] != '/' || p.find('%') != std::string_view::npos) return false;
  size_t start = 1;
  while (start < p.size()) {
    size_t end = p.find('/', start);
    std::string_view seg = p.substr(start, end == std::string_view::npos ? end : end - start);
    if (seg.empty() || seg == "." || seg == "..") return false;
    if (end == std::string_view::npos) break;
    start = end + 1;  // a slash at the very end leaves start == size: trailing slash, fine
  }
  return true;
}

}  // namespace

CleanTarget clean_request_target(std::string_view target) {
  CleanTarget result;
  std::string_view path_and_query = target;
  if (target.empty() || target[0] != '/') {
    auto stripped = strip_absolute_form(target);
    if (!stripped) return result;  // kBadRequest ("*", garbage)
    path_and_query = *stripped;
  }
  auto qpos = path_and_query.find('?');
  std::string_view raw_path = path_and_query.substr(0, qpos);
  if (qpos != std::string_view::npos) result.raw_query = path_and_query.substr(qpos + 1);

  if (is_plain_clean_path(raw_path)) {  // the common case: nothing to decode or clean
    result.path = raw_path;
    result.kind = TargetKind::kServe;
    return result;
  }
  auto decoded = percent_decode_path(raw_path);
  if (!decoded) return result;
  result.path = mux_clean_path(*decoded);
  if (result.path == *decoded) {
    result.kind = TargetKind::kServe;
    return result;
  }
  // Go: RedirectHandler(url.URL{Path: cleaned, RawQuery: q}.String()) -> http.Redirect.
  result.kind = TargetKind::kRedirect;
  std::string url = escape_path(result.path);
  if (!result.raw_query.empty()) url += "?" + result.raw_query;
  result.location = hex_escape_non_ascii(url);
  result.html_body = "<a href=\"" + html_escape(url) + "\">Moved Permanently</a>.\n\n";
  return result;
}

}  // namespace larch::http
