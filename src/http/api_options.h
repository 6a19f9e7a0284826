#pragma once
// Settings of the client API that come from configuration.
#include <string>
#include <vector>

namespace larch::http {

struct ApiOptions {
  std::vector<std::string> cors{"*"};            // "*" or scheme://host:port origins
  std::vector<std::string> host_whitelist{"*"};  // Host names accepted on plain HTTP
  bool linearizable_reads = false;               // every GET behaves as quorum=true
  bool strict_reconfig_check = true;             // refuse member changes without a started quorum
  std::string server_version = "3.4.23";         // etcd API level reported by /version
  std::string cluster_version = "3.4.0";
};

}  // namespace larch::http
