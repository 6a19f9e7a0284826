"""TTL (spec §4) and watch (spec §5) behaviour of a single member, against every target."""

from __future__ import annotations

import calendar
import json
import socket
import time

import pytest

from harness import key_path, open_watch, parse_http_response, wait_for
from v2_checks import EXPIRATION_RE, assert_error, assert_event, etcd_index


def parse_expiration(s: str) -> float:
    assert EXPIRATION_RE.match(s), s
    main, _, frac = s[:-1].partition(".")
    secs = calendar.timegm(time.strptime(main, "%Y-%m-%dT%H:%M:%S"))
    return secs + (float("0." + frac) if frac else 0.0)


# ---- TTL ---------------------------------------------------------------------------

@pytest.mark.timeout(30)
def test_ttl_fields_countdown_and_expiry(server, client, uniq):
    k5, k1 = uniq + "/five", uniq + "/one"
    before = time.time()
    r = client.put(k5, "v", ttl=5)
    j = assert_event(r, 201, "set")
    assert j["node"]["ttl"] == 5
    exp = parse_expiration(j["node"]["expiration"])
    assert before + 4.5 <= exp <= time.time() + 5.5
    assert list(j["node"].keys()) == ["key", "value", "expiration", "ttl",
                                      "modifiedIndex", "createdIndex"]
    set_at = time.time()
    r = client.put(k1, "v", ttl=1)
    set_idx = etcd_index(r)
    w = open_watch(server, k1)
    assert w.status == 200
    assert client.get(k1).status == 200
    ev = w.event(timeout=5)              # the expire event, within ~1.5 s
    assert time.time() - set_at >= 0.9, "expired before its TTL"
    assert ev["action"] == "expire"
    assert ev["node"] == {"key": k1, "modifiedIndex": ev["node"]["modifiedIndex"],
                          "createdIndex": set_idx}
    assert ev["node"]["modifiedIndex"] > set_idx
    assert ev["prevNode"]["value"] == "v" and "ttl" not in ev["prevNode"]
    assert EXPIRATION_RE.match(ev["prevNode"]["expiration"])
    assert time.time() - before < 4
    w.close()
    assert_error(client.get(k1), 100, cause=k1)
    # 1.5 s after the set a GET shows the rounded-up remaining time
    wait_for(lambda: time.time() >= before + 1.6, 5)
    assert client.get(k5).json()["node"]["ttl"] in (3, 4)


@pytest.mark.timeout(20)
def test_ttl_zero_expires_at_next_sweep(client, uniq):
    r = client.put(uniq, "v", ttl=0)
    j = assert_event(r, 201, "set")
    assert "expiration" in j["node"] and "ttl" not in j["node"]
    wait_for(lambda: client.get(uniq).status == 404, 3, what="ttl=0 key to vanish")


def test_omitted_or_empty_ttl_clears_ttl(client, uniq):
    k = uniq
    assert client.put(k, "a", ttl=100).json()["node"]["ttl"] == 100
    j = client.put(k, "b", query={"prevExist": "true"}).json()
    assert "ttl" not in j["node"] and "expiration" not in j["node"]
    assert "expiration" in j["prevNode"]
    client.put(k, "c", ttl=100)
    j = client.put(k, "d", ttl="").json()
    assert "ttl" not in j["node"]
    client.put(k, "e", ttl=100)
    j = client.put(k, "f", query={"prevValue": "e"}).json()
    assert j["action"] == "compareAndSwap" and "ttl" not in j["node"]
    assert "expiration" not in client.get(k).json()["node"]


def test_directory_ttl_update(client, uniq):
    d = uniq + "/dir"
    r = client.put(d, dir="true", ttl=30)
    assert assert_event(r, 201, "set")["node"]["ttl"] == 30
    r = client.keys("PUT", d, query={"dir": "true", "prevExist": "true"}, form={"ttl": 60})
    j = assert_event(r, 200, "update")
    assert j["node"]["ttl"] == 60 and j["node"]["dir"] is True
    r = client.keys("PUT", d, query={"dir": "true", "prevExist": "true"}, form={"ttl": ""})
    j = assert_event(r, 200, "update")
    assert "ttl" not in j["node"]
    assert "expiration" not in client.get(d).json()["node"]


@pytest.mark.timeout(20)
def test_directory_expiry_single_event(server, client, uniq):
    d = uniq + "/expdir"
    client.put(d, dir="true", ttl=1)
    client.put(d + "/kid", "k")
    client.put(d + "/sub/kid2", "k2")
    w_child = open_watch(server, d + "/kid")
    w_rec = open_watch(server, uniq, recursive="true")
    ev = w_child.event(timeout=5)
    assert ev["action"] == "expire" and ev["node"]["key"] == d and ev["node"]["dir"] is True
    assert w_rec.event(timeout=5) == ev
    assert_error(client.get(d + "/kid"), 100, cause=d)
    assert_error(client.get(d + "/sub/kid2"), 100, cause=d)
    w_child.close()
    w_rec.close()


def test_refresh_rules(client, uniq):
    k = uniq + "/r"
    c_idx = etcd_index(client.put(k, "keep", ttl=100))
    r = client.keys("PUT", k, query={"refresh": "true", "prevExist": "true"}, form={"ttl": 200})
    j = assert_event(r, 200, "update")
    assert j["node"]["value"] == "keep" and j["node"]["ttl"] == 200
    assert j["node"]["createdIndex"] == c_idx and j["node"]["modifiedIndex"] == etcd_index(r)
    r = client.keys("PUT", k, query={"refresh": "true"}, form={"ttl": 300})
    j = assert_event(r, 200, "set")
    assert j["node"]["value"] == "keep" and j["node"]["createdIndex"] == etcd_index(r)
    assert_error(client.keys("PUT", uniq + "/missing", query={"refresh": "true"},
                             form={"ttl": 10}), 100)
    r = client.keys("PUT", uniq + "/made", query={"refresh": "true", "prevExist": "false"},
                    form={"ttl": 10})
    assert assert_event(r, 201, "create")["node"]["value"] == ""
    r = client.keys("PUT", k, query={"refresh": "true", "prevValue": "keep"}, form={"ttl": 500})
    j = assert_event(r, 200, "compareAndSwap")
    assert j["node"]["value"] == "keep" and j["node"]["ttl"] == 500
    assert_error(client.keys("PUT", k, query={"refresh": "true", "prevValue": "no"},
                             form={"ttl": 5}), 101)
    assert_error(client.keys("PUT", k, query={"refresh": "true"}, form={"ttl": 5, "value": "x"}),
                 211, cause="A value was provided on a refresh", index=0)
    r = client.keys("PUT", k, query={"refresh": "true"}, form={"ttl": 50, "value": ""})
    assert assert_event(r, 200, "set")["node"]["value"] == "keep"
    assert_error(client.keys("PUT", k, query={"refresh": "true"}), 212,
                 cause="No TTL value set", index=0)
    assert_error(client.keys("PUT", k, query={"refresh": "true"}, form={"ttl": ""}), 212)
    r = client.keys("PUT", k, query={"refresh": "false"}, form={"value": "new"})
    assert assert_event(r, 200, "set")["node"]["value"] == "new"
    d = uniq + "/rd"
    client.put(d, dir="true", ttl=100)
    assert_error(client.keys("PUT", d, query={"refresh": "true"}, form={"ttl": 10}), 102)
    r = client.keys("PUT", d, query={"refresh": "true", "prevExist": "true"}, form={"ttl": 10})
    assert assert_event(r, 200, "update")["node"]["ttl"] == 10


def test_refresh_is_invisible_to_watchers(server, client, uniq):
    k = uniq
    client.put(k, "v", ttl=100)
    start = client.index() + 1
    w = open_watch(server, k)
    for _ in range(2):
        r = client.keys("PUT", k, query={"refresh": "true", "prevExist": "true"},
                        form={"ttl": 100})
        assert r.status == 200
    s_idx = etcd_index(client.put(k, "after"))
    ev = w.event(timeout=5)
    assert ev["action"] == "set" and ev["node"]["modifiedIndex"] == s_idx
    w.close()
    assert s_idx == start + 2          # refreshes still consume indexes
    # history replay skips refreshes too
    w = open_watch(server, k, waitIndex=start)
    assert w.event(timeout=5)["node"]["modifiedIndex"] == s_idx
    w.close()


# ---- watches -------------------------------------------------------------------------------

def test_watch_long_poll_headers_first(server, client, uniq):
    k = uniq + "/w1"
    idx = client.index()
    w = open_watch(server, k)
    assert w.status == 200 and w.header("Content-Type") == "application/json"
    assert w.header("X-Etcd-Index") == str(idx)         # index at registration
    assert w.header("X-Raft-Index") is not None and w.header("X-Etcd-Cluster-Id")
    assert w.pending(0.3)
    r = client.put(k, "a")
    body = w.body(timeout=5)
    assert body == r.body                                # identical to the write's body
    assert json.loads(body)["action"] == "set"
    w.close()


def test_watch_from_history(server, client, uniq):
    k = uniq + "/h"
    i1 = etcd_index(client.put(k, "a"))
    client.put(uniq + "/other", "x")
    i2 = etcd_index(client.put(k, "b"))
    cur = client.index()
    w = open_watch(server, k, waitIndex=i1)
    assert w.header("X-Etcd-Index") == str(cur)
    ev = w.event(timeout=5)
    assert ev["node"]["modifiedIndex"] == i1 and ev["node"]["value"] == "a"
    w.close()
    w = open_watch(server, k, waitIndex=i1 + 1)      # first matching event >= waitIndex
    assert w.event(timeout=5)["node"]["modifiedIndex"] == i2
    w.close()
    # waitIndex in the future: earlier matching events are skipped
    w = open_watch(server, k, waitIndex=cur + 2)
    client.put(k, "c")                                  # cur+1: skipped
    i4 = etcd_index(client.put(k, "d"))                 # cur+2
    assert w.event(timeout=5)["node"]["modifiedIndex"] == i4
    w.close()
    # waitIndex without wait is ignored
    assert client.get(k, waitIndex=1).json()["action"] == "get"


def test_watch_recursive_and_ancestor_delete(server, client, uniq):
    d = uniq + "/d"
    client.put(d + "/k", "0")
    w_plain = open_watch(server, d)
    w_rec = open_watch(server, d, recursive="true")
    w_child = open_watch(server, d + "/k")
    r = client.put(d + "/k", "1")
    assert w_rec.event(timeout=5)["node"]["key"] == d + "/k"
    assert w_child.event(timeout=5)["node"]["value"] == "1"
    assert w_plain.pending(0.3)
    w_child = open_watch(server, d + "/k")
    r = client.delete(d, recursive="true")
    ev = w_child.event(timeout=5)
    assert ev["action"] == "delete" and ev["node"]["key"] == d    # the directory event
    assert w_plain.event(timeout=5) == ev
    assert ev == r.json()
    for w in (w_plain, w_rec, w_child):
        w.close()


def test_live_recursive_watch_skips_hidden(server, client, uniq):
    w_rec = open_watch(server, uniq, recursive="true")
    w_hidden = open_watch(server, uniq + "/_h")
    client.put(uniq + "/_h", "secret")
    assert w_hidden.event(timeout=5)["node"]["key"] == uniq + "/_h"
    assert w_rec.pending(0.3)
    client.put(uniq + "/visible", "v")
    assert w_rec.event(timeout=5)["node"]["key"] == uniq + "/visible"
    w_rec.close()
    w_hidden.close()


def test_watch_create_event_status_200_and_path_through_file(server, client, uniq):
    client.put(uniq + "/file", "f")
    w_through = open_watch(server, uniq + "/file/below")
    assert w_through.status == 200 and w_through.pending(0.3)
    w_through.close()
    w = open_watch(server, uniq + "/q", recursive="true")
    r = client.post(uniq + "/q", "job")
    assert r.status == 201
    assert w.status == 200 and w.event(timeout=5) == r.json()
    w.close()


def test_stream_watch_lines(server, client, uniq):
    k = uniq + "/s"
    w = open_watch(server, k, stream="true")
    assert w.status == 200
    i1 = etcd_index(client.put(k, "a"))
    i2 = etcd_index(client.put(k, "b"))
    i3 = etcd_index(client.delete(k))
    i4 = etcd_index(client.put(k, "c"))
    seen = []
    while not seen or seen[-1] != i4:
        line = w.next_line(timeout=5)
        assert line.endswith(b"\n")
        idx = json.loads(line)["node"]["modifiedIndex"]
        if not seen or seen[-1] != idx:            # etcd duplicates deletes (§5.4)
            seen.append(idx)
    assert seen == [i1, i2, i3, i4]
    w.close()


@pytest.mark.larch_only
def test_stream_watch_has_no_duplicate_delete_events(server, client, uniq):
    """Larch fixes etcd's duplicate delete/CAD/expire events on stream watches (§5.4)."""
    k = uniq + "/s"
    client.put(k, "a")
    w = open_watch(server, k, stream="true")
    client.delete(k)
    client.put(k, "b")
    client.delete(k, prevValue="b")
    last = etcd_index(client.put(k, "c", ttl=1))
    got = []
    deadline = time.time() + 6
    while time.time() < deadline:
        ev = w.next_event(timeout=5)
        got.append((ev["action"], ev["node"]["modifiedIndex"]))
        if ev["action"] == "expire":
            break
    actions = [a for a, _ in got]
    assert actions == ["delete", "set", "compareAndDelete", "set", "expire"], got
    # give a duplicate expire event (if any) time to arrive
    assert w.pending(0.7), "duplicate event after expire"
    assert len({i for _, i in got}) == len(got)
    assert got[3][1] == last
    w.close()


def test_watch_disconnect_removes_watcher(server, client, uniq):
    # earlier tests closed all their watches; let the server notice before counting
    wait_for(lambda: client.store_stats()["watchers"] == 0, 5, what="no leftover watchers")
    base = 0
    ws = [open_watch(server, uniq + f"/k{i}") for i in range(3)]
    wait_for(lambda: client.store_stats()["watchers"] == base + 3, 5, what="3 watchers")
    for w in ws:
        w.close()
    wait_for(lambda: client.store_stats()["watchers"] == base, 5, what="watchers released")


def test_request_pipelined_behind_a_watch_is_answered_after_the_event(server, client, uniq):
    # A client may send its next request before the watch's event: it waits in the
    # connection, and is answered after the watch's response, in order.
    k = uniq + "/pipe"
    client.put(k + "x", "other")
    s = socket.create_connection((server.host, server.client_port), timeout=10)
    try:
        s.sendall(f"GET {key_path(k)}?wait=true HTTP/1.1\r\nHost: x\r\n\r\n".encode()
                  + f"GET {key_path(k + 'x')} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        data = b""
        while b"\r\n\r\n" not in data:
            data += s.recv(65536)
        time.sleep(0.3)                  # the second request is now sitting in the connection
        client.put(k, "ev")
        deadline = time.time() + 10
        while data.count(b"HTTP/1.1 200") < 2 or not data.rstrip().endswith(b"}"):
            assert time.time() < deadline, data
            chunk = s.recv(65536)
            assert chunk, data
            data += chunk
    finally:
        s.close()
    status, _, body, rest = parse_http_response(data)
    assert status == 200 and json.loads(body)["node"]["value"] == "ev"
    status2, _, body2, _ = parse_http_response(rest)
    assert status2 == 200 and json.loads(body2)["node"]["value"] == "other"


def test_watch_errors(server, client, uniq):
    assert_error(client.get(uniq, wait="true", waitIndex="abc"), 203,
                 cause='invalid value for "waitIndex"', index=0)
    r = client.keys("HEAD", uniq, query={"wait": "true"})
    assert r.status == 400 and r.body == b"" and r.header("X-Etcd-Index") == "0"
    r = client.keys("GET", uniq, query={"wait": "true", "stream": "maybe"})
    assert_error(r, 209, cause='invalid value for "stream"', index=0)


def _fill_history(c, n, prefix):
    last = None
    for i in range(n):
        last = c.put(f"{prefix}/k{i % 10}", str(i))
        assert last.status in (200, 201), last
    return etcd_index(last)


@pytest.mark.timeout(90)
def test_outdated_wait_index_is_401_with_http_400(make_server, target):
    extra = ["--history-size", "1000"] if target == "larch" else []
    srv = make_server(extra)
    c = srv.client()
    cur = _fill_history(c, 1010, "/fill")
    assert cur == 3 + 1010
    r = c.get("/fill/k0", wait="true", waitIndex=8)
    j = assert_error(r, 401, index=cur)
    assert r.status == 400
    assert j["cause"] == f"the requested history has been cleared [{cur - 999}/8]"
    # the oldest retained event is still served
    w = open_watch(srv, "/fill", recursive="true", waitIndex=cur - 999)
    assert w.event(timeout=5)["node"]["modifiedIndex"] == cur - 999
    w.close()
    c.close()


@pytest.mark.larch_only
@pytest.mark.timeout(90)
def test_history_kept_beyond_1000_events(make_server):
    """Larch's default history window is larger than etcd's fixed 1000 events."""
    srv = make_server()
    c = srv.client()
    first = etcd_index(c.put("/fill/first", "x"))
    _fill_history(c, 1100, "/fill")
    w = open_watch(srv, "/fill/first", waitIndex=first)
    ev = w.event(timeout=5)
    assert ev["node"]["modifiedIndex"] == first and ev["node"]["value"] == "x"
    w.close()
    c.close()
