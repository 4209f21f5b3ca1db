"""Bad input: the right exception, a message naming the value, nothing lost."""

from budgetkernel import Budget, BuilderError, Dim, Verdict
from _support import BAD_COUNTS, BAD_DIMS, expect_raises, totals

U64_MAX = (1 << 64) - 1


def charged_budget():
    """Return a budget with a warning total on TOKENS and a total on CALLS."""
    budget = (Budget.builder()
              .limit_with_warn(Dim.TOKENS, 100, 50)
              .limit(Dim.CALLS, 1 << 40)
              .build())
    budget.charge(Dim.TOKENS, 60)
    budget.charge(Dim.CALLS, (1 << 33) + 5)
    return budget


def check_message(error, value):
    message = str(error)
    assert repr(value) in message, message


def test_charge_rejects_bad_dims_without_change():
    budget = charged_budget()
    before = totals(budget)
    for value, exc_type in BAD_DIMS:
        error = expect_raises(exc_type, budget.charge, value, 1)
        check_message(error, value)
        assert "0..7" in str(error)
        assert totals(budget) == before
    assert budget.charge(Dim.TOKENS, 0) == Verdict.warn(Dim.TOKENS)


def test_charge_rejects_bad_amounts_without_change():
    budget = charged_budget()
    before = totals(budget)
    for dim in (Dim.TOKENS, Dim.CALLS):
        for value, exc_type in BAD_COUNTS:
            error = expect_raises(exc_type, budget.charge, dim, value)
            check_message(error, value)
            assert "amount" in str(error)
            assert "0..2**64-1" in str(error)
            assert totals(budget) == before
    assert budget.charge(Dim.CALLS, 0) == Verdict.CONTINUE


def test_bad_amount_reported_before_undeclared_dim():
    budget = charged_budget()
    expect_raises(TypeError, budget.charge, Dim.BYTES, 1.5)
    expect_raises(ValueError, budget.charge, Dim.BYTES, -1)


def test_queries_reject_bad_dims():
    budget = charged_budget()
    for value, exc_type in BAD_DIMS:
        check_message(expect_raises(exc_type, budget.spent, value), value)
        check_message(expect_raises(exc_type, budget.remaining, value), value)


def test_limit_rejects_bad_values_without_change():
    for value, exc_type in BAD_DIMS:
        builder = Budget.builder().limit(Dim.CALLS, 5)
        check_message(expect_raises(exc_type, builder.limit, value, 10), value)
        assert builder.build().spent(Dim.TOKENS) is None
    for value, exc_type in BAD_COUNTS:
        builder = Budget.builder().limit(Dim.CALLS, 5)
        error = expect_raises(exc_type, builder.limit, Dim.TOKENS, value)
        check_message(error, value)
        assert "limit" in str(error)
        # The rejected call declared nothing, so TOKENS is still free.
        budget = builder.limit(Dim.TOKENS, 7).build()
        assert budget.remaining(Dim.TOKENS) == 7


def test_limit_with_warn_rejects_bad_values_without_change():
    for value, exc_type in BAD_DIMS:
        builder = Budget.builder().limit(Dim.CALLS, 5)
        expect_raises(exc_type, builder.limit_with_warn, value, 10, 5)
        assert builder.build().remaining(Dim.CALLS) == 5
    for value, exc_type in BAD_COUNTS:
        builder = Budget.builder()
        error = expect_raises(exc_type, builder.limit_with_warn, Dim.TOKENS, value, 5)
        assert "limit" in str(error)
        error = expect_raises(exc_type, builder.limit_with_warn, Dim.TOKENS, 10, value)
        check_message(error, value)
        assert "warn" in str(error)
        budget = builder.limit_with_warn(Dim.TOKENS, 10, 5).build()
        assert budget.charge(Dim.TOKENS, 6) == Verdict.warn(Dim.TOKENS)


def test_empty_builder_stays_empty_after_bad_call():
    builder = Budget.builder()
    expect_raises(TypeError, builder.limit, Dim.TOKENS, 1.0)
    error = expect_raises(BuilderError, builder.build)
    assert error.reason == "no_dimensions"


def test_messages_state_the_valid_range():
    budget = charged_budget()
    error = expect_raises(ValueError, budget.charge, 8, 1)
    assert str(error) == "dim must be an int in 0..7, got 8"
    error = expect_raises(TypeError, budget.charge, Dim.TOKENS, True)
    assert str(error) == "amount must be an int in 0..2**64-1, got True"
