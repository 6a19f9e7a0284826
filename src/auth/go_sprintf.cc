#include "auth/go_sprintf.h"

#include "auth/go_utf8.h"

namespace larch::auth {
namespace {

// Mirrors the parsing state of Go's fmt.(*pp).doPrintf for one verb.
class VerbParser {
 public:
  VerbParser(std::string_view f, size_t i, std::string& out) : f_(f), i_(i), out_(out) {}

  // Parses the verb after a '%' and writes its output; returns the index after it.
  size_t run() {
    skip_flags();
    bool after_index = width(arg_number());
    if (i_ + 1 < f_.size() && f_[i_] == '.') after_index = precision(after_index);
    if (!after_index) arg_number();
    if (i_ >= f_.size()) {
      out_ += "%!(NOVERB)";
      return i_;
    }
    std::string_view verb = verb_rune();
    if (verb == "%") {
      out_ += '%';
    } else {
      out_ += "%!";
      out_ += verb;
      out_ += good_arg_num_ ? "(MISSING)" : "(BADINDEX)";
    }
    return i_;
  }

 private:
  void skip_flags() {
    while (i_ < f_.size() && std::string_view("#0+- ").find(f_[i_]) != std::string_view::npos) {
      ++i_;
    }
  }

  // "[n]": with no arguments every index is bad. Returns whether it parsed as an index.
  bool arg_number() {
    if (i_ >= f_.size() || f_[i_] != '[') return false;
    good_arg_num_ = false;
    std::string_view rest = f_.substr(i_);
    size_t close = rest.size() < 3 ? std::string_view::npos : rest.find(']', 1);
    if (close == std::string_view::npos) {
      i_ += 1;
      return false;
    }
    Num n = parse_num(rest, 1, close);
    i_ += close + 1;
    return n.is_num && n.next == close;
  }

  struct Num {
    size_t next;
    bool is_num;
  };
  // Go's parsenum: the digits in s[start, end). A number over 1e6 makes Go give up: no
  // number, and parsing resumes at `end`.
  static Num parse_num(std::string_view s, size_t start, size_t end) {
    long num = 0;
    size_t i = start;
    for (; i < end && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (num > 1000000) return {end, false};
      num = num * 10 + (s[i] - '0');
    }
    return {i, i > start};
  }

  // Returns the new after-index state.
  bool width(bool after_index) {
    if (i_ < f_.size() && f_[i_] == '*') {
      ++i_;
      out_ += "%!(BADWIDTH)";
      return false;
    }
    Num n = parse_num(f_, i_, f_.size());
    if (after_index && n.is_num) good_arg_num_ = false;
    i_ = n.next;
    return after_index;
  }

  bool precision(bool after_index) {
    ++i_;
    if (after_index) good_arg_num_ = false;
    after_index = arg_number();
    if (i_ < f_.size() && f_[i_] == '*') {
      ++i_;
      out_ += "%!(BADPREC)";
      return false;
    }
    i_ = parse_num(f_, i_, f_.size()).next;
    return after_index;
  }

  // One UTF-8 rune; an invalid byte is Go's utf8.RuneError (written as U+FFFD).
  std::string_view verb_rune() {
    size_t n = go_utf8_len(f_, i_);
    if (n == 0) {
      ++i_;
      return kReplacementChar;
    }
    std::string_view v = f_.substr(i_, n);
    i_ += n;
    return v;
  }

  std::string_view f_;
  size_t i_;
  std::string& out_;
  bool good_arg_num_ = true;
};

}  // namespace

std::string go_sprintf_no_args(std::string_view format) {
  std::string out;
  size_t i = 0;
  while (i < format.size()) {
    size_t pct = format.find('%', i);
    if (pct == std::string_view::npos) {
      out.append(format.substr(i));
      break;
    }
    out.append(format.substr(i, pct - i));
    i = VerbParser(format, pct + 1, out).run();
  }
  return out;
}

}  // namespace larch::auth
