"""A tiny HTTP forward proxy on loopback (what --discovery-proxy points at): takes
absolute-form requests ("GET http://host:port/path HTTP/1.1"), sends each to its server on a
new connection and relays the answer until that server closes; opens CONNECT tunnels (for
https); records the URLs (and CONNECT targets) it was asked for. One thread per client
connection, so long polls do not block the others."""

from __future__ import annotations

import socket
import threading
from urllib.parse import urlsplit


class ForwardProxy:
    def __init__(self):
        self.urls: list[str] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, url, _version = lines[0].split(" ", 2)
            length = 0
            headers = []
            for ln in lines[1:]:
                name, _, value = ln.partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                if name.lower() not in ("connection", "proxy-connection"):
                    headers.append(ln)
            while len(body) < length:
                body += conn.recv(65536)
            self.urls.append(url)
            if method == "CONNECT":
                self._tunnel(conn, url, body)
                return
            u = urlsplit(url)
            upstream = socket.create_connection((u.hostname, u.port or 80), timeout=60)
            path = u.path + ("?" + u.query if u.query else "")
            req = f"{method} {path} HTTP/1.1\r\n" + "\r\n".join(headers) + \
                "\r\nConnection: close\r\n\r\n"
            upstream.sendall(req.encode("latin-1") + body)
            while True:
                chunk = upstream.recv(65536)
                if not chunk:
                    break
                conn.sendall(chunk)
            upstream.close()
        except OSError:
            pass
        finally:
            conn.close()

    def _tunnel(self, conn: socket.socket, target: str, early: bytes) -> None:
        host, _, port = target.rpartition(":")
        upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=60)
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        if early:
            upstream.sendall(early)

        def pipe(src: socket.socket, dst: socket.socket) -> None:
            try:
                while True:
                    chunk = src.recv(65536)
                    if not chunk:
                        break
                    dst.sendall(chunk)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        back = threading.Thread(target=pipe, args=(upstream, conn), daemon=True)
        back.start()
        pipe(conn, upstream)
        back.join(60)
        upstream.close()

    def close(self) -> None:
        self.sock.close()
