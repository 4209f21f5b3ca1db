"""Ledgers under the heap lock, and the heap a ledger takes.

The heap-lock tests check that ledger calls allocate nothing once the
ledger is built; they skip on CPython, which has no heap lock. The
footprint test runs only where gc.mem_alloc() exists (MicroPython). These
tests live apart from test_ledger.py so that a board with a small heap
loads each file on its own.
"""

import gc

import budgetkernel
from budgetkernel import SNAPSHOT_SIZE, Dim, Verdict
from _support import (
    charge_locked,
    charge_undeclared_locked,
    lock_or_skip,
    make_builder,
    make_policy,
    skip,
    unlock,
)

U64_MAX = (1 << 64) - 1
WINDOW = 1 << 28

TOKENS = Dim.TOKENS
MILLIS = Dim.MILLIS
BYTES = Dim.BYTES
CALLS = Dim.CALLS
MEMORY = Dim.MEMORY
CUSTOM1 = Dim.CUSTOM1


# ---------------------------------------------------------------------------
# Heap lock (MicroPython only)
# ---------------------------------------------------------------------------


def big_ledger(start):
    """Return a ledger whose TOKENS total is start, below a warn near 2**64."""
    policy = make_policy(((TOKENS, U64_MAX - 1, U64_MAX - (1 << 40)), (CALLS, 3, None)))
    ledger = policy.ledger()
    if start:
        ledger.charge(TOKENS, start)
    return ledger


# Just below the window, just below 2**29, and 2**30 - 1, the largest small
# int on 32-bit ports.
SMALL_AMOUNTS = (WINDOW - 1, (1 << 29) - 1, (1 << 30) - 1)


def test_locked_ledger_continue():
    ledger = big_ledger(0)
    last, worst = charge_locked(ledger, TOKENS, (0, 1, 1000) + SMALL_AMOUNTS, 20)
    assert last == Verdict.CONTINUE
    assert worst == Verdict.CONTINUE
    assert ledger.spent(TOKENS) == 20 * (1001 + sum(SMALL_AMOUNTS))


def test_locked_ledger_large_totals():
    for start in (1 << 30, (1 << 31) - 5, 1 << 32, (1 << 62) - 2, (1 << 63) - 1):
        ledger = big_ledger(start)
        last, _ = charge_locked(ledger, TOKENS, SMALL_AMOUNTS + (3,), 8)
        assert last == Verdict.CONTINUE
        assert ledger.spent(TOKENS) == start + 8 * (sum(SMALL_AMOUNTS) + 3)


def test_locked_ledger_warn():
    ledger = big_ledger(U64_MAX - (1 << 40) + 1)
    last, worst = charge_locked(ledger, TOKENS, (0, 7) + SMALL_AMOUNTS, 30)
    assert last == Verdict.warn(TOKENS)
    assert worst == Verdict.warn(TOKENS)


def test_locked_ledger_exhausted_saturated():
    ledger = big_ledger(U64_MAX - 10)
    last, worst = charge_locked(ledger, TOKENS, (0, 9, 1) + SMALL_AMOUNTS, 30)
    assert last == Verdict.exhausted(TOKENS)
    assert worst == Verdict.exhausted(TOKENS)
    assert ledger.spent(TOKENS) == U64_MAX

    small = big_ledger(0)
    last, _ = charge_locked(small, CALLS, (1, 1, 1, 1, 0, 1), 50)
    assert last == Verdict.exhausted(CALLS)
    assert small.spent(CALLS) == 250


def test_locked_ledger_reset_and_queries():
    ledger = big_ledger(1 << 63)
    ledger.charge(CALLS, 2)
    other = make_policy(((BYTES, U64_MAX, None), (MEMORY, (1 << 62) + 1000, None))).ledger()
    other.charge(BYTES, 1000)
    other.charge(MEMORY, 1 << 62)
    lock_or_skip()
    try:
        calls_spent = ledger.spent(CALLS)
        calls_remaining = ledger.remaining(CALLS)
        missing = ledger.spent(BYTES)
        ledger.reset()
        tokens_after = ledger.spent(TOKENS)
        bytes_spent = other.spent(BYTES)
        memory_remaining = other.remaining(MEMORY)
    finally:
        unlock()
    assert calls_spent == 2
    assert calls_remaining == 1
    assert missing is None
    assert tokens_after == 0
    assert ledger.spent(CALLS) == 0
    assert bytes_spent == 1000
    assert memory_remaining == 1000


def test_locked_ledger_admission_calls():
    ledger = big_ledger(U64_MAX - (1 << 40) - 5)
    pairs = ((TOKENS, 3), (CALLS, 1))
    exhausting = [(TOKENS, 1), (CALLS, 3)]
    lock_or_skip()
    try:
        previewed = ledger.preview(TOKENS, 10)
        tried = ledger.try_charge(TOKENS, 5)
        all_pairs = ledger.try_charge_all(pairs)
        all_exhausting = ledger.try_charge_all(exhausting)
        calls_exhausting = ledger.try_charge(CALLS, 5)
    finally:
        unlock()
    assert previewed == Verdict.warn(TOKENS)
    assert tried == Verdict.CONTINUE
    # The total starts 5 below the warn threshold. +5 reaches it and +3 passes it.
    assert all_pairs == Verdict.warn(TOKENS)
    assert all_exhausting == Verdict.exhausted(CALLS)
    assert calls_exhausting == Verdict.exhausted(CALLS)
    assert ledger.spent(TOKENS) == U64_MAX - (1 << 40) + 3
    assert ledger.spent(CALLS) == 1


def test_locked_ledger_snapshot_round_trip():
    ledger = big_ledger((1 << 40) + 17)
    ledger.charge(CALLS, 2)
    copy = big_ledger(0)
    buffer = bytearray(SNAPSHOT_SIZE)
    lock_or_skip()
    try:
        ledger.snapshot_into(buffer)
        copy.restore_spent_from(buffer)
    finally:
        unlock()
    assert copy.spent(TOKENS) == (1 << 40) + 17
    assert copy.spent(CALLS) == 2


def test_locked_undeclared_dim_raises():
    ledger = big_ledger(5)
    raised, wrong_dim, grown = charge_undeclared_locked(ledger, CUSTOM1, 200)
    assert raised == 200
    assert wrong_dim is None
    assert grown <= 0
    assert ledger.spent(TOKENS) == 5


# ---------------------------------------------------------------------------
# Footprint (MicroPython only)
# ---------------------------------------------------------------------------


def heap_of(make):
    """Return the heap bytes that the object make() returns keeps alive.

    The GC scans the stack conservatively, so a stale pointer can keep
    garbage alive for one try; the smallest of five tries avoids that.
    """
    best = None
    for _ in range(5):
        gc.collect()
        before = gc.mem_alloc()
        built = make()
        gc.collect()
        size = gc.mem_alloc() - before
        built = None
        if best is None or size < best:
            best = size
    return best


def test_ledger_smaller_than_budget():
    if not hasattr(gc, "mem_alloc"):
        skip("gc.mem_alloc is MicroPython-only")
    for count in (1, 2, 3, 8):
        declaration = tuple((dim, 1000 + dim, 500) for dim in Dim.ALL[:count])
        builder = make_builder(budgetkernel, declaration)
        policy = builder.build_policy()
        ledger_bytes = heap_of(policy.ledger)
        budget_bytes = heap_of(builder.build)
        print("heap per ledger with %d of 8 dims declared: %d bytes (budget: %d)" % (
            count, ledger_bytes, budget_bytes))
        assert ledger_bytes > 0
        if count == 1:
            # One dim's 8-byte total and the budget's 24-byte record both
            # fit one GC block on 64-bit ports, where blocks are 32 bytes.
            assert ledger_bytes <= budget_bytes, "%d dims: ledger %d > budget %d" % (
                count, ledger_bytes, budget_bytes)
        else:
            assert ledger_bytes < budget_bytes, "%d dims: ledger %d >= budget %d" % (
                count, ledger_bytes, budget_bytes)
