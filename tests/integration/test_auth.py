"""etcd v2 authentication (spec §9): the /v2/auth API tables (§9.2, §9.3), index
consumption, persistence across a restart, etcdctl (ETCDCTL_API=2) and python3-etcd.

Access control on /v2/keys and the other endpoints (§9.4, §9.5) is in
test_auth_access.py. Every test runs against every target; tests that change the auth
state use a private server (``make_server``).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess

import pytest

import harness
from v2_checks import assert_error

ROOT_PW = "pw"


def basic(user: str, pw: str) -> dict:
    tok = base64.b64encode(f"{user}:{pw}".encode()).decode()
    return {"Authorization": "Basic " + tok}


ROOT = basic("root", ROOT_PW)
INSUFFICIENT = b'{"message":"Insufficient credentials"}'
ROOT_ROLE = b'{"role":"root","permissions":{"kv":{"read":["/*"],"write":["/*"]}}}'
GUEST_ROLE = b'{"role":"guest","permissions":{"kv":{"read":["/*"],"write":["/*"]}}}'


def call(c: harness.Client, method: str, path: str, body=None, auth=None) -> harness.Response:
    """An auth API request; dict/list bodies are sent as compact JSON."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body, separators=(",", ":"))
    hdrs = dict(auth or {})
    if body is not None:
        hdrs["Content-Type"] = "application/json"
    return c.request(method, path, body, hdrs)


def ok(r: harness.Response, status: int, body: bytes) -> None:
    """A successful admin answer: compact JSON + newline (or empty), application/json."""
    assert (r.status, r.body) == (status, body), r
    assert r.header("Content-Type") == "application/json", r
    assert r.header("Content-Length") == str(len(body)), r
    assert r.header("X-Etcd-Cluster-Id"), r
    assert r.header("X-Etcd-Index") is None, r


def fail(r: harness.Response, status: int, message: str, cluster_id: bool = True) -> None:
    """An admin error (§7.1 shape 2): {"message":...} without a newline."""
    want = json.dumps({"message": message}, separators=(",", ":")).encode()
    assert (r.status, r.body) == (status, want), r
    assert r.header("Content-Type") == "application/json", r
    assert bool(r.header("X-Etcd-Cluster-Id")) == cluster_id, r


def denied(r: harness.Response) -> None:
    """401 for an admin request lacking root: no X-Etcd-Cluster-Id (§9.3)."""
    assert (r.status, r.body) == (401, INSUFFICIENT), r
    assert r.header("Content-Type") == "application/json", r
    assert r.header("X-Etcd-Cluster-Id") is None, r
    assert r.header("X-Etcd-Index") is None, r


def create_root(c: harness.Client) -> None:
    ok(call(c, "PUT", "/v2/auth/users/root", {"user": "root", "password": ROOT_PW}), 201,
       b'{"user":"root","roles":["root"]}\n')


def enable(c: harness.Client) -> None:
    ok(call(c, "PUT", "/v2/auth/enable"), 200, b"")


def set_up_app_alice_guest(c: harness.Client) -> None:
    """root; role app (read+write /app/*); alice with role app; auth on; guest read-only."""
    create_root(c)
    ok(call(c, "PUT", "/v2/auth/roles/app", {"role": "app", "permissions": {"kv": {
        "read": ["/app/*"], "write": ["/app/*"]}}}), 201,
       b'{"role":"app","permissions":{"kv":{"read":["/app/*"],"write":["/app/*"]}}}\n')
    ok(call(c, "PUT", "/v2/auth/users/alice", {"user": "alice", "password": "apw",
                                               "roles": ["app"]}), 200,
       b'{"user":"alice","roles":["app"]}\n')
    enable(c)
    ok(call(c, "PUT", "/v2/auth/roles/guest", {"role": "guest", "revoke": {"kv": {
        "write": ["/*"]}}}, auth=ROOT), 200,
       b'{"role":"guest","permissions":{"kv":{"read":["/*"],"write":[]}}}\n')


def restart_with_auth(srv: harness.Server, creds=ROOT) -> harness.Client:
    """Restart on the same data dir. harness.Server.restart() waits for an anonymous
    GET /v2/keys, which auth denies (the raw path "" matches no pattern, not even /*),
    so readiness is GET /v2/auth/enable (always open) plus a root read of /v2/keys/."""
    srv.stop()
    srv.spawn()
    c = srv.client(timeout=2)

    def ready():
        if not srv.running():
            raise AssertionError(f"{srv.kind} exited on restart\n{srv.log_tail()}")
        try:
            return (c.request("GET", "/v2/auth/enable").status == 200 and
                    c.request("GET", "/v2/keys/", headers=creds).status == 200)
        except OSError:
            c.close()
            return False
    harness.wait_for(ready, harness.READY_TIMEOUT, what="restart with auth enabled")
    c.close()
    return srv.client()


# ---- §9.2 enable / disable ------------------------------------------------------------

def test_enable_disable_table(make_server):
    srv = make_server()
    c = srv.client()
    ok(c.request("GET", "/v2/auth/enable"), 200, b'{"enabled":false}\n')
    fail(call(c, "PUT", "/v2/auth/enable"), 409,
         "auth: No root user available, please create one")
    fail(call(c, "DELETE", "/v2/auth/enable"), 409, "auth: already disabled")
    ok(c.request("GET", "/v2/auth/users"), 200, b'{"users":null}\n')
    ok(c.request("GET", "/v2/auth/roles"), 200, b'{"roles":[' + ROOT_ROLE + b']}\n')
    create_root(c)
    fail(call(c, "DELETE", "/v2/auth/enable", auth=ROOT), 409, "auth: already disabled")
    enable(c)                                    # no credentials needed while disabled
    for creds in (None, ROOT, basic("root", "wrong"), {"Authorization": "Bearer x"}):
        ok(c.request("GET", "/v2/auth/enable", headers=creds), 200, b'{"enabled":true}\n')
    # enabling created the guest role
    ok(call(c, "GET", "/v2/auth/roles/guest", auth=ROOT), 200, GUEST_ROLE + b"\n")
    denied(call(c, "PUT", "/v2/auth/enable"))
    denied(call(c, "PUT", "/v2/auth/enable", auth=basic("root", "wrong")))
    fail(call(c, "PUT", "/v2/auth/enable", auth=ROOT), 409, "auth: already enabled")
    denied(call(c, "DELETE", "/v2/auth/enable"))
    denied(call(c, "DELETE", "/v2/auth/enable", auth=basic("root", "x")))
    ok(call(c, "DELETE", "/v2/auth/enable", auth=ROOT), 200, b"")
    ok(c.request("GET", "/v2/auth/enable"), 200, b'{"enabled":false}\n')
    fail(call(c, "DELETE", "/v2/auth/enable", auth=ROOT), 409, "auth: already disabled")
    # enabling again keeps the existing (modified) guest role
    ok(call(c, "PUT", "/v2/auth/roles/guest", {"role": "guest",
                                                "revoke": {"kv": {"write": ["/*"]}}}), 200,
       b'{"role":"guest","permissions":{"kv":{"read":["/*"],"write":[]}}}\n')
    enable(c)
    ok(call(c, "GET", "/v2/auth/roles/guest", auth=ROOT), 200,
       b'{"role":"guest","permissions":{"kv":{"read":["/*"],"write":[]}}}\n')
    c.close()


# ---- §9.3 who may use the users/roles API ------------------------------------------------

ADMIN_REQUESTS = [
    ("GET", "/v2/auth/users", None), ("GET", "/v2/auth/users/root", None),
    ("PUT", "/v2/auth/users/zed", {"user": "zed", "password": "z"}),
    ("DELETE", "/v2/auth/users/bob", None), ("GET", "/v2/auth/roles", None),
    ("GET", "/v2/auth/roles/root", None), ("PUT", "/v2/auth/roles/zed", {"role": "zed"}),
    ("DELETE", "/v2/auth/roles/app", None),
]


def test_users_and_roles_api_need_root_when_enabled(make_server):
    srv = make_server()
    c = srv.client()
    create_root(c)
    ok(call(c, "PUT", "/v2/auth/roles/app", {"role": "app"}), 201,
       b'{"role":"app","permissions":{"kv":{"read":null,"write":null}}}\n')
    ok(call(c, "PUT", "/v2/auth/users/bob", {"user": "bob", "password": "b",
                                             "roles": ["app"]}), 200,
       b'{"user":"bob","roles":["app"]}\n')
    ok(call(c, "PUT", "/v2/auth/users/admin", {"user": "admin", "password": "a",
                                               "roles": ["root"]}), 200,
       b'{"user":"admin","roles":["root"]}\n')
    # disabled: any credentials are ignored
    for creds in (basic("root", "wrong"), basic("bob", "b"), {"Authorization": "Bearer x"}):
        ok(c.request("GET", "/v2/auth/users/bob", headers=creds), 200,
           b'{"user":"bob","roles":[{"role":"app","permissions":{"kv":'
           b'{"read":null,"write":null}}}]}\n')
    enable(c)
    # the path check comes before the credentials check
    fail(c.request("GET", "/v2/auth/users/a/b"), 400, "Invalid path", cluster_id=False)
    fail(c.request("GET", "/v2/auth/roles/a/b"), 400, "Invalid path", cluster_id=False)
    for method, path, body in ADMIN_REQUESTS:
        for creds in (None, basic("root", "wrong"), basic("nobody", "x"), basic("bob", "b"),
                      {"Authorization": "Basic !!"}):
            denied(call(c, method, path, body, auth=creds))
    # a user holding the root role may manage auth; deleting root stays forbidden
    admin = basic("admin", "a")
    ok(c.request("GET", "/v2/auth/users/admin", headers=admin), 200,
       b'{"user":"admin","roles":[' + ROOT_ROLE + b']}\n')
    fail(call(c, "DELETE", "/v2/auth/users/root", auth=admin), 403,
         "auth: Cannot delete root user while auth is enabled.")
    fail(call(c, "DELETE", "/v2/auth/users/root", auth=ROOT), 403,
         "auth: Cannot delete root user while auth is enabled.")
    ok(call(c, "PUT", "/v2/auth/users/zed", {"user": "zed", "password": "z"}, auth=ROOT), 201,
       b'{"user":"zed","roles":null}\n')
    ok(call(c, "DELETE", "/v2/auth/users/zed", auth=admin), 200, b"")
    ok(call(c, "DELETE", "/v2/auth/enable", auth=admin), 200, b"")
    ok(call(c, "DELETE", "/v2/auth/users/root"), 200, b"")   # allowed while disabled
    c.close()


# ---- §9.3 users table -----------------------------------------------------------------------

def test_users_api_table(make_server):
    srv = make_server()
    c = srv.client()
    U = "/v2/auth/users/"
    create_root(c)
    ok(call(c, "PUT", "/v2/auth/roles/app", {"role": "app"}), 201,
       b'{"role":"app","permissions":{"kv":{"read":null,"write":null}}}\n')
    ok(c.request("GET", U + "root"), 200, b'{"user":"root","roles":[' + ROOT_ROLE + b']}\n')
    fail(c.request("GET", U + "nobody"), 404, "auth: User nobody does not exist.")
    fail(call(c, "PUT", U + "bob", {"user": "bobby", "password": "x"}), 400,
         "User JSON name does not match the name in the URL")
    fail(call(c, "PUT", U + "bob", {"user": "bob"}), 400,
         "auth: Cannot create user bob with an empty password")
    ok(call(c, "PUT", U + "bob", {"user": "bob", "password": "b"}), 201,
       b'{"user":"bob","roles":null}\n')
    ok(call(c, "PUT", U + "carol", {"user": "carol", "password": "c", "roles": ["app"]}), 200,
       b'{"user":"carol","roles":["app"]}\n')
    fail(call(c, "PUT", U + "carol", {"user": "carol", "password": "c", "roles": ["app"]}),
         409, "auth: User carol already exists.")
    ok(call(c, "PUT", U + "bob", {"user": "bob", "password": "b2"}), 200,
       b'{"user":"bob","roles":[]}\n')
    fail(call(c, "PUT", U + "bob", {"user": "bob"}), 400,
         "auth: User not updated. Use grant/revoke/password to update the user.")
    ok(call(c, "PUT", U + "bob", {"user": "bob", "grant": ["app"]}), 200,
       b'{"user":"bob","roles":["app"]}\n')
    fail(call(c, "PUT", U + "bob", {"user": "bob", "grant": ["app"]}), 409,
         "auth: Granting duplicate role app for user bob")
    fail(call(c, "PUT", U + "bob", {"user": "bob", "revoke": ["zzz"]}), 409,
         "auth: Revoking ungranted role zzz for user bob")
    ok(call(c, "PUT", U + "bob", {"user": "bob", "revoke": ["app"]}), 200,
       b'{"user":"bob","roles":[]}\n')
    ok(c.request("GET", U + "bob"), 200, b'{"user":"bob"}\n')      # no roles -> no field
    fail(call(c, "PUT", U + "bob", {"user": "bob", "roles": ["a"], "grant": ["b"]}), 400,
         "User JSON contains both roles and grant/revoke")
    for op in ("grant", "revoke"):
        fail(call(c, "PUT", U + "nobody", {"user": "nobody", op: ["app"]}), 404,
             "auth: User nobody does not exist.")
    # granting an unknown role succeeds but breaks GET of that user; listings skip it
    ok(call(c, "PUT", U + "bob", {"user": "bob", "grant": ["ghost"]}), 200,
       b'{"user":"bob","roles":["ghost"]}\n')
    fail(c.request("GET", U + "bob"), 404, "auth: Role ghost does not exist.")
    app = b'{"role":"app","permissions":{"kv":{"read":null,"write":null}}}'
    ok(c.request("GET", "/v2/auth/users"), 200,
       b'{"users":[{"user":"bob"},{"user":"carol","roles":[' + app + b']},'
       b'{"user":"root","roles":[' + ROOT_ROLE + b']}]}\n')
    fail(call(c, "PUT", U + "bob", b"{bad"), 400, "Invalid JSON in request body.")
    # extra segments: 400 before the method check, without X-Etcd-Cluster-Id
    fail(c.request("GET", U + "a/b"), 400, "Invalid path", cluster_id=False)
    fail(call(c, "PUT", U + "a/b", {"user": "a/b", "password": "x"}), 400, "Invalid path",
         cluster_id=False)
    fail(c.request("POST", U + "a/b"), 400, "Invalid path", cluster_id=False)
    ok(c.request("DELETE", U + "carol"), 200, b"")
    fail(c.request("DELETE", U + "carol"), 404, "auth: User carol does not exist")
    c.close()


# ---- §9.3 roles table -----------------------------------------------------------------------

def test_roles_api_table(make_server):
    srv = make_server()
    c = srv.client()
    R = "/v2/auth/roles/"
    ok(c.request("GET", R + "root"), 200, ROOT_ROLE + b"\n")
    fail(c.request("GET", R + "nope"), 404, "auth: Role nope does not exist.")
    ok(call(c, "PUT", R + "rkt", {"role": "rkt", "permissions": {"kv": {"read": ["/b", "/a"]}}}),
       201, b'{"role":"rkt","permissions":{"kv":{"read":["/b","/a"],"write":null}}}\n')
    ok(c.request("GET", R + "rkt"), 200,
       b'{"role":"rkt","permissions":{"kv":{"read":["/b","/a"],"write":null}}}\n')
    fail(call(c, "PUT", R + "rkt", {"role": "rkt"}), 409, "auth: Role rkt already exists.")
    ok(call(c, "PUT", R + "rkt", {"role": "rkt", "grant": {"kv": {"read": ["/fleet/*", "/0"],
                                                                  "write": ["/fleet/*"]}}}),
       200, b'{"role":"rkt","permissions":{"kv":{"read":["/0","/a","/b","/fleet/*"],'
            b'"write":["/fleet/*"]}}}\n')
    fail(call(c, "PUT", R + "rkt", {"role": "rkt", "grant": {"kv": {"read": ["/fleet/*"]}}}),
         409, "auth: Granting duplicate read permission /fleet/*")
    fail(call(c, "PUT", R + "rkt", {"role": "rkt", "grant": {"kv": {"write": ["/fleet/*"]}}}),
         409, "auth: Granting duplicate write permission /fleet/*")
    fail(call(c, "PUT", R + "rkt", {"role": "rkt", "revoke": {"kv": {"read": ["/absent"]}}}),
         400, "auth: Role not updated. Use grant/revoke to update the role.")
    ok(call(c, "PUT", R + "rkt", {"role": "rkt", "revoke": {"kv": {
        "read": ["/0", "/a", "/b", "/fleet/*", "/absent"], "write": ["/fleet/*"]}}}),
       200, b'{"role":"rkt","permissions":{"kv":{"read":[],"write":[]}}}\n')
    fail(call(c, "PUT", R + "nope", {"role": "nope", "grant": {"kv": {"read": ["/x"]}}}),
         404, "auth: Role nope does not exist.")
    fail(call(c, "PUT", R + "rkt", {"role": "rkt", "permissions": {"kv": {"read": ["/x"]}},
                                    "grant": {"kv": {"read": ["/y"]}}}), 400,
         "Role JSON contains both permissions and grant/revoke")
    fail(call(c, "PUT", R + "rkt", {"role": "other"}), 400,
         "Role JSON name does not match the name in the URL")
    for method, body in (("PUT", {"role": "root"}),
                         ("PUT", {"role": "root", "grant": {"kv": {"read": ["/x"]}}}),
                         ("DELETE", None)):
        fail(call(c, method, R + "root", body), 403, "auth: Cannot modify role root: is root role.")
    fail(call(c, "PUT", R + "rkt", b"[1,"), 400, "Invalid JSON in request body.")
    fail(c.request("DELETE", R + "a/b"), 400, "Invalid path", cluster_id=False)
    ok(call(c, "PUT", R + "app", {"role": "app"}), 201,
       b'{"role":"app","permissions":{"kv":{"read":null,"write":null}}}\n')
    ok(c.request("GET", "/v2/auth/roles"), 200,
       b'{"roles":[{"role":"app","permissions":{"kv":{"read":null,"write":null}}},'
       b'{"role":"rkt","permissions":{"kv":{"read":[],"write":[]}}},' + ROOT_ROLE + b']}\n')
    # deleting a role leaves the name dangling on users
    ok(call(c, "PUT", "/v2/auth/users/bob", {"user": "bob", "password": "b", "roles": ["app"]}),
       200, b'{"user":"bob","roles":["app"]}\n')
    ok(c.request("DELETE", R + "app"), 200, b"")
    fail(c.request("DELETE", R + "app"), 404, "auth: Role app doesn't exist.")
    fail(c.request("GET", "/v2/auth/users/bob"), 404, "auth: Role app does not exist.")
    ok(c.request("GET", "/v2/auth/users"), 200, b'{"users":[{"user":"bob"}]}\n')
    c.close()


@pytest.mark.parametrize("method,path,allow", [
    ("POST", "/v2/auth/enable", "GET,PUT,DELETE"), ("HEAD", "/v2/auth/enable", "GET,PUT,DELETE"),
    ("PUT", "/v2/auth/users", "GET"), ("DELETE", "/v2/auth/roles", "GET"),
    ("POST", "/v2/auth/users/x", "GET,PUT,DELETE"), ("PATCH", "/v2/auth/roles/x", "GET,PUT,DELETE"),
])
def test_auth_method_not_allowed(client, method, path, allow):
    r = client.request(method, path)
    assert r.status == 405 and r.header("Allow") == allow, r
    assert r.header("Content-Type") == "text/plain; charset=utf-8"
    if method != "HEAD":
        assert r.body == b"Method Not Allowed\n"


# ---- index consumption ------------------------------------------------------------------------

def test_auth_changes_consume_indexes(make_server):
    """Successful auth changes consume etcd indexes, failures and reads do not. The exact
    steady-state costs are etcd's (one store write each; enable also creates guest)."""
    srv = make_server()
    c = srv.client()
    creds: dict = {}

    def idx() -> int:
        r = c.keys("PUT", "/idxprobe", form={"value": "x"}, headers=creds)
        assert r.status in (200, 201), r
        return int(r.header("X-Etcd-Index"))

    def cost(method, path, body=None, status=200):
        before = idx()
        r = call(c, method, path, body, auth=creds)
        assert r.status == status, r
        return idx() - before - 1

    assert cost("GET", "/v2/auth/users") == 0
    assert cost("PUT", "/v2/auth/enable", status=409) == 0
    first = cost("PUT", "/v2/auth/users/root", {"user": "root", "password": ROOT_PW}, 201)
    assert first >= 1          # etcd: 5 (4 for creating its auth directories, once)
    assert cost("PUT", "/v2/auth/users/bob", {"user": "bob", "password": "b"}, 201) == 1
    assert cost("PUT", "/v2/auth/users/c", {"user": "c", "password": "c", "roles": ["r"]}) == 1
    assert cost("PUT", "/v2/auth/roles/app", {"role": "app"}, 201) == 1
    assert cost("PUT", "/v2/auth/users/bob", {"user": "bob", "password": "b2"}) == 1
    assert cost("PUT", "/v2/auth/users/bob", {"user": "bob", "grant": ["app"]}) == 1
    assert cost("PUT", "/v2/auth/roles/app",
                {"role": "app", "grant": {"kv": {"read": ["/a/*"]}}}) == 1
    for method, path, body, status in [
            ("PUT", "/v2/auth/users/bob", {"user": "bob", "grant": ["app"]}, 409),
            ("PUT", "/v2/auth/users/bob", {"user": "bob"}, 400),
            ("PUT", "/v2/auth/users/d", {"user": "d"}, 400),
            ("PUT", "/v2/auth/roles/app", {"role": "app"}, 409),
            ("PUT", "/v2/auth/roles/root", {"role": "root"}, 403),
            ("DELETE", "/v2/auth/users/nobody", None, 404),
            ("GET", "/v2/auth/roles", None, 200), ("GET", "/v2/auth/enable", None, 200)]:
        assert cost(method, path, body, status) == 0, (method, path)
    assert cost("PUT", "/v2/auth/enable") == 2                   # creates guest + flag
    creds = ROOT
    assert cost("PUT", "/v2/auth/enable", status=409) == 0
    assert cost("DELETE", "/v2/auth/enable") == 1
    assert cost("PUT", "/v2/auth/enable") == 1                   # guest exists already
    assert cost("DELETE", "/v2/auth/users/c") == 1
    assert cost("DELETE", "/v2/auth/roles/app") == 1
    assert cost("DELETE", "/v2/auth/roles/guest") == 1
    assert cost("DELETE", "/v2/auth/enable") == 1
    # they advance X-Etcd-Index at once but are invisible to watchers and to the history
    before = c.index()
    ok(call(c, "PUT", "/v2/auth/users/w", {"user": "w", "password": "w"}), 201,
       b'{"user":"w","roles":null}\n')
    assert c.index() == before + 1
    assert int(c.put("/wk", "1").header("X-Etcd-Index")) == before + 2
    ev = c.get("/", wait="true", recursive="true", waitIndex=before + 1).json()
    assert (ev["action"], ev["node"]["key"], ev["node"]["modifiedIndex"]) == \
        ("set", "/wk", before + 2)
    c.close()


# ---- persistence ---------------------------------------------------------------------------------

@pytest.mark.timeout(90)
def test_auth_state_survives_restart(make_server):
    srv = make_server()
    c = srv.client()
    set_up_app_alice_guest(c)
    users_before = call(c, "GET", "/v2/auth/users", auth=ROOT).body
    roles_before = call(c, "GET", "/v2/auth/roles", auth=ROOT).body
    c.close()

    c = restart_with_auth(srv)
    ok(c.request("GET", "/v2/auth/enable"), 200, b'{"enabled":true}\n')
    assert call(c, "GET", "/v2/auth/users", auth=ROOT).body == users_before
    assert call(c, "GET", "/v2/auth/roles", auth=ROOT).body == roles_before
    denied(c.request("GET", "/v2/auth/users"))
    alice = basic("alice", "apw")
    assert c.keys("PUT", "/app/x", form={"value": "1"}, headers=alice).status == 201
    assert_error(c.keys("PUT", "/app/x", form={"value": "1"}), 110, "Insufficient credentials", 0)
    assert_error(c.keys("GET", "/app/x", headers=basic("alice", "bad")), 110)
    assert c.keys("GET", "/app/x").status == 200                 # guest may still read
    # a change after the restart, then disabled state persists as well
    ok(call(c, "PUT", "/v2/auth/users/bob", {"user": "bob", "password": "b"}, auth=ROOT), 201,
       b'{"user":"bob","roles":null}\n')
    ok(call(c, "DELETE", "/v2/auth/enable", auth=ROOT), 200, b"")
    c.close()
    srv.restart()                  # auth off: the harness' anonymous readiness check works
    c = srv.client()
    ok(c.request("GET", "/v2/auth/enable"), 200, b'{"enabled":false}\n')
    ok(c.request("GET", "/v2/auth/users/bob"), 200, b'{"user":"bob"}\n')
    assert c.keys("PUT", "/other", form={"value": "1"}).status == 201
    c.close()


# ---- etcdctl (v2) ------------------------------------------------------------------------------

def ctl(srv, *args, rc=0):
    env = dict(os.environ, ETCDCTL_API="2")
    p = subprocess.run([harness.ETCDCTL_BIN, "--endpoints", srv.client_url, *args], env=env,
                       capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    assert p.returncode == rc, (args, p.returncode, p.stdout, p.stderr)
    return p


@pytest.mark.skipif(not os.access(harness.ETCDCTL_BIN, os.X_OK), reason="etcdctl not installed")
@pytest.mark.timeout(120)
def test_etcdctl_auth_workflow(make_server):
    srv = make_server()
    r = "root:" + ROOT_PW
    # etcdctl v2 takes "name:password" instead of prompting for the password
    assert ctl(srv, "user", "add", r).stdout == "User root created\n"
    assert ctl(srv, "auth", "enable").stdout == "Authentication Enabled\n"
    assert ctl(srv, "role", "add", "x", rc=1).stderr == "Insufficient credentials\n"
    assert ctl(srv, "auth", "enable", rc=1).stderr == "Insufficient credentials\n"
    assert ctl(srv, "-u", "root:wrong", "role", "list", rc=1).stderr == \
        "unexpected status code 401\n"
    assert ctl(srv, "-u", r, "role", "add", "app").stdout == "Role app created\n"
    assert ctl(srv, "-u", r, "role", "grant", "app", "--path", "/app/*",
               "--readwrite").stdout == "Role app updated\n"
    assert ctl(srv, "-u", r, "role", "grant", "app", "--path", "/pub", "--read").stdout == \
        "Role app updated\n"
    assert ctl(srv, "-u", r, "role", "get", "app").stdout == \
        "Role: app\nKV Read:\n\t/app/*\n\t/pub\nKV Write:\n\t/app/*\n"
    assert ctl(srv, "-u", r, "user", "add", "alice:apw").stdout == "User alice created\n"
    assert ctl(srv, "-u", r, "user", "grant", "alice", "--roles", "app").stdout == \
        "User alice updated\n"
    assert ctl(srv, "-u", r, "user", "get", "alice").stdout == "User: alice\nRoles:  app\n"
    assert ctl(srv, "-u", r, "user", "list").stdout == "alice\nroot\n"
    assert ctl(srv, "-u", r, "role", "list").stdout == "app\nguest\nroot\n"
    assert ctl(srv, "-u", "alice:apw", "role", "list", rc=1).stderr == \
        "unexpected status code 401\n"
    assert ctl(srv, "-u", "alice:apw", "role", "add", "y", rc=1).stderr == \
        "Insufficient credentials\n"
    assert ctl(srv, "-u", "alice:apw", "set", "/app/x", "1").stdout == "1\n"
    assert ctl(srv, "-u", "alice:apw", "get", "/app/x").stdout == "1\n"
    denied_msg = "Error:  110: The request requires user authentication " \
                 "(Insufficient credentials) [0]\n"
    assert ctl(srv, "-u", "alice:apw", "set", "/other", "1", rc=4).stderr == denied_msg
    assert ctl(srv, "-u", "alice:apw", "set", "/pub", "1", rc=4).stderr == denied_msg
    assert ctl(srv, "-u", "alice:wrong", "get", "/app/x", rc=4).stderr == denied_msg
    assert ctl(srv, "get", "/app/x").stdout == "1\n"           # guest reads
    assert ctl(srv, "-u", r, "role", "revoke", "app", "--path", "/pub", "--read").stdout == \
        "Role app updated\n"
    assert ctl(srv, "-u", r, "user", "revoke", "alice", "--roles", "app").stdout == \
        "User alice updated\n"
    assert ctl(srv, "-u", "alice:apw", "set", "/app/x", "2", rc=4).stderr == denied_msg
    assert ctl(srv, "-u", r, "user", "remove", "alice").stdout == "User alice removed\n"
    assert ctl(srv, "-u", r, "role", "remove", "app").stdout == "Role app removed\n"
    assert ctl(srv, "-u", r, "user", "get", "alice", rc=1).stderr == \
        "auth: User alice does not exist.\n"
    assert ctl(srv, "auth", "disable", rc=1).stderr == "Insufficient credentials\n"
    assert ctl(srv, "-u", r, "auth", "disable").stdout == "Authentication Disabled\n"
    assert ctl(srv, "auth", "disable", rc=1).stderr == "auth: already disabled\n"
    assert ctl(srv, "role", "list").stdout == "guest\nroot\n"


# ---- python3-etcd ----------------------------------------------------------------------------

def test_python_etcd_with_credentials(make_server):
    etcd = pytest.importorskip("etcd")
    srv = make_server()
    c = srv.client()
    set_up_app_alice_guest(c)
    c.close()

    def client(user=None, pw=None):
        return etcd.Client(host=srv.host, port=srv.client_port, read_timeout=10,
                           username=user, password=pw)

    alice, root, anon = client("alice", "apw"), client("root", ROOT_PW), client()
    r = alice.write("/app/k", "v1")
    assert (r.key, r.value, r.newKey) == ("/app/k", "v1", True)
    assert alice.read("/app/k").value == "v1"
    assert [n.key for n in alice.read("/app/", recursive=True).children] == ["/app/k"]
    for fn in (lambda: alice.write("/other", "x"), lambda: alice.read("/other"),
               lambda: alice.read("/app", recursive=True), lambda: anon.write("/app/k", "x"),
               lambda: client("alice", "wrong").read("/app/k"),
               lambda: client("nobody", "x").read("/app/k")):
        with pytest.raises(etcd.EtcdInsufficientPermissions) as ei:
            fn()
        assert isinstance(ei.value, etcd.EtcdException)
        assert ei.value.payload["errorCode"] == 110
        assert ei.value.payload["cause"] == "Insufficient credentials"
    assert anon.read("/app/k").value == "v1"
    root.write("/other", "r")
    assert root.read("/other").value == "r"
    assert anon.read("/other").value == "r"
    with pytest.raises(etcd.EtcdKeyNotFound):       # allowed, then the store answers 100
        alice.read("/app/missing")
    # python3-etcd's auth helpers: the enabled flag and a role, as root
    from etcd import auth as etcd_auth
    assert etcd_auth.Auth(root).active is True
    role = etcd_auth.EtcdRole(root, "app")
    role.read()
    assert role.acls == {"/app/*": "RW"}
    with pytest.raises(etcd.EtcdInsufficientPermissions):
        etcd_auth.EtcdRole(alice, "app").read()
    etcd_auth.Auth(root).active = False
    assert etcd_auth.Auth(anon).active is False
    assert client("alice", "wrong").write("/other", "w").value == "w"   # creds ignored now
