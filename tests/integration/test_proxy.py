"""The v2 proxy (--proxy on|readonly), run against every target (etcd is the oracle).

A proxy of the target's kind forwards to a single member of the same kind, whose client URL
it learns from the member's peer URL (--initial-cluster).

1. Requests go through and come back as the member answered them; the proxy's own endpoints:
   /v2/config/local/proxy, OPTIONS, /metrics (etcd_proxy_* counters); the cluster file.
2. A readonly proxy answers everything but GET with 501 and an empty body.
3. A member that does not answer: 502 "unable to get response from 1 endpoint(s)", then 503
   "zero endpoints currently available" while the endpoint is marked failed, and answers
   again once the member is back and the failure wait is over.
4. Watches: a long poll gets its event; a client that goes away ends the member's watcher.
   Larch only (etcd's proxy buffers a response until 4 KiB or its end): the watch's headers
   arrive before any event, and each event of a stream arrives on its own.
5. A restarted proxy uses the peer URLs of its cluster file, not --initial-cluster; a data
   dir holding both a member's data and a proxy directory is refused.
6. In front of a three-member cluster: the proxy learns every member's client URL from one
   peer URL; with the member it used killed, requests go on through the others; etcdctl
   (--no-sync) works through it.
7. Across kinds: etcd's own proxy in front of a Larch member (it reads Larch's peer
   GET /members, which must be etcd's format) and Larch's proxy in front of an etcd member.
8. TLS both ways: an https proxy (its --trusted-ca-file makes it require client
   certificates, as etcd's listener does) in front of a member with an https client URL,
   which the proxy verifies with that CA.

Every test starts its own processes (loopback, free ports) and stops exactly those.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess

import pytest

import harness
from cluster import Cluster, cleanup_clusters
from harness import Client, wait_for
from tls_helpers import certs, server_tls_args, tls_server  # noqa: F401 (fixture)


class Proxy(harness.Server):
    """A proxy of ``kind`` whose --initial-cluster names ``member``'s peer URL."""

    def __init__(self, kind: str, workdir: str, member: harness.Server, mode: str = "on",
                 extra=()):
        super().__init__(kind, workdir, extra, name="proxy")
        self.member = member
        self.mode = mode
        self.initial_cluster = f"{member.name}={member.peer_url}"

    def argv(self) -> list[str]:
        return [self.binary, "--proxy", self.mode, "--name", self.name,
                "--data-dir", self.data_dir, "--listen-client-urls", self.client_url,
                "--initial-cluster", self.initial_cluster] + self.extra_args

    def wait_ready(self, timeout: float = harness.READY_TIMEOUT) -> None:
        wait_for(lambda: self.proc.poll() is not None or _status(self, "GET", "/version") == 200,
                 timeout, what="the proxy forwards")
        if self.proc.poll() is not None:
            raise harness.ServerError(f"proxy exited\n{self.log_tail()}")


def _status(s: harness.Server, method: str, path: str) -> int:
    c = s.client(timeout=3)
    try:
        return c.request(method, path).status
    except OSError:
        return 0
    finally:
        c.close()


def _keep_alive_puts(s: harness.Server, n: int, prefix: str) -> None:
    """n PUTs on one kept-alive connection (each must be answered while the proxy also
    watches the connection for the client leaving)."""
    c = s.client(timeout=5)
    try:
        for i in range(n):
            r = c.request("PUT", f"{prefix}{i}", f"value={i}", {"Content-Type": Client.FORM},
                          retry=False)
            assert r.status == 201, r
    finally:
        c.close()


def _watchers(member: harness.Server) -> int:
    """The member's current watcher count (/v2/stats/store), on a connection closed after."""
    c = member.client()
    try:
        return c.store_stats()["watchers"]
    finally:
        c.close()


def _request(s: harness.Server, method: str, path: str, body=None, headers=None):
    c = s.client()
    try:
        return c.request(method, path, body, headers or {})
    finally:
        c.close()


@pytest.fixture
def proxied(target, server, tmp_path_factory):
    """(member, proxy): a proxy in front of the single member ``server``."""
    p = Proxy(target, str(tmp_path_factory.mktemp(f"{target}-proxy")), server)
    p.start(30)
    yield server, p
    p.stop()


@pytest.mark.timeout(60)
def test_requests_go_through_and_the_proxy_reports_itself(target, proxied):
    member, proxy = proxied
    r = _request(proxy, "PUT", "/v2/keys/px/a", "value=1", {"Content-Type": Client.FORM})
    assert r.status == 201, r
    assert r.json()["node"]["value"] == "1"
    assert r.header("X-Etcd-Index") and r.header("X-Raft-Term")
    # Exactly one set of CORS headers (etcd's proxy sends the member's and its own).
    origins = [v for k, v in r.raw_headers if k.lower() == "access-control-allow-origin"]
    assert origins == (["*"] if target == "larch" else ["*", "*"]), r.raw_headers
    g = _request(member, "GET", "/v2/keys/px/a")
    assert g.json()["node"]["value"] == "1"
    r = _request(proxy, "GET", "/v2/keys/px/a?quorum=true")
    assert r.status == 200 and r.json()["node"]["value"] == "1", r
    _keep_alive_puts(proxy, 20, "/v2/keys/px/ka")
    # A request line longer than Beast's 8 KiB default: the member's header limit applies.
    long_key = "/v2/keys/px/" + "k" * 20000
    r = _request(proxy, "PUT", long_key, "value=l", {"Content-Type": Client.FORM})
    assert r.status == 201, r
    # A client that sends "Expect: 100-continue" with its body gets the member's answer
    # (not the 100 a member may send first).
    r = _request(proxy, "PUT", "/v2/keys/px/e", "value=e",
                 {"Content-Type": Client.FORM, "Expect": "100-continue"})
    assert r.status == 201 and r.json()["node"]["value"] == "e", r
    r = _request(proxy, "GET", "/v2/keys/px/missing")
    assert r.status == 404 and r.json()["errorCode"] == 100, r
    r = _request(proxy, "GET", "/version")
    assert r.status == 200 and "etcdserver" in r.json(), r

    r = _request(proxy, "GET", "/v2/config/local/proxy")
    assert r.status == 200, r
    assert r.header("Content-Type") == "text/plain; charset=utf-8"
    assert r.body == (json.dumps({"endpoints": [member.client_url]},
                                 separators=(",", ":")) + "\n").encode()
    r = _request(proxy, "POST", "/v2/config/local/proxy")
    assert r.status == 405 and r.header("Allow") == "GET", r
    r = _request(proxy, "OPTIONS", "/v2/keys/px/a")
    assert r.status == 200 and r.body == b"", r
    assert r.header("Access-Control-Allow-Methods") == "POST, GET, OPTIONS, PUT, DELETE"

    metrics = _request(proxy, "GET", "/metrics").text
    assert 'etcd_proxy_requests_total{method="PUT"} 23' in metrics, metrics
    assert 'etcd_proxy_handled_total{code="201",method="PUT"} 23' in metrics, metrics
    assert 'etcd_proxy_handled_total{code="404",method="GET"} 1' in metrics, metrics
    assert 'etcd_proxy_handling_duration_seconds_count{method="PUT"} 23' in metrics, metrics
    assert 'etcd_proxy_handling_duration_seconds_bucket{method="PUT",le="+Inf"} 23' in metrics

    with open(os.path.join(proxy.data_dir, "proxy", "cluster")) as f:
        assert json.load(f) == {"PeerURLs": [member.peer_url]}


@pytest.mark.timeout(60)
def test_a_readonly_proxy_forwards_only_gets(target, server, tmp_path_factory):
    p = Proxy(target, str(tmp_path_factory.mktemp(f"{target}-ro")), server, mode="readonly")
    p.start(30)
    try:
        for method in ("PUT", "POST", "DELETE", "OPTIONS", "HEAD"):
            r = _request(p, method, "/v2/keys/ro/a", "value=1" if method in ("PUT", "POST")
                         else None, {"Content-Type": Client.FORM})
            assert r.status == 501, (method, r)
            # (etcd leaves out Content-Length for HEAD)
            assert r.body == b"" and r.header("Content-Length") in ("0", None), (method, r)
            assert r.header("Access-Control-Allow-Origin") is None, (method, r)
        assert _status(server, "GET", "/v2/keys/ro/a") == 404   # nothing was written
        assert _request(server, "PUT", "/v2/keys/ro/a", "value=2",
                        {"Content-Type": Client.FORM}).status == 201
        r = _request(p, "GET", "/v2/keys/ro/a")
        assert r.status == 200 and r.json()["node"]["value"] == "2", r
    finally:
        p.stop()


@pytest.mark.timeout(90)
def test_a_member_that_does_not_answer(target, tmp_path_factory):
    member = harness.Server(target, str(tmp_path_factory.mktemp(f"{target}-m")))
    member.start()
    p = Proxy(target, str(tmp_path_factory.mktemp(f"{target}-fw")), member,
              extra=["--proxy-failure-wait", "1000"])
    try:
        p.start(30)
        member.stop()
        r = _request(p, "GET", "/v2/keys/a")
        assert r.status == 502, r
        assert r.json() == {"message": "httpproxy: unable to get response from 1 endpoint(s)"}
        assert r.header("Content-Type") == "application/json"
        r = _request(p, "GET", "/v2/keys/a")
        assert r.status == 503, r
        assert r.json() == {"message": "httpproxy: zero endpoints currently available"}
        r = _request(p, "GET", "/v2/config/local/proxy")
        assert r.body == b'{"endpoints":[]}\n', r
        member.start()
        wait_for(lambda: _status(p, "GET", "/v2/keys") == 200, 20, what="proxy forwards again")
        metrics = _request(p, "GET", "/metrics").text
        for error in ("failed_sending_request", "failed_getting_response", "zero_endpoints"):
            assert f'proxying_error="{error}"' in metrics, metrics
        log = p.log_text()
        assert f"failed to direct request to {member.client_url}" in log, log
        assert f"marked endpoint {member.client_url} unavailable" in log, log
    finally:
        p.stop()
        member.stop()


@pytest.mark.timeout(60)
def test_watches_through_the_proxy(target, proxied):
    member, proxy = proxied
    w = harness.Watch(proxy.host, proxy.client_port, "/v2/keys/pw/k?wait=true", timeout=10) \
        if target == "larch" else None
    if w is None:   # etcd's proxy sends the headers only with the body: wait in a thread
        import threading
        box = {}
        t = threading.Thread(target=lambda: box.setdefault("w", harness.Watch(
            proxy.host, proxy.client_port, "/v2/keys/pw/k?wait=true", timeout=10)))
        t.start()
    else:
        assert w.status == 200 and w.header("X-Etcd-Index")
    wait_for(lambda: _watchers(member) >= 1, 10, what="the member has the watcher")
    assert _request(member, "PUT", "/v2/keys/pw/k", "value=v",
                    {"Content-Type": Client.FORM}).status == 201
    if w is None:
        t.join(10)
        w = box["w"]
    ev = w.event(10)
    assert ev["action"] == "set" and ev["node"]["value"] == "v", ev
    w.close()

    # A client that goes away ends its watcher on the member.
    s = socket.create_connection((proxy.host, proxy.client_port), timeout=5)
    s.sendall(b"GET /v2/keys/pw/gone?wait=true HTTP/1.1\r\nHost: x\r\n\r\n")
    wait_for(lambda: _watchers(member) == 1, 10,
             what="the member has the watcher")
    s.close()
    wait_for(lambda: _watchers(member) == 0, 10,
             what="the member's watcher ended")


@pytest.mark.larch_only
@pytest.mark.timeout(60)
def test_a_stream_watch_gets_each_event_as_it_happens(target, proxied):
    member, proxy = proxied
    w = harness.Watch(proxy.host, proxy.client_port, "/v2/keys/ps/k?wait=true&stream=true",
                      timeout=10)
    assert w.status == 200
    for i in range(3):
        assert _request(member, "PUT", "/v2/keys/ps/k", f"value={i}",
                        {"Content-Type": Client.FORM}).status in (200, 201)
        ev = w.next_event(5)
        assert ev["node"]["value"] == str(i), ev
    w.close()


@pytest.mark.timeout(90)
def test_a_restarted_proxy_uses_its_cluster_file(target, server, tmp_path_factory):
    p = Proxy(target, str(tmp_path_factory.mktemp(f"{target}-cf")), server)
    p.start(30)
    p.stop()
    # Nothing listens there: only the cluster file can lead the proxy to the member.
    p.initial_cluster = f"{server.name}=http://127.0.0.1:{harness.free_port()}"
    try:
        p.start(30)
        assert _request(p, "PUT", "/v2/keys/cf/a", "value=1",
                        {"Content-Type": Client.FORM}).status == 201
        assert "from cluster file" in p.log_text()
    finally:
        p.stop()


@pytest.mark.timeout(60)
def test_a_data_dir_of_a_member_and_a_proxy_is_refused(target, tmp_path_factory):
    m = harness.Server(target, str(tmp_path_factory.mktemp(f"{target}-both")))
    m.start()
    m.stop()
    os.makedirs(os.path.join(m.data_dir, "proxy"))
    rc, lines = harness.startup_failure(m)
    assert rc == 1, lines
    assert any("invalid datadir. Both member and proxy directories exist." in ln
               for ln in lines), lines


@pytest.mark.timeout(90)
def test_a_proxy_over_tls(target, tmp_path_factory, certs):
    member = tls_server(target, str(tmp_path_factory.mktemp(f"{target}-tm")), certs)
    member.start()
    p = Proxy(target, str(tmp_path_factory.mktemp(f"{target}-tp")), member,
              extra=server_tls_args(certs) + ["--trusted-ca-file", certs.ca.crt])
    p.client_scheme = "https"
    p.ssl_context = certs.context(certs.alice)
    try:
        p.start(30)
        r = _request(p, "PUT", "/v2/keys/tls/a", "value=1", {"Content-Type": Client.FORM})
        assert r.status == 201, r
        _keep_alive_puts(p, 20, "/v2/keys/tls/ka")
        assert _request(member, "GET", "/v2/keys/tls/a").json()["node"]["value"] == "1"
        r = _request(p, "GET", "/v2/config/local/proxy")
        assert r.json() == {"endpoints": [member.client_url]}, r
        assert member.client_url.startswith("https://")
        if target != "larch":   # etcd's proxy holds a watch's headers back until its event
            return
        # A long-poll watch through the https proxy (read and write on one TLS stream at once).
        w = harness.open_watch(p, "/tls/w")
        wait_for(lambda: _watchers(member) == 1, 10,
                 what="the member has the watcher")
        assert _request(member, "PUT", "/v2/keys/tls/w", "value=w",
                        {"Content-Type": Client.FORM}).status == 201
        ev = w.event(10)
        assert ev["action"] == "set" and ev["node"]["value"] == "w", ev
        w.close()
        w = harness.open_watch(p, "/tls/gone")   # a client that leaves ends its watcher
        wait_for(lambda: _watchers(member) == 1, 10,
                 what="the member has the watcher")
        w.close()
        wait_for(lambda: _watchers(member) == 0, 10,
                 what="the member's watcher ended")
    finally:
        p.stop()
        member.stop()


@pytest.mark.timeout(120)
def test_a_proxy_in_front_of_a_cluster_fails_over(target, tmp_path_factory, request):
    cl = Cluster(str(tmp_path_factory.mktemp(f"{target}-pc")), 3, kind=target)
    cl.start()
    cl.wait_leader()
    p = Proxy(target, str(tmp_path_factory.mktemp(f"{target}-pcp")), cl.members[0])
    try:
        p.start(30)   # knows only member 0's peer URL
        r = _request(p, "GET", "/v2/config/local/proxy")
        assert sorted(r.json()["endpoints"]) == sorted(m.client_url for m in cl.members), r
        assert _request(p, "PUT", "/v2/keys/pc/a", "value=1",
                        {"Content-Type": Client.FORM}).status == 201
        # Kill the member the proxy forwards to first (its endpoints' current order).
        first = r.json()["endpoints"][0]
        victim = next(m for m in cl.members if m.client_url == first)
        victim.kill9()
        cl.wait_leader(members=cl.others(victim))
        for i in range(5):
            r = _request(p, "PUT", f"/v2/keys/pc/b{i}", "value=2", {"Content-Type": Client.FORM})
            assert r.status == 201, r
        r = _request(p, "GET", "/v2/keys/pc/b4?quorum=true")
        assert r.status == 200 and r.json()["node"]["value"] == "2", r
        assert f"marked endpoint {victim.client_url} unavailable" in p.log_text()
        etcdctl = shutil.which("etcdctl")
        if etcdctl:
            env = dict(os.environ, ETCDCTL_API="2")
            out = subprocess.run([etcdctl, "--no-sync", "--endpoints", p.client_url, "set",
                                  "/pc/ctl", "hello"], env=env, capture_output=True, text=True,
                                 timeout=20)
            assert out.returncode == 0 and out.stdout.strip() == "hello", out
            out = subprocess.run([etcdctl, "--no-sync", "--endpoints", p.client_url, "get",
                                  "/pc/ctl"], env=env, capture_output=True, text=True,
                                 timeout=20)
            assert out.returncode == 0 and out.stdout.strip() == "hello", out
    finally:
        p.stop()
        cleanup_clusters([cl], request)


@pytest.mark.timeout(60)
def test_proxies_across_kinds(request, tmp_path_factory):
    import conftest
    if set(conftest.selected_targets(request.config)) != {"larch", "etcd"}:
        pytest.skip("needs both targets")
    for member_kind, proxy_kind in (("larch", "etcd"), ("etcd", "larch")):
        member = harness.Server(member_kind, str(tmp_path_factory.mktemp(f"x-{member_kind}")))
        member.start()
        p = Proxy(proxy_kind, str(tmp_path_factory.mktemp(f"x-{proxy_kind}-proxy")), member)
        try:
            p.start(30)
            r = _request(p, "GET", "/v2/config/local/proxy")
            assert r.json() == {"endpoints": [member.client_url]}, (proxy_kind, r)
            r = _request(p, "PUT", "/v2/keys/x/a", "value=1", {"Content-Type": Client.FORM})
            assert r.status == 201, (proxy_kind, r)
            assert _request(member, "GET", "/v2/keys/x/a").json()["node"]["value"] == "1"
        finally:
            p.stop()
            member.stop()
