"""Totals, limits and amounts where MicroPython changes int representation.

Small ints end at 2**30 - 1 on 32-bit ports and 2**62 - 1 on 64-bit ones,
and the kernel's own window is 2**28 wide. Each case is checked against a
plain-int computation of the rules, independent of how the kernel stores
its totals.
"""

from budgetkernel import Budget, Dim, Verdict

U64_MAX = (1 << 64) - 1

POINTS = (1 << 28, 1 << 29, 1 << 30, 1 << 31, 1 << 32, 1 << 62, 1 << 63, U64_MAX)


def expected_verdict(dim, total, limit, warn):
    """Return the verdict the rules give for total, with plain ints."""
    if total > limit:
        return Verdict.exhausted(dim)
    if warn is not None and total > warn:
        return Verdict.warn(dim)
    return Verdict.CONTINUE


def near(point):
    """Return point - 1, point and point + 1 where they are valid u64 values."""
    return [value for value in (point - 1, point, point + 1) if 0 <= value <= U64_MAX]


def check_sequence(limit, warn, amounts):
    builder = Budget.builder()
    if warn is None:
        builder.limit(Dim.MEMORY, limit)
    else:
        builder.limit_with_warn(Dim.MEMORY, limit, warn)
    budget = builder.build()
    total = 0
    for amount in amounts:
        total = min(total + amount, U64_MAX)
        verdict = budget.charge(Dim.MEMORY, amount)
        expected = expected_verdict(Dim.MEMORY, total, limit, warn)
        assert verdict == expected, (limit, warn, amounts, verdict)
        assert budget.spent(Dim.MEMORY) == total
        assert budget.remaining(Dim.MEMORY) == max(limit - total, 0)


def test_single_charges_around_each_limit():
    for point in POINTS:
        for limit in near(point):
            for amount in near(limit) + [0, 1]:
                check_sequence(limit, None, [amount])


def test_totals_cross_each_point_in_small_steps():
    for point in POINTS:
        start = point - 3 if point >= 3 else 0
        check_sequence(U64_MAX, None, [start, 1, 1, 1, 1, 1, 1, 0])


def test_warn_and_limit_around_each_point():
    for point in POINTS:
        if point == U64_MAX:
            warn, limit = U64_MAX - 1, U64_MAX
        else:
            warn, limit = point, point + 1
        check_sequence(limit, warn, [warn - 1, 1, 1, 1, 0, 1])
        check_sequence(limit, warn, [warn, 0, 2])
        check_sequence(limit, warn, [limit, 0])


def test_window_sized_amounts_march_through_u64():
    # Charges of just under 2**29 move the total across every window and
    # band edge the kernel keeps, up to saturation.
    step = (1 << 29) - 1
    limit = (1 << 32) + 7
    check_sequence(limit, 1 << 31, [step] * 10)
    check_sequence(U64_MAX, U64_MAX - 3 * step, [U64_MAX - 4 * step] + [step] * 6)


def test_large_amounts_saturate():
    check_sequence(U64_MAX - 1, 1 << 63, [1 << 63, 1 << 63, 1 << 63, 0, 5])
    check_sequence(1 << 62, None, [U64_MAX, U64_MAX, 0])
    check_sequence(1, 0, [U64_MAX])


def test_limit_of_each_point_exhausts_one_past_it():
    for point in POINTS[:-1]:
        budget = Budget.builder().limit(Dim.CUSTOM0, point).build()
        assert budget.charge(Dim.CUSTOM0, point) == Verdict.CONTINUE
        assert budget.remaining(Dim.CUSTOM0) == 0
        assert budget.charge(Dim.CUSTOM0, 1) == Verdict.exhausted(Dim.CUSTOM0)
        assert budget.spent(Dim.CUSTOM0) == point + 1
