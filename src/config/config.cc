#include "config/config.h"

namespace larch::config {

std::string Config::initial_cluster_text() const {
  std::string out;
  for (const auto& m : initial_cluster) {
    if (!out.empty()) out += ',';
    out += m.name + "=" + m.peer_url.text;
  }
  return out;
}

}  // namespace larch::config
