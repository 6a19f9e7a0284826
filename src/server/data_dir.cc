#include "server/data_dir.h"

#include <sys/stat.h>

#include <algorithm>
#include <boost/asio/ssl/context.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "config/config_validator.h"
#include "config/url.h"
#include "config/value_parsers.h"
#include "server/cluster_join.h"
#include "server/discovery.h"
#include "server/srv_discovery.h"
#include "transport/http_exchange.h"
#include "util/durable_file.h"
#include "util/join.h"
#include "util/log_line.h"
#include "util/member_id.h"

namespace larch::server {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

std::vector<std::string> url_texts(const std::vector<config::Url>& urls) {
  std::vector<std::string> out;
  for (const auto& u : urls) out.push_back(u.text);
  return out;
}

Identity identity_from_config(const config::Config& cfg) {
  std::map<std::string, std::vector<std::string>> peers_by_name;
  for (const auto& m : cfg.initial_cluster) peers_by_name[m.name].push_back(m.peer_url.text);
  Identity id;
  std::vector<uint64_t> ids;
  for (const auto& [name, urls] : peers_by_name) {
    http::MemberInfo m;
    m.id = util::member_id(urls, cfg.initial_cluster_token);
    m.name = name;
    m.peer_urls = urls;
    if (name == cfg.name) {
      m.client_urls = url_texts(cfg.advertise_client_urls);
      id.self = m;
    }
    ids.push_back(m.id);
    id.members.push_back(m);
  }
  id.cluster_id = util::cluster_id(ids);
  return id;
}

// --discovery-proxy as host and port (etcd: a URL; "host:port" alone means http://host:port).
// Empty host when not set; nullopt when it does not parse.
std::optional<std::pair<std::string, uint16_t>> discovery_proxy(const config::Config& cfg) {
  if (cfg.discovery_proxy.empty()) return std::pair<std::string, uint16_t>{};
  std::string text = cfg.discovery_proxy;
  if (text.find("://") == std::string::npos) text = "http://" + text;
  while (!text.empty() && text.back() == '/') text.pop_back();
  auto url = config::parse_url(text, config::UrlRole::kAdvertise);
  if (!url.ok() || url.value->tls()) return std::nullopt;
  return std::pair<std::string, uint16_t>{url.value->host, url.value->port};
}

// Runs `use` with a Discovery for cfg's --discovery URL, as this member (`self_id`, `entry`);
// an unusable --discovery-proxy gives an Outcome with an error instead.
template <typename Use>
Discovery::Outcome with_discovery(const config::Config& cfg, uint64_t self_id,
                                  const std::string& entry, Use use) {
  auto proxy = discovery_proxy(cfg);
  if (!proxy) {
    Discovery::Outcome bad;
    bad.error = "discovery: invalid proxy URL \"" + cfg.discovery_proxy + "\" (an http URL)";
    return bad;
  }
  // An https service is checked against the system's CA certificates.
  boost::asio::ssl::context tls(boost::asio::ssl::context::tls_client);
  tls.set_default_verify_paths();
  tls.set_verify_mode(boost::asio::ssl::verify_peer);
  bool https = cfg.discovery.rfind("https://", 0) == 0;
  Discovery discovery(
      cfg.discovery, self_id, entry,
      [&tls, https, proxy = *proxy](const transport::HttpRequest& r,
                                    std::chrono::milliseconds timeout) {
        transport::HttpRequest via = r;
        via.proxy_host = proxy.first;
        via.proxy_port = proxy.second;
        return transport::http_exchange(via, timeout, https ? &tls : nullptr);
      },
      [](std::chrono::milliseconds pause) { std::this_thread::sleep_for(pause); },
      [](const std::string& line) { util::log_line(line); });
  return use(discovery);
}

std::string discovery_failure(const config::Config& cfg, const std::string& error) {
  return "failed to join discovery cluster (" + error + "); discovery token " + cfg.discovery +
         " was used, but failed to bootstrap the cluster";
}

// --discovery (server/discovery.h): cfg's initial cluster becomes the discovered one, its
// cluster token the discovery URL (as in etcd, so the member ids derive from it). Empty, or
// etcd's error line; when the cluster was full, *full_peers gets its members' peer URLs.
std::string discover_cluster(config::Config& cfg, std::vector<std::string>* full_peers) {
  std::vector<std::string> self_peer_urls = url_texts(cfg.initial_advertise_peer_urls);
  std::vector<std::string> pairs;
  for (const auto& u : self_peer_urls) pairs.push_back(cfg.name + "=" + u);
  std::sort(pairs.begin(), pairs.end());
  std::string entry = util::join(pairs, ",");
  uint64_t self_id = util::member_id(self_peer_urls, cfg.discovery);
  Discovery::Outcome found =
      with_discovery(cfg, self_id, entry, [](Discovery& d) { return d.join(); });
  if (found.full) {
    for (const auto& m : found.initial_cluster) full_peers->push_back(m.peer_url.text);
  }
  if (!found.error.empty()) return discovery_failure(cfg, found.error);
  cfg.initial_cluster = std::move(found.initial_cluster);
  cfg.initial_cluster_token = cfg.discovery;
  if (auto err = config::validate_initial_cluster(cfg)) return *err;
  return {};
}

json::array to_json_array(const std::vector<std::string>& xs) {
  json::array a;
  for (const auto& x : xs) a.emplace_back(x);
  return a;
}

std::string identity_json(const Identity& id) {
  json::array members;
  for (const auto& m : id.members) {
    members.push_back(json::object{
        {"id", util::id_hex(m.id)}, {"name", m.name}, {"peerURLs", to_json_array(m.peer_urls)}});
  }
  json::object o{{"format", "larch-identity-1"},
                 {"cluster_id", util::id_hex(id.cluster_id)},
                 {"member_id", util::id_hex(id.self.id)},
                 {"members", members}};
  if (id.conf_index != 0) o["conf_index"] = id.conf_index;
  return json::serialize(o) + "\n";
}

std::vector<std::string> strings_of(const json::value& v) {
  std::vector<std::string> out;
  for (const auto& x : v.as_array()) out.emplace_back(x.as_string().c_str());
  return out;
}

// Parses the identity file; empty error on success.
std::string parse_identity(const std::string& text, Identity& id) {
  try {
    json::value v = json::parse(text);
    const json::object& o = v.as_object();
    if (o.at("format").as_string() != "larch-identity-1") return "unknown identity format";
    id.cluster_id = *util::parse_id_hex(std::string(o.at("cluster_id").as_string().c_str()));
    uint64_t self = *util::parse_id_hex(std::string(o.at("member_id").as_string().c_str()));
    for (const auto& mv : o.at("members").as_array()) {
      const auto& mo = mv.as_object();
      http::MemberInfo m;
      m.id = *util::parse_id_hex(std::string(mo.at("id").as_string().c_str()));
      m.name = mo.at("name").as_string().c_str();
      m.peer_urls = strings_of(mo.at("peerURLs"));
      id.members.push_back(m);
      if (m.id == self) id.self = m;
    }
    if (id.self.id == 0) return "member id not among members";
    if (auto* ci = o.if_contains("conf_index")) id.conf_index = ci->to_number<uint64_t>();
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

constexpr const char* kFixturesDir = "fixtures";

bool is_larch_file(const std::string& name) {
  return name == "identity" || name == "snap" || name.rfind("raft.db", 0) == 0 ||
         name.rfind("keys.db", 0) == 0;
}

// Creates `path` (0700) if missing; empty on success.
std::string make_dir(const std::string& what, const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return "cannot create " + what + " " + path + ": " + ec.message();
  ::chmod(path.c_str(), 0700);
  return {};
}

// Creates the snapshot images' directory, or empties it; empty on success.
std::string reset_snap_dir(const std::string& path) {
  if (auto err = make_dir("snapshot dir", path); !err.empty()) return err;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(path, ec)) {
    std::error_code rec;
    fs::remove_all(e.path(), rec);
    if (rec) return "cannot remove " + e.path().string() + ": " + rec.message();
  }
  return ec ? "cannot list " + path + ": " + ec.message() : std::string();
}

// A separate --wal-dir holds raft.db and its WAL only; a raft.db there without an identity
// record in the data dir is a damaged (or another member's) layout. Empty when acceptable.
std::string check_wal_dir(const DataDir& dir, bool has_identity) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir.wal_path, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind("raft.db", 0) != 0) {
      return "wal dir " + dir.wal_path + " holds '" + name +
             "', which is not Larch data (an etcd wal dir?); refusing to start";
    }
    if (!has_identity) {
      return "wal dir " + dir.wal_path + " holds a raft log but data dir " + dir.path +
             " has no identity record; it is damaged, refusing to start";
    }
  }
  return {};
}

}  // namespace

std::string discover_peer_urls(const config::Config& cfg, std::vector<std::string>& peers) {
  Discovery::Outcome found =
      with_discovery(cfg, 0, std::string(), [](Discovery& d) { return d.cluster(); });
  if (!found.error.empty()) return discovery_failure(cfg, found.error);
  peers.clear();
  for (const auto& m : found.initial_cluster) peers.push_back(m.peer_url.text);
  std::sort(peers.begin(), peers.end());
  return {};
}

std::string srv_initial_cluster(config::Config& cfg, bool member) {
  SrvCluster found = srv_cluster(cfg, system_srv_lookup(), member);
  for (const auto& line : found.log) util::log_line(line);
  if (!found.error.empty()) return "error setting up initial cluster: " + found.error;
  auto parsed = config::parse_initial_cluster(util::join(found.entries, ","));
  if (!parsed.ok()) return "error setting up initial cluster: " + parsed.error;
  cfg.initial_cluster = std::move(*parsed.value);
  return {};
}

DataDirClass classify_data_dir(const DataDir& dir) {
  DataDirClass out;
  std::error_code ec;
  bool member = false, proxy = false;
  for (const auto& e : fs::directory_iterator(dir.path, ec)) {
    std::string name = e.path().filename().string();
    if (name == "proxy" && e.is_directory()) proxy = true;
    if (is_larch_file(name)) member = true;
  }
  if (member && proxy) {
    out.error = "invalid datadir. Both member and proxy directories exist.";
  } else if (member || proxy) {
    out.kind = member ? DataDirKind::kMember : DataDirKind::kProxy;
  }
  return out;
}

OpenedDataDir open_data_dir(const DataDir& dir, const config::Config& cfg,
                            boost::asio::ssl::context* peer_tls) {
  OpenedDataDir out;
  out.error = make_dir("data dir", dir.path);
  if (out.error.empty() && !dir.wal_path.empty()) out.error = make_dir("wal dir", dir.wal_path);
  if (!out.error.empty()) return out;
  std::error_code ec;
  bool has_identity = fs::exists(dir.identity_file());
  if (!dir.wal_path.empty() && fs::path(dir.wal_path) != fs::path(dir.path)) {
    if (out.error = check_wal_dir(dir, has_identity); !out.error.empty()) return out;
  }
  for (const auto& e : fs::directory_iterator(dir.path, ec)) {
    std::string name = e.path().filename().string();
    // Auto TLS's certificates (make_tls_setup writes them before the data dir is opened, and
    // they outlive a start without --auto-tls): neither foreign nor Larch data.
    if (name == kFixturesDir && e.is_directory()) continue;
    if (!is_larch_file(name)) {
      out.error = "data dir " + dir.path + " holds '" + name +
                  "', which is not Larch data (an etcd data dir?); refusing to start";
      return out;
    }
    if (!has_identity && name != "identity.tmp") {
      out.error = "data dir " + dir.path +
                  " has Larch files but no identity record; it is "
                  "damaged, refusing to start";
      return out;
    }
  }
  if (has_identity) {
    std::ifstream in(dir.identity_file());
    std::stringstream ss;
    ss << in.rdbuf();
    if (auto err = parse_identity(ss.str(), out.identity); !err.empty()) {
      out.error = "corrupt identity record " + dir.identity_file() + ": " + err;
      return out;
    }
    if (!fs::exists(dir.keys_db())) {
      out.error = "data dir " + dir.path + " is missing keys.db; refusing to start";
      return out;
    }
    if (!fs::exists(dir.raft_db())) {
      out.error = (dir.wal_path.empty() ? "data dir " : "wal dir ") + dir.log_dir() +
                  " is missing raft.db" +
                  (dir.wal_path.empty() ? " (was it started with --wal-dir?)" : "") +
                  "; refusing to start";
      return out;
    }
  } else {
    if (cfg.joining_existing()) {
      JoinResult joined = join_cluster(cfg, peer_tls);
      if (!joined.error.empty()) {
        out.error = joined.error;
        return out;
      }
      out.identity = std::move(joined.identity);
    } else if (!cfg.discovery.empty()) {
      config::Config discovered = cfg;
      out.error = discover_cluster(discovered, &out.full_cluster_peer_urls);
      if (!out.error.empty()) return out;
      out.identity = identity_from_config(discovered);
    } else if (!cfg.discovery_srv.empty()) {
      config::Config discovered = cfg;
      if (out.error = srv_initial_cluster(discovered, true); !out.error.empty()) return out;
      out.identity = identity_from_config(discovered);
    } else {
      out.identity = identity_from_config(cfg);
    }
    out.fresh = true;
    if (auto err =
            util::write_file_durably(dir.path, dir.identity_file(), identity_json(out.identity));
        !err.empty()) {
      out.error = err;
      return out;
    }
  }
  if (out.error = reset_snap_dir(dir.snap_dir()); !out.error.empty()) return out;
  out.identity.self.name = cfg.name;
  out.identity.self.client_urls = url_texts(cfg.advertise_client_urls);
  for (auto& m : out.identity.members) {
    if (m.id == out.identity.self.id) m = out.identity.self;
  }
  return out;
}

}  // namespace larch::server
