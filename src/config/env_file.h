#pragma once
// Distro-style environment files (/etc/etcd/etcd.conf): NAME="value" lines, '#' comment
// lines, optional double or single quotes, no shell expansion.
#include <map>
#include <string>
#include <string_view>

#include "config/parse_result.h"

namespace larch::config {

// True if the first non-empty, non-comment line looks like ETCD_SOMETHING=... (optionally
// preceded by "export "). Used to tell such files from YAML.
bool looks_like_env_file(std::string_view text);

// Parses every assignment. Later assignments of the same name win. Errors name the line:
// "line 3: expected NAME=value".
ParseResult<std::map<std::string, std::string>> parse_env_file(std::string_view text);

}  // namespace larch::config
