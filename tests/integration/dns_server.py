"""A tiny DNS server on loopback UDP for DNS SRV discovery tests: answers SRV questions from a
table (name -> [(port, target)]) and NXDOMAIN for everything else. Larch asks it when
LARCH_DNS_SERVER=127.0.0.1:<port> is set (etcd has no such setting: its SRV discovery always
asks the system's resolver, so these tests are Larch-only)."""

from __future__ import annotations

import socket
import struct
import threading


def _labels(name: str) -> bytes:
    out = b""
    for part in name.rstrip(".").split("."):
        out += bytes([len(part)]) + part.encode()
    return out + b"\x00"


class DnsServer:
    def __init__(self, srv: dict[str, list[tuple[int, str]]]):
        self.srv = {k.rstrip(".").lower(): v for k, v in srv.items()}
        self.questions: list[str] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                data, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            try:
                self.sock.sendto(self._answer(data), peer)
            except (OSError, IndexError, struct.error):
                pass

    def _answer(self, q: bytes) -> bytes:
        pos, parts = 12, []
        while q[pos]:
            parts.append(q[pos + 1:pos + 1 + q[pos]].decode())
            pos += 1 + q[pos]
        qtype = struct.unpack(">H", q[pos + 1:pos + 3])[0]
        question = q[12:pos + 5]
        name = ".".join(parts).lower()
        self.questions.append(name)
        records = self.srv.get(name) if qtype == 33 else None
        if not records:
            return q[:2] + struct.pack(">HHHHH", 0x8183, 1, 0, 0, 0) + question
        answers = b""
        for port, target in records:
            rdata = struct.pack(">HHH", 0, 0, port) + _labels(target)
            answers += b"\xc0\x0c" + struct.pack(">HHIH", 33, 1, 60, len(rdata)) + rdata
        return q[:2] + struct.pack(">HHHHH", 0x8180, 1, len(records), 0, 0) + question + answers

    def close(self) -> None:
        self.sock.close()
