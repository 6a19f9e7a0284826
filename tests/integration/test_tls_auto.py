"""etcd's auto TLS (--auto-tls): a self-signed certificate generated under
<data-dir>/fixtures/client when no --cert-file/--key-file is given, reused after a restart,
and ignored when files are given; run against every target (etcd is the oracle). (Peer auto
TLS: test_tls_cluster.py.)

Servers listen on 127.0.0.1 only, on free ports; only PIDs started here are signalled.
"""

from __future__ import annotations

import json
import os
import pathlib

import pytest

import harness
import tls_certs
from tls_helpers import cert_text, certs, curl, insecure_context, tls_server  # noqa: F401


@pytest.mark.timeout(90)
def test_auto_tls_self_signed_client_listener(target, tmp_path_factory, certs, uniq):
    """--auto-tls without --cert-file/--key-file: a self-signed certificate generated under
    <data-dir>/fixtures/client for the listen URL's host, reused after a restart; clients
    must skip verification. --client-cert-auth is dropped with it (etcd 3.4)."""
    srv = harness.Server(target, str(tmp_path_factory.mktemp(f"{target}-autotls")),
                         ["--auto-tls", "--client-cert-auth"])
    srv.client_scheme = "https"
    srv.ssl_context = insecure_context()
    try:
        srv.start()
        fixtures = os.path.join(srv.data_dir, "fixtures", "client")
        cert, key = os.path.join(fixtures, "cert.pem"), os.path.join(fixtures, "key.pem")
        assert os.stat(key).st_mode & 0o777 == 0o600
        text = cert_text(cert)
        assert "subject=O = etcd" in text and "issuer=O = etcd" in text, text
        assert "IP Address:127.0.0.1" in text and "CA:FALSE" in text, text
        c = srv.client()                            # no client certificate presented
        try:
            r = c.put(uniq + "/k", "auto")
            assert r.status == 201, r
            assert c.conn.sock.getpeercert(binary_form=True) == tls_certs.der_of(cert)
        finally:
            c.close()
        url = srv.client_url + "/v2/keys" + uniq + "/k"
        p = curl("-k", url)
        assert p.returncode == 0 and json.loads(p.stdout)["node"]["value"] == "auto", p
        p = curl("--capath", "/nonexistent", "--cacert", certs.ca.crt, url)
        assert p.returncode == 60, (p.returncode, p.stdout, p.stderr)   # not verifiable
        p = curl("--cacert", cert, url)             # ... except against itself
        assert p.returncode == 0 and json.loads(p.stdout)["node"]["value"] == "auto", p
        # A restart reuses the files.
        before = (tls_certs.der_of(cert), pathlib.Path(key).read_bytes())
        srv.restart()
        assert (tls_certs.der_of(cert), pathlib.Path(key).read_bytes()) == before
        c = srv.client()
        try:
            assert c.get(uniq + "/k").json()["node"]["value"] == "auto"
            assert c.conn.sock.getpeercert(binary_form=True) == before[0]
        finally:
            c.close()
    finally:
        srv.stop()


def test_auto_tls_yields_to_explicit_files(target, tmp_path_factory, certs):
    """With --cert-file and --key-file, --auto-tls is ignored (etcd: a warning)."""
    srv = tls_server(target, str(tmp_path_factory.mktemp(f"{target}-autotls-files")), certs,
                     extra=("--auto-tls",))
    try:
        srv.start()
        c = srv.client()                            # verifies with our CA
        try:
            assert c.request("GET", "/health").status == 200
            assert c.conn.sock.getpeercert(binary_form=True) == tls_certs.der_of(certs.server.crt)
        finally:
            c.close()
        assert not os.path.exists(os.path.join(srv.data_dir, "fixtures"))
        assert "ignoring client auto TLS since certs given" in srv.log_text()
    finally:
        srv.stop()
