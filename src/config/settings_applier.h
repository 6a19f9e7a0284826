#pragma once
// Parses gathered settings into a Config.
#include <optional>
#include <string>

#include "config/config.h"
#include "config/settings.h"

namespace larch::config {

// Parses each setting by its flag's kind and stores it into config. Returns the first error,
// worded like etcd for the setting's origin:
//   flag:  invalid value "x" for flag -snapshot-count: parse error
//          invalid boolean value "yes" for -enable-v2: parse error
//   env:   invalid value "x" for ETCD_SNAPSHOT_COUNT: parse error
//   yaml:  invalid value "x" for "snapshot-count" in config file: parse error
// A non-default value for an unsupported flag (--discovery, --proxy, ...) is also an error.
std::optional<std::string> apply_settings(const Settings& settings, Config& config);

}  // namespace larch::config
