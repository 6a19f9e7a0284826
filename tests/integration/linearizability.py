"""Linearizability checker for histories of single-register operations (a register per key).

The algorithm is Wing & Gong's search, made practical the way Lowe ("Testing for
linearizability", 2017) and Porcupine do it:

* Every operation contributes a *call* entry (its invoke time) and a *return* entry (its
  completion time) to one time-ordered, doubly linked list.
* Walking the list from the front, a call may be *linearized* (removed from the list
  together with its return, and applied to the model) if the model allows it in the
  current state. Reaching a return entry means that operation had to take effect by now
  but could not: undo the most recently linearized operation and try the next candidate.
  Only calls in front of the first remaining return are ever tried, which is exactly the
  "must be linearized before the earliest pending completion" pruning.
* A configuration (set of linearized operations, model state) that was already explored
  is never explored again (memoization). The set is a Python int used as a bitset.
* Keys are independent registers, so each key's sub-history is checked on its own
  (P-compositionality: a history is linearizable iff every per-key sub-history is).

Operation kinds and what the model (a register holding a string or "absent") allows:

    write(v)                 always; state := v
    read() -> v | absent     iff state == v
    cas(e, n) -> ok          iff state == e; state := n
    cas(e, n) -> fail        iff state != e (and, if the server told us the current value
                             ``seen``, iff state == seen); state unchanged

Operations whose outcome is unknown (timeout, connection error, 5xx) may have taken effect
at any point after their invoke, or never:

* reads with unknown outcome carry no information and are dropped;
* writes / CAS with unknown outcome get an infinitely late return. Linearized somewhere, a
  write sets the state and a CAS takes effect iff the state equals its expected value; an
  operation left until "after the end" is equivalent to one that never happened, so the
  search succeeds as soon as every operation that must have happened is linearized.
* Pending forever, such operations would make a failing search try every subset of them,
  so two exact simplifications come first (``_prepare``):
  - Deadline: if an unknown-outcome write/CAS is the only writer of value v and a
    completed operation observed v (a read returned it, a successful CAS expected it, a
    failed CAS reported it as current), it must have taken effect before the earliest
    such observer completed - it gets that completion time as its return (an unknown CAS
    thereby becomes a successful one and an observer of its own expected value; this is
    iterated to a fixpoint).
  - Pruning: an unknown-outcome write/CAS whose value nobody observed is removed: if a
    linearization puts it somewhere, deleting it (and any unknown CAS that was a no-op in
    the interval it governed) still leaves a valid linearization, because no operation
    in that interval could tell the difference.
  Pruning is off for a key that has a failed CAS *without* the reported current value
  (such a CAS "uses" whatever other value is current); with many concurrent unknown
  writes that can make a failing search exponential - hence ``time_limit``. Clients of
  etcd's v2 API get the current value in the 412 ``cause`` and should record it.

Standard library only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Iterable

WRITE, READ, CAS = "write", "read", "cas"
OK, FAIL, UNKNOWN = "ok", "fail", "unknown"


class _Unseen:
    """Marker: a failed CAS whose current value the server did not report."""

    def __repr__(self) -> str:
        return "UNSEEN"


UNSEEN = _Unseen()


@dataclass(frozen=True, eq=False)
class Op:
    """One client operation on one key.

    ``invoke`` / ``complete`` are time.monotonic_ns() values taken by the client just before
    sending the request and just after the full response arrived. For status UNKNOWN,
    ``complete`` is only informational (when the client gave up).

    ``value``: write - the value written; read - the value returned (None = absent);
    cas - the new value. ``expected``: cas only. ``seen``: failed cas only - the current
    value reported by the server (None = absent) or UNSEEN.
    """

    key: str
    kind: str
    invoke: int
    complete: int | None
    status: str = OK
    value: str | None = None
    expected: str | None = None
    seen: object = UNSEEN
    client: int = -1
    quorum: bool = True          # reads: linearizable read was requested
    note: str = ""               # free text for reports (e.g. which member served it)

    def __post_init__(self):
        if self.kind not in (WRITE, READ, CAS):
            raise ValueError(f"unknown kind {self.kind!r}")
        if self.status not in (OK, FAIL, UNKNOWN):
            raise ValueError(f"unknown status {self.status!r}")
        if self.status != UNKNOWN and (self.complete is None or self.complete < self.invoke):
            raise ValueError(f"completed op needs complete >= invoke: {self}")
        if self.kind == CAS and self.expected is None:
            raise ValueError("cas needs an expected value")

    def describe(self, t0: int = 0) -> str:
        """Human-readable one-liner, times in seconds relative to ``t0``."""
        if self.kind == WRITE:
            what = f"write({self.value!r})"
        elif self.kind == READ:
            what = "read()" if self.quorum else "read(stale-ok)"
        else:
            what = f"cas({self.expected!r} -> {self.value!r})"
        if self.status == UNKNOWN:
            res = " -> ?"
        elif self.kind == READ:
            res = " -> " + ("absent" if self.value is None else repr(self.value))
        elif self.kind == CAS:
            res = " -> ok" if self.status == OK else " -> fail"
            if self.status == FAIL and self.seen is not UNSEEN:
                res += f" (current {'absent' if self.seen is None else repr(self.seen)})"
        else:
            res = " -> ok" if self.status == OK else " -> fail"
        end = "?" if self.status == UNKNOWN else f"{(self.complete - t0) / 1e9:.6f}"
        who = f" client {self.client}" if self.client >= 0 else ""
        note = f" {self.note}" if self.note else ""
        return f"{what}{res} [{(self.invoke - t0) / 1e9:.6f} .. {end}]{who}{note}"


# ---- convenience constructors (mostly for tests) ----------------------------------------

def write(key, value, invoke, complete, status=OK, **kw) -> Op:
    return Op(key, WRITE, invoke, complete, status, value=value, **kw)


def read(key, value, invoke, complete, status=OK, **kw) -> Op:
    return Op(key, READ, invoke, complete, status, value=value, **kw)


def cas(key, expected, new, invoke, complete, status, seen=UNSEEN, **kw) -> Op:
    return Op(key, CAS, invoke, complete, status, value=new, expected=expected, seen=seen,
              **kw)


# ---- results ----------------------------------------------------------------------------

@dataclass
class Violation:
    """Where the search got stuck on its deepest path.

    ``prefix``: the longest sequence of operations that could be linearized; ``state``: the
    register after it; ``blocked``: the operation whose completion was reached without it
    being linearizable; ``candidates``: the other operations that could have gone next
    (pending at that point) - none of them could be linearized either.
    """

    key: str
    prefix: list
    state: object
    blocked: Op
    candidates: list
    total: int

    def describe(self, t0: int = 0, tail: int = 6) -> str:
        st = "absent" if self.state is None else repr(self.state)
        lines = [f"key {self.key!r}: not linearizable; longest linearizable prefix has "
                 f"{len(self.prefix)} of {self.total} ops, leaving the register {st}",
                 f"  stuck at:  {self.blocked.describe(t0)}"]
        for op in self.candidates:
            lines.append(f"  also pending (not linearizable next either): {op.describe(t0)}")
        if self.prefix:
            lines.append(f"  last {min(tail, len(self.prefix))} ops of that prefix:")
            for op in self.prefix[-tail:]:
                lines.append(f"    {op.describe(t0)}")
        return "\n".join(lines)

    @property
    def ops_involved(self) -> list:
        return [self.blocked] + list(self.candidates) + list(self.prefix[-6:])


@dataclass
class KeyResult:
    key: str
    ok: bool | None              # None: gave up (time limit)
    ops: int                     # operations searched
    pruned: int                  # unknown-outcome ops removed as unobservable
    dropped: int                 # unknown-outcome reads dropped
    steps: int
    elapsed: float
    violation: Violation | None = None
    forced: int = 0              # unknown-outcome ops observed to have taken effect


@dataclass
class Result:
    ok: bool | None              # True: linearizable; False: violation; None: undecided
    keys: dict = field(default_factory=dict)     # key -> KeyResult
    elapsed: float = 0.0
    t0: int = 0                  # earliest invoke, for relative times in reports

    @property
    def violation(self) -> Violation | None:
        for kr in self.keys.values():
            if kr.violation is not None:
                return kr.violation
        return None

    def describe(self) -> str:
        if self.ok:
            return f"linearizable ({len(self.keys)} keys, {self.elapsed:.3f}s)"
        parts = []
        for kr in self.keys.values():
            if kr.violation is not None:
                parts.append(kr.violation.describe(self.t0))
            elif kr.ok is None:
                parts.append(f"key {kr.key!r}: undecided (time limit after {kr.steps} steps)")
        return "\n".join(parts)


class _TimeUp(Exception):
    pass


# ---- the checker ------------------------------------------------------------------------

def check(ops: Iterable[Op], initial=None, time_limit: float | None = None) -> Result:
    """Check a whole history: each key independently, starting from ``initial`` (None =
    absent). ``time_limit`` (seconds, whole call) turns an overlong search into ok=None."""
    start = time.monotonic()
    deadline = None if time_limit is None else start + time_limit
    by_key: dict[str, list] = {}
    for op in ops:
        by_key.setdefault(op.key, []).append(op)
    res = Result(ok=True, t0=min((o.invoke for v in by_key.values() for o in v), default=0))
    for key in sorted(by_key):
        kr = check_key(key, by_key[key], initial, deadline)
        res.keys[key] = kr
        if kr.ok is False:
            res.ok = False
        elif kr.ok is None and res.ok:
            res.ok = None
    res.elapsed = time.monotonic() - start
    return res


def _hard_observed(op: Op):
    """The value a completed op proves was the register's content at its point (reads,
    successful CAS, failed CAS that reported the current value), or UNSEEN."""
    if op.status == UNKNOWN:
        return UNSEEN
    if op.kind == READ:
        return op.value
    if op.kind == CAS:
        return op.expected if op.status == OK else op.seen
    return UNSEEN


# Compiled op kinds for the inner loop.
_K_WRITE, _K_READ, _K_CAS_OK, _K_CAS_FAIL, _K_CAS_FAIL_SEEN, _K_CAS_UNKNOWN = range(6)


def _compile(op: Op, must_take_effect: bool = False) -> tuple:
    if op.kind == WRITE:
        return (_K_WRITE, op.value, None)
    if op.kind == READ:
        return (_K_READ, op.value, None)
    if op.status == OK or (op.status == UNKNOWN and must_take_effect):
        return (_K_CAS_OK, op.expected, op.value)
    if op.status == UNKNOWN:
        return (_K_CAS_UNKNOWN, op.expected, op.value)
    if op.seen is UNSEEN:
        return (_K_CAS_FAIL, op.expected, None)
    return (_K_CAS_FAIL_SEEN, op.expected, op.seen)


def _prepare(ops: list, initial) -> tuple[list, int, int, int]:
    """Simplify one key's history without changing whether it is linearizable.

    Returns ([(op, compiled step, return time or None for "never has to happen")],
    pruned, dropped, forced):

    1. Unknown-outcome reads and definitely failed writes are dropped.
    2. Deadlines: if an unknown-outcome write/CAS is the only op that ever writes value v
       (and v is not the initial value), and some completed op observed v (a read
       returning v, a successful CAS expecting v, a failed CAS reporting v), then it must
       have taken effect before the earliest such observer completed: it becomes an op
       with that completion time (an unknown CAS becomes a successful one, which in turn
       makes it an observer of its expected value - repeated to a fixpoint).
    3. Pruning (only when no failed CAS lacks the reported current value, since such a
       CAS can "use" any other value): the remaining unknown-outcome ops are removed if
       every written value is unique, else only those whose value nobody references
       (see the module docstring for why this is sound).
    """
    dropped = 0
    kept = []
    for op in ops:
        if (op.kind == READ and op.status != OK) or (op.kind == WRITE and op.status == FAIL):
            dropped += 1
        else:
            kept.append(op)

    writers: dict = {initial: 1}
    for op in kept:
        if op.kind != READ:
            writers[op.value] = writers.get(op.value, 0) + 1
    blind_fail = any(op.kind == CAS and op.status == FAIL and op.seen is UNSEEN
                     for op in kept)

    # 2. deadlines, to a fixpoint
    first_seen: dict = {}                 # value -> earliest completion of an observer
    for op in kept:
        v = _hard_observed(op)
        if v is not UNSEEN and (v not in first_seen or op.complete < first_seen[v]):
            first_seen[v] = op.complete
    sole_unknown_writer = {op.value: op for op in kept
                           if op.status == UNKNOWN and writers[op.value] == 1}
    deadline: dict = {}                   # unknown op (by id) -> must-complete-by time
    work = list(first_seen)
    while work:
        v = work.pop()
        u = sole_unknown_writer.get(v)
        if u is None:
            continue
        d = first_seen[v]
        if d < u.invoke or deadline.get(id(u), d + 1) <= d:
            continue                      # impossible anyway / nothing new
        deadline[id(u)] = d
        if u.kind == CAS and d < first_seen.get(u.expected, d + 1):
            first_seen[u.expected] = d    # a forced CAS observes its expected value
            work.append(u.expected)

    # 3. pruning of unknown ops that cannot matter
    pruned = 0
    items = []
    all_unique = all(c == 1 for c in writers.values())
    referenced = set(first_seen)
    referenced.update(op.expected for op in kept if op.kind == CAS and op.status == UNKNOWN)
    for op in kept:
        if op.status != UNKNOWN:
            items.append((op, _compile(op), op.complete))
        elif id(op) in deadline:
            items.append((op, _compile(op, True), deadline[id(op)]))
        elif not blind_fail and (op.value not in referenced or
                                 (all_unique and op.value not in first_seen)):
            pruned += 1
        else:
            items.append((op, _compile(op), None))
    return items, pruned, dropped, len(deadline)


def check_key(key: str, ops: list, initial=None, deadline: float | None = None) -> KeyResult:
    """WGL search with memoization over one key's operations (see the module docstring).

    ``deadline`` is an absolute time.monotonic() value after which the search gives up
    (ok=None). On a violation, ``violation`` describes the deepest dead end."""
    start = time.monotonic()
    items, pruned, dropped, forced = _prepare(list(ops), initial)
    n = len(items)
    kr = KeyResult(key, True, n, pruned, dropped, 0, 0.0, forced=forced)
    if n == 0:
        return kr
    ops = [it[0] for it in items]
    code = [it[1] for it in items]
    known = [0 if it[2] is None else 1 for it in items]   # must be linearized

    # Time-ordered entries: 2*i = call of op i, 2*i+1 = its return. At equal times calls
    # sort before returns, i.e. touching operations count as concurrent (never a false
    # alarm from timestamp granularity). Ops that never have to happen return "at
    # infinity", after every real return.
    inf = max(max(o.invoke for o in ops), max(it[2] or 0 for it in items)) + 1
    events = []
    for i, (op, _, ret) in enumerate(items):
        events.append((op.invoke, 0, 2 * i))
        events.append((inf if ret is None else ret, 1, 2 * i + 1))
    events.sort()

    head = 2 * n                             # sentinel
    nxt = [-1] * (2 * n + 1)
    prv = [-1] * (2 * n + 1)
    last = head
    for _, _, e in events:
        nxt[last] = e
        prv[e] = last
        last = e

    n_known = sum(known)
    if n_known == 0:
        kr.elapsed = time.monotonic() - start
        return kr

    state = initial
    bits = 0
    done = 0                                  # linearized ops that must happen
    stack: list = []                          # (op index, state before it)
    seen_configs: set = set()
    best_depth = -1
    best = None
    steps = 0
    entry = nxt[head]
    try:
        while True:
            steps += 1
            if not steps & 0x3FFF and deadline is not None and time.monotonic() > deadline:
                raise _TimeUp
            if entry != -1 and not entry & 1:
                # A call: can this op take effect now?
                i = entry >> 1
                k, a, b = code[i]
                if k == _K_WRITE:
                    legal, new = True, a
                elif k == _K_READ:
                    legal, new = state == a, state
                elif k == _K_CAS_OK:
                    legal, new = state == a, b
                elif k == _K_CAS_FAIL:
                    legal, new = state != a, state
                elif k == _K_CAS_FAIL_SEEN:
                    legal, new = state == b and state != a, state
                else:                          # unknown CAS: takes effect iff it matches
                    legal, new = True, (b if state == a else state)
                if legal:
                    nbits = bits | (1 << i)
                    cfg = (nbits, new)
                    if cfg not in seen_configs:
                        seen_configs.add(cfg)
                        stack.append((i, state))
                        bits, state = nbits, new
                        # lift op i: unlink its call and its return
                        c, r = entry, entry + 1
                        nxt[prv[c]] = nxt[c]
                        if nxt[c] != -1:
                            prv[nxt[c]] = prv[c]
                        nxt[prv[r]] = nxt[r]
                        if nxt[r] != -1:
                            prv[nxt[r]] = prv[r]
                        done += known[i]
                        if done == n_known:
                            break            # the rest may simply never have happened
                        entry = nxt[head]
                        continue
                entry = nxt[entry]
                continue
            # A return (or, defensively, the end of the list): the op it belongs to had to
            # be linearized by now. Remember the deepest such dead end for the report,
            # then backtrack.
            if len(stack) > best_depth and entry != -1:
                best_depth = len(stack)
                cands = []
                e = nxt[head]
                while e != entry:
                    if not e & 1 and e + 1 != entry:
                        cands.append(e >> 1)
                    e = nxt[e]
                best = ([s[0] for s in stack], state, entry >> 1, cands)
            if not stack:
                kr.ok = False
                break
            i, state = stack.pop()
            bits &= ~(1 << i)
            done -= known[i]
            # unlift op i (reverse order of lift)
            c, r = 2 * i, 2 * i + 1
            nxt[prv[r]] = r
            if nxt[r] != -1:
                prv[nxt[r]] = r
            nxt[prv[c]] = c
            if nxt[c] != -1:
                prv[nxt[c]] = c
            entry = nxt[c]
    except _TimeUp:
        kr.ok = None
    kr.steps = steps
    if kr.ok is False and best is not None:
        prefix_idx, st, blocked, cands = best
        kr.violation = Violation(key, [ops[j] for j in prefix_idx], st, ops[blocked],
                                 [ops[j] for j in cands], n)
    kr.elapsed = time.monotonic() - start
    return kr
