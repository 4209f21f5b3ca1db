"""Move budget snapshots between runtimes and check they restore the same.

Usage, on CPython or the MicroPython unix port, with budgetkernel and
tracegen.py on the import path:

    snapshots.py write        print one hex snapshot line per budget
    snapshots.py read FILE    restore each line of FILE and print a transcript
    snapshots.py expect       print the transcript `read` should print for the
                              lines `write` prints

The budgets are a fixed table plus a few drawn from tracegen.Random, which
gives the same numbers on every runtime. They cover large totals, totals
at 2**64 - 1 and exhausted dims. For each budget, the transcript lists
spent() and remaining() of every dim, the snapshot taken right after the
restore, the verdict and total of a fixed sequence of further charges, and
the snapshot after them. `expect` makes the same transcript from the
original budgets in one process, without any snapshot being restored, so
`read` on one runtime must match `expect` on the writing runtime byte for
byte. tools/snapshot_check.py runs that comparison.

On a board without sys.argv, call write_lines(), read(path) or expect(),
for example through mpremote exec.
"""

import sys

try:
    import binascii
except ImportError:
    import ubinascii as binascii

try:
    import tracegen
except ImportError:
    # Imported as diff.snapshots by tests that have only tests/ on the path.
    from diff import tracegen

from budgetkernel import SNAPSHOT_SIZE, Budget

U64_MAX = (1 << 64) - 1
HALF = 1 << 63  # half of 2**64
RESET = -1  # a charge whose dim is RESET stands for budget.reset()

# (declarations, charges): declarations are (dim, limit, warn or None),
# charges are (dim, amount). Each comment gives the totals after the charges.
FIXED_BUDGETS = (
    # A warn total and an exhausted one.
    (((0, 1000, 800), (3, 3, None)), ((0, 850), (3, 1), (3, 1), (3, 1), (3, 1))),
    # Nothing charged.
    (((1, 1, 0),), ()),
    # Saturated at 2**64 - 1 under a limit of 2**64 - 1, so it never exhausts.
    (((7, U64_MAX, None),), ((7, U64_MAX), (7, 5))),
    # 2**64 - 1 in the warn band.
    (((2, U64_MAX, U64_MAX - 1),), ((2, U64_MAX - 1), (2, 1))),
    # 2**63 + 1 exhausted, and 2**30 exactly at its limit (warn, not exhausted).
    (((4, HALF, 1 << 62), (1, 1 << 30, 0)), ((4, HALF), (4, 1), (1, 1 << 30))),
    # Saturated far past a small limit.
    (((0, 5, None),), ((0, U64_MAX), (0, 7))),
    # Charges around the 2**28 window and 2**32.
    (((5, 1 << 40, 1 << 32), (6, 2, 1)),
     ((5, (1 << 28) - 1), (5, (1 << 28) + 1), (5, 1 << 32), (6, 0))),
    # 2**64 - 1 one past a limit of 2**64 - 2, and 2**30 on a limit of 2**30.
    (((0, U64_MAX - 1, None), (3, 1 << 30, None)), ((0, U64_MAX), (3, (1 << 30) - 1), (3, 1))),
    # All eight dims, each in another band.
    (((0, 100, 80), (1, 200, None), (2, 300, 0), (3, 4, 3), (4, 1 << 31, (1 << 31) - 1),
      (5, 6, None), (6, U64_MAX, HALF), (7, 8, 7)),
     ((0, 81), (1, 201), (2, 0), (3, 3), (4, 1 << 31), (5, 6), (6, HALF + 1), (7, 1), (7, 9))),
    # Charged, exhausted, reset, then charged again below the limit.
    (((2, 10, 5), (6, 1 << 33, None)), ((2, 11), (6, 1 << 34), (RESET, 0), (2, 6), (6, 1 << 32))),
    # 2**62 and 2**31, the small-int edges of 64-bit and 32-bit ports.
    (((3, 1 << 62, None), (4, (1 << 31) + 1, 1 << 31)), ((3, (1 << 62) - 1), (4, 1 << 31))),
    # Exhausted by one unit, with a warn threshold of 0.
    (((1, 1, 0), (7, 1000, 999)), ((1, 2), (7, 999))),
)

# How many budgets the generator adds, and its seed.
GENERATED_BUDGETS = 10
GENERATOR_SEED = 20240607
GENERATED_CHARGES = 12

# Charged on every dim after the snapshot is restored. An undeclared dim
# gets only the first one, which raises ChargeError.
FOLLOW_UP = (0, 1, 1 << 20, (1 << 28) + 7, 1 << 40, U64_MAX)


def _generated_limit(rnd):
    roll = rnd.below(4)
    if roll == 0:
        return rnd.pick(tracegen.BOUNDARIES)
    if roll == 1:
        return 1 + rnd.below(5000)
    if roll == 2:
        return 1 + rnd.below(1 << 24)
    return max(rnd.u64(), 1)


def _generated_warn(rnd, limit):
    if limit == 1 or rnd.chance(40):
        return None if rnd.chance(50) else 0
    roll = rnd.below(3)
    if roll == 0:
        return limit - 1
    if roll == 1:
        return limit >> 1
    return rnd.below(min(limit, 1 << 24))


def _generated_amount(rnd, limit):
    roll = rnd.below(10)
    if roll < 4:
        return rnd.below(16)
    if roll < 7:
        return limit >> 2
    if roll < 9:
        return rnd.pick(tracegen.BOUNDARIES)
    return U64_MAX


def generated_budgets(seed, count):
    """Return count (declarations, charges) pairs drawn from tracegen.Random(seed)."""
    rnd = tracegen.Random(seed)
    budgets = []
    for _ in range(count):
        declarations = []
        for dim in range(8):
            if rnd.chance(40):
                limit = _generated_limit(rnd)
                declarations.append((dim, limit, _generated_warn(rnd, limit)))
        if not declarations:
            declarations.append((rnd.below(8), 1000, 500))
        charges = []
        for _ in range(GENERATED_CHARGES):
            dim, limit, _ = rnd.pick(declarations)
            charges.append((dim, _generated_amount(rnd, limit)))
        budgets.append((tuple(declarations), tuple(charges)))
    return budgets


def all_budgets():
    """Return every (declarations, charges) pair, in transcript order."""
    return list(FIXED_BUDGETS) + generated_budgets(GENERATOR_SEED, GENERATED_BUDGETS)


def build(declarations, charges):
    """Return a budget built from declarations with every charge applied."""
    builder = Budget.builder()
    for dim, limit, warn in declarations:
        if warn is None:
            builder.limit(dim, limit)
        else:
            builder.limit_with_warn(dim, limit, warn)
    budget = builder.build()
    for dim, amount in charges:
        if dim == RESET:
            budget.reset()
        else:
            budget.charge(dim, amount)
    return budget


def hex_snapshot(budget):
    buf = bytearray(SNAPSHOT_SIZE)
    budget.snapshot_into(buf)
    return binascii.hexlify(buf).decode()


def show_verdict(verdict):
    """Return "continue", "warn D" or "exhausted D" from the public methods."""
    dim = verdict.dimension()
    if dim is None:
        return "continue"
    if verdict.is_exhausted():
        return "exhausted %d" % dim
    return "warn %d" % dim


def show(value):
    if value is None:
        return "None"
    return "%d" % value


def transcript(number, budget, write):
    """Write the lines for budget number: queries, snapshot, follow-up charges, snapshot."""
    write("budget %d\n" % number)
    for dim in range(8):
        write("  dim %d spent=%s remaining=%s\n"
              % (dim, show(budget.spent(dim)), show(budget.remaining(dim))))
    write("  snapshot %s\n" % hex_snapshot(budget))
    for dim in range(8):
        if budget.spent(dim) is None:
            try:
                budget.charge(dim, FOLLOW_UP[0])
                outcome = "no error"
            except Exception as error:  # the transcript records which class
                outcome = type(error).__name__
                if hasattr(error, "dim"):
                    outcome += " dim=%s" % show(error.dim)
            write("  charge %d %d -> %s\n" % (dim, FOLLOW_UP[0], outcome))
            continue
        for amount in FOLLOW_UP:
            verdict = budget.charge(dim, amount)
            write("  charge %d %d -> %s spent=%s remaining=%s\n"
                  % (dim, amount, show_verdict(verdict), show(budget.spent(dim)),
                     show(budget.remaining(dim))))
    write("  snapshot %s\n" % hex_snapshot(budget))


def write_lines(write=None):
    """Write one hex snapshot line per budget."""
    if write is None:
        write = sys.stdout.write
    for declarations, charges in all_budgets():
        write(hex_snapshot(build(declarations, charges)) + "\n")


def expect(write=None):
    """Write the transcript that read() gives for write_lines()'s output."""
    if write is None:
        write = sys.stdout.write
    number = 0
    for declarations, charges in all_budgets():
        number += 1
        transcript(number, build(declarations, charges), write)


def read(path, write=None):
    """Restore each hex line of the file at path and write its transcript.

    A line that fails to restore gets one line naming the exception, and
    reading goes on with the next one.
    """
    if write is None:
        write = sys.stdout.write
    number = 0
    with open(path) as stream:
        for line in stream:
            line = line.strip()
            if not line:
                continue
            number += 1
            try:
                budget = Budget.restore(binascii.unhexlify(line))
            except Exception as error:  # the transcript records the failure
                write("budget %d\n  restore failed: %s reason=%s\n"
                      % (number, type(error).__name__, getattr(error, "reason", None)))
                continue
            transcript(number, budget, write)


USAGE = "usage: snapshots.py write | read FILE | expect"


def main(argv):
    if len(argv) == 2 and argv[1] == "write":
        write_lines()
    elif len(argv) == 2 and argv[1] == "expect":
        expect()
    elif len(argv) == 3 and argv[1] == "read":
        read(argv[2])
    else:
        raise SystemExit(USAGE)


if __name__ == "__main__":
    main(sys.argv)
