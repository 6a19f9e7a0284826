#pragma once
// etcd's discovery bootstrap (--discovery, etcd 3.4's v2discovery): members that know only a
// discovery URL — a directory in some etcd v2 keys API, e.g.
// http://disco:2379/v2/keys/discovery/<token>, whose _config/size holds the cluster size —
// register there and wait until that many have, then bootstrap together with the list as
// their --initial-cluster (and the URL as their --initial-cluster-token).
//
// The protocol, as etcd's:
//   1. GET <url>/_config/size and GET <url>: the size, the registered members (one key per
//      member id, value "name=peerURL,..."), in the order they registered (createdIndex); the
//      cluster is full when this member is not among the first `size`.
//   2. PUT <url>/<member id>?prevExist=false with this member's "name=peerURL,..." (a key that
//      exists already: "discovery: found duplicate id").
//   3. Until `size` members are registered: watch <url> (recursive long poll) and look again.
//   4. The first `size` registrations are the initial cluster (each "name=peerURL,...").
// The service's errors end the attempt with etcd's text ("100: Key not found (/d/t/_config)
// [10]", "discovery: size key is bad", "discovery: cluster is full"); a service that cannot
// be reached is asked again after a growing pause (1 s doubling to 32 s), for ever, as etcd
// does. Runs on the starting thread, before anything listens.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "config/config.h"
#include "transport/http_exchange.h"

namespace larch::server {

class Discovery {
 public:
  // One HTTP exchange (transport::http_exchange, or a test's script).
  using Call = std::function<transport::HttpAnswer(const transport::HttpRequest&,
                                                   std::chrono::milliseconds timeout)>;
  using Sleep = std::function<void(std::chrono::milliseconds)>;
  using Log = std::function<void(const std::string&)>;

  struct Outcome {
    std::string error;  // non-empty: cannot bootstrap (etcd's words)
    // The first `size` registrations, in registration order (--initial-cluster's entries);
    // also with the "cluster is full" error, for a member that falls back to being a proxy.
    std::vector<config::InitialMember> initial_cluster;
    bool full = false;  // the error is "discovery: cluster is full"
  };

  // `self_entry`: this member's registration, "name=peerURL[,name=peerURL...]".
  Discovery(std::string url, uint64_t self_id, std::string self_entry, Call call, Sleep sleep,
            Log log);

  Outcome join();

  // A proxy's view (etcd's GetCluster): waits, without registering, until `size` members have
  // registered, then returns the first `size` (self_id and self_entry are unused).
  Outcome cluster();

 private:
  struct Registered {
    std::string id_hex, entry;
    uint64_t created = 0;
  };
  struct ClusterView {
    std::string error;
    uint64_t size = 0;
    std::vector<Registered> members;  // by createdIndex
    uint64_t index = 0;               // X-Etcd-Index of the listing
    bool full = false;
  };

  ClusterView check_cluster();
  // The first `size` registrations of `v` as --initial-cluster entries, into out.
  Outcome& take_registrations(const ClusterView& v, Outcome& out);
  std::string register_self();
  void wait_for_change(uint64_t index);
  // Logs how many registrations are still missing from `v`, then waits for a change.
  void wait_for_more(const ClusterView& v);
  // The answer to `req`, asking again after a pause while the service cannot be reached.
  transport::HttpAnswer call_until_answered(const transport::HttpRequest& req,
                                            std::chrono::milliseconds timeout);
  transport::HttpRequest request(const std::string& method, const std::string& target) const;

  std::string url_, self_hex_, self_entry_;
  bool tls_ = false;
  std::string host_, path_;
  uint16_t port_ = 0;
  Call call_;
  Sleep sleep_;
  Log log_;
};

}  // namespace larch::server
