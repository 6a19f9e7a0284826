#include "config/arg_parser.h"

#include "config/flag_table.h"

namespace larch::config {
namespace {

// Handles one argument that starts with '-'; i is advanced past a separate value argument.
// Returns false when parsing must stop (error or help).
bool parse_one(const std::vector<std::string>& args, size_t& i, ParsedArgs& out) {
  const std::string& arg = args[i];
  size_t dashes = (arg.size() > 1 && arg[1] == '-') ? 2 : 1;
  std::string name = arg.substr(dashes);
  if (name.empty() || name[0] == '-' || name[0] == '=') {
    out.error = "bad flag syntax: " + arg;
    return false;
  }
  std::string value;
  bool has_value = false;
  if (auto eq = name.find('='); eq != std::string::npos) {
    value = name.substr(eq + 1);
    name.resize(eq);
    has_value = true;
  }
  const FlagSpec* spec = find_flag(name);
  if (spec == nullptr) {
    if (name == "help" || name == "h") {
      out.help = true;
    } else {
      out.error = "flag provided but not defined: -" + name;
    }
    return false;
  }
  if (spec->kind == FlagKind::kBool) {
    out.flags.emplace_back(name, has_value ? value : "true");
    return true;
  }
  if (!has_value) {
    if (i + 1 >= args.size()) {
      out.error = "flag needs an argument: -" + name;
      return false;
    }
    value = args[++i];
  }
  out.flags.emplace_back(name, value);
  return true;
}

}  // namespace

ParsedArgs parse_args(const std::vector<std::string>& args) {
  ParsedArgs out;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 2 || arg[0] != '-') break;  // first non-flag argument ("-" included)
    if (arg == "--") {
      ++i;
      break;
    }
    if (!parse_one(args, i, out)) return out;
  }
  out.positional.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  return out;
}

}  // namespace larch::config
