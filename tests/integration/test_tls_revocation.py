"""Revocation lists, allowed host names and cipher suites on the TLS listeners, run against
every target (etcd is the oracle); certificates as in test_tls.py (tls_certs.py).

1. --client-crl-file with --client-cert-auth: a certificate whose serial number the list
   holds is refused in the handshake (and the refusal is logged), others are served; a list
   replaced in place applies from the next connection, without a restart, and a client
   revoked after its first connection cannot resume that TLS session to get back in.
2. --peer-crl-file on an https peer listener with --peer-client-cert-auth: the same for the
   peer port.
3. Larch-only: a CRL file that does not exist stops Larch at startup with one line (etcd
   starts, then refuses every client certificate).
4. --client-cert-allowed-hostname: only client certificates valid for that host name.
5. --cipher-suites: a TLS 1.2 client offering only an unlisted suite is refused, one
   offering a listed suite is served, TLS 1.3 keeps its own suites.
(Startup errors for an unknown suite name, and for an allowed CN together with an allowed
host name, are in test_tls.py's startup cases.)

Servers listen on 127.0.0.1 only, on free ports; only PIDs started here are signalled.
"""

from __future__ import annotations

import http.client
import os
import socket
import ssl

import pytest

import harness
import tls_certs
from tls_helpers import assert_refused, certs, https_outcome, tls_server  # noqa: F401
from harness import wait_for


@pytest.fixture
def make_server(target, tmp_path_factory, certs, request):
    """make_server(client_cert_auth, probe_cert, extra, peer_https) -> a running server."""
    made: list[harness.Server] = []

    def factory(client_cert_auth=True, probe_cert=None, extra=(), peer_https=False):
        srv = tls_server(target, str(tmp_path_factory.mktemp(f"{target}-crl")), certs,
                         client_cert_auth=client_cert_auth, probe_cert=probe_cert,
                         extra=extra)
        if peer_https:
            srv.peer_scheme = "https"
        made.append(srv)
        srv.start()
        return srv

    yield factory
    harness.stop_servers(made, request)


def served(srv: harness.Server, ctx: ssl.SSLContext, port: int | None = None) -> bool:
    out = https_outcome(srv.host, port or srv.client_port, ctx)
    return isinstance(out, int)


def test_client_crl_refuses_revoked_certificates(make_server, certs, tmp_path):
    crl = tls_certs.make_crl(certs, [certs.alice], str(tmp_path / "client.crl"))
    srv = make_server(probe_cert=certs.root, extra=("--client-crl-file", crl))
    assert_refused(srv, certs.context(certs.alice))
    assert served(srv, certs.context(certs.root))
    assert served(srv, certs.context(certs.peer))
    # The log names the refused serial number, in etcd's words.
    line = f"transport: certificate serial {tls_certs.serial_of(certs.alice.crt)} revoked"
    assert wait_for(lambda: line in srv.log_text(), 5), srv.log_tail()
    # Rotated in place: root is refused from the next connection on, alice still is.
    tls_certs.make_crl(certs, [certs.alice, certs.root], crl)
    assert wait_for(lambda: not served(srv, certs.context(certs.root)), 5)
    assert_refused(srv, certs.context(certs.alice))
    assert served(srv, certs.context(certs.peer))
    assert srv.running()


def test_revoked_certificate_cannot_resume_its_session(make_server, certs, tmp_path):
    """A client whose certificate is revoked after its first connection cannot get back in
    by resuming that TLS session (resumption skips certificate verification)."""
    crl = tls_certs.make_crl(certs, [certs.root], str(tmp_path / "client.crl"))
    srv = make_server(probe_cert=certs.peer, extra=("--client-crl-file", crl))
    ctx = certs.context(certs.alice)
    conn = http.client.HTTPSConnection(srv.host, srv.client_port, timeout=5, context=ctx)
    conn.request("GET", "/v2/keys")
    assert conn.getresponse().read() is not None
    session = conn.sock.session      # None when the server issues no resumable session
    conn.close()
    tls_certs.make_crl(certs, [certs.root, certs.alice], crl)
    raw = socket.create_connection((srv.host, srv.client_port), timeout=5)
    try:
        with ctx.wrap_socket(raw, server_hostname=srv.host, session=session) as tls:
            tls.sendall(b"GET /v2/keys HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = tls.recv(100)
        resumed = tls.session_reused
    except (OSError, ssl.SSLError):
        answer, resumed = b"", False
    assert not answer.startswith(b"HTTP/1.1 200"), (resumed, answer)
    assert srv.running()


def test_peer_crl_refuses_revoked_certificates(make_server, certs, tmp_path):
    crl = tls_certs.make_crl(certs, [certs.alice], str(tmp_path / "peer.crl"))
    srv = make_server(client_cert_auth=False, peer_https=True,
                      extra=("--peer-cert-file", certs.peer.crt, "--peer-key-file",
                             certs.peer.key, "--peer-trusted-ca-file", certs.ca.crt,
                             "--peer-client-cert-auth", "--peer-crl-file", crl))
    assert_refused(srv, certs.context(certs.alice), port=srv.peer_port)
    assert served(srv, certs.context(certs.peer), port=srv.peer_port)
    assert srv.running()


def test_missing_crl_file_is_a_startup_error(target, tmp_path, certs):
    if target != "larch":
        pytest.skip("etcd starts, then refuses every client certificate (Larch-only check)")
    missing = str(tmp_path / "missing.crl")
    srv = tls_server(target, str(tmp_path / "srv"), certs, client_cert_auth=True,
                     extra=("--client-crl-file", missing))
    rc, out = harness.startup_failure(srv)
    assert rc == 1, out
    assert len(out) == 1 and f"open {missing}: no such file or directory" in out[0], out
    assert not os.path.exists(srv.data_dir)


def test_client_cert_allowed_hostname(make_server, certs):
    # The peer certificate (clientAuth) has SAN IP:127.0.0.1 and DNS:localhost; alice has none.
    srv = make_server(probe_cert=certs.peer,
                      extra=("--client-cert-allowed-hostname", "localhost"))
    assert served(srv, certs.context(certs.peer))
    assert_refused(srv, certs.context(certs.alice))
    assert_refused(srv, certs.context(certs.root))
    assert srv.running()


def tls12_context(certs, cipher: str) -> ssl.SSLContext:
    ctx = certs.context()
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers(cipher)
    return ctx


def test_cipher_suites_restrict_tls12(make_server, certs):
    # The server certificate's key is EC P-256: ECDSA suites.
    srv = make_server(client_cert_auth=False, extra=(
        "--cipher-suites", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_AES_128_GCM_SHA256"))
    assert_refused(srv, tls12_context(certs, "ECDHE-ECDSA-AES256-GCM-SHA384"))
    assert served(srv, tls12_context(certs, "ECDHE-ECDSA-AES128-GCM-SHA256"))
    tls13 = certs.context()
    tls13.minimum_version = ssl.TLSVersion.TLSv1_3
    assert served(srv, tls13)
    assert srv.running()
