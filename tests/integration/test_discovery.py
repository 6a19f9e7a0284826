"""--discovery (etcd's v2 discovery protocol), run against every target (etcd is the oracle).

The discovery service is a single member of the same target: a directory
/v2/keys/_disco/<token> whose _config/size says how many members to wait for.

1. Three members started with only the discovery URL register there, wait for each other
   and bootstrap one cluster: the same three members (ids as registered) everywhere, one
   leader, a write through one member read from the others.
2. The service's answers that stop a start, with exit status 1: the cluster is already full
   (with --discovery-fallback=exit), a token without a size key.
3. With the default --discovery-fallback=proxy, a member that finds the cluster full becomes
   a v2 proxy to it instead (test_proxy.py covers the proxy itself).
4. With --discovery-proxy, every exchange with the discovery service goes through that HTTP
   proxy (forward_proxy.py), and the members bootstrap as without it; an https service is
   reached through a CONNECT tunnel (the members trust the test CA via SSL_CERT_FILE).
5. --discovery together with --initial-cluster is refused, as etcd refuses it.

Every test starts its own processes (loopback, free ports) and stops exactly those.
"""

from __future__ import annotations

import itertools
import os

import pytest

import harness
from forward_proxy import ForwardProxy
from harness import Client, wait_for
from tls_helpers import certs, tls_server  # noqa: F401 (fixture)

_tokens = itertools.count()


class DiscoveryMember(harness.Server):
    """A member that knows only the discovery URL (no --initial-cluster)."""

    def __init__(self, kind: str, workdir: str, name: str, url: str, extra=()):
        super().__init__(kind, workdir, extra, name=name)
        self.url = url

    def argv(self) -> list[str]:
        return self.member_argv() + ["--discovery", self.url, "--heartbeat-interval", "50",
                                     "--election-timeout", "500"] + self.extra_args


@pytest.fixture
def service(target, tmp_path_factory):
    """A single member of the target serving the discovery directories."""
    s = harness.Server(target, str(tmp_path_factory.mktemp(f"{target}-disco")))
    s.start()
    yield s
    s.stop()


def new_token(service: harness.Server, size: int | None) -> str:
    """A fresh discovery URL on ``service`` (with ``size`` in _config/size unless None)."""
    token = f"t{os.getpid()}-{next(_tokens)}"
    c = service.client()
    try:
        path = f"/v2/keys/_disco/{token}"
        if size is None:
            r = c.request("PUT", path + "/other", "value=1", {"Content-Type": Client.FORM})
        else:
            r = c.request("PUT", path + "/_config/size", f"value={size}",
                          {"Content-Type": Client.FORM})
        assert r.status == 201, r
    finally:
        c.close()
    return f"{service.client_url}/v2/keys/_disco/{token}"


def registered(service: harness.Server, url: str) -> dict:
    """member id -> registered value under the discovery URL."""
    c = service.client()
    try:
        r = c.request("GET", url[len(service.client_url):])
        assert r.status == 200, r
        nodes = r.json()["node"].get("nodes", [])
        return {n["key"].rsplit("/", 1)[1]: n["value"] for n in nodes if not n.get("dir")}
    finally:
        c.close()


def status_of(m: harness.Server, path: str) -> int:
    c = m.client()
    try:
        return c.request("GET", path).status
    finally:
        c.close()


def members_of(m: harness.Server) -> dict:
    c = m.client()
    try:
        r = c.request("GET", "/v2/members")
        assert r.status == 200, r
        return {x["id"]: x for x in r.json()["members"]}
    finally:
        c.close()


def start_together(ms: list, service: harness.Server, url: str) -> dict:
    """Starts the members at once, waits until each serves, checks that each registered its
    name=peerURL under ``url``; returns the registrations."""
    for m in ms:
        m.spawn()
    for m in ms:
        m.wait_ready(30)
    regs = registered(service, url)
    assert sorted(regs.values()) == sorted(f"{m.name}={m.peer_url}" for m in ms)
    return regs


@pytest.mark.timeout(120)
def test_three_members_bootstrap_through_discovery(target, service, tmp_path_factory):
    url = new_token(service, 3)
    ms = [DiscoveryMember(target, str(tmp_path_factory.mktemp(f"{target}-d{i}")), f"d{i}", url)
          for i in range(3)]
    try:
        regs = start_together(ms, service, url)
        for m in ms:
            listed = wait_for(lambda: (lambda x: x if all(v["name"] for v in x.values())
                                       else None)(members_of(m)), 15, what="member names")
            assert set(listed) == set(regs)
            assert {v["name"] for v in listed.values()} == {"d0", "d1", "d2"}
        c = ms[1].client()
        r = c.request("PUT", "/v2/keys/disco/k", "value=v", {"Content-Type": Client.FORM})
        c.close()
        assert r.status == 201, r
        for m in (ms[0], ms[2]):
            wait_for(lambda: status_of(m, "/v2/keys/disco/k") == 200, 10,
                     what=f"{m.name} has the write")
    finally:
        for m in ms:
            m.stop()


@pytest.mark.timeout(60)
def test_a_full_cluster_and_a_missing_size_stop_the_start(target, service, tmp_path_factory):
    url = new_token(service, 1)
    first = DiscoveryMember(target, str(tmp_path_factory.mktemp(f"{target}-f0")), "f0", url)
    try:
        first.start(30)
        late = DiscoveryMember(target, str(tmp_path_factory.mktemp(f"{target}-f1")), "f1", url,
                               ["--discovery-fallback=exit"])
        rc, lines = harness.startup_failure(late)
        assert rc == 1, lines
        assert any("discovery: cluster is full" in ln for ln in lines), lines
        assert len(registered(service, url)) == 1   # the late one did not register
    finally:
        first.stop()
    bad = new_token(service, None)
    m = DiscoveryMember(target, str(tmp_path_factory.mktemp(f"{target}-f2")), "f2", bad)
    rc, lines = harness.startup_failure(m)
    assert rc == 1, lines
    cause = bad[len(service.client_url) + len("/v2/keys"):] + "/_config"
    assert any(f"100: Key not found ({cause})" in ln for ln in lines), lines


@pytest.mark.timeout(90)
def test_a_full_cluster_turns_a_late_member_into_a_proxy(target, service, tmp_path_factory):
    url = new_token(service, 1)
    first = DiscoveryMember(target, str(tmp_path_factory.mktemp(f"{target}-p0")), "p0", url)
    late = DiscoveryMember(target, str(tmp_path_factory.mktemp(f"{target}-p1")), "p1", url)
    try:
        first.start(30)
        late.start(30)   # ready: GET /v2/keys answers through the proxy
        c = late.client()
        r = c.request("PUT", "/v2/keys/fb/k", "value=v", {"Content-Type": Client.FORM})
        assert r.status == 201, r
        r = c.request("GET", "/v2/config/local/proxy")
        c.close()
        assert r.json() == {"endpoints": [first.client_url]}, r
        assert status_of(first, "/v2/keys/fb/k") == 200
        assert len(registered(service, url)) == 1   # the proxy did not register
        assert os.path.isdir(os.path.join(late.data_dir, "proxy"))
    finally:
        late.stop()
        first.stop()


@pytest.mark.timeout(120)
def test_discovery_through_an_http_proxy(target, service, tmp_path_factory):
    url = new_token(service, 2)
    fp = ForwardProxy()
    ms = [DiscoveryMember(target, str(tmp_path_factory.mktemp(f"{target}-dp{i}")), f"p{i}", url,
                          ["--discovery-proxy", f"http://127.0.0.1:{fp.port}"])
          for i in range(2)]
    try:
        start_together(ms, service, url)
        # Every member asked the service through the proxy, with absolute URLs.
        assert any(u.startswith(url + "/_config/size") for u in fp.urls), fp.urls
        assert sum(1 for u in fp.urls if "prevExist=false" in u) == 2, fp.urls
    finally:
        for m in ms:
            m.stop()
        fp.close()


@pytest.mark.timeout(120)
def test_https_discovery_through_a_connect_tunnel(target, tmp_path_factory, certs,
                                                  monkeypatch):
    svc = tls_server(target, str(tmp_path_factory.mktemp(f"{target}-tlsdisco")), certs)
    svc.start()
    fp = ForwardProxy()
    monkeypatch.setenv("SSL_CERT_FILE", certs.ca.crt)  # for the members: the service's CA
    ms = []
    try:
        url = new_token(svc, 2)
        assert url.startswith("https://")
        ms = [DiscoveryMember(target, str(tmp_path_factory.mktemp(f"{target}-dt{i}")), f"t{i}",
                              url, ["--discovery-proxy", f"127.0.0.1:{fp.port}"])
              for i in range(2)]
        start_together(ms, svc, url)
        assert f"127.0.0.1:{svc.client_port}" in fp.urls, fp.urls   # CONNECT targets
        assert not any(u.startswith("http") for u in fp.urls), fp.urls
    finally:
        for m in ms:
            m.stop()
        fp.close()
        svc.stop()


@pytest.mark.timeout(30)
def test_discovery_with_initial_cluster_is_refused(target, tmp_path_factory):
    m = DiscoveryMember(target, str(tmp_path_factory.mktemp(f"{target}-both")), "b0",
                        "http://127.0.0.1:9/v2/keys/_disco/x")
    m.extra_args += ["--initial-cluster", f"b0={m.peer_url}"]
    rc, lines = harness.startup_failure(m)
    assert rc == 1, lines
    assert any('multiple discovery or bootstrap flags are set. Choose one of "initial-cluster", '
               '"discovery" or "discovery-srv"' in ln for ln in lines), lines
