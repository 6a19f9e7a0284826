#pragma once
// Raw "flag name -> text value" settings gathered from one or more sources before they are
// parsed into a Config, plus the startup log lines produced while gathering them.
#include <map>
#include <string>
#include <vector>

namespace larch::config {

enum class SettingSource {
  kFlag,     // command line
  kEnv,      // process environment (ETCD_*)
  kEnvFile,  // ETCD_*=value lines of an env-style --config-file
  kYaml,     // YAML --config-file
};

struct Setting {
  std::string value;
  SettingSource source;
};

// Keyed by flag name without dashes ("initial-cluster").
using Settings = std::map<std::string, Setting>;

enum class LogSeverity { kInfo, kWarning };

struct LogLine {
  LogSeverity severity;
  std::string text;
  bool operator==(const LogLine&) const = default;
};

}  // namespace larch::config
