#include "config/env_merge.h"

#include <algorithm>
#include <cctype>

#include "config/flag_table.h"

namespace larch::config {
namespace {

// ETCD_INITIAL_CLUSTER -> the "initial-cluster" spec, or nullptr if no such env-settable flag.
const FlagSpec* flag_for_env(const std::string& var) {
  std::string name = var.substr(5);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) {
    return c == '_' ? '-' : static_cast<char>(std::tolower(c));
  });
  const FlagSpec* spec = find_flag(name);
  if (spec == nullptr || spec->use == FlagUse::kLoader || env_var_name(name) != var) {
    return nullptr;
  }
  return spec;
}

std::string conflict_error(const std::string& var) {
  return "conflicting environment variable \"" + var +
         "\" is shadowed by corresponding command-line flag (either unset environment variable "
         "or disable flag)";
}

// Handles a variable whose flag is already set. Returns an error for a fatal conflict.
std::optional<std::string> on_already_set(const std::string& var, const Setting& existing,
                                          SettingSource source, std::vector<LogLine>& log) {
  if (existing.source == SettingSource::kFlag) {
    if (source == SettingSource::kEnv) return conflict_error(var);
    log.push_back(
        {LogSeverity::kWarning, "command-line flag overrides " + var + " from the config file"});
  } else if (existing.source == SettingSource::kEnvFile) {
    log.push_back(
        {LogSeverity::kInfo, var + " from the config file overrides the environment variable"});
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> merge_env(const std::map<std::string, std::string>& vars,
                                     SettingSource source, Settings& settings,
                                     std::vector<LogLine>& log) {
  const bool from_file = source == SettingSource::kEnvFile;
  for (const auto& [var, value] : vars) {
    if (var.rfind("ETCD_", 0) != 0) {
      if (from_file) log.push_back({LogSeverity::kWarning, "ignoring non-ETCD variable " + var});
      continue;
    }
    if (var == "ETCD_CONFIG_FILE") continue;
    const FlagSpec* spec = flag_for_env(var);
    if (spec == nullptr) {
      log.push_back({LogSeverity::kWarning, "unrecognized environment variable " + var + "=" +
                                                value + (from_file ? " (config file)" : "")});
      continue;
    }
    std::string name(spec->name);
    if (auto it = settings.find(name); it != settings.end()) {
      if (auto err = on_already_set(var, it->second, source, log)) return err;
      continue;
    }
    if (value.empty()) continue;
    settings[name] = Setting{value, source};
    log.push_back({LogSeverity::kInfo, "recognized and used environment variable " + var + "=" +
                                           value + (from_file ? " (config file)" : "")});
  }
  return std::nullopt;
}

}  // namespace larch::config
