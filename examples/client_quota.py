"""Give each client its own request quota per one-minute window.

Runs on MicroPython and CPython. One Policy sets the limits. Within a
window a client may make 3 requests and send 1000 bytes, and it is warned
from its third request on. Each client gets its own Ledger from that
policy. The caller owns the clock: every request carries its arrival time
in seconds, and the first request of a new window makes the caller reset
every client's ledger.

A request is admitted with try_charge_all(), which charges the call and
the bytes together or not at all. A rejected request is therefore not
charged at all, so a client that retries with a smaller request can
still get in before the window ends.

Partway through the run the device reboots. Before the reboot it writes
each client's ledger into a snapshot buffer, and after it restores the
totals into fresh ledgers, so no client gets its quota back early.

Run: MICROPYPATH=. micropython examples/client_quota.py, or
python examples/client_quota.py with the repository root on PYTHONPATH
"""

from budgetkernel import SNAPSHOT_SIZE, Budget, Dim, Ledger, Policy

WINDOW_SECONDS = 60

# The device reboots before the first request at or after this second.
REBOOT_SECOND = 40

# (arrival time in seconds, client, request size in bytes), in arrival order.
REQUESTS = (
    (0, "alice", 200),
    (5, "bob", 700),
    (12, "alice", 300),
    (20, "alice", 100),
    (31, "bob", 400),
    (38, "bob", 300),
    (45, "alice", 450),
    (50, "bob", 10),
    (61, "alice", 500),
    (70, "bob", 100),
)


def client_policy() -> Policy:
    """Build the quota that every client gets for one window."""
    return Budget.builder().limit_with_warn(Dim.CALLS, 3, 2).limit(Dim.BYTES, 1000).build_policy()


def totals(ledger: Ledger) -> str:
    """Return a ledger's call and byte totals as text."""
    return "calls=%s bytes=%s" % (ledger.spent(Dim.CALLS), ledger.spent(Dim.BYTES))


def reboot(ledgers: dict[str, Ledger]) -> Policy:
    """Save every ledger, rebuild the policy and ledgers, and restore the totals.

    Returns the rebuilt policy. Prints one line per client with its totals
    before and after the reboot.
    """
    # A device would write each snapshot to flash. Here the buffers play
    # that part, and they are all that crosses the reboot.
    snapshots: dict[str, bytearray] = {}
    saved: dict[str, str] = {}
    for client in ledgers:
        snapshot = bytearray(SNAPSHOT_SIZE)
        ledgers[client].snapshot_into(snapshot)
        snapshots[client] = snapshot
        saved[client] = totals(ledgers[client])
    ledgers.clear()

    # After a reboot the policy is built again from the same code.
    # restore_spent_from() raises SnapshotError unless the new policy's
    # limits and warn thresholds equal the ones in the snapshot.
    policy = client_policy()
    # Sorted, because MicroPython's dicts do not keep insertion order.
    for client in sorted(snapshots):
        ledger = policy.ledger()
        ledger.restore_spent_from(snapshots[client])
        ledgers[client] = ledger
        print("%s: %s saved, %s restored" % (client, saved[client], totals(ledger)))
    return policy


def serve(requests: tuple[tuple[int, str, int], ...], reboot_second: int) -> None:
    """Accept or reject each request, printing one line per request."""
    policy = client_policy()
    ledgers: dict[str, Ledger] = {}
    # One list for every request: only the byte count changes, in place,
    # so admitting a request allocates nothing on MicroPython.
    charges = [[Dim.CALLS, 1], [Dim.BYTES, 0]]
    window = -1
    rebooted = False
    for second, client, size in requests:
        if not rebooted and second >= reboot_second:
            print("reboot at %ds" % reboot_second)
            policy = reboot(ledgers)
            rebooted = True

        if second // WINDOW_SECONDS != window:
            window = second // WINDOW_SECONDS
            for ledger in ledgers.values():
                ledger.reset()
            print("window %d opens at %ds" % (window, window * WINDOW_SECONDS))

        if client not in ledgers:
            ledgers[client] = policy.ledger()
        charges[1][1] = size
        verdict = ledgers[client].try_charge_all(charges)

        dim = verdict.dimension()
        if dim is None:
            outcome = "accepted"
        elif verdict.is_exhausted():
            outcome = "rejected, %s quota exhausted" % Dim.name(dim)
        else:
            outcome = "accepted, %s quota nearly used" % Dim.name(dim)
        print("%ds %s %d bytes: %s" % (second, client, size, outcome))


if __name__ == "__main__":
    serve(REQUESTS, REBOOT_SECOND)
