"""Helpers shared by the test files, for pytest on CPython and for mprun.py.

The shared tests use plain functions and bare asserts, so that the same
files run on MicroPython, where pytest does not exist.
"""

try:
    import pytest
except ImportError:
    pytest = None

import gc

import budgetkernel
from budgetkernel import ChargeError, Dim, Verdict

try:
    import micropython
except ImportError:
    micropython = None


class SkipTest(Exception):
    """Raised by a test that cannot run on this runtime; mprun.py counts it."""


def skip(reason):
    """Skip the calling test: through pytest where it runs, else SkipTest."""
    if pytest is not None:
        pytest.skip(reason)
    raise SkipTest(reason)


def expect_raises(exc_type, function, *args):
    """Call function(*args), assert it raises exactly exc_type, return the error."""
    try:
        function(*args)
    except Exception as error:
        assert type(error) is exc_type, "expected %s, got %r" % (exc_type.__name__, error)
        return error
    raise AssertionError("expected %s, nothing was raised" % exc_type.__name__)


def totals(budget):
    """Return spent() for every dimension, None where undeclared."""
    return [budget.spent(dim) for dim in Dim.ALL]


def lock_or_skip():
    """Lock the heap, or skip the calling test where there is no heap lock."""
    if micropython is None or not hasattr(micropython, "heap_lock"):
        skip("heap_lock is MicroPython-only")
    micropython.heap_lock()


def unlock():
    """Unlock the heap that lock_or_skip() locked."""
    micropython.heap_unlock()


def charge_locked(account, dim, amounts, rounds):
    """Charge every amount rounds times with the heap locked; return the verdicts.

    account is a Budget or a Ledger. Returns the last verdict and the worst.
    """
    last = None
    worst = Verdict.CONTINUE
    lock_or_skip()
    try:
        for _ in range(rounds):
            for amount in amounts:
                last = account.charge(dim, amount)
                worst = worst.worst(last)
    finally:
        unlock()
    return last, worst


def call_locked(call):
    """Return call() run with the heap locked, or MemoryError (the class) if it raised that.

    call takes no arguments and is made before the lock is taken.
    """
    lock_or_skip()
    try:
        return call()
    except MemoryError:
        return MemoryError
    finally:
        unlock()


def charge_undeclared_locked(account, dim, count):
    """Charge the undeclared dim count times with the heap locked.

    Returns how many calls raised ChargeError, a wrong dim that an error
    named (None if every error named dim), and how many bytes the heap grew
    by (0 where gc.mem_alloc() is missing).
    """
    mem_alloc = getattr(gc, "mem_alloc", None)
    gc.collect()
    before = mem_alloc() if mem_alloc else 0
    raised = 0
    wrong_dim = None
    lock_or_skip()
    try:
        for _ in range(count):
            try:
                account.charge(dim, 1)
            except ChargeError as error:
                raised += 1
                if error.dim != dim:
                    wrong_dim = error.dim
    finally:
        unlock()
    gc.collect()
    grown = mem_alloc() - before if mem_alloc else 0
    return raised, wrong_dim, grown


def make_builder(module, declaration):
    """Return module's builder with declaration's (dim, limit, warn or None) applied.

    module is budgetkernel or the reference model, which share the builder API.
    """
    builder = module.Budget.builder()
    for dim, limit, warn in declaration:
        if warn is None:
            builder.limit(dim, limit)
        else:
            builder.limit_with_warn(dim, limit, warn)
    return builder


def make_policy(declaration):
    """Return a budgetkernel Policy with declaration's (dim, limit, warn or None) applied."""
    return make_builder(budgetkernel, declaration).build_policy()


U64_MAX = (1 << 64) - 1


class IntSubclass(int):
    """An int subclass, which the kernel rejects like any other non-int."""


class Indexable:
    """An object that CPython's list indexing takes as 2, though it is not an int."""

    def __index__(self):
        return 2


# (value, exception) pairs: an int out of range is a ValueError, anything
# that is not an exact int (bool and int subclasses included) is a
# TypeError. -9 and -17 would name a room if used as a list index.
BAD_DIMS = (
    (8, ValueError),
    (-1, ValueError),
    (-8, ValueError),
    (-9, ValueError),
    (-17, ValueError),
    (1 << 70, ValueError),
    (IntSubclass(3), TypeError),
    (Indexable(), TypeError),
    ("tokens", TypeError),
    (None, TypeError),
    (1.0, TypeError),
    (True, TypeError),
    (False, TypeError),
)

BAD_COUNTS = (
    (-1, ValueError),
    (-(1 << 64), ValueError),
    (1 << 64, ValueError),
    (U64_MAX + 1, ValueError),
    (1 << 100, ValueError),
    (1.5, TypeError),
    (1.0, TypeError),
    (True, TypeError),
    (False, TypeError),
    (IntSubclass(1), TypeError),
    ("1", TypeError),
    (None, TypeError),
)
