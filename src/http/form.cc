#include "http/form.h"

#include "http/parse_media_type.h"
#include "util/hex_digit.h"

namespace larch::http {
namespace {

using util::hex_value;

void append_hex(std::string& out, const char* prefix, unsigned value, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += prefix;
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
    out.push_back(kHex[(value >> shift) & 0xF]);
}

// Go's strconv.Quote for the (at most 3-byte) escape text of an EscapeError. A complete
// UTF-8 sequence here is at most 2 bytes (U+0080..U+07FF); of those, the C1 controls,
// NBSP and soft hyphen are non-printable for Go (a few unassigned code points in that
// range are not modelled and are printed as is).
std::string go_quote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\a':
          out += "\\a";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\v':
          out += "\\v";
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            append_hex(out, "\\x", c, 2);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      continue;
    }
    bool two_byte = c >= 0xC2 && c <= 0xDF && i + 1 < s.size() &&
                    (static_cast<unsigned char>(s[i + 1]) & 0xC0) == 0x80;
    if (!two_byte) {
      append_hex(out, "\\x", c, 2);
      continue;
    }
    unsigned rune = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
    if (rune <= 0xA0 || rune == 0xAD) {
      append_hex(out, "\\u", rune, 4);
    } else {
      out.append(s.substr(i, 2));
    }
    ++i;
  }
  out.push_back('"');
  return out;
}

}  // namespace

void Form::add(std::string key, std::string value) {
  fields_.emplace_back(std::move(key), std::move(value));
}

void Form::append(const Form& other) {
  fields_.insert(fields_.end(), other.fields_.begin(), other.fields_.end());
}

bool Form::has(std::string_view key) const {
  return first(key) != nullptr;
}

const std::string* Form::first(std::string_view key) const {
  for (const auto& [k, v] : fields_) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string Form::take(std::string_view key) {
  for (auto& [k, v] : fields_) {
    if (k == key) return std::move(v);
  }
  return {};
}

std::string Form::value(std::string_view key) const {
  const std::string* v = first(key);
  return v ? *v : std::string();
}

std::vector<std::string> Form::values(std::string_view key) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : fields_) {
    if (k == key) out.push_back(v);
  }
  return out;
}

Unescaped query_unescape(std::string_view s) {
  Unescaped result;
  result.text.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    // Copy the run up to the next byte that needs decoding in one append. (A plain loop:
    // find_first_of calls memchr on the 2-byte set once per input byte.)
    size_t end = i;
    while (end < s.size() && s[end] != '+' && s[end] != '%') ++end;
    if (end != i) {
      result.text.append(s.data() + i, end - i);
      if (end == s.size()) break;
      i = end;
    }
    char c = s[i];
    if (c == '+') {
      result.text.push_back(' ');
    } else if (c != '%') {
      result.text.push_back(c);
    } else {
      int hi = i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
      int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        result.text.clear();
        result.error = "invalid URL escape " + go_quote(s.substr(i, 3));
        return result;
      }
      result.text.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    }
  }
  return result;
}

FormParse parse_query(std::string_view text) {
  FormParse result;
  while (!text.empty()) {
    auto amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    if (pair.find(';') != std::string_view::npos) {
      result.error = "invalid semicolon separator in query";  // Go overwrites here
      continue;
    }
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string_view raw_key = pair.substr(0, eq);
    std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    Unescaped key = query_unescape(raw_key);
    Unescaped value = key.error ? Unescaped{} : query_unescape(raw_value);
    const auto& err = key.error ? key.error : value.error;
    if (err) {
      if (!result.error) result.error = err;
      continue;
    }
    result.form.add(std::move(key.text), std::move(value.text));
  }
  return result;
}

FormParse parse_request_form(bool read_body, std::string_view content_type, std::string_view body,
                             std::string_view raw_query) {
  FormParse result;
  if (read_body) {
    // The usual Content-Type (curl -d, etcdctl, wrk) needs no parse: parse_media_type would
    // return it as is, without error.
    constexpr std::string_view kForm = "application/x-www-form-urlencoded";
    bool is_form = content_type == kForm;
    if (!is_form) {
      MediaType media =
          parse_media_type(content_type.empty() ? "application/octet-stream" : content_type);
      result.error = media.error;
      is_form = media.type == kForm;
    }
    if (is_form) {
      if (body.size() > kMaxFormBytes) {
        result.error = "http: POST too large";
      } else {
        FormParse body_form = parse_query(body);
        result.form = std::move(body_form.form);
        if (!result.error) result.error = std::move(body_form.error);
      }
    }
  }
  FormParse query = parse_query(raw_query);
  result.form.append(query.form);
  if (!result.error) result.error = std::move(query.error);
  return result;
}

}  // namespace larch::http
