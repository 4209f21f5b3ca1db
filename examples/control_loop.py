"""Keep each duty cycle of a sensor node within its radio budget.

Runs on MicroPython and CPython. Every cycle sends three readings and an
optional status packet over a simulated radio that loses some packets.
Each attempt, retries included, is charged its bytes and one call before
it is sent, and the milliseconds it took after, as measured with
time.ticks_ms(). A warn verdict drops the status packet, and an exhausted
one abandons the rest of the cycle. The budget is reset at the start of
every cycle.

Run: MICROPYPATH=. micropython examples/control_loop.py, or
python examples/control_loop.py with the repository root on PYTHONPATH
"""

from budgetkernel import Budget, Dim, Verdict

try:
    from time import ticks_diff, ticks_ms  # type: ignore[attr-defined,unused-ignore]
except ImportError:
    # CPython's time module lacks the ticks functions, and some boards have
    # no time module at all.
    try:
        from time import monotonic_ns  # type: ignore[attr-defined,unused-ignore]

        def ticks_ms() -> int:
            return monotonic_ns() // 1_000_000

    except ImportError:
        # NOTE: without a clock every attempt measures 0 ms, so the millis
        # budget never fills on such a board.
        def ticks_ms() -> int:
            return 0

    def ticks_diff(end: int, start: int) -> int:
        return end - start


PACKET_BYTES = 16
TRIES_PER_PACKET = 3
CYCLES = 4

# Sends the simulated radio loses, numbered from 1 across the whole run.
LOST_SENDS = (2, 3, 6, 7, 8, 11, 12, 14)


class SimulatedRadio:
    """A radio link that loses the sends listed in lost, so runs repeat exactly."""

    def __init__(self, lost: tuple[int, ...]) -> None:
        self.sends = 0
        self.lost = lost

    def send(self, packet: bytes) -> bool:
        """Transmit packet and return True if the receiver acknowledged it."""
        self.sends += 1
        return self.sends not in self.lost


def cycle_budget() -> Budget:
    """Return the budget of one duty cycle."""
    return (
        Budget.builder()
        .limit_with_warn(Dim.BYTES, 96, 64)
        .limit(Dim.CALLS, 5)
        .limit(Dim.MILLIS, 100)
        .build()
    )


class Clock:
    """Milliseconds from time.ticks_ms(). Tests replace it with a fake."""

    # int() gives a type checker an int on CPython, where the imported
    # ticks functions have no type information.
    def now_ms(self) -> int:
        return int(ticks_ms())

    def elapsed_ms(self, start: int) -> int:
        return int(ticks_diff(ticks_ms(), start))


def cycle_verdict(budget: Budget) -> Verdict:
    """Return the worst verdict of the cycle's totals."""
    # A zero charge reads a dimension's verdict without adding to its total.
    verdict = budget.charge(Dim.BYTES, 0)
    verdict = verdict.worst(budget.charge(Dim.CALLS, 0))
    return verdict.worst(budget.charge(Dim.MILLIS, 0))


def send_packet(name: str, budget: Budget, radio: SimulatedRadio, clock: Clock) -> bool:
    """Send one packet, retrying lost sends, and return True once it is acknowledged."""
    for attempt in range(1, TRIES_PER_PACKET + 1):
        # Bytes and the call are charged before the radio transmits, so an
        # exhausted budget stops the send.
        verdict = budget.charge(Dim.BYTES, PACKET_BYTES)
        verdict = verdict.worst(budget.charge(Dim.CALLS, 1))
        if verdict.is_exhausted():
            print("  %s try %d: not sent -> %r" % (name, attempt, verdict))
            return False

        start = clock.now_ms()
        acknowledged = radio.send(name.encode())
        verdict = verdict.worst(budget.charge(Dim.MILLIS, clock.elapsed_ms(start)))
        print(
            "  %s try %d: %s, bytes=%s calls=%s millis=%s -> %r"
            % (
                name,
                attempt,
                "acked" if acknowledged else "lost",
                budget.spent(Dim.BYTES),
                budget.spent(Dim.CALLS),
                budget.spent(Dim.MILLIS),
                verdict,
            )
        )
        if acknowledged:
            return True
        if verdict.is_exhausted():
            return False
    return False


def run_cycle(cycle: int, budget: Budget, radio: SimulatedRadio, clock: Clock) -> None:
    """Run one duty cycle: three readings, then the status packet unless warned."""
    budget.reset()
    print("cycle %d" % cycle)
    sent = 0
    for name in ("reading 1", "reading 2", "reading 3"):
        if send_packet(name, budget, radio, clock):
            sent += 1
        verdict = cycle_verdict(budget)
        dim = verdict.dimension()
        if verdict.is_exhausted() and dim is not None:
            print("  %s exhausted: cycle stopped, %d of 3 readings sent" % (Dim.name(dim), sent))
            return

    dim = cycle_verdict(budget).dimension()
    if dim is not None:
        print("  %s above warn: status skipped, %d of 3 readings sent" % (Dim.name(dim), sent))
        return
    acknowledged = send_packet("status", budget, radio, clock)
    print("  status %s, %d of 3 readings sent" % ("sent" if acknowledged else "lost", sent))


def main(clock: Clock) -> None:
    """Run every duty cycle against one simulated radio."""
    budget = cycle_budget()
    radio = SimulatedRadio(LOST_SENDS)
    for cycle in range(1, CYCLES + 1):
        run_cycle(cycle, budget, radio, clock)


if __name__ == "__main__":
    main(Clock())
