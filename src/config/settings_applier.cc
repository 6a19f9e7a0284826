#include "config/settings_applier.h"

#include "config/flag_table.h"

namespace larch::config {
namespace {

std::string value_error(const FlagSpec& spec, const Setting& s, const std::string& reason) {
  const std::string name(spec.name);
  const std::string quoted = "\"" + s.value + "\"";
  switch (s.source) {
    case SettingSource::kFlag:
      if (spec.kind == FlagKind::kBool) {
        return "invalid boolean value " + quoted + " for -" + name + ": " + reason;
      }
      return "invalid value " + quoted + " for flag -" + name + ": " + reason;
    case SettingSource::kEnv:
    case SettingSource::kEnvFile:
      return "invalid value " + quoted + " for " + env_var_name(name) + ": " + reason;
    case SettingSource::kYaml:
      break;
  }
  return "invalid value " + quoted + " for \"" + name + "\" in config file: " + reason;
}

// An unsupported flag is fine at its default (e.g. --proxy=off, --discovery="").
bool is_default(const FlagSpec& spec, const FlagValue& v) {
  if (const bool* b = std::get_if<bool>(&v)) return !*b;
  if (const std::string* s = std::get_if<std::string>(&v)) {
    return s->empty() || *s == spec.default_text;
  }
  return false;
}

}  // namespace

std::optional<std::string> apply_settings(const Settings& settings, Config& config) {
  for (const auto& [name, setting] : settings) {
    const FlagSpec* spec = find_flag(name);
    if (spec == nullptr || spec->use == FlagUse::kLoader) continue;
    auto parsed = parse_flag_value(spec->kind, setting.value, spec->choices);
    if (!parsed.ok()) return value_error(*spec, setting, parsed.error);
    if (spec->use == FlagUse::kUnsupported && !is_default(*spec, *parsed.value)) {
      return "--" + name + " is not supported by larch";
    }
    if (spec->use == FlagUse::kApplied) spec->assign(config, *parsed.value);
  }
  return std::nullopt;
}

}  // namespace larch::config
