"""No heap allocation on the hot path, checked with MicroPython's heap lock.

micropython.heap_lock() makes every heap allocation raise MemoryError, so
a call that returns normally under the lock did not allocate. CPython has
no such lock, so these tests skip there. Budgets are built and totals
moved to their starting points before the lock is taken.
"""

from budgetkernel import Budget, Dim, Verdict
from _support import (
    BAD_COUNTS,
    BAD_DIMS,
    call_locked,
    charge_locked,
    charge_undeclared_locked,
    lock_or_skip,
    totals,
    unlock,
)

U64_MAX = (1 << 64) - 1

# Just below the window of 2**28, just below 2**29, and 2**30 - 1, the
# largest small int on 32-bit ports: one on the fast path, two on the slow.
SMALL_AMOUNTS = ((1 << 28) - 1, (1 << 29) - 1, (1 << 30) - 1)


def big_budget(start):
    """Return a budget whose TOKENS total is start, with warn and limit above it."""
    budget = (Budget.builder()
              .limit_with_warn(Dim.TOKENS, U64_MAX - 1, U64_MAX - (1 << 40))
              .limit(Dim.CALLS, 3)
              .build())
    if start:
        budget.charge(Dim.TOKENS, start)
    return budget


def test_charge_continue_path_does_not_allocate():
    budget = big_budget(0)
    last, worst = charge_locked(budget, Dim.TOKENS, (0, 1, 1000) + SMALL_AMOUNTS, 20)
    assert last == Verdict.CONTINUE
    assert worst == Verdict.CONTINUE
    assert budget.spent(Dim.TOKENS) == 20 * (1001 + sum(SMALL_AMOUNTS))


def test_charge_across_u64_range_does_not_allocate():
    # Start at each representation edge, then cross it with small charges.
    for start in (1 << 30, (1 << 31) - 5, 1 << 32, (1 << 62) - 2, (1 << 63) - 1):
        budget = big_budget(start)
        last, _ = charge_locked(budget, Dim.TOKENS, SMALL_AMOUNTS + (3,), 8)
        assert last == Verdict.CONTINUE
        assert budget.spent(Dim.TOKENS) == start + 8 * (sum(SMALL_AMOUNTS) + 3)


def test_charge_warn_path_does_not_allocate():
    budget = big_budget(U64_MAX - (1 << 40) + 1)
    last, worst = charge_locked(budget, Dim.TOKENS, (0, 7) + SMALL_AMOUNTS, 30)
    assert last == Verdict.warn(Dim.TOKENS)
    assert worst == Verdict.warn(Dim.TOKENS)


def test_charge_exhausted_and_saturated_does_not_allocate():
    budget = big_budget(U64_MAX - 10)
    last, worst = charge_locked(budget, Dim.TOKENS, (0, 9, 1) + SMALL_AMOUNTS, 30)
    assert last == Verdict.exhausted(Dim.TOKENS)
    assert worst == Verdict.exhausted(Dim.TOKENS)
    assert budget.spent(Dim.TOKENS) == U64_MAX

    small = big_budget(0)
    last, _ = charge_locked(small, Dim.CALLS, (1, 1, 1, 1, 0, 1), 50)
    assert last == Verdict.exhausted(Dim.CALLS)
    assert small.spent(Dim.CALLS) == 250


def test_reset_and_verdict_methods_do_not_allocate():
    budget = big_budget(1 << 63)
    budget.charge(Dim.CALLS, 9)
    exhausted = Verdict.exhausted(Dim.CALLS)
    warn = Verdict.warn(Dim.BYTES)
    lock_or_skip()
    try:
        budget.reset()
        exhausted_continues = exhausted.is_continuing()
        exhausted_exhausts = exhausted.is_exhausted()
        warn_continues = warn.is_continuing()
        continue_exhausts = Verdict.CONTINUE.is_exhausted()
        worst = Verdict.CONTINUE.worst(warn).worst(exhausted).worst(warn)
        dim = worst.dimension()
        none = Verdict.CONTINUE.dimension()
        equal = worst == exhausted
        hashed = hash(exhausted) == hash(Verdict.exhausted(Dim.CALLS))
    finally:
        unlock()
    assert not exhausted_continues
    assert exhausted_exhausts
    assert warn_continues
    assert not continue_exhausts
    assert worst is exhausted
    assert dim == Dim.CALLS
    assert none is None
    assert equal
    assert hashed
    assert budget.spent(Dim.TOKENS) == 0
    assert budget.spent(Dim.CALLS) == 0


def test_small_queries_do_not_allocate_at_any_total():
    budget = (Budget.builder()
              .limit(Dim.BYTES, U64_MAX)
              .limit(Dim.MEMORY, (1 << 62) + 1000)
              .build())
    budget.charge(Dim.BYTES, 1000)
    budget.charge(Dim.MEMORY, 1 << 62)
    lock_or_skip()
    try:
        spent_small = budget.spent(Dim.BYTES)
        remaining_small = budget.remaining(Dim.MEMORY)
        missing = budget.spent(Dim.TOKENS)
    finally:
        unlock()
    assert spent_small == 1000
    assert remaining_small == 1000
    assert missing is None


def test_undeclared_dim_raises_charge_error_under_lock():
    budget = big_budget(5)
    raised, wrong_dim, grown = charge_undeclared_locked(budget, Dim.CUSTOM1, 200)
    assert raised == 200
    assert wrong_dim is None
    assert grown <= 0
    assert budget.spent(Dim.TOKENS) == 5


def test_long_int_amount_allocates_and_changes_nothing():
    # Known limitation: an amount that is already a long int costs the
    # caller an allocation. Under the lock that is a MemoryError, and the
    # budget must come out of it unchanged.
    budget = big_budget((1 << 31) + 3)
    outcome = call_locked(lambda: budget.charge(Dim.TOKENS, 1 << 63))
    assert outcome is MemoryError
    assert budget.spent(Dim.TOKENS) == (1 << 31) + 3
    assert budget.charge(Dim.TOKENS, 1) == Verdict.CONTINUE
    assert budget.spent(Dim.TOKENS) == (1 << 31) + 4


def long_int_object(value):
    """Return value as the result of long-int arithmetic.

    MicroPython can return such a result as a long-int object even when the
    value is small; CPython returns a plain int.
    """
    return divmod((1 << 70) + value, 1 << 70)[1]


def dim_budget():
    """Return a budget with TOKENS at 10 of a limit of 100 and a warn threshold of 50."""
    budget = (Budget.builder()
              .limit_with_warn(Dim.TOKENS, 100, 50)
              .limit(Dim.CALLS, 10)
              .build())
    budget.charge(Dim.TOKENS, 10)
    return budget


def test_long_int_object_dim_acts_as_its_value():
    budget = dim_budget()
    tokens = long_int_object(Dim.TOKENS)
    calls = long_int_object(Dim.CALLS)
    assert tokens == Dim.TOKENS
    assert budget.preview(tokens, 45) == Verdict.warn(Dim.TOKENS)
    assert budget.charge(tokens, 45) == Verdict.warn(Dim.TOKENS)
    assert budget.charge(tokens, 1) == Verdict.warn(Dim.TOKENS)
    assert budget.try_charge(tokens, 50) == Verdict.exhausted(Dim.TOKENS)
    assert budget.try_charge_all(((calls, 4), (tokens, 4))) == Verdict.warn(Dim.TOKENS)
    assert budget.spent(tokens) == 60
    assert budget.remaining(calls) == 6


def test_locked_long_int_dim_keeps_state():
    # Under the lock, arithmetic on a dim held as a long int may raise
    # MemoryError. The charge must then change nothing; otherwise it must
    # return charge()'s usual verdict. A twin budget, charged with plain dims
    # only when the locked charge went through, must end up identical.
    budget = dim_budget()
    twin = dim_budget()
    tokens = long_int_object(Dim.TOKENS)
    # 45 crosses the warn threshold (slow path), 1 stays in the window,
    # 60 crosses the limit, and 2 charges an exhausted dim.
    for amount in (45, 1, 60, 2):
        before = budget.spent(Dim.TOKENS)
        verdict = call_locked(lambda: budget.charge(tokens, amount))
        if verdict is MemoryError:
            assert budget.spent(Dim.TOKENS) == before, amount
        else:
            assert verdict == twin.charge(Dim.TOKENS, amount), amount
        assert budget.spent(Dim.TOKENS) == twin.spent(Dim.TOKENS), amount
        assert budget.charge(Dim.TOKENS, 0) == twin.charge(Dim.TOKENS, 0), amount


def test_locked_long_int_dim_admission_keeps_state():
    # As above for preview(), try_charge() and try_charge_all(): each either
    # raises MemoryError and changes nothing, or acts like the twin.
    budget = dim_budget()
    twin = dim_budget()
    tokens = long_int_object(Dim.TOKENS)
    steps = (
        ("preview", 45), ("try", 1), ("all", 45), ("try", 30), ("all", 60), ("preview", 2),
    )
    for call, amount in steps:
        before = totals(budget)
        if call == "preview":
            verdict = call_locked(lambda: budget.preview(tokens, amount))
        elif call == "try":
            verdict = call_locked(lambda: budget.try_charge(tokens, amount))
        else:
            pairs = ((Dim.CALLS, 1), (tokens, amount))
            verdict = call_locked(lambda: budget.try_charge_all(pairs))
        if verdict is MemoryError:
            assert totals(budget) == before, (call, amount)
        elif call == "preview":
            assert verdict == twin.preview(Dim.TOKENS, amount), (call, amount)
        elif call == "try":
            assert verdict == twin.try_charge(Dim.TOKENS, amount), (call, amount)
        else:
            expected = twin.try_charge_all(((Dim.CALLS, 1), (Dim.TOKENS, amount)))
            assert verdict == expected, (call, amount)
        assert totals(budget) == totals(twin), (call, amount)
        assert budget.charge(Dim.TOKENS, 0) == twin.charge(Dim.TOKENS, 0), (call, amount)


def test_locked_bad_input_changes_nothing():
    # A TypeError or ValueError message is formatted on the heap, so under
    # the lock it may become a MemoryError. Either way nothing changes.
    budget = dim_budget()
    before = totals(budget)
    inputs = [(value, 1, exc_type) for value, exc_type in BAD_DIMS]
    inputs += [(Dim.TOKENS, value, exc_type) for value, exc_type in BAD_COUNTS]
    for dim, amount, exc_type in inputs:
        for call in (budget.charge, budget.preview, budget.try_charge):
            lock_or_skip()
            try:
                call(dim, amount)
                raised = None
            except Exception as error:
                raised = type(error)
            finally:
                unlock()
            assert raised is exc_type or raised is MemoryError, (dim, amount, raised)
            assert totals(budget) == before, (dim, amount)
