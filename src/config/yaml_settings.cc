#include "config/yaml_settings.h"

#include <yaml-cpp/yaml.h>

#include <optional>
#include <vector>

#include "config/flag_table.h"
#include "util/join.h"

namespace larch::config {
namespace {

// Flag name for a key inside client-/peer-transport-security (etcd's securityConfig keys).
std::string security_flag(const std::string& key, bool peer) {
  if (key == "crl-file") return peer ? "peer-crl-file" : "client-crl-file";
  if (key == "allowed-cn") return peer ? "peer-cert-allowed-cn" : "";
  if (key == "allowed-hostname") {
    return peer ? "peer-cert-allowed-hostname" : "client-cert-allowed-hostname";
  }
  return peer ? "peer-" + key : key;
}

// Scalar text of node; for boolean flags YAML spellings (yes/on/...) become true/false.
std::optional<std::string> scalar_text(const YAML::Node& node, FlagKind kind) {
  if (kind == FlagKind::kBool) {
    bool b = false;
    if (YAML::convert<bool>::decode(node, b)) return b ? "true" : "false";
  }
  return node.Scalar();
}

// Adds one key; returns an error message for a value of the wrong shape.
std::optional<std::string> add(Settings& out, const std::string& key, const YAML::Node& node) {
  const FlagSpec* spec = find_flag(key);
  if (spec == nullptr || spec->use == FlagUse::kLoader || !node.IsDefined() || node.IsNull()) {
    return std::nullopt;
  }
  std::string value;
  if (node.IsSequence()) {
    std::vector<std::string> items;
    for (const auto& item : node) {
      if (!item.IsScalar()) return "\"" + key + "\" in config file must be a list of strings";
      items.push_back(item.Scalar());
    }
    value = util::join(items, ",");
  } else if (node.IsScalar()) {
    value = *scalar_text(node, spec->kind);
  } else {
    return "\"" + key + "\" in config file must be a scalar value";
  }
  if (!value.empty()) out[key] = Setting{value, SettingSource::kYaml};
  return std::nullopt;
}

std::optional<std::string> add_security(Settings& out, const YAML::Node& node, bool peer) {
  if (node.IsNull()) return std::nullopt;
  if (!node.IsMap()) return std::string("transport security in config file must be a mapping");
  for (const auto& kv : node) {
    if (auto err = add(out, security_flag(kv.first.Scalar(), peer), kv.second)) return err;
  }
  return std::nullopt;
}

}  // namespace

ParseResult<Settings> yaml_settings(std::string_view text) {
  using R = ParseResult<Settings>;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return R::failure(std::string("invalid YAML: ") + e.what());
  }
  Settings out;
  if (!root.IsDefined() || root.IsNull()) return R::success(std::move(out));
  if (!root.IsMap()) return R::failure("config file must be a YAML mapping of flag names");
  for (const auto& kv : root) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
    std::optional<std::string> err;
    if (key == "client-transport-security" || key == "peer-transport-security") {
      err = add_security(out, kv.second, key[0] == 'p');
    } else {
      err = add(out, key, kv.second);
    }
    if (err) return R::failure(*err);
  }
  return R::success(std::move(out));
}

}  // namespace larch::config
