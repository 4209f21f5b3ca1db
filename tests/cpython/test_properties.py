"""CPython-only: property tests of budgetkernel's public API, with hypothesis.

Each property is checked against arithmetic written out in the test, not
against values that the kernel itself returns.
"""

from hypothesis import given
from hypothesis import strategies as st

from budgetkernel import Budget, BuilderError, ChargeError, Dim, Verdict

from _strategies import (
    BOUNDARY_VALUES,
    U64_MAX,
    bad_amounts,
    bad_dims,
    dims,
    property_settings,
)

PROPERTY_SETTINGS = property_settings(300)

u64s = st.one_of(
    st.sampled_from(BOUNDARY_VALUES),
    st.integers(min_value=0, max_value=1000),
    st.integers(min_value=0, max_value=U64_MAX),
)
amounts = st.one_of(
    st.integers(min_value=0, max_value=20),
    st.integers(min_value=0, max_value=2**30),
    u64s,
)


@st.composite
def declarations(draw):
    """Draw {dim: (limit, warn or None)} that build() accepts."""
    chosen = draw(st.lists(dims, min_size=1, max_size=8, unique=True))
    result = {}
    for dim in chosen:
        limit = draw(u64s.filter(lambda value: value > 0))
        warn = None
        if draw(st.booleans()):
            warn = draw(st.one_of(st.just(0), st.just(limit - 1), st.integers(0, limit - 1)))
        result[dim] = (limit, warn)
    return result


def build(declared):
    builder = Budget.builder()
    for dim, (limit, warn) in declared.items():
        if warn is None:
            builder.limit(dim, limit)
        else:
            builder.limit_with_warn(dim, limit, warn)
    return builder.build()


def totals(budget):
    return [budget.spent(dim) for dim in Dim.ALL]


def expected_kind(total, limit, warn):
    """Return Verdict.exhausted or Verdict.warn for total, or None for continue."""
    if total > limit:
        return Verdict.exhausted
    if warn is not None and total > warn:
        return Verdict.warn
    return None


def severity(verdict):
    if verdict.is_exhausted():
        return 2
    if verdict.dimension() is not None:
        return 1
    return 0


@st.composite
def budgets_and_charges(draw):
    """Draw declarations and a list of charges on declared dims, with resets."""
    declared = draw(declarations())
    steps = draw(
        st.lists(
            st.one_of(
                st.tuples(st.sampled_from(sorted(declared)), amounts),
                st.just(None),  # reset
            ),
            max_size=40,
        )
    )
    return declared, steps


@PROPERTY_SETTINGS
@given(budgets_and_charges())
def test_totals_are_saturating_sums_since_reset(case):
    declared, steps = case
    budget = build(declared)
    sums = {dim: 0 for dim in declared}
    for step in steps:
        if step is None:
            budget.reset()
            sums = {dim: 0 for dim in declared}
            continue
        dim, amount = step
        verdict = budget.charge(dim, amount)
        sums[dim] += amount
        total = min(sums[dim], U64_MAX)
        limit, warn = declared[dim]
        assert budget.spent(dim) == total
        assert budget.remaining(dim) == max(limit - total, 0)
        kind = expected_kind(total, limit, warn)
        if kind is None:
            assert verdict == Verdict.CONTINUE
        else:
            assert verdict == kind(dim)


@PROPERTY_SETTINGS
@given(budgets_and_charges())
def test_totals_never_decrease_without_reset(case):
    declared, steps = case
    budget = build(declared)
    before = totals(budget)
    for step in steps:
        if step is None:
            budget.reset()
            before = totals(budget)
            continue
        budget.charge(*step)
        after = totals(budget)
        for dim in declared:
            assert after[dim] >= before[dim]
        before = after


@PROPERTY_SETTINGS
@given(budgets_and_charges())
def test_charge_changes_only_its_own_dimension(case):
    declared, steps = case
    budget = build(declared)
    for step in steps:
        if step is None:
            budget.reset()
            continue
        dim, amount = step
        before = totals(budget)
        budget.charge(dim, amount)
        after = totals(budget)
        for other in Dim.ALL:
            if other != dim:
                assert after[other] == before[other], (dim, other)


@PROPERTY_SETTINGS
@given(budgets_and_charges(), st.lists(st.tuples(bad_dims, amounts), max_size=5),
       st.lists(st.tuples(dims, bad_amounts), max_size=5))
def test_error_never_changes_any_total(case, bad_dim_calls, bad_amount_calls):
    declared, steps = case
    budget = build(declared)
    for step in steps:
        if step is not None:
            budget.charge(*step)
    before = totals(budget)
    undeclared = [dim for dim in Dim.ALL if dim not in declared]
    for dim in undeclared:
        try:
            budget.charge(dim, 1)
            raised = None
        except ChargeError as error:
            raised = error
        assert raised is not None
        assert raised.dim == dim
        assert totals(budget) == before
    for dim, amount in bad_dim_calls + bad_amount_calls:
        try:
            budget.charge(dim, amount)
            raised = None
        except (TypeError, ValueError) as error:
            raised = error
        assert raised is not None, (dim, amount)
        assert totals(budget) == before


@PROPERTY_SETTINGS
@given(budgets_and_charges(), st.lists(st.tuples(st.integers(0, 7), amounts), max_size=20))
def test_reset_restores_fresh_state(case, probe):
    declared, steps = case
    budget = build(declared)
    for step in steps:
        if step is not None:
            budget.charge(*step)
    budget.reset()
    fresh = build(declared)
    for dim in Dim.ALL:
        assert budget.spent(dim) == fresh.spent(dim)
        assert budget.remaining(dim) == fresh.remaining(dim)
    # The reset budget and a fresh one return the same verdicts and totals afterwards.
    for dim, amount in probe:
        if dim not in declared:
            continue
        assert budget.charge(dim, amount) == fresh.charge(dim, amount)
        assert budget.spent(dim) == fresh.spent(dim)


@PROPERTY_SETTINGS
@given(dims, u64s.filter(lambda value: value > 0), st.integers(1, 4))
def test_limit_is_inclusive(dim, limit, parts):
    # Reach the limit exactly in several charges, then pass it by one.
    budget = Budget.builder().limit(dim, limit).build()
    step = limit // parts
    for _ in range(parts - 1):
        assert budget.charge(dim, step) == Verdict.CONTINUE
    assert budget.charge(dim, limit - step * (parts - 1)) == Verdict.CONTINUE
    assert budget.spent(dim) == limit
    assert budget.remaining(dim) == 0
    assert budget.charge(dim, 0) == Verdict.CONTINUE
    if limit == U64_MAX:
        # The total saturates at the limit, so it can never pass it.
        assert budget.charge(dim, 1) == Verdict.CONTINUE
        assert budget.spent(dim) == U64_MAX
    else:
        assert budget.charge(dim, 1) == Verdict.exhausted(dim)
        assert budget.spent(dim) == limit + 1


@PROPERTY_SETTINGS
@given(dims, u64s.filter(lambda value: value > 0), st.data())
def test_warn_comes_strictly_before_exhaustion(dim, limit, data):
    warn = data.draw(st.one_of(st.just(0), st.just(limit - 1), st.integers(0, limit - 1)))
    budget = Budget.builder().limit_with_warn(dim, limit, warn).build()
    assert budget.charge(dim, warn) == Verdict.CONTINUE
    # warn < limit, so warn + 1 is at most the limit and warns.
    assert budget.charge(dim, 1) == Verdict.warn(dim)
    assert budget.charge(dim, 0) == Verdict.warn(dim)
    assert budget.charge(dim, limit - warn - 1) == Verdict.warn(dim)
    assert budget.spent(dim) == limit
    if limit < U64_MAX:
        assert budget.charge(dim, 1) == Verdict.exhausted(dim)

    # A threshold at or above the limit never builds.
    too_high = data.draw(st.integers(limit, U64_MAX))
    try:
        Budget.builder().limit_with_warn(dim, limit, too_high).build()
        raised = None
    except BuilderError as error:
        raised = error
    assert raised is not None
    assert raised.reason == "warn_not_below_limit"
    assert raised.dim == dim


verdicts = st.one_of(
    st.just(Verdict.CONTINUE),
    dims.map(Verdict.warn),
    dims.map(Verdict.exhausted),
)


@PROPERTY_SETTINGS
@given(verdicts, verdicts, verdicts)
def test_worst_is_associative_and_left_biased(a, b, c):
    assert a.worst(b).worst(c) is a.worst(b.worst(c))
    if severity(b) > severity(a):
        assert a.worst(b) is b
    else:
        # On equal severity the left verdict wins, even with another dim.
        assert a.worst(b) is a
    assert severity(a.worst(b)) == max(severity(a), severity(b))


@PROPERTY_SETTINGS
@given(budgets_and_charges(), st.data())
def test_bad_calls_leave_good_results_unchanged(case, data):
    declared, steps = case
    bad_calls = data.draw(
        st.lists(
            st.one_of(
                st.tuples(bad_dims, amounts),
                st.tuples(dims, bad_amounts),
                st.tuples(st.sampled_from([d for d in Dim.ALL if d not in declared] or [8]),
                          amounts),
            ),
            max_size=len(steps) + 3,
        )
    )
    clean = build(declared)
    mixed = build(declared)
    positions = sorted(data.draw(st.integers(0, len(steps))) for _ in bad_calls)
    pending = list(zip(positions, bad_calls))
    for index in range(len(steps) + 1):
        while pending and pending[0][0] == index:
            dim, amount = pending.pop(0)[1]
            try:
                mixed.charge(dim, amount)
                raised = False
            except (TypeError, ValueError, ChargeError):
                raised = True
            assert raised, (dim, amount)
        if index == len(steps):
            break
        step = steps[index]
        if step is None:
            clean.reset()
            mixed.reset()
            continue
        assert mixed.charge(*step) == clean.charge(*step)
        assert totals(mixed) == totals(clean)
    assert totals(mixed) == totals(clean)
    for dim in Dim.ALL:
        assert mixed.remaining(dim) == clean.remaining(dim)
