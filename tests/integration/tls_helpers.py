"""Fixtures and helpers shared by the TLS suites (test_tls.py, test_tls_cluster.py)."""

from __future__ import annotations

import http.client
import os
import shutil
import ssl
import subprocess

import pytest

import harness
import tls_certs

HTTP_ERRORS = (OSError, http.client.HTTPException)   # ssl.SSLError is an OSError
CURL = shutil.which("curl") or "/usr/bin/curl"


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


def insecure_context() -> ssl.SSLContext:
    """A client context that verifies nothing (``curl -k``): for auto TLS's self-signed
    certificates."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def cert_text(path: str) -> str:
    """Subject, issuer, SAN and basic constraints of a PEM certificate (openssl's words)."""
    p = subprocess.run([tls_certs.OPENSSL, "x509", "-in", path, "-noout", "-subject", "-issuer",
                        "-ext", "subjectAltName,basicConstraints"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    return p.stdout


def tls_server(target, workdir, certs, client_cert_auth=False, probe_cert=None,
               extra=()) -> harness.Server:
    """A (not started) single-member server with an https client URL; our clients verify
    it with the CA and present ``probe_cert`` (needed with --client-cert-auth)."""
    srv = harness.Server(target, workdir, server_tls_args(certs, client_cert_auth) + list(extra))
    srv.client_scheme = "https"
    srv.ssl_context = certs.context(probe_cert)
    return srv


def curl(*args: str, timeout: float = 15) -> subprocess.CompletedProcess:
    return subprocess.run([CURL, "-sS", "--max-time", "10", *args], capture_output=True,
                          text=True, timeout=timeout)

