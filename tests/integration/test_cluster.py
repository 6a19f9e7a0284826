"""Multi-member Raft clusters (Larch only): election, replication, failover, recovery.

Each test bootstraps its own cluster (``cluster.Cluster``) of real Larch processes on
free loopback ports with heartbeat 50 ms / election timeout 500 ms, and stops exactly
the processes it started. Timing is used only as generous liveness bounds.

1. 3 members: one agreed leader; a write through a follower is visible everywhere with
   quorum=true and wakes a watch on the other follower; X-Raft-Term and X-Etcd-Index
   agree across members.
2. kill -9 the leader during sequential writes through the followers: new leader, writes
   resume, the restarted member catches up with every acknowledged write.
3. SIGSTOP the leader: the others elect a new leader and accept writes; after SIGCONT the
   old leader steps down, never serves a stale quorum read, and catches up.
4. SIGTERM everyone and restart: data intact, a leader again, writes work, index grows.
5. 5 members: 2 down -> writes work; 3 down -> writes and quorum reads fail fast with an
   etcd JSON error; restarted -> writes work and nothing acknowledged is lost.
6. python3-etcd with a host list keeps working across a leader kill.
Also: /v2/members, /v2/machines and the leader/self stats of a 3-member cluster agree
with etcd's, and a member that was down while the others compacted their logs past its
position catches up when it returns (--snapshot-count 25, 1200 writes).

Tests do not take the ``target`` fixture, so they run once; they are skipped when the
selected targets (--target / LARCH_TARGETS) exclude larch or the binary is missing.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import os
import threading
import time

import pytest

import harness
from cluster import Cluster, Member, cleanup_clusters, flatten, read_tree
from harness import open_watch, wait_for

pytestmark = [pytest.mark.larch_only]

ELECTION_MS = 500
LEADER_BOUND = 10.0          # "a leader within 10 s"
HTTP_ERRORS = (OSError, http.client.HTTPException)


# ---- fixtures -----------------------------------------------------------------------------

def _larch_selected(config) -> bool:
    opt = config.getoption("--target")
    raw = ",".join(opt) if opt else os.environ.get("LARCH_TARGETS", "")
    if raw.strip():
        return "larch" in [t.strip() for t in raw.split(",")]
    return True


@pytest.fixture(autouse=True)
def _larch_target_only(request):
    if not _larch_selected(request.config):
        pytest.skip("cluster tests run against Larch only (larch not selected)")
    if not os.access(harness.LARCH_BIN, os.X_OK):
        pytest.skip(f"Larch binary {harness.LARCH_BIN} not found")


@pytest.fixture
def make_cluster(tmp_path_factory, request):
    """make_cluster(n, start=True) -> a running Cluster; always cleaned up (PIDs only),
    member logs attached to the report when the test fails."""
    made: list[Cluster] = []

    def factory(n: int, start: bool = True, **kw) -> Cluster:
        cl = Cluster(str(tmp_path_factory.mktemp(f"cluster{n}-")), n,
                     election_ms=ELECTION_MS, **kw)
        made.append(cl)
        if start:
            cl.start()
        return cl

    yield factory
    cleanup_clusters(made, request)


# ---- helpers ------------------------------------------------------------------------------

def assert_set(r: harness.Response, key: str, value: str) -> dict:
    assert r.status in (200, 201), r
    body = r.json()
    assert body["action"] == "set", body
    assert body["node"]["key"] == key and body["node"]["value"] == value, body
    return body["node"]


def assert_value(r: harness.Response, key: str, value: str) -> dict:
    assert r.status == 200, r
    node = r.json()["node"]
    assert node["key"] == key and node["value"] == value, (key, value, node)
    return node


def assert_etcd_error(r: harness.Response) -> dict:
    """A failed request in etcd's JSON error shape with a 5xx status."""
    assert 500 <= r.status < 600, r
    body = r.json()
    assert isinstance(body.get("errorCode"), int), body
    assert isinstance(body.get("message"), str) and body["message"], body
    return body


class Writer(threading.Thread):
    """Sequential PUTs of distinct keys round-robin through ``members``; records every
    attempted and every acknowledged write (with the time it was acknowledged)."""

    def __init__(self, members: list[Member], prefix: str):
        super().__init__(daemon=True)
        self.members, self.prefix = members, prefix
        self.attempted: dict[str, str] = {}
        self.acked: dict[str, tuple[str, float]] = {}
        self.errors: list = []
        self.halt = threading.Event()
        self.lock = threading.Lock()

    def run(self) -> None:
        i = 0
        while not self.halt.is_set():
            m = self.members[i % len(self.members)]
            key, value = f"{self.prefix}/k{i:05d}", f"v{i}"
            with self.lock:
                self.attempted[key] = value
            try:
                r = m.put(key, value, timeout=10)
                ok = r.status in (200, 201) and r.json().get("action") == "set" \
                    and r.json()["node"]["value"] == value
            except HTTP_ERRORS + (ValueError,) as e:
                r, ok = repr(e), False
            with self.lock:
                if ok:
                    self.acked[key] = (value, time.monotonic())
                else:
                    self.errors.append((m.name, key, str(r)[:200]))
            if not ok:
                time.sleep(0.05)
            i += 1

    def acked_since(self, t: float) -> int:
        with self.lock:
            return sum(1 for _, at in self.acked.values() if at >= t)

    def stop(self) -> None:
        self.halt.set()
        self.join(15)
        assert not self.is_alive(), "writer thread did not finish"

    def acked_values(self) -> dict[str, str]:
        with self.lock:
            return {k: v for k, (v, _) in self.acked.items()}


def assert_has_all(tree: dict, expected: dict, who: str) -> None:
    missing = {k: v for k, v in expected.items() if k not in tree}
    wrong = {k: (v, tree[k]) for k, v in expected.items() if k in tree and tree[k] != v}
    assert not missing and not wrong, \
        f"{who}: {len(missing)} acknowledged writes missing (e.g. " \
        f"{sorted(missing.items())[:5]}), {len(wrong)} with wrong values ({list(wrong.items())[:5]})"


def wait_caught_up(m: Member, prefix: str, expected: dict, timeout: float = 20) -> dict:
    """Poll ``m``'s plain (local) recursive GET until it holds every expected key."""
    def ok():
        try:
            tree = read_tree(m, prefix, timeout=5)
        except HTTP_ERRORS:
            return None
        return tree if all(tree.get(k) == v for k, v in expected.items()) else None
    try:
        return wait_for(ok, timeout, interval=0.1, what=f"{m.name} to catch up on {prefix}")
    except AssertionError:
        assert_has_all(read_tree(m, prefix), expected, f"{m.name} (plain GET)")
        raise


# ---- 1. election + replication --------------------------------------------------------------

@pytest.mark.timeout(60)
def test_three_members_one_leader_replicated_writes(make_cluster):
    cl = make_cluster(3)
    leader = cl.wait_leader(LEADER_BOUND)
    stats = {m.name: m.stats() for m in cl.members}
    ids = {st["id"] for st in stats.values()}
    assert len(ids) == 3, stats
    assert [n for n, st in stats.items() if st["state"] == "StateLeader"] == [leader.name]
    assert {st["leaderInfo"]["leader"] for st in stats.values()} == {leader.member_id}
    for m in cl.others(leader):
        assert stats[m.name]["state"] == "StateFollower", stats

    follower, other = cl.others(leader)
    watch = open_watch(other, "/c1/k", timeout=15)     # long poll on the other follower
    assert watch.status == 200
    node = assert_set(follower.put("/c1/k", "via-follower"), "/c1/k", "via-follower")
    ev = watch.event(timeout=15)
    watch.close()
    assert ev["action"] == "set" and ev["node"]["value"] == "via-follower", ev
    assert ev["node"]["modifiedIndex"] == node["modifiedIndex"], (ev, node)
    for m in cl.members:
        got = assert_value(m.get("/c1/k", quorum="true"), "/c1/k", "via-follower")
        assert got["modifiedIndex"] == node["modifiedIndex"], (m.name, got, node)

    expected = {"/c1/k": "via-follower"}
    for i, m in enumerate(cl.members):           # one write through every member
        key, value = f"/c1/n{i}", f"from-{m.name}"
        assert_set(m.put(key, value), key, value)
        expected[key] = value

    terms, indexes = {}, {}
    for m in cl.members:
        r = m.get("/c1", recursive="true", quorum="true")
        assert r.status == 200, r
        assert_has_all(read_tree_from(r), expected, m.name)
        assert len(read_tree_from(r)) == len(expected), r
        terms[m.name] = r.header("X-Raft-Term")
        indexes[m.name] = r.header("X-Etcd-Index")
    assert None not in terms.values() and int(list(terms.values())[0]) >= 1, terms
    assert len(set(terms.values())) == 1, f"X-Raft-Term differs across members: {terms}"
    assert len(set(indexes.values())) == 1, f"X-Etcd-Index differs after quorum reads: {indexes}"
    assert cl.wait_leader(LEADER_BOUND) is leader     # no spurious election meanwhile


@pytest.mark.timeout(60)
def test_three_members_membership_and_leader_stats(make_cluster):
    cl = make_cluster(3)
    leader = cl.wait_leader(LEADER_BOUND)
    for i in range(5):                            # some replication traffic
        assert_set(cl.members[i % 3].put(f"/c1s/k{i}", "v"), f"/c1s/k{i}", "v")
    expected = sorted((m.member_id, m.name, (m.peer_url,), (m.client_url,))
                      for m in cl.members)
    for m in cl.members:
        r = m.call("GET", "/v2/members")
        assert r.status == 200, r
        got = sorted((x["id"], x["name"], tuple(x["peerURLs"]), tuple(x["clientURLs"]))
                     for x in r.json()["members"])
        assert got == expected, (m.name, got)
        r = m.call("GET", "/v2/machines")
        assert r.status == 200, r
        assert sorted(r.text.split(", ")) == sorted(x.client_url for x in cl.members), r

    for m in cl.others(leader):
        r = m.call("GET", "/v2/stats/leader")
        assert r.status == 403 and r.json() == {"message": "not current leader"}, (m.name, r)

    # etcd: {"leader": id, "followers": {id: {"latency": {...}, "counts": {"fail": n,
    # "success": n}}}}, one entry per follower the leader has sent to; stats/self counts
    # the append requests the leader sent and each follower received.
    problems = []
    r = leader.call("GET", "/v2/stats/leader")
    assert r.status == 200, r
    st = r.json()
    assert st["leader"] == leader.member_id, st
    want = {m.member_id for m in cl.others(leader)}
    if set(st["followers"]) != want:
        problems.append(f"/v2/stats/leader lists followers {sorted(st['followers'])}, "
                        f"expected {sorted(want)}: {st}")
    for fid, f in st["followers"].items():
        if not (f["counts"]["success"] > 0 and set(f["latency"]) >= {
                "current", "average", "standardDeviation", "minimum", "maximum"}):
            problems.append(f"follower {fid} stats: {f}")
    self_stats = {m.name: m.stats() for m in cl.members}
    if not self_stats[leader.name]["sendAppendRequestCnt"] > 0:
        problems.append(f"leader {leader.name} sendAppendRequestCnt: "
                        f"{self_stats[leader.name]}")
    for m in cl.others(leader):
        if not self_stats[m.name]["recvAppendRequestCnt"] > 0:
            problems.append(f"follower {m.name} recvAppendRequestCnt: {self_stats[m.name]}")
    assert not problems, "\n".join(problems)


def read_tree_from(r: harness.Response) -> dict:
    return flatten(r.json()["node"])


# ---- 2. kill -9 the leader under writes -------------------------------------------------------

@pytest.mark.timeout(90)
def test_leader_kill9_under_writes_then_rejoin(make_cluster):
    cl = make_cluster(3)
    old = cl.wait_leader(LEADER_BOUND)
    survivors = cl.others(old)
    w = Writer(survivors, "/c2")
    w.start()
    try:
        wait_for(lambda: len(w.acked) >= 20, 15, what="20 writes before the kill")
        old.kill9()
        t_kill = time.monotonic()

        new = cl.wait_leader(LEADER_BOUND, members=survivors)
        assert new is not old
        wait_for(lambda: w.acked_since(t_kill) >= 20, 20,
                 what=f"20 acknowledged writes after the kill (errors: {w.errors[-3:]})")
    finally:
        w.stop()
    acked = w.acked_values()
    assert len(acked) >= 40, (len(acked), w.errors[-5:])

    old.start()                                   # same flags, ports, data dir
    cl.wait_leader(LEADER_BOUND)                  # all three agree on a leader again
    wait_caught_up(old, "/c2", acked)             # plain GET on the restarted member

    trees = {}
    for m in cl.members:
        tree = read_tree(m, "/c2", quorum=True)
        assert_has_all(tree, acked, f"{m.name} (quorum GET)")
        extra = {k: v for k, v in tree.items() if w.attempted.get(k) != v}
        assert not extra, f"{m.name}: keys never written (or wrong value): {extra}"
        trees[m.name] = tree
    assert trees[old.name] == trees[new.name] == trees[cl.others(old, new)[0].name]
    assert read_tree(old, "/c2") == trees[old.name]
    idx = {m.name: m.get("/c2", quorum="true").header("X-Etcd-Index") for m in cl.members}
    assert len(set(idx.values())) == 1, f"X-Etcd-Index differs after catch-up: {idx}"


# ---- 3. SIGSTOP the leader ---------------------------------------------------------------------

@pytest.mark.timeout(90)
def test_paused_leader_steps_down_and_catches_up(make_cluster):
    cl = make_cluster(3)
    old = cl.wait_leader(LEADER_BOUND)
    assert_set(old.put("/c3/k", "before"), "/c3/k", "before")
    for m in cl.members:
        assert_value(m.get("/c3/k", quorum="true"), "/c3/k", "before")
    old_id = old.member_id

    old.pause()
    t_pause = time.monotonic()
    rest = cl.others(old)
    new = cl.wait_leader(LEADER_BOUND, members=rest)
    assert new is not old
    last = None
    for i in range(1, 6):
        last = f"after-{i}"
        cl.put_until_ok("/c3/k", last, members=rest, timeout=20)
    for m in rest:
        assert_value(m.get("/c3/k", quorum="true"), "/c3/k", last)
    time.sleep(max(0.0, 3 * ELECTION_MS / 1000 - (time.monotonic() - t_pause)))

    # Requests sent to the paused old leader wait in its socket buffers; it handles them
    # right after SIGCONT, while it may still believe it leads its old term. The quorum
    # read must not return the value it last knew; a write it acknowledges must be durable.
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        fread = ex.submit(old.get, "/c3/k", quorum="true", timeout=20)
        fwrite = ex.submit(old.put, "/c3/stale", "from-old-leader", timeout=20)
        time.sleep(0.3)
        old.resume()
        r, w = fread.result(30), fwrite.result(30)
    if r.status == 200:
        assert_value(r, "/c3/k", last)
    else:
        assert_etcd_error(r)
    if w.status in (200, 201):
        assert_set(w, "/c3/stale", "from-old-leader")
        for m in rest:
            assert_value(m.get("/c3/stale", quorum="true"), "/c3/stale", "from-old-leader")
    else:
        assert_etcd_error(w)

    def stepped_down():
        st = old.stats()
        return st if st and st["state"] == "StateFollower" \
            and st["leaderInfo"]["leader"] not in ("", old_id) else None
    wait_for(stepped_down, LEADER_BOUND, what=f"{old.name} to step down")
    leader = cl.wait_leader(LEADER_BOUND)
    assert leader is not old

    def sees_newest():
        try:
            g = old.get("/c3/k", timeout=5)
        except HTTP_ERRORS:
            return False
        return g.status == 200 and g.json()["node"]["value"] == last
    wait_for(sees_newest, LEADER_BOUND, what=f"{old.name} plain GET to return {last}")
    assert_value(old.get("/c3/k", quorum="true"), "/c3/k", last)

    # and it forwards writes to the new leader
    assert_set(old.put("/c3/k", "via-old"), "/c3/k", "via-old")
    for m in cl.members:
        assert_value(m.get("/c3/k", quorum="true"), "/c3/k", "via-old")


# ---- 4. full restart ----------------------------------------------------------------------------

@pytest.mark.timeout(90)
def test_restart_all_members_keeps_data(make_cluster):
    cl = make_cluster(3)
    cl.wait_leader(LEADER_BOUND)
    expected, top = {}, 0
    for i in range(30):
        m = cl.members[i % 3]
        key, value = f"/c4/k{i % 20}", f"v{i}"      # some keys overwritten
        node = assert_set(m.put(key, value), key, value)
        expected[key] = value
        top = max(top, node["modifiedIndex"])
    term_before = int(cl.members[0].get("/c4", quorum="true").header("X-Raft-Term"))

    rcs = cl.stop_all()
    # exited on SIGTERM by itself (Larch: 0; etcd dies of the signal), not SIGKILLed
    assert all(rc in (0, -15) for rc in rcs.values()) and len(rcs) == 3, \
        f"exit statuses after SIGTERM: {rcs}"

    cl.start()
    leader = cl.wait_leader(LEADER_BOUND)
    for m in cl.members:
        tree = read_tree(m, "/c4", quorum=True)
        assert tree == expected, (m.name, tree)
        wait_caught_up(m, "/c4", expected)
    r = cl.others(leader)[0].put("/c4/new", "after-restart")
    node = assert_set(r, "/c4/new", "after-restart")
    assert node["modifiedIndex"] > top, (node, top)
    assert int(r.header("X-Raft-Term")) >= term_before, (r, term_before)
    for m in cl.members:
        assert_value(m.get("/c4/new", quorum="true"), "/c4/new", "after-restart")


# ---- 5. five members, losing quorum -------------------------------------------------------------

@pytest.mark.timeout(120)
def test_five_members_quorum_loss_and_recovery(make_cluster):
    cl = make_cluster(5)
    leader = cl.wait_leader(LEADER_BOUND)
    acked = {}
    for i in range(10):
        key, value = f"/c5/a{i}", f"a{i}"
        assert_set(cl.members[i % 5].put(key, value), key, value)
        acked[key] = value

    killed = [leader, cl.others(leader)[0]]          # the leader and one follower
    for m in killed:
        m.kill9()
    alive = cl.others(*killed)
    cl.wait_leader(LEADER_BOUND, members=alive)
    for i in range(10):
        key, value = f"/c5/b{i}", f"b{i}"
        _, r = cl.put_until_ok(key, value, members=alive, timeout=20)
        assert_set(r, key, value)
        acked[key] = value

    leader2 = cl.wait_leader(LEADER_BOUND, members=alive)
    third = cl.others(*killed, leader2)[0]           # a follower: the leader stays up
    third.kill9()
    killed.append(third)
    left = cl.others(*killed)
    assert len(left) == 2

    def timed(fn):
        t0 = time.monotonic()
        try:
            res = fn()
        except HTTP_ERRORS as e:
            res = e
        return res, time.monotonic() - t0

    calls = {f"PUT via {m.name}": (lambda m=m: m.put("/c5/noquorum", "x", timeout=30))
             for m in left}
    calls[f"quorum GET via {left[0].name}"] = \
        lambda: left[0].get("/c5/a0", quorum="true", timeout=30)
    with concurrent.futures.ThreadPoolExecutor(len(calls)) as ex:
        futs = {what: ex.submit(timed, fn) for what, fn in calls.items()}
        results = {what: f.result(40) for what, f in futs.items()}
    for what, (res, took) in results.items():
        assert isinstance(res, harness.Response), f"{what}: no HTTP answer ({res!r}, {took:.1f}s)"
        assert took < 15, f"{what}: answered only after {took:.1f}s: {res}"
        assert_etcd_error(res)

    cl.start(members=killed)
    cl.wait_leader(LEADER_BOUND)
    _, r = cl.put_until_ok("/c5/c", "after-recovery", timeout=20)
    assert_set(r, "/c5/c", "after-recovery")
    acked["/c5/c"] = "after-recovery"
    for m in cl.members:
        tree = read_tree(m, "/c5", quorum=True)
        assert_has_all(tree, acked, f"{m.name} (quorum GET)")
        assert set(tree) <= set(acked) | {"/c5/noquorum"}, tree
    for m in killed:
        wait_caught_up(m, "/c5", acked)


# ---- 6. python3-etcd across a leader kill --------------------------------------------------------

@pytest.mark.timeout(90)
def test_python_etcd_client_survives_leader_kill(make_cluster):
    etcd = pytest.importorskip("etcd")
    cl = make_cluster(3)
    leader = cl.wait_leader(LEADER_BOUND)
    order = [leader] + cl.others(leader)         # the client starts on the leader
    client = etcd.Client(host=tuple((m.host, m.client_port) for m in order),
                         allow_reconnect=True, protocol="http", read_timeout=10)
    assert client.base_uri == leader.client_url
    key = "/c6/counter"
    state = {"i": 0, "last": None, "failures": []}

    def run(min_ok: int, bound: float) -> int:
        ok, deadline = 0, time.monotonic() + bound
        while ok < min_ok and time.monotonic() < deadline:
            state["i"] += 1
            value = str(state["i"])
            try:
                client.write(key, value)
                state["last"] = value
                got = client.read(key, quorum=True)
                assert got.value == value, (got.value, value)
                ok += 1
            except (etcd.EtcdException, *HTTP_ERRORS) as e:
                state["failures"].append(repr(e)[:200])
                time.sleep(0.1)
        return ok

    before = run(20, 15)
    assert before == 20, state["failures"][-5:]
    leader.kill9()
    after = run(20, 40)
    assert after == 20, (after, state["failures"][-5:])
    assert client.base_uri != leader.client_url
    final = client.read(key, quorum=True)
    assert final.value == state["last"], (final.value, state["last"])
    for m in cl.others(leader):
        assert_value(m.get(key, quorum="true"), key, state["last"])


# ---- 7. catching up past the compacted log ------------------------------------------------------

@pytest.mark.timeout(90)
def test_member_behind_compacted_log_catches_up(make_cluster):
    """A member that was down while the others committed (and compacted) more entries
    than they keep in their logs must still catch up when it comes back (etcd sends it a
    snapshot). Larch keeps 1000 entries below the applied index after each compaction
    (--snapshot-count 25 here), so 1200 writes while the member is down suffice."""
    cl = make_cluster(3, extra_args=("--snapshot-count", "25"))
    leader = cl.wait_leader(LEADER_BOUND)
    lagging = cl.others(leader)[0]
    assert_set(lagging.put("/c7/first", "x"), "/c7/first", "x")
    lagging.kill9()
    up = cl.others(lagging)

    expected = {"/c7/first": "x"}
    def writer(t: int) -> dict:
        out = {}
        for i in range(150):
            key, value = f"/c7/t{t}/k{i}", f"v{t}-{i}"
            _, r = cl.put_until_ok(key, value, members=[up[t % 2]], timeout=20)
            out[key] = value
        return out
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        for part in ex.map(writer, range(8)):
            expected.update(part)
    assert len(expected) == 1201

    # A file left in snap/ by an earlier run (an image half sent or received when it
    # stopped) is removed at the start.
    stale = os.path.join(lagging.data_dir, "snap", "in-1-1.snap")
    with open(stale, "wb") as fh:
        fh.write(b"half an image")
    lagging.start()
    cl.wait_leader(LEADER_BOUND)
    wait_caught_up(lagging, "/c7", expected, timeout=20)
    assert_has_all(read_tree(lagging, "/c7", quorum=True), expected, f"{lagging.name} quorum")
    assert_set(lagging.put("/c7/last", "y"), "/c7/last", "y")
    assert "installed a snapshot" in lagging.log_text(), "caught up without a snapshot?"
    # The image was streamed from a file (the leader's log says so), and neither side keeps
    # image files once the transfer and the install are done.
    assert any("sent a snapshot of" in m.log_text() for m in up), "no snapshot stream logged"
    snap_dirs = [os.path.join(m.data_dir, "snap") for m in cl.members]
    wait_for(lambda: all(not os.listdir(d) for d in snap_dirs), 10,
             what="snapshot dirs emptied after the transfer")
