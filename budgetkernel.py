"""Deterministic budget accounting for CPython and MicroPython.

A control loop, a radio retry loop or an LLM agent can overrun its time,
byte, token or call allowance unless something keeps count. budgetkernel
keeps that count: the caller declares limits on up to eight fixed
dimensions, charges them as work happens, and reads a verdict after every
charge. The caller measures; the kernel only accounts. It reads no clock,
does no I/O, keeps no global mutable state and starts no threads.

Every charge returns one of three verdicts:

- continue: the total is at or below its warn threshold (or there is none);
- warn: the total is above the warn threshold but not above the limit;
- exhausted: the total is above the limit.

Example (runs unchanged on CPython and MicroPython)::

    from budgetkernel import Budget, Dim, Verdict

    budget = (Budget.builder()
              .limit_with_warn(Dim.TOKENS, 1000, 800)
              .limit(Dim.CALLS, 3)
              .build())
    verdict = budget.charge(Dim.TOKENS, 850)
    assert verdict == Verdict.warn(Dim.TOKENS)
    assert verdict.is_continuing()
    assert budget.remaining(Dim.TOKENS) == 150

Semantics (the same as the Rust crate budgetkernel 0.1.2):

- Limits are inclusive: a total equal to the limit still continues.
- Warn is strict and repeats: every charge that leaves the total above the
  threshold and not above the limit returns warn, not only the first one.
- Exhausted wins over warn when one charge crosses both.
- The total is stored even when the charge exhausts the budget.
- A zero-amount charge reads the state without changing the total.
- Totals saturate at 2**64 - 1, so a budget whose limit is 2**64 - 1
  never exhausts.
- build() checks, in this order: a dimension declared twice, no dimension
  declared, then each declared dimension in Dim.ALL order for a zero
  limit and for a warn threshold that is not below its limit.

Guarantees:

1. The same sequence of valid calls gives the same verdicts and totals on
   CPython and on every MicroPython build with arbitrary-precision ints.
2. Bad input raises TypeError or ValueError naming the value and the
   valid range, and leaves the builder or budget exactly as it was. Bad
   input is a dimension other than the eight ints 0..7, or an amount, limit
   or warn threshold that is not an int in 0..2**64-1 (a bool is rejected).
   While MicroPython's heap is locked, formatting the message can raise
   MemoryError instead, which changes nothing either.
3. On MicroPython, once a budget or ledger is built, these calls do not
   allocate while the heap is locked (as in a hard interrupt handler):
   charge(), preview(), try_charge(), try_charge_all() (given a list or
   tuple made beforehand), reset(), snapshot_into(), restore_spent_from(),
   the Verdict methods, and spent()/remaining() whose result fits a small
   int. That holds for totals anywhere in 0..2**64-1, as long as the
   amount itself is a small int (below 2**30 on 32-bit ports). Charging an
   undeclared dimension raises ChargeError even while the heap is locked.
   With the heap unlocked, the Verdict methods and a charge(), preview()
   or try_charge() that fits in its window request no heap either; the
   other calls take frames from the heap (see the limitations).
4. A charge writes only the slots of its own dimension, so an interrupt
   handler that charges one dimension cannot corrupt a main-loop charge on
   another one.

Known limitations:

- Long ints allocate. An amount that is already a long int (2**30 or more
  on 32-bit ports, 2**62 or more on 64-bit ones) makes charge() allocate,
  and so does asking spent() or remaining() for a total that only a long
  int can hold, or passing a dim that long-int arithmetic returned (divmod
  of long ints can return even 0..7 as a long int on MicroPython).
  Workaround: charge large quantities in smaller units.
- Frames on the heap. MicroPython 1.25 keeps a call's frame on the C
  stack only up to 11 machine words. With the heap unlocked, every call
  except the Verdict methods and a charge(), preview() or try_charge()
  that fits in its window requests heap for its frames and frees it on
  return, up to 1300 bytes per call on a 32-bit port. That includes a
  charge that changes the verdict, a refused try_charge(), try_charge_all(),
  spent() and remaining(), and the request can start a garbage
  collection. With the heap locked the frames go on the C stack.
- Bad input under a heap lock. Formatting an error message allocates, so
  while the heap is locked a bad value raises MemoryError instead of
  TypeError or ValueError, and changes nothing. ChargeError and
  SnapshotError keep their type and attributes.
- Builds without arbitrary-precision ints (MICROPY_LONGINT_IMPL_LONGLONG
  or _NONE) cannot hold 2**64 - 1, so importing the module there raises
  ImportError instead of giving wrong answers.
- Two charges of the same dimension from contexts that can interrupt each
  other (an interrupt handler and the main loop, or two threads) can lose
  an update. Serialise them, for example by disabling interrupts around
  the main-loop charge. preview() and try_charge() count as charges here,
  because for an amount above 2**28 they may write the new total and then
  put the old one back. try_charge_all(), reset(), snapshot_into() and
  restore_spent_from() touch every dimension they name, so serialise them
  against charges of those.
- Stackless MicroPython builds allocate a frame on every call, so
  guarantee 3 does not hold there.
- An exception raised into a running charge(), preview(), try_charge(),
  try_charge_all(), reset() or restore_spent_from() from outside,
  such as KeyboardInterrupt or one raised by a signal handler, can stop it
  between two of its writes and leave that dimension's total wrong. Call
  reset() (letting it finish) or build a new budget after one.
- Error messages quote repr(value). CPython and MicroPython print some
  floats, non-ASCII strings and arbitrary objects differently, and CPython
  refuses to print an int of more than 4300 digits, so only those
  messages differ between the runtimes.

Differences from the Rust crate:

- Errors are exceptions (BuilderError, ChargeError) instead of Result.
- Dimensions are the plain ints 0..7 instead of an enum, so the kernel
  rejects other values at run time where Rust's type checker would.
- Additions, which the crate does not have: preview(), try_charge() and
  try_charge_all() for admission control; snapshot_into(), restore() and
  restore_spent_from() with SnapshotError, to keep state across a reset
  or deep sleep; and Policy with Ledger, for many small sets of totals
  under one set of limits.

Non-goals: refilling over time (a rate limiter's job), reading a clock,
I/O (a snapshot goes into a buffer that the caller stores), coordination
across processes or machines, an async API and dimensions beyond the fixed
eight.
"""

try:
    from micropython import const
except ImportError:

    def const(value):
        """Return value unchanged, where MicroPython's const() is absent."""
        return value


__version__ = "0.1.0"


# Builds whose ints stop below 2**64 (MicroPython's longlong and none
# integer implementations) cannot hold every total, so they get an
# ImportError instead of wrong results. The shift is done on a variable so
# that no compiler folds it into a constant.
_U64_MAX = 1
try:
    _U64_MAX = (_U64_MAX << 64) - 1
except OverflowError:
    pass
if str(_U64_MAX) != "18446744073709551615":
    raise ImportError("budgetkernel needs arbitrary-precision ints (MICROPY_LONGINT_IMPL_MPZ)")


# ---------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------

_MAX_DIMS = const(8)
MAX_DIMS = _MAX_DIMS

_CONTINUE = const(0)
_WARN = const(1)
_EXHAUSTED = const(2)

# The window is the most a charge can add on the fast path. 2**28 keeps
# every sum the slow path forms below 2**30, the small-int ceiling of
# 32-bit ports, and _GAP_BAIL is where a running difference in _u64_gap()
# is already known to exceed the window.
_WINDOW = const(1 << 28)
_GAP_BAIL = const(1 << 21)

# A Budget keeps a 24-byte record per declared dimension: three u64 fields,
# little-endian, in this order. A Policy keeps the last two (16 bytes) and
# each of its Ledgers the first (8 bytes).
_END = const(0)
_LIMIT = const(8)
_WARN_AT = const(16)
_RECORD = const(24)
_BOUNDS = const(16)

# Modes of Budget._settle(): keep the new total, or put the old one back.
_COMMIT = const(0)
_PREVIEW = const(1)
_TRY = const(2)

# The snapshot format, version 1, is the same on every machine. All
# integers are little-endian. Offsets:
#     0  magic, b"BK"
#     2  version, 1
#     3  mask of declared dims (bit d for dim d)
#     4  mask of dims with a warn threshold
#     5  reserved, 0
#     6  8 records of 24 bytes, one per dim 0..7: limit, warn, spent (u64)
#   198  CRC-16/CCITT-FALSE of bytes 0..197 (u16)
# An undeclared dim's record is all zeros. So is the warn field of a dim
# without a warn threshold.
SNAPSHOT_SIZE = const(200)
_SNAPSHOT_VERSION = const(1)
_SNAPSHOT_RECORDS = const(6)
_SNAPSHOT_CRC = const(198)

# Index of the first verdict in an account's _hot list, after the 8 rooms and
# the limits buffer. A positive index keeps CPython's list-index fast path.
_VERDICTS = const(9)

# Fields holding the constants 0 and 2**64 - 1, read at offset 0 where
# a u64 helper needs one of them as an operand.
_ZERO_FIELD = bytes(8)
_MAX_FIELD = b"\xff" * 8

_DIMS = tuple(range(_MAX_DIMS))

_DIM_TEXT = "dim must be an int in 0..7, got %r"
_COUNT_TEXT = "%s must be an int in 0..2**64-1, got %r"

# MicroPython looks a builtin name up in the module's globals first and in
# the builtins second. Module-level aliases skip that miss, which made the
# type checks in Budget.charge() about a third cheaper on the unix port.
_type = type
_int = int


# ---------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------


def _check_dim(dim):
    """Return dim as a small int; raise TypeError or ValueError unless it is an int in 0..7."""
    if type(dim) is not int:
        raise TypeError(_DIM_TEXT % (dim,))
    if dim < 0 or dim >= _MAX_DIMS:
        raise ValueError(_DIM_TEXT % (dim,))
    # MicroPython can hold a small value in a long-int object (divmod of
    # long ints returns one), and arithmetic on it allocates. Indexing
    # returns the small int without allocating.
    return _DIMS[dim]


def _check_u64(name, value):
    """Raise TypeError or ValueError unless value is an int in 0..2**64-1."""
    if type(value) is not int:
        raise TypeError(_COUNT_TEXT % (name, value))
    if value < 0 or value > _U64_MAX:
        raise ValueError(_COUNT_TEXT % (name, value))


# ---------------------------------------------------------------------------
# u64 fields in a bytearray
#
# A u64 is stored as 8 little-endian bytes, so each digit read from the
# bytearray is a small int and no step below forms an int of 2**30 or more
# unless its input or result already is one. That is what keeps charge()
# free of heap allocation on 32-bit ports, where ints from 2**30 up are
# heap objects.
# ---------------------------------------------------------------------------


def _u64_add(buf, at, delta, skip):
    """Add delta * 256**skip to the field at offset at, saturating at 2**64 - 1.

    delta may be negative only when the result stays at or above zero.
    Digits are split off delta before the addition, so a small-int delta
    never produces an intermediate long int.
    """
    carry = delta
    for i in range(at + skip, at + 8):
        if carry == 0:
            return
        digit = buf[i] + (carry & 0xFF)
        buf[i] = digit & 0xFF
        carry = (carry >> 8) + (digit >> 8)
    if carry > 0:
        # The true sum passed 2**64 - 1: saturate, as u64::saturating_add does.
        for i in range(at, at + 8):
            buf[i] = 0xFF


def _u64_compare(a_buf, a, b_buf, b):
    """Return a positive, zero or negative int as field a is >, == or < field b."""
    i = 7
    while i >= 0:
        diff = a_buf[a + i] - b_buf[b + i]
        if diff:
            return diff
        i -= 1
    return 0


def _u64_gap(high_buf, high, low_buf, low):
    """Return min(field high - field low, _WINDOW), where high >= low."""
    # Digits are taken from the top. The prefixes obey high >= low, so the
    # running difference never goes negative, and once it reaches
    # _GAP_BAIL with a digit still to come the full gap exceeds _WINDOW.
    gap = 0
    i = 7
    while i >= 0:
        if gap >= _GAP_BAIL:
            return _WINDOW
        gap = (gap << 8) + high_buf[high + i] - low_buf[low + i]
        i -= 1
    if gap > _WINDOW:
        return _WINDOW
    return gap


def _u64_value(plus_buf, plus, minus_buf, minus, carry):
    """Return field plus - field minus + carry as an int.

    The result must lie in 0..2**64-1.

    The digits are combined from the bottom, so every partial sum is at
    most the result: a result below 2**30 never allocates.
    """
    value = 0
    shift = 0
    for i in range(8):
        digit = plus_buf[plus + i] + carry - minus_buf[minus + i]
        carry = digit >> 8
        digit &= 0xFF
        if digit:
            value += digit << shift
        shift += 8
    return value


def _u64_piece(buf, at, count):
    """Return the little-endian number in the count bytes (at most 3) from at."""
    value = 0
    i = at + count
    while i > at:
        i -= 1
        value = (value << 8) | buf[i]
    return value


def _u64_store(buf, at, low, middle, high):
    """Set the field at offset at to low + middle * 2**24 + high * 2**48."""
    for i in range(at, at + 8):
        buf[i] = 0
    _u64_add(buf, at, low, 0)
    _u64_add(buf, at, middle, 3)
    _u64_add(buf, at, high, 6)


def _u64_copy(to_buf, to, from_buf, start):
    """Copy the field at offset start of from_buf to offset to of to_buf."""
    for i in range(8):
        to_buf[to + i] = from_buf[start + i]


# ---------------------------------------------------------------------------
# Dim
# ---------------------------------------------------------------------------

_NAMES = ("tokens", "millis", "bytes", "calls", "memory", "custom0", "custom1", "custom2")


class Dim:
    """The eight budget dimensions, as the ints 0..7."""

    TOKENS = 0
    MILLIS = 1
    BYTES = 2
    CALLS = 3
    MEMORY = 4
    CUSTOM0 = 5
    CUSTOM1 = 6
    CUSTOM2 = 7

    ALL = (0, 1, 2, 3, 4, 5, 6, 7)

    @staticmethod
    def name(dim):
        """Return the lowercase name of dim, such as "tokens"."""
        _check_dim(dim)
        return _NAMES[dim]


# ---------------------------------------------------------------------------
# Verdict
# ---------------------------------------------------------------------------


class Verdict:
    """The outcome of one charge: continue, warn on a dimension, or exhausted.

    There is one Verdict object per kind and dimension, made at import, so
    returning one never allocates. Get them from Verdict.CONTINUE,
    Verdict.warn(dim) and Verdict.exhausted(dim).
    """

    def __init__(self, kind, dim):
        # The severity order is the order of the kind constants.
        self._kind = kind
        self._dim = dim

    @staticmethod
    def warn(dim):
        """Return the verdict for a total above dim's warn threshold."""
        _check_dim(dim)
        return _WARN_VERDICTS[dim]

    @staticmethod
    def exhausted(dim):
        """Return the verdict for a total above dim's limit."""
        _check_dim(dim)
        return _EXHAUSTED_VERDICTS[dim]

    def is_continuing(self):  # no allocation on MicroPython
        """Return True for continue and warn, False for exhausted."""
        return self._kind != _EXHAUSTED

    def is_exhausted(self):  # no allocation on MicroPython
        """Return True for exhausted only."""
        return self._kind == _EXHAUSTED

    def dimension(self):  # no allocation on MicroPython
        """Return the dimension of a warn or exhausted verdict, None for continue."""
        return self._dim

    def worst(self, other):  # no allocation on MicroPython
        """Return the more severe of self and other; self on equal severity.

        Severity runs exhausted > warn > continue. This only combines
        verdicts already returned; it does not make several charges atomic.
        """
        if type(other) is not Verdict:
            raise TypeError("worst() needs a Verdict, got %r" % (other,))
        if other._kind > self._kind:
            return other
        return self

    def __eq__(self, other):
        return type(other) is Verdict and self._kind == other._kind and self._dim == other._dim

    def __hash__(self):  # no allocation on MicroPython
        return self._kind * 16 + (self._dim or 0)

    def __repr__(self):
        if self._dim is None:
            return "Verdict.CONTINUE"
        kind = ("warn", "exhausted")[self._kind - _WARN]
        return "Verdict.%s(Dim.%s)" % (kind, _NAMES[self._dim].upper())


Verdict.CONTINUE = Verdict(_CONTINUE, None)


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


class BuilderError(ValueError):
    """A budget declaration that build() rejects.

    reason is one of "duplicate_dimension", "no_dimensions", "zero_limit"
    and "warn_not_below_limit"; dim is the dimension at fault, or None for
    "no_dimensions".
    """

    def __init__(self, reason, dim, message):
        super().__init__(message)
        self.reason = reason
        self.dim = dim


class ChargeError(LookupError):
    """A charge against a dimension that the budget did not declare."""

    def __init__(self, dim):
        super().__init__("dimension '%s' was not declared in this budget" % _NAMES[dim])
        self.dim = dim


class SnapshotError(ValueError):
    """A snapshot that restore() or restore_spent_from() rejects.

    reason is one of "truncated", "bad_magic", "bad_version",
    "bad_checksum", "bad_contents" and "policy_mismatch".
    """

    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason


# The canonical verdicts, and the ChargeErrors raised in place of a new one
# when the heap is locked (as in a hard interrupt handler), so that the
# caller still learns which dimension failed.
_WARN_VERDICTS = []
_EXHAUSTED_VERDICTS = []
_CHARGE_ERRORS = []
for _dim in Dim.ALL:
    _WARN_VERDICTS.append(Verdict(_WARN, _dim))
    _EXHAUSTED_VERDICTS.append(Verdict(_EXHAUSTED, _dim))
    _CHARGE_ERRORS.append(ChargeError(_dim))


# One SnapshotError per reason, raised in place of a new one when the heap is
# locked, so that restore_spent_from() still reports why it rejected a blob.
_SNAPSHOT_REASONS = (
    "truncated",
    "bad_magic",
    "bad_version",
    "bad_checksum",
    "bad_contents",
    "policy_mismatch",
)
_SNAPSHOT_ERRORS = []
for _reason in _SNAPSHOT_REASONS:
    _SNAPSHOT_ERRORS.append(
        SnapshotError(_reason, "snapshot rejected: %s (no details with the heap locked)" % _reason)
    )


def _snapshot_error(reason, text, first, second):
    """Return a SnapshotError whose message is text % (first, second).

    A None argument is left out. While the heap is locked the message
    cannot be built, and the prebuilt error for reason is returned instead.
    """
    try:
        if second is not None:
            text = text % (first, second)
        elif first is not None:
            text = text % first
        return SnapshotError(reason, text)
    except MemoryError:
        return _SNAPSHOT_ERRORS[_SNAPSHOT_REASONS.index(reason)]


def _raise_undeclared(dim):
    """Raise ChargeError for dim, a prebuilt one while the heap is locked."""
    try:
        error = ChargeError(dim)
    except MemoryError:
        error = _CHARGE_ERRORS[dim]
    raise error


# ---------------------------------------------------------------------------
# BudgetBuilder
# ---------------------------------------------------------------------------


class BudgetBuilder:
    """Collects limits and warn thresholds; build() checks them into a Budget.

    Each method checks its arguments' types and ranges at once and raises
    without changing the builder. The rules that involve several values
    (duplicates, zero limits, warn below limit) wait for build(), as in the
    Rust crate.
    """

    def __init__(self):
        self._limits = [None] * _MAX_DIMS
        self._warns = [None] * _MAX_DIMS
        self._duplicate = None

    def limit(self, dim, limit):
        """Declare dim with a limit and no warn threshold; return the builder."""
        return self._declare(dim, limit, None, False)

    def limit_with_warn(self, dim, limit, warn):
        """Declare dim with a limit and a warn threshold; return the builder."""
        return self._declare(dim, limit, warn, True)

    def _declare(self, dim, limit, warn, has_warn):
        _check_dim(dim)
        _check_u64("limit", limit)
        if has_warn:
            _check_u64("warn", warn)
        # Only the first repeated dimension is reported, as the crate does.
        if self._limits[dim] is not None and self._duplicate is None:
            self._duplicate = dim
        self._limits[dim] = limit
        if has_warn:
            self._warns[dim] = warn
        return self

    def build(self):
        """Return a new Budget, or raise BuilderError for the first broken rule."""
        self._check()
        return Budget(self._limits, self._warns)

    def build_policy(self):
        """Return a new Policy, or raise BuilderError as build() does."""
        self._check()
        return Policy(self._limits, self._warns)

    def _check(self):
        """Raise BuilderError for the first rule the declarations break."""
        if self._duplicate is not None:
            dim = self._duplicate
            raise BuilderError(
                "duplicate_dimension",
                dim,
                "dimension '%s' declared more than once" % _NAMES[dim],
            )
        if self._limits.count(None) == _MAX_DIMS:
            raise BuilderError(
                "no_dimensions", None, "budget must declare at least one dimension"
            )
        for dim in Dim.ALL:
            limit = self._limits[dim]
            warn = self._warns[dim]
            if limit is None:
                continue
            if limit == 0:
                raise BuilderError(
                    "zero_limit", dim, "limit for '%s' must be non-zero" % _NAMES[dim]
                )
            if warn is not None and warn >= limit:
                raise BuilderError(
                    "warn_not_below_limit",
                    dim,
                    "warn for '%s' must be below its limit %d, got %d" % (_NAMES[dim], limit, warn),
                )


# ---------------------------------------------------------------------------
# Storage shared by Budget and Ledger
#
# An account (a Budget or a Ledger) with n declared dimensions, the highest
# of them top - 1, stores:
#
# _hot, a list of 9 + top items. Item dim (0..7) is the room of dim: how
#   much can still be charged before its verdict or its window can change,
#   or -1 for an undeclared dim. Item 8 is the bytearray with the
#   limits and warn thresholds. Item dim + 9 is the verdict for dim's
#   current total (None for an undeclared dim).
# _u64, a bytearray with the end of the current window of each declared
#   dim, a u64, in Dim.ALL order.
#
# The k-th declared dim's window end is at k * _END_STRIDE in _u64. Its
# limit is at k * _BOUND_STRIDE + _BOUND_BASE in item 8, and its warn
# threshold follows the limit. A dim without a warn threshold stores its
# limit there, which no total can pass without also passing the limit. A
# Budget keeps all three fields in _u64 (item 8 is _u64 itself); a Ledger
# keeps the window ends and shares its Policy's limits.
#
# NOTE: a budget with all eight dimensions declared takes 336 bytes of heap
# on 32-bit ports (192 with dims 0..2), measured with gc.mem_alloc().
#
# Invariants, cited by number below:
#   1. A dim is declared exactly when its room is >= 0.
#   2. The total spent on dim is (window end) - room, and lies in
#      0..2**64-1.
#   3. Room is at most _WINDOW, and every total from the current one up to
#      the window end gets the same verdict, _hot[dim + _VERDICTS].
#   4. The total never decreases, except through reset() and
#      restore_spent_from().
# ---------------------------------------------------------------------------


def _store_bounds(buf, stride, base, limits, warns):
    """Write each declared dim's limit and warn threshold; return the dim mask."""
    at = base
    mask = 0
    for dim in Dim.ALL:
        limit = limits[dim]
        if limit is None:
            continue
        warn = warns[dim]
        # Adding to the zeroed fields of a new bytearray stores the values.
        _u64_add(buf, at, limit, 0)
        _u64_add(buf, at + 8, limit if warn is None else warn, 0)
        mask |= 1 << dim
        at += stride
    return mask


def _new_hot(mask, bounds):
    """Return a _hot list for the dims set in mask; reset() fills in the rooms."""
    top = 0
    while mask >> top:
        top += 1
    hot = [-1] * _MAX_DIMS + [bounds] + [None] * top
    for dim in range(top):
        if mask >> dim & 1:
            hot[dim] = 0
    return hot


def _verdict_for(dim, buf, end, bounds, limit):
    """Return the verdict for the total held in the field at end."""
    # Both comparisons are strict: a total equal to the limit or to the
    # warn threshold still belongs to the band below it.
    if _u64_compare(buf, end, bounds, limit) > 0:
        return _EXHAUSTED_VERDICTS[dim]
    if _u64_compare(buf, end, bounds, limit + 8) > 0:
        return _WARN_VERDICTS[dim]
    return Verdict.CONTINUE


def _passes(field_buf, field, buf, end, room, amount):
    """Return whether total + amount, saturated, is above the field.

    The total is window end - room, and the window end must not be above
    the field. Returns None when amount is too large to tell without
    forming a long int.
    """
    gap = _u64_gap(field_buf, field, buf, end)
    if gap < _WINDOW:
        # The field minus the total is gap + room, below 2**29. A saturated
        # sum never passes a field of 2**64 - 1.
        if amount <= gap + room:
            return False
        return _u64_compare(field_buf, field, _MAX_FIELD, 0) < 0
    if amount <= _WINDOW + room:
        return False
    return None


def _judge(dim, verdict, amount, room, buf, end, bounds, limit):
    """Return the verdict that charging amount would give, changing nothing.

    verdict is dim's current one. Returns None when amount is too large to
    tell without forming a long int.
    """
    # A window never passes the threshold above its band (invariant 3), so
    # _passes() may be asked about that threshold and the ones above it.
    if verdict._kind == _EXHAUSTED:
        return verdict
    passes = _passes(bounds, limit, buf, end, room, amount)
    if passes is None:
        return None
    if passes:
        return _EXHAUSTED_VERDICTS[dim]
    if verdict._kind == _WARN:
        return verdict
    passes = _passes(bounds, limit + 8, buf, end, room, amount)
    if passes is None:
        return None
    if passes:
        return _WARN_VERDICTS[dim]
    return verdict


# ---------------------------------------------------------------------------
# Budget
# ---------------------------------------------------------------------------


class Budget:
    """Limits, warn thresholds and running totals for up to eight dimensions.

    Make one with Budget.builder() or Budget.restore(). Methods that take a
    dim raise TypeError or ValueError for a value that is not one of the
    ints 0..7.
    """

    _END_STRIDE = _RECORD
    _BOUND_STRIDE = _RECORD
    _BOUND_BASE = _LIMIT

    def __init__(self, limits, warns):
        # Called by BudgetBuilder.build() with checked values.
        records = bytearray(_RECORD * (_MAX_DIMS - limits.count(None)))
        mask = _store_bounds(records, _RECORD, _LIMIT, limits, warns)
        self._hot = _new_hot(mask, records)
        self._u64 = records
        self.reset()

    @staticmethod
    def builder():
        """Return a new, empty BudgetBuilder."""
        return BudgetBuilder()

    @staticmethod
    def restore(buf):
        """Return a new Budget with the limits, thresholds and totals in a snapshot.

        buf is bytes, a bytearray or a memoryview of unsigned bytes holding
        what snapshot_into() wrote. Raises TypeError for another buf and
        SnapshotError for a snapshot that is short, damaged or invalid.
        """
        flags = _check_snapshot(buf)
        builder = BudgetBuilder()
        for dim in Dim.ALL:
            if not flags >> dim & 1:
                continue
            at = _SNAPSHOT_RECORDS + _RECORD * dim
            limit = _u64_value(buf, at, _ZERO_FIELD, 0, 0)
            if flags >> (dim + 8) & 1:
                builder.limit_with_warn(dim, limit, _u64_value(buf, at + 8, _ZERO_FIELD, 0, 0))
            else:
                builder.limit(dim, limit)
        # The budget was built from this snapshot's own limits, so only the
        # totals remain to load, without checking the snapshot again.
        budget = builder.build()
        budget._load_spent(buf)
        return budget

    def charge(self, dim, amount):  # no allocation under heap_lock for small-int amounts
        """Add amount to dim's total and return the resulting Verdict.

        Raises TypeError or ValueError for a bad dim or amount and
        ChargeError for an undeclared dim, changing nothing in each case.
        """
        hot = self._hot
        # NOTE: on CPython 3.11 an exhausted charge measures about 1.6x a bare
        # list counter (make bench), above the 1.5x aimed for. A dim check in
        # try/except is faster there, but makes MicroPython take this
        # method's frame from the heap on every call.
        if _type(dim) is _int and 0 <= dim < _MAX_DIMS and _type(amount) is _int:
            room = hot[dim]
            # Inside the window the verdict cannot change (invariant 3), so
            # the charge only uses up room. An undeclared dim has room -1
            # and always takes the slow path.
            if amount <= room and amount >= 0:
                # The verdict is read first: dim + _VERDICTS allocates for a
                # dim held as a long int, and a MemoryError must come before
                # the write.
                verdict = hot[dim + _VERDICTS]
                hot[dim] = room - amount
                return verdict
        return self._settle(dim, amount, _COMMIT)

    def preview(self, dim, amount):  # no allocation under heap_lock for small-int amounts
        """Return the Verdict that charge(dim, amount) would return, changing nothing.

        Raises the same errors as charge() for the same input.
        """
        hot = self._hot
        if _type(dim) is _int and 0 <= dim < _MAX_DIMS and _type(amount) is _int:
            if amount <= hot[dim] and amount >= 0:
                return hot[dim + _VERDICTS]
        return self._settle(dim, amount, _PREVIEW)

    def try_charge(self, dim, amount):  # no allocation under heap_lock for small-int amounts
        """Charge amount unless the charge would exhaust dim; return the Verdict.

        A charge that would exhaust dim, including any charge on a dim
        that is already exhausted, changes nothing and returns
        Verdict.exhausted(dim). Raises the same errors as charge().
        """
        hot = self._hot
        if _type(dim) is _int and 0 <= dim < _MAX_DIMS and _type(amount) is _int:
            room = hot[dim]
            if amount <= room and amount >= 0:
                verdict = hot[dim + _VERDICTS]
                if verdict._kind != _EXHAUSTED:
                    hot[dim] = room - amount
                return verdict
        return self._settle(dim, amount, _TRY)

    def try_charge_all(self, charges):  # no allocation under heap_lock for small-int amounts
        """Charge every (dim, amount) pair in charges, or none of them.

        charges is a list or tuple of pairs, each a tuple or list of two
        items, with no dim twice. If any pair would exhaust its dim,
        nothing is charged and the exhausted verdict of the first such
        pair is returned. Otherwise every pair is charged and the most
        severe verdict is returned, the first one on equal severity. Every
        pair is checked before anything changes, with the errors of
        charge(), plus TypeError for a malformed pair and ValueError for a
        repeated dim. charges is read again for each step, so it must not
        change during the call, for example from an interrupt handler.
        """
        count = self._check_charges(charges)
        for i in range(count):
            pair = charges[i]
            verdict = self.preview(pair[0], pair[1])
            if verdict._kind == _EXHAUSTED:
                return verdict
            # charge() splits the amount with shifts, which allocate for a
            # long int. One shift here, after every check and before anything
            # is charged, makes a MemoryError under heap_lock come after any
            # other error and leave every total as it was.
            pair[1] >> 24
        # The dims differ, so each charge returns the verdict just previewed.
        worst = Verdict.CONTINUE
        for i in range(count):
            pair = charges[i]
            worst = worst.worst(self.charge(pair[0], pair[1]))
        return worst

    def _check_charges(self, charges):
        """Check the pairs for try_charge_all() as charge() would; return their count."""
        # The messages name types and lengths, not repr(): a caller's list
        # can be long enough that quoting it would exhaust a small heap.
        kind = _type(charges)
        if kind is not list and kind is not tuple:
            raise TypeError(
                "charges must be a list or tuple of (dim, amount) pairs, got %s" % kind.__name__
            )
        count = len(charges)
        for i in range(count):
            pair = charges[i]
            kind = _type(pair)
            if kind is not tuple and kind is not list:
                raise TypeError(
                    "charges[%d] must be a (dim, amount) tuple or list, got %s" % (i, kind.__name__)
                )
            if len(pair) != 2:
                raise TypeError(
                    "charges[%d] must have 2 items, dim and amount, got %d" % (i, len(pair))
                )
            dim = _check_dim(pair[0])
            amount = pair[1]
            _check_u64("amount", amount)
            if self._hot[dim] < 0:
                _raise_undeclared(dim)
            for j in range(i):
                if charges[j][0] == dim:
                    raise ValueError(
                        "charges must name each dim once, got '%s' twice" % _NAMES[dim]
                    )
        return count

    def _settle(self, dim, amount, mode):
        """Check the input, then charge, preview or try an amount beyond the window."""
        dim = _check_dim(dim)
        _check_u64("amount", amount)
        hot = self._hot
        room = hot[dim]
        if room < 0:
            _raise_undeclared(dim)
        buf = self._u64
        bounds = hot[_MAX_DIMS]
        slot = self._slot(dim)
        end = slot * self._END_STRIDE
        limit = slot * self._BOUND_STRIDE + self._BOUND_BASE
        if mode != _COMMIT:
            verdict = _judge(dim, hot[dim + _VERDICTS], amount, room, buf, end, bounds, limit)
            if verdict is not None:
                if mode == _PREVIEW or verdict._kind == _EXHAUSTED:
                    return verdict
                mode = _COMMIT

        # Split the amount into small ints before the first write: for a
        # long-int amount this is the one step that allocates, so a
        # MemoryError here (heap locked, or full) leaves the budget unchanged.
        low = amount & 0xFFFFFF
        middle = (amount >> 24) & 0xFFFFFF
        high = amount >> 48
        if mode != _COMMIT:
            # Only an amount above 2**28 gets here. The window end is
            # kept as three small ints, so putting it back allocates nothing.
            kept_low = _u64_piece(buf, end, 3)
            kept_middle = _u64_piece(buf, end + 3, 3)
            kept_high = _u64_piece(buf, end + 6, 2)

        # The total is window end - room (invariant 2). Adding the amount in
        # three saturating steps equals one saturating addition.
        _u64_add(buf, end, -room, 0)
        _u64_add(buf, end, low, 0)
        _u64_add(buf, end, middle, 3)
        _u64_add(buf, end, high, 6)
        verdict = _verdict_for(dim, buf, end, bounds, limit)

        if mode == _PREVIEW or (mode == _TRY and verdict._kind == _EXHAUSTED):
            _u64_store(buf, end, kept_low, kept_middle, kept_high)
        else:
            self._open_window(dim, verdict, end, limit)
        return verdict

    def _open_window(self, dim, verdict, end, limit):
        """Set dim's room and verdict for the total now held in its window end."""
        hot = self._hot
        buf = self._u64
        kind = verdict._kind
        if kind == _EXHAUSTED:
            room = _u64_gap(_MAX_FIELD, 0, buf, end)
        elif kind == _WARN:
            room = _u64_gap(hot[_MAX_DIMS], limit, buf, end)
        else:
            room = _u64_gap(hot[_MAX_DIMS], limit + 8, buf, end)
        _u64_add(buf, end, room, 0)
        hot[dim + _VERDICTS] = verdict
        hot[dim] = room

    def _slot(self, dim):
        """Return how many declared dims come before dim."""
        hot = self._hot
        slot = 0
        for other in range(dim):
            if hot[other] >= 0:
                slot += 1
        return slot

    def spent(self, dim):  # no allocation under heap_lock for totals below 2**30
        """Return dim's running total, or None if dim was not declared."""
        _check_dim(dim)
        room = self._hot[dim]
        if room < 0:
            return None
        buf = self._u64
        return _u64_value(buf, self._slot(dim) * self._END_STRIDE, _ZERO_FIELD, 0, -room)

    def remaining(self, dim):  # no allocation under heap_lock for results below 2**30
        """Return max(limit - spent, 0) for dim, or None if dim was not declared."""
        _check_dim(dim)
        hot = self._hot
        room = hot[dim]
        if room < 0:
            return None
        if hot[dim + _VERDICTS]._kind == _EXHAUSTED:
            return 0
        # Outside the exhausted band the window never passes the limit, so
        # limit - spent = (limit - window end) + room, and no digit goes negative.
        slot = self._slot(dim)
        limit = slot * self._BOUND_STRIDE + self._BOUND_BASE
        return _u64_value(hot[_MAX_DIMS], limit, self._u64, slot * self._END_STRIDE, room)

    def reset(self):  # no allocation under heap_lock
        """Set every total back to 0, keeping limits and warn thresholds."""
        hot = self._hot
        end = 0
        limit = self._BOUND_BASE
        for dim in range(_MAX_DIMS):
            if hot[dim] < 0:
                continue
            # A total of 0 is in the continue band for every valid budget,
            # because the limit is at least 1 and 0 > warn never holds.
            _u64_store(self._u64, end, 0, 0, 0)
            self._open_window(dim, Verdict.CONTINUE, end, limit)
            end += self._END_STRIDE
            limit += self._BOUND_STRIDE

    def snapshot_into(self, buf):  # no allocation under heap_lock
        """Write the limits, thresholds and totals into buf, in SNAPSHOT_SIZE bytes.

        buf is a bytearray of at least SNAPSHOT_SIZE bytes; only its first
        SNAPSHOT_SIZE bytes are written. The format is versioned,
        little-endian and checksummed, so Budget.restore() reads it back on
        any machine. Raises TypeError or ValueError for another buf,
        writing nothing.
        """
        # A memoryview is not accepted: its items may be signed, wider than
        # a byte or read-only, and MicroPython cannot tell which.
        if _type(buf) is not bytearray:
            raise TypeError("snapshot buffer must be a bytearray, got %s" % _type(buf).__name__)
        if len(buf) < SNAPSHOT_SIZE:
            raise ValueError(
                "snapshot buffer must hold at least %d bytes, got %d" % (SNAPSHOT_SIZE, len(buf))
            )
        hot = self._hot
        bounds = hot[_MAX_DIMS]
        declared = 0
        warned = 0
        slot = 0
        for dim in range(_MAX_DIMS):
            at = _SNAPSHOT_RECORDS + _RECORD * dim
            for i in range(at, at + _RECORD):
                buf[i] = 0
            room = hot[dim]
            if room < 0:
                continue
            limit = slot * self._BOUND_STRIDE + self._BOUND_BASE
            _u64_copy(buf, at, bounds, limit)
            if _u64_compare(bounds, limit + 8, bounds, limit):
                warned |= 1 << dim
                _u64_copy(buf, at + 8, bounds, limit + 8)
            _u64_copy(buf, at + 16, self._u64, slot * self._END_STRIDE)
            _u64_add(buf, at + 16, -room, 0)
            declared |= 1 << dim
            slot += 1
        buf[0] = 0x42
        buf[1] = 0x4B
        buf[2] = _SNAPSHOT_VERSION
        buf[3] = declared
        buf[4] = warned
        buf[5] = 0
        crc = _crc16(buf)
        buf[_SNAPSHOT_CRC] = crc & 0xFF
        buf[_SNAPSHOT_CRC + 1] = crc >> 8

    def restore_spent_from(self, buf):  # no allocation under heap_lock
        """Set every total to the one in a snapshot with the same limits.

        Raises TypeError for a buf that is not bytes, a bytearray or a
        memoryview. Raises SnapshotError for a snapshot that is short,
        damaged or invalid, or whose dims, limits or warn thresholds differ
        from this one's. Each error changes nothing.
        """
        flags = _check_snapshot(buf)
        hot = self._hot
        bounds = hot[_MAX_DIMS]
        limit = self._BOUND_BASE
        for dim in range(_MAX_DIMS):
            at = _SNAPSHOT_RECORDS + _RECORD * dim
            declared = hot[dim] >= 0
            if declared != (flags >> dim & 1 == 1):
                raise _snapshot_error("policy_mismatch",
                                      "snapshot and budget differ on whether '%s' is declared",
                                      _NAMES[dim], None)
            if not declared:
                continue
            if flags >> (dim + 8) & 1:
                same = _u64_compare(buf, at + 8, bounds, limit + 8) == 0
            else:
                same = _u64_compare(bounds, limit + 8, bounds, limit) == 0
            if not same or _u64_compare(buf, at, bounds, limit) != 0:
                raise _snapshot_error("policy_mismatch",
                                      "snapshot limit or warn for '%s' differs from this budget's",
                                      _NAMES[dim], None)
            limit += self._BOUND_STRIDE
        self._load_spent(buf)

    def _load_spent(self, buf):
        """Copy each declared dim's total from a checked snapshot that matches."""
        hot = self._hot
        bounds = hot[_MAX_DIMS]
        end = 0
        limit = self._BOUND_BASE
        for dim in range(_MAX_DIMS):
            if hot[dim] < 0:
                continue
            spent_at = _SNAPSHOT_RECORDS + _RECORD * dim + 16
            _u64_copy(self._u64, end, buf, spent_at)
            verdict = _verdict_for(dim, self._u64, end, bounds, limit)
            self._open_window(dim, verdict, end, limit)
            end += self._END_STRIDE
            limit += self._BOUND_STRIDE


# ---------------------------------------------------------------------------
# Snapshot checks
# ---------------------------------------------------------------------------


def _crc16_nibbles():
    """Return the CRC-16/CCITT-FALSE (polynomial 0x1021) of each 4-bit value."""
    table = []
    for nibble in range(16):
        crc = nibble << 12
        for _ in range(4):
            crc <<= 1
            if crc & 0x10000:
                crc ^= 0x11021
        table.append(crc)
    return table


# A table for 4 bits at a time runs the CRC several times faster than one
# bit at a time, for 96 bytes of heap on 32-bit ports.
_CRC16_NIBBLES = _crc16_nibbles()


def _crc16(buf):
    """Return the CRC-16/CCITT-FALSE of the first _SNAPSHOT_CRC bytes of buf."""
    table = _CRC16_NIBBLES
    crc = 0xFFFF
    for i in range(_SNAPSHOT_CRC):
        byte = buf[i]
        crc = ((crc << 4) & 0xFFFF) ^ table[(crc >> 12) ^ (byte >> 4)]
        crc = ((crc << 4) & 0xFFFF) ^ table[(crc >> 12) ^ (byte & 0x0F)]
    return crc


def _check_snapshot(buf):
    """Raise unless buf contains a valid snapshot; return its two dim masks.

    The declared-dim mask is in bits 0..7 and the warn-threshold mask in
    bits 8..15.
    """
    kind = _type(buf)
    if kind is not bytes and kind is not bytearray and kind is not memoryview:
        raise TypeError(
            "snapshot must be bytes, a bytearray or a memoryview, got %s" % kind.__name__
        )
    size = len(buf)
    if size < SNAPSHOT_SIZE:
        raise _snapshot_error("truncated", "snapshot must be at least %d bytes, got %d",
                              SNAPSHOT_SIZE, size)
    if kind is memoryview:
        # Each item must be an int in 0..255: a signed or float view, or a
        # wider one holding a larger value, is not a run of bytes.
        for i in range(SNAPSHOT_SIZE):
            item = buf[i]
            if _type(item) is not _int or item < 0 or item > 0xFF:
                raise TypeError("snapshot memoryview must hold unsigned bytes, got item %d: %r"
                                % (i, item))
    if buf[0] != 0x42 or buf[1] != 0x4B:
        raise _snapshot_error("bad_magic",
                              "snapshot must start with 0x42 0x4b (b'BK'), got 0x%02x 0x%02x",
                              buf[0], buf[1])
    if buf[2] != _SNAPSHOT_VERSION:
        raise _snapshot_error("bad_version", "snapshot version must be %d, got %d",
                              _SNAPSHOT_VERSION, buf[2])
    stored = buf[_SNAPSHOT_CRC] | buf[_SNAPSHOT_CRC + 1] << 8
    computed = _crc16(buf)
    if stored != computed:
        raise _snapshot_error("bad_checksum",
                              "snapshot checksum 0x%04x does not match its contents (0x%04x)",
                              stored, computed)
    declared = buf[3]
    warned = buf[4]
    if buf[5]:
        raise _snapshot_error("bad_contents", "snapshot byte 5 must be 0, got %d", buf[5], None)
    if not declared:
        raise _snapshot_error("bad_contents", "snapshot declares no dimension", None, None)
    for dim in range(_MAX_DIMS):
        _check_snapshot_record(buf, dim, declared >> dim & 1, warned >> dim & 1)
    return declared | warned << 8


def _check_snapshot_record(buf, dim, declared, warned):
    """Raise SnapshotError unless dim's record has values that build() accepts."""
    at = _SNAPSHOT_RECORDS + _RECORD * dim
    name = _NAMES[dim]
    if not declared:
        if warned:
            raise _snapshot_error("bad_contents",
                                  "snapshot flags a warn threshold for undeclared dimension '%s'",
                                  name, None)
        for i in range(at, at + _RECORD):
            if buf[i]:
                raise _snapshot_error("bad_contents",
                                      "snapshot has non-zero values for undeclared dimension '%s'",
                                      name, None)
        return
    if _u64_gap(buf, at, _ZERO_FIELD, 0) == 0:
        raise _snapshot_error("bad_contents", "snapshot limit for '%s' must be non-zero",
                              name, None)
    if warned:
        if _u64_compare(buf, at + 8, buf, at) >= 0:
            raise _snapshot_error("bad_contents", "snapshot warn for '%s' must be below its limit",
                                  name, None)
    elif _u64_gap(buf, at + 8, _ZERO_FIELD, 0):
        raise _snapshot_error("bad_contents",
                              "snapshot warn for '%s' must be 0 when it has no threshold",
                              name, None)


# ---------------------------------------------------------------------------
# Policy and Ledger
# ---------------------------------------------------------------------------


class Policy:
    """Limits and warn thresholds, fixed once built, shared by many Ledgers.

    Make one with Budget.builder()...build_policy(), then one Ledger per
    client with ledger().
    """

    def __init__(self, limits, warns):
        # Called by BudgetBuilder.build_policy() with checked values.
        bounds = bytearray(_BOUNDS * (_MAX_DIMS - limits.count(None)))
        self._mask = _store_bounds(bounds, _BOUNDS, 0, limits, warns)
        self._bounds = bounds

    def ledger(self):
        """Return a new Ledger under this policy, with every total 0."""
        return Ledger(self)


class Ledger:
    """The running totals of one client under a shared Policy.

    A Ledger has Budget's methods for charging, queries, reset and
    snapshots, with the same semantics, but stores only its totals.
    """

    _END_STRIDE = 8
    _BOUND_STRIDE = _BOUNDS
    _BOUND_BASE = 0

    def __init__(self, policy):
        if _type(policy) is not Policy:
            raise TypeError("Ledger needs a Policy, got %r" % (policy,))
        self._hot = _new_hot(policy._mask, policy._bounds)
        self._u64 = bytearray(len(policy._bounds) // 2)
        self.reset()

    # The methods are Budget's own functions. Copying them here, instead of
    # inheriting from a shared base, spares MicroPython a base-class lookup
    # on every call.
    charge = Budget.charge
    preview = Budget.preview
    try_charge = Budget.try_charge
    try_charge_all = Budget.try_charge_all
    spent = Budget.spent
    remaining = Budget.remaining
    reset = Budget.reset
    snapshot_into = Budget.snapshot_into
    restore_spent_from = Budget.restore_spent_from
    _load_spent = Budget._load_spent
    _check_charges = Budget._check_charges
    _settle = Budget._settle
    _open_window = Budget._open_window
    _slot = Budget._slot
