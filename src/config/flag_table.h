#pragma once
// The table of every flag Larch accepts: etcd 3.4's flag set plus Larch-only flags.
// The table is immutable; any thread may read it.
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/flag_value.h"

namespace larch::config {

enum class FlagUse {
  kApplied,      // stored into Config
  kIgnored,      // accepted so an etcd command line works; value checked, then dropped
  kUnsupported,  // accepted only at its default value; anything else is a startup error
  kLoader,       // handled by the loader itself (--config-file, --version)
};

struct FlagSpec {
  std::string_view name;  // without dashes: "initial-cluster"
  FlagKind kind;
  std::string_view default_text;  // as shown in --help; for kUnsupported also the allowed value
  std::string_view usage;
  FlagUse use = FlagUse::kIgnored;
  void (*assign)(Config&, const FlagValue&) = nullptr;  // set iff use == kApplied
  std::string_view choices = {};                        // kChoice only: "new|existing"
};

// Every flag, in --help order.
const std::vector<FlagSpec>& all_flags();

// The flag called name (without dashes), or nullptr.
const FlagSpec* find_flag(std::string_view name);

// "initial-cluster-token" -> "ETCD_INITIAL_CLUSTER_TOKEN".
std::string env_var_name(std::string_view flag_name);

}  // namespace larch::config
