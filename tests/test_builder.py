"""BudgetBuilder: declarations and the order of build()'s checks."""

from budgetkernel import Budget, BudgetBuilder, BuilderError, Dim, Verdict
from _support import expect_raises

U64_MAX = (1 << 64) - 1


def build_error(builder):
    """Return the BuilderError that builder.build() raises."""
    return expect_raises(BuilderError, builder.build)


def test_builder_returns_a_budget_builder():
    builder = Budget.builder()
    assert type(builder) is BudgetBuilder
    assert builder.limit(Dim.TOKENS, 1) is builder
    assert builder.limit_with_warn(Dim.CALLS, 2, 1) is builder


def test_builder_error_is_a_value_error():
    error = build_error(Budget.builder())
    assert isinstance(error, ValueError)


def test_build_rejects_empty_budget():
    error = build_error(Budget.builder())
    assert error.reason == "no_dimensions"
    assert error.dim is None
    assert str(error) == "budget must declare at least one dimension"


def test_build_rejects_zero_limit():
    error = build_error(Budget.builder().limit(Dim.TOKENS, 0))
    assert error.reason == "zero_limit"
    assert error.dim == Dim.TOKENS
    assert "'tokens'" in str(error)


def test_build_rejects_zero_limit_with_warn():
    error = build_error(Budget.builder().limit_with_warn(Dim.BYTES, 0, 0))
    assert error.reason == "zero_limit"
    assert error.dim == Dim.BYTES


def test_build_rejects_warn_equal_to_limit():
    error = build_error(Budget.builder().limit_with_warn(Dim.TOKENS, 100, 100))
    assert error.reason == "warn_not_below_limit"
    assert error.dim == Dim.TOKENS
    assert "100" in str(error)


def test_build_rejects_warn_above_limit():
    error = build_error(Budget.builder().limit_with_warn(Dim.TOKENS, 100, 101))
    assert error.reason == "warn_not_below_limit"
    assert error.dim == Dim.TOKENS
    assert "101" in str(error)


def test_build_rejects_warn_at_u64_max():
    error = build_error(Budget.builder().limit_with_warn(Dim.MEMORY, U64_MAX, U64_MAX))
    assert error.reason == "warn_not_below_limit"
    assert error.dim == Dim.MEMORY


def test_build_rejects_duplicate_declaration():
    error = build_error(Budget.builder().limit(Dim.TOKENS, 100).limit(Dim.TOKENS, 200))
    assert error.reason == "duplicate_dimension"
    assert error.dim == Dim.TOKENS
    assert str(error) == "dimension 'tokens' declared more than once"


def test_duplicate_reports_first_dimension_seen_twice():
    builder = (Budget.builder()
               .limit(Dim.CALLS, 1)
               .limit(Dim.BYTES, 1)
               .limit(Dim.BYTES, 2)
               .limit_with_warn(Dim.CALLS, 5, 1))
    error = build_error(builder)
    assert error.reason == "duplicate_dimension"
    assert error.dim == Dim.BYTES


def test_duplicate_wins_over_zero_limit():
    builder = Budget.builder().limit(Dim.TOKENS, 0).limit(Dim.MILLIS, 5).limit(Dim.MILLIS, 5)
    error = build_error(builder)
    assert error.reason == "duplicate_dimension"
    assert error.dim == Dim.MILLIS


def test_per_dimension_checks_follow_dim_order():
    # Declared in reverse order, yet the lower dimension is reported first.
    builder = Budget.builder().limit_with_warn(Dim.CUSTOM2, 10, 10).limit(Dim.MILLIS, 0)
    error = build_error(builder)
    assert error.reason == "zero_limit"
    assert error.dim == Dim.MILLIS

    builder = Budget.builder().limit(Dim.CUSTOM2, 0).limit_with_warn(Dim.MILLIS, 10, 10)
    error = build_error(builder)
    assert error.reason == "warn_not_below_limit"
    assert error.dim == Dim.MILLIS


def test_build_accepts_single_dimension():
    budget = Budget.builder().limit(Dim.TOKENS, 100).build()
    assert budget.remaining(Dim.TOKENS) == 100
    assert budget.spent(Dim.TOKENS) == 0


def test_build_accepts_all_dimensions():
    builder = Budget.builder()
    for dim in Dim.ALL:
        builder = builder.limit(dim, 1)
    budget = builder.build()
    for dim in Dim.ALL:
        assert budget.charge(dim, 1) == Verdict.CONTINUE


def test_build_accepts_warn_zero_and_limit_one():
    budget = Budget.builder().limit_with_warn(Dim.CALLS, 1, 0).build()
    assert budget.charge(Dim.CALLS, 1) == Verdict.warn(Dim.CALLS)


def test_build_twice_gives_independent_budgets():
    builder = Budget.builder().limit(Dim.TOKENS, 10)
    first = builder.build()
    second = builder.build()
    first.charge(Dim.TOKENS, 7)
    assert first.spent(Dim.TOKENS) == 7
    assert second.spent(Dim.TOKENS) == 0
