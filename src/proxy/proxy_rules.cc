#include "proxy/proxy_rules.h"

#include <strings.h>

#include <boost/json.hpp>

namespace larch::proxy {
namespace {

bool equals_nocase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

bool is_hop_by_hop(std::string_view name) {
  for (std::string_view h :
       {"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailers",
        "Transfer-Encoding", "Upgrade"}) {
    if (equals_nocase(name, h)) return true;
  }
  return false;
}

bool is_cors_header(std::string_view name) {
  for (std::string_view h : {"Access-Control-Allow-Origin", "Access-Control-Allow-Methods",
                             "Access-Control-Allow-Headers"}) {
    if (equals_nocase(name, h)) return true;
  }
  return false;
}

std::string forwarded_for(const std::vector<std::string_view>& prior, std::string_view client_ip) {
  std::string out;
  for (auto p : prior) out.append(p).append(", ");
  out.append(client_ip);
  return out;
}

std::string error_body(std::string_view what) {
  boost::json::object o{{"message", std::string("httpproxy: ").append(what)}};
  return boost::json::serialize(o);
}

std::string endpoints_body(const std::vector<std::string>& urls) {
  boost::json::array a;
  for (const auto& u : urls) a.emplace_back(u);
  return boost::json::serialize(boost::json::object{{"endpoints", a}}) + "\n";
}

std::string_view target_path(std::string_view target) {
  return target.substr(0, target.find('?'));
}

std::string_view target_query(std::string_view target) {
  size_t q = target.find('?');
  return q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

}  // namespace larch::proxy
