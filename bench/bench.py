"""Time budgetkernel's charge() next to two reference designs, and weigh it.

Runs unchanged on CPython and on MicroPython's unix port:

    python bench/bench.py                      (with budgetkernel importable)
    MICROPYPATH=bench:. micropython bench/bench.py

Each case is timed for three implementations in the same process with the
same loop: the kernel, FloorCounter (the least a charge can cost) and
ArrayQBudget (the obvious array('Q') design), both from baselines.py. The rounds
interleave the implementations, and each figure is the minimum over the
rounds, because noise on a shared machine only ever adds time. The median
is printed next to it to show how noisy the run was.

On MicroPython the script also reports heap bytes per built budget and the
heap the import of budgetkernel took. With --footprint-only it skips the
timing, for the extra runs that import the module from .mpy or frozen code.

Output: one machine-readable line per figure, then a table for people.

    info <key> <value...>
    row <case> <impl> <min ns> <median ns>
    footprint <what> <impl> <bytes>
"""

import gc
import sys

# The import is weighed before anything else imports budgetkernel, so the
# figure covers the module's code, constants, classes and verdict objects.
_mem_alloc = getattr(gc, "mem_alloc", None)
if _mem_alloc is None:
    import budgetkernel

    _IMPORT_BYTES = None
else:
    gc.collect()
    _before = _mem_alloc()
    import budgetkernel

    gc.collect()
    _IMPORT_BYTES = _mem_alloc() - _before

from budgetkernel import Budget, Dim

from baselines import ArrayQBudget, FloorCounter

try:
    from time import perf_counter_ns as _clock

    def _elapsed_ns(start, stop):
        return stop - start

except ImportError:
    # MicroPython: ticks_us wraps around, so only ticks_diff may subtract.
    from time import ticks_diff, ticks_us as _clock

    def _elapsed_ns(start, stop):
        return ticks_diff(stop, start) * 1000


# Many short blocks beat a few long ones on a shared machine: the
# minimum only needs one block that no other process interrupted. 4 ms is
# still 4000 ticks of ticks_us, and 41 rounds of every case and
# implementation take a few seconds.
ROUNDS = 41
BLOCK_NS = 4_000_000
UNROLL = 8
_U64_MAX = (1 << 64) - 1
_WINDOW_PLUS_ONE = (1 << 28) + 1

IMPLS = (
    ("kernel", lambda limits, warns: _build_kernel(limits, warns)),
    ("floor", FloorCounter),
    ("arrayq", ArrayQBudget),
)


def _build_kernel(limits, warns):
    builder = Budget.builder()
    for dim in Dim.ALL:
        if limits[dim] is None:
            continue
        if warns[dim] is None:
            builder.limit(dim, limits[dim])
        else:
            builder.limit_with_warn(dim, limits[dim], warns[dim])
    return builder.build()


def _declare(spec):
    """Return limits and warns lists of 8 from {dim: (limit, warn)}."""
    limits = [None] * 8
    warns = [None] * 8
    for dim in spec:
        limits[dim], warns[dim] = spec[dim]
    return limits, warns


# ---------------------------------------------------------------------------
# Timed loops: one body for every implementation, unrolled so the loop's
# own cost is a small share of each figure.
# ---------------------------------------------------------------------------


def _loop_charge(b, dim, amount, count):
    start = _clock()
    for _ in range(count):
        b.charge(dim, amount)
        b.charge(dim, amount)
        b.charge(dim, amount)
        b.charge(dim, amount)
        b.charge(dim, amount)
        b.charge(dim, amount)
        b.charge(dim, amount)
        b.charge(dim, amount)
    return _elapsed_ns(start, _clock())


def _loop_checkpoint(b, dims, amount, count):
    d1, d2, d3 = dims
    n = amount
    start = _clock()
    for _ in range(count):
        v = b.charge(d1, n).worst(b.charge(d2, n)).worst(b.charge(d3, n))
        v = b.charge(d1, n).worst(b.charge(d2, n)).worst(b.charge(d3, n))
        v = b.charge(d1, n).worst(b.charge(d2, n)).worst(b.charge(d3, n))
        v = b.charge(d1, n).worst(b.charge(d2, n)).worst(b.charge(d3, n))
        v = b.charge(d1, n).worst(b.charge(d2, n)).worst(b.charge(d3, n))
        v = b.charge(d1, n).worst(b.charge(d2, n)).worst(b.charge(d3, n))
        v = b.charge(d1, n).worst(b.charge(d2, n)).worst(b.charge(d3, n))
        v = b.charge(d1, n).worst(b.charge(d2, n)).worst(b.charge(d3, n))
    return _elapsed_ns(start, _clock())


# ---------------------------------------------------------------------------
# Cases. Each names its declaration, the charge that sets the starting
# state, and the loop. Limits stay below 2**30 so the floor's totals are
# small ints on 32-bit ports too, except in the slow-path case.
# ---------------------------------------------------------------------------

TOKENS = Dim.TOKENS
CASES = (
    # A total far below its warn threshold: every charge continues.
    ("continue", {TOKENS: (10**9, 9 * 10**8)}, None, _loop_charge, TOKENS, 3),
    # A total above its warn threshold, far below its limit.
    ("warn", {TOKENS: (10**9, 10)}, (TOKENS, 11), _loop_charge, TOKENS, 3),
    # A total already above its limit; the charges keep adding to it.
    ("exhausted", {TOKENS: (10, None)}, (TOKENS, 11), _loop_charge, TOKENS, 3),
    # Three dimensions charged and combined with worst(), all continuing.
    (
        "checkpoint",
        {TOKENS: (10**9, 9 * 10**8), Dim.MILLIS: (10**9, None), Dim.CALLS: (10**9, None)},
        None,
        _loop_checkpoint,
        (TOKENS, Dim.MILLIS, Dim.CALLS),
        3,
    ),
    # Amounts of 2**28 + 1 against a limit of 2**64 - 1: every kernel
    # charge leaves its fast window, and the floor's totals turn into long
    # ints. No target applies; it shows what the kernel's slow path costs.
    ("slowpath", {TOKENS: (_U64_MAX, None)}, None, _loop_charge, TOKENS, _WINDOW_PLUS_ONE),
)


def _fresh(case, make):
    """Return a new implementation object in the case's starting state."""
    name, spec, first, loop, dims, amount = case
    limits, warns = _declare(spec)
    b = make(limits, warns)
    if first is not None:
        b.charge(first[0], first[1])
    return b


def _time_block(case, make, count):
    """Return ns per operation for count unrolled iterations on a fresh object."""
    name, spec, first, loop, dims, amount = case
    b = _fresh(case, make)
    # Collect first, so garbage left by one implementation is not
    # collected on another's clock.
    gc.collect()
    elapsed = loop(b, dims, amount, count)
    return elapsed / (count * UNROLL)


def _calibrate(case, make):
    """Return the iteration count that makes one block last about BLOCK_NS."""
    count = 16
    while True:
        per_op = _time_block(case, make, count)
        spent = per_op * count * UNROLL
        if spent >= BLOCK_NS // 10 or count >= 1 << 20:
            break
        count *= 4
    if per_op <= 0:
        return count
    return max(1, int(BLOCK_NS / (per_op * UNROLL)))


def _median(values):
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def run_timing():
    """Time every case and implementation; return {(case, impl): [ns, ...]}."""
    counts = {}
    for case in CASES:
        for impl, make in IMPLS:
            counts[(case[0], impl)] = _calibrate(case, make)
    samples = {}
    for key in counts:
        samples[key] = []
    for round_index in range(ROUNDS):
        for case in CASES:
            # Rotate the order each round so no implementation always
            # runs first, right after the collection of the previous case.
            for i in range(len(IMPLS)):
                impl, make = IMPLS[(i + round_index) % len(IMPLS)]
                key = (case[0], impl)
                samples[key].append(_time_block(case, make, counts[key]))
    return samples


# ---------------------------------------------------------------------------
# Footprint (MicroPython only: CPython has no gc.mem_alloc)
# ---------------------------------------------------------------------------


def _heap_of(build):
    """Return the heap bytes that the object build() returns keeps alive."""
    best = None
    # The GC scans the stack conservatively, so a stale pointer can keep
    # builder garbage alive; the smallest of a few tries avoids that.
    for _ in range(5):
        gc.collect()
        before = _mem_alloc()
        kept = build()
        gc.collect()
        size = _mem_alloc() - before
        kept = None
        if best is None or size < best:
            best = size
    return best


def run_footprint():
    """Return [(what, impl, bytes)] for budgets of 3 and 8 dimensions."""
    three = _declare(
        {TOKENS: (10**9, 9 * 10**8), Dim.MILLIS: (5000, None), Dim.CALLS: (50, 40)}
    )
    eight = _declare(dict((dim, (10**9, 10**6)) for dim in Dim.ALL))
    rows = []
    for what, (limits, warns) in (("budget-3", three), ("budget-8", eight)):
        for impl, make in IMPLS:
            size = _heap_of(lambda: make(limits, warns))
            rows.append((what, impl, size))
    return rows


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


def _runtime():
    """Return (name, version, word bits) of the running interpreter."""
    name = sys.implementation.name
    if name == "micropython":
        version = ".".join(str(part) for part in sys.implementation.version[:3])
    else:
        version = sys.version.split()[0]
    bits = 64 if sys.maxsize > (1 << 32) else 32
    return name, version, bits


def _print_table(samples):
    print()
    print("ns per charge (checkpoint: per three charges and two worst()), "
          "minimum of %d rounds" % ROUNDS)
    header = "%-11s %9s %9s %9s %13s %15s" % (
        "case", "kernel", "floor", "arrayq", "kernel/floor", "kernel/arrayq")
    print(header)
    for case in CASES:
        name = case[0]
        kernel = min(samples[(name, "kernel")])
        floor = min(samples[(name, "floor")])
        arrayq = min(samples[(name, "arrayq")])
        print("%-11s %9.0f %9.0f %9.0f %12.2fx %14.2fx" % (
            name, kernel, floor, arrayq, kernel / floor, kernel / arrayq))


def main(argv):
    footprint_only = "--footprint-only" in argv
    name, version, bits = _runtime()
    print("info runtime %s %s %d" % (name, version, bits))
    print("info module %s" % getattr(budgetkernel, "__file__", "(frozen, no __file__)"))
    print("info statistic min-of-%d-rounds" % ROUNDS)

    samples = None
    if not footprint_only:
        samples = run_timing()
        for case in CASES:
            for impl, _make in IMPLS:
                values = samples[(case[0], impl)]
                print("row %s %s %.1f %.1f" % (case[0], impl, min(values), _median(values)))

    if _mem_alloc is not None:
        print("footprint import module %d" % _IMPORT_BYTES)
        for what, impl, size in run_footprint():
            print("footprint %s %s %d" % (what, impl, size))

    if samples is not None:
        _print_table(samples)


main(sys.argv[1:])
