#include "proxy/cluster_refresher.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <map>

#include "../temp_dir.h"

using larch::proxy::ClusterRefresher;
using larch::proxy::EndpointSet;
using larch::testing::TempDir;
using larch::transport::FetchedCluster;
using larch::transport::FetchedMember;

namespace {

// A scripted cluster: the peer URLs that answer, and the member list they give.
struct FakeCluster {
  std::map<std::string, bool> up;  // peer URL -> answers
  std::vector<FetchedMember> members;
  std::vector<std::string> asked;

  ClusterRefresher::Fetch fetch() {
    return [this](const larch::config::Url& peer, std::string* error) {
      asked.push_back(peer.text);
      if (!up[peer.text]) {
        *error = "connection refused";
        return std::optional<FetchedCluster>();
      }
      FetchedCluster c;
      c.cluster_id = 1;
      c.members = members;
      return std::optional<FetchedCluster>(c);
    };
  }
};

FetchedMember member(uint64_t id, std::string peer, std::string client) {
  FetchedMember m;
  m.id = id;
  m.name = "m" + std::to_string(id);
  m.peer_urls = {std::move(peer)};
  m.client_urls = {std::move(client)};
  return m;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("ClusterRefresher learns the members' client URLs and stores the peer URLs", "[proxy]") {
  TempDir dir;
  EndpointSet endpoints(std::chrono::milliseconds(5000), 1);
  FakeCluster cluster;
  cluster.up = {{"http://127.0.0.1:2", true}};
  cluster.members = {member(1, "http://127.0.0.1:2", "http://127.0.0.1:1"),
                     member(2, "http://127.0.0.1:4", "http://127.0.0.1:3")};
  std::vector<std::string> log;
  ClusterRefresher r({"http://127.0.0.1:9", "http://127.0.0.1:2"}, dir.path().string(), endpoints,
                     cluster.fetch(), [&log](const std::string& l) { log.push_back(l); });
  REQUIRE(r.refresh_once());
  // The first peer did not answer; the second did.
  CHECK(cluster.asked == std::vector<std::string>{"http://127.0.0.1:9", "http://127.0.0.1:2"});
  auto all = endpoints.all();
  std::sort(all.begin(), all.end());
  CHECK(all == std::vector<std::string>{"http://127.0.0.1:1", "http://127.0.0.1:3"});
  CHECK(slurp(dir.path().string() + "/cluster") ==
        R"({"PeerURLs":["http://127.0.0.1:2","http://127.0.0.1:4"]})");
  CHECK(r.peer_urls() == std::vector<std::string>{"http://127.0.0.1:2", "http://127.0.0.1:4"});
  REQUIRE(log.size() == 2);
  CHECK(log[0].find("proxy: updated peer urls in cluster file from [http://127.0.0.1:9 "
                    "http://127.0.0.1:2] to [http://127.0.0.1:2 http://127.0.0.1:4]") == 0);
  CHECK(log[1].find("proxy/httpproxy: endpoints found [\"") == 0);
  std::string error;
  auto stored = ClusterRefresher::read_cluster_file(dir.path().string(), &error);
  REQUIRE(stored);
  CHECK(*stored == std::vector<std::string>{"http://127.0.0.1:2", "http://127.0.0.1:4"});
  CHECK(error.empty());

  // A refresh that reaches no member leaves no endpoint (etcd's behaviour), and the next
  // refresh comes after 1 s instead of the default interval; the peer URLs are kept.
  cluster.up.clear();
  CHECK_FALSE(r.refresh_once());
  CHECK(endpoints.all().empty());
  CHECK(log.back() == "proxy: could not retrieve cluster information from the given URLs");
  CHECK(r.next_pause(std::chrono::milliseconds(30000)) == std::chrono::seconds(1));
  CHECK(r.next_pause(std::chrono::milliseconds(500)) == std::chrono::milliseconds(500));
  CHECK(r.next_pause(std::chrono::milliseconds(0)) == std::chrono::milliseconds(100));
  CHECK(r.peer_urls().size() == 2);
  cluster.up = {{"http://127.0.0.1:4", true}};
  CHECK(r.refresh_once());
  CHECK(endpoints.all().size() == 2);
  CHECK(r.next_pause(std::chrono::milliseconds(30000)) == std::chrono::milliseconds(30000));

  // An answer without members leaves no endpoint, but keeps the peer URLs and the file.
  cluster.members.clear();
  CHECK(r.refresh_once());
  CHECK(endpoints.all().empty());
  CHECK(r.peer_urls() == std::vector<std::string>{"http://127.0.0.1:2", "http://127.0.0.1:4"});
  CHECK(slurp(dir.path().string() + "/cluster") ==
        R"({"PeerURLs":["http://127.0.0.1:2","http://127.0.0.1:4"]})");
}

TEST_CASE("ClusterRefresher::read_cluster_file", "[proxy]") {
  TempDir dir;
  std::string error;
  CHECK_FALSE(ClusterRefresher::read_cluster_file(dir.path().string(), &error));
  CHECK(error.empty());
  std::ofstream(dir.path().string() + "/cluster") << "not json";
  CHECK_FALSE(ClusterRefresher::read_cluster_file(dir.path().string(), &error));
  CHECK(error == "cannot parse " + dir.path().string() + "/cluster");
}
