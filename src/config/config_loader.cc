#include "config/config_loader.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "config/arg_parser.h"
#include "config/config_validator.h"
#include "config/env_file.h"
#include "config/env_merge.h"
#include "config/settings_applier.h"
#include "config/usage.h"
#include "config/value_parsers.h"
#include "config/yaml_settings.h"

namespace larch::config {
namespace {

ConfigResult& fail(ConfigResult& r, std::string error, int exit_code = 1) {
  r.action = LoadAction::kFail;
  r.error = std::move(error);
  r.exit_code = exit_code;
  return r;
}

Settings flag_settings(const ParsedArgs& parsed) {
  Settings s;
  for (const auto& [name, value] : parsed.flags) s[name] = Setting{value, SettingSource::kFlag};
  return s;  // later occurrences overwrite earlier ones: last value wins, as in Go
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Env-style config file: its assignments act as the environment, below command-line flags
// and above the process environment.
std::optional<std::string> gather_env_file(const std::string& path, const std::string& text,
                                           const std::map<std::string, std::string>& env,
                                           Settings& settings, std::vector<LogLine>& log) {
  auto vars = parse_env_file(text);
  if (!vars.ok()) return "config file \"" + path + "\": " + vars.error;
  log.push_back({LogSeverity::kInfo, "loading ETCD_* settings from env-style config file \"" +
                                         path + "\" (command-line flags take precedence)"});
  if (auto err = merge_env(*vars.value, SettingSource::kEnvFile, settings, log)) return err;
  return merge_env(env, SettingSource::kEnv, settings, log);
}

std::optional<std::string> gather_yaml(const std::string& path, const std::string& text,
                                       Settings& settings, std::vector<LogLine>& log) {
  auto parsed = yaml_settings(text);
  if (!parsed.ok()) return "config file \"" + path + "\": " + parsed.error;
  settings = std::move(*parsed.value);
  log.push_back({LogSeverity::kInfo,
                 "loaded server configuration from \"" + path +
                     "\"; other command-line flags and environment variables are ignored"});
  return std::nullopt;
}

// Turns flags + environment + config file into the settings to apply.
std::optional<std::string> gather(Settings& settings, const std::map<std::string, std::string>& env,
                                  std::vector<LogLine>& log) {
  std::string path;
  if (auto it = settings.find("config-file"); it != settings.end()) {
    path = it->second.value;
  } else if (auto e = env.find("ETCD_CONFIG_FILE"); e != env.end()) {
    path = e->second;
  }
  if (path.empty()) return merge_env(env, SettingSource::kEnv, settings, log);
  auto text = read_file(path);
  if (!text) return "cannot read config file \"" + path + "\"";
  if (looks_like_env_file(*text)) return gather_env_file(path, *text, env, settings, log);
  return gather_yaml(path, *text, settings, log);
}

bool is_explicit(const Settings& s, const std::string& name) {
  auto it = s.find(name);
  return it != s.end() && it->second.source != SettingSource::kYaml;
}

// Anything in the data dir but auto TLS's certificates (fixtures/, which a first start that
// failed later may leave behind; etcd too checks the membership until it has a WAL).
bool has_existing_data(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return false;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().filename() != "fixtures") return true;
  }
  return false;
}

// Applies settings, derives defaults and validates; fills r.config or fails r.
void build_config(const Settings& settings, ConfigResult& r) {
  Config& c = r.config;
  if (auto err = apply_settings(settings, c)) return void(fail(r, *err));
  // As etcd: a process that is or may become a proxy (--proxy, or --discovery with the proxy
  // fallback) keeps the default advertised client URL instead of requiring one.
  bool may_be_proxy = c.proxy != "off" || (!c.discovery.empty() && c.discovery_fallback == "proxy");
  bool advertise_missing = is_explicit(settings, "listen-client-urls") &&
                           !is_explicit(settings, "advertise-client-urls") && !may_be_proxy;
  int sources = (settings.count("initial-cluster") ? 1 : 0) + (c.discovery.empty() ? 0 : 1) +
                (c.discovery_srv.empty() ? 0 : 1);
  if (sources > 1) {
    return void(fail(r,
                     "multiple discovery or bootstrap flags are set. Choose one of "
                     "\"initial-cluster\", \"discovery\" or \"discovery-srv\""));
  }
  apply_derived_defaults(c);
  if (auto err = validate_config(c, advertise_missing)) return void(fail(r, *err));
  if (c.proxy != "off") {
    // A proxy is not in its --initial-cluster: it only reads the peer URLs from it.
  } else if (has_existing_data(c.data_dir)) {
    r.log.push_back({LogSeverity::kInfo, "data dir \"" + c.data_dir +
                                             "\" is not empty; --initial-cluster is not checked"});
  } else if (auto err = validate_initial_cluster(c)) {
    return void(fail(r, *err));
  }
  if (!c.enable_v2) {
    r.log.push_back({LogSeverity::kInfo, "--enable-v2 is false; larch serves the v2 API anyway"});
  }
}

}  // namespace

ConfigResult load_config(const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env) {
  ConfigResult r;
  ParsedArgs parsed = parse_args(args);
  if (!parsed.error.empty()) return fail(r, parsed.error, 2);
  if (parsed.help) {
    r.action = LoadAction::kPrintUsage;
    r.usage = usage_text();
    return r;
  }
  if (!parsed.positional.empty()) {
    return fail(r, "'" + parsed.positional.front() + "' is not a valid flag. See 'larch --help'.");
  }
  Settings settings = flag_settings(parsed);
  if (auto it = settings.find("version"); it != settings.end()) {
    auto v = parse_go_bool(it->second.value);
    if (!v.ok())
      return fail(r, "invalid boolean value \"" + it->second.value + "\" for -version: parse error",
                  2);
    if (*v.value) {
      r.action = LoadAction::kPrintVersion;
      return r;
    }
  }
  if (auto err = gather(settings, env, r.log)) return fail(r, *err);
  build_config(settings, r);
  return r;
}

std::map<std::string, std::string> environment_map(const char* const* envp) {
  std::map<std::string, std::string> env;
  for (; envp != nullptr && *envp != nullptr; ++envp) {
    std::string_view kv(*envp);
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

}  // namespace larch::config
