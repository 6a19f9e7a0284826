#include "config/usage.h"

#include "config/flag_table.h"

namespace larch::config {

std::string usage_text() {
  std::string out =
      "Usage:\n\n"
      "  larch [flags]\n"
      "    Start a Larch member (etcd v2 API compatible).\n"
      "  larch --version\n"
      "    Show the version of larch.\n"
      "  larch -h | --help\n"
      "    Show this help.\n\n"
      "Flags use etcd's names and Go flag syntax (-name v, --name=v). Every flag can also be\n"
      "set as ETCD_<NAME> in the environment (--initial-cluster -> ETCD_INITIAL_CLUSTER).\n"
      "--config-file takes a YAML file (then the only source) or an ETCD_*=value env file.\n\n";
  for (const auto& f : all_flags()) {
    out += "  --" + std::string(f.name);
    if (f.kind != FlagKind::kBool || f.default_text != "false") {
      out += " '" + std::string(f.default_text) + "'";
    }
    out += "\n      " + std::string(f.usage) + "\n";
  }
  return out;
}

}  // namespace larch::config
