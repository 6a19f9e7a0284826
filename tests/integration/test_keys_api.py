"""/v2/keys behaviour of a single member (spec §1-§4), run against every target.

All assertions are relative to the index the test observed itself, so tests can share
one server per module. Tests that need a fresh or specially configured server start
their own with ``make_server``.
"""

from __future__ import annotations

import json
import socket
import time

import pytest

from harness import encode_params, key_path, parse_http_response, response_complete
from v2_checks import assert_error, assert_event, etcd_index


# ---- set / get / create / update ---------------------------------------------------

def test_fresh_member_starts_at_index_3(make_server):
    srv = make_server()
    c = srv.client()
    r = c.request("GET", "/v2/keys")
    j = assert_event(r, 200, "get")
    assert j == {"action": "get", "node": {"dir": True}}
    assert r.body == b'{"action":"get","node":{"dir":true}}\n'
    assert etcd_index(r) == 3
    r = c.put("/first", "v")
    assert assert_event(r, 201, "set")["node"]["modifiedIndex"] == 4
    c.close()


def test_set_new_then_replace(client, uniq):
    k = uniq + "/k"
    r = client.put(k, "one")
    j = assert_event(r, 201, "set")
    i1 = etcd_index(r)
    assert j == {"action": "set", "node": {"key": k, "value": "one", "modifiedIndex": i1,
                                           "createdIndex": i1}}
    assert r.body.decode().startswith('{"action":"set","node":{"key":')
    r = client.put(k, "two")
    j = assert_event(r, 200, "set")
    i2 = etcd_index(r)
    assert i2 == i1 + 1
    # A plain set replaces the node: new createdIndex (spec §2.4 quirk).
    assert j["node"] == {"key": k, "value": "two", "modifiedIndex": i2, "createdIndex": i2}
    assert j["prevNode"] == {"key": k, "value": "one", "modifiedIndex": i1, "createdIndex": i1}
    r = client.get(k)
    j = assert_event(r, 200, "get")
    assert j == {"action": "get", "node": {"key": k, "value": "two", "modifiedIndex": i2,
                                           "createdIndex": i2}}
    assert etcd_index(r) >= i2


def test_get_missing_reports_first_missing_component(client, uniq):
    idx = client.index()
    assert_error(client.get(uniq + "/a/b/c"), 100, cause=uniq, index=idx)
    client.put(uniq + "/a", "x", dir=True)
    idx = client.index()
    assert_error(client.get(uniq + "/a/b/c"), 100, cause=uniq + "/a/b", index=idx)


def test_create_and_update(client, uniq):
    k = uniq + "/foo"
    r = client.put(k, "one", query={"prevExist": "false"})
    j = assert_event(r, 201, "create")
    c_idx = etcd_index(r)
    assert "prevNode" not in j
    assert_error(client.put(k, "two", query={"prevExist": "false"}), 105, cause=k, index=c_idx)
    # create wins over prevValue
    assert_error(client.put(k, "x", query={"prevExist": "false", "prevValue": "six"}), 105)
    r = client.put(k, "two", query={"prevExist": "true"})
    j = assert_event(r, 200, "update")
    u_idx = etcd_index(r)
    assert u_idx == c_idx + 1
    assert j["node"] == {"key": k, "value": "two", "modifiedIndex": u_idx, "createdIndex": c_idx}
    assert j["prevNode"] == {"key": k, "value": "one", "modifiedIndex": c_idx,
                             "createdIndex": c_idx}
    idx = client.index()
    assert_error(client.put(uniq + "/nope", "x", query={"prevExist": "true"}), 100,
                 cause=uniq + "/nope", index=idx)
    # update with a missing value sets ""
    r = client.keys("PUT", k, query={"prevExist": "true"})
    assert assert_event(r, 200, "update")["node"]["value"] == ""


def test_compare_and_swap(client, uniq):
    k = uniq + "/foo"
    i0 = etcd_index(client.put(k, "two"))
    r = client.put(k, "three", query={"prevValue": "two"})
    j = assert_event(r, 200, "compareAndSwap")
    i1 = etcd_index(r)
    assert j["node"] == {"key": k, "value": "three", "modifiedIndex": i1, "createdIndex": i0}
    assert j["prevNode"]["value"] == "two"
    assert_error(client.put(k, "four", query={"prevValue": "two"}), 101,
                 cause="[two != three]", index=i1)
    assert_error(client.put(k, "four", query={"prevIndex": 1}), 101,
                 cause=f"[1 != {i1}]", index=i1)
    assert_error(client.put(k, "four", query={"prevIndex": 1, "prevValue": "x"}), 101,
                 cause=f"[x != three] [1 != {i1}]", index=i1)
    # only the failing one of two conditions is shown
    assert_error(client.put(k, "four", query={"prevIndex": i1, "prevValue": "x"}), 101,
                 cause="[x != three]")
    r = client.put(k, "five", query={"prevIndex": i1, "prevValue": "three"})
    j = assert_event(r, 200, "compareAndSwap")
    assert j["node"]["createdIndex"] == i0
    # prevExist=true with prevValue is also a CAS
    r = client.put(k, "six", query={"prevExist": "true", "prevValue": "five"})
    assert_event(r, 200, "compareAndSwap")
    # prevIndex=0 means "no condition": a plain set with a new createdIndex
    r = client.put(k, "eight", query={"prevIndex": 0})
    j = assert_event(r, 200, "set")
    assert j["node"]["createdIndex"] == etcd_index(r)
    # CAS on missing / directory / root
    assert_error(client.put(uniq + "/missing", "x", query={"prevValue": "a"}), 100)
    client.put(uniq + "/d", dir=True)
    assert_error(client.put(uniq + "/d", "x", query={"prevValue": "a"}), 102, cause=uniq + "/d")
    assert_error(client.keys("PUT", "/", query={"prevValue": "a"}, form={"value": "x"}), 107,
                 cause="/")


def test_root_is_read_only(client):
    idx = client.index()
    assert_error(client.keys("PUT", "/", form={"value": "x"}), 107, cause="/", index=idx)
    assert_error(client.keys("PUT", "/", query={"prevExist": "true"}), 107, cause="/")
    assert_error(client.keys("DELETE", "/"), 107, cause="/")
    assert_error(client.keys("DELETE", "/", query={"recursive": "true"}), 107, cause="/")
    r = client.keys("DELETE", "/", query={"prevValue": "a"})
    assert_error(r, 102, cause=None)


def test_directories(client, uniq):
    d = uniq + "/dv"
    r = client.put(d, "abc", dir="true")
    j = assert_event(r, 201, "set")
    i = etcd_index(r)
    assert j["node"] == {"key": d, "dir": True, "modifiedIndex": i, "createdIndex": i}
    # set onto an existing directory -> 403/102 (with or without dir=true)
    assert_error(client.put(d, "x"), 102, cause=d, index=i)
    assert_error(client.put(d, dir="true"), 102, cause=d)
    # update with a non-empty value on a directory -> 102
    assert_error(client.put(d, "x", query={"prevExist": "true"}), 102, cause=d)
    # set + dir=true over a file replaces the file by an empty directory
    f = uniq + "/f"
    client.put(f, "v")
    r = client.put(f, dir="true")
    j = assert_event(r, 200, "set")
    assert j["node"]["dir"] is True and "value" not in j["node"]
    assert j["prevNode"]["value"] == "v"
    # update with dir=true on a file just sets the value to ""
    g = uniq + "/g"
    client.put(g, "v")
    r = client.keys("PUT", g, query={"prevExist": "true", "dir": "true"})
    j = assert_event(r, 200, "update")
    assert j["node"]["value"] == "" and "dir" not in j["node"]
    # path through a file -> 104, cause = the file
    assert_error(client.put(g + "/child", "x"), 104, cause=g)
    assert_error(client.get(g + "/child"), 104, cause=g)
    # mkdir (create) an existing dir -> 105
    assert_error(client.keys("PUT", d, query={"dir": "true", "prevExist": "false"}), 105)
    # ancestors are created with the same index as the write
    r = client.put(uniq + "/x/y/z", "deep")
    i = etcd_index(r)
    j = client.get(uniq + "/x").json()
    assert j["node"]["createdIndex"] == i and j["node"]["modifiedIndex"] == i
    assert j["node"]["nodes"][0] == {"key": uniq + "/x/y", "dir": True,
                                     "modifiedIndex": i, "createdIndex": i}
    # a directory's modifiedIndex does not change when its children change
    client.put(uniq + "/x/other", "o")
    assert client.get(uniq + "/x").json()["node"]["modifiedIndex"] == i


def test_listing_sorted_recursive_hidden(client, uniq):
    t = uniq + "/tree"
    ib = etcd_index(client.put(t + "/b", "B"))
    ia = etcd_index(client.put(t + "/a", "A"))
    ic = etcd_index(client.put(t + "/c/d", "D"))
    client.put(t + "/_hidden", "H")
    client.put(t + "/c/_h2", "H2")
    client.put(t + "/c/e/_h3", "H3")
    r = client.get(t, sorted="true")
    j = assert_event(r, 200, "get")
    assert j["node"] == {"key": t, "dir": True, "nodes": [
        {"key": t + "/a", "value": "A", "modifiedIndex": ia, "createdIndex": ia},
        {"key": t + "/b", "value": "B", "modifiedIndex": ib, "createdIndex": ib},
        {"key": t + "/c", "dir": True, "modifiedIndex": ic, "createdIndex": ic}],
        "modifiedIndex": ib, "createdIndex": ib}
    r = client.get(t, sorted="true", recursive="true")
    j = r.json()
    c = j["node"]["nodes"][2]
    assert [n["key"] for n in c["nodes"]] == [t + "/c/d", t + "/c/e"]
    assert "nodes" not in c["nodes"][1]       # e holds only a hidden child
    # unsorted listing holds the same set
    j2 = client.get(t, recursive="true").json()
    assert sorted(n["key"] for n in j2["node"]["nodes"]) == [t + "/a", t + "/b", t + "/c"]
    # hidden nodes can be read directly; listing a hidden dir shows its children
    assert client.get(t + "/_hidden").json()["node"]["value"] == "H"
    client.put(t + "/_hd/visible", "V")
    j = client.get(t + "/_hd").json()
    assert [n["key"] for n in j["node"]["nodes"]] == [t + "/_hd/visible"]
    # recursive/sorted have no effect on files
    assert client.get(t + "/a", recursive="true", sorted="true").json()["node"]["value"] == "A"


def test_root_listing_has_no_key_or_indexes(client, uniq):
    client.put(uniq, "v")
    j = client.request("GET", "/v2/keys/").json()
    assert "key" not in j["node"] and "modifiedIndex" not in j["node"]
    assert j["node"]["dir"] is True
    assert any(n["key"] == uniq for n in j["node"]["nodes"])
    assert client.request("GET", "/v2/keys").json()["node"]["dir"] is True


def test_empty_directory_has_no_nodes_field(client, uniq):
    client.put(uniq + "/empty", dir="true")
    j = client.get(uniq + "/empty", recursive="true").json()
    assert "nodes" not in j["node"]


def test_odd_key_names_round_trip(client, uniq):
    for name in ["with space", "été", "plus+sign", "q?mark", "a\u0000b", "日本語", "x&y=z"]:
        k = f"{uniq}/{name}"
        r = client.put(k, name)
        assert assert_event(r, 201, "set")["node"]["key"] == k
        j = client.get(k).json()
        assert j["node"]["key"] == k and j["node"]["value"] == name
    # NUL is escaped as \u0000 on the wire
    r = client.get(uniq + "/a\u0000b")
    assert b'"key":"' + uniq.encode() + b'/a\\u0000b"' in r.body
    # %2F inside a segment is just a separator
    r = client.keys("PUT", "", raw_path=key_path(uniq) + "/enc%2Fslash", form={"value": "s"})
    assert assert_event(r, 201, "set")["node"]["key"] == uniq + "/enc/slash"
    # a single trailing slash is ignored by the store
    r = client.keys("PUT", "", raw_path=key_path(uniq + "/ts") + "/", form={"value": "t"})
    assert assert_event(r, 201, "set")["node"]["key"] == uniq + "/ts"


def test_large_response_reaches_a_slow_reader_intact(server, client, uniq):
    # A response larger than the socket's send buffer (tcp_wmem's 4 MiB at most) is written
    # in part at once and the rest as the client reads; a reader that starts late still gets
    # every byte.
    value = "".join(chr(ord("a") + i % 26) for i in range(1_000_000))
    for i in range(6):
        assert client.put(f"{uniq}/big/{i}", value).status == 201
    s = socket.create_connection((server.host, server.client_port), timeout=10)
    try:
        s.sendall(f"GET {key_path(uniq + '/big')}?recursive=true HTTP/1.1\r\nHost: x\r\n\r\n"
                  .encode())
        time.sleep(0.5)
        data = b""
        while not response_complete(data):
            chunk = s.recv(65536)
            assert chunk, "connection closed early"
            data += chunk
    finally:
        s.close()
    status, _, body, _ = parse_http_response(data)
    nodes = json.loads(body)["node"]["nodes"]
    assert status == 200 and len(nodes) == 6 and all(n["value"] == value for n in nodes)


def test_go_json_escaping(client, uniq):
    v = "<a href=\"x\">&'\ntab\tend\u2028"
    client.put(uniq, v)
    r = client.get(uniq)
    assert b'"value":"\\u003ca href=\\"x\\"\\u003e\\u0026\'\\ntab\\tend\\u2028"' in r.body
    assert r.json()["node"]["value"] == v


# ---- delete ----------------------------------------------------------------------------

def test_delete_file_and_dirs(client, uniq):
    k = uniq + "/message"
    i0 = etcd_index(client.put(k, "World"))
    r = client.delete(k)
    j = assert_event(r, 200, "delete")
    i1 = etcd_index(r)
    assert j == {"action": "delete",
                 "node": {"key": k, "modifiedIndex": i1, "createdIndex": i0},
                 "prevNode": {"key": k, "value": "World", "modifiedIndex": i0,
                              "createdIndex": i0}}
    assert_error(client.delete(k), 100, cause=k, index=i1)
    d = uniq + "/d1"
    di = etcd_index(client.put(d, dir="true"))
    client.put(d + "/child", "c")
    idx = client.index()
    assert_error(client.delete(d), 102, cause=d, index=idx)
    assert_error(client.delete(d, dir="true"), 108, cause=d, index=idx)
    # DELETE ignores body parameters
    r = client.keys("DELETE", d, form={"dir": "true", "recursive": "true"})
    assert_error(r, 102, cause=d)
    r = client.delete(d, recursive="true")
    j = assert_event(r, 200, "delete")
    assert j["node"] == {"key": d, "dir": True, "modifiedIndex": etcd_index(r),
                         "createdIndex": di}
    assert j["prevNode"] == {"key": d, "dir": True, "modifiedIndex": di, "createdIndex": di}
    assert_error(client.get(d + "/child"), 100, cause=d)
    e = uniq + "/e"
    client.put(e, dir="true")
    assert assert_event(client.delete(e, dir="true"), 200, "delete")["node"]["dir"] is True
    # file deletion ignores dir/recursive flags
    client.put(uniq + "/f", "v")
    assert_event(client.delete(uniq + "/f", dir="true", recursive="true"), 200, "delete")


def test_compare_and_delete(client, uniq):
    k = uniq + "/q1"
    i0 = etcd_index(client.put(k, "val"))
    assert_error(client.delete(k, prevValue="other"), 101, cause="[other != val]", index=i0)
    assert_error(client.delete(k, prevIndex=i0 + 100), 101, cause=f"[{i0 + 100} != {i0}]")
    r = client.delete(k, prevValue="val")
    j = assert_event(r, 200, "compareAndDelete")
    assert j["node"] == {"key": k, "modifiedIndex": etcd_index(r), "createdIndex": i0}
    assert j["prevNode"]["value"] == "val"
    assert_error(client.delete(k, prevValue="val"), 100, cause=k)
    i1 = etcd_index(client.put(k, "v2"))
    assert_event(client.delete(k, prevIndex=i1), 200, "compareAndDelete")
    client.put(uniq + "/dir/x", "x")
    assert_error(client.delete(uniq + "/dir", prevValue="a", recursive="true"), 102,
                 cause=uniq + "/dir")


# ---- in-order POST, noValueOnSuccess ----------------------------------------------------

def test_in_order_post(client, uniq):
    q = uniq + "/queue"
    names = []
    for v in ["Job1", "Job2", "Job3"]:
        r = client.post(q, v)
        j = assert_event(r, 201, "create")
        i = etcd_index(r)
        assert j["node"] == {"key": f"{q}/{i:020d}", "value": v, "modifiedIndex": i,
                             "createdIndex": i}
        names.append(j["node"]["key"])
        client.put(uniq + "/between", "x")      # names need not be consecutive
    j = client.get(q, sorted="true").json()
    assert [n["key"] for n in j["node"]["nodes"]] == names
    assert [n["value"] for n in j["node"]["nodes"]] == ["Job1", "Job2", "Job3"]
    # POST onto a file -> 104 with the file as cause
    assert_error(client.post(uniq + "/between", "x"), 104, cause=uniq + "/between")
    # dir=true creates an in-order directory; ttl works
    r = client.post(q, dir="true")
    j = assert_event(r, 201, "create")
    assert j["node"]["dir"] is True and j["node"]["key"].startswith(q + "/")
    r = client.post(q, "t", ttl=100)
    assert assert_event(r, 201, "create")["node"]["ttl"] == 100
    # prevExist/prevValue are ignored by POST
    r = client.post(q, "p", query={"prevExist": "true", "prevValue": "zzz"})
    assert_event(r, 201, "create")


def test_post_to_root(client):
    r = client.request("POST", "/v2/keys/", b"value=r",
                       {"Content-Type": "application/x-www-form-urlencoded"})
    j = assert_event(r, 201, "create")
    assert j["node"]["key"] == "/%020d" % etcd_index(r)
    assert_event(client.delete(j["node"]["key"]), 200, "delete")


def test_no_value_on_success(client, uniq):
    k = uniq + "/nv"
    r = client.put(k, "one", query={"noValueOnSuccess": "true"})
    assert r.status == 201 and r.body == b'{"action":"set"}\n'
    r = client.put(k, "two", query={"noValueOnSuccess": "true", "prevExist": "true"})
    assert r.status == 200 and r.json() == {"action": "update"}
    r = client.put(k, "3", query={"noValueOnSuccess": "true", "prevValue": "two"})
    assert r.status == 200 and r.json() == {"action": "compareAndSwap"}
    r = client.post(uniq + "/nvq", query={"noValueOnSuccess": "true"})
    assert r.status == 201 and r.json() == {"action": "create"}
    # no effect on errors, gets and deletes
    assert_error(client.put(k, "x", query={"noValueOnSuccess": "true", "prevValue": "no"}), 101)
    assert client.get(k, noValueOnSuccess="true").json()["node"]["value"] == "3"
    j = client.delete(k, noValueOnSuccess="true").json()
    assert j["action"] == "delete" and "prevNode" in j


def test_head(client, uniq):
    client.put(uniq, "value")
    g = client.get(uniq)
    h = client.keys("HEAD", uniq)
    assert h.status == 200 and h.body == b""
    assert h.header("Content-Length") == str(len(g.body))
    for name in ["Content-Type", "X-Etcd-Index", "X-Etcd-Cluster-Id"]:
        assert h.header(name) == g.header(name)
    assert h.header("X-Raft-Index") is not None
    h = client.keys("HEAD", uniq + "_missing")
    assert h.status == 404 and h.header("X-Etcd-Index") is not None and h.body == b""
    h = client.keys("HEAD", uniq, query={"wait": "true"})
    assert h.status == 400


def test_quorum_read_and_quorum_overrides_wait(client, uniq):
    client.put(uniq, "q")
    r = client.get(uniq, quorum="true")
    assert assert_event(r, 200, "get")["node"]["value"] == "q"
    r = client.get(uniq, quorum="true", wait="true")          # a plain read, not a watch
    assert assert_event(r, 200, "get")["node"]["value"] == "q"


# ---- parameter parsing (§1.4) ------------------------------------------------------------

def test_params_body_wins_over_query(client, uniq):
    r = client.keys("PUT", uniq + "/q1", query={"value": "fromquery"})
    assert r.json()["node"]["value"] == "fromquery"
    r = client.keys("PUT", uniq + "/q2", query={"value": "fromquery"}, form={"value": "frombody"})
    assert r.json()["node"]["value"] == "frombody"
    # first occurrence wins
    r = client.request("PUT", key_path(uniq + "/q3") + "?value=a&value=b")
    assert r.json()["node"]["value"] == "a"
    r = client.request("PUT", key_path(uniq + "/q3"), b"value=c&value=d",
                       {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert r.json()["node"]["value"] == "c"
    # non-form bodies are ignored
    for ctype in ["application/json", "text/plain", None]:
        hdrs = {"Content-Type": ctype} if ctype else {}
        body = b'{"value":"x"}' if ctype == "application/json" else b"value=x"
        r = client.request("PUT", key_path(uniq + "/q4"), body, hdrs)
        assert r.json()["node"]["value"] == "", (ctype, r)
    # unknown parameters are ignored; '+' in a form is a space, %2B a plus
    r = client.request("PUT", key_path(uniq + "/q5") + "?foo=bar&baz", b"value=a+b%2Bc",
                       {"Content-Type": "application/x-www-form-urlencoded"})
    assert r.json()["node"]["value"] == "a b+c"


@pytest.mark.parametrize("val", ["1", "t", "T", "true", "TRUE", "True",
                                 "0", "f", "F", "false", "FALSE", "False"])
def test_bool_accepted_forms(client, uniq, val):
    client.put(uniq + "/x", "v")
    assert client.get(uniq, recursive=val).status == 200


def test_bool_rejected_forms(client, uniq):
    for name in ["recursive", "sorted", "wait", "dir", "quorum", "stream", "noValueOnSuccess"]:
        for bad in ["yes", "", "2", "tRuE"]:
            r = client.request("GET", key_path(uniq) + "?" + encode_params({name: bad}))
            assert_error(r, 209, cause=f'invalid value for "{name}"', index=0)
    r = client.request("GET", key_path(uniq) + "?recursive")
    assert_error(r, 209, cause='invalid value for "recursive"', index=0)
    assert_error(client.keys("PUT", uniq, query={"prevExist": "yes"}), 209,
                 cause="invalid value for prevExist")
    assert_error(client.keys("PUT", uniq, query={"refresh": "yes"}), 209,
                 cause="invalid value for refresh")


def test_int_params_rejected(client, uniq):
    for bad in ["-1", "1.5", "abc", "", "1e3", "99999999999999999999999"]:
        assert_error(client.keys("PUT", uniq, query={"prevIndex": bad}, form={"value": "v"}),
                     203, cause='invalid value for "prevIndex"', index=0)
        assert_error(client.get(uniq, wait="true", waitIndex=bad), 203,
                     cause='invalid value for "waitIndex"', index=0)
    for bad in ["-1", "1.5", "abc", "1e3", "18446744073709551616"]:
        assert_error(client.put(uniq, "v", ttl=bad), 202, cause='invalid value for "ttl"',
                     index=0)


def test_validation_same_for_every_method_and_ordered(client, uniq):
    assert_error(client.get(uniq, ttl="abc"), 202, index=0)
    assert_error(client.get(uniq, prevValue=""), 201, cause='"prevValue" cannot be empty',
                 index=0)
    assert_error(client.delete(uniq, prevValue=""), 201)
    assert_error(client.keys("PUT", uniq, query={"prevValue": ""}), 201)
    # order: 210 -> prevIndex -> waitIndex -> bools -> wait-on-non-GET -> prevValue ->
    # noValueOnSuccess -> ttl -> prevExist -> refresh
    order = [
        ("ttl=%zz&prevIndex=x", 210), ("prevIndex=x&waitIndex=y", 203),
        ("waitIndex=y&recursive=z", 203), ("recursive=z&prevValue=", 209),
        ("prevValue=&noValueOnSuccess=z", 201), ("noValueOnSuccess=z&ttl=q", 209),
        ("ttl=q&prevExist=z", 202), ("prevExist=z&refresh=z", 209),
    ]
    for q, code in order:
        r = client.request("PUT", key_path(uniq) + "?" + q)
        assert r.json()["errorCode"] == code, (q, r)
    r = client.request("PUT", key_path(uniq) + "?wait=true&prevValue=")
    assert_error(r, 209, cause='"wait" can only be used with GET requests', index=0)


def test_bad_percent_encoding_in_query_and_body(client, uniq):
    r = client.request("GET", key_path(uniq) + "?recursive=%zz")
    assert_error(r, 210, cause='invalid URL escape "%zz"', index=0)
    r = client.request("PUT", key_path(uniq), b"value=%zz",
                       {"Content-Type": "application/x-www-form-urlencoded"})
    assert_error(r, 210, cause='invalid URL escape "%zz"', index=0)


def test_wait_with_other_methods(client, uniq):
    cause = '"wait" can only be used with GET requests'
    assert_error(client.keys("PUT", uniq, query={"wait": "true"}), 209, cause=cause)
    assert_error(client.keys("POST", uniq, query={"wait": "true"}), 209, cause=cause)
    assert_error(client.keys("DELETE", uniq, query={"wait": "true"}), 209, cause=cause)
