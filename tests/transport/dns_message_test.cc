#include "transport/dns_message.h"

#include <catch2/catch.hpp>

#include "../temp_dir.h"
#include "transport/dns_resolver.h"

using namespace larch::transport;

namespace {

void put16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

std::string labels(const std::string& dotted) {
  std::string out;
  size_t start = 0;
  while (start < dotted.size()) {
    size_t dot = dotted.find('.', start);
    if (dot == std::string::npos) dot = dotted.size();
    out.push_back(static_cast<char>(dot - start));
    out += dotted.substr(start, dot - start);
    start = dot + 1;
  }
  return out + std::string(1, '\0');
}

// A reply to `query` (its question echoed at offset 12) with the given answer records; each
// answer's name is a compression pointer to the question's name.
std::string reply(const std::string& query, uint16_t flags, const std::vector<std::string>& rrs) {
  std::string out = query.substr(0, 2);
  put16(out, flags);
  put16(out, 1);
  put16(out, static_cast<uint16_t>(rrs.size()));
  put16(out, 0);
  put16(out, 0);
  out += query.substr(12);
  for (const auto& rr : rrs) out += rr;
  return out;
}

std::string rr(uint16_t type, const std::string& rdata) {
  std::string out = "\xc0\x0c";  // the question's name
  put16(out, type);
  put16(out, 1);
  put16(out, 0);
  put16(out, 60);  // ttl
  put16(out, static_cast<uint16_t>(rdata.size()));
  return out + rdata;
}

std::string srv_rdata(uint16_t prio, uint16_t weight, uint16_t port, const std::string& target) {
  std::string out;
  put16(out, prio);
  put16(out, weight);
  put16(out, port);
  return out + labels(target);
}

}  // namespace

TEST_CASE("dns: a query's bytes") {
  auto q = dns_query(0x1234, "_etcd-server._tcp.example.com.", kDnsTypeSrv);
  REQUIRE(q);
  std::string want = std::string("\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12) +
                     labels("_etcd-server._tcp.example.com") + std::string("\x00\x21\x00\x01", 4);
  CHECK(*q == want);
  CHECK_FALSE(dns_query(1, "a..b", kDnsTypeA));
  std::string long_label(64, 'x');  // appended, not `+`: see src/store/node_table.cc
  long_label += ".com";
  CHECK_FALSE(dns_query(1, long_label, kDnsTypeA));
}

TEST_CASE("dns: SRV and A answers, with compressed names; errors") {
  std::string q = *dns_query(7, "_etcd-server._tcp.example.com", kDnsTypeSrv);
  std::string r = reply(q, 0x8180,
                        {rr(kDnsTypeSrv, srv_rdata(0, 0, 2380, "m0.example.com")),
                         rr(kDnsTypeSrv, srv_rdata(1, 5, 2381, "127.0.0.1")),
                         rr(kDnsTypeA, std::string("\x0a\x00\x00\x07", 4)),
                         rr(16, "\x03txt")});  // another type: skipped
  std::string error;
  auto parsed = parse_dns_reply(r, 7, &error);
  REQUIRE(parsed);
  CHECK(parsed->rcode == 0);
  CHECK(parsed->srv ==
        std::vector<SrvRecord>{{0, 0, 2380, "m0.example.com."}, {1, 5, 2381, "127.0.0.1."}});
  CHECK(parsed->ipv4 == std::vector<std::string>{"10.0.0.7"});
  CHECK_FALSE(parse_dns_reply(r, 8, &error));  // another query's id
  CHECK(error == "not the reply to this query");
  CHECK_FALSE(parse_dns_reply(r.substr(0, r.size() - 3), 7, &error));
  CHECK(error == "malformed DNS reply");
  CHECK_FALSE(parse_dns_reply(reply(q, 0x8380, {}), 7, &error));  // TC set
  CHECK(error == "truncated DNS reply");
  std::string loop = reply(q, 0x8180, {});
  loop[7] = 1;                                                      // one answer...
  loop += std::string("\xc0", 1) + static_cast<char>(loop.size());  // ...named by itself
  CHECK_FALSE(parse_dns_reply(loop, 7, &error));
  auto nx = parse_dns_reply(reply(q, 0x8183, {}), 7, &error);
  REQUIRE(nx);
  CHECK(nx->rcode == 3);
}

TEST_CASE("dns resolver: lookups through an exchange, and the server it asks") {
  std::vector<std::string> asked;
  DnsResolver resolver(
      [&asked](const std::string& query) -> std::optional<std::string> {
        asked.push_back(query);
        if (query.find(labels("gone.example")) != std::string::npos) {
          return reply(query, 0x8183, {});
        }
        if (query.find(labels("quiet.example")) != std::string::npos) return std::nullopt;
        return reply(query, 0x8180,
                     {rr(kDnsTypeSrv, srv_rdata(0, 0, 2380, "m0.example")),
                      rr(kDnsTypeA, std::string("\x7f\x00\x00\x01", 4))});
      },
      "10.0.0.53:53");
  std::string error;
  CHECK(resolver.srv("_x._tcp.example", &error) ==
        std::vector<SrvRecord>{{0, 0, 2380, "m0.example."}});
  CHECK(resolver.ipv4("m0.example", &error) == std::vector<std::string>{"127.0.0.1"});
  CHECK(resolver.srv("gone.example", &error).empty());
  CHECK(error == "lookup gone.example on 10.0.0.53:53: no such host");
  CHECK(resolver.ipv4("quiet.example", &error).empty());
  CHECK(error == "lookup quiet.example on 10.0.0.53:53: i/o timeout");
  CHECK(asked.size() == 4);
  CHECK(asked[0].substr(0, 2) != asked[1].substr(0, 2));  // a new id per query

  larch::testing::TempDir t;
  std::string conf = t.write("resolv.conf", "# x\nsearch example\nnameserver 10.1.2.3\n");
  CHECK(DnsResolver::system_server("", conf) == std::pair<std::string, uint16_t>{"10.1.2.3", 53});
  CHECK(DnsResolver::system_server("127.0.0.1:5353", conf) ==
        std::pair<std::string, uint16_t>{"127.0.0.1", 5353});
  CHECK(DnsResolver::system_server("[::1]:5353", conf) ==
        std::pair<std::string, uint16_t>{"::1", 5353});
  CHECK(DnsResolver::system_server("", conf + ".missing").first == "127.0.0.1");
}

TEST_CASE("dns resolver: parse_server reads LARCH_DNS_SERVER's forms") {
  using P = std::pair<std::string, uint16_t>;
  CHECK(DnsResolver::parse_server("10.0.0.53") == P{"10.0.0.53", 53});
  CHECK(DnsResolver::parse_server("10.0.0.53:5300") == P{"10.0.0.53", 5300});
  CHECK(DnsResolver::parse_server("[::1]:5353") == P{"::1", 5353});
  CHECK(DnsResolver::parse_server("[fe80::1]") == P{"fe80::1", 53});
  CHECK(DnsResolver::parse_server("::1") == P{"::1", 53});  // unbracketed: all host
  CHECK(DnsResolver::parse_server("2001:db8::53") == P{"2001:db8::53", 53});
  CHECK(DnsResolver::parse_server("10.0.0.53:0") == P{"10.0.0.53", 53});
  CHECK(DnsResolver::parse_server("10.0.0.53:70000") == P{"10.0.0.53", 53});
}
