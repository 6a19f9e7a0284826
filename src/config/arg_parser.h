#pragma once
// Command-line parsing with the syntax of Go's flag package, which etcd uses.
#include <string>
#include <utility>
#include <vector>

namespace larch::config {

struct ParsedArgs {
  // Flags in the order given (name without dashes, value); a repeated flag appears once per
  // occurrence, so "last value wins" is the caller's job.
  std::vector<std::pair<std::string, std::string>> flags;
  std::vector<std::string> positional;  // everything after the first non-flag argument or "--"
  bool help = false;                    // -h / -help / --help seen
  std::string error;                    // syntax error, Go's wording ("flag provided but ...")
};

// Parses args (argv without the program name): -name v, -name=v, --name v, --name=v; boolean
// flags may be bare (--enable-v2) but then take no separate value argument. Stops at the
// first error or at -h/--help. Pure function; any thread.
ParsedArgs parse_args(const std::vector<std::string>& args);

}  // namespace larch::config
