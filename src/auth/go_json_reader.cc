#include "auth/go_json_reader.h"

#include <boost/json/basic_parser_impl.hpp>

#include "auth/go_utf8.h"
#include "util/hex_digit.h"

namespace larch::auth {
namespace {

namespace json = boost::json;
using boost::system::error_code;

// Go's encoding/json nesting limit.
constexpr size_t kMaxDepth = 10000;

using util::hex_value;

// The code unit of a "\uXXXX" escape at s[i], or -1.
int u_escape(std::string_view s, size_t i) {
  if (i + 6 > s.size() || s[i] != '\\' || s[i + 1] != 'u') return -1;
  int v = 0;
  for (size_t k = 2; k < 6; ++k) {
    int h = hex_value(s[i + k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

// Rewrites "\uXXXX" escapes of unpaired UTF-16 surrogates inside strings to "\ufffd",
// which Go decodes them to but Boost.JSON rejects. Other text is copied unchanged.
std::string replace_lone_surrogates(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (!in_string || c != '\\') {
      if (c == '"') in_string = !in_string;
      out += c;
      continue;
    }
    int u = u_escape(s, i);
    if (u < 0xd800 || u > 0xdfff) {  // not a surrogate (or not \u): copy the escape pair
      out += c;
      if (i + 1 < s.size()) out += s[++i];
      continue;
    }
    int low = u_escape(s, i + 6);
    if (u <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
      out.append(s.substr(i, 12));
      i += 11;
    } else {
      out += "\\ufffd";
      i += 5;
    }
  }
  return out;
}

// Builds the ordered tree from Boost.JSON's parse events.
class TreeBuilder {
 public:
  static constexpr size_t max_object_size = size_t(-1);
  static constexpr size_t max_array_size = size_t(-1);
  static constexpr size_t max_key_size = size_t(-1);
  static constexpr size_t max_string_size = size_t(-1);

  JsonNode take() { return std::move(root_); }

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_array_begin(error_code&) { return open(JsonNode::Kind::kArray); }
  bool on_array_end(size_t, error_code&) { return close(); }
  bool on_object_begin(error_code&) { return open(JsonNode::Kind::kObject); }
  bool on_object_end(size_t, error_code&) { return close(); }
  bool on_string_part(json::string_view s, size_t, error_code&) {
    part_.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, size_t, error_code&) {
    part_.append(s.data(), s.size());
    JsonNode& n = add(JsonNode::Kind::kString);
    n.text = go_valid_utf8(part_);
    part_.clear();
    return true;
  }
  bool on_key_part(json::string_view s, size_t, error_code&) {
    part_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, size_t, error_code&) {
    part_.append(s.data(), s.size());
    key_ = go_valid_utf8(part_);
    part_.clear();
    return true;
  }
  bool on_number_part(json::string_view, error_code&) { return true; }
  bool on_int64(int64_t, json::string_view, error_code&) { return scalar(JsonNode::Kind::kNumber); }
  bool on_uint64(uint64_t, json::string_view, error_code&) {
    return scalar(JsonNode::Kind::kNumber);
  }
  bool on_double(double, json::string_view, error_code&) { return scalar(JsonNode::Kind::kNumber); }
  bool on_bool(bool, error_code&) { return scalar(JsonNode::Kind::kBool); }
  bool on_null(error_code&) { return scalar(JsonNode::Kind::kNull); }
  bool on_comment_part(json::string_view, error_code&) { return false; }
  bool on_comment(json::string_view, error_code&) { return false; }

 private:
  // A new node in the current container (or the root), keyed by the pending key.
  JsonNode& add(JsonNode::Kind kind) {
    JsonNode* n;
    if (stack_.empty()) {
      n = &root_;
    } else if (stack_.back()->kind == JsonNode::Kind::kObject) {
      n = &stack_.back()->members.emplace_back(JsonMember{std::move(key_), JsonNode{}}).second;
    } else {
      n = &stack_.back()->items.emplace_back();
    }
    n->kind = kind;
    return *n;
  }
  bool scalar(JsonNode::Kind kind) {
    add(kind);
    return true;
  }
  // Containers are filled before their parent grows again, so the pointers stay valid.
  bool open(JsonNode::Kind kind) {
    stack_.push_back(&add(kind));
    return true;
  }
  bool close() {
    stack_.pop_back();
    return true;
  }

  JsonNode root_;
  std::vector<JsonNode*> stack_;
  std::string part_;
  std::string key_;
};

bool only_whitespace(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

std::optional<JsonNode> read_go_json(std::string_view text, bool trailing_ok) {
  std::string src = replace_lone_surrogates(text);
  json::parse_options opt;
  opt.max_depth = kMaxDepth;
  opt.allow_invalid_utf8 = true;
  json::basic_parser<TreeBuilder> parser(opt);
  error_code ec;
  size_t used = parser.write_some(true, src.data(), src.size(), ec);
  if (!ec && !parser.done()) used += parser.write_some(false, src.data() + used, 0, ec);
  if (ec || !parser.done()) return std::nullopt;
  if (!trailing_ok && !only_whitespace(std::string_view(src).substr(used))) return std::nullopt;
  return parser.handler().take();
}

bool go_key_matches(std::string_view key, std::string_view field) {
  if (key == field) return true;
  size_t i = 0;
  for (char f : field) {
    if (i >= key.size()) return false;
    if (f == 'k' && key.substr(i, 3) == "\xe2\x84\xaa") {  // KELVIN SIGN
      i += 3;
    } else if (f == 's' && key.substr(i, 2) == "\xc5\xbf") {  // LATIN SMALL LETTER LONG S
      i += 2;
    } else if ((key[i] | 0x20) == f) {
      ++i;
    } else {
      return false;
    }
  }
  return i == key.size();
}

}  // namespace larch::auth
