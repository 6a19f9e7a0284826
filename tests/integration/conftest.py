"""pytest wiring for the process-level suites (see README.md in this folder).

Targets: ``--target larch,etcd`` or ``LARCH_TARGETS=larch,etcd``; default = every
binary that exists (``LARCH_BIN``, default <repo>/build/larch; ``ETCD_BIN``, default
/usr/bin/etcd). Tests taking the ``target``/``server`` fixtures run once per target.

Markers:
  larch_only   - tests a deliberate Larch improvement (spec preface); skipped for etcd.
  timeout(s)   - per-test wall-clock bound (default 60 s), enforced with SIGALRM since
                 python3-pytest-timeout is not installed.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import resource
import signal

import pytest

import harness

DEFAULT_TIMEOUT = float(os.environ.get("LARCH_TEST_TIMEOUT", "60"))
SETUP_TIMEOUT = 60.0


def _raise_nofile_limit() -> None:
    """Raise the soft fd limit to the hard one (servers we spawn inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        new = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
        except (ValueError, OSError):
            pass


_raise_nofile_limit()


def pytest_addoption(parser):
    parser.addoption("--target", action="append", default=None,
                     help="server target(s): larch, etcd (comma separated or repeated)")


def pytest_configure(config):
    config.addinivalue_line("markers", "larch_only: Larch improvement over etcd; "
                            "skipped for the etcd target")
    config.addinivalue_line("markers", "timeout(seconds): per-test wall-clock bound")


KNOWN_TARGETS = {"larch": "larch", "etcd": "etcd"}


def selected_targets(config) -> list[str]:
    opt = config.getoption("--target")
    if opt:
        raw = ",".join(opt)
    else:
        raw = os.environ.get("LARCH_TARGETS", "")
    if raw.strip():
        out = []
        for t in (t.strip() for t in raw.split(",") if t.strip()):
            if t not in KNOWN_TARGETS:
                raise pytest.UsageError(f"unknown target {t!r} (larch or etcd)")
            # pytest 7 caches parametrized fixtures by param *identity*: hand out the
            # interned constants, or the module-scoped server is restarted per test.
            out.append(KNOWN_TARGETS[t])
        return out
    out = []
    if os.access(harness.LARCH_BIN, os.X_OK):
        out.append("larch")
    if os.access(harness.ETCD_BIN, os.X_OK):
        out.append("etcd")
    return out


def pytest_generate_tests(metafunc):
    if "target" in metafunc.fixturenames:
        metafunc.parametrize("target", selected_targets(metafunc.config), scope="module")


def pytest_collection_modifyitems(config, items):
    for item in items:
        params = getattr(item, "callspec", None)
        target = params.params.get("target") if params else None
        if item.get_closest_marker("larch_only") and target == "etcd":
            item.add_marker(pytest.mark.skip(reason="Larch-only improvement; etcd differs"))


# ---- per-test time bound ------------------------------------------------------------

class TestTimeout(Exception):
    pass


def _bounded(seconds: float, what: str):
    def on_alarm(signum, frame):
        raise TestTimeout(f"{what} exceeded {seconds:.0f}s")
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    return old


def _unbound(old):
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, old)


@contextlib.contextmanager
def _time_bound(seconds, what):
    old = _bounded(seconds, what)
    try:
        yield
    finally:
        _unbound(old)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    with _time_bound(SETUP_TIMEOUT, "setup"):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    m = item.get_closest_marker("timeout")
    with _time_bound(float(m.args[0]) if m and m.args else DEFAULT_TIMEOUT, "test"):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item):
    with _time_bound(SETUP_TIMEOUT, "teardown"):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


# ---- fixtures ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(target, tmp_path_factory):
    """One running single-member server per (module, target), shared by its tests."""
    srv = harness.Server(target, str(tmp_path_factory.mktemp(f"{target}-shared")))
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def client(server):
    c = server.client()
    yield c
    c.close()


@pytest.fixture
def make_server(target, tmp_path_factory, request):
    """Factory for private servers: make_server(extra_args=(), start=True, kind=target)."""
    made: list[harness.Server] = []

    def factory(extra_args=(), start=True, kind=None) -> harness.Server:
        k = kind or target
        srv = harness.Server(k, str(tmp_path_factory.mktemp(f"{k}-own")), extra_args)
        made.append(srv)
        if start:
            srv.start()
        return srv

    yield factory
    harness.stop_servers(made, request)


_counter = itertools.count()


@pytest.fixture
def uniq(request) -> str:
    """A key prefix unique to this test (e.g. '/t17_test_set_new')."""
    name = re.sub(r"[^A-Za-z0-9]+", "_", request.node.name)[:40]
    return f"/t{next(_counter)}_{name}"
