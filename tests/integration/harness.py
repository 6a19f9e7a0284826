"""Process and HTTP helpers for the Larch integration suites.

Everything here works against any etcd-compatible binary started with etcd's flags
(spec §11.2 "Minimal loopback single-member invocation" plus --enable-v2=true):

* ``Server``      - start / wait-ready / SIGTERM-stop / kill -9 / restart of exactly one
                    process we started, on free loopback ports and a private data dir.
* ``Client``      - a keep-alive HTTP/1.1 client (standard library ``http.client``) with
                    helpers for ``/v2/keys`` (query + form body building, JSON decoding).
* ``Watch``       - a long-poll watch on its own connection: headers first, body later.
* ``raw_request`` - send exact bytes on a fresh socket and parse whatever comes back
                    (raw_http.py, re-exported here).

No third-party packages are needed; run with Debian's ``/usr/bin/python3 -m pytest``.
"""

from __future__ import annotations

import atexit
import http.client
import json
import os
import resource
import select
import shlex
import signal
import socket
import ssl
import subprocess
import time
import urllib.parse
from dataclasses import dataclass
from typing import Iterable

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LARCH_BIN = os.environ.get("LARCH_BIN", os.path.join(REPO_ROOT, "build", "larch"))
ETCD_BIN = os.environ.get("ETCD_BIN", "/usr/bin/etcd")
ETCDCTL_BIN = os.environ.get("ETCDCTL_BIN", "/usr/bin/etcdctl")
READY_TIMEOUT = float(os.environ.get("LARCH_READY_TIMEOUT", "15"))
STOP_TIMEOUT = 10.0

# Every PID this module started and has not reaped yet; killed (by PID, never by name)
# at interpreter exit so an aborted test run leaves no servers behind.
_LIVE_PIDS: set[int] = set()


def _kill_leftovers() -> None:
    for pid in list(_LIVE_PIDS):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


atexit.register(_kill_leftovers)


def binary_for(kind: str) -> str:
    """Path of the server binary for a target kind ("larch" or "etcd")."""
    return LARCH_BIN if kind == "larch" else ETCD_BIN


def extra_args_for(kind: str) -> list[str]:
    """Extra flags from LARCH_EXTRA_ARGS / ETCD_EXTRA_ARGS (shell-split)."""
    var = "LARCH_EXTRA_ARGS" if kind == "larch" else "ETCD_EXTRA_ARGS"
    return shlex.split(os.environ.get(var, ""))


# Every port handed out by this process. A member that is added but never started leaves
# its ports unbound, and the kernel may offer one of them again: a later member on the same
# peer URL is refused ("membership: peerURL exists"), so no port is handed out twice.
_issued_ports: set[int] = set()


def free_port() -> int:
    """A currently free loopback TCP port (bind to port 0 and let the kernel choose)."""
    return free_ports(1)[0]


def free_ports(n: int) -> list[int]:
    """n distinct loopback TCP ports that are free now and were never handed out before by
    this process."""
    socks: list[socket.socket] = []
    ports: list[int] = []
    try:
        for _ in range(1000):
            if len(ports) == n:
                break
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(s)  # kept bound until the end, so the kernel does not offer it again
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            if port not in _issued_ports:
                ports.append(port)
        if len(ports) < n:
            raise RuntimeError("no free loopback ports left that were not handed out before")
        _issued_ports.update(ports)
        return ports
    finally:
        for s in socks:
            s.close()


class ServerError(RuntimeError):
    pass


class Server:
    """One single-member server process (larch or etcd) on loopback.

    Ports and data dir are fixed at construction so ``restart`` reuses them.
    Only the PID returned by our own Popen is ever signalled.
    """

    def __init__(self, kind: str, workdir: str, extra_args: Iterable[str] = (),
                 name: str = "default", binary: str | None = None):
        self.kind = kind
        self.binary = binary or binary_for(kind)
        self.workdir = workdir
        self.data_dir = os.path.join(workdir, "data")
        self.name = name
        self.client_port, self.peer_port = free_ports(2)
        self.extra_args = list(extra_args_for(kind)) + list(extra_args)
        self.proc: subprocess.Popen | None = None
        self.log_path = os.path.join(workdir, "server.log")
        self.starts = 0
        # When set, the server starts with this soft RLIMIT_NOFILE (hard limit unchanged),
        # e.g. 1024 as under a default login shell: it must raise the limit itself.
        self.soft_nofile: int | None = None
        # When set, the server starts with this RLIMIT_FSIZE (bytes per file it writes):
        # a storage failure without root or a full disk (test_durability.py).
        self.fsize_limit: int | None = None
        # TLS (test_tls.py): "https" client/peer URLs; the TLS flags themselves go in
        # extra_args. ``ssl_context`` is what our own clients (readiness probe, Client,
        # Watch) connect with when the client scheme is https (CA, maybe a client cert).
        self.client_scheme = "http"
        self.peer_scheme = "http"
        self.ssl_context: ssl.SSLContext | None = None

    # ---- URLs -------------------------------------------------------------------
    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def client_url(self) -> str:
        return f"{self.client_scheme}://127.0.0.1:{self.client_port}"

    @property
    def peer_url(self) -> str:
        return f"{self.peer_scheme}://127.0.0.1:{self.peer_port}"

    def connection(self, timeout: float = 10) -> http.client.HTTPConnection:
        """A new (not yet connected) connection to the client port: HTTPS with
        ``ssl_context`` when the client scheme is https, plain HTTP otherwise."""
        return _connection(self.host, self.client_port, timeout,
                           self.ssl_context if self.client_scheme == "https" else None)

    def member_argv(self) -> list[str]:
        """The binary and this member's own flags: name, data dir, client and peer URLs."""
        c, p = self.client_url, self.peer_url
        return [self.binary, "--enable-v2=true", "--name", self.name,
                "--data-dir", self.data_dir,
                "--listen-client-urls", c, "--advertise-client-urls", c,
                "--listen-peer-urls", p, "--initial-advertise-peer-urls", p]

    def argv(self) -> list[str]:
        return self.member_argv() + ["--initial-cluster", f"{self.name}={self.peer_url}"] \
            + self.extra_args

    # ---- lifecycle ----------------------------------------------------------------
    def _preexec(self) -> None:
        if self.soft_nofile is not None:
            _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(self.soft_nofile, hard), hard))
        if self.fsize_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (self.fsize_limit, self.fsize_limit))

    def spawn(self) -> None:
        """Start the process without waiting for readiness."""
        if self.proc is not None and self.proc.poll() is None:
            raise ServerError("already running")
        os.makedirs(self.workdir, exist_ok=True)
        log = open(self.log_path, "ab")
        log.write(f"\n==== start #{self.starts + 1}: {shlex.join(self.argv())}\n".encode())
        log.flush()
        self.proc = subprocess.Popen(self.argv(), stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.workdir,
                                     preexec_fn=self._preexec)
        log.close()
        _LIVE_PIDS.add(self.proc.pid)
        self.starts += 1

    def start(self, timeout: float = READY_TIMEOUT) -> "Server":
        self.spawn()
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        """Wait until GET /v2/keys answers 200 (bounded); raise with the log tail if not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(f"{self.kind} exited with {self.proc.returncode} during "
                                  f"startup\n{self.log_tail()}")
            try:
                conn = self.connection(timeout=1)
                conn.request("GET", "/v2/keys")
                r = conn.getresponse()
                r.read()
                conn.close()
                if r.status == 200:
                    self._settle(deadline)
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise ServerError(f"{self.kind} not ready within {timeout}s\n{self.log_tail()}")

    def _settle(self, deadline: float) -> None:
        """etcd publishes its attributes and the cluster version right after it starts
        serving; wait (briefly) until the index reached the bootstrap value 3 so every
        test starts from the same, quiet state."""
        end = min(deadline, time.monotonic() + 3)
        while time.monotonic() < end:
            try:
                conn = self.connection(timeout=1)
                conn.request("GET", "/v2/keys")
                r = conn.getresponse()
                r.read()
                conn.close()
                if int(r.getheader("X-Etcd-Index", "0")) >= 3:
                    return
            except (OSError, ValueError):
                pass
            time.sleep(0.02)

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _reap(self, timeout: float) -> int | None:
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        _LIVE_PIDS.discard(self.proc.pid)
        return rc

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout``. Returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            rc = self._reap(timeout)
            if rc is not None:
                return rc
            self.proc.send_signal(signal.SIGKILL)
        return self._reap(timeout)

    def kill9(self) -> None:
        """SIGKILL exactly our process and reap it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        if self.proc is not None:
            self._reap(STOP_TIMEOUT)

    def restart(self, timeout: float = READY_TIMEOUT) -> "Server":
        self.stop()
        return self.start(timeout)

    def wait_exit(self, timeout: float) -> int | None:
        """Wait (bounded) for the process to exit on its own; None if still running."""
        return self._reap(timeout)

    def log_tail(self, n: int = 4000) -> str:
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()
            return data[-n:].decode("utf-8", "replace")
        except OSError:
            return "<no log>"

    def log_text(self) -> str:
        return self.log_tail(10 ** 9)

    # ---- convenience --------------------------------------------------------------
    def client(self, timeout: float = 10) -> "Client":
        return Client(self.host, self.client_port, timeout,
                      self.ssl_context if self.client_scheme == "https" else None)

    def __repr__(self) -> str:
        return f"<Server {self.kind} :{self.client_port} pid={self.proc and self.proc.pid}>"


# ---------------------------------------------------------------------------------
# HTTP client
# ---------------------------------------------------------------------------------

@dataclass
class Response:
    status: int
    headers: dict          # lower-case header name -> value (last one wins)
    raw_headers: list      # [(name, value)] as received
    body: bytes
    reason: str = ""

    def header(self, name: str, default=None):
        return self.headers.get(name.lower(), default)

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.headers} {self.body[:300]!r}>"


def _connection(host: str, port: int, timeout: float,
                ssl_context: ssl.SSLContext | None) -> http.client.HTTPConnection:
    if ssl_context is not None:
        return http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl_context)
    return http.client.HTTPConnection(host, port, timeout=timeout)


def _mk_response(r: http.client.HTTPResponse, body: bytes) -> Response:
    raw = list(r.getheaders())
    return Response(r.status, {k.lower(): v for k, v in raw}, raw, body, r.reason)


def key_path(key: str) -> str:
    """URL path for a key: each segment percent-encoded (so ' ', 'é', '?' survive).

    A key given with an explicit leading '/' is addressed below /v2/keys. Slashes
    separate segments; to put a literal %2F on the wire use ``raw_path``.
    """
    segs = key.strip("/").split("/") if key.strip("/") else []
    enc = "/".join(urllib.parse.quote(s, safe="") for s in segs)
    return "/v2/keys/" + enc if enc else "/v2/keys/"


def encode_params(params) -> str:
    """Query/form encoding that keeps order and repeated keys; None values -> bare key."""
    if not params:
        return ""
    items = params.items() if isinstance(params, dict) else params
    parts = []
    for k, v in items:
        if v is None:
            parts.append(urllib.parse.quote(str(k), safe=""))
        else:
            if isinstance(v, bool):
                v = "true" if v else "false"
            parts.append(urllib.parse.quote(str(k), safe="") + "=" +
                         urllib.parse.quote(str(v), safe=""))
    return "&".join(parts)


class Client:
    """Keep-alive HTTP/1.1 client; reconnects transparently after a server close.
    With an ``ssl_context`` it speaks HTTPS (HTTP/1.1 over TLS)."""

    FORM = "application/x-www-form-urlencoded"

    def __init__(self, host: str, port: int, timeout: float = 10,
                 ssl_context: ssl.SSLContext | None = None):
        self.host, self.port, self.timeout = host, port, timeout
        self.ssl_context = ssl_context
        self.conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method: str, path: str, body: bytes | str | None = None,
                headers: dict | None = None, retry: bool = True) -> Response:
        if isinstance(body, str):
            body = body.encode("utf-8")
        hdrs = dict(headers or {})
        for attempt in range(2 if retry else 1):
            if self.conn is None:
                self.conn = _connection(self.host, self.port, self.timeout, self.ssl_context)
            try:
                self.conn.request(method, path, body=body, headers=hdrs)
                r = self.conn.getresponse()
                data = r.read()
                if r.will_close:
                    self.close()
                return _mk_response(r, data)
            except (http.client.RemoteDisconnected, BrokenPipeError,
                    ConnectionResetError, http.client.CannotSendRequest,
                    http.client.BadStatusLine):
                self.close()
                if attempt == 1 or not retry:
                    raise
        raise AssertionError("unreachable")

    # ---- /v2/keys helpers ----------------------------------------------------------
    def keys(self, method: str, key: str, query=None, form=None, headers=None,
             raw_path: str | None = None) -> Response:
        """A /v2/keys request. ``query`` goes to the URL, ``form`` to a form body."""
        path = raw_path if raw_path is not None else key_path(key)
        q = encode_params(query)
        if q:
            path += "?" + q
        body = None
        hdrs = dict(headers or {})
        if form is not None:
            body = encode_params(form)
            hdrs.setdefault("Content-Type", self.FORM)
        return self.request(method, path, body, hdrs)

    def get(self, key, **query):
        return self.keys("GET", key, query=query or None)

    def put(self, key, value=None, query=None, **form):
        if value is not None:
            form = {"value": value, **form}
        return self.keys("PUT", key, query=query, form=form)

    def post(self, key, value=None, query=None, **form):
        if value is not None:
            form = {"value": value, **form}
        return self.keys("POST", key, query=query, form=form)

    def delete(self, key, **query):
        return self.keys("DELETE", key, query=query or None)

    def index(self) -> int:
        """Current etcd index (X-Etcd-Index of a root GET)."""
        r = self.request("GET", "/v2/keys/")
        return int(r.header("X-Etcd-Index"))

    def store_stats(self) -> dict:
        return self.request("GET", "/v2/stats/store").json()


class Watch:
    """A long-poll (or stream) watch on its own connection.

    ``open`` returns once the status line and headers arrived (etcd sends them as soon
    as the watch is registered). ``event``/``next_line`` read the body with a deadline.
    """

    def __init__(self, host: str, port: int, path: str, timeout: float = 10,
                 ssl_context: ssl.SSLContext | None = None):
        self.conn = _connection(host, port, timeout, ssl_context)
        self.conn.request("GET", path)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.headers = {k.lower(): v for k, v in self.resp.getheaders()}

    def header(self, name: str, default=None):
        return self.headers.get(name.lower(), default)

    def set_timeout(self, seconds: float) -> None:
        if self.conn.sock is not None:
            self.conn.sock.settimeout(seconds)

    def body(self, timeout: float = 10) -> bytes:
        self.set_timeout(timeout)
        return self.resp.read()

    def event(self, timeout: float = 10):
        """Whole (non-stream) body decoded as JSON."""
        data = self.body(timeout)
        return json.loads(data.decode("utf-8"))

    def next_line(self, timeout: float = 10) -> bytes:
        """Next newline-terminated line of a stream body (raises socket.timeout)."""
        self.set_timeout(timeout)
        return self.resp.readline()

    def next_event(self, timeout: float = 10):
        line = self.next_line(timeout)
        if not line:
            raise EOFError("stream ended")
        return json.loads(line.decode("utf-8"))

    def pending(self, wait: float = 0.3) -> bool:
        """True if no body byte arrives within ``wait`` seconds (watch still waiting)."""
        sock = self.conn.sock
        if sock is None:
            return False
        prev = sock.gettimeout()
        sock.setblocking(False)        # peek only what is buffered or already readable
        try:
            buffered = self.resp.fp.peek(1)
        except (BlockingIOError, InterruptedError):
            buffered = b""
        finally:
            sock.settimeout(prev)
        if self.resp.chunked and self.resp.chunk_left == 0 and buffered.startswith(b"\r\n"):
            buffered = buffered[2:]    # the CRLF closing the chunk we already consumed
        if buffered:
            return False
        readable, _, _ = select.select([sock], [], [], wait)
        return not readable

    def close(self) -> None:
        try:
            if self.conn.sock is not None:
                self.conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()


def open_watch(server: Server, key: str, timeout: float = 10, raw_path: str | None = None,
               **query) -> Watch:
    params = {"wait": "true", **query}
    path = (raw_path if raw_path is not None else key_path(key)) + "?" + encode_params(params)
    return Watch(server.host, server.client_port, path, timeout,
                 server.ssl_context if server.client_scheme == "https" else None)


# Raw socket HTTP lives in raw_http.py; re-exported for the suites that import it from here.
from raw_http import (RawResult, parse_http_response, raw_request,  # noqa: E402,F401
                      response_complete)


def wait_for(pred, timeout: float, interval: float = 0.05, what: str = "condition"):
    """Poll ``pred`` until it returns a truthy value (returned) or raise after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last={last!r})")


def stop_servers(servers: list, request) -> None:
    """A fixture's teardown: stops every server it started (by PID) and, when the test
    failed, attaches each one's log tail to the report."""
    rep = getattr(request.node, "rep_call", None)
    for srv in servers:
        srv.stop()
        if rep is not None and rep.failed:
            request.node.add_report_section("call", f"server log {srv.log_path}",
                                            srv.log_tail())


def startup_failure(srv: Server, timeout: float = 20) -> tuple[int | None, list[str]]:
    """Spawns ``srv``, which is expected to refuse to start: its exit status and the
    non-empty lines it printed (the harness's own start marker left out)."""
    srv.spawn()
    try:
        rc = srv.wait_exit(timeout)
    finally:
        srv.stop()
    out = [ln for ln in srv.log_text().splitlines()
           if ln.strip() and not ln.startswith("==== start #")]
    return rc, out
