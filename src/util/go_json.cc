#include "util/go_json.h"

#include <array>
#include <charconv>
#include <ctime>

namespace larch::util {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_u4(std::string& out, unsigned cp) {
  out += "\\u";
  out += kHex[(cp >> 12) & 0xf];
  out += kHex[(cp >> 8) & 0xf];
  out += kHex[(cp >> 4) & 0xf];
  out += kHex[cp & 0xf];
}

// Printable ASCII that Go emits unescaped, as a table: values are escaped byte by byte on
// every GET and every applied write, so one load per byte beats seven comparisons.
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> t{};
  for (unsigned c = 0x20; c < 0x80; ++c) t[c] = true;
  for (unsigned char c : {'"', '\\', '<', '>', '&'}) t[c] = false;
  return t;
}();

inline bool is_plain(unsigned char c) {
  return kPlain[c];
}

}  // namespace

size_t go_utf8_len(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  size_t n;
  uint32_t min;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2, min = 0x80;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3, min = 0x800;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  uint32_t cp = c & (0x7f >> n);
  for (size_t k = 1; k < n; ++k) {
    auto d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    // Copy the longest run of bytes that need no escaping in one append.
    size_t run = i;
    while (run < s.size() && is_plain(static_cast<unsigned char>(s[run]))) ++run;
    if (run > i) {
      out.append(s.data() + i, run - i);
      i = run;
      if (i == s.size()) break;
    }
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
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
        case '<':
        case '>':
        case '&':
          append_u4(out, c);
          break;
        default:
          if (c < 0x20)
            append_u4(out, c);
          else
            out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    size_t n = go_utf8_len(s, i);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    // U+2028 / U+2029 are E2 80 A8 / E2 80 A9.
    if (n == 3 && c == 0xe2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) & 0xfe) == 0xa8) {
      out += (s[i + 2] == '\xa8') ? "\\u2028" : "\\u2029";
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  out += '"';
}

void append_uint(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

std::string format_rfc3339_nano(int64_t unix_ns) {
  int64_t secs = unix_ns / 1000000000;
  int64_t frac = unix_ns % 1000000000;
  if (frac < 0) frac += 1000000000, secs -= 1;
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  if (frac != 0) {
    char f[16];
    std::snprintf(f, sizeof f, ".%09lld", static_cast<long long>(frac));
    std::string fs(f);
    while (fs.back() == '0') fs.pop_back();
    out += fs;
  }
  out += 'Z';
  return out;
}

namespace {
// Appends v / 10^prec with trailing fractional zeros (and a bare '.') removed.
void append_fixed(std::string& out, uint64_t v, int prec) {
  uint64_t p = 1;
  for (int i = 0; i < prec; ++i) p *= 10;
  append_uint(out, v / p);
  uint64_t frac = v % p;
  if (frac == 0) return;
  std::string digits(prec, '0');
  for (int i = prec - 1; i >= 0; --i, frac /= 10) digits[i] = static_cast<char>('0' + frac % 10);
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  out += '.';
  out += digits;
}
}  // namespace

std::string format_go_duration(int64_t ns) {
  std::string out;
  // Negate in unsigned arithmetic: -INT64_MIN overflows int64.
  uint64_t u = ns < 0 ? 0 - static_cast<uint64_t>(ns) : static_cast<uint64_t>(ns);
  if (ns < 0) out += '-';
  if (u == 0) return "0s";
  if (u < 1000) {
    append_uint(out, u);
    return out + "ns";
  }
  if (u < 1000000) {
    append_fixed(out, u, 3);
    return out + "µs";
  }
  if (u < 1000000000) {
    append_fixed(out, u, 6);
    return out + "ms";
  }
  uint64_t h = u / 3600000000000ULL;
  u -= h * 3600000000000ULL;
  uint64_t m = u / 60000000000ULL;
  u -= m * 60000000000ULL;
  if (h > 0) {
    append_uint(out, h);
    out += 'h';
  }
  if (h > 0 || m > 0) {
    append_uint(out, m);
    out += 'm';
  }
  append_fixed(out, u, 9);
  return out + "s";
}

}  // namespace larch::util

namespace larch::util {

void append_go_float(std::string& out, double v) {
  char buf[64];
  double a = v < 0 ? -v : v;
  auto fmt = (a != 0 && (a < 1e-6 || a >= 1e21)) ? std::chars_format::scientific
                                                 : std::chars_format::fixed;
  auto res = std::to_chars(buf, buf + sizeof buf, v, fmt);
  out.append(buf, res.ptr);
}

}  // namespace larch::util
