"""Real clients against every target: etcdctl (ETCDCTL_API=2) and python3-etcd."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
import time

import pytest

import harness

etcd = pytest.importorskip("etcd")     # Debian python3-etcd, importable by /usr/bin/python3

pytestmark = pytest.mark.skipif(not os.access(harness.ETCDCTL_BIN, os.X_OK),
                                reason="etcdctl not installed")


def ctl(server, *args, timeout=15, check=True):
    env = dict(os.environ, ETCDCTL_API="2")
    p = subprocess.run([harness.ETCDCTL_BIN, "--endpoints", server.client_url, *args],
                       env=env, capture_output=True, text=True, timeout=timeout)
    if check:
        assert p.returncode == 0, (args, p.returncode, p.stdout, p.stderr)
    return p


# ---- etcdctl -----------------------------------------------------------------------------

def test_etcdctl_set_get_mk_update(server, uniq):
    k = uniq + "/k"
    assert ctl(server, "set", k, "v").stdout == "v\n"
    assert ctl(server, "get", k).stdout == "v\n"
    p = ctl(server, "mk", k, "x", check=False)
    assert p.returncode == 4
    assert p.stderr.startswith(f"Error:  105: Key already exists ({k}) [")
    assert ctl(server, "mk", uniq + "/k2", "x").stdout == "x\n"
    assert ctl(server, "update", k, "w").stdout == "w\n"
    p = ctl(server, "update", uniq + "/nope", "w", check=False)
    assert p.returncode == 4 and "100: Key not found" in p.stderr
    p = ctl(server, "set", "--swap-with-value", "zz", k, "n", check=False)
    assert p.returncode == 4 and "101: Compare failed ([zz != w])" in p.stderr
    assert ctl(server, "set", "--swap-with-value", "w", k, "n").stdout == "n\n"
    assert ctl(server, "set", "--ttl", "100", k, "t").stdout == "t\n"
    assert ctl(server, "get", "--quorum", k).stdout == "t\n"


def test_etcdctl_dirs_ls_rm(server, uniq):
    d = uniq + "/d"
    ctl(server, "mkdir", d)
    ctl(server, "set", d + "/a", "1")
    ctl(server, "set", d + "/b/c", "2")
    assert ctl(server, "ls", "-r", "--sort", d).stdout == f"{d}/a\n{d}/b\n{d}/b/c\n"
    assert ctl(server, "ls", "--sort", d).stdout == f"{d}/a\n{d}/b\n"
    p = ctl(server, "rmdir", d, check=False)
    assert p.returncode == 4 and "108: Directory not empty" in p.stderr
    assert ctl(server, "rm", d + "/a").stdout == "PrevNode.Value: 1\n"
    ctl(server, "rm", "-r", d)
    p = ctl(server, "get", d + "/b/c", check=False)
    assert p.returncode == 4 and f"100: Key not found ({d})" in p.stderr
    ctl(server, "mkdir", uniq + "/e")
    ctl(server, "rmdir", uniq + "/e")
    ctl(server, "mk", "--in-order", uniq + "/q", "j1")
    assert ctl(server, "ls", uniq + "/q").stdout.startswith(uniq + "/q/0000")


def test_etcdctl_json_and_extended_output(server, uniq):
    k = uniq + "/j"
    ctl(server, "set", k, "x")
    j = json.loads(ctl(server, "-o", "json", "get", k).stdout)
    assert j["action"] == "get" and j["node"]["key"] == k and j["node"]["value"] == "x"
    ext = ctl(server, "-o", "extended", "get", k).stdout
    assert ext.startswith(f"Key: {k}\nCreated-Index: ") and ext.endswith("\n\nx\n")


def test_etcdctl_watch(server, uniq):
    k = uniq + "/w"
    env = dict(os.environ, ETCDCTL_API="2")
    proc = subprocess.Popen([harness.ETCDCTL_BIN, "--endpoints", server.client_url,
                             "watch", k], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        c = server.client()
        harness.wait_for(lambda: c.store_stats()["watchers"] >= 1, 10, what="etcdctl watch")
        c.put(k, "hello")
        out, err = proc.communicate(timeout=10)
        assert proc.returncode == 0 and out == "hello\n", (out, err)
        c.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    idx = int(server.client().put(k, "second").header("X-Etcd-Index"))
    p = ctl(server, "watch", "--after-index", str(idx - 1), k)
    assert p.stdout == "second\n"


def test_etcdctl_member_list_and_cluster_health(server):
    out = ctl(server, "member", "list").stdout
    assert out.endswith(f"name=default peerURLs={server.peer_url} "
                        f"clientURLs={server.client_url} isLeader=true\n")
    out = ctl(server, "cluster-health").stdout
    assert out.endswith("cluster is healthy\n")
    assert f"is healthy: got healthy result from {server.client_url}" in out


# ---- python3-etcd ---------------------------------------------------------------------------

@pytest.fixture
def pyetcd(server):
    return etcd.Client(host=server.host, port=server.client_port, read_timeout=10)


def test_python_etcd_read_write(pyetcd, uniq):
    k = uniq + "/k"
    r = pyetcd.write(k, "v1")
    assert r.value == "v1" and r.key == k and r.newKey
    assert pyetcd.read(k).value == "v1"
    r = pyetcd.write(k, "v2", ttl=100)
    assert r.ttl == 100 and not r.newKey
    pyetcd.write(uniq + "/d/a", "1")
    pyetcd.write(uniq + "/d/b", "2")
    r = pyetcd.read(uniq + "/d", recursive=True, sorted=True)
    assert r.dir and [c.key for c in r.children] == [uniq + "/d/a", uniq + "/d/b"]
    with pytest.raises(etcd.EtcdKeyNotFound):
        pyetcd.read(uniq + "/missing")
    with pytest.raises(etcd.EtcdAlreadyExist):
        pyetcd.write(k, "x", prevExist=False)
    pyetcd.delete(k)
    with pytest.raises(etcd.EtcdKeyNotFound):
        pyetcd.read(k)
    pyetcd.write(uniq + "/e", None, dir=True)
    with pytest.raises(etcd.EtcdDirNotEmpty):
        pyetcd.delete(uniq + "/d", dir=True)
    pyetcd.delete(uniq + "/d", recursive=True)
    pyetcd.delete(uniq + "/e", dir=True)


def test_python_etcd_compare_and_swap(pyetcd, uniq):
    k = uniq + "/cas"
    pyetcd.write(k, "a")
    r = pyetcd.test_and_set(k, "b", "a")
    assert r.value == "b"
    with pytest.raises(ValueError):              # python-etcd maps 101 to ValueError
        pyetcd.test_and_set(k, "c", "wrong")
    idx = pyetcd.read(k).modifiedIndex
    r = pyetcd.write(k, "d", prevIndex=idx)
    assert r.value == "d"
    with pytest.raises(ValueError):
        pyetcd.write(k, "e", prevIndex=idx)
    with pytest.raises(ValueError):
        pyetcd.delete(k, prevValue="zzz")
    pyetcd.delete(k, prevValue="d")


def test_python_etcd_in_order_append(pyetcd, uniq):
    q = uniq + "/queue"
    keys = [pyetcd.write(q, f"job{i}", append=True).key for i in range(5)]
    assert keys == sorted(keys) and len(set(keys)) == 5
    r = pyetcd.read(q, sorted=True)
    assert [c.value for c in r.children] == [f"job{i}" for i in range(5)]


def test_python_etcd_watch(server, pyetcd, uniq):
    k = uniq + "/w"
    results: queue.Queue = queue.Queue()

    def watcher():
        try:
            results.put(pyetcd.watch(k, timeout=10))
        except Exception as e:                    # noqa: BLE001 - reported below
            results.put(e)

    t = threading.Thread(target=watcher, daemon=True)
    t.start()
    c = server.client()
    harness.wait_for(lambda: c.store_stats()["watchers"] >= 1, 10, what="python watch")
    c.put(k, "event")
    r = results.get(timeout=10)
    assert not isinstance(r, Exception), r
    assert r.value == "event" and r.action == "set"
    t.join(5)
    # watch from history by index
    idx = pyetcd.read(k).modifiedIndex
    pyetcd.write(k, "later")
    assert pyetcd.watch(k, index=idx, timeout=5).value == "event"
    assert pyetcd.watch(k, index=idx + 1, timeout=5).value == "later"
    c.close()


@pytest.mark.timeout(60)
def test_python_etcd_lock(server, uniq):
    c1 = etcd.Client(host=server.host, port=server.client_port, read_timeout=10)
    c2 = etcd.Client(host=server.host, port=server.client_port, read_timeout=10)
    name = uniq.strip("/")
    lock1 = etcd.Lock(c1, name)
    lock1.acquire(blocking=True, lock_ttl=30)
    assert lock1.is_acquired
    lock2 = etcd.Lock(c2, name)
    got = threading.Event()

    def second():
        lock2.acquire(blocking=True, lock_ttl=30, timeout=20)
        got.set()

    t = threading.Thread(target=second, daemon=True)
    t.start()
    time.sleep(0.5)
    assert not got.is_set(), "second lock acquired while the first one is held"
    lock1.release()
    assert got.wait(10), "second lock not acquired after release"
    assert lock2.is_acquired and not lock1.is_acquired
    lock2.release()
    t.join(5)
