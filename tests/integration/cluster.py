"""N-member cluster harness for the Larch integration suites (test_cluster.py).

Every member is a ``harness.Server`` started with etcd's static-bootstrap flags on its
own free loopback client and peer ports and its own data dir; a member restarted later
reuses the same flags, ports and data dir. Only PIDs this module started are signalled
(SIGSTOP / SIGCONT / SIGTERM / SIGKILL). ``Cluster.cleanup`` resumes any paused member
and stops (SIGKILL after a bound) every member still running.

Small raft timings (heartbeat 50 ms, election timeout 500 ms) keep the tests fast.
Every HTTP call made from here carries a socket timeout.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import time

import harness
from harness import Client, Response, free_ports

HEARTBEAT_MS = 50
ELECTION_MS = 500
LEADER_TIMEOUT = 10.0


class Member(harness.Server):
    """One member of a ``Cluster``; ``argv`` adds the multi-member bootstrap flags."""

    def __init__(self, cluster: "Cluster", index: int, client_port: int, peer_port: int):
        super().__init__(cluster.kind, os.path.join(cluster.workdir, f"m{index}"),
                         cluster.extra_args, name=f"m{index}", binary=cluster.binary)
        self.cluster = cluster
        self.client_scheme, self.peer_scheme = cluster.client_scheme, cluster.peer_scheme
        self.ssl_context = cluster.ssl_context
        self.index = index
        self.client_port, self.peer_port = client_port, peer_port
        self.paused = False          # SIGSTOPped by us and not yet resumed
        self.member_id: str | None = None
        # A member added at runtime joins with its own --initial-cluster and state "existing".
        self.initial_cluster: str | None = None
        self.cluster_state = "new"

    def argv(self) -> list[str]:
        cl = self.cluster
        return self.member_argv() + [
            "--initial-cluster", self.initial_cluster or cl.initial_cluster,
            "--initial-cluster-state", self.cluster_state,
            "--initial-cluster-token", cl.token,
            "--heartbeat-interval", str(cl.heartbeat_ms),
            "--election-timeout", str(cl.election_ms)] + self.extra_args

    # ---- signals (our PID only) ----------------------------------------------------------
    def pause(self) -> None:
        assert self.running()
        self.proc.send_signal(signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
        self.paused = False

    def kill9(self) -> None:
        if self.paused:
            self.resume()
        super().kill9()

    def stop(self, timeout: float = harness.STOP_TIMEOUT):
        if self.paused:
            self.resume()
        return super().stop(timeout)

    def alive(self) -> bool:
        """Running and not paused (i.e. expected to take part in the cluster)."""
        return self.running() and not self.paused

    # ---- HTTP ----------------------------------------------------------------------------
    def client(self, timeout: float = 15) -> Client:
        return super().client(timeout)

    def call(self, method: str, path: str, body: str | None = None,
             headers: dict | None = None, timeout: float = 15) -> Response:
        """One request on a fresh connection (no retry), bounded by ``timeout``."""
        c = self.client(timeout)
        try:
            return c.request(method, path, body, headers, retry=False)
        finally:
            c.close()

    def stats(self, timeout: float = 2) -> dict | None:
        """/v2/stats/self, or None if the member does not answer (in time)."""
        try:
            r = self.call("GET", "/v2/stats/self", timeout=timeout)
            if r.status != 200:
                return None
            st = r.json()
        except (OSError, ValueError, http.client.HTTPException):
            return None
        self.member_id = st.get("id", self.member_id)
        return st

    def put(self, key: str, value: str, timeout: float = 15, **form) -> Response:
        body = harness.encode_params({"value": value, **form})
        return self.call("PUT", harness.key_path(key), body,
                         {"Content-Type": Client.FORM}, timeout)

    def get(self, key: str, timeout: float = 15, **query) -> Response:
        path = harness.key_path(key)
        q = harness.encode_params(query)
        return self.call("GET", path + ("?" + q if q else ""), timeout=timeout)

    def __repr__(self) -> str:
        return (f"<Member {self.name} c:{self.client_port} p:{self.peer_port} "
                f"pid={self.proc and self.proc.pid}{' paused' if self.paused else ''}>")


class Cluster:
    """N members on loopback bootstrapped together (``--initial-cluster-state new``).

    ``kind`` "larch" (default) or "etcd" picks the binary and LARCH_/ETCD_EXTRA_ARGS;
    ``client_scheme``/``peer_scheme`` "https" and ``ssl_context`` (what our clients connect
    with) are for TLS clusters, whose TLS flags go in ``extra_args``."""

    def __init__(self, workdir: str, n: int, heartbeat_ms: int = HEARTBEAT_MS,
                 election_ms: int = ELECTION_MS, extra_args=(), binary: str | None = None,
                 token: str | None = None, kind: str = "larch", client_scheme: str = "http",
                 peer_scheme: str = "http", ssl_context=None):
        self.workdir = workdir
        self.n = n
        self.heartbeat_ms, self.election_ms = heartbeat_ms, election_ms
        self.extra_args = list(extra_args)
        self.kind = kind
        self.binary = binary or harness.binary_for(kind)
        self.client_scheme, self.peer_scheme = client_scheme, peer_scheme
        self.ssl_context = ssl_context
        self.token = token or f"larch-test-{os.getpid()}-{int(time.time() * 1000)}"
        ports = free_ports(2 * n)
        self.members = [Member(self, i, ports[2 * i], ports[2 * i + 1]) for i in range(n)]
        self.retired: list[Member] = []   # removed from the cluster (see retire)
        self.initial_cluster = ",".join(f"{m.name}={m.peer_url}" for m in self.members)

    # ---- lifecycle -----------------------------------------------------------------------
    def start(self, members=None, timeout: float = harness.READY_TIMEOUT) -> "Cluster":
        """Spawn the members (default: all) together, then wait until each answers."""
        ms = list(self.members if members is None else members)
        for m in ms:
            m.spawn()
        for m in ms:
            m.wait_ready(timeout)
        return self

    def stop_all(self, timeout: float = harness.STOP_TIMEOUT) -> dict:
        """SIGTERM every running member (all at once), reap them; name -> exit status."""
        live = [m for m in self.members if m.running()]
        for m in live:
            if m.paused:
                m.resume()
            m.proc.send_signal(signal.SIGTERM)
        out = {}
        for m in live:
            rc = m._reap(timeout)
            if rc is None:                  # did not exit in time: SIGKILL, report None
                m.kill9()
            out[m.name] = rc
        return out

    def cleanup(self) -> None:
        """Teardown: SIGCONT paused members, SIGTERM everyone, SIGKILL after 5 s."""
        everyone = self.members + self.retired
        for m in everyone:
            if m.paused:
                m.resume()
        for m in everyone:
            if m.running():
                try:
                    m.proc.send_signal(signal.SIGTERM)
                except OSError:
                    pass
        for m in everyone:
            if m.proc is not None:
                if m._reap(5) is None:
                    m.kill9()

    def new_member(self) -> Member:
        """A further member on fresh ports, set up to join this (running) cluster with
        ``--initial-cluster-state existing``; not added (POST /v2/members) nor started."""
        client_port, peer_port = free_ports(2)
        index = 1 + max(x.index for x in self.members + self.retired)
        m = Member(self, index, client_port, peer_port)
        current = [x for x in self.members if x.running()] or self.members
        m.initial_cluster = ",".join(f"{x.name}={x.peer_url}" for x in current + [m])
        m.cluster_state = "existing"
        self.members = self.members + [m]   # a new list: readers may iterate the old one
        return m

    def retire(self, m: Member) -> None:
        """Takes a member that was removed from the cluster out of ``members`` (its process
        is still reaped by ``cleanup``)."""
        self.members = [x for x in self.members if x is not m]
        self.retired.append(m)

    # ---- views ---------------------------------------------------------------------------
    def alive(self) -> list[Member]:
        return [m for m in self.members if m.alive()]

    def others(self, *excluded: Member) -> list[Member]:
        return [m for m in self.members if m not in excluded]

    def by_id(self, member_id: str) -> Member | None:
        for m in self.members:
            if m.member_id == member_id:
                return m
        return None

    def client_hosts(self) -> tuple:
        return tuple((m.host, m.client_port) for m in self.members)

    # ---- leadership ----------------------------------------------------------------------
    def leader_view(self, members=None) -> tuple[Member | None, dict]:
        """(leader, {name: stats}) if exactly one of ``members`` (default: the alive ones)
        says StateLeader and all of them name its id as leader; (None, stats) otherwise."""
        ms = list(self.alive() if members is None else members)
        view = {m.name: m.stats() for m in ms}
        if any(st is None for st in view.values()):
            return None, view
        leaders = [m for m in ms if view[m.name]["state"] == "StateLeader"]
        if len(leaders) != 1:
            return None, view
        lid = view[leaders[0].name]["id"]
        if all(st.get("leaderInfo", {}).get("leader") == lid for st in view.values()):
            return leaders[0], view
        return None, view

    def wait_leader(self, timeout: float = LEADER_TIMEOUT, members=None) -> Member:
        """The agreed leader among ``members`` (default: alive ones); bounded wait."""
        deadline = time.monotonic() + timeout
        view: dict = {}
        while time.monotonic() < deadline:
            leader, view = self.leader_view(members)
            if leader is not None:
                return leader
            time.sleep(0.05)
        raise AssertionError(f"no agreed leader within {timeout}s: "
                             f"{json.dumps(view, indent=1)}")

    # ---- writes with a bounded retry -----------------------------------------------------
    def put_until_ok(self, key: str, value: str, members=None, timeout: float = 20,
                     per_request: float = 10) -> tuple[Member, Response]:
        """PUT through the given members (round robin; default: alive ones) until one
        answers 200/201; raise with the last answers if none does within ``timeout``."""
        deadline = time.monotonic() + timeout
        errors = []
        i = 0
        while time.monotonic() < deadline:
            ms = list(self.alive() if members is None else members)
            m = ms[i % len(ms)]
            i += 1
            try:
                r = m.put(key, value, timeout=min(per_request,
                                                  max(1.0, deadline - time.monotonic())))
                if r.status in (200, 201):
                    return m, r
                errors.append((m.name, r.status, r.text[:200]))
            except (OSError, http.client.HTTPException) as e:
                errors.append((m.name, repr(e)))
            time.sleep(0.1)
        raise AssertionError(f"PUT {key} not acknowledged within {timeout}s: "
                             f"{errors[-5:]}")

    # ---- diagnostics ---------------------------------------------------------------------
    def log_tails(self, n: int = 3000) -> str:
        out = []
        for m in self.members:
            out.append(f"---- {m.name} ({m.log_path}) ----\n{m.log_tail(n)}")
        return "\n".join(out)


def cleanup_clusters(clusters: list, request) -> None:
    """A fixture's teardown: stops every member it started (by PID) and, when the test
    failed, attaches each member's log tail to the report."""
    rep = getattr(request.node, "rep_call", None)
    for cl in clusters:
        cl.cleanup()
        if rep is not None and rep.failed:
            for m in cl.members:
                request.node.add_report_section("call", f"{m.name} log {m.log_path}",
                                                m.log_tail(3000))


def flatten(node: dict, out: dict | None = None) -> dict:
    """key -> value of every leaf below a (recursive) GET node."""
    out = {} if out is None else out
    for n in node.get("nodes", []) or []:
        if n.get("dir"):
            flatten(n, out)
        else:
            out[n["key"]] = n.get("value")
    return out


def read_tree(m: Member, prefix: str, quorum: bool = False, timeout: float = 15) -> dict:
    """key -> value of every key under ``prefix`` as seen by ``m`` ({} if none)."""
    q = {"recursive": "true"}
    if quorum:
        q["quorum"] = "true"
    r = m.get(prefix, timeout=timeout, **q)
    if r.status == 404 and r.json().get("errorCode") == 100:
        return {}
    assert r.status == 200, (m.name, r)
    return flatten(r.json()["node"])


# etcd's --strict-reconfig-check refuses a membership change (500) until the member serving it
# has reached every other member (for an add), or a quorum of them (for a removal), for 5 s.
HEALTH_WINDOW = 5.0


def member_change(m: Member, method: str, path: str, body: str | None = None,
                  headers: dict | None = None, timeout: float = 4 * HEALTH_WINDOW) -> Response:
    """A /v2/members write through ``m``, repeated while it is refused as unhealthy (500), as
    an operator would after a restart or a join; the last answer once it is not a 500 or
    ``timeout`` has passed."""
    deadline = time.monotonic() + timeout
    while True:
        r = m.call(method, path, body, headers, timeout=15)
        if r.status != 500 or time.monotonic() >= deadline:
            return r
        time.sleep(0.3)
