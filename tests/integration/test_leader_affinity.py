"""Leadership follows the writes (Larch only; --leader-follows-writes, on by default).

1. 3 members: a steady stream of writes through one follower moves the leadership to it
   within a bounded time; the stream goes on for a second after the move; every write is
   acknowledged (none lost or failed during the handover, which parks proposals instead of
   dropping them) and readable afterwards.
2. With --leader-follows-writes=false the same stream leaves the leader where it was.

Timing is used only as generous liveness bounds; the load's rate is checked to be above the
threshold (400 writes/s) so a slow machine fails the precondition, not the behaviour.
"""

from __future__ import annotations

import http.client
import threading
import time

import pytest

from cluster import Cluster, Member, read_tree
from test_cluster import _larch_target_only, make_cluster  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.larch_only]

WRITERS = 8
MIN_RATE = 400  # writes/s LeaderAffinity needs (100 per 250 ms window)


class Stream:
    """WRITERS threads PUT distinct keys through one member on keep-alive connections until
    stopped; records acknowledged writes and failures."""

    def __init__(self, m: Member, prefix: str):
        self.m, self.prefix = m, prefix
        self.acked: dict[str, str] = {}
        self.errors: list[str] = []
        self.halt = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(t,), daemon=True)
                        for t in range(WRITERS)]
        self.started = time.monotonic()

    def run(self, t: int) -> None:
        conn = http.client.HTTPConnection(self.m.host, self.m.client_port, timeout=15)
        i = 0
        while not self.halt.is_set():
            key, value = f"{self.prefix}/t{t}-{i:06d}", f"v{t}.{i}"
            try:
                conn.request("PUT", f"/v2/keys{key}", body=f"value={value}",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
                r = conn.getresponse()
                body = r.read()
                ok = r.status in (200, 201)
            except (OSError, http.client.HTTPException) as e:
                ok, body = False, repr(e).encode()
                conn.close()
                conn = http.client.HTTPConnection(self.m.host, self.m.client_port, timeout=15)
            with self.lock:
                if ok:
                    self.acked[key] = value
                else:
                    self.errors.append(f"{key}: {body[:200]!r}")
            i += 1
        conn.close()

    def start(self) -> "Stream":
        self.started = time.monotonic()
        for t in self.threads:
            t.start()
        return self

    def stop(self) -> float:
        """Stops the writers; returns the achieved rate (writes/s)."""
        self.halt.set()
        for t in self.threads:
            t.join(20)
            assert not t.is_alive(), "writer thread did not finish"
        return len(self.acked) / (time.monotonic() - self.started)


def leader_of(cl: Cluster) -> Member:
    return cl.wait_leader(10.0)


def run_stream(through: Member, seconds: float, until=None, after: float = 1.0) -> Stream:
    """Writes through ``through`` for ``seconds``, or until ``until()`` holds and then
    ``after`` seconds more (so writes also go through the new state)."""
    s = Stream(through, "/affinity").start()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if until is not None and until():
            deadline = min(deadline, time.monotonic() + after)
            until = None
        time.sleep(0.1)
    rate = s.stop()
    assert not s.errors, s.errors[:5]
    assert rate >= MIN_RATE, f"load too slow to test the behaviour: {rate:.0f} writes/s"
    return s


@pytest.mark.timeout(90)
def test_writes_through_a_follower_move_the_leadership_there(make_cluster):  # noqa: F811
    cl = make_cluster(3)
    old = leader_of(cl)
    follower = cl.others(old)[0]
    assert follower.stats()["state"] == "StateFollower"

    def moved() -> bool:
        st = follower.stats()
        return st is not None and st["state"] == "StateLeader"

    s = run_stream(follower, 9.0, until=moved)
    assert moved(), "the member taking the writes did not become leader within 9 s"
    assert leader_of(cl) is follower
    # Every acknowledged write is there, read linearizably through another member.
    tree = read_tree(old, "/affinity", quorum=True)
    missing = [k for k, v in s.acked.items() if tree.get(k) != v]
    assert not missing, f"{len(missing)} acknowledged writes missing, e.g. {missing[:5]}"


@pytest.mark.timeout(60)
def test_leadership_stays_put_when_the_setting_is_off(make_cluster):  # noqa: F811
    cl = make_cluster(3, extra_args=["--leader-follows-writes=false"])
    old = leader_of(cl)
    follower = cl.others(old)[0]
    run_stream(follower, 3.0)
    assert leader_of(cl) is old
    assert follower.stats()["state"] == "StateFollower"
