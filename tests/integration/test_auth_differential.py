"""Differential test of v2 auth: the same seeded random sequence of /v2/auth calls (users,
roles, grants, revokes, enable/disable, with and without credentials, valid and malformed
JSON) and credentialed /v2/keys requests against a fresh etcd and a fresh Larch. Auth answers
must match byte for byte (status, Content-Type, body); key answers by status and errorCode
(their indexes differ between the servers by design of the two bootstraps).

Knobs: AUTH_DIFF_SEED (default 20261204), AUTH_DIFF_OPS (default 600).
"""

from __future__ import annotations

import base64
import json
import os
import random

import pytest

import harness
from conftest import selected_targets
from harness import Server

SEED = int(os.environ.get("AUTH_DIFF_SEED", "20261204"))
N_OPS = int(os.environ.get("AUTH_DIFF_OPS", "600"))

USERS = ["root", "alice", "bob"]
PASSWORDS = ["pw", "a", "b", ""]
ROLES = ["guest", "app", "ro", "root"]
# No empty pattern: etcd panics (drops the connection) when it checks one.
PATTERNS = ["/*", "/app/*", "/pub", "/app", "/app/x"]
KEYS = ["/app/x", "/app", "/pub", "/pub/sub", "/other", "/app/"]
CREDS = [None, ("root", "pw"), ("alice", "a"), ("bob", "b"), ("alice", "wrong"), ("nobody", "x")]


def _targets_present() -> bool:
    return os.access(harness.LARCH_BIN, os.X_OK) and os.access(harness.ETCD_BIN, os.X_OK)


def some(rng: random.Random, items: list, most: int = 2) -> list:
    return rng.sample(items, rng.randint(0, min(most, len(items))))


def user_body(rng: random.Random, name: str) -> dict | str:
    kind = rng.randrange(8)
    if kind == 0:
        return "{not json"
    body: dict = {"user": name if rng.random() < 0.9 else "other"}
    if kind in (1, 2, 3):
        body["password"] = rng.choice(PASSWORDS)
    if kind in (2, 4):
        body["roles"] = some(rng, ROLES)
    if kind in (5, 6, 7):
        body["grant" if kind != 6 else "revoke"] = some(rng, ROLES)
        if kind == 7:
            body["revoke"] = some(rng, ROLES)
    return body


def role_body(rng: random.Random, name: str) -> dict | str:
    kind = rng.randrange(6)
    if kind == 0:
        return "[1,"
    body: dict = {"role": name if rng.random() < 0.9 else "other"}
    perms = {"kv": {"read": some(rng, PATTERNS), "write": some(rng, PATTERNS)}}
    if kind in (1, 2):
        body["permissions"] = perms
    if kind in (3, 5):
        body["grant"] = perms
    if kind in (4, 5):
        body["revoke"] = {"kv": {"read": some(rng, PATTERNS), "write": some(rng, PATTERNS)}}
    return body


def next_request(rng: random.Random) -> tuple[str, str, str | None, tuple | None]:
    """(method, path, body, credentials)."""
    creds = rng.choice(CREDS)
    pick = rng.randrange(12)
    if pick <= 2:
        name = rng.choice(USERS)
        if pick == 0:
            return "PUT", f"/v2/auth/users/{name}", json.dumps(user_body(rng, name)), creds
        return rng.choice(["GET", "DELETE", "GET"]), f"/v2/auth/users/{name}", None, creds
    if pick <= 5:
        name = rng.choice(ROLES)
        if pick <= 4:
            return "PUT", f"/v2/auth/roles/{name}", json.dumps(role_body(rng, name)), creds
        return rng.choice(["GET", "DELETE"]), f"/v2/auth/roles/{name}", None, creds
    if pick == 6:
        return rng.choice(["GET", "PUT", "DELETE"]), "/v2/auth/enable", None, creds
    if pick == 7:
        return "GET", rng.choice(["/v2/auth/users", "/v2/auth/roles"]), None, creds
    key = rng.choice(KEYS)
    if pick <= 9:
        return "PUT", f"/v2/keys{key}", "value=v", creds
    if pick == 10:
        return "GET", f"/v2/keys{key}?recursive={rng.choice(['true', 'false'])}", None, creds
    return "DELETE", f"/v2/keys{key}?recursive=true", None, creds


def send(c: harness.Client, method: str, path: str, body: str | None, creds) -> tuple:
    headers = {}
    if creds:
        token = base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()
        headers["Authorization"] = "Basic " + token
    if path.startswith("/v2/keys"):
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        r = c.request(method, path, body, headers)
        code = r.json().get("errorCode") if r.body.startswith(b"{") else None
        return r.status, code
    if body is not None:
        headers["Content-Type"] = "application/json"
    r = c.request(method, path, body, headers)
    return r.status, r.header("Content-Type"), r.body


@pytest.mark.skipif(not _targets_present(), reason="needs both LARCH_BIN and ETCD_BIN")
@pytest.mark.timeout(240)
def test_same_auth_sequence_same_answers(tmp_path_factory, pytestconfig):
    if "larch" not in selected_targets(pytestconfig):
        pytest.skip("larch is not a selected target")
    servers = [Server(k, str(tmp_path_factory.mktemp(f"authdiff-{k}"))) for k in ("etcd", "larch")]
    clients = []
    try:
        for s in servers:
            s.start()
            clients.append(s.client(timeout=20))
        rng = random.Random(SEED)
        divergences, statuses = [], {}
        for n in range(N_OPS):
            req = next_request(rng)
            ref, cand = (send(c, *req) for c in clients)
            statuses[ref[0]] = statuses.get(ref[0], 0) + 1
            if ref != cand:
                divergences.append((n, req, ref, cand))
        print(f"auth differential: {N_OPS} ops, etcd statuses {sorted(statuses.items())}")
        # The sequence must have exercised both outcomes, or it proves little.
        assert statuses.get(200, 0) + statuses.get(201, 0) > 30, statuses
        assert sum(v for k, v in statuses.items() if k >= 400) > 30, statuses
        assert not divergences, "\n".join(
            f"#{n} {req}\n  etcd:  {ref}\n  larch: {cand}" for n, req, ref, cand in divergences[:10])
    finally:
        for c in clients:
            c.close()
        for s in servers:
            s.stop()
