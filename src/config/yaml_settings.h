#pragma once
// etcd's YAML config file format (keys = flag names, URL lists as comma-separated strings,
// TLS settings nested under client-transport-security / peer-transport-security).
#include <string_view>

#include "config/parse_result.h"
#include "config/settings.h"

namespace larch::config {

// Converts a YAML document into settings with source kYaml. Unknown keys are ignored, as
// are null or empty values (= keep the default). A YAML sequence is joined with commas.
// Errors: malformed YAML, a non-mapping document, a mapping where a scalar is expected.
ParseResult<Settings> yaml_settings(std::string_view text);

}  // namespace larch::config
