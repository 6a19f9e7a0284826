"""Access control with auth enabled (spec §9.4) in the §9.5 setup, against every target:
root, guest with write revoked, role app (read+write /app/*, read /pub), user alice
(role app). Tests that change the guest role or the enabled flag use private servers.
"""

from __future__ import annotations

import base64
import http.client
import json

import pytest

import harness
from v2_checks import assert_error, assert_event


def basic(user: str, pw: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()}


ROOT, ALICE, ANON = basic("root", "pw"), basic("alice", "apw"), {}
DENIED = (b'{"errorCode":110,"message":"The request requires user authentication",'
          b'"cause":"Insufficient credentials","index":0}\n')
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def admin(c, method, path, obj=None, auth=ROOT, status=200) -> bytes:
    body = None if obj is None else json.dumps(obj, separators=(",", ":"))
    r = c.request(method, path, body, dict(auth))
    assert r.status == status, (method, path, r)
    return r.body


def req(c, method, path, creds, body=None) -> harness.Response:
    hdrs = dict(creds)
    if body is not None:
        hdrs.update(FORM)
    return c.request(method, path, body, hdrs)


def assert_denied(r: harness.Response, head: bool = False) -> None:
    """401 / error 110 exactly as etcd sends it (§9.4)."""
    assert r.status == 401, r
    assert r.body == (b"" if head else DENIED), r
    assert r.header("Content-Type") == "application/json", r
    assert r.header("X-Etcd-Index") == "0", r
    assert r.header("X-Etcd-Cluster-Id"), r
    assert r.header("X-Raft-Index") is None and r.header("X-Raft-Term") is None, r


def setup_95(c: harness.Client) -> None:
    """The §9.5 workflow over HTTP, plus a few seed keys written before enabling."""
    admin(c, "PUT", "/v2/auth/users/root", {"user": "root", "password": "pw"}, ANON, 201)
    for k in ("pub", "other", "app/seed"):
        assert req(c, "PUT", "/v2/keys/" + k, ANON, "value=" + k).status == 201
    admin(c, "PUT", "/v2/auth/enable", auth=ANON)
    assert admin(c, "PUT", "/v2/auth/roles/guest", {
        "role": "guest", "revoke": {"kv": {"write": ["/*"]}}}) == \
        b'{"role":"guest","permissions":{"kv":{"read":["/*"],"write":[]}}}\n'
    admin(c, "PUT", "/v2/auth/roles/app", {"role": "app"}, status=201)
    admin(c, "PUT", "/v2/auth/roles/app", {"role": "app", "grant": {"kv": {
        "read": ["/app/*"], "write": ["/app/*"]}}})
    assert admin(c, "PUT", "/v2/auth/roles/app", {"role": "app", "grant": {"kv": {
        "read": ["/pub"]}}}) == \
        b'{"role":"app","permissions":{"kv":{"read":["/app/*","/pub"],"write":["/app/*"]}}}\n'
    admin(c, "PUT", "/v2/auth/users/alice", {"user": "alice", "password": "apw"}, status=201)
    assert admin(c, "PUT", "/v2/auth/users/alice", {"user": "alice", "grant": ["app"]}) == \
        b'{"user":"alice","roles":["app"]}\n'


@pytest.fixture(scope="module")
def authed(server):
    c = server.client()
    setup_95(c)
    c.close()
    return server


@pytest.fixture
def ac(authed):
    c = authed.client()
    yield c
    c.close()


# ---- §9.5 "Observed" lines, and neighbours --------------------------------------------------

ROWS = [  # who, method, path, form body, allowed
    ("alice", "PUT", "/v2/keys/app/x", "value=1", True),
    ("alice", "PUT", "/v2/keys/app", "value=1", False),
    ("alice", "GET", "/v2/keys/app/?recursive=true", None, True),
    ("alice", "GET", "/v2/keys/app?recursive=true", None, False),
    ("alice", "GET", "/v2/keys/app/", None, True),
    ("alice", "GET", "/v2/keys/app", None, False),
    ("alice", "GET", "/v2/keys/app/seed", None, True),
    ("alice", "POST", "/v2/keys/app/queue", "value=j", True),
    ("alice", "GET", "/v2/keys/pub", None, True),
    ("alice", "HEAD", "/v2/keys/pub", None, True),
    ("alice", "GET", "/v2/keys/pub/sub", None, False),
    ("alice", "GET", "/v2/keys/pub?recursive=true", None, False),
    ("alice", "PUT", "/v2/keys/pub", "value=2", False),
    ("alice", "GET", "/v2/keys/other", None, False),        # no guest fallback
    ("alice", "HEAD", "/v2/keys/other", None, False),
    ("alice", "GET", "/v2/keys/", None, False),
    ("anon", "GET", "/v2/keys/other", None, True),
    ("anon", "GET", "/v2/keys/app/seed", None, True),
    ("anon", "GET", "/v2/keys/?recursive=true", None, True),
    ("anon", "GET", "/v2/keys", None, False),               # raw path "" matches no pattern
    ("anon", "PUT", "/v2/keys/other", "value=3", False),
    ("anon", "POST", "/v2/keys/app/queue", "value=j", False),
    ("anon", "DELETE", "/v2/keys/other", None, False),
    ("root", "GET", "/v2/keys", None, True),
    ("root", "PUT", "/v2/keys/rootonly/k", "value=r", True),
    ("root", "DELETE", "/v2/keys/rootonly?recursive=true", None, True),
]


@pytest.mark.parametrize("who,method,path,body,allowed", ROWS,
                         ids=[f"{w}-{m}-{p[8:]}" for w, m, p, _, _ in ROWS])
def test_observed_access(ac, who, method, path, body, allowed):
    creds = {"alice": ALICE, "anon": ANON, "root": ROOT}[who]
    if path.startswith("/v2/keys/rootonly?"):
        assert req(ac, "PUT", "/v2/keys/rootonly/k", ROOT, "value=r").status in (200, 201)
    r = req(ac, method, path, creds, body)
    if not allowed:
        assert_denied(r, head=method == "HEAD")
        return
    assert r.status in (200, 201), r
    assert r.header("X-Etcd-Index") not in (None, "0"), r
    if method != "HEAD":
        action = {"GET": "get", "PUT": "set", "POST": "create", "DELETE": "delete"}[method]
        assert_event(r, r.status, action)


def test_denied_write_changes_nothing(ac):
    before = ac.index()
    assert_denied(req(ac, "PUT", "/v2/keys/pub", ALICE, "value=zzz"))
    assert_denied(req(ac, "DELETE", "/v2/keys/app?recursive=true", ALICE))
    assert ac.index() == before
    assert ac.get("/pub").json()["node"]["value"] == "pub"
    assert ac.get("/app/seed").status == 200


# ---- credentials ------------------------------------------------------------------------------

@pytest.mark.parametrize("header", [
    basic("alice", "wrong")["Authorization"], basic("nobody", "x")["Authorization"],
    basic("root", "")["Authorization"], "Bearer abc", "Basic !!!notbase64", "Basic",
    "Basic " + base64.b64encode(b"alice").decode(),             # no colon
    "Basic  " + base64.b64encode(b"alice:apw").decode(),        # two spaces
    "Digest username=alice",
])
def test_bad_credentials_never_fall_back_to_guest(ac, header):
    """/other is readable by guest, but a present, unusable Authorization header is 110."""
    assert_denied(req(ac, "GET", "/v2/keys/other", {"Authorization": header}))
    assert_denied(req(ac, "PUT", "/v2/keys/app/y", {"Authorization": header}, "value=1"))


def test_basic_scheme_is_case_insensitive(ac):
    """Observed on etcd 3.4.23 (Go's BasicAuth): 'basic'/'BASIC' work like 'Basic'."""
    tok = base64.b64encode(b"alice:apw").decode()
    for scheme in ("basic", "BASIC"):
        r = req(ac, "GET", "/v2/keys/pub", {"Authorization": f"{scheme} {tok}"})
        assert r.status == 200, (scheme, r)
        assert_denied(req(ac, "GET", "/v2/keys/other", {"Authorization": f"{scheme} {tok}"}))


# ---- validation before the auth decision ---------------------------------------------------------

@pytest.mark.parametrize("creds", [ANON, ALICE, basic("alice", "wrong")], ids=["anon", "alice",
                                                                             "badpw"])
def test_parameter_errors_come_before_auth(ac, creds):
    """Each request would be denied; the parameter error is reported instead."""
    cases = [
        ("PUT", "/v2/keys/other?ttl=abc", "value=1", 202, 'invalid value for "ttl"'),
        ("PUT", "/v2/keys/other", "value=1&ttl=x", 202, 'invalid value for "ttl"'),
        ("GET", "/v2/keys/nope?recursive=maybe", None, 209, 'invalid value for "recursive"'),
        ("GET", "/v2/keys/nope?wait=true&waitIndex=x", None, 203,
         'invalid value for "waitIndex"'),
        ("PUT", "/v2/keys/other?prevValue=", "value=1", 201, '"prevValue" cannot be empty'),
        ("PUT", "/v2/keys/other?wait=true", "value=1", 209,
         '"wait" can only be used with GET requests'),
        ("PUT", "/v2/keys/other?refresh=true", "value=1", 211,
         "A value was provided on a refresh"),
        ("PUT", "/v2/keys/other?refresh=true", "", 212, "No TTL value set"),
        ("GET", "/v2/keys/nope?%zz", None, 210, 'invalid URL escape "%zz"'),
    ]
    for method, path, body, code, cause in cases:
        assert_error(req(ac, method, path, creds, body), code, cause, 0)


# ---- watches, recursive deletes, patterns ----------------------------------------------------------

def open_watch(srv, path, creds) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    """A watch with credentials: returns once etcd sent the headers (registered) or answered."""
    conn = http.client.HTTPConnection(srv.host, srv.client_port, timeout=10)
    conn.request("GET", path, headers=dict(creds))
    return conn, conn.getresponse()


def test_watches_need_read_access(authed, ac, uniq):
    k = "/v2/keys/app" + uniq
    for path, creds, writer, wkey in [
            (k + "?wait=true", ALICE, ALICE, k),
            ("/v2/keys/app/?wait=true&recursive=true", ALICE, ALICE, k + "_d/deep"),
            ("/v2/keys/other?wait=true", ANON, ROOT, "/v2/keys/other")]:
        conn, resp = open_watch(authed, path, creds)
        try:
            assert resp.status == 200, (path, resp.status)
            assert req(ac, "PUT", wkey, writer, "value=w").status in (200, 201)
            ev = json.loads(resp.read())
            assert ev["action"] == "set" and ev["node"]["key"] == wkey[len("/v2/keys"):], ev
        finally:
            conn.close()
    for path, creds in [("/v2/keys/other?wait=true", ALICE),
                        ("/v2/keys/app?wait=true&recursive=true", ALICE),
                        ("/v2/keys/pub/x?wait=true", ALICE),
                        ("/v2/keys/app/seed?wait=true", basic("alice", "bad"))]:
        conn, resp = open_watch(authed, path, creds)
        try:
            assert resp.status == 401 and resp.read() == DENIED, path
            assert resp.getheader("X-Etcd-Index") == "0"
        finally:
            conn.close()


def test_recursive_needs_star_pattern_and_prefix_matching(ac):
    admin(ac, "PUT", "/v2/auth/roles/ex", {"role": "ex", "permissions": {"kv": {
        "read": ["/exact", "/pre*"], "write": ["/exact", "/pre*"]}}}, status=201)
    admin(ac, "PUT", "/v2/auth/users/bob", {"user": "bob", "password": "bpw", "roles": ["ex"]})
    bob = basic("bob", "bpw")
    assert req(ac, "PUT", "/v2/keys/exact", bob, "value=1").status in (200, 201)
    assert_denied(req(ac, "PUT", "/v2/keys/exact/child", bob, "value=1"))
    assert_denied(req(ac, "PUT", "/v2/keys/exact/", bob, "value=1"))    # raw path counts
    assert_denied(req(ac, "GET", "/v2/keys/exact?recursive=true", bob))
    assert_denied(req(ac, "DELETE", "/v2/keys/exact?recursive=true", bob))
    assert req(ac, "GET", "/v2/keys/exact?recursive=false", bob).status == 200
    # "/pre*" is a plain prefix: /pre, /prefoo/bar and /prebar all match
    for k in ("/pre", "/prefoo/bar", "/prebar"):
        assert req(ac, "PUT", "/v2/keys" + k, bob, "value=1").status in (200, 201), k
    assert_event(req(ac, "GET", "/v2/keys/prefoo?recursive=true", bob), 200, "get")
    assert_event(req(ac, "DELETE", "/v2/keys/prefoo?recursive=true", bob), 200, "delete")
    assert_denied(req(ac, "PUT", "/v2/keys/pr", bob, "value=1"))
    assert_event(req(ac, "DELETE", "/v2/keys/exact", bob), 200, "delete")
    # alice's "/app/*" grants recursive deletes below /app/ (not of /app itself)
    for d in ("rd", "rd2"):
        assert req(ac, "PUT", f"/v2/keys/app/{d}/x", ALICE, "value=1").status == 201
    assert_event(req(ac, "DELETE", "/v2/keys/app/rd?recursive=true", ALICE), 200, "delete")
    assert_event(req(ac, "DELETE", "/v2/keys/app/rd2/?recursive=true", ALICE), 200, "delete")
    assert_denied(req(ac, "DELETE", "/v2/keys/app?recursive=true", ALICE))
    # a role change applies to the next request
    admin(ac, "PUT", "/v2/auth/users/bob", {"user": "bob", "revoke": ["ex"]})
    assert_denied(req(ac, "GET", "/v2/keys/pre", bob))


# ---- other endpoints ---------------------------------------------------------------------------

INSUFFICIENT = b'{"message":"Insufficient credentials"}'


def test_members_writes_need_root_other_endpoints_open(ac):
    bad = basic("alice", "wrong")
    for creds in (ANON, ALICE, bad, ROOT):
        r = ac.request("GET", "/v2/members", headers=dict(creds))
        assert r.status == 200 and r.json()["members"], r
        assert ac.request("GET", "/v2/members/leader", headers=dict(creds)).status == 200
        for path in ("/v2/stats/self", "/v2/stats/leader", "/v2/stats/store", "/version",
                     "/health", "/v2/machines", "/metrics", "/v2/auth/enable"):
            assert ac.request("GET", path, headers=dict(creds)).status == 200, (path, creds)
    member = json.dumps({"peerURLs": ["http://127.0.0.1:1"]})
    jct = {"Content-Type": "application/json"}
    for creds in (ANON, ALICE, bad):
        for method, path, body in (("POST", "/v2/members", member),
                                   ("PUT", "/v2/members/1234", member),
                                   ("DELETE", "/v2/members/1234", None)):
            r = ac.request(method, path, body, {**jct, **creds})
            assert (r.status, r.body) == (401, INSUFFICIENT), (method, creds, r)
            assert r.header("Content-Type") == "application/json", r
            assert r.header("X-Etcd-Cluster-Id") is None, r
    # root gets past the check (answers without side effects)
    r = ac.request("DELETE", "/v2/members/1234", headers=ROOT)
    assert (r.status, r.body) == (404, b'{"message":"No such member: 1234"}'), r
    r = ac.request("POST", "/v2/members", b"{bad", {"Content-Type": "text/plain", **ROOT})
    assert r.status == 415, r


# ---- guest changes and disabling (private servers) ----------------------------------------------

def test_guest_role_changes_and_deletion(make_server):
    srv = make_server()
    c = srv.client()
    setup_95(c)
    assert admin(c, "PUT", "/v2/auth/roles/guest", {"role": "guest", "revoke": {"kv": {
        "read": ["/*"]}}, "grant": {"kv": {"read": ["/pub"]}}}) == \
        b'{"role":"guest","permissions":{"kv":{"read":["/pub"],"write":[]}}}\n'
    assert req(c, "GET", "/v2/keys/pub", ANON).status == 200
    # guest ignores the recursive rule (exact pattern, recursive read) [spec: source]
    assert req(c, "GET", "/v2/keys/pub?recursive=true", ANON).status == 200
    assert_denied(req(c, "GET", "/v2/keys/other", ANON))
    assert_denied(req(c, "GET", "/v2/keys/", ANON))
    admin(c, "DELETE", "/v2/auth/roles/guest")
    for path in ("/v2/keys/pub", "/v2/keys/", "/v2/keys/pub?wait=true"):
        assert_denied(req(c, "GET", path, ANON))
    assert_denied(req(c, "PUT", "/v2/keys/pub", ANON, "value=x"))
    assert req(c, "GET", "/v2/keys/pub", ALICE).status == 200
    assert req(c, "PUT", "/v2/keys/pub", ROOT, "value=r").status == 200
    assert admin(c, "GET", "/v2/auth/roles") == (
        b'{"roles":[{"role":"app","permissions":{"kv":{"read":["/app/*","/pub"],'
        b'"write":["/app/*"]}}},{"role":"root","permissions":{"kv":{"read":["/*"],'
        b'"write":["/*"]}}}]}\n')
    # re-enabling creates guest again with full access
    admin(c, "DELETE", "/v2/auth/enable")
    admin(c, "PUT", "/v2/auth/enable", auth=ANON)
    assert req(c, "PUT", "/v2/keys/anon", ANON, "value=a").status == 201
    c.close()


def test_disabled_auth_ignores_authorization(make_server):
    srv = make_server()
    c = srv.client()
    setup_95(c)
    assert_denied(req(c, "PUT", "/v2/keys/other", basic("alice", "wrong"), "value=1"))
    admin(c, "DELETE", "/v2/auth/enable")
    for creds in (ANON, ALICE, basic("alice", "wrong"), basic("nobody", "x"),
                  {"Authorization": "Bearer x"}, {"Authorization": "Basic !!"}):
        assert_event(req(c, "PUT", "/v2/keys/other", creds, "value=1"), 200, "set")
        assert_event(req(c, "GET", "/v2/keys/other?recursive=true", creds), 200, "get")
        assert req(c, "GET", "/v2/keys", creds).status == 200
        assert admin(c, "GET", "/v2/auth/users/alice", auth=creds).startswith(
            b'{"user":"alice","roles":[{"role":"app"')
        r = c.request("DELETE", "/v2/members/1234", headers=dict(creds))
        assert r.status == 404, r
    c.close()
