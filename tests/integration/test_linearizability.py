"""Linearizability: unit tests of the WGL checker and a 3-member cluster under faults.

(a) Pure checker tests (no server, no ``target`` fixture, so they run exactly once):
    hand-written linearizable / violating histories, a few hundred random histories
    generated from a real sequential execution (linearizable by construction) and their
    mutations (a read returning a value never written: never linearizable), and a
    cross-check against a brute-force search on small perturbed histories.

(b) ``test_cluster_linearizable_under_faults`` (Larch only): 3 members on loopback, ~6
    client threads doing writes, quorum reads, CAS and plain reads on a few keys against
    random members while a fault thread kill -9s / SIGSTOPs the leader, SIGSTOPs a
    follower or replaces a follower (member add + start, then member remove) every ~3 s. Afterwards every member answers a quorum read of every key. The
    history of writes, CAS, quorum reads and those final reads must be linearizable (per
    key, from "absent"); plain (non-quorum) reads are checked too but only reported (they
    may be stale). As a sensitivity check, a certainly-stale read injected into the very
    same history must be flagged. Prints op / status / fault counts and checker times
    (run with -s to see them).

Knobs: LIN_SECONDS (workload duration, default 25), LIN_CLIENTS (6), LIN_KEYS (4),
LIN_SEED, LIN_MIN_OPS (1000).
"""

from __future__ import annotations

import collections
import os
import random
import time

import pytest

import linearizability as lin
from cluster import Cluster
from lin_workload import FaultInjector, final_reads, run_workload
from linearizability import CAS, FAIL, OK, READ, UNKNOWN, UNSEEN, WRITE, cas, read, write


# =====================================================================================
# (a) checker unit tests
# =====================================================================================

def _ok(ops, **kw):
    res = lin.check(ops, **kw)
    assert res.ok is True, res.describe()
    return res


def _bad(ops, **kw):
    res = lin.check(ops, **kw)
    assert res.ok is False, "expected a violation"
    assert res.violation is not None
    return res


K = "k"


def test_empty_and_trivial_histories():
    _ok([])
    _ok([read(K, None, 0, 1)])                       # initial state is absent
    _bad([read(K, "x", 0, 1)])
    _ok([read(K, "x", 0, 1)], initial="x")


def test_sequential_history():
    _ok([write(K, "a", 0, 1), read(K, "a", 2, 3),
         cas(K, "a", "b", 4, 5, OK), read(K, "b", 6, 7),
         cas(K, "a", "c", 8, 9, FAIL), cas(K, "a", "c", 10, 11, FAIL, seen="b"),
         read(K, "b", 12, 13), write(K, "d", 14, 15), read(K, "d", 16, 17)])


def test_overlapping_concurrent_ops():
    # Two concurrent writes; readers overlapping them may see either order, but every
    # reader after both completed must agree with one single order.
    _ok([write(K, "a", 0, 10), write(K, "b", 1, 11),
         read(K, "b", 2, 3), read(K, "a", 4, 5),       # b then a
         read(K, "a", 12, 13)])
    _bad([write(K, "a", 0, 10), write(K, "b", 1, 11),
          read(K, "b", 2, 3), read(K, "a", 4, 5),      # forces order b, a ...
          read(K, "b", 12, 13)])                       # ... but later reads b
    # A read overlapping a write may return the old or the new value.
    _ok([write(K, "a", 0, 1), write(K, "b", 2, 10), read(K, "a", 3, 4), read(K, "b", 5, 6)])
    # Ops that merely touch (end == start) count as concurrent.
    _ok([write(K, "a", 0, 5), read(K, None, 5, 6)])
    # CAS racing a write.
    _ok([write(K, "a", 0, 1), write(K, "b", 2, 10), cas(K, "a", "c", 3, 9, OK),
         read(K, "b", 11, 12)])
    _bad([write(K, "a", 0, 1), write(K, "b", 2, 10), cas(K, "a", "c", 11, 12, OK)])


def test_unknown_outcome_writes():
    # Timed-out write that did take effect (observed later) ...
    _ok([write(K, "a", 0, None, UNKNOWN), read(K, "a", 5, 6)])
    # ... that did not (yet) take effect ...
    _ok([write(K, "a", 0, None, UNKNOWN), read(K, None, 5, 6)])
    # ... that took effect long after the client gave up ...
    _ok([write(K, "a", 0, 1, UNKNOWN), read(K, None, 5, 6), read(K, "a", 7, 8)])
    # ... and never (unobserved, pruned before the search).
    res = _ok([write(K, f"u{i}", i, None, UNKNOWN) for i in range(50)] +
              [read(K, None, 100, 101)])
    assert res.keys[K].pruned == 50
    # It cannot take effect before it was invoked ...
    _bad([read(K, "a", 0, 1), write(K, "a", 2, None, UNKNOWN)])
    # ... nor be undone once observed.
    _bad([write(K, "a", 0, None, UNKNOWN), read(K, "a", 5, 6), read(K, None, 7, 8)])
    # Unknown CAS: takes effect only if the expected value matches at its point.
    _ok([write(K, "a", 0, 1), cas(K, "a", "b", 2, None, UNKNOWN), read(K, "b", 5, 6)])
    _ok([write(K, "a", 0, 1), cas(K, "a", "b", 2, None, UNKNOWN), read(K, "a", 5, 6)])
    _bad([write(K, "x", 0, 1), cas(K, "a", "b", 2, None, UNKNOWN), read(K, "b", 5, 6)])
    # A failed CAS can rely on a concurrent unknown write having happened.
    _ok([write(K, "a", 0, 1), write(K, "z", 2, None, UNKNOWN),
         cas(K, "a", "c", 3, 4, FAIL)])
    # Unknown reads carry no information and are ignored.
    _ok([write(K, "a", 0, 1), read(K, "zzz", 2, None, UNKNOWN)])


def test_stale_read_after_completed_write():
    res = _bad([write(K, "a", 0, 1), write(K, "b", 2, 3), read(K, "a", 4, 5)])
    v = res.violation
    assert v.key == K and v.blocked.kind == READ and v.blocked.value == "a"
    assert v.state == "b"
    text = res.describe()
    assert "'k'" in text and "read() -> 'a'" in text and "write('b')" in text


def test_read_of_value_never_written():
    _bad([write(K, "a", 0, 1), read(K, "ghost", 2, 3)])
    _bad([write(K, "a", 0, 10), read(K, "ghost", 2, 3)])


def test_cas_success_on_wrong_expected_value():
    _bad([write(K, "a", 0, 1), cas(K, "b", "c", 2, 3, OK)])
    _bad([cas(K, "b", "c", 0, 1, OK)])                      # key absent
    # and the opposite: a CAS that must have matched reports failure
    _bad([write(K, "a", 0, 1), cas(K, "a", "c", 2, 3, FAIL)])
    _bad([write(K, "a", 0, 1), cas(K, "b", "c", 2, 3, FAIL, seen="x")])  # wrong current


def test_read_goes_back_in_time():
    # Two sequential reads during one slow write: new value, then old value again.
    _bad([write(K, "a", 0, 1), write(K, "b", 2, 20), read(K, "b", 3, 4), read(K, "a", 5, 6)])
    _ok([write(K, "a", 0, 1), write(K, "b", 2, 20), read(K, "a", 3, 4), read(K, "b", 5, 6)])


def test_keys_are_independent():
    ops = [write("x", "a", 0, 1), write("y", "b", 0, 1), read("x", "a", 2, 3),
           read("y", "b", 2, 3)]
    res = _ok(ops)
    assert set(res.keys) == {"x", "y"}
    res = _bad(ops + [read("y", "a", 4, 5)])
    assert res.violation.key == "y" and res.keys["x"].ok is True


# ---- random histories from a real sequential execution ---------------------------------

def gen_history(rng: random.Random, clients: int, nops: int, keys: list,
                p_unknown: float = 0.1, kinds=(WRITE, READ, CAS),
                p_seen: float = 0.5) -> list:
    """A history that is linearizable by construction.

    Each client issues ops one after another; every op gets a linearization point strictly
    inside [invoke, complete]. Applying the ops to a register in linearization-point order
    yields the results. Some writes / CAS get an unknown outcome: half of them take effect
    (at their point), half never do; some reads get an unknown outcome too. A failed CAS
    reports the current value with probability ``p_seen``.
    """
    clock = [0] * clients
    plan = []
    written = {k: [] for k in keys}
    for i in range(nops):
        c = rng.randrange(clients)
        inv = clock[c] + rng.randint(0, 6)
        lp = inv + rng.randint(0, 8)
        comp = lp + rng.randint(0, 8)
        clock[c] = comp + 1
        k = rng.choice(keys)
        kind = rng.choice(kinds)
        expected = None
        if kind == CAS:
            pool = written[k] + ["never"]
            expected = rng.choice(pool) if written[k] else "never"
        value = f"v{i}"
        if kind in (WRITE, CAS):
            written[k].append(value)
        plan.append((lp, i, c, k, kind, inv, comp, expected, value))
    plan.sort()
    state = {k: None for k in keys}
    ops = []
    for lp, i, c, k, kind, inv, comp, expected, value in plan:
        unknown = rng.random() < p_unknown
        if kind == WRITE:
            if unknown:
                if rng.random() < 0.5:
                    state[k] = value
                ops.append(write(k, value, inv, comp, UNKNOWN, client=c))
            else:
                state[k] = value
                ops.append(write(k, value, inv, comp, client=c))
        elif kind == READ:
            ops.append(read(k, state[k], inv, comp, UNKNOWN if unknown else OK, client=c))
        else:
            matched = state[k] == expected
            if unknown:
                if matched and rng.random() < 0.5:
                    state[k] = value
                ops.append(cas(k, expected, value, inv, comp, UNKNOWN, client=c))
            elif matched:
                state[k] = value
                ops.append(cas(k, expected, value, inv, comp, OK, client=c))
            else:
                seen = state[k] if rng.random() < p_seen else UNSEEN
                ops.append(cas(k, expected, value, inv, comp, FAIL, seen=seen, client=c))
    rng.shuffle(ops)                      # the checker must not depend on input order
    return ops


def test_random_generated_histories_pass_and_mutations_fail():
    rng = random.Random(1234)
    checked = mutated = 0
    for _ in range(300):
        keys = ["a", "b", "c"][:rng.randint(1, 3)]
        ops = gen_history(rng, rng.randint(1, 5), rng.randint(1, 40), keys,
                          p_unknown=rng.choice([0, 0.1, 0.3]))
        res = lin.check(ops)
        assert res.ok is True, res.describe()
        checked += 1
        reads = [i for i, o in enumerate(ops) if o.kind == READ and o.status == OK]
        if reads:
            j = rng.choice(reads)
            o = ops[j]
            bad = list(ops)
            bad[j] = read(o.key, "never-written", o.invoke, o.complete, client=o.client)
            res = lin.check(bad)
            assert res.ok is False, f"mutation not detected: {bad[j]}"
            assert res.violation.key == o.key
            mutated += 1
    assert checked == 300 and mutated > 200


def _brute_force(ops: list, initial=None) -> bool:
    """Reference checker: try every real-time-respecting order of every subset of the
    unknown-outcome ops (no memoization, no pruning). Only for tiny histories."""
    ops = [o for o in ops if not (o.kind == READ and o.status != OK)]
    inf = float("inf")

    def end(o):
        return inf if o.status == UNKNOWN else o.complete

    def step(state, o):
        if o.kind == WRITE:
            return True, o.value
        if o.kind == READ:
            return state == o.value, state
        if o.status == OK:
            return state == o.expected, o.value
        if o.status == UNKNOWN:
            return True, (o.value if state == o.expected else state)
        ok = state != o.expected and (o.seen is UNSEEN or state == o.seen)
        return ok, state

    def search(remaining: frozenset, state) -> bool:
        if all(ops[i].status == UNKNOWN for i in remaining):
            return True
        for i in remaining:
            # i may go next iff no other remaining op completed before i was invoked
            if any(end(ops[j]) < ops[i].invoke for j in remaining if j != i):
                continue
            legal, new = step(state, ops[i])
            if legal and search(remaining - {i}, new):
                return True
        return False

    return search(frozenset(range(len(ops))), initial)


def test_checker_agrees_with_brute_force():
    rng = random.Random(99)
    verdicts = collections.Counter()
    for _ in range(400):
        ops = gen_history(rng, rng.randint(1, 3), rng.randint(1, 7), ["k"], p_unknown=0.25)
        # Perturb: change results / outcomes / times so that some become non-linearizable.
        vals = [None, "never"] + [o.value for o in ops if o.kind != READ]
        for _ in range(rng.randint(0, 2)):
            if not ops:
                break
            j = rng.randrange(len(ops))
            o = ops[j]
            r = rng.random()
            if r < 0.4 and o.kind == READ:
                ops[j] = read(o.key, rng.choice(vals), o.invoke, o.complete, o.status)
            elif r < 0.6 and o.kind == CAS and o.status != UNKNOWN:
                ops[j] = cas(o.key, o.expected, o.value, o.invoke, o.complete,
                             FAIL if o.status == OK else OK)
            elif r < 0.8 and o.status != UNKNOWN:
                shift = rng.randint(-10, 10)
                inv = max(0, o.invoke + shift)
                comp = max(inv, o.complete + shift)
                ops[j] = lin.Op(o.key, o.kind, inv, comp, o.status, o.value, o.expected,
                                o.seen)
        want = _brute_force(ops)
        got = lin.check(ops).ok
        assert got is want, "\n".join(o.describe() for o in ops)
        verdicts[want] += 1
    assert verdicts[True] > 50 and verdicts[False] > 50, verdicts


def test_checker_is_fast_enough():
    """~3000 ops, 6 clients, 4 keys, with unknown outcomes: a few seconds at most."""
    rng = random.Random(7)
    ops = gen_history(rng, 6, 3000, ["a", "b", "c", "d"], p_unknown=0.05, p_seen=1.0)
    res = _ok(ops)
    assert res.elapsed < 5, f"checker took {res.elapsed:.2f}s"
    # The same with one read mutated (the failing search explores more).
    j = next(i for i, o in enumerate(ops) if o.kind == READ and o.status == OK)
    o = ops[j]
    ops[j] = read(o.key, "never-written", o.invoke, o.complete)
    res = _bad(ops)
    assert res.elapsed < 10, f"checker took {res.elapsed:.2f}s on a violation"


def test_time_limit_gives_undecided():
    # 25 concurrent unknown-outcome writes that cannot be pruned (a failed CAS without a
    # reported current value could rely on any of them), then a contradiction: proving
    # it means trying every subset of them, so the time limit has to stop the search.
    ops = [write(K, f"u{i}", 0, None, UNKNOWN) for i in range(25)]
    ops += [cas(K, "zz", "n", 0, 1, FAIL), write(K, "a", 0, 1), read(K, "ghost", 2, 3)]
    res = lin.check(ops, time_limit=0.5)
    assert res.ok is None, res.describe()
    assert res.elapsed < 3
    assert "undecided" in res.describe()


def test_forced_unknown_ops_get_a_deadline():
    # An unknown write observed by a read must precede that read: a later read of the
    # previous value is then stale. (Without the deadline the search would also find
    # this, just slower; here the fixpoint through an unknown CAS is exercised.)
    ops = [write(K, "a", 0, 1),
           write(K, "b", 2, None, UNKNOWN),             # forced: "b" expected by the CAS
           cas(K, "b", "c", 3, None, UNKNOWN),          # forced: "c" read below
           read(K, "c", 10, 11)]
    res = _ok(ops)
    assert res.keys[K].pruned == 0 and res.keys[K].forced == 2
    _bad(ops + [read(K, "a", 12, 13)])
    _bad(ops + [read(K, "b", 12, 13)])
    # the same value written twice: no deadline may be derived, still correct
    _ok([write(K, "a", 0, 1), write(K, "b", 2, None, UNKNOWN), write(K, "b", 20, 21),
         read(K, "a", 5, 6), read(K, "b", 22, 23)])


# =====================================================================================
# (b) 3-member cluster under faults
# =====================================================================================

SECONDS = float(os.environ.get("LIN_SECONDS", "25"))
CLIENTS = int(os.environ.get("LIN_CLIENTS", "6"))
NKEYS = int(os.environ.get("LIN_KEYS", "4"))
SEED = int(os.environ.get("LIN_SEED", str(int(time.time()))))
MIN_OPS = int(os.environ.get("LIN_MIN_OPS", "1000"))
def _with_injected_stale_read(history: list, rng: random.Random):
    """The history with one quorum read replaced by a read that is certainly stale: it
    returns the value of a write W although another write W2 started after W completed
    and completed before the read started (values are unique, so nothing else wrote it).
    Used to show the checker is not vacuous on this very history. None if no candidate."""
    reads = [i for i, o in enumerate(history)
             if o.kind == READ and o.quorum and o.status == OK]
    rng.shuffle(reads)
    for i in reads[:200]:
        r = history[i]
        writes = [o for o in history if o.key == r.key and o.kind == WRITE and
                  o.status == OK and o.complete < r.invoke]
        for w2 in sorted(writes, key=lambda o: -o.invoke)[:5]:
            older = [w for w in writes if w.complete < w2.invoke]
            if older:
                w = max(older, key=lambda o: o.complete)
                bad = list(history)
                bad[i] = read(r.key, w.value, r.invoke, r.complete, client=r.client,
                              note=r.note + " (injected stale)")
                return bad
    return None


def _summary(history: list) -> str:
    c = collections.Counter()
    for o in history:
        kind = o.kind if o.kind != READ or o.quorum else "plain-read"
        c[(kind, o.status)] += 1
    kinds = ["write", "cas", "read", "plain-read"]
    return ", ".join(f"{k}: " + "/".join(f"{c[(k, s)]} {s}" for s in (OK, FAIL, UNKNOWN)
                                         if c[(k, s)] or s == OK) for k in kinds)


@pytest.mark.larch_only
@pytest.mark.timeout(120)
def test_cluster_linearizable_under_faults(target, tmp_path):
    assert target == "larch"
    cluster = Cluster(str(tmp_path / "cluster"), 3, token="lin")
    try:
        cluster.start()
        cluster.wait_leader()
        keys = [f"/lin/k{i}" for i in range(NKEYS)]
        workers, injector = run_workload(cluster, keys, SECONDS, CLIENTS, SEED)
        _check_run(cluster, keys, workers, injector)
    except BaseException:
        for m in cluster.members:
            print(f"--- {m.name} log tail\n{m.log_tail()}")
        raise
    finally:
        cluster.cleanup()


def _check_run(cluster: Cluster, keys: list, workers: list, injector: FaultInjector):
    """Collect the history, check it, print the report, assert."""
    assert injector.error is None, f"fault thread failed: {injector.error!r}"
    for w in workers:
        assert not w.is_alive(), f"{w.name} did not stop"
        assert w.error is None, f"{w.name} failed: {w.error!r}"
    cluster.wait_leader(timeout=15)  # raises "no agreed leader" with every member's view
    history = [o for w in workers for o in w.ops]
    final = final_reads(cluster, keys)

    faults = injector.faults
    fault_kinds = collections.Counter(f[0] for f in faults)
    completed = [o for o in history if o.status != UNKNOWN]
    last_heal = max((f[3] for f in faults), default=0)
    ok_after = [o for o in history
                if o.status == OK and o.kind != READ and o.invoke > last_heal]
    # Recovery: from each fault's heal to the first acknowledged write/CAS after it.
    recov = []
    for f in faults:
        done = [o.complete for o in history
                if o.status == OK and o.kind != READ and o.invoke >= f[3]]
        if done:
            recov.append((min(done) - f[3]) / 1e9)
    statuses = collections.Counter()
    for w in workers:
        statuses.update(w.statuses)

    # The linearizable part: writes, CAS, quorum reads and the final reads.
    strict = [o for o in history if o.kind != READ or o.quorum] + final
    res = lin.check(strict, time_limit=40)
    # Plain GETs may legitimately be stale: checked only for the report.
    res_loose = lin.check(history + final, time_limit=20)
    # Sensitivity: the checker must flag a certainly-stale read injected into this very
    # history (3 different injections).
    rng = random.Random(SEED)
    injected = [_with_injected_stale_read(strict, rng) for _ in range(3)]
    injected_verdicts = [lin.check(h, time_limit=20).ok for h in injected if h]

    print(f"\nseed {SEED}, {SECONDS:.0f}s, {CLIENTS} clients, {NKEYS} keys, "
          f"{len(history)} ops ({len(completed)} with a known outcome, "
          f"{len(history) / SECONDS:.0f} ops/s)")
    print(f"ops: {_summary(history)}; final reads: {len(final)}")
    print(f"HTTP statuses / errors: {dict(statuses)}")
    print(f"faults: {len(faults)} {dict(fault_kinds)}; no leader found {injector.no_leader}x;"
          f" acknowledged writes/CAS after the last fault: {len(ok_after)}")
    if recov:
        print(f"recovery (heal -> first acknowledged write): max {max(recov):.2f}s, "
              f"mean {sum(recov) / len(recov):.2f}s")
    for kr in res.keys.values():
        print(f"  {kr.key}: {kr.ops} ops searched ({kr.forced} unknown-outcome writes/CAS "
              f"seen to take effect), {kr.pruned} unobserved unknown writes/CAS pruned, "
              f"{kr.dropped} unknown reads dropped, {kr.steps} steps, {kr.elapsed:.3f}s "
              f"-> {kr.ok}")
    print(f"checker (quorum reads): {res.describe().splitlines()[0]} in {res.elapsed:.3f}s")
    if res_loose.ok is True:
        print(f"plain GETs: no stale read observed (checked in {res_loose.elapsed:.3f}s)")
    elif res_loose.ok is None:
        print("plain GETs: undecided within the time limit")
    else:
        bad_keys = [k for k, kr in res_loose.keys.items() if kr.ok is False]
        print(f"plain GETs: not linearizable on {len(bad_keys)} of {len(res_loose.keys)}"
              f" keys (stale reads, allowed without quorum=true; checked in "
              f"{res_loose.elapsed:.3f}s); first one:\n"
              f"{res_loose.keys[bad_keys[0]].violation.describe(res_loose.t0)}")
    print(f"injected stale reads detected: {injected_verdicts}")
    print(f"logs: {cluster.workdir}")

    assert res.ok is True, "linearizability violation:\n" + res.describe()
    assert injected_verdicts and all(v is False for v in injected_verdicts), \
        f"checker missed an injected stale read: {injected_verdicts}"
    assert len(completed) >= MIN_OPS, f"only {len(completed)} completed ops"
    assert len(faults) >= 4, f"only {len(faults)} faults injected"
    assert len(ok_after) >= 20, \
        f"only {len(ok_after)} acknowledged writes after the last fault"
