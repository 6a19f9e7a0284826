"""TLS between members (spec §11.2's --peer-* flags), run against every target (etcd is
the oracle); certificates as in test_tls.py (tls_certs.py).

Peer TLS (--peer-cert-file/--peer-key-file/--peer-trusted-ca-file/--peer-client-cert-auth):
a 3-member cluster with https peer (and client) URLs serves a write through one member on
all (quorum reads); its peer port refuses clients without a CA-signed client cert and plain
HTTP; a member added at runtime with an https peer URL (--initial-cluster-state existing)
catches up and is listed with that URL.

Peer auto TLS (--peer-auto-tls, no peer certificate files): a 3-member cluster with https
peer URLs replicates a write; each member presents its own self-signed certificate from
<data-dir>/fixtures/peer, and --peer-client-cert-auth is dropped with it (etcd 3.4).

Servers listen on 127.0.0.1 only, on free ports; only PIDs started here are signalled.
"""

from __future__ import annotations

import http.client
import json
import os
import ssl

import pytest

import tls_certs
from cluster import Cluster, Member, cleanup_clusters, member_change, read_tree
from harness import raw_request, wait_for
from tls_helpers import (HTTP_ERRORS, assert_refused, certs, https_outcome,  # noqa: F401
                         insecure_context, server_tls_args)

JSON = {"Content-Type": "application/json"}


# ---- 7. peer TLS ---------------------------------------------------------------------------

def peer_tls_args(certs) -> list[str]:
    return ["--peer-cert-file", certs.peer.crt, "--peer-key-file", certs.peer.key,
            "--peer-trusted-ca-file", certs.ca.crt, "--peer-client-cert-auth"]


@pytest.fixture
def make_tls_cluster(target, tmp_path_factory, certs, request):
    """make_tls_cluster(n, client_tls) -> a running Cluster of ``target`` members with https
    peer URLs (and https client URLs if client_tls); always cleaned up (our PIDs only)."""
    made: list[Cluster] = []

    def factory(n: int, client_tls: bool, extra=()) -> Cluster:
        args = peer_tls_args(certs) + (server_tls_args(certs) if client_tls else []) + list(extra)
        cl = Cluster(str(tmp_path_factory.mktemp(f"{target}-tlscluster")), n, kind=target,
                     extra_args=args, peer_scheme="https",
                     client_scheme="https" if client_tls else "http",
                     ssl_context=certs.context() if client_tls else None)
        made.append(cl)
        cl.start()
        return cl

    yield factory
    cleanup_clusters(made, request)


def value_on(m: Member, key: str, quorum: bool = True):
    try:
        r = m.get(key, timeout=5, **({"quorum": "true"} if quorum else {}))
    except HTTP_ERRORS:
        return None
    return r.json()["node"]["value"] if r.status == 200 else None


@pytest.mark.timeout(90)
def test_peer_tls_cluster_replicates(make_tls_cluster, certs):
    cl = make_tls_cluster(3, client_tls=True)
    cl.wait_leader()
    for m in cl.members:
        assert m.peer_url.startswith("https://") and m.client_url.startswith("https://")
    via = cl.members[1]
    _, r = cl.put_until_ok("/tls/k", "replicated", members=[via])
    assert r.json()["node"]["value"] == "replicated", r
    for m in cl.members:
        got = wait_for(lambda: value_on(m, "/tls/k"), 15, interval=0.1,
                       what=f"{m.name} to read /tls/k with quorum=true")
        assert got == "replicated"
    # Every member lists everyone with https peer and client URLs.
    r = cl.members[2].call("GET", "/v2/members")
    assert r.status == 200, r
    listed = {(tuple(x["peerURLs"]), tuple(x["clientURLs"])) for x in r.json()["members"]}
    assert listed == {((m.peer_url,), (m.client_url,)) for m in cl.members}, listed
    # The peer port wants a client certificate signed by the peer CA.
    m0 = cl.members[0]
    assert_refused(m0, certs.context(), port=m0.peer_port)
    assert_refused(m0, certs.context(certs.stranger), port=m0.peer_port)
    out = https_outcome(m0.host, m0.peer_port, certs.context(certs.peer), path="/version")
    assert isinstance(out, int), out                          # handshake done, an HTTP answer
    # Plain HTTP to a TLS peer port gets no HTTP answer.
    res = raw_request(m0.host, m0.peer_port, b"GET /version HTTP/1.1\r\nHost: x\r\n\r\n",
                      timeout=5, until_close=True)
    assert res.status is None and b"HTTP/" not in res.data, res
    # Still one agreed leader, and writes through every member keep working.
    cl.wait_leader()
    for i, m in enumerate(cl.members):
        _, r = cl.put_until_ok(f"/tls/m{i}", str(i), members=[m])
    for m in cl.members:
        assert read_tree(m, "/tls", quorum=True) == {
            "/tls/k": "replicated", "/tls/m0": "0", "/tls/m1": "1", "/tls/m2": "2"}


@pytest.mark.timeout(120)
def test_peer_tls_member_added_at_runtime_catches_up(make_tls_cluster, certs):
    cl = make_tls_cluster(3, client_tls=False)
    cl.wait_leader()
    want = {}
    for i in range(30):
        _, r = cl.put_until_ok(f"/join/k{i:02d}", f"v{i}", members=[cl.members[i % 3]])
        want[f"/join/k{i:02d}"] = f"v{i}"
    new = cl.new_member()
    assert new.peer_url.startswith("https://")
    r = member_change(cl.members[0], "POST", "/v2/members",
                      json.dumps({"peerURLs": [new.peer_url]}), JSON)
    assert r.status == 201, r
    assert r.json()["peerURLs"] == [new.peer_url], r
    new.member_id = r.json()["id"]
    new.start(timeout=30)

    def caught_up():
        try:
            return read_tree(new, "/join", quorum=True, timeout=5) == want
        except (AssertionError, *HTTP_ERRORS):
            return False
    wait_for(caught_up, 30, interval=0.2, what="the new member to catch up")
    # A write through the new member reaches the others.
    _, r = cl.put_until_ok("/join/after", "x", members=[new])
    for m in cl.members:
        assert wait_for(lambda: value_on(m, "/join/after"), 15, interval=0.1,
                        what=f"{m.name} to read /join/after") == "x"
    # Everyone lists the new member with its https peer URL and name.
    def listed():
        r = cl.members[1].call("GET", "/v2/members", timeout=5)
        ms = {x["id"]: x for x in r.json()["members"]} if r.status == 200 else {}
        x = ms.get(new.member_id)
        return ms if len(ms) == 4 and x and x["name"] == new.name else None
    ms = wait_for(listed, 15, interval=0.2, what="the new member to be listed with its name")
    assert ms[new.member_id]["peerURLs"] == [new.peer_url], ms
    assert ms[new.member_id]["clientURLs"] == [new.client_url], ms


# ---- 8. peer auto TLS ----------------------------------------------------------------------

@pytest.fixture
def peer_auto_tls_cluster(target, tmp_path_factory, request):
    cl = Cluster(str(tmp_path_factory.mktemp(f"{target}-peerautotls")), 3, kind=target,
                 extra_args=["--peer-auto-tls", "--peer-client-cert-auth"],
                 peer_scheme="https")
    try:
        cl.start()
        yield cl
    finally:
        cleanup_clusters([cl], request)


@pytest.mark.timeout(90)
def test_peer_auto_tls_cluster_replicates(peer_auto_tls_cluster):
    """--peer-auto-tls with https peer URLs and no peer certificate files: every member
    generates its own self-signed certificate under <data-dir>/fixtures/peer, presents it
    and does not verify the others'; --peer-client-cert-auth is dropped with it (etcd 3.4),
    so the members still reach each other."""
    cl = peer_auto_tls_cluster
    cl.wait_leader()
    _, r = cl.put_until_ok("/autotls/k", "replicated", members=[cl.members[2]])
    assert r.json()["node"]["value"] == "replicated", r
    for m in cl.members:
        got = wait_for(lambda: value_on(m, "/autotls/k"), 15, interval=0.1,
                       what=f"{m.name} to read /autotls/k with quorum=true")
        assert got == "replicated"
    ders = set()
    for m in cl.members:
        cert = os.path.join(m.data_dir, "fixtures", "peer", "cert.pem")
        assert os.path.exists(os.path.join(m.data_dir, "fixtures", "peer", "key.pem"))
        ders.add(tls_certs.der_of(cert))
        # The peer port presents that certificate, to a client without one.
        conn = http.client.HTTPSConnection(m.host, m.peer_port, timeout=5,
                                           context=insecure_context())
        try:
            conn.connect()
            assert conn.sock.getpeercert(binary_form=True) == tls_certs.der_of(cert)
        finally:
            conn.close()
        # ... which no CA verifies.
        out = https_outcome(m.host, m.peer_port, ssl.create_default_context(),
                            path="/version")
        assert isinstance(out, ssl.SSLCertVerificationError), out
    assert len(ders) == 3                                   # one certificate per member
    r = cl.members[0].call("GET", "/v2/members")
    assert r.status == 200, r
    assert sorted(x["peerURLs"][0] for x in r.json()["members"]) == \
        sorted(m.peer_url for m in cl.members)
