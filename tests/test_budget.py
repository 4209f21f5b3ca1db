"""Budget: charging, verdicts, queries and reset."""

from budgetkernel import Budget, ChargeError, Dim, Verdict
from _support import expect_raises, totals

U64_MAX = (1 << 64) - 1


def tokens_budget(limit=100):
    return Budget.builder().limit(Dim.TOKENS, limit).build()


def tokens_with_warn(limit=100, warn=80):
    return Budget.builder().limit_with_warn(Dim.TOKENS, limit, warn).build()


def test_module_docstring_example():
    import budgetkernel

    doc = getattr(budgetkernel, "__doc__", None)
    if doc is None:
        # MicroPython drops docstrings at compile time; CPython checks it.
        return
    start = doc.index("    from budgetkernel import")
    end = doc.index("\nSemantics", start)
    lines = [line[4:] for line in doc[start:end].split("\n")]
    namespace = {}
    exec("\n".join(lines), namespace)
    assert namespace["budget"].spent(Dim.TOKENS) == 850


def test_charge_unknown_dim_returns_error():
    budget = tokens_budget()
    error = expect_raises(ChargeError, budget.charge, Dim.BYTES, 1)
    assert error.dim == Dim.BYTES
    assert str(error) == "dimension 'bytes' was not declared in this budget"
    assert isinstance(error, LookupError)
    assert totals(budget) == [0, None, None, None, None, None, None, None]


def test_charge_below_limit_returns_continue():
    assert tokens_budget().charge(Dim.TOKENS, 50) == Verdict.CONTINUE


def test_charge_exactly_to_limit_returns_continue():
    assert tokens_budget().charge(Dim.TOKENS, 100) == Verdict.CONTINUE


def test_charge_one_past_limit_returns_exhausted():
    assert tokens_budget().charge(Dim.TOKENS, 101) == Verdict.exhausted(Dim.TOKENS)


def test_charge_incremental_to_exact_limit_returns_continue():
    budget = tokens_budget()
    assert budget.charge(Dim.TOKENS, 40) == Verdict.CONTINUE
    assert budget.charge(Dim.TOKENS, 60) == Verdict.CONTINUE


def test_charge_incremental_past_limit_returns_exhausted():
    budget = tokens_budget()
    assert budget.charge(Dim.TOKENS, 40) == Verdict.CONTINUE
    assert budget.charge(Dim.TOKENS, 61) == Verdict.exhausted(Dim.TOKENS)


def test_charge_to_warn_threshold_returns_continue():
    budget = tokens_with_warn()
    assert budget.charge(Dim.TOKENS, 80) == Verdict.CONTINUE


def test_charge_crosses_warn_returns_warn():
    assert tokens_with_warn().charge(Dim.TOKENS, 81) == Verdict.warn(Dim.TOKENS)


def test_warn_fires_every_call_above_threshold():
    budget = tokens_with_warn()
    assert budget.charge(Dim.TOKENS, 81) == Verdict.warn(Dim.TOKENS)
    for _ in range(19):
        assert budget.charge(Dim.TOKENS, 1) == Verdict.warn(Dim.TOKENS)
    assert budget.spent(Dim.TOKENS) == 100
    assert budget.charge(Dim.TOKENS, 1) == Verdict.exhausted(Dim.TOKENS)


def test_charge_past_limit_reports_exhausted_not_warn():
    assert tokens_with_warn().charge(Dim.TOKENS, 101) == Verdict.exhausted(Dim.TOKENS)


def test_spent_is_recorded_on_exhaustion():
    budget = tokens_with_warn()
    budget.charge(Dim.TOKENS, 90)
    assert budget.charge(Dim.TOKENS, 500) == Verdict.exhausted(Dim.TOKENS)
    assert budget.spent(Dim.TOKENS) == 590
    assert budget.charge(Dim.TOKENS, 10) == Verdict.exhausted(Dim.TOKENS)
    assert budget.spent(Dim.TOKENS) == 600


def test_charge_saturates_at_u64_max():
    budget = tokens_budget(U64_MAX - 1)
    assert budget.charge(Dim.TOKENS, U64_MAX - 1) == Verdict.CONTINUE
    assert budget.charge(Dim.TOKENS, 10) == Verdict.exhausted(Dim.TOKENS)
    assert budget.spent(Dim.TOKENS) == U64_MAX
    assert budget.remaining(Dim.TOKENS) == 0


def test_limit_at_u64_max_never_exhausts():
    budget = tokens_with_warn(U64_MAX, U64_MAX - 1)
    assert budget.charge(Dim.TOKENS, U64_MAX - 1) == Verdict.CONTINUE
    assert budget.charge(Dim.TOKENS, 1) == Verdict.warn(Dim.TOKENS)
    assert budget.charge(Dim.TOKENS, U64_MAX) == Verdict.warn(Dim.TOKENS)
    assert budget.charge(Dim.TOKENS, 1) == Verdict.warn(Dim.TOKENS)
    assert budget.spent(Dim.TOKENS) == U64_MAX
    assert budget.remaining(Dim.TOKENS) == 0


def test_charge_independent_across_dimensions():
    budget = (Budget.builder()
              .limit(Dim.TOKENS, 100)
              .limit_with_warn(Dim.BYTES, 1000, 500)
              .build())
    assert budget.charge(Dim.TOKENS, 100) == Verdict.CONTINUE
    assert budget.charge(Dim.BYTES, 600) == Verdict.warn(Dim.BYTES)
    assert budget.spent(Dim.TOKENS) == 100
    assert budget.spent(Dim.BYTES) == 600
    assert budget.charge(Dim.TOKENS, 1) == Verdict.exhausted(Dim.TOKENS)
    assert budget.spent(Dim.BYTES) == 600


def test_remaining_reports_headroom():
    budget = tokens_budget()
    assert budget.charge(Dim.TOKENS, 30) == Verdict.CONTINUE
    assert budget.remaining(Dim.TOKENS) == 70


def test_remaining_saturates_at_zero_on_exhaustion():
    budget = tokens_budget()
    assert budget.charge(Dim.TOKENS, 200) == Verdict.exhausted(Dim.TOKENS)
    assert budget.remaining(Dim.TOKENS) == 0


def test_remaining_none_for_undeclared_dim():
    assert tokens_budget().remaining(Dim.BYTES) is None


def test_spent_reports_zero_before_first_charge():
    assert tokens_budget().spent(Dim.TOKENS) == 0


def test_spent_none_for_undeclared_dim():
    assert tokens_budget().spent(Dim.BYTES) is None


def test_reset_zeros_spent_preserves_limits():
    budget = tokens_with_warn()
    assert budget.charge(Dim.TOKENS, 90) == Verdict.warn(Dim.TOKENS)
    budget.reset()
    assert budget.spent(Dim.TOKENS) == 0
    assert budget.remaining(Dim.TOKENS) == 100
    assert budget.charge(Dim.TOKENS, 100) == Verdict.warn(Dim.TOKENS)


def test_reset_after_saturation_restores_fresh_state():
    budget = tokens_with_warn(U64_MAX - 5, 7)
    budget.charge(Dim.TOKENS, U64_MAX)
    budget.reset()
    assert budget.spent(Dim.TOKENS) == 0
    assert budget.remaining(Dim.TOKENS) == U64_MAX - 5
    assert budget.charge(Dim.TOKENS, 7) == Verdict.CONTINUE
    assert budget.charge(Dim.TOKENS, 1) == Verdict.warn(Dim.TOKENS)


def test_reset_on_fresh_budget_is_noop():
    budget = tokens_budget()
    budget.reset()
    assert budget.spent(Dim.TOKENS) == 0
    assert budget.remaining(Dim.TOKENS) == 100


def test_charge_zero_polls_state_without_consuming_budget():
    budget = tokens_budget()
    assert budget.charge(Dim.TOKENS, 50) == Verdict.CONTINUE
    assert budget.charge(Dim.TOKENS, 0) == Verdict.CONTINUE
    assert budget.spent(Dim.TOKENS) == 50


def test_charge_zero_reports_warn_while_warning():
    budget = tokens_with_warn()
    budget.charge(Dim.TOKENS, 100)
    assert budget.charge(Dim.TOKENS, 0) == Verdict.warn(Dim.TOKENS)
    assert budget.spent(Dim.TOKENS) == 100


def test_charge_zero_reports_exhausted_when_already_exhausted():
    budget = tokens_budget()
    assert budget.charge(Dim.TOKENS, 200) == Verdict.exhausted(Dim.TOKENS)
    assert budget.charge(Dim.TOKENS, 0) == Verdict.exhausted(Dim.TOKENS)
    assert budget.spent(Dim.TOKENS) == 200


def test_warn_zero_fires_on_positive_charge_and_zero_poll_afterward():
    budget = tokens_with_warn(100, 0)
    assert budget.charge(Dim.TOKENS, 0) == Verdict.CONTINUE
    assert budget.charge(Dim.TOKENS, 1) == Verdict.warn(Dim.TOKENS)
    assert budget.charge(Dim.TOKENS, 0) == Verdict.warn(Dim.TOKENS)


def test_limit_one_allows_exactly_one_unit():
    budget = Budget.builder().limit(Dim.CALLS, 1).build()
    assert budget.charge(Dim.CALLS, 1) == Verdict.CONTINUE
    assert budget.charge(Dim.CALLS, 0) == Verdict.CONTINUE
    assert budget.charge(Dim.CALLS, 1) == Verdict.exhausted(Dim.CALLS)


def test_every_dimension_charges_its_own_total():
    builder = Budget.builder()
    for dim in Dim.ALL:
        builder.limit_with_warn(dim, 100 + dim, 50)
    budget = builder.build()
    for dim in Dim.ALL:
        budget.charge(dim, dim * 10)
    assert totals(budget) == [0, 10, 20, 30, 40, 50, 60, 70]
    for dim in Dim.ALL:
        assert budget.remaining(dim) == 100 + dim - dim * 10
