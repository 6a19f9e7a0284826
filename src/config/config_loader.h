#pragma once
// Builds the server Config from the command line, the environment and an optional config
// file, with etcd's precedence rules, and validates it.
//
// Precedence (highest first):
//  * --config-file / ETCD_CONFIG_FILE naming a YAML file: the file is the ONLY source;
//    other flags (still syntax-checked) and ETCD_* variables are ignored, as in etcd.
//  * --config-file naming an env-style file (first significant line is ETCD_X=...; the
//    /etc/etcd/etcd.conf format), a Larch extension:
//        command-line flags  >  the file's ETCD_* assignments  >  process ETCD_* variables.
//    A flag that overrides a file assignment only logs a warning; a flag that collides with
//    a process ETCD_* variable is still etcd's fatal "conflicting environment variable".
//  * No config file: command-line flags > ETCD_* variables; setting both for the same flag
//    is fatal; unknown ETCD_* variables are warnings.
//  * Defaults (see Config).
#include <map>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/settings.h"

namespace larch::config {

enum class LoadAction {
  kRun,           // config is valid: start the server
  kPrintVersion,  // --version: print the version, exit 0
  kPrintUsage,    // -h/--help: print usage, exit 0
  kFail,          // print error (one line), exit with exit_code
};

struct ConfigResult {
  LoadAction action = LoadAction::kRun;
  Config config;             // valid (defaults derived) when action == kRun
  std::vector<LogLine> log;  // startup log lines, in order (also filled on kFail)
  std::string error;         // one line, when action == kFail
  std::string usage;         // when action == kPrintUsage
  int exit_code = 0;         // 0; 2 for command-line syntax errors (Go flag); 1 otherwise
};

// args: argv without the program name. env: the process environment (NAME -> value).
// Reads the config file if one is named; checks the initial-cluster membership rule unless
// data_dir already exists and is non-empty (a restart, where etcd ignores --initial-cluster).
// Any thread; no global state.
ConfigResult load_config(const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env);

// Turns a NULL-terminated environ array into a map (for main).
std::map<std::string, std::string> environment_map(const char* const* envp);

}  // namespace larch::config
