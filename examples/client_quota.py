"""Give each client its own request quota per one-minute window.

Runs on MicroPython and CPython. The caller owns the clock: every request
carries its arrival time in seconds, and the first request of a new window
makes the caller reset every client's budget. Within a window a client may
make 3 requests and send 1000 bytes, and it is warned from its third
request on. A rejected request still counts, so a client that keeps
retrying stays rejected until the window ends.

Run: MICROPYPATH=. micropython examples/client_quota.py, or
python examples/client_quota.py with the repository root on PYTHONPATH
"""

from budgetkernel import Budget, Dim

WINDOW_SECONDS = 60

# (arrival time in seconds, client, request size in bytes), in arrival order.
REQUESTS = (
    (0, "alice", 200),
    (5, "bob", 700),
    (12, "alice", 300),
    (20, "alice", 100),
    (31, "bob", 400),
    (45, "alice", 50),
    (50, "bob", 10),
    (61, "alice", 500),
    (70, "bob", 100),
)


def client_budget() -> Budget:
    """Return the quota of one client for one window."""
    return Budget.builder().limit_with_warn(Dim.CALLS, 3, 2).limit(Dim.BYTES, 1000).build()


def serve(requests: tuple[tuple[int, str, int], ...]) -> None:
    """Accept or reject each request, printing one line per request."""
    budgets: dict[str, Budget] = {}
    window = -1
    for second, client, size in requests:
        if second // WINDOW_SECONDS != window:
            window = second // WINDOW_SECONDS
            for budget in budgets.values():
                budget.reset()
            print("window %d opens at %ds" % (window, window * WINDOW_SECONDS))

        if client not in budgets:
            budgets[client] = client_budget()
        budget = budgets[client]

        verdict = budget.charge(Dim.CALLS, 1).worst(budget.charge(Dim.BYTES, size))
        dim = verdict.dimension()
        if dim is None:
            outcome = "accepted"
        elif verdict.is_exhausted():
            outcome = "rejected, %s quota exhausted" % Dim.name(dim)
        else:
            outcome = "accepted, %s quota nearly used" % Dim.name(dim)
        print("%ds %s %d bytes: %s" % (second, client, size, outcome))


if __name__ == "__main__":
    serve(REQUESTS)
