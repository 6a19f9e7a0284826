"""v2 auth in a Larch cluster (Larch only): auth changes are replicated records, so every
member enforces them, whichever member the change went through; a member added after the
others compacted their logs learns users, roles and the enabled flag from the snapshot.

1. Three members: the root user, enabling auth and revoking guest's write access go
   through different members (followers forward them); then on every member anonymous
   reads work, anonymous writes get error 110, root's writes work, and a membership change
   without root credentials gets 401.
2. A fourth member joins after 1200 writes with --snapshot-count 25: it installs a snapshot
   and enforces the same rules at once (with the same passwords).

Every test starts its own cluster (loopback, free ports) and stops exactly the processes it
started.
"""

from __future__ import annotations

import base64
import json

import pytest

from cluster import Cluster, Member, member_change
from harness import wait_for
from test_cluster import make_cluster, _larch_target_only  # noqa: F401 (fixtures)
from test_membership import JSON

pytestmark = [pytest.mark.larch_only]

ROOT = {"Authorization": "Basic " + base64.b64encode(b"root:rootpw").decode()}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def auth_call(m: Member, method: str, path: str, body: str | None = None,
              creds: dict | None = None, timeout: float = 15):
    return m.call(method, path, body, {**(creds or {}), **JSON}, timeout=timeout)


def put(m: Member, key: str, value: str, creds: dict | None = None):
    return m.call("PUT", "/v2/keys" + key, f"value={value}", {**(creds or {}), **FORM})


def set_up_auth(cl: Cluster) -> None:
    """Root user via member 1, enable via member 2, guest read-only via member 0."""
    m0, m1, m2 = cl.members[:3]
    r = auth_call(m1, "PUT", "/v2/auth/users/root",
                  json.dumps({"user": "root", "password": "rootpw"}))
    assert r.status == 201, r
    r = auth_call(m2, "PUT", "/v2/auth/enable")
    assert r.status == 200, r
    r = auth_call(m0, "PUT", "/v2/auth/roles/guest",
                  json.dumps({"role": "guest", "revoke": {"kv": {"write": ["/*"]}}}), ROOT)
    assert r.status == 200, r
    assert r.json()["permissions"]["kv"] == {"read": ["/*"], "write": []}, r


def assert_enforced(m: Member, key: str) -> None:
    """m (once it has applied the auth records) denies anonymous writes, allows root's."""
    def denied():
        r = put(m, key, "anon")
        return r if r.status == 401 else None
    r = wait_for(denied, 15, interval=0.1, what=f"{m.name} to deny anonymous writes")
    assert r.json() == {"errorCode": 110, "message": "The request requires user authentication",
                        "cause": "Insufficient credentials", "index": 0}, r
    r = put(m, key, "root", ROOT)
    assert r.status in (200, 201), r
    r = m.get(key, quorum="true")
    assert r.status == 200 and r.json()["node"]["value"] == "root", r
    r = auth_call(m, "GET", "/v2/auth/enable")
    assert r.status == 200 and r.json() == {"enabled": True}, r


@pytest.mark.timeout(120)
def test_auth_changes_replicate_to_every_member(make_cluster):
    cl: Cluster = make_cluster(3)
    cl.wait_leader()
    set_up_auth(cl)
    for i, m in enumerate(cl.members):
        assert_enforced(m, f"/ac/k{i}")
    # Root's user listing is the same everywhere; an anonymous one is refused everywhere.
    for m in cl.members:
        r = wait_for(lambda: (lambda r: r if r.status == 200 and r.json()["users"] else None)(
            auth_call(m, "GET", "/v2/auth/users", creds=ROOT)), 10, interval=0.1,
            what=f"{m.name} to list users")
        assert [u["user"] for u in r.json()["users"]] == ["root"], r
        r = auth_call(m, "GET", "/v2/auth/users")
        assert r.status == 401 and r.json() == {"message": "Insufficient credentials"}, r
    # Membership changes need root (spec §9.4).
    r = auth_call(cl.members[1], "POST", "/v2/members",
                  json.dumps({"peerURLs": ["http://127.0.0.1:1"]}))
    assert r.status == 401 and r.json() == {"message": "Insufficient credentials"}, r


@pytest.mark.timeout(150)
def test_member_added_later_gets_auth_from_the_snapshot(make_cluster):
    cl: Cluster = make_cluster(3, extra_args=("--snapshot-count", "25"))
    cl.wait_leader()
    set_up_auth(cl)
    for i in range(1200):
        r = put(cl.members[i % 3], f"/snap/k{i:04d}", f"v{i}", ROOT)
        assert r.status in (200, 201), r
    new = cl.new_member()
    r = member_change(cl.members[0], "POST", "/v2/members",
                      json.dumps({"peerURLs": [new.peer_url]}), {**ROOT, **JSON})
    assert r.status == 201, r
    new.member_id = r.json()["id"]
    # Not start(): its readiness probe (anonymous GET /v2/keys, an empty key) is denied
    # under auth, as in etcd. Guest may read /snap/..., so poll that instead.
    new.spawn()

    def caught_up():
        try:
            r = new.get("/snap/k1199", timeout=2)
        except OSError:
            return None
        return r if r.status == 200 else None
    wait_for(caught_up, 30, interval=0.2, what="the new member to catch up")
    assert "installed a snapshot" in new.log_text(), "caught up without a snapshot?"
    assert_enforced(new, "/snap/new")
