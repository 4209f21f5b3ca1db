"""Heap requests of the fast paths with the heap unlocked.

micropython.heap_lock() cannot show every allocation. MicroPython 1.25
keeps a function's frame on the C stack only up to 11 machine words
(py/objfun.c). A larger frame comes from the heap while the heap is
unlocked, and from the C stack while it is locked, so a heap-lock test
passes either way. These tests count the bytes requested from the heap
with micropython.mem_total() instead. They skip where mem_total() is
missing: on CPython, and on MicroPython builds without memory statistics.
"""

import budgetkernel
from budgetkernel import Dim, Verdict
from _support import make_builder, skip

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


def heap_requested_or_skip(run):
    """Return the bytes that run() requested from the heap, by micropython.mem_total()."""
    if micropython is None or not hasattr(micropython, "mem_total"):
        skip("micropython.mem_total() is missing on this runtime")
    before = micropython.mem_total()
    run()
    return micropython.mem_total() - before


def accounts_at(tokens, calls):
    """Return a Budget and a Ledger with these TOKENS and CALLS totals."""
    budget = make_builder(budgetkernel, DECLARATION).build()
    ledger = make_builder(budgetkernel, DECLARATION).build_policy().ledger()
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
