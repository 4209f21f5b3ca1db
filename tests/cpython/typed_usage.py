"""Use every public name of budgetkernel with full annotations.

test_types.py runs mypy --strict on this file, so a stub that loses a name
or gets a type wrong fails there. test_typed_usage_runs runs it too, so
the file also stays true to the module at run time.
"""

import budgetkernel
from budgetkernel import (
    MAX_DIMS,
    Budget,
    BudgetBuilder,
    BuilderError,
    ChargeError,
    Dim,
    Verdict,
)


def exercise() -> list[str]:
    """Call every public name once and return a line per result."""
    lines: list[str] = []
    version: str = budgetkernel.__version__
    dims: tuple[int, ...] = Dim.ALL
    lines.append("version %s, %d of %d dims" % (version, len(dims), MAX_DIMS))

    constants: list[int] = [
        Dim.TOKENS,
        Dim.MILLIS,
        Dim.BYTES,
        Dim.CALLS,
        Dim.MEMORY,
        Dim.CUSTOM0,
        Dim.CUSTOM1,
        Dim.CUSTOM2,
    ]
    names: list[str] = [Dim.name(dim) for dim in constants]
    lines.append(" ".join(names))

    builder: BudgetBuilder = Budget.builder()
    builder = builder.limit_with_warn(Dim.TOKENS, 100, 80).limit(Dim.CALLS, 2)
    budget: Budget = builder.build()

    verdict: Verdict = budget.charge(Dim.TOKENS, 90)
    warned: bool = verdict == Verdict.warn(Dim.TOKENS)
    continuing: bool = verdict.is_continuing()
    dimension: int | None = verdict.dimension()
    lines.append("warn %s continuing %s dim %s" % (warned, continuing, dimension))

    over: Verdict = budget.charge(Dim.TOKENS, 20)
    exhausted: bool = over.is_exhausted()
    worst: Verdict = Verdict.CONTINUE.worst(over)
    lines.append("exhausted %s worst %r same %s" % (exhausted, worst, worst == Verdict.exhausted(Dim.TOKENS)))

    spent: int | None = budget.spent(Dim.TOKENS)
    remaining: int | None = budget.remaining(Dim.TOKENS)
    undeclared: int | None = budget.spent(Dim.BYTES)
    lines.append("spent %s remaining %s undeclared %s" % (spent, remaining, undeclared))
    budget.reset()
    lines.append("after reset %s" % budget.spent(Dim.TOKENS))

    try:
        Budget.builder().limit(Dim.CALLS, 0).build()
    except BuilderError as error:
        reason: str = error.reason
        at: int | None = error.dim
        lines.append("builder error %s at %s" % (reason, at))

    try:
        budget.charge(Dim.MEMORY, 1)
    except ChargeError as error:
        missing: int = error.dim
        lines.append("charge error at %d" % missing)

    return lines


if __name__ == "__main__":
    for line in exercise():
        print(line)
