"""The workload of the linearizability cluster test (test_linearizability.py): client
threads recording a history of writes, CAS and reads against random members, a fault thread
(kill -9 / SIGSTOP of the leader, SIGSTOP of a follower, replacing a follower through member
add + remove), and the final quorum reads. Only processes of the given cluster.Cluster are
signalled."""

from __future__ import annotations

import collections
import http.client
import itertools
import json
import random
import threading
import time
import urllib.parse

from cluster import Cluster, member_change
from linearizability import CAS, FAIL, OK, READ, UNKNOWN, UNSEEN, WRITE, cas, read, write

REQUEST_TIMEOUT = 3.0
# Per-request socket timeouts, picked at random: mostly 3 s, but some short ones so that
# requests caught by a fault time out and later take effect (unknown outcomes).
REQUEST_TIMEOUTS = (0.5, 1.0, 3.0, 3.0)
FAULT_PERIOD = 3.0


class Worker(threading.Thread):
    """One client: random ops on random keys against random members, one at a time.

    No retries (a retried write could apply twice). Any timeout / connection error / 5xx
    / unexpected answer is an unknown outcome. Keep-alive connection per member, dropped
    after any error; socket timeout per request from REQUEST_TIMEOUTS.
    """

    def __init__(self, ci: int, cluster: Cluster, keys: list, stop: threading.Event,
                 seed: int):
        super().__init__(name=f"lin-client-{ci}", daemon=True)
        self.ci = ci
        self.cluster = cluster
        self.keys = keys
        self.stop_event = stop
        self.rng = random.Random(seed)
        self.ops: list = []
        self.conns: dict = {}
        self.statuses = collections.Counter()
        self.last_seen: dict = {}             # key -> last value this client saw
        self.error: BaseException | None = None
        self.seq = itertools.count()

    def _http(self, member, method: str, path: str, body: str | None):
        """(status, parsed JSON or None); status None on timeout / connection error."""
        timeout = self.rng.choice(REQUEST_TIMEOUTS)
        conn = self.conns.get(member.index)
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", member.client_port)
            self.conns[member.index] = conn
        conn.timeout = timeout                # used when (re)connecting ...
        if conn.sock is not None:
            conn.sock.settimeout(timeout)     # ... and for a kept-alive socket
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
            if r.will_close:
                conn.close()
                del self.conns[member.index]
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            self.conns.pop(member.index, None)
            self.statuses[type(e).__name__] += 1
            return None, None
        self.statuses[r.status] += 1
        try:
            doc = json.loads(data.decode("utf-8"))
        except ValueError:
            doc = None
        return r.status, doc

    def run(self):
        try:
            while not self.stop_event.is_set():
                self.one_op()
        except BaseException as e:        # reported by the test
            self.error = e
        finally:
            for c in self.conns.values():
                c.close()

    def one_op(self):
        rng = self.rng
        m = rng.choice(self.cluster.members)
        key = rng.choice(self.keys)
        path = "/v2/keys" + key
        r = rng.random()
        note = f"via {m.name}"
        if r < 0.20 and key in self.last_seen and self.last_seen[key] is not None:
            kind = CAS
        elif r < 0.55:
            kind = WRITE
        elif r < 0.88:
            kind = READ
        else:
            kind = "plain"
        value = f"c{self.ci}.{next(self.seq)}"
        if kind == WRITE:
            t0 = time.monotonic_ns()
            st, doc = self._http(m, "PUT", path, "value=" + value)
            t1 = time.monotonic_ns()
            status = OK if st in (200, 201) else UNKNOWN
            if status == OK:
                self.last_seen[key] = value
            self.ops.append(write(key, value, t0, t1, status, client=self.ci,
                                  note=f"{note} {st}"))
        elif kind in (READ, "plain"):
            q = "?quorum=true" if kind == READ else ""
            t0 = time.monotonic_ns()
            st, doc = self._http(m, "GET", path + q, None)
            t1 = time.monotonic_ns()
            if st == 200 and doc and "node" in doc:
                status, got = OK, doc["node"].get("value")
            elif st == 404 and doc and doc.get("errorCode") == 100:
                status, got = OK, None
            else:
                status, got = UNKNOWN, None
            if status == OK:
                self.last_seen[key] = got
            self.ops.append(read(key, got, t0, t1, status, client=self.ci,
                                 quorum=(kind == READ), note=f"{note} {st}"))
        else:
            exp = self.last_seen[key]
            q = "?prevValue=" + urllib.parse.quote(exp, safe="")
            t0 = time.monotonic_ns()
            st, doc = self._http(m, "PUT", path + q, "value=" + value)
            t1 = time.monotonic_ns()
            seen = UNSEEN
            if st == 200:
                status = OK
                self.last_seen[key] = value
            elif st == 412 and doc and doc.get("errorCode") == 101:
                status = FAIL
                # cause is "[expected != current]": the value the compare saw
                cause = doc.get("cause", "")
                pre = f"[{exp} != "
                if cause.startswith(pre) and cause.endswith("]"):
                    seen = cause[len(pre):-1]
                    self.last_seen[key] = seen
            elif st == 404 and doc and doc.get("errorCode") == 100:
                status, seen = FAIL, None
                self.last_seen[key] = None
            else:
                status = UNKNOWN
            self.ops.append(cas(key, exp, value, t0, t1, status, seen=seen, client=self.ci,
                                note=f"{note} {st}"))


class FaultInjector(threading.Thread):
    """Every ~3 s: kill -9 the leader and restart it 1-2 s later, SIGSTOP the leader for
    1.5 s, SIGSTOP a follower for 1.5 s, or replace a follower (add a new member, start it,
    remove the old one, which stops) - round-robin over a shuffled order."""

    KINDS = ("kill-leader", "stop-leader", "stop-follower", "replace-member")

    def __init__(self, cluster: Cluster, until: float, seed: int):
        super().__init__(name="lin-faults", daemon=True)
        self.cluster = cluster
        self.until = until                # monotonic seconds: start no fault after this
        self.rng = random.Random(seed)
        self.faults: list = []            # (kind, member name, start ns, healed ns)
        self.no_leader = 0
        self.error: BaseException | None = None
        self.halt = threading.Event()

    def run(self):
        kinds = list(self.KINDS)
        self.rng.shuffle(kinds)
        order = itertools.cycle(kinds)
        try:
            while not self.halt.is_set() and time.monotonic() < self.until:
                if self.halt.wait(self.rng.uniform(1.0, 1.8)):
                    break
                leader = _leader_or_none(self.cluster, timeout=3.0)
                if leader is None:
                    self.no_leader += 1
                    continue
                if time.monotonic() >= self.until:
                    break
                kind = next(order)
                victim = leader
                if kind == "stop-follower":
                    victim = self.rng.choice([m for m in self.cluster.members
                                              if m is not leader])
                t0 = time.monotonic_ns()
                if kind == "replace-member":
                    victim = self.replace_follower(leader)
                elif kind == "kill-leader":
                    victim.kill9()
                    time.sleep(self.rng.uniform(1.0, 2.0))
                    victim.spawn()
                else:
                    victim.pause()
                    time.sleep(1.5)
                    victim.resume()
                self.faults.append((kind, victim.name, t0, time.monotonic_ns()))
        except BaseException as e:
            self.error = e
        finally:
            self.heal()

    def replace_follower(self, leader):
        """Adds a member (POST through the leader) and starts it, then removes a random
        old follower, which must stop by itself; returns the removed member."""
        cl = self.cluster
        new = cl.new_member()
        # --strict-reconfig-check refuses changes until the leader has reached the others
        # for 5 s (a member restarted by the previous fault): member_change waits that out.
        r = member_change(leader, "POST", "/v2/members",
                          json.dumps({"peerURLs": [new.peer_url]}),
                          {"Content-Type": "application/json"})
        assert r.status == 201, f"member add failed: {r.status} {r.text[:200]}"
        new.start()
        old = self.rng.choice([m for m in cl.members if m is not leader and m is not new])
        old_id = old.stats()["id"]
        r = member_change(leader, "DELETE", f"/v2/members/{old_id}")
        assert r.status == 204, f"member remove failed: {r.status} {r.text[:200]}"
        assert old.wait_exit(15) is not None, f"removed {old.name} did not stop"
        cl.retire(old)
        return old

    def heal(self):
        for m in self.cluster.members:
            if m.paused:
                m.resume()
            if not m.running():
                m.spawn()


def _leader_or_none(cluster: Cluster, timeout: float):
    """The agreed leader of the running, unpaused members, or None within ``timeout``."""
    try:
        return cluster.wait_leader(timeout=timeout)
    except AssertionError:
        return None


def final_reads(cluster: Cluster, keys: list) -> list:
    """After the run: a quorum read of every key on every member (retrying until each
    answers), recorded as ordinary read ops - catches lost acknowledged writes."""
    ops = []
    deadline = time.monotonic() + 20
    for m in cluster.members:
        for key in keys:
            while True:
                conn = http.client.HTTPConnection("127.0.0.1", m.client_port,
                                                  timeout=REQUEST_TIMEOUT)
                t0 = time.monotonic_ns()
                try:
                    conn.request("GET", f"/v2/keys{key}?quorum=true")
                    r = conn.getresponse()
                    doc = json.loads(r.read().decode("utf-8"))
                    st = r.status
                except (OSError, http.client.HTTPException, ValueError):
                    st, doc = None, None
                finally:
                    conn.close()
                t1 = time.monotonic_ns()
                if st == 200:
                    ops.append(read(key, doc["node"].get("value"), t0, t1, client=99,
                                    note=f"final via {m.name}"))
                    break
                if st == 404 and doc.get("errorCode") == 100:
                    ops.append(read(key, None, t0, t1, client=99, note=f"final via {m.name}"))
                    break
                assert time.monotonic() < deadline, \
                    f"final quorum read of {key} on {m.name} kept failing ({st} {doc})"
                time.sleep(0.1)
    return ops


def run_workload(cluster: Cluster, keys: list, seconds: float, clients: int, seed: int):
    """Clients + fault injector for `seconds`; returns (workers, injector) after both
    stopped and every member is running and resumed again."""
    stop = threading.Event()
    end = time.monotonic() + seconds
    workers = [Worker(i, cluster, keys, stop, seed * 100 + i) for i in range(clients)]
    # Stop injecting faults ~4 s before the end so the tail shows recovery.
    injector = FaultInjector(cluster, end - 4.0, seed)
    try:
        for w in workers:
            w.start()
        injector.start()
        while time.monotonic() < end:
            time.sleep(0.1)
        # A fault started just before `until` can outlast `end` (a member replacement waits
        # out --strict-reconfig-check's 5 s window, slowly under ASan): let it finish, then
        # keep the clients going for the recovery tail the checks expect.
        injector.halt.set()
        injector.join(45)
        time.sleep(4.0)
    finally:                      # also on a test timeout: stop threads, heal members
        stop.set()
        injector.halt.set()
        for w in workers:
            if w.ident is not None:          # started
                w.join(REQUEST_TIMEOUT + 5)
        if injector.ident is not None:
            injector.join(15)
        injector.heal()
    return workers, injector
