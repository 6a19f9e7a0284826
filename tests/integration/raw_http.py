"""Raw socket HTTP for the integration suites: send exact bytes on a fresh (or given)
socket and parse whatever comes back, with a deadline - for malformed requests, pipelining,
and servers that answer without HTTP at all. Re-exported by ``harness``."""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from dataclasses import dataclass, field


@dataclass
class RawResult:
    """What came back on a raw socket. ``status`` is None when no HTTP response came."""
    data: bytes = b""
    status: int | None = None
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    closed: bool = False       # server closed (FIN) the connection
    reset: bool = False        # connection reset (RST)
    timed_out: bool = False    # deadline hit with the connection still open

    def json(self):
        return json.loads(self.body.decode("utf-8"))


def parse_http_response(data: bytes) -> tuple[int | None, dict, bytes, bytes]:
    """Parse one HTTP/1.x response from ``data``: (status, headers, body, rest)."""
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep or not head.startswith(b"HTTP/"):
        return None, {}, b"", data
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ")[1])
    headers = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(b":")
        headers[k.decode("latin-1").strip().lower()] = v.decode("latin-1").strip()
    if "content-length" in headers:
        n = int(headers["content-length"])
        return status, headers, rest[:n], rest[n:]
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size_line, sep, rest2 = rest.partition(b"\r\n")
            if not sep:
                break
            size = int(size_line.split(b";")[0] or b"0", 16)
            if size == 0:
                rest = rest2[2:]
                break
            body += rest2[:size]
            rest = rest2[size + 2:]
        return status, headers, body, rest
    return status, headers, rest, b""


def response_complete(data: bytes) -> bool:
    """Whether ``data`` holds one whole response (sized or chunked)."""
    status, headers, body, _ = parse_http_response(data)
    if status is None:
        return False
    head = data.partition(b"\r\n\r\n")[2]
    if "content-length" in headers:
        return len(head) >= int(headers["content-length"])
    if headers.get("transfer-encoding", "").lower() == "chunked":
        return b"\r\n0\r\n\r\n" in b"\r\n" + head
    return False


def _send_chunks(s: socket.socket, chunks: list, res: RawResult) -> None:
    for c in chunks:
        try:
            s.sendall(c)
        except OSError:
            res.reset = True
            return


def raw_request(host: str, port: int, payload: bytes | list, timeout: float = 5,
                until_close: bool = False, sock: socket.socket | None = None,
                concurrent: bool = False) -> RawResult:
    """Send exact bytes (or a list of chunks) and read the reply with a deadline.

    Stops at the first complete response unless ``until_close``; reports whether the
    server closed or reset the connection. ``concurrent`` sends from a helper thread
    while reading, so an early answer to a huge request (e.g. 400 "too large" followed
    by a close) is read before the connection is reset.
    """
    own = sock is None
    s = sock or socket.create_connection((host, port), timeout=timeout)
    res = RawResult()
    deadline = time.monotonic() + timeout
    chunks = payload if isinstance(payload, list) else [payload]
    sender = None
    try:
        if concurrent:
            sender = threading.Thread(target=_send_chunks, args=(s, chunks, res), daemon=True)
            sender.start()
        else:
            _send_chunks(s, chunks, res)
        while time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                b = s.recv(65536)
            except (socket.timeout, TimeoutError):
                res.timed_out = True
                break
            except ConnectionResetError:
                res.reset = True
                break
            if not b:
                res.closed = True
                break
            res.data += b
            if not until_close and response_complete(res.data):
                break
        else:
            res.timed_out = True
    finally:
        if own:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        if sender is not None:
            sender.join(timeout)
    res.status, res.headers, res.body, _ = parse_http_response(res.data)
    return res
