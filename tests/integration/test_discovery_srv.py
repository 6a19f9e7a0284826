"""--discovery-srv (DNS SRV discovery, etcd's srv.GetCluster), Larch only: etcd asks the
system's resolver, which a test cannot point at its own DNS server (dns_server.py).

1. Three members that know only the domain find each other in the _etcd-server._tcp SRV
   records (targets are the members' peer addresses), bootstrap one cluster, and each
   publishes its own name over the numbered one DNS gave the others.
2. A member whose address is not among the records stops with etcd's message.

Every test starts its own processes (loopback, free ports) and stops exactly those.
"""

from __future__ import annotations

import pytest

import harness
from dns_server import DnsServer
from harness import Client, wait_for

pytestmark = [pytest.mark.larch_only]

DOMAIN = "larch.test"


class SrvMember(harness.Server):
    def argv(self) -> list[str]:
        return self.member_argv() + ["--discovery-srv", DOMAIN, "--heartbeat-interval", "50",
                                     "--election-timeout", "500"] + self.extra_args


def names_of(m: harness.Server) -> set:
    c = m.client()
    try:
        r = c.request("GET", "/v2/members")
        return {x["name"] for x in r.json()["members"]}
    finally:
        c.close()


@pytest.mark.timeout(90)
def test_three_members_bootstrap_from_srv_records(target, tmp_path_factory, monkeypatch):
    ms = [SrvMember(target, str(tmp_path_factory.mktemp(f"srv{i}")), name=f"s{i}")
          for i in range(3)]
    dns = DnsServer({f"_etcd-server._tcp.{DOMAIN}": [(m.peer_port, "127.0.0.1.") for m in ms]})
    monkeypatch.setenv("LARCH_DNS_SERVER", f"127.0.0.1:{dns.port}")
    try:
        for m in ms:
            m.spawn()
        for m in ms:
            m.wait_ready(30)
        for m in ms:
            wait_for(lambda: names_of(m) == {"s0", "s1", "s2"}, 15, what="published names")
        c = ms[0].client()
        r = c.request("PUT", "/v2/keys/srv/k", "value=v", {"Content-Type": Client.FORM})
        c.close()
        assert r.status == 201, r
        for m in ms[1:]:
            wait_for(lambda: m.client().request("GET", "/v2/keys/srv/k").status == 200, 10,
                     what="the write replicated")
        assert f"_etcd-server-ssl._tcp.{DOMAIN}" in dns.questions
        assert "got bootstrap from DNS for etcd-server at s0=http://127.0.0.1:" in ms[0].log_text()
    finally:
        for m in ms:
            m.stop()
        dns.close()


@pytest.mark.timeout(60)
def test_a_member_missing_from_the_records_stops(target, tmp_path_factory, monkeypatch):
    m = SrvMember(target, str(tmp_path_factory.mktemp("srv-missing")), name="lonely")
    dns = DnsServer({f"_etcd-server._tcp.{DOMAIN}": [(harness.free_port(), "127.0.0.1.")]})
    monkeypatch.setenv("LARCH_DNS_SERVER", f"127.0.0.1:{dns.port}")
    try:
        rc, lines = harness.startup_failure(m)
        assert rc == 1, lines
        assert any('cannot find local etcd member "lonely" in SRV records' in ln
                   for ln in lines), lines
    finally:
        dns.close()
