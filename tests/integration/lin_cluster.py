"""A small 3-member Larch cluster launcher for the linearizability test (standard library).

Each member gets free loopback client/peer ports, a private data dir and an append-only
log file; it is started with etcd's static-bootstrap flags. Only PIDs this module started
are ever signalled: kill -9 / SIGSTOP / SIGCONT of one member, and on shutdown SIGCONT
(a stopped process cannot act on SIGTERM) then SIGTERM, then SIGKILL. Leftovers are
SIGKILLed by PID at interpreter exit.
"""

from __future__ import annotations

import atexit
import http.client
import json
import os
import shlex
import signal
import subprocess
import time

import harness

_LIVE: set = set()          # PIDs started here and not yet reaped


def _kill_leftovers() -> None:
    for pid in list(_LIVE):
        for sig in (signal.SIGCONT, signal.SIGKILL):
            try:
                os.kill(pid, sig)
            except OSError:
                pass


atexit.register(_kill_leftovers)


def http_json(port: int, path: str, timeout: float = 0.5):
    """GET a JSON document from 127.0.0.1:port; None on any error."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        data = r.read()
        if r.status != 200:
            return None
        return json.loads(data.decode("utf-8"))
    except (OSError, http.client.HTTPException, ValueError):
        return None
    finally:
        conn.close()


class Member:
    def __init__(self, cluster: "Cluster", idx: int, client_port: int, peer_port: int):
        self.cluster = cluster
        self.idx = idx
        self.name = f"m{idx}"
        self.client_port = client_port
        self.peer_port = peer_port
        self.data_dir = os.path.join(cluster.workdir, self.name)
        self.log_path = os.path.join(cluster.workdir, f"{self.name}.log")
        self.proc: subprocess.Popen | None = None
        self.stopped = False            # currently SIGSTOPped by us
        self.starts = 0

    @property
    def client_url(self) -> str:
        return f"http://127.0.0.1:{self.client_port}"

    @property
    def peer_url(self) -> str:
        return f"http://127.0.0.1:{self.peer_port}"

    def argv(self) -> list:
        c, p = self.client_url, self.peer_url
        return [self.cluster.binary, "--enable-v2=true", "--name", self.name,
                "--data-dir", self.data_dir,
                "--listen-client-urls", c, "--advertise-client-urls", c,
                "--listen-peer-urls", p, "--initial-advertise-peer-urls", p,
                "--initial-cluster", self.cluster.initial_cluster,
                "--initial-cluster-state", "new",
                "--initial-cluster-token", self.cluster.token,
                "--heartbeat-interval", str(self.cluster.heartbeat_ms),
                "--election-timeout", str(self.cluster.election_ms),
                ] + harness.extra_args_for("larch")

    # ---- lifecycle ------------------------------------------------------------------
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        """Start (or restart after kill -9) with the same flags and data dir."""
        assert not self.running(), f"{self.name} already running"
        with open(self.log_path, "ab") as log:
            log.write(f"\n==== start #{self.starts + 1} at monotonic "
                      f"{time.monotonic():.3f}: {shlex.join(self.argv())}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(self.argv(), stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=self.cluster.workdir)
        _LIVE.add(self.proc.pid)
        self.stopped = False
        self.starts += 1

    def _signal(self, sig) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)

    def _reap(self, timeout: float) -> bool:
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        _LIVE.discard(self.proc.pid)
        return True

    def kill9(self) -> None:
        if self.proc is None:
            return
        self._signal(signal.SIGKILL)
        self._reap(10)
        self.stopped = False

    def pause(self) -> None:
        self._signal(signal.SIGSTOP)
        self.stopped = True

    def resume(self) -> None:
        self._signal(signal.SIGCONT)
        self.stopped = False

    def terminate(self, timeout: float = 10) -> int | None:
        """SIGCONT + SIGTERM, SIGKILL after ``timeout``; returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self._signal(signal.SIGCONT)
            self._signal(signal.SIGTERM)
            if not self._reap(timeout):
                self._signal(signal.SIGKILL)
                self._reap(timeout)
        _LIVE.discard(self.proc.pid)
        self.stopped = False
        return self.proc.returncode

    # ---- probes -----------------------------------------------------------------------
    def stats_self(self, timeout: float = 0.5):
        return http_json(self.client_port, "/v2/stats/self", timeout)

    def log_tail(self, n: int = 3000) -> str:
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return "<no log>"

    def __repr__(self) -> str:
        return f"<{self.name} :{self.client_port} pid={self.proc and self.proc.pid}>"


class Cluster:
    def __init__(self, workdir: str, size: int = 3, token: str = "lin",
                 heartbeat_ms: int = 50, election_ms: int = 500, binary: str | None = None):
        self.workdir = workdir
        self.binary = binary or harness.LARCH_BIN
        self.token = token
        self.heartbeat_ms = heartbeat_ms
        self.election_ms = election_ms
        os.makedirs(workdir, exist_ok=True)
        ports = harness.free_ports(2 * size)
        self.members = [Member(self, i, ports[2 * i], ports[2 * i + 1]) for i in range(size)]
        self.initial_cluster = ",".join(f"{m.name}={m.peer_url}" for m in self.members)

    def start(self, timeout: float = 20) -> "Cluster":
        for m in self.members:
            m.start()
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 20) -> None:
        """Every member answers /v2/stats/self and one of them is the leader."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for m in self.members:
                if not m.running():
                    raise RuntimeError(f"{m.name} exited with {m.proc.returncode}\n"
                                       f"{m.log_tail()}")
            stats = [m.stats_self() for m in self.members]
            if all(stats) and any(s.get("state") == "StateLeader" for s in stats):
                return
            time.sleep(0.05)
        raise RuntimeError(f"cluster not ready within {timeout}s\n" +
                           "\n".join(f"--- {m.name}\n{m.log_tail()}" for m in self.members))

    def leader(self, timeout: float = 3.0) -> Member | None:
        """A member (running, not stopped by us) that reports StateLeader, or None."""
        deadline = time.monotonic() + timeout
        while True:
            for m in self.members:
                if m.running() and not m.stopped:
                    s = m.stats_self()
                    if s and s.get("state") == "StateLeader":
                        return m
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.05)

    def stop(self) -> dict:
        """Stop every member we started; returns {name: exit status}."""
        return {m.name: m.terminate() for m in self.members}

    def __enter__(self) -> "Cluster":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
