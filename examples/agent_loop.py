"""Stop a simulated agent loop when its token, time or call budget runs out.

Each step charges the tokens and milliseconds it used and one call. A warn
verdict switches the agent to brief replies, which cost less, and an exhausted
verdict stops the loop. The costs come from a fixed table instead of a
model and a clock, so the transcript is byte-identical on CPython and
MicroPython, and a diff of the two runs checks that both runtimes agree.

Run: python examples/agent_loop.py (with the repository root on
PYTHONPATH), or MICROPYPATH=. micropython examples/agent_loop.py
"""

from budgetkernel import Budget, Dim

# Simulated cost of one full-detail step: (tokens, milliseconds). The
# agent cycles through the table.
STEP_COSTS = ((150, 60), (220, 90), (120, 40), (260, 110), (180, 70), (200, 80))

# A brief step costs a quarter of the tokens and half of the time.
BRIEF_TOKEN_DIVISOR = 4
BRIEF_MILLIS_DIVISOR = 2


def run_agent() -> None:
    """Run the agent until a charge exhausts the budget, printing each step."""
    budget = (
        Budget.builder()
        .limit_with_warn(Dim.TOKENS, 1000, 600)
        .limit_with_warn(Dim.MILLIS, 800, 600)
        .limit(Dim.CALLS, 8)
        .build()
    )
    brief = False
    step = 0
    while True:
        tokens, millis = STEP_COSTS[step % len(STEP_COSTS)]
        step += 1
        if brief:
            tokens //= BRIEF_TOKEN_DIVISOR
            millis //= BRIEF_MILLIS_DIVISOR

        # Every dimension is charged, so the totals stay true even on the
        # step that exhausts one of them.
        verdict = budget.charge(Dim.TOKENS, tokens)
        verdict = verdict.worst(budget.charge(Dim.MILLIS, millis))
        verdict = verdict.worst(budget.charge(Dim.CALLS, 1))

        print(
            "step %d %s: tokens=%s millis=%s calls=%s -> %r"
            % (
                step,
                "brief" if brief else "full",
                budget.spent(Dim.TOKENS),
                budget.spent(Dim.MILLIS),
                budget.spent(Dim.CALLS),
                verdict,
            )
        )

        if verdict.is_exhausted():
            dim = verdict.dimension()
            assert dim is not None
            left = budget.remaining(Dim.TOKENS)
            print("stop: %s exhausted, %s tokens left" % (Dim.name(dim), left))
            return
        # Past the exhausted check, a verdict with a dimension is a warn.
        if verdict.dimension() is not None and not brief:
            brief = True
            print("degrade: switching to brief replies")


if __name__ == "__main__":
    run_agent()
