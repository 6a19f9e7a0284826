#pragma once
// Typed value of one flag, parsed from its text according to the flag's kind.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/config.h"
#include "config/parse_result.h"

namespace larch::config {

enum class FlagKind {
  kString,
  kChoice,  // string limited to FlagSpec::choices ("new|existing")
  kBool,
  kUint,            // base-10, non-negative
  kInt,             // base-10, may be negative
  kListenUrls,      // non-empty URL list; hosts must be IPs or "localhost"
  kAdvertiseUrls,   // non-empty URL list; any host name
  kOptionalUrls,    // possibly empty listen URL list (--listen-metrics-urls)
  kList,            // comma-separated strings
  kCors,            // "*" or scheme://host:port entries
  kInitialCluster,  // name=url,...
};

using FlagValue = std::variant<std::string, bool, uint64_t, int64_t, std::vector<Url>,
                               std::vector<std::string>, std::vector<InitialMember>>;

// Parses raw as a value of kind. choices ("a|b|c") is used for kChoice only. On failure the
// error is the bare reason ("parse error", "invalid value", a URL message).
ParseResult<FlagValue> parse_flag_value(FlagKind kind, std::string_view raw,
                                        std::string_view choices);

}  // namespace larch::config
