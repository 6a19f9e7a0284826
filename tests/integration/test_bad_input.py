"""Hostile and malformed input (spec §1.4, §1.5). After each test the server still answers.

Larch-only tests cover the deliberate fixes from the spec preface: --max-request-bytes
applied to v2 bodies, 414/431 instead of a TCP reset for long request lines, and idle and
slow-loris connections closed after a timeout. 10,000 idle watchers run on every target.

Knobs: LARCH_IDLE_BOUND (seconds to wait for Larch to close idle/slow connections,
default 75), LARCH_IDLE_ARGS (extra Larch flags for that test, e.g. a shorter timeout),
LARCH_WATCHERS (default 10000).
"""

from __future__ import annotations

import os
import resource
import selectors
import shlex
import socket
import time

import pytest

import harness
from harness import key_path, raw_request, wait_for
from v2_checks import assert_error, assert_event

IDLE_BOUND = float(os.environ.get("LARCH_IDLE_BOUND", "75"))
N_WATCHERS = int(os.environ.get("LARCH_WATCHERS", "10000"))


def alive(srv: harness.Server) -> bool:
    if not srv.running():
        return False
    c = srv.client(timeout=5)
    try:
        return c.request("GET", "/v2/keys/").status == 200
    finally:
        c.close()


@pytest.fixture(autouse=True)
def server_survives(server):
    yield
    assert alive(server), "server died or stopped answering\n" + server.log_tail()


# ---- malformed requests ------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/v2/keys/%zz", "/v2/keys/a%", "/v2/keys/a%2",
                                  "/v2/keys/%E0%A4%A", "/v2/keys/%%"])
def test_malformed_percent_encoding_in_path(client, path):
    r = client.request("GET", path)
    assert r.status == 400, r


@pytest.mark.parametrize("query,bad", [("value=%zz", "%zz"), ("value=%", "%"),
                                       ("a=%4", "%4"), ("%zz=1", "%zz")])
def test_malformed_percent_encoding_in_query(client, uniq, query, bad):
    r = client.request("PUT", key_path(uniq) + "?" + query)
    assert_error(r, 210, cause=f'invalid URL escape "{bad}"', index=0)
    r = client.request("PUT", key_path(uniq), query.encode(), {"Content-Type": client.FORM})
    assert_error(r, 210, cause=f'invalid URL escape "{bad}"', index=0)
    assert client.get(uniq).status == 404          # nothing was written


@pytest.mark.parametrize("param,code", [("ttl", 202), ("prevIndex", 203), ("waitIndex", 203)])
@pytest.mark.parametrize("bad", ["-0", "+1", " 1", "0x10", "1_000", "١", "18446744073709551616",
                                 "99999999999999999999999999999"])
def test_bad_numbers(client, uniq, param, code, bad):
    query = {param: bad}
    if param == "waitIndex":
        query["wait"] = "true"
        r = client.keys("GET", uniq, query=query)
    else:
        r = client.keys("PUT", uniq, query=query, form={"value": "v"})
    assert_error(r, code, index=0)


def test_max_uint64_index_is_a_number(client, uniq):
    client.put(uniq, "v")
    r = client.keys("PUT", uniq, query={"prevIndex": "18446744073709551615"},
                    form={"value": "x"})
    assert_error(r, 101)


def _put_raw(key: str, body: bytes) -> bytes:
    return (f"PUT {key_path(key)} HTTP/1.1\r\nHost: x\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def _assert_too_large(res) -> None:
    assert res.status == 400, res
    assert res.headers.get("content-type") == "application/json"
    j = res.json()
    assert j == {"errorCode": 210, "message": "Invalid POST form",
                 "cause": "http: POST too large", "index": 0}
    assert res.headers.get("connection", "").lower() == "close"


@pytest.mark.timeout(60)
def test_form_body_over_10_mib_rejected(server):
    payload = _put_raw("/toobig", b"value=" + b"x" * (11 * 1024 * 1024))
    res = raw_request(server.host, server.client_port, payload, timeout=30, concurrent=True)
    _assert_too_large(res)
    assert server.client().get("/toobig").status == 404


@pytest.mark.larch_only
@pytest.mark.timeout(60)
def test_max_request_bytes_applies_to_v2(make_server):
    srv = make_server(["--max-request-bytes", "1024"])
    c = srv.client()
    r = c.put("/small", "x" * 500)
    assert_event(r, 201, "set")
    c.close()
    res = raw_request(srv.host, srv.client_port, _put_raw("/large", b"value=" + b"x" * 2048),
                      timeout=10, concurrent=True)
    _assert_too_large(res)
    assert srv.client().get("/large").status == 404
    assert alive(srv)


def test_64k_key_on_keep_alive_connection(client, uniq):
    assert client.get(uniq + "/warmup").status == 404     # first request is short
    k = uniq + "/" + "k" * 65536
    r = client.put(k, "long")
    j = assert_event(r, 201, "set")
    assert j["node"]["key"] == k
    r = client.get(k)
    assert r.status == 200 and r.json()["node"]["value"] == "long"
    assert client.delete(k).status == 200


def test_long_first_request_line_does_not_hurt_server(server):
    line = b"GET /v2/keys/" + b"a" * 8000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    res = raw_request(server.host, server.client_port, line, timeout=5)
    if server.kind == "etcd":
        assert res.status is None      # etcd resets the connection (spec §1.5 quirk)
    else:
        assert res.status in (404, 414, 431), res
    assert alive(server)


@pytest.mark.larch_only
def test_long_first_request_line_gets_http_error(server):
    """etcd resets the connection when the first request line exceeds 4094 bytes; Larch
    serves long lines normally and answers 414/431 (never a bare reset) past its header
    limit (1 MiB)."""
    line = b"GET /v2/keys/" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    res = raw_request(server.host, server.client_port, line, timeout=5)
    assert res.status in (404, 414, 431), res
    line = b"GET /v2/keys/" + b"a" * (1024 * 1024 + 16)      # no end of line yet
    res = raw_request(server.host, server.client_port, line, timeout=10, concurrent=True)
    assert res.status in (414, 431), res


@pytest.mark.parametrize("method,path,allow", [
    ("FOO", "/v2/keys/x", "HEAD,GET,PUT,POST,DELETE"),
    ("PATCH", "/v2/keys/x", "HEAD,GET,PUT,POST,DELETE"),
    ("TRACE", "/v2/keys/", "HEAD,GET,PUT,POST,DELETE"),
    ("CONNECTX", "/version", "GET"),
])
def test_invalid_methods(server, method, path, allow):
    res = raw_request(server.host, server.client_port,
                      f"{method} {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert res.status == 405, res
    assert res.headers.get("allow") == allow
    assert res.body == b"Method Not Allowed\n"


GARBAGE = [
    b"\x00\x01garbage\r\n\r\n",
    b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    b"GET /v2/keys HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    b"GET /v2/keys HTTP/1.1\r\nHost: x\r\nNoColonHeader\r\n\r\n",
    b"PUT /v2/keys/g HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nvalue",   # short body
    b"POST /v2/keys/g HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\n\r\nzz\r\n",          # bad chunk
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 100,              # TLS hello
    bytes(range(256)) * 100,
    b"\r\n" * 5000,
]


@pytest.mark.parametrize("payload", GARBAGE, ids=[f"g{i}" for i in range(len(GARBAGE))])
def test_garbage_bytes(server, payload):
    res = raw_request(server.host, server.client_port, payload, timeout=2)
    # Acceptable: an HTTP error, a close/reset, or waiting for more bytes - never success.
    assert res.status is None or res.status >= 400, res
    assert alive(server)


def test_many_connections_opened_and_dropped(server):
    for _ in range(200):
        s = socket.create_connection((server.host, server.client_port), timeout=5)
        s.sendall(b"GET /v2/keys/ HTTP/1.1\r\nHost: x\r\n")      # incomplete, then gone
        s.close()
    assert alive(server)


# ---- idle and slow connections (Larch-only) ------------------------------------------------

def _closed_by_server(s: socket.socket) -> bool:
    s.setblocking(False)
    try:
        data = s.recv(65536)
        return data == b"" or data.startswith(b"HTTP/1.1 408") or data.startswith(b"HTTP/1.1 4")
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True
    finally:
        s.setblocking(True)


@pytest.mark.larch_only
@pytest.mark.timeout(IDLE_BOUND + 60)
def test_idle_and_slowloris_connections_are_closed(make_server):
    srv = make_server(shlex.split(os.environ.get("LARCH_IDLE_ARGS", "")))
    idle = socket.create_connection((srv.host, srv.client_port))
    slow = socket.create_connection((srv.host, srv.client_port))
    slow.sendall(b"GET /v2/keys/ HTTP/1.1\r\nHost: x\r\n")
    watch = harness.open_watch(srv, "/idle/watched")
    start = time.monotonic()
    idle_closed = slow_closed = None
    drip = b"X-Slow: " + b"a" * 1000
    i = 0
    while time.monotonic() - start < IDLE_BOUND and (idle_closed is None or
                                                      slow_closed is None):
        if idle_closed is None and _closed_by_server(idle):
            idle_closed = time.monotonic() - start
        if slow_closed is None:
            try:
                slow.sendall(drip[i % len(drip):i % len(drip) + 1])   # one byte a second
                i += 1
            except OSError:
                slow_closed = time.monotonic() - start
            if slow_closed is None and _closed_by_server(slow):
                slow_closed = time.monotonic() - start
        time.sleep(1)
    assert idle_closed is not None, f"idle connection still open after {IDLE_BOUND}s"
    assert slow_closed is not None, f"slow-loris connection still open after {IDLE_BOUND}s"
    # a long-poll watch is not an idle connection: it survives and gets its event
    c = srv.client()
    c.put("/idle/watched", "late")
    assert watch.event(timeout=5)["node"]["value"] == "late"
    watch.close()
    idle.close()
    slow.close()
    assert alive(srv)


# ---- 10,000 idle long-poll watchers -----------------------------------------------------------

def _open_watchers(srv, n):
    socks = []
    for i in range(n):
        s = socket.create_connection((srv.host, srv.client_port), timeout=10)
        s.sendall(f"GET /v2/keys/w10k/k{i % 100}?wait=true HTTP/1.1\r\nHost: x\r\n\r\n"
                  .encode())
        socks.append(s)
    return socks


def _read_all(socks, until: bytes, timeout: float) -> dict:
    """Read from every socket until each buffer contains ``until`` (bounded)."""
    sel = selectors.DefaultSelector()
    bufs = {}
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        bufs[s] = b""
    pending = set(socks)
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            except ConnectionResetError:
                data = b""
            bufs[s] += data
            if until in bufs[s] or not data:
                sel.unregister(s)
                pending.discard(s)
    sel.close()
    return bufs


@pytest.mark.timeout(180)
def test_ten_thousand_idle_watchers(make_server):
    """Not a Larch-only fix: etcd copes too, so this runs against every target.
    The server starts with a 1024 soft open-file limit (a default shell's) and must raise it
    itself to hold the watchers."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < N_WATCHERS + 500 or hard < N_WATCHERS + 500:
        pytest.skip(f"RLIMIT_NOFILE {soft}/{hard} too small for {N_WATCHERS} sockets")
    srv = make_server(start=False)
    srv.soft_nofile = 1024
    srv.start()
    c = srv.client()
    socks = []
    try:
        socks = _open_watchers(srv, N_WATCHERS)
        wait_for(lambda: c.store_stats()["watchers"] == N_WATCHERS, 60, interval=0.5,
                 what=f"{N_WATCHERS} registered watchers")
        heads = _read_all(socks, b"\r\n\r\n", 60)
        assert all(b.startswith(b"HTTP/1.1 200 OK") for b in heads.values())
        t0 = time.monotonic()
        assert c.get("/").status == 200
        r = c.put("/w10k/k0", "wake")                    # wakes 1 % of the watchers
        assert r.status == 201
        assert time.monotonic() - t0 < 5, "server slow with many idle watchers"
        woken = [s for i, s in enumerate(socks) if i % 100 == 0]
        bodies = _read_all(woken, b'"action":"set"', 30)
        assert all(b'"value":"wake"' in b for b in bodies.values())
        wait_for(lambda: c.store_stats()["watchers"] == N_WATCHERS - len(woken), 30,
                 interval=0.5, what="woken watchers released")
    finally:
        for s in socks:
            s.close()
    wait_for(lambda: c.store_stats()["watchers"] == 0, 60, interval=0.5,
             what="watchers back to 0 after disconnect")
    assert alive(srv)
    c.close()
