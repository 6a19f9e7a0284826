#pragma once
// Adds ETCD_* variables to the settings for flags that were not given on the command line,
// following etcd's pkg/flags.SetFlagsFromEnv rules.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/settings.h"

namespace larch::config {

// Merges vars (a process environment or the assignments of an env-style config file) into
// settings. source must be kEnv or kEnvFile. Rules:
//  * ETCD_<FLAG> fills <flag> if nothing from a higher-precedence source set it; empty
//    values count as unset (as in etcd); each used variable is logged.
//  * kEnv vs a command-line flag: fatal error (etcd's "conflicting environment variable").
//  * kEnvFile vs a command-line flag: the flag wins, with a warning (Larch extension).
//  * kEnv vs a kEnvFile setting: the file wins, with an info line.
//  * Unknown ETCD_* names are warnings; ETCD_CONFIG_FILE is left to the loader.
// Returns the fatal error, if any.
std::optional<std::string> merge_env(const std::map<std::string, std::string>& vars,
                                     SettingSource source, Settings& settings,
                                     std::vector<LogLine>& log);

}  // namespace larch::config
