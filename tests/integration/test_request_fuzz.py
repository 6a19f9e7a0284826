"""Random requests to every endpoint of one member, client and peer ports (Larch only: etcd
drops the connection on some of them, e.g. a role holding an empty pattern).

A seeded generator mixes methods (valid, lower-case, unknown), key paths (unclean,
percent-encoded, long, non-ASCII), every /v2/keys parameter with edge values, form and
other bodies, /v2/members and /v2/auth JSON bodies (valid and not), Authorization headers
(good, wrong, malformed), chunked bodies, and peer POSTs of garbage and truncated raft
message batches. Every answer must be well-formed HTTP/1.1 with no 5xx, the member must
stay up and healthy throughout, and it must stop cleanly afterwards (under the sanitizer
binary, any report fails the test by aborting the process).

The client-side mix also goes through a v2 proxy (--proxy on) in front of a member: the
proxy relays every answer as well-formed HTTP/1.1, never a 5xx of its own, and both stay up.

Knobs: LARCH_FUZZ_SEED (default 1), LARCH_FUZZ_REQUESTS (default 1500).
"""

from __future__ import annotations

import os
import random

import pytest

import harness

pytestmark = [pytest.mark.larch_only]

SEED = int(os.environ.get("LARCH_FUZZ_SEED", "1"))
REQUESTS = int(os.environ.get("LARCH_FUZZ_REQUESTS", "1500"))

PARAMS = ["value", "ttl", "prevExist", "prevValue", "prevIndex", "wait", "waitIndex", "recursive",
          "sorted", "dir", "quorum", "stream", "refresh", "noValueOnSuccess", "x"]
VALUES = ["", "true", "false", "1", "0", "-1", "5", "18446744073709551615", "18446744073709551616",
          "abc", "%zz", "%", "a%20b", "+", "t", "T", "1e3", " 1", "9999999999999", "\xff", "%00"]
KEYS = ["", "/", "/a", "/a/", "/a/b", "/_h", "/a/b/c/d", "//a", "/./a", "/a/../b", "/%2F",
        "/%zz", "/a%20b", "/" + "k" * 300, "/\xe2\x82\xac", "/a?", "/a#f"]
PATHS = ["/v2/members", "/v2/members/", "/v2/members/leader", "/v2/members/abc",
         "/v2/members/8e9e05c52164694d", "/v2/machines", "/v2/stats/self", "/v2/stats/leader",
         "/v2/stats/store", "/version", "/health", "/metrics", "/debug/vars", "/config/local/log",
         "/v2/auth/enable", "/v2/auth/users", "/v2/auth/users/root", "/v2/auth/users/alice",
         "/v2/auth/users/a/b", "/v2/auth/roles", "/v2/auth/roles/r", "/v2/auth/roles/guest",
         "/v2/auth/roles/root", "/v2", "/", "/v2/keysfoo", "*", "http://x/v2/keys/a"]
PEER_PATHS = ["/raft", "/members", "/version", "/raft/probe", "/raft/snapshot", "/x"]
METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PATCH", "TRACE", "get", "X"]
JSON_BODIES = [
    # No member add that could succeed: a second, unreachable voter would take the quorum
    # (and /health) away, which is right but ends the test's usefulness.
    b'{"peerURLs":["http//127.0.0.1:1"]}', b'{"peerURLs":[]}', b'{"peerURLs":"x"}',
    b'{"peerURLs":["::"]}', b'{', b'[]', b'null', b'{"Level":"debug"}', b'\x00\x01',
    b'{"user":"root","password":"pw"}', b'{"user":"alice","password":"a","roles":["app"]}',
    b'{"user":"alice","grant":["app","x"]}', b'{"user":"alice","revoke":["app"]}',
    b'{"role":"guest","revoke":{"kv":{"write":["/*"]}}}',
    b'{"role":"guest","grant":{"kv":{"write":["/*"]}}}',
    b'{"role":"r","grant":{"kv":{"read":["/a*",""]}}}', b'{"role":"r","permissions":null}',
    b'{"user":"root","roles":null,"grant":[]}', b'{"user":1}', b'{"USER":"alice","Password":"b"}',
]
AUTHS = ["Basic cm9vdDpwdw==", "Basic YWxpY2U6YQ==", "Basic xx", "Bearer x", "basic cm9vdDpwdw==",
         "Basic " + "A" * 5000, "Basic Og=="]


def query(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(0, 4)):
        k = rng.choice(PARAMS)
        parts.append(k if rng.random() < 0.1 else f"{k}={rng.choice(VALUES)}")
    return "&".join(parts)


def request(rng: random.Random, peer: bool) -> bytes:
    method = rng.choice(METHODS)
    if peer:
        path, ctype = rng.choice(PEER_PATHS), "application/octet-stream"
        body = rng.choice([b"", b"LRM\x01" + rng.randbytes(rng.randint(0, 64)),
                           rng.randbytes(rng.randint(0, 200)), b"LRM\x01\x01\x03\x00\x01\x02\x05"])
    elif rng.random() < 0.6:
        path = "/v2/keys" + rng.choice(KEYS)
        q = query(rng)
        path += "?" + q if q else ""
        ctype = rng.choice(["application/x-www-form-urlencoded", "", "text/plain",
                            "multipart/form-data", "application/x-www-form-urlencoded; charset=utf-8",
                            "a/b; x"])
        body = query(rng).encode("latin-1")
    else:
        path, ctype = rng.choice(PATHS), rng.choice(["application/json", ""])
        body = rng.choice(JSON_BODIES) if method in ("PUT", "POST") else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    if ctype:
        head += f"Content-Type: {ctype}\r\n"
    if rng.random() < 0.3:
        head += f"Authorization: {rng.choice(AUTHS)}\r\n"
    if peer and rng.random() < 0.5:
        head += "X-Etcd-Cluster-ID: " + rng.choice(["cdf818194e3a8c32", "0", "zz"]) + "\r\n"
    if rng.random() < 0.05:
        head += "Transfer-Encoding: chunked\r\n\r\n"
        return head.encode("latin-1") + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
    return head.encode("latin-1") + f"Content-Length: {len(body)}\r\n\r\n".encode() + body


def healthy(srv: harness.Server) -> bool:
    r = harness.raw_request(srv.host, srv.client_port,
                            b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", timeout=5)
    return r.data.startswith(b"HTTP/1.1 200 ")


@pytest.mark.timeout(300)
def test_random_requests_never_break_the_member(make_server):
    srv = make_server()
    rng = random.Random(SEED)
    statuses: dict[int, int] = {}
    for i in range(REQUESTS):
        peer = rng.random() < 0.15
        req = request(rng, peer)
        port = srv.peer_port if peer else srv.client_port
        # Watches and held peer requests stay open: a short deadline, then the next request.
        res = harness.raw_request(srv.host, port, req, timeout=0.5)
        if res.data:
            line = res.data.split(b"\r\n", 1)[0]
            assert line.startswith(b"HTTP/1.1 ") and line[9:12].isdigit(), (req[:300], res.data[:300])
            code = int(line[9:12])
            statuses[code] = statuses.get(code, 0) + 1
            assert code < 500, (req[:300], res.data[-300:])
        assert srv.running(), f"member died after {req[:300]!r}\n{srv.log_tail()}"
        if i % 250 == 249:
            assert healthy(srv), f"unhealthy after {i + 1} requests\n{srv.log_tail()}"
    # The mix reached the handlers, not only the front door.
    assert statuses.get(200, 0) > 50 and statuses.get(400, 0) > 50, statuses
    assert statuses.get(401, 0) > 0 or statuses.get(201, 0) > 0, statuses
    assert srv.stop() == 0, srv.log_tail()


@pytest.mark.timeout(300)
def test_random_requests_never_break_a_proxy(make_server, tmp_path_factory):
    from test_proxy import Proxy
    srv = make_server()
    p = Proxy("larch", str(tmp_path_factory.mktemp("fuzz-proxy")), srv)
    p.start(30)
    rng = random.Random(SEED + 1)
    statuses: dict[int, int] = {}
    try:
        for i in range(REQUESTS // 5):
            req = request(rng, False)
            res = harness.raw_request(p.host, p.client_port, req, timeout=0.5)
            if res.data:
                line = res.data.split(b"\r\n", 1)[0]
                assert line.startswith(b"HTTP/1.1 ") and line[9:12].isdigit(), \
                    (req[:300], res.data[:300])
                code = int(line[9:12])
                statuses[code] = statuses.get(code, 0) + 1
                assert code < 500, (req[:300], res.data[-300:])
            assert p.running(), f"proxy died after {req[:300]!r}\n{p.log_tail()}"
            assert srv.running(), f"member died after {req[:300]!r}\n{srv.log_tail()}"
        assert statuses.get(200, 0) > 10 and statuses.get(400, 0) > 10, statuses
        assert healthy(p), p.log_tail()
    finally:
        rc = p.stop()
    assert rc == 0, p.log_tail()
