"""Assertion helpers shared by the integration suites (etcd v2 shapes, spec §2, §6, §7)."""

from __future__ import annotations

import re

from harness import Response

MESSAGES = {
    100: "Key not found", 101: "Compare failed", 102: "Not a file",
    104: "Not a directory", 105: "Key already exists", 107: "Root is read only",
    108: "Directory not empty", 110: "The request requires user authentication",
    201: "PrevValue is Required in POST form",
    202: "The given TTL in POST form is not a number",
    203: "The given index in POST form is not a number", 209: "Invalid field",
    210: "Invalid POST form", 211: "Value provided on refresh",
    212: "A TTL must be provided on refresh", 300: "Raft Internal Error",
    401: "The event in requested index is outdated and cleared",
}

STATUS = {100: 404, 101: 412, 102: 403, 105: 412, 108: 403, 110: 401, 300: 500}

CORS = {
    "access-control-allow-headers": "accept, content-type, authorization",
    "access-control-allow-methods": "POST, GET, OPTIONS, PUT, DELETE",
    "access-control-allow-origin": "*",
}

# RFC 3339, UTC, up to 9 fractional digits with trailing zeros removed (spec §2.2).
EXPIRATION_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,8}[1-9])?Z$")
CLUSTER_ID_RE = re.compile(r"^[1-9a-f][0-9a-f]{0,15}$")


def assert_error(r: Response, code: int, cause=..., index=...) -> dict:
    """A v2 error (§7.1 shape 1): status from the code, exact message, cause, index."""
    assert r.status == STATUS.get(code, 400), r
    assert r.header("Content-Type") == "application/json", r
    assert r.body.endswith(b"\n"), r
    j = r.json()
    assert j["errorCode"] == code, j
    assert j["message"] == MESSAGES[code], j
    assert list(j.keys())[:2] == ["errorCode", "message"], j
    if cause is None:
        assert "cause" not in j, j
    elif cause is not ...:
        assert j.get("cause") == cause, j
    if index is not ...:
        assert j["index"] == index, j
    assert r.header("X-Etcd-Index") == str(j["index"]), r
    assert r.header("X-Etcd-Cluster-Id") is not None, r
    assert r.header("X-Raft-Index") is None and r.header("X-Raft-Term") is None, r
    return j


def assert_event(r: Response, status: int, action: str) -> dict:
    """A successful /v2/keys event response (§2.3) with its etcd headers (§6.1)."""
    assert r.status == status, r
    assert r.header("Content-Type") == "application/json", r
    assert r.body.endswith(b"\n"), r
    j = r.json()
    assert j["action"] == action, j
    assert r.header("X-Etcd-Index") is not None, r
    assert r.header("X-Raft-Index") is not None and r.header("X-Raft-Term") is not None, r
    assert CLUSTER_ID_RE.match(r.header("X-Etcd-Cluster-Id") or ""), r
    return j


def etcd_index(r: Response) -> int:
    return int(r.header("X-Etcd-Index"))


def assert_cors(r) -> None:
    headers = r.headers
    for k, v in CORS.items():
        assert headers.get(k) == v, (k, headers)
