"""--logger and --log-outputs, against every target (etcd is the oracle).

1. With --logger=zap, --log-outputs may name a file: the server's log goes there (appended),
   and the log lines mention the client URL (etcd: JSON lines, Larch: "larch: ..." lines).
   With two outputs (a file and stdout) both get the log.
2. Startup errors (exit status 1, etcd's message): an unknown logger, a file path or two
   outputs with capnslog (the default logger), a file that cannot be opened.

Servers listen on 127.0.0.1 only, on free ports; only PIDs started here are signalled.
"""

from __future__ import annotations

import os

import pytest

import harness
from harness import wait_for


def body_lines(srv: harness.Server) -> list[str]:
    """What the server printed (stdout and stderr), without the harness's start markers."""
    return [ln for ln in srv.log_text().splitlines()
            if ln.strip() and not ln.startswith("==== start #")]


def test_log_goes_to_a_file(make_server, tmp_path, target):
    path = str(tmp_path / "member.log")
    with open(path, "w") as f:
        f.write("kept\n")   # appended to, not truncated
    srv = make_server(["--logger", "zap", "--log-outputs", path])
    c = srv.client()
    try:
        assert c.put("/logged", "x").status in (200, 201)
    finally:
        c.close()
    where = f"127.0.0.1:{srv.client_port}"
    assert wait_for(lambda: where in open(path).read(), 5), open(path).read()[-500:]
    assert open(path).read().startswith("kept\n")
    if target == "larch":   # nothing of the log went to stderr (etcd: deprecation warnings)
        assert not any(where in ln for ln in body_lines(srv)), body_lines(srv)


def test_log_goes_to_a_file_and_stdout(make_server, tmp_path):
    path = str(tmp_path / "member.log")
    srv = make_server(["--logger", "zap", "--log-outputs", f"{path},stdout"])
    where = f"127.0.0.1:{srv.client_port}"
    assert wait_for(lambda: os.path.exists(path) and where in open(path).read(), 5)
    assert wait_for(lambda: any(where in ln for ln in body_lines(srv)), 5), body_lines(srv)


@pytest.mark.parametrize("args,message", [
    (["--logger", "foo"], 'unknown logger option "foo"'),
    (["--log-outputs", "/tmp/x.log"],
     'unknown log-output "/tmp/x.log" (only supports "default", "stderr", "stdout")'),
    (["--log-outputs", "stderr,stdout"],
     "--logger=capnslog supports only 1 value in '--log-outputs', got [\"stderr\" \"stdout\"]"),
    (["--logger", "zap", "--log-outputs", "/nonexistent/dir/x.log"],
     'open sink "/nonexistent/dir/x.log": open /nonexistent/dir/x.log: '
     'no such file or directory'),
], ids=["unknown-logger", "capnslog-file", "capnslog-two", "unopenable-file"])
def test_logging_startup_errors(make_server, args, message):
    rc, out = harness.startup_failure(make_server(args, start=False))
    assert rc == 1, (rc, out[-5:])
    assert any(message in ln for ln in out), (message, out[-5:])
