"""TLS on the client and peer listeners, run against every target (etcd is the oracle).

Certificates are made once per session with the ``openssl`` CLI (tls_certs.py): a CA, a
server cert (SAN IP:127.0.0.1, DNS:localhost), client certs CN=alice and CN=root, a cert
from another CA, and a peer cert good for both serverAuth and clientAuth.

1. https client listener (--cert-file/--key-file, https listen and advertise URLs):
   PUT/GET/DELETE with requests, curl and a keep-alive HTTP/1.1 client verifying with the
   CA (the presented certificate is ours; it verifies as 127.0.0.1 and as localhost);
   /version, /health, /v2/members and /v2/machines show the https client URL; a long-poll
   watch over https gets its event.
2. Plain HTTP (and garbage) sent to the https port gets no HTTP answer - the connection is
   closed or reset - and the server keeps serving.
3. --client-cert-auth --trusted-ca-file: no client cert, a cert from another CA, and a
   serverAuth-only cert are refused in the handshake; certs from the CA work.
4. With v2 auth enabled and --client-cert-auth, a request without an Authorization header
   is made as the user named by the certificate's CN (alice: only her role; root: root);
   an Authorization header wins over the certificate; without a user alice, alice's cert
   gets the guest role. Larch-only: a user named like the CA certificate's CN is never
   used (etcd also tries every CN of the verified chain, so that user would apply).
5. Startup errors (exit status 1, etcd's message; for Larch exactly one line of output):
   https without --cert-file/--key-file (client and peer), a missing cert / key / CA
   file, a key that does not match the certificate, an unknown --cipher-suites name, an
   allowed peer CN together with an allowed peer host name.
6. Clients: etcdctl (ETCDCTL_API=2) with --ca-file [--cert-file --key-file]: set, get,
   ls, cluster-health, member list; python3-etcd with protocol='https', ca_cert, cert.
(Peer TLS: test_tls_cluster.py; --auto-tls: test_tls_auto.py; CRLs, allowed host names and
cipher suites: test_tls_revocation.py.)

Servers listen on 127.0.0.1 only, on free ports; only PIDs started here are signalled.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import ssl
import subprocess

import pytest

import harness
import tls_certs
from tls_helpers import (HTTP_ERRORS, assert_refused, certs, curl,  # noqa: F401
                         https_outcome, server_tls_args, tls_server)
from harness import open_watch, raw_request, wait_for

requests = pytest.importorskip("requests")     # Debian python3-requests

JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


# ---- fixtures -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def https_server(target, tmp_path_factory, certs):
    """https client listener, no client certificates required (shared by the module)."""
    srv = tls_server(target, str(tmp_path_factory.mktemp(f"{target}-https")), certs)
    try:
        srv.start()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def mtls_server(target, tmp_path_factory, certs):
    """https client listener with --client-cert-auth (our clients present alice's cert)."""
    srv = tls_server(target, str(tmp_path_factory.mktemp(f"{target}-mtls")), certs,
                     client_cert_auth=True, probe_cert=certs.alice)
    try:
        srv.start()
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def make_tls_server(target, tmp_path_factory, certs, request):
    """make_tls_server(client_cert_auth=False, probe_cert=None, extra=(), start=True)."""
    made: list[harness.Server] = []

    def factory(start=True, **kw) -> harness.Server:
        srv = tls_server(target, str(tmp_path_factory.mktemp(f"{target}-tls")), certs, **kw)
        made.append(srv)
        if start:
            srv.start()
        return srv

    yield factory
    harness.stop_servers(made, request)


# ---- helpers ------------------------------------------------------------------------------

def basic(user: str, pw: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()}


def tls_client(srv: harness.Server, ctx: ssl.SSLContext, timeout: float = 10) -> harness.Client:
    return harness.Client(srv.host, srv.client_port, timeout, ctx)


def ctl(srv: harness.Server, *args: str, check: bool = True,
        timeout: float = 20) -> subprocess.CompletedProcess:
    env = dict(os.environ, ETCDCTL_API="2")
    p = subprocess.run([harness.ETCDCTL_BIN, "--endpoints", srv.client_url, *args], env=env,
                       capture_output=True, text=True, timeout=timeout)
    if check:
        assert p.returncode == 0, (args, p.returncode, p.stdout, p.stderr)
    return p


def json_call(c: harness.Client, method: str, path: str, body=None, auth=None):
    hdrs = dict(auth or {})
    if body is not None:
        body = json.dumps(body)
        hdrs.update(JSON)
    return c.request(method, path, body, hdrs)


# ---- 1. https client listener -------------------------------------------------------------

def test_https_put_get_delete_with_requests(https_server, certs, uniq):
    base = https_server.client_url + "/v2/keys" + uniq
    assert base.startswith("https://127.0.0.1:")
    with requests.Session() as s:
        # REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE in the environment would replace s.verify.
        s.trust_env = False
        s.verify = certs.ca.crt
        r = s.put(base + "/k", data={"value": "v1"}, timeout=10)
        assert r.status_code == 201, r.text
        assert r.json()["action"] == "set" and r.json()["node"]["value"] == "v1", r.text
        assert r.headers.get("X-Etcd-Index"), r.headers
        r = s.get(base + "/k", timeout=10)
        assert r.status_code == 200 and r.json()["node"] == {
            "key": uniq + "/k", "value": "v1", "modifiedIndex": r.json()["node"]["modifiedIndex"],
            "createdIndex": r.json()["node"]["createdIndex"]}, r.text
        r = s.post(base + "/q", data={"value": "in-order"}, timeout=10)
        assert r.status_code == 201 and r.json()["action"] == "create", r.text
        r = s.delete(base + "/k", timeout=10)
        assert r.status_code == 200 and r.json()["action"] == "delete", r.text
        assert r.json()["prevNode"]["value"] == "v1", r.text
        r = s.get(base + "/k", timeout=10)
        assert r.status_code == 404 and r.json()["errorCode"] == 100, r.text


def test_https_keep_alive_client_and_presented_certificate(https_server, certs, uniq):
    c = https_server.client()
    try:
        r = c.put(uniq + "/a", "1")
        assert r.status == 201, r
        sock = c.conn.sock
        assert isinstance(sock, ssl.SSLSocket)
        assert sock.getpeercert(binary_form=True) == tls_certs.der_of(certs.server.crt)
        for i in range(5):                      # several requests on one TLS connection
            r = c.put(uniq + "/a", str(i))
            assert r.status == 200 and r.json()["node"]["value"] == str(i), r
            r = c.get(uniq + "/a")
            assert r.status == 200 and r.json()["node"]["value"] == str(i), r
        assert c.conn is not None and c.conn.sock is sock, "TLS connection was not kept alive"
    finally:
        c.close()


def test_https_with_curl(https_server, certs, uniq):
    url = https_server.client_url + "/v2/keys" + uniq + "/c"
    p = curl("--cacert", certs.ca.crt, "-X", "PUT", "-d", "value=from-curl", url)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["node"]["value"] == "from-curl", p.stdout
    # The certificate is valid for the DNS name localhost too (SAN DNS:localhost).
    port = https_server.client_port
    p = curl("--cacert", certs.ca.crt, "--resolve", f"localhost:{port}:127.0.0.1",
             f"https://localhost:{port}/v2/keys{uniq}/c")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["node"]["value"] == "from-curl", p.stdout
    # Not trusted without our CA, nor with another CA (curl exit 60: peer cert not OK).
    p = curl("--capath", "/nonexistent", "--cacert", certs.other_ca.crt, url)
    assert p.returncode == 60, (p.returncode, p.stdout, p.stderr)
    p = curl("--cacert", certs.ca.crt, "-X", "DELETE", url)
    assert p.returncode == 0 and json.loads(p.stdout)["action"] == "delete", p.stdout


def test_https_version_health_members_machines(https_server, certs):
    c = https_server.client()
    try:
        r = c.request("GET", "/version")
        assert r.status == 200 and set(r.json()) == {"etcdserver", "etcdcluster"}, r
        r = c.request("GET", "/health")
        assert r.status == 200 and r.json() == {"health": "true"}, r
        r = c.request("GET", "/v2/members")
        assert r.status == 200, r
        ms = r.json()["members"]
        assert len(ms) == 1, ms
        assert ms[0]["clientURLs"] == [https_server.client_url], ms
        assert ms[0]["clientURLs"][0].startswith("https://127.0.0.1:"), ms
        assert ms[0]["peerURLs"] == [https_server.peer_url], ms       # peers stay http
        r = c.request("GET", "/v2/machines")
        assert r.status == 200 and r.text == https_server.client_url, r
    finally:
        c.close()


def test_https_watch_gets_event(https_server, uniq):
    key = uniq + "/w"
    w = open_watch(https_server, key, timeout=10)
    try:
        assert w.status == 200, w.status
        c = https_server.client()
        try:
            r = c.put(key, "woke")
            assert r.status == 201, r
        finally:
            c.close()
        ev = w.event(timeout=10)
        assert ev["action"] == "set" and ev["node"]["key"] == key \
            and ev["node"]["value"] == "woke", ev
        assert ev["node"]["modifiedIndex"] == r.json()["node"]["modifiedIndex"], ev
    finally:
        w.close()


# ---- 2. plain HTTP to the https port --------------------------------------------------------

def test_plain_http_to_https_port_gets_no_http_answer(https_server, certs):
    host, port = https_server.host, https_server.client_port
    for payload in (b"GET /v2/keys HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                    b"GET /version HTTP/1.0\r\n\r\n",
                    b"PUT /v2/keys/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 7\r\n\r\n"
                    b"value=1",
                    bytes(range(256)) * 4):
        res = raw_request(host, port, payload, timeout=5, until_close=True)
        assert res.status is None and b"HTTP/" not in res.data, (payload[:20], res)
        assert (res.closed or res.reset) and not res.timed_out, (payload[:20], res)
    # curl speaking plain HTTP to the TLS port: no answer (52 empty reply / 56 recv error).
    p = curl(f"http://127.0.0.1:{port}/v2/keys")
    assert p.returncode in (52, 56), (p.returncode, p.stdout, p.stderr)
    assert p.stdout == "", p.stdout
    # Still serving over TLS.
    c = https_server.client()
    try:
        r = c.request("GET", "/health")
        assert r.status == 200 and r.json() == {"health": "true"}, r
    finally:
        c.close()
    assert https_server.running()


# ---- 3. client certificates -----------------------------------------------------------------

def test_client_cert_auth_handshake(mtls_server, certs, uniq):
    srv = mtls_server
    assert_refused(srv, certs.context())                     # no client certificate
    assert_refused(srv, certs.context(certs.stranger))       # CN=alice, but another CA
    assert_refused(srv, certs.context(certs.server))         # our CA, but serverAuth only
    for who in (certs.alice, certs.root, certs.peer):        # our CA, clientAuth
        c = tls_client(srv, certs.context(who))
        try:
            r = c.put(uniq + "/k", os.path.basename(who.crt))
            assert r.status in (200, 201), r
            r = c.get(uniq + "/k")
            assert r.status == 200 and r.json()["node"]["value"] == os.path.basename(who.crt), r
        finally:
            c.close()
    # curl: refused without a certificate, served with one.
    url = srv.client_url + "/v2/keys" + uniq + "/k"
    p = curl("--cacert", certs.ca.crt, url)
    assert p.returncode != 0 and p.stdout == "", (p.returncode, p.stdout, p.stderr)
    p = curl("--cacert", certs.ca.crt, "--cert", certs.alice.crt, "--key", certs.alice.key, url)
    assert p.returncode == 0 and json.loads(p.stdout)["node"]["value"] == "peer.crt", p
    assert srv.running()


def test_trusted_ca_alone_requires_client_certificates(make_tls_server, certs, uniq):
    """etcd 3.4: --trusted-ca-file without --client-cert-auth still requires a client
    certificate from that CA; only --client-cert-auth makes its CN the auth user."""
    srv = make_tls_server(extra=("--trusted-ca-file", certs.ca.crt), probe_cert=certs.root)
    assert_refused(srv, certs.context())
    assert_refused(srv, certs.context(certs.stranger))
    set_up_cn_auth(srv, certs, {"alice": ["r"]}, {"read": ["/*"]})
    root = tls_client(srv, certs.context(certs.root))
    try:
        # root's certificate is not root here: no Authorization header -> guest.
        r = root.request("GET", "/v2/auth/users")
        assert r.status == 401, r
        assert status_of(root, "GET", "/b") == 200    # guest reads /*
        assert status_of(root, "PUT", "/b") == 401
    finally:
        root.close()


def test_host_whitelist_is_not_applied_to_tls(make_tls_server, certs):
    """Spec §6.4: only plain-HTTP requests have their Host checked."""
    srv = make_tls_server(extra=("--host-whitelist", "only.example"))
    c = tls_client(srv, certs.context())
    try:
        r = c.request("GET", "/v2/keys/", headers={"Host": "elsewhere.example"})
        assert r.status == 200, r
    finally:
        c.close()


# ---- 4. certificate CN as the v2 auth user --------------------------------------------------

def set_up_cn_auth(srv: harness.Server, certs, users: dict, guest_perms: dict) -> None:
    """Root (password rootpw), role r (read /a only), the given users {name: roles}, /a
    and /b written, auth enabled, guest's permissions replaced by ``guest_perms``. Done
    over a TLS connection presenting root's certificate, with Basic credentials."""
    root = basic("root", "rootpw")
    c = tls_client(srv, certs.context(certs.root))
    try:
        r = json_call(c, "PUT", "/v2/auth/users/root", {"user": "root", "password": "rootpw"})
        assert r.status == 201, r
        r = json_call(c, "PUT", "/v2/auth/roles/r",
                      {"role": "r", "permissions": {"kv": {"read": ["/a"], "write": []}}})
        assert r.status == 201, r
        for name, roles in users.items():
            r = json_call(c, "PUT", f"/v2/auth/users/{name}",
                          {"user": name, "password": f"{name}pw", "roles": roles})
            assert r.status == 200, r                   # (200, not 201, with roles: etcd)
        for k in ("/a", "/b"):
            assert c.put(k, "value" + k).status == 201
        r = json_call(c, "PUT", "/v2/auth/enable")
        assert r.status == 200, r
        r = json_call(c, "PUT", "/v2/auth/roles/guest",
                      {"role": "guest", "revoke": {"kv": {"read": ["/*"], "write": ["/*"]}}},
                      root)
        assert r.status == 200, r
        if guest_perms:
            r = json_call(c, "PUT", "/v2/auth/roles/guest",
                          {"role": "guest", "grant": {"kv": guest_perms}}, root)
            assert r.status == 200, r
    finally:
        c.close()


def status_of(c: harness.Client, method: str, key: str, auth=None) -> int:
    if method == "PUT":
        r = c.keys("PUT", key, form={"value": "w"}, headers=auth)
    else:
        r = c.keys(method, key, headers=auth)
    if r.status == 401:
        assert r.json()["errorCode"] == 110, r
    return r.status


def test_certificate_cn_is_the_user(make_tls_server, certs):
    srv = make_tls_server(client_cert_auth=True, probe_cert=certs.root)
    set_up_cn_auth(srv, certs, {"alice": ["r"]}, {"read": ["/*"]})
    alice = tls_client(srv, certs.context(certs.alice))
    root = tls_client(srv, certs.context(certs.root))
    try:
        # alice (no Authorization header): her role only, although guest could read /b.
        r = alice.get("/a")
        assert r.status == 200 and r.json()["node"]["value"] == "value/a", r
        assert status_of(alice, "GET", "/b") == 401
        assert status_of(alice, "PUT", "/a") == 401
        r = alice.request("GET", "/v2/auth/users")
        assert r.status == 401 and r.json() == {"message": "Insufficient credentials"}, r
        # root's certificate does root things.
        r = root.request("GET", "/v2/auth/users")
        assert r.status == 200, r
        assert sorted(u["user"] for u in r.json()["users"]) == ["alice", "root"], r
        assert status_of(root, "PUT", "/b") == 200
        assert status_of(root, "GET", "/b") == 200
        # An Authorization header wins over the certificate (and never falls back to it).
        assert status_of(alice, "GET", "/b", basic("root", "rootpw")) == 200
        assert status_of(root, "GET", "/b", basic("alice", "alicepw")) == 401
        assert status_of(root, "GET", "/a", basic("alice", "alicepw")) == 200
        assert status_of(root, "GET", "/b", basic("root", "wrong")) == 401
        # Without a user alice, alice's certificate gets the guest role (read /* only).
        r = root.request("DELETE", "/v2/auth/users/alice")
        assert r.status == 200, r
        assert status_of(alice, "GET", "/b") == 200
        assert status_of(alice, "GET", "/a") == 200
        assert status_of(alice, "PUT", "/b") == 401
        r = alice.request("GET", "/v2/auth/users")
        assert r.status == 401, r
    finally:
        alice.close()
        root.close()


@pytest.mark.larch_only
def test_ca_common_name_is_not_a_user(make_tls_server, certs):
    """etcd looks up every CN of the verified chain, leaf first, so a user named like the
    CA would apply to every certificate it signed; Larch uses only the leaf's CN."""
    srv = make_tls_server(client_cert_auth=True, probe_cert=certs.root)
    set_up_cn_auth(srv, certs, {tls_certs.CA_CN: ["r"]}, {"read": ["/b"]})
    alice = tls_client(srv, certs.context(certs.alice))
    root = tls_client(srv, certs.context(certs.root))
    try:
        # The CA-named user exists and its role reads /a (with its password).
        assert status_of(root, "GET", "/a", basic(tls_certs.CA_CN, tls_certs.CA_CN + "pw")) == 200
        assert status_of(root, "GET", "/b", basic(tls_certs.CA_CN, tls_certs.CA_CN + "pw")) == 401
        # alice's certificate (no user alice): guest, not the CA-named user.
        assert status_of(alice, "GET", "/b") == 200
        assert status_of(alice, "GET", "/a") == 401
        assert status_of(alice, "PUT", "/b") == 401
        # root's certificate is still root (its own CN matches first anyway).
        r = root.request("GET", "/v2/auth/users")
        assert r.status == 200, r
    finally:
        alice.close()
        root.close()


# ---- 5. startup errors ----------------------------------------------------------------------

def _startup_cases(certs, srv: harness.Server):
    """name -> (extra args, client https?, peer https?, expected message)."""
    missing = os.path.join(certs.dir, "missing.crt")
    c_url = f"https://127.0.0.1:{srv.client_port}"
    return {
        "client_https_without_cert": (
            [], True, False,
            f"TLS key/cert (--cert-file, --key-file) must be provided for client url {c_url} "
            "with HTTPS scheme"),
        "peer_https_without_cert": (
            server_tls_args(certs), True, True,
            f"cannot listen on TLS for 127.0.0.1:{srv.peer_port}: KeyFile and CertFile are "
            "not presented"),
        "missing_cert_file": (
            ["--cert-file", missing, "--key-file", certs.server.key], True, False,
            f"open {missing}: no such file or directory"),
        "missing_key_file": (
            ["--cert-file", certs.server.crt, "--key-file", missing], True, False,
            f"open {missing}: no such file or directory"),
        "missing_trusted_ca_file": (
            server_tls_args(certs) + ["--client-cert-auth", "--trusted-ca-file", missing],
            True, False, f"open {missing}: no such file or directory"),
        "key_does_not_match_cert": (
            ["--cert-file", certs.server.crt, "--key-file", certs.odd_key], True, False,
            "tls: private key does not match public key"),
        "missing_peer_cert_file": (
            ["--peer-cert-file", missing, "--peer-key-file", certs.peer.key], False, True,
            f"open {missing}: no such file or directory"),
        "peer_key_does_not_match_cert": (
            ["--peer-cert-file", certs.peer.crt, "--peer-key-file", certs.odd_key],
            False, True, "tls: private key does not match public key"),
        "unknown_cipher_suite": (
            ["--cipher-suites", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_FOO"], False,
            False, 'unexpected TLS cipher suite "TLS_FOO"'),
        "allowed_cn_and_hostname": (
            ["--peer-cert-file", certs.peer.crt, "--peer-key-file", certs.peer.key,
             "--peer-trusted-ca-file", certs.ca.crt, "--peer-client-cert-auth",
             "--peer-cert-allowed-cn", "x", "--peer-cert-allowed-hostname", "y"], False, True,
            'AllowedCN and AllowedHostname are mutually exclusive (cn="x", hostname="y")'),
    }


STARTUP_CASES = ["client_https_without_cert", "peer_https_without_cert", "missing_cert_file",
                 "missing_key_file", "missing_trusted_ca_file", "key_does_not_match_cert",
                 "missing_peer_cert_file", "peer_key_does_not_match_cert",
                 "unknown_cipher_suite", "allowed_cn_and_hostname"]


@pytest.mark.parametrize("case", STARTUP_CASES)
def test_startup_error(case, target, tmp_path_factory, certs):
    srv = harness.Server(target, str(tmp_path_factory.mktemp(f"{target}-bad")))
    args, client_https, peer_https, message = _startup_cases(certs, srv)[case]
    srv.extra_args += args
    if client_https:
        srv.client_scheme = "https"
    if peer_https:
        srv.peer_scheme = "https"
    rc, out = harness.startup_failure(srv)
    assert rc == 1, (rc, out[-5:])
    assert any(message in ln for ln in out), (message, out[-5:])
    if target == "larch":
        assert len(out) == 1, out


# ---- 6. etcdctl and python3-etcd ------------------------------------------------------------

@pytest.mark.skipif(not os.access(harness.ETCDCTL_BIN, os.X_OK), reason="etcdctl not installed")
def test_etcdctl_over_https(https_server, certs, uniq):
    ca = ("--ca-file", certs.ca.crt)
    k = uniq + "/k"
    assert ctl(https_server, *ca, "set", k, "v").stdout == "v\n"
    assert ctl(https_server, *ca, "get", k).stdout == "v\n"
    assert ctl(https_server, *ca, "set", uniq + "/k2", "w").stdout == "w\n"
    assert ctl(https_server, *ca, "ls", "--sort", uniq).stdout == f"{k}\n{uniq}/k2\n"
    p = ctl(https_server, *ca, "cluster-health")
    assert f"got healthy result from {https_server.client_url}\n" in p.stdout, p.stdout
    assert p.stdout.endswith("cluster is healthy\n"), p.stdout
    p = ctl(https_server, *ca, "member", "list")
    assert f"peerURLs={https_server.peer_url} clientURLs={https_server.client_url} " \
           "isLeader=true" in p.stdout, p.stdout
    # etcdctl does verify the server: without our CA it refuses.
    p = ctl(https_server, "get", k, check=False)
    assert p.returncode != 0 and "certificate signed by unknown authority" in p.stderr, p


@pytest.mark.skipif(not os.access(harness.ETCDCTL_BIN, os.X_OK), reason="etcdctl not installed")
def test_etcdctl_with_client_certificate(mtls_server, certs, uniq):
    tls = ("--ca-file", certs.ca.crt, "--cert-file", certs.alice.crt,
           "--key-file", certs.alice.key)
    k = uniq + "/k"
    assert ctl(mtls_server, *tls, "set", k, "m").stdout == "m\n"
    assert ctl(mtls_server, *tls, "get", k).stdout == "m\n"
    assert ctl(mtls_server, *tls, "ls", uniq).stdout == f"{k}\n"
    p = ctl(mtls_server, *tls, "cluster-health")
    assert p.stdout.endswith("cluster is healthy\n"), p.stdout
    p = ctl(mtls_server, *tls, "member", "list")
    assert f"clientURLs={mtls_server.client_url}" in p.stdout, p.stdout
    p = ctl(mtls_server, "--ca-file", certs.ca.crt, "get", k, check=False)
    assert p.returncode != 0 and p.stdout == "", p         # no certificate: refused


def test_python_etcd_over_https(https_server, mtls_server, certs, uniq):
    etcd = pytest.importorskip("etcd")
    c = etcd.Client(host="127.0.0.1", port=https_server.client_port, protocol="https",
                    ca_cert=certs.ca.crt, read_timeout=10)
    c.write(uniq + "/p", "py")
    assert c.read(uniq + "/p").value == "py"
    assert c.get(uniq + "/p").value == "py"
    c.delete(uniq + "/p")
    with pytest.raises(etcd.EtcdKeyNotFound):
        c.read(uniq + "/p")
    # With a client certificate against --client-cert-auth.
    m = etcd.Client(host="127.0.0.1", port=mtls_server.client_port, protocol="https",
                    ca_cert=certs.ca.crt, cert=certs.alice.both, read_timeout=10)
    m.write(uniq + "/m", "mtls")
    assert m.read(uniq + "/m").value == "mtls"
    assert m.version == "3.4.23", m.version
    # Without one, the server refuses.
    anon = etcd.Client(host="127.0.0.1", port=mtls_server.client_port, protocol="https",
                       ca_cert=certs.ca.crt, read_timeout=5)
    with pytest.raises(etcd.EtcdConnectionFailed):
        anon.read(uniq + "/m")
