"""Heap use of the kernel's calls with the heap unlocked.

micropython.heap_lock() cannot show every allocation. MicroPython 1.25
keeps a function's frame on the C stack only up to 11 machine words
(py/objfun.c). A larger frame comes from the heap while the heap is
unlocked, and from the C stack while it is locked, so a heap-lock test
passes either way. The fast-path tests count the bytes requested from the
heap with micropython.mem_total() instead, and skip where it is missing:
on CPython, and on MicroPython builds without memory statistics. The
slow-path test checks with gc.mem_alloc() that those frames are freed.
"""

import gc

import budgetkernel
from budgetkernel import SNAPSHOT_SIZE, Dim, Verdict
from _support import make_builder, make_policy, skip

try:
    import micropython
except ImportError:
    micropython = None

TOKENS = Dim.TOKENS
CALLS = Dim.CALLS

# TOKENS warns above 1000 and is exhausted above 2000, CALLS above 5. Each
# starting total leaves room for the small charges below inside its window.
DECLARATION = ((TOKENS, 2000, 1000), (CALLS, 5, None))
STARTS = ((0, 0), (1500, 2), (2500, 9))
PAIRS = ((TOKENS, 1), (CALLS, 1))


def heap_requested_or_skip(run):
    """Return the bytes that run() requested from the heap, counted with micropython.mem_total()."""
    if micropython is None or not hasattr(micropython, "mem_total"):
        skip("micropython.mem_total() is missing on this runtime")
    before = micropython.mem_total()
    run()
    after = micropython.mem_total()
    # Once the running count passes the small-int range, each mem_total()
    # call allocates its own result. A third call measures that, and the
    # result leaves it out.
    own = micropython.mem_total() - after
    return after - before - own


def accounts_at(tokens, calls):
    """Return a Budget and a Ledger with these TOKENS and CALLS totals."""
    budget = make_builder(budgetkernel, DECLARATION).build()
    ledger = make_policy(DECLARATION).ledger()
    for account in (budget, ledger):
        account.charge(TOKENS, tokens)
        account.charge(CALLS, calls)
    return budget, ledger


def test_fast_charge_requests_no_heap():
    for tokens, calls in STARTS:
        for account in accounts_at(tokens, calls):
            def run():
                for _ in range(20):
                    account.charge(TOKENS, 1)
                    account.charge(CALLS, 0)

            assert heap_requested_or_skip(run) == 0, (tokens, calls)
            assert account.spent(TOKENS) == tokens + 20


def test_fast_preview_and_try_request_no_heap():
    for tokens, calls in STARTS:
        for account in accounts_at(tokens, calls):
            def run():
                for _ in range(20):
                    account.preview(TOKENS, 3)
                    account.try_charge(TOKENS, 1)
                    account.try_charge(CALLS, 0)

            assert heap_requested_or_skip(run) == 0, (tokens, calls)
            # try_charge commits nothing once TOKENS is exhausted.
            committed = 0 if tokens > 2000 else 20
            assert account.spent(TOKENS) == tokens + committed


def test_verdict_methods_request_no_heap():
    warn = Verdict.warn(TOKENS)
    exhausted = Verdict.exhausted(CALLS)

    def run():
        for _ in range(20):
            warn.worst(exhausted)
            warn.is_continuing()
            exhausted.is_exhausted()
            exhausted.dimension()

    assert heap_requested_or_skip(run) == 0


def test_slow_paths_leave_no_heap_behind():
    # A frame taken from the heap is freed when its call returns, so the
    # allocated total is back where it started without a collection.
    if not hasattr(gc, "mem_alloc"):
        skip("gc.mem_alloc() is missing on this runtime")
    snapshot = bytearray(SNAPSHOT_SIZE)
    for account in accounts_at(0, 0):
        def run():
            for _ in range(10):
                account.reset()
                account.charge(TOKENS, 1500)
                account.preview(TOKENS, 600)
                account.try_charge(TOKENS, 600)
                account.try_charge_all(PAIRS)
                account.spent(TOKENS)
                account.remaining(TOKENS)
                account.snapshot_into(snapshot)
                account.restore_spent_from(snapshot)
                account.charge(TOKENS, 600)

        run()
        gc.collect()
        before = gc.mem_alloc()
        run()
        assert gc.mem_alloc() == before
        # 1500, then 1 from try_charge_all and 600: try_charge(600) at 1500
        # would pass the limit of 2000, so it was rejected.
        assert account.spent(TOKENS) == 2101
