#pragma once
// Parsers for flag values. Each returns the value or a short reason ("parse error", an
// etcd-like URL message); callers prefix it with the setting's origin.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/parse_result.h"
#include "config/url.h"

namespace larch::config {

// Go's strconv.ParseBool: 1,t,T,TRUE,true,True,0,f,F,FALSE,false,False.
ParseResult<bool> parse_go_bool(std::string_view s);

// Base-10 digits only (no sign, no 0x), must fit in 64 bits.
ParseResult<uint64_t> parse_decimal_uint(std::string_view s);

// Optional leading '-', then base-10 digits.
ParseResult<int64_t> parse_decimal_int(std::string_view s);

// Comma-separated list; entries are trimmed and empty entries dropped.
std::vector<std::string> split_list(std::string_view s);

// Comma-separated URL list. An empty list is an error unless allow_empty.
ParseResult<std::vector<Url>> parse_url_list(std::string_view s, UrlRole role, bool allow_empty);

// --cors: each entry "*" or an origin "scheme://host:port" (http or https, no path).
ParseResult<std::vector<std::string>> parse_cors_list(std::string_view s);

// --initial-cluster: "n1=http://a:1,n2=http://b:2"; empty input gives an empty list.
ParseResult<std::vector<InitialMember>> parse_initial_cluster(std::string_view s);

std::string trim(std::string_view s);

}  // namespace larch::config
