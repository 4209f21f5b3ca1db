"""Time budgetkernel's Budget and Ledger next to two reference designs, and weigh them.

Runs unchanged on CPython and on MicroPython's unix port:

    python bench/bench.py                      (with budgetkernel importable)
    MICROPYPATH=bench:. micropython bench/bench.py

Each case is timed for several implementations in the same process with
the same loop: the kernel's Budget ("kernel"), a Ledger of a Policy built
from the same declaration ("ledger"), FloorCounter (the least a charge can
cost) and ArrayQBudget (the obvious array('Q') design), both from
baselines.py. The charge cases time all four. The preview and try_charge
cases time kernel, ledger and floor, and the snapshot cases time kernel and
ledger only. The rounds interleave the implementations, and each figure is
the minimum over the rounds, because noise on a shared machine only ever
adds time. The median is printed next to it to show how noisy the run was.

On MicroPython the script also reports heap bytes per built budget and per
ledger, and the heap the import of budgetkernel took. Where
micropython.mem_total() exists it also reports the heap bytes each call
requests with the heap unlocked, frames included. With --footprint-only
it skips the timing and the requests, for the extra runs that import the
module from .mpy or frozen code.

Output: one machine-readable line per figure, then a table for people.

    info <key> <value...>
    row <case> <impl> <min ns> <median ns>
    footprint <case> <impl> <bytes>
    requested <case> <impl> <bytes per call>
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

from budgetkernel import SNAPSHOT_SIZE, Budget, Dim

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



def _kernel_builder(limits, warns):
    builder = Budget.builder()
    for dim in Dim.ALL:
        if limits[dim] is None:
            continue
        if warns[dim] is None:
            builder.limit(dim, limits[dim])
        else:
            builder.limit_with_warn(dim, limits[dim], warns[dim])
    return builder


# Each maker takes limits and warns lists of 8 and returns an object with
# the charge() of its design. The ledger gets a policy of its own.
MAKERS = {
    "kernel": lambda limits, warns: _kernel_builder(limits, warns).build(),
    "ledger": lambda limits, warns: _kernel_builder(limits, warns).build_policy().ledger(),
    "floor": FloorCounter,
    "arrayq": ArrayQBudget,
}
CHARGE_IMPLS = ("kernel", "ledger", "floor", "arrayq")
CALL_IMPLS = ("kernel", "ledger", "floor")
SNAPSHOT_IMPLS = ("kernel", "ledger")


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


def _loop_preview(b, dim, amount, count):
    start = _clock()
    for _ in range(count):
        b.preview(dim, amount)
        b.preview(dim, amount)
        b.preview(dim, amount)
        b.preview(dim, amount)
        b.preview(dim, amount)
        b.preview(dim, amount)
        b.preview(dim, amount)
        b.preview(dim, amount)
    return _elapsed_ns(start, _clock())


def _loop_try_charge(b, dim, amount, count):
    start = _clock()
    for _ in range(count):
        b.try_charge(dim, amount)
        b.try_charge(dim, amount)
        b.try_charge(dim, amount)
        b.try_charge(dim, amount)
        b.try_charge(dim, amount)
        b.try_charge(dim, amount)
        b.try_charge(dim, amount)
        b.try_charge(dim, amount)
    return _elapsed_ns(start, _clock())


def _loop_try_charge_all(b, pairs, amount, count):
    start = _clock()
    for _ in range(count):
        b.try_charge_all(pairs)
        b.try_charge_all(pairs)
        b.try_charge_all(pairs)
        b.try_charge_all(pairs)
        b.try_charge_all(pairs)
        b.try_charge_all(pairs)
        b.try_charge_all(pairs)
        b.try_charge_all(pairs)
    return _elapsed_ns(start, _clock())


def _loop_snapshot_into(b, buf, amount, count):
    start = _clock()
    for _ in range(count):
        b.snapshot_into(buf)
        b.snapshot_into(buf)
        b.snapshot_into(buf)
        b.snapshot_into(buf)
        b.snapshot_into(buf)
        b.snapshot_into(buf)
        b.snapshot_into(buf)
        b.snapshot_into(buf)
    return _elapsed_ns(start, _clock())


def _loop_restore_spent_from(b, buf, amount, count):
    # The snapshot is taken from b itself, outside the clock, so every
    # restore passes every check and writes the totals b already has.
    b.snapshot_into(buf)
    start = _clock()
    for _ in range(count):
        b.restore_spent_from(buf)
        b.restore_spent_from(buf)
        b.restore_spent_from(buf)
        b.restore_spent_from(buf)
        b.restore_spent_from(buf)
        b.restore_spent_from(buf)
        b.restore_spent_from(buf)
        b.restore_spent_from(buf)
    return _elapsed_ns(start, _clock())


# ---------------------------------------------------------------------------
# Cases. Each names its declaration, the charge that sets the starting
# state, the loop, the loop's dims and amount, and the implementations it
# times. Limits stay below 2**30 so the floor's totals are small ints on
# 32-bit ports too, except in the slow-path case.
# ---------------------------------------------------------------------------

TOKENS = Dim.TOKENS
ONE_DIM = {TOKENS: (10**9, 9 * 10**8)}
THREE_DIMS = {TOKENS: (10**9, 9 * 10**8), Dim.MILLIS: (10**9, None), Dim.CALLS: (10**9, None)}
THREE_PAIRS = ((TOKENS, 3), (Dim.MILLIS, 3), (Dim.CALLS, 3))
SNAPSHOT_BUFFER = bytearray(SNAPSHOT_SIZE)

CASES = (
    # A total far below its warn threshold: every charge continues.
    ("continue", ONE_DIM, None, _loop_charge, TOKENS, 3, CHARGE_IMPLS),
    # A total above its warn threshold, far below its limit.
    ("warn", {TOKENS: (10**9, 10)}, (TOKENS, 11), _loop_charge, TOKENS, 3, CHARGE_IMPLS),
    # A total already above its limit; the charges keep adding to it.
    ("exhausted", {TOKENS: (10, None)}, (TOKENS, 11), _loop_charge, TOKENS, 3, CHARGE_IMPLS),
    # Three dimensions charged and combined with worst(), all continuing.
    ("checkpoint", THREE_DIMS, None, _loop_checkpoint, (TOKENS, Dim.MILLIS, Dim.CALLS), 3,
     CHARGE_IMPLS),
    # Amounts of 2**28 + 1 against a limit of 2**64 - 1: every kernel
    # charge leaves its fast window, and the floor's totals turn into long
    # ints. No target applies; it shows what the kernel's slow path costs.
    ("slowpath", {TOKENS: (_U64_MAX, None)}, None, _loop_charge, TOKENS, _WINDOW_PLUS_ONE,
     CHARGE_IMPLS),
)

# Admission and snapshot calls, reported in a table of their own.
CALL_CASES = (
    # preview() of a charge that would continue.
    ("preview", ONE_DIM, None, _loop_preview, TOKENS, 3, CALL_IMPLS),
    # try_charge() that charges and continues.
    ("try", ONE_DIM, None, _loop_try_charge, TOKENS, 3, CALL_IMPLS),
    # try_charge() that would exhaust, so it is refused and changes nothing:
    # the total sits at the limit of 10 and every call requests 3 more.
    ("try-refused", {TOKENS: (10, None)}, (TOKENS, 10), _loop_try_charge, TOKENS, 3, CALL_IMPLS),
    # try_charge() on a dim that charge() already exhausted: also refused.
    ("try-exhausted", {TOKENS: (10, None)}, (TOKENS, 11), _loop_try_charge, TOKENS, 3,
     CALL_IMPLS),
    # try_charge_all() of the same three (dim, 3) pairs, all continuing.
    ("try-all-3", THREE_DIMS, None, _loop_try_charge_all, THREE_PAIRS, None, CALL_IMPLS),
    # snapshot_into() and restore_spent_from() of three dims with totals.
    ("snapshot", THREE_DIMS, (TOKENS, 12345), _loop_snapshot_into, SNAPSHOT_BUFFER, None,
     SNAPSHOT_IMPLS),
    ("restore", THREE_DIMS, (TOKENS, 12345), _loop_restore_spent_from, SNAPSHOT_BUFFER, None,
     SNAPSHOT_IMPLS),
)


def _fresh(case, make):
    """Return a new implementation object in the case's starting state."""
    name, spec, first, loop, dims, amount, impls = case
    limits, warns = _declare(spec)
    b = make(limits, warns)
    if first is not None:
        b.charge(first[0], first[1])
    return b


def _time_block(case, make, count):
    """Return ns per operation for count unrolled iterations on a fresh object."""
    name, spec, first, loop, dims, amount, impls = case
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
    cases = CASES + CALL_CASES
    counts = {}
    for case in cases:
        for impl in case[6]:
            counts[(case[0], impl)] = _calibrate(case, MAKERS[impl])
    samples = {}
    for key in counts:
        samples[key] = []
    for round_index in range(ROUNDS):
        for case in cases:
            # Rotate the order each round so no implementation always
            # runs first, right after the collection of the previous case.
            impls = case[6]
            for i in range(len(impls)):
                impl = impls[(i + round_index) % len(impls)]
                key = (case[0], impl)
                samples[key].append(_time_block(case, MAKERS[impl], counts[key]))
    return samples


# ---------------------------------------------------------------------------
# Heap requests (MicroPython with memory statistics only)
# ---------------------------------------------------------------------------

try:
    from micropython import mem_total as _mem_total
except ImportError:
    _mem_total = None


def _loop_call(b, call, amount, count):
    """Call call(b) count * UNROLL times and return the elapsed ns, like the timed loops."""
    start = _clock()
    for _ in range(count * UNROLL):
        call(b)
    return _elapsed_ns(start, _clock())


# Calls that are not timed but whose heap requests are reported.
QUERY_CASES = (
    ("spent", ONE_DIM, (TOKENS, 12345), _loop_call, lambda b: b.spent(TOKENS), None,
     SNAPSHOT_IMPLS),
    ("remaining", ONE_DIM, (TOKENS, 12345), _loop_call, lambda b: b.remaining(TOKENS), None,
     SNAPSHOT_IMPLS),
    ("reset", THREE_DIMS, (TOKENS, 12345), _loop_call, lambda b: b.reset(), None,
     SNAPSHOT_IMPLS),
)


def _requested_by_loop(case, b, count):
    """Return the heap bytes that count unrolled iterations of the case's loop request."""
    name, spec, first, loop, dims, amount, impls = case
    before = _mem_total()
    loop(b, dims, amount, count)
    return _mem_total() - before


def run_heap_requests():
    """Return [(case, impl, bytes)]: heap bytes one call requests, heap unlocked.

    mem_total() counts every heap request, frames that the VM frees on
    return included, which gc.mem_alloc() cannot see. The loop of one
    iteration is subtracted from the loop of two, which removes the loop's
    own requests, and the rest is divided by the calls in one iteration.
    """
    rows = []
    for case in CASES + CALL_CASES + QUERY_CASES:
        for impl in case[6]:
            b = _fresh(case, MAKERS[impl])
            # A first pass lets any one-off request (a window opening, a
            # name interned) happen before the count.
            _requested_by_loop(case, b, 1)
            once = _requested_by_loop(case, b, 1)
            twice = _requested_by_loop(case, b, 2)
            rows.append((case[0], impl, (twice - once) // UNROLL))
    return rows


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


def _footprint_maker(impl, limits, warns):
    """Return a function that makes one object of impl, for _heap_of()."""
    if impl == "ledger":
        # The policy is shared by all of a client's ledgers, so it is built
        # before the measurement and only the ledger is weighed.
        policy = _kernel_builder(limits, warns).build_policy()
        return policy.ledger
    make = MAKERS[impl]
    return lambda: make(limits, warns)


def run_footprint():
    """Return [(case, impl, bytes)] for 1, 3 and 8 dimensions declared."""
    one_dim = _declare({TOKENS: (10**9, 9 * 10**8)})
    three_dims = _declare(
        {TOKENS: (10**9, 9 * 10**8), Dim.MILLIS: (5000, None), Dim.CALLS: (50, 40)}
    )
    all_dims = _declare(dict((dim, (10**9, 10**6)) for dim in Dim.ALL))
    rows = []
    cases = (("dims-1", one_dim), ("dims-3", three_dims), ("dims-8", all_dims))
    for case, (limits, warns) in cases:
        for impl in CHARGE_IMPLS:
            size = _heap_of(_footprint_maker(impl, limits, warns))
            rows.append((case, impl, size))
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
    print("%-11s %9s %9s %9s %9s %13s %13s %15s" % (
        "case", "kernel", "ledger", "floor", "arrayq",
        "kernel/floor", "ledger/floor", "kernel/arrayq"))
    for case in CASES:
        name = case[0]
        kernel = min(samples[(name, "kernel")])
        ledger = min(samples[(name, "ledger")])
        floor = min(samples[(name, "floor")])
        arrayq = min(samples[(name, "arrayq")])
        print("%-11s %9.0f %9.0f %9.0f %9.0f %12.2fx %12.2fx %14.2fx" % (
            name, kernel, ledger, floor, arrayq, kernel / floor, ledger / floor,
            kernel / arrayq))

    print()
    print("ns per call (try-all-3: one call of three pairs), minimum of %d rounds" % ROUNDS)
    print("%-13s %9s %9s %9s %13s %13s" % (
        "case", "kernel", "ledger", "floor", "kernel/floor", "ledger/floor"))
    for case in CALL_CASES:
        name = case[0]
        kernel = min(samples[(name, "kernel")])
        ledger = min(samples[(name, "ledger")])
        if (name, "floor") not in samples:
            print("%-13s %9.0f %9.0f %9s %13s %13s" % (name, kernel, ledger, "-", "-", "-"))
            continue
        floor = min(samples[(name, "floor")])
        print("%-13s %9.0f %9.0f %9.0f %12.2fx %12.2fx" % (
            name, kernel, ledger, floor, kernel / floor, ledger / floor))


def main(argv):
    footprint_only = "--footprint-only" in argv
    name, version, bits = _runtime()
    print("info runtime %s %s %d" % (name, version, bits))
    print("info module %s" % getattr(budgetkernel, "__file__", "(frozen, no __file__)"))
    print("info statistic min-of-%d-rounds" % ROUNDS)

    samples = None
    if not footprint_only:
        samples = run_timing()
        for case in CASES + CALL_CASES:
            for impl in case[6]:
                values = samples[(case[0], impl)]
                print("row %s %s %.1f %.1f" % (case[0], impl, min(values), _median(values)))

    if _mem_alloc is not None:
        print("footprint import module %d" % _IMPORT_BYTES)
        for case, impl, size in run_footprint():
            print("footprint %s %s %d" % (case, impl, size))

    if _mem_total is not None and not footprint_only:
        for case, impl, size in run_heap_requests():
            print("requested %s %s %d" % (case, impl, size))

    if samples is not None:
        _print_table(samples)


main(sys.argv[1:])
