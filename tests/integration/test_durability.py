"""Crash and restart behaviour (spec §10), against every target.

* kill -9 during a storm of concurrent writes: every acknowledged write survives.
* TTL keys survive a restart and still expire; keys that expired while the server was
  down are gone right after the restart.
* The etcd index and the watch history continue across restarts.
* A data dir whose files were replaced by garbage: the server exits non-zero with a clear
  message and deletes nothing.
* Larch: a data file that cannot grow (RLIMIT_FSIZE, as a full disk): the member stops and
  says why; restarted, it has every acknowledged write.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import threading
import time

import pytest

import harness
from harness import open_watch, wait_for
from v2_checks import assert_error, etcd_index

STORM_SECONDS = float(os.environ.get("LARCH_STORM_SECONDS", "2"))
STORM_THREADS = 16
STORM_ROUNDS = int(os.environ.get("LARCH_STORM_ROUNDS", "3"))


def _storm(srv: harness.Server, round_no: int, acked: dict, stop: threading.Event):
    """16 threads doing sequential PUTs of unique keys; record every acknowledged one."""
    lock = threading.Lock()

    def worker(t: int):
        c = harness.Client(srv.host, srv.client_port, timeout=5)
        i = 0
        while not stop.is_set():
            key, value = f"/storm/r{round_no}/t{t}/k{i}", f"v{round_no}-{t}-{i}"
            try:
                r = c.request("PUT", harness.key_path(key), f"value={value}",
                              {"Content-Type": c.FORM}, retry=False)
            except OSError:
                break                                   # server killed: stop this thread
            if r.status == 201:
                with lock:
                    acked[key] = value
            i += 1
        c.close()

    threads = [threading.Thread(target=worker, args=(t,), daemon=True)
               for t in range(STORM_THREADS)]
    for t in threads:
        t.start()
    return threads


def _flatten(node: dict, out: dict | None = None) -> dict:
    out = {} if out is None else out
    for n in node.get("nodes", []):
        if n.get("dir"):
            _flatten(n, out)
        else:
            out[n["key"]] = n.get("value")
    return out


@pytest.mark.timeout(120)
@pytest.mark.parametrize("extra", [(), ("--snapshot-count", "1000")],
                         ids=["default", "frequent-compaction"])
def test_kill9_during_write_storm_loses_no_acknowledged_write(make_server, extra):
    # With a small --snapshot-count the log is compacted many times during the storm, so a
    # crash lands between key-space syncs and log truncations too.
    srv = make_server(extra)
    all_acked: dict[str, str] = {}
    for round_no in range(STORM_ROUNDS):
        acked: dict[str, str] = {}
        stop = threading.Event()
        threads = _storm(srv, round_no, acked, stop)
        time.sleep(STORM_SECONDS)
        srv.kill9()                       # crash while writes are in flight
        stop.set()
        for t in threads:
            t.join(10)
        assert acked, "no write was acknowledged during the storm"
        all_acked.update(acked)
        srv.start()
        c = srv.client(timeout=30)
        stored = _flatten(c.get("/storm", recursive="true").json()["node"])
        c.close()
        missing = [(k, v, stored.get(k)) for k, v in all_acked.items() if stored.get(k) != v]
        assert not missing, (f"round {round_no}: {len(missing)} of {len(all_acked)} "
                             f"acknowledged writes lost, e.g. {missing[:5]}")
    print(f"\n{len(all_acked)} acknowledged writes survived {STORM_ROUNDS} kill -9 rounds")


@pytest.mark.timeout(60)
def test_restart_keeps_keys_index_and_history(make_server):
    srv = make_server()
    c = srv.client()
    first = etcd_index(c.put("/dur/a", "1"))
    c.put("/dur/b", "2")
    c.post("/dur/q", "job")
    last = etcd_index(c.put("/dur/a", "3"))
    c.close()
    w = open_watch(srv, "/dur/never")
    assert w.status == 200
    srv.stop()
    # server shutdown while waiting: 200 + headers already sent, then an empty body
    try:
        assert w.body(timeout=5) == b""
    except http.client.IncompleteRead as e:
        assert e.partial == b""
    w.close()
    srv.start()
    c = srv.client()
    assert c.get("/dur/a").json()["node"] == {"key": "/dur/a", "value": "3",
                                              "modifiedIndex": last, "createdIndex": last}
    assert c.get("/dur/b").json()["node"]["value"] == "2"
    assert len(c.get("/dur/q").json()["node"]["nodes"]) == 1
    assert c.index() >= last                    # etcd adds >= 1 on restart (attributes)
    nxt = etcd_index(c.put("/dur/c", "4"))
    assert nxt > last
    # in-order keys continue above the old ones
    r = c.post("/dur/q", "job2")
    names = [n["key"] for n in c.get("/dur/q", sorted="true").json()["node"]["nodes"]]
    assert names[-1] == r.json()["node"]["key"] and len(names) == 2
    # the watch history survives the restart
    w = open_watch(srv, "/dur/a", waitIndex=first)
    ev = w.event(timeout=5)
    assert ev["node"]["modifiedIndex"] == first and ev["node"]["value"] == "1"
    w.close()
    c.close()


@pytest.mark.timeout(60)
def test_ttl_survives_restart_and_expired_keys_vanish(make_server):
    srv = make_server()
    c = srv.client()
    c.put("/ttl/long", "l", ttl=4)
    c.put("/ttl/short", "s", ttl=1)
    c.put("/ttl/perm", "p")
    set_at = time.time()
    c.close()
    srv.stop()
    wait_for(lambda: time.time() > set_at + 1.5, 5)   # /ttl/short expires while down
    srv.start()
    c = srv.client()
    j = c.get("/ttl/long").json()
    assert j["node"]["value"] == "l" and 1 <= j["node"]["ttl"] <= 4
    wait_for(lambda: c.get("/ttl/short").status == 404, 2, what="expired-while-down key gone")
    assert_error(c.get("/ttl/short"), 100)
    wait_for(lambda: c.get("/ttl/long").status == 404, 6, what="ttl key to expire")
    assert time.time() - set_at < 7
    assert c.get("/ttl/perm").json()["node"]["value"] == "p"
    c.close()


def _snapshot_files(root: str) -> dict[str, str]:
    out = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            p = os.path.join(dirpath, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root)] = hashlib.sha256(fh.read()).hexdigest()
    return out


@pytest.mark.timeout(60)
def test_garbage_data_dir_fails_cleanly(make_server):
    srv = make_server()
    c = srv.client()
    for i in range(20):
        c.put(f"/g/k{i}", "v" * 100)
    c.close()
    srv.stop()
    files = [os.path.join(d, f) for d, _, fs in os.walk(srv.data_dir) for f in fs]
    assert files, "the server wrote no files into its data dir"
    for p in files:                           # same names and sizes, garbage contents
        size = max(os.path.getsize(p), 4096)
        with open(p, "wb") as fh:
            fh.write((b"\xde\xad\xbe\xef garbage " * (size // 16 + 1))[:size])
    before = _snapshot_files(srv.data_dir)
    srv.spawn()
    rc = srv.wait_exit(20)
    if rc is None:
        srv.kill9()
        pytest.fail("server kept running on a garbage data dir\n" + srv.log_tail())
    assert rc != 0, srv.log_tail()
    start_log = srv.log_text().rsplit("==== start #2", 1)[1]
    words = ["corrupt", "invalid", "not a database", "malformed", "error", "fatal",
             "panic", "failed"]
    assert any(w in start_log.lower() for w in words), start_log[-2000:]
    after = _snapshot_files(srv.data_dir)
    changed = {f for f, digest in before.items() if after.get(f) != digest}
    assert not changed, f"files deleted or modified: {sorted(changed)}"


def test_wal_dir_holds_the_log_across_restarts(make_server, tmp_path, target):
    """--wal-dir (etcd's WAL location, for a dedicated log disk): the log is written there
    and a restart with the same flags finds every key. Restarting *without* it: Larch
    refuses to start; etcd starts afresh with an empty store (the acknowledged keys gone) -
    the test checks Larch's refusal only."""
    wal = str(tmp_path / "wal")
    srv = make_server(["--wal-dir", wal])
    c = srv.client()
    for i in range(10):
        assert c.put(f"/wal/k{i}", f"v{i}").status == 201
    c.close()
    assert os.listdir(wal), "nothing was written to the wal dir"
    srv.restart()
    c = srv.client()
    for i in range(10):
        r = c.get(f"/wal/k{i}")
        assert r.status == 200 and r.json()["node"]["value"] == f"v{i}", r
    c.close()
    srv.stop()
    if target != "larch":
        return
    srv.extra_args = [a for a in srv.extra_args if a not in ("--wal-dir", wal)]
    rc, out = harness.startup_failure(srv)
    assert rc == 1, out
    assert any("is missing raft.db (was it started with --wal-dir?)" in ln for ln in out), out


@pytest.mark.larch_only
@pytest.mark.timeout(90)
def test_storage_failure_stops_the_member_and_loses_no_acknowledged_write(make_server):
    """A write to a data file fails (here: the file-size limit, which acts like a full disk
    for the file that reaches it). The member must stop, say why in its log, and keep every
    write it acknowledged; restarted with room to write it serves them all and takes more."""
    srv = make_server(start=False)
    srv.fsize_limit = 2 << 20
    srv.start()
    c = harness.Client(srv.host, srv.client_port, timeout=10)
    acked: dict[str, str] = {}
    failed_at = None
    for i in range(20000):
        key, value = f"/full/k{i}", f"{i}-" + "x" * 2000
        try:
            r = c.request("PUT", harness.key_path(key), f"value={value}",
                          {"Content-Type": c.FORM}, retry=False)
        except OSError:
            failed_at = i
            break
        assert r.status == 201, (i, r.status, r.body[:200])
        acked[key] = value
    c.close()
    assert failed_at is not None, "the file-size limit was never reached"
    assert len(acked) > 100, f"failed after only {len(acked)} writes"
    print(f"\n{len(acked)} writes acknowledged before the data file reached its limit")
    wait_for(lambda: srv.proc.poll() is not None, timeout=30, what="the member to stop")
    assert srv.proc.returncode != 0
    log = srv.log_tail()
    assert "fatal: thread larch-" in log and "no acknowledged write is lost" in log, log
    srv.fsize_limit = None
    srv.start()
    c = srv.client(timeout=30)
    stored = _flatten(c.get("/full", recursive="true").json()["node"])
    missing = [k for k, v in acked.items() if stored.get(k) != v]
    assert not missing, f"{len(missing)} of {len(acked)} acknowledged writes lost: {missing[:5]}"
    assert c.put("/full/after", "ok").status == 201
    c.close()
