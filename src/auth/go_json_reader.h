#pragma once
// Reading JSON as etcd's Go code sees it (encoding/json): an ordered tree that keeps
// duplicate keys (Go assigns them in turn), strings with invalid UTF-8 and lone UTF-16
// surrogate escapes replaced by U+FFFD, nesting up to Go's 10000 levels.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace larch::auth {

struct JsonMember;

struct JsonNode {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  std::string text;                 // kString: the value
  std::vector<JsonNode> items;      // kArray
  std::vector<JsonMember> members;  // kObject, in document order
};

// A plain struct, not std::pair: a pair of an incomplete type inside JsonNode is rejected
// by clang (the fuzz build), while a vector of an incomplete struct is fine since C++17.
struct JsonMember {
  std::string first;  // the key
  JsonNode second;    // the value
};

// The first JSON value of `text`, as Go's json.Decoder.Decode reads it: anything after a
// complete value is ignored when `trailing_ok` (request bodies), else it must be only
// whitespace (json.Unmarshal: stored records). nullopt for a syntax error or no value.
std::optional<JsonNode> read_go_json(std::string_view text, bool trailing_ok);

// Go's json field-name matching: exact, else case-insensitive (ASCII letters, plus the
// Kelvin sign for 'k' and long s for 's', as Go folds them). `field` is lower-case ASCII.
bool go_key_matches(std::string_view key, std::string_view field);

}  // namespace larch::auth
