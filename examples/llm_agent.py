"""Bound an LLM agent by tokens, wall-clock milliseconds and tool calls.

CPython only. A scripted stand-in replaces the model and the search tool,
so the example runs offline. Each turn charges the tokens the model used,
one call per search and the milliseconds the turn took, as measured with
time.monotonic_ns(). A warn verdict switches the agent to brief turns, and
an exhausted one ends the run with a partial answer built from the notes
gathered so far.

Run: python examples/llm_agent.py (with the repository root on PYTHONPATH)
"""

import time
from collections.abc import Callable

from budgetkernel import Budget, Dim

NOTES_NEEDED = 5


def default_budget() -> Budget:
    """Return the budget for one question."""
    return (
        Budget.builder()
        .limit_with_warn(Dim.TOKENS, 3000, 2000)
        .limit_with_warn(Dim.MILLIS, 10_000, 8_000)
        .limit(Dim.CALLS, 4)
        .build()
    )


def scripted_model(notes: list[str], brief: bool) -> tuple[int, str | None]:
    """Return (tokens used, search query), with no query once it has enough notes."""
    if len(notes) >= NOTES_NEEDED:
        return (300 if brief else 900), None
    return (250 if brief else 700), "topic %d" % (len(notes) + 1)


def search(query: str) -> str:
    """Return a note for query, as a search tool would."""
    return "facts on " + query


def answer(question: str, budget: Budget, clock: Callable[[], int] = time.monotonic_ns) -> str:
    """Answer question within budget, printing one line per turn.

    clock returns nanoseconds. Tests pass a fake one to make the milliseconds
    repeatable.
    """
    notes: list[str] = []
    brief = False
    turn = 0
    while True:
        turn += 1
        started = clock()
        tokens, query = scripted_model(notes, brief)
        verdict = budget.charge(Dim.TOKENS, tokens)
        if query is not None:
            # The call is charged before it is made, so an exhausted budget
            # skips it.
            verdict = verdict.worst(budget.charge(Dim.CALLS, 1))
            if verdict.is_continuing():
                notes.append(search(query))
        elapsed_ms = (clock() - started) // 1_000_000
        verdict = verdict.worst(budget.charge(Dim.MILLIS, elapsed_ms))

        action = "answer" if query is None else "search %r" % query
        print(
            "turn %d %s: %s, tokens=%s millis=%s calls=%s -> %r"
            % (
                turn,
                "brief" if brief else "full",
                action,
                budget.spent(Dim.TOKENS),
                budget.spent(Dim.MILLIS),
                budget.spent(Dim.CALLS),
                verdict,
            )
        )

        if verdict.is_exhausted():
            return "partial answer to %r from %d notes: %s" % (question, len(notes), "; ".join(notes))
        if query is None:
            return "answer to %r from %d notes" % (question, len(notes))
        # Past the exhausted check, a verdict with a dimension is a warn.
        if verdict.dimension() is not None and not brief:
            brief = True
            print("warn: switching to brief turns")


if __name__ == "__main__":
    print(answer("why is the sky blue", default_budget()))
