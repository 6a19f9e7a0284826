"""Fixtures and helpers shared by the TLS suites (test_tls.py, test_tls_cluster.py)."""

from __future__ import annotations

import http.client
import os
import ssl

import pytest

import harness
import tls_certs

HTTP_ERRORS = (OSError, http.client.HTTPException)   # ssl.SSLError is an OSError


@pytest.fixture(scope="session")
def certs(tmp_path_factory) -> tls_certs.Certs:
    if not os.access(tls_certs.OPENSSL, os.X_OK):
        pytest.skip("openssl CLI not installed")
    return tls_certs.make_certs(str(tmp_path_factory.mktemp("certs")))


def server_tls_args(certs, client_cert_auth: bool = False) -> list[str]:
    args = ["--cert-file", certs.server.crt, "--key-file", certs.server.key]
    if client_cert_auth:
        args += ["--client-cert-auth", "--trusted-ca-file", certs.ca.crt]
    return args


def https_outcome(host: str, port: int, ctx: ssl.SSLContext, path: str = "/v2/keys",
                  timeout: float = 5):
    """Status of ``GET path`` over TLS with ``ctx``, or the exception that stopped it
    (handshake refused, connection reset or closed without an answer)."""
    conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=ctx)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        return r.status
    except HTTP_ERRORS as e:
        return e
    finally:
        conn.close()


def assert_refused(srv: harness.Server, ctx: ssl.SSLContext, port: int | None = None) -> None:
    out = https_outcome(srv.host, port or srv.client_port, ctx)
    assert isinstance(out, Exception), f"expected no HTTP answer, got status {out}"
    # Our side did not give up: the server (not our verification) refused the peer.
    assert not isinstance(out, ssl.SSLCertVerificationError), out
