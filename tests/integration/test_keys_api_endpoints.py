"""Headers (spec §6), routing (§1.1, §1.2) and the other endpoints (§8), against every target."""

from __future__ import annotations

import hashlib
import struct
import time

import pytest

from harness import free_ports, raw_request
from v2_checks import CLUSTER_ID_RE, CORS, assert_cors, assert_error, assert_event


def member_id(peer_url: str, token: str = "etcd-cluster") -> str:
    """Spec §10: first 8 bytes of SHA-1(sorted peer URLs + token), hex w/o leading zeros."""
    d = hashlib.sha1(peer_url.encode() + token.encode()).digest()[:8]
    return "%x" % struct.unpack(">Q", d)[0]


def cluster_id(mid: str) -> str:
    d = hashlib.sha1(struct.pack(">Q", int(mid, 16))).digest()[:8]
    return "%x" % struct.unpack(">Q", d)[0]


# ---- headers ---------------------------------------------------------------------------

def test_etcd_headers_on_success_and_error(server, client, uniq):
    r = client.put(uniq, "v")
    assert_event(r, 201, "set")
    assert int(r.header("X-Raft-Index")) >= int(r.header("X-Etcd-Index"))
    assert int(r.header("X-Raft-Term")) >= 1
    assert r.header("X-Etcd-Cluster-Id") == cluster_id(member_id(server.peer_url))
    assert_cors(r)
    r = client.get(uniq + "_missing")
    assert_error(r, 100)
    assert_cors(r)
    # raw header names are canonicalised like Go does
    names = [k for k, _ in client.get(uniq).raw_headers]
    for want in ["X-Etcd-Index", "X-Etcd-Cluster-Id", "X-Raft-Index", "X-Raft-Term",
                 "Content-Type"]:
        assert want in names, names


def test_options_any_path(client):
    for path in ["/v2/keys/foo", "/nothing/here", "/version"]:
        r = client.request("OPTIONS", path)
        assert r.status == 200 and r.body == b"", r
        assert_cors(r)


@pytest.mark.parametrize("method,path,allow", [
    ("PATCH", "/v2/keys/foo", "HEAD,GET,PUT,POST,DELETE"),
    ("POST", "/v2/machines", "GET,HEAD"),
    ("PATCH", "/v2/members", "GET,POST,DELETE,PUT"),
    ("POST", "/v2/stats/self", "GET"),
    ("PUT", "/v2/stats/store", "GET"),
    ("DELETE", "/v2/stats/leader", "GET"),
    ("HEAD", "/version", "GET"),
    ("POST", "/version", "GET"),
    ("POST", "/health", "GET"),
])
def test_method_not_allowed(client, method, path, allow):
    r = client.request(method, path)
    assert r.status == 405, r
    assert r.header("Allow") == allow
    assert r.header("Content-Type") == "text/plain; charset=utf-8"
    assert r.header("X-Content-Type-Options") == "nosniff"
    if method != "HEAD":
        assert r.body == b"Method Not Allowed\n"
    assert r.header("X-Etcd-Index") is None and r.header("X-Etcd-Cluster-Id") is None
    assert_cors(r)


@pytest.mark.parametrize("path", ["/v2", "/v2/nothing", "/v2/keysfoo", "/v2/stats/self/",
                                  "/", "/v3nope", "/v2/machines/x"])
def test_404_page(client, path):
    r = client.request("GET", path)
    assert r.status == 404
    assert r.header("Content-Type") == "text/plain; charset=utf-8"
    assert r.header("X-Content-Type-Options") == "nosniff"
    assert r.body == b"404 page not found\n"
    assert_cors(r)


@pytest.mark.parametrize("method,path,location", [
    ("PUT", "/v2/keys/a//b", "/v2/keys/a/b"),
    ("GET", "/v2/keys/./b", "/v2/keys/b"),
    ("GET", "/v2/keys/a/../b?recursive=true", "/v2/keys/b?recursive=true"),
    ("GET", "/v2/keys/%2E%2E/0/members", "/v2/0/members"),
    ("GET", "/v2/keys/a/.", "/v2/keys/a"),
])
def test_unclean_paths_redirect(client, method, path, location):
    r = client.request(method, path)
    assert r.status == 301, r
    assert r.header("Location") == location
    assert_cors(r)
    if method == "GET":
        assert r.body.startswith(b'<a href="' + location.split("?")[0].encode())
    else:
        assert r.body == b""


# ---- other endpoints ------------------------------------------------------------------

def test_version(client):
    r = client.request("GET", "/version")
    assert r.status == 200 and r.header("Content-Type") == "application/json"
    j = r.json()
    assert set(j) == {"etcdserver", "etcdcluster"}
    assert not r.body.endswith(b"\n")
    assert j["etcdcluster"].startswith("3.")


def test_health(client):
    r = client.request("GET", "/health")
    assert r.status == 200 and r.body == b'{"health":"true"}'
    assert r.header("Content-Type") == "text/plain; charset=utf-8"


def test_machines(server, client):
    r = client.request("GET", "/v2/machines")
    assert r.status == 200 and r.body == server.client_url.encode()
    assert r.header("Content-Type") == "text/plain; charset=utf-8"
    r = client.request("HEAD", "/v2/machines")
    assert r.status == 200


def test_members(server, client):
    mid = member_id(server.peer_url)
    me = {"id": mid, "name": "default", "peerURLs": [server.peer_url],
          "clientURLs": [server.client_url]}
    for path in ["/v2/members", "/v2/members/"]:
        r = client.request("GET", path)
        assert r.status == 200 and r.header("Content-Type") == "application/json"
        assert r.body.endswith(b"\n")
        assert r.json() == {"members": [me]}
        assert r.header("X-Etcd-Cluster-Id") == cluster_id(mid)
    r = client.request("GET", "/v2/members/leader")
    assert r.status == 200 and r.json() == me
    r = client.request("GET", "/v2/members/nosuch")
    assert r.status == 404 and r.json() == {"message": "Not found"}


def test_members_write_validation(server, client):
    r = client.request("POST", "/v2/members", b'{"peerURLs":["http://h:1"]}',
                       {"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 415
    assert r.json() == {"message": "Bad Content-Type application/x-www-form-urlencoded, "
                                   "accept application/json"}
    r = client.request("POST", "/v2/members", b'{"peerURLs":["notaurl"]}',
                       {"Content-Type": "application/json"})
    assert r.status == 400
    r = client.request("POST", "/v2/members", b'{"peerURLs":[]}',
                       {"Content-Type": "application/json"})
    assert r.status == 400 and r.json() == {"message": "no valid URLs given"}
    r = client.request("POST", "/v2/members",
                       ('{"peerURLs":["%s"]}' % server.peer_url).encode(),
                       {"Content-Type": "application/json"})
    assert r.status == 409 and r.json() == {"message": "membership: peerURL exists"}
    r = client.request("DELETE", "/v2/members/zz")
    assert r.status == 404 and r.json() == {"message": "No such member: zz"}


def test_members_last_member_cannot_be_removed(server, client):
    if server.kind != "larch":
        pytest.skip("Larch-specific: the last member is never removed")
    mid = member_id(server.peer_url)
    r = client.request("DELETE", "/v2/members/" + mid)
    assert r.status == 500 and r.json() == {"message": "Internal Server Error"}
    r = client.request("GET", "/v2/members")
    assert [m["id"] for m in r.json()["members"]] == [mid]


def test_stats_self_and_leader(server, client):
    mid = member_id(server.peer_url)
    r = client.request("GET", "/v2/stats/self")
    assert r.status == 200 and r.header("Content-Type") == "application/json"
    assert not r.body.endswith(b"\n") and r.header("X-Etcd-Index") is None
    j = r.json()
    assert j["name"] == "default" and j["id"] == mid and j["state"] == "StateLeader"
    assert j["leaderInfo"]["leader"] == mid
    assert j["leaderInfo"]["uptime"][-1] == "s"
    assert j["recvAppendRequestCnt"] == 0
    assert "sendPkgRate" not in j and "recvPkgRate" not in j
    r = client.request("GET", "/v2/stats/leader")
    assert r.status == 200 and r.json() == {"leader": mid, "followers": {}}


STORE_FIELDS = ["getsSuccess", "getsFail", "setsSuccess", "setsFail", "deleteSuccess",
                "deleteFail", "updateSuccess", "updateFail", "createSuccess", "createFail",
                "compareAndSwapSuccess", "compareAndSwapFail", "compareAndDeleteSuccess",
                "compareAndDeleteFail", "expireCount", "watchers"]


def _write_mix(client, uniq):
    client.put(uniq + "/a", "1")                                   # set ok
    client.put(uniq + "/a", "x", dir="true")                       # set ok (file -> dir)
    client.put(uniq + "/a", "x")                                   # set fail (dir)
    client.put(uniq + "/b", "1", query={"prevExist": "false"})     # create ok
    client.put(uniq + "/b", "1", query={"prevExist": "false"})     # create fail
    client.put(uniq + "/b", "2", query={"prevExist": "true"})      # update ok
    client.put(uniq + "/zz", "2", query={"prevExist": "true"})     # update fail
    client.put(uniq + "/b", "3", query={"prevValue": "2"})         # cas ok
    client.put(uniq + "/b", "4", query={"prevValue": "nope"})      # cas fail
    client.delete(uniq + "/b", prevValue="nope")                   # cad fail
    client.delete(uniq + "/b", prevValue="3")                      # cad ok
    client.delete(uniq + "/a", dir="true")                         # delete ok
    client.delete(uniq + "/a")                                     # delete fail


def test_stats_store_write_counters(client, uniq):
    before = client.store_stats()
    assert list(before.keys()) == STORE_FIELDS
    _write_mix(client, uniq)
    after = client.store_stats()
    delta = {k: after[k] - before[k] for k in STORE_FIELDS}
    assert delta["setsSuccess"] == 2 and delta["setsFail"] == 1
    assert delta["createSuccess"] == 1 and delta["createFail"] == 1
    assert delta["updateSuccess"] == 1 and delta["updateFail"] == 1
    assert delta["compareAndSwapSuccess"] == 1 and delta["compareAndSwapFail"] == 1
    # etcd counts a failed compare-and-delete as a success (fixed in Larch, see below)
    assert delta["compareAndDeleteSuccess"] + delta["compareAndDeleteFail"] == 2
    assert delta["deleteSuccess"] == 1 and delta["deleteFail"] == 1
    assert delta["expireCount"] == 0 and after["watchers"] == 0
    client.get(uniq)                                   # a successful get
    client.get(uniq + "/missing")                      # a failed get
    final = client.store_stats()
    assert final["getsSuccess"] - after["getsSuccess"] == 1
    assert final["getsFail"] - after["getsFail"] >= 1


@pytest.mark.larch_only
def test_stats_store_counts_truthfully(client, uniq):
    """etcd counts an internal auth lookup as a failed get on every request and a failed
    compare-and-delete as a success (§8.8); Larch counts what happened."""
    before = client.store_stats()
    _write_mix(client, uniq)
    after = client.store_stats()
    assert after["compareAndDeleteSuccess"] - before["compareAndDeleteSuccess"] == 1
    assert after["compareAndDeleteFail"] - before["compareAndDeleteFail"] == 1
    assert after["getsFail"] == before["getsFail"]
    assert client.put(uniq + "/g", "v").status == 201
    s0 = client.store_stats()
    for _ in range(5):
        client.get(uniq + "/g")
    client.get(uniq + "/missing")
    s1 = client.store_stats()
    assert s1["getsSuccess"] - s0["getsSuccess"] == 5
    assert s1["getsFail"] - s0["getsFail"] == 1
    assert s1["setsSuccess"] == s0["setsSuccess"]


def test_member_and_cluster_ids(server, client):
    mid = member_id(server.peer_url)
    assert CLUSTER_ID_RE.match(mid)
    assert client.request("GET", "/v2/members").json()["members"][0]["id"] == mid
    assert client.get("/").header("X-Etcd-Cluster-Id") == cluster_id(mid)


def test_error_headers_on_validation_errors(client, uniq):
    r = client.get(uniq, recursive="maybe")
    assert r.header("X-Etcd-Index") == "0" and r.header("X-Raft-Index") is None
    assert r.header("Content-Type") == "application/json"
    for k, v in CORS.items():
        assert r.header(k) == v


def test_keep_alive_many_requests_one_connection(client, uniq):
    """Many sequential requests on one keep-alive connection (pipeline-free)."""
    for i in range(200):
        assert client.put(f"{uniq}/k{i % 7}", str(i)).status in (200, 201)
    assert client.get(f"{uniq}/k3").json()["node"]["value"] == "199"


def test_pipelined_requests_answered_in_order(server, uniq):
    reqs = b"".join(
        b"PUT " + f"/v2/keys{uniq}/p{i}".encode() + b" HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\n"
        + f"value={i}".encode() for i in range(5))
    res = raw_request(server.host, server.client_port, reqs + (
        b"GET " + f"/v2/keys{uniq}?sorted=true".encode() +
        b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), until_close=True, timeout=10)
    assert res.data.count(b"HTTP/1.1 201 Created") == 5
    last = res.data.rsplit(b"HTTP/1.1 ", 1)[1]
    assert last.startswith(b"200 OK")
    assert last.count(b'"value":"') == 5


def test_cors_origin_list(make_server):
    srv = make_server(["--cors", "http://good.example:8080"])
    c = srv.client()
    r = c.request("GET", "/v2/keys/", headers={"Origin": "http://good.example:8080"})
    assert r.status == 200
    assert r.header("Access-Control-Allow-Origin") == "http://good.example:8080"
    assert r.header("Access-Control-Allow-Methods") == CORS["access-control-allow-methods"]
    r = c.request("GET", "/v2/keys/", headers={"Origin": "http://evil.example:8080"})
    assert r.status == 200 and r.header("Access-Control-Allow-Origin") is None
    r = c.request("GET", "/v2/keys/")
    assert r.header("Access-Control-Allow-Origin") is None
    r = c.request("OPTIONS", "/v2/keys/x", headers={"Origin": "http://good.example:8080"})
    assert r.status == 200 and r.body == b""
    assert r.header("Access-Control-Allow-Origin") == "http://good.example:8080"
    c.close()


# Metrics Larch exports under etcd's names, with etcd 3.4.23's types.
METRIC_TYPES = {
    "etcd_server_has_leader": "gauge", "etcd_server_is_leader": "gauge",
    "etcd_server_id": "gauge", "etcd_server_version": "gauge",
    "etcd_server_leader_changes_seen_total": "counter",
    "etcd_server_proposals_committed_total": "gauge",
    "etcd_server_proposals_applied_total": "gauge",
    "etcd_server_proposals_pending": "gauge",
    "etcd_server_proposals_failed_total": "counter",
    "etcd_disk_wal_fsync_duration_seconds": "histogram",
    "etcd_debugging_store_watchers": "gauge",
    "etcd_debugging_store_expires_total": "counter",
    "process_cpu_seconds_total": "counter", "process_max_fds": "gauge",
    "process_open_fds": "gauge", "process_resident_memory_bytes": "gauge",
    "process_start_time_seconds": "gauge", "process_virtual_memory_bytes": "gauge",
}


def metric_samples(text: str) -> dict:
    """'name{labels}' -> value of every sample line."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def test_metrics_names_types_and_values(server, client, uniq):
    r = client.put(uniq + "/m", "1")
    assert r.status == 201, r
    r = client.request("GET", "/metrics")
    assert r.status == 200, r
    text = r.text
    for name, kind in METRIC_TYPES.items():
        assert f"# TYPE {name} {kind}\n" in text, name
    s = metric_samples(text)
    stats = client.request("GET", "/v2/stats/self").json()
    assert s[f'etcd_server_id{{server_id="{stats["id"]}"}}'] == 1
    assert s['etcd_server_version{server_version="3.4.23"}'] == 1
    assert s["etcd_server_has_leader"] == 1 and s["etcd_server_is_leader"] == 1
    assert s["etcd_server_leader_changes_seen_total"] >= 1
    assert s["etcd_server_proposals_applied_total"] >= 1
    assert s["etcd_server_proposals_committed_total"] >= s["etcd_server_proposals_applied_total"]
    assert s["etcd_server_proposals_pending"] == 0
    # Every write so far was fsynced: a histogram with cumulative buckets up to +Inf.
    count = s["etcd_disk_wal_fsync_duration_seconds_count"]
    assert count >= 1 and s['etcd_disk_wal_fsync_duration_seconds_bucket{le="+Inf"}'] == count
    assert s['etcd_disk_wal_fsync_duration_seconds_bucket{le="8.192"}'] <= count
    assert s["process_open_fds"] > 0 and s["process_resident_memory_bytes"] > 1 << 20
    assert abs(s["process_start_time_seconds"] - time.time()) < 24 * 3600


def test_metrics_listener(make_server):
    """--listen-metrics-urls: an extra listener with only /metrics and /health (etcd's
    metrics mux: no CORS headers, OPTIONS and HEAD reach /health's GET-only check, unclean
    paths redirect, anything else is Go's 404 page)."""
    port = free_ports(1)[0]
    srv = make_server(["--listen-metrics-urls", f"http://127.0.0.1:{port}",
                       "--cors", "http://good.example:8080"])

    def get(path: str, method: str = "GET", headers: str = ""):
        res = raw_request(srv.host, port, f"{method} {path} HTTP/1.1\r\nHost: x\r\n{headers}"
                          "Connection: close\r\n\r\n".encode(), until_close=True)
        assert res.status is not None, (path, res)
        return res

    r = get("/metrics")
    assert r.status == 200 and b"# TYPE " in r.body, r
    assert r.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    r = get("/health", headers="Origin: http://good.example:8080\r\n")
    assert r.status == 200 and r.json() == {"health": "true"}, r
    assert "access-control-allow-origin" not in r.headers, r.headers
    for method in ("OPTIONS", "HEAD", "POST"):
        r = get("/health", method)
        assert r.status == 405 and r.headers["allow"] == "GET", (method, r)
    r = get("//health")
    assert r.status == 301 and r.headers["location"] == "/health", r
    for path in ("/v2/keys", "/v2/keys/a", "/version", "/v2/members", "/metricsx", "/health/",
                 "/debug/vars"):
        r = get(path)
        assert r.status == 404 and r.body == b"404 page not found\n", (path, r)
    # The client port is unaffected.
    r = raw_request(srv.host, srv.client_port, b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n")
    assert r.status == 200, r
