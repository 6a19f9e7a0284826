#include "http/admin_handler.h"

#include <algorithm>

#include "http/members_handler.h"
#include "http/metrics_text.h"
#include "util/go_json.h"
#include "util/member_id.h"

namespace larch::http {

namespace {

Response json_response(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// Appends one numeric JSON member, `<open>"name":value`; open is '{' for the first member
// of an object and ',' for the others.
void append_member(std::string& out, char open, std::string_view name, uint64_t v) {
  out += open;
  util::append_json_string(out, name);
  out += ':';
  util::append_uint(out, v);
}

void append_member(std::string& out, char open, std::string_view name, double v) {
  out += open;
  util::append_json_string(out, name);
  out += ':';
  util::append_go_float(out, v);
}

}  // namespace

Response AdminHandler::handle(const Request& req, const Dispatch& d) const {
  switch (d.route.endpoint) {
    case Endpoint::kVersion:
      return version();
    case Endpoint::kHealth:
      return health();
    case Endpoint::kMachines:
      return machines(req.method == "HEAD");
    case Endpoint::kMembers:
      return members_.handle(d.route.sub);
    case Endpoint::kStatsSelf:
      return stats_self();
    case Endpoint::kStatsLeader:
      return stats_leader();
    case Endpoint::kStatsStore:
      return stats_store();
    case Endpoint::kMetrics:
      return metrics();
    case Endpoint::kDebugVars: {
      Response r = json_response(200, "{}\n");
      r.content_type = "application/json; charset=utf-8";
      return r;
    }
    case Endpoint::kConfigLocalLog: {
      Response r;
      r.status = 204;
      r.content_type = {};
      return r;
    }
    default:
      return not_found_page();
  }
}

Response AdminHandler::version() const {
  std::string body = "{\"etcdserver\":";
  util::append_json_string(body, options_.server_version);
  body += ",\"etcdcluster\":";
  util::append_json_string(body, options_.cluster_version);
  body += '}';
  return json_response(200, std::move(body));
}

Response AdminHandler::health() const {
  Response r;
  r.content_type = "text/plain; charset=utf-8";
  if (service_.raft_status().has_leader) {
    r.body = "{\"health\":\"true\"}";
  } else {
    r.status = 503;
    r.body = "{\"health\":\"false\"}\n";
  }
  return r;
}

Response AdminHandler::machines(bool head) const {
  std::vector<std::string> urls;
  for (const auto& m : service_.members()) {
    urls.insert(urls.end(), m.client_urls.begin(), m.client_urls.end());
  }
  std::sort(urls.begin(), urls.end());
  std::string body;
  for (size_t i = 0; i < urls.size(); ++i) {
    if (i) body += ", ";
    body += urls[i];
  }
  Response r;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  r.head = head;
  return r;
}

Response AdminHandler::stats_self() const {
  MemberInfo self = service_.self();
  RaftStatus rs = service_.raft_status();
  uint64_t lead = service_.leader_id();
  std::string body = "{\"name\":";
  util::append_json_string(body, self.name);
  body += ",\"id\":";
  util::append_json_string(body, util::id_hex(self.id));
  body += ",\"state\":";
  body += rs.is_leader ? "\"StateLeader\"" : "\"StateFollower\"";
  body += ",\"startTime\":";
  util::append_json_string(body, util::format_rfc3339_nano(service_.start_time_ns()));
  body += ",\"leaderInfo\":{\"leader\":";
  util::append_json_string(body, lead ? util::id_hex(lead) : "");
  body += ",\"uptime\":";
  int64_t since = service_.leader_since_ns();
  util::append_json_string(body, util::format_go_duration(lead ? service_.now_ns() - since : 0));
  body += ",\"startTime\":";
  util::append_json_string(body, util::format_rfc3339_nano(since));
  body += '}';
  PeerTraffic t = service_.peer_traffic();
  auto rate = [&body](std::string_view name, double v) {
    if (v != 0) append_member(body, ',', name, v);  // etcd omits zero rates
  };
  append_member(body, ',', "recvAppendRequestCnt", t.recv_append_count);
  rate("recvPkgRate", t.recv_pkg_rate);
  rate("recvBandwidthRate", t.recv_bandwidth_rate);
  append_member(body, ',', "sendAppendRequestCnt", t.send_append_count);
  rate("sendPkgRate", t.send_pkg_rate);
  rate("sendBandwidthRate", t.send_bandwidth_rate);
  body += '}';
  return json_response(200, std::move(body));
}

Response AdminHandler::stats_leader() const {
  if (!service_.raft_status().is_leader) return json_message(403, "not current leader");
  std::string body = "{\"leader\":";
  util::append_json_string(body, util::id_hex(service_.self().id));
  body += ",\"followers\":{";
  bool first = true;
  for (const FollowerStats& f : service_.follower_stats()) {
    if (!first) body += ',';
    first = false;
    util::append_json_string(body, util::id_hex(f.id));
    body += ":{\"latency\":";
    append_member(body, '{', "current", f.current_ms);
    append_member(body, ',', "average", f.average_ms);
    append_member(body, ',', "standardDeviation", f.stddev_ms);
    append_member(body, ',', "minimum", f.min_ms);
    append_member(body, ',', "maximum", f.max_ms);
    body += "},\"counts\":";
    append_member(body, '{', "fail", f.fail);
    append_member(body, ',', "success", f.success);
    body += "}}";
  }
  body += "}}";
  return json_response(200, std::move(body));
}

Response AdminHandler::stats_store() const {
  StoreCounters c = service_.counters();
  std::string b;
  auto field = [&b](std::string_view name, uint64_t v) {
    append_member(b, b.empty() ? '{' : ',', name, v);
  };
  field("getsSuccess", c.gets_success);
  field("getsFail", c.gets_fail);
  field("setsSuccess", c.sets_success);
  field("setsFail", c.sets_fail);
  field("deleteSuccess", c.delete_success);
  field("deleteFail", c.delete_fail);
  field("updateSuccess", c.update_success);
  field("updateFail", c.update_fail);
  field("createSuccess", c.create_success);
  field("createFail", c.create_fail);
  field("compareAndSwapSuccess", c.cas_success);
  field("compareAndSwapFail", c.cas_fail);
  field("compareAndDeleteSuccess", c.cad_success);
  field("compareAndDeleteFail", c.cad_fail);
  field("expireCount", c.expire_count);
  field("watchers", service_.watcher_count());
  b += '}';
  return json_response(200, std::move(b));
}

Response AdminHandler::metrics() const {
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = render_metrics(service_, options_);
  return r;
}

}  // namespace larch::http
