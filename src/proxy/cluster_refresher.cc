#include "proxy/cluster_refresher.h"

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "util/durable_file.h"
#include "util/go_list.h"

namespace larch::proxy {

namespace json = boost::json;

namespace {

constexpr auto kDefaultRefresh = std::chrono::milliseconds(30000);

}  // namespace

ClusterRefresher::ClusterRefresher(std::vector<std::string> peer_urls, std::string proxy_dir,
                                   EndpointSet& endpoints, Fetch fetch, Log log)
    : peer_urls_(std::move(peer_urls)),
      proxy_dir_(std::move(proxy_dir)),
      endpoints_(endpoints),
      fetch_(std::move(fetch)),
      log_(std::move(log)) {}

bool ClusterRefresher::refresh_once() {
  std::optional<transport::FetchedCluster> cluster;
  for (const auto& text : peer_urls_) {
    auto url = config::parse_url(text, config::UrlRole::kAdvertise);
    if (!url.ok()) continue;
    std::string error;
    cluster = fetch_(*url.value, &error);
    if (cluster) break;
  }
  if (!cluster) {
    log_("proxy: could not retrieve cluster information from the given URLs");
    endpoints_.replace({});
    return false;
  }
  std::vector<std::string> client_urls, peer_urls;
  for (const auto& m : cluster->members) {
    client_urls.insert(client_urls.end(), m.client_urls.begin(), m.client_urls.end());
    peer_urls.insert(peer_urls.end(), m.peer_urls.begin(), m.peer_urls.end());
  }
  std::sort(client_urls.begin(), client_urls.end());
  std::sort(peer_urls.begin(), peer_urls.end());
  if (!peer_urls.empty()) store_peer_urls(peer_urls);  // never a cluster file that leads nowhere
  for (const auto& line : endpoints_.replace(client_urls)) log_("proxy/httpproxy: " + line);
  if (!announced_ && !client_urls.empty()) {
    announced_ = true;
    log_("proxy/httpproxy: endpoints found " + util::go_quoted_list(endpoints_.all()));
  }
  return true;
}

void ClusterRefresher::store_peer_urls(const std::vector<std::string>& urls) {
  json::array a;
  for (const auto& u : urls) a.emplace_back(u);
  std::string body = json::serialize(json::object{{"PeerURLs", a}});
  if (auto err = util::write_file_durably(proxy_dir_, proxy_dir_ + "/cluster", body);
      !err.empty()) {
    log_("proxy: error on writing urls " + err);
    return;
  }
  if (urls != peer_urls_) {
    log_("proxy: updated peer urls in cluster file from " + util::go_list(peer_urls_) + " to " +
         util::go_list(urls));
  }
  peer_urls_ = urls;
}

std::chrono::milliseconds ClusterRefresher::next_pause(std::chrono::milliseconds interval) const {
  if (interval >= kDefaultRefresh && endpoints_.all().empty()) return std::chrono::seconds(1);
  // Not more often than 10 times a second: etcd's 0 asks the members without a pause.
  return std::max(interval, std::chrono::milliseconds(100));
}

std::optional<std::vector<std::string>> ClusterRefresher::read_cluster_file(
    const std::string& proxy_dir, std::string* error) {
  std::ifstream in(proxy_dir + "/cluster");
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  boost::system::error_code ec;
  json::value v = json::parse(ss.str(), ec);
  const json::object* o = ec ? nullptr : v.if_object();
  const json::value* urls = o ? o->if_contains("PeerURLs") : nullptr;
  std::vector<std::string> out;
  if (urls && urls->is_array()) {
    for (const auto& u : urls->as_array()) {
      if (u.is_string()) out.emplace_back(u.as_string().c_str());
    }
  }
  if (!urls || (!urls->is_array() && !urls->is_null())) {
    if (error) *error = "cannot parse " + proxy_dir + "/cluster";
    return std::nullopt;
  }
  return out;
}

}  // namespace larch::proxy
