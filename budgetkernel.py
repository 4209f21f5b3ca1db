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
3. On MicroPython, once a budget is built, charge(), reset(), the Verdict
   methods, and spent()/remaining() whose result fits a small int allocate
   no heap memory. That holds for totals anywhere in 0..2**64-1, as long
   as the amount itself is a small int (below 2**30 on 32-bit ports). Charging an
   undeclared dimension raises ChargeError even while the heap is locked.
4. A charge writes only the slots of its own dimension, so an interrupt
   handler that charges one dimension cannot corrupt a main-loop charge on
   another one.

Known limitations:

- Long ints allocate. An amount that is already a long int (2**30 or more
  on 32-bit ports, 2**62 or more on 64-bit ones) makes charge() allocate,
  and so does asking spent() or remaining() for a total that only a long
  int can hold. Workaround: charge large quantities in smaller units.
- Builds without arbitrary-precision ints (MICROPY_LONGINT_IMPL_LONGLONG
  or _NONE) cannot hold 2**64 - 1, so importing the module there raises
  ImportError instead of giving wrong answers.
- Two charges of the same dimension from contexts that can interrupt each
  other (an interrupt handler and the main loop, or two threads) can lose
  an update. Serialise them, for example by disabling interrupts around
  the main-loop charge.
- Stackless MicroPython builds allocate a frame on every call, so
  guarantee 3 does not hold there.
- An exception raised into a running charge() or reset() from outside,
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

Non-goals: refilling over time (a rate limiter's job), reading a clock,
I/O, persistence, coordination across processes or machines, an async API
and dimensions beyond the fixed eight.
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

# Each declared dimension owns a 24-byte record in Budget._u64: three u64
# fields, little-endian, in this order.
_END = const(0)
_LIMIT = const(8)
_WARN_AT = const(16)
_RECORD = const(24)

# Stand-ins for a field offset: the constants 0 and 2**64 - 1.
_FIELD_ZERO = const(-1)
_FIELD_MAX = const(-2)

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
    """Raise TypeError or ValueError unless dim is one of the ints 0..7."""
    if type(dim) is not int:
        raise TypeError(_DIM_TEXT % (dim,))
    if dim < 0 or dim >= _MAX_DIMS:
        raise ValueError(_DIM_TEXT % (dim,))


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


def _u64_compare(buf, a, b):
    """Return a positive, zero or negative int as field a is >, == or < field b."""
    i = 7
    while i >= 0:
        diff = buf[a + i] - buf[b + i]
        if diff:
            return diff
        i -= 1
    return 0


def _u64_gap(buf, high, low):
    """Return min(field high - field low, _WINDOW), where high >= low.

    high may be _FIELD_MAX and low may be _FIELD_ZERO.
    """
    # Digits are taken from the top. The prefixes obey high >= low, so the
    # running difference never goes negative, and once it reaches
    # _GAP_BAIL with a digit still to come the full gap exceeds _WINDOW.
    gap = 0
    i = 7
    while i >= 0:
        if gap >= _GAP_BAIL:
            return _WINDOW
        top = 0xFF if high == _FIELD_MAX else buf[high + i]
        bottom = 0 if low == _FIELD_ZERO else buf[low + i]
        gap = (gap << 8) + top - bottom
        i -= 1
    if gap > _WINDOW:
        return _WINDOW
    return gap


def _u64_value(buf, plus, minus, carry):
    """Return field plus - field minus + carry as an int.

    minus may be _FIELD_ZERO. The result must lie in 0..2**64-1.

    The digits are combined from the bottom, so every partial sum is at
    most the result: a result below 2**30 never allocates.
    """
    value = 0
    shift = 0
    for i in range(8):
        digit = buf[plus + i] + carry
        if minus != _FIELD_ZERO:
            digit -= buf[minus + i]
        carry = digit >> 8
        digit &= 0xFF
        if digit:
            value += digit << shift
        shift += 8
    return value


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
        return Budget(self._limits, self._warns)


# ---------------------------------------------------------------------------
# Budget
#
# Storage, for a budget with n declared dimensions:
#
# _hot, a list of 16. Item dim is the room of dim: how much can still be
#   charged before its verdict or its window can change. Item dim + 8 is
#   the verdict for dim's current total. An undeclared dim has room -1 and
#   verdict None.
# _u64, a bytearray of n 24-byte records, one per declared dim in Dim.ALL
#   order: the end of the current window, the limit, and the warn
#   threshold (equal to the limit when none was set, which no total can
#   then pass without also passing the limit).
#
# NOTE: a budget with all eight dimensions declared takes 320 bytes of heap
# on 32-bit ports (208 with three), measured with gc.mem_alloc().
#
# Invariants, cited by number below:
#   1. A dim is declared exactly when its room is >= 0.
#   2. The total spent on dim is (window end) - room, and lies in
#      0..2**64-1.
#   3. Room is at most _WINDOW, and every total from the current one up to
#      the window end gets the same verdict, _hot[dim + 8].
#   4. The total never decreases, except through reset().
# ---------------------------------------------------------------------------


class Budget:
    """Limits, warn thresholds and running totals for up to eight dimensions.

    Make one with Budget.builder(). Methods that take a dim raise TypeError
    or ValueError for a value that is not one of the ints 0..7.
    """

    def __init__(self, limits, warns):
        # Called by BudgetBuilder.build() with checked values.
        hot = [-1] * _MAX_DIMS + [None] * _MAX_DIMS
        records = bytearray(_RECORD * (_MAX_DIMS - limits.count(None)))
        at = 0
        for dim in Dim.ALL:
            limit = limits[dim]
            if limit is None:
                continue
            warn = warns[dim]
            # Adding to the zeroed fields of a new bytearray stores the values.
            _u64_add(records, at + _LIMIT, limit, 0)
            _u64_add(records, at + _WARN_AT, limit if warn is None else warn, 0)
            hot[dim] = 0
            at += _RECORD
        self._hot = hot
        self._u64 = records
        self.reset()

    @staticmethod
    def builder():
        """Return a new, empty BudgetBuilder."""
        return BudgetBuilder()

    def charge(self, dim, amount):  # no allocation on MicroPython for small-int amounts
        """Add amount to dim's total and return the resulting Verdict.

        Raises TypeError or ValueError for a bad dim or amount and
        ChargeError for an undeclared dim, changing nothing in each case.
        """
        hot = self._hot
        # NOTE: on CPython 3.11 this path measures 1.5x to 1.8x a bare list
        # counter (make bench), mostly for the two exact-type checks.
        if _type(amount) is _type(dim) is _int and 0 <= dim < _MAX_DIMS:
            room = hot[dim]
            # Inside the window the verdict cannot change (invariant 3), so
            # the charge only uses up room. An undeclared dim has room -1
            # and always takes the slow path.
            if 0 <= amount <= room:
                hot[dim] = room - amount
                return hot[dim + _MAX_DIMS]
        return self._charge_slow(dim, amount)

    def _charge_slow(self, dim, amount):
        """Charge when the amount leaves the window or the input is suspect."""
        _check_dim(dim)
        _check_u64("amount", amount)
        hot = self._hot
        room = hot[dim]
        if room < 0:
            try:
                error = ChargeError(dim)
            except MemoryError:
                error = _CHARGE_ERRORS[dim]
            raise error
        # Split the amount into small ints before the first write: for a
        # long-int amount this is the one step that allocates, so a
        # MemoryError here (heap locked, or full) leaves the budget unchanged.
        low = amount & 0xFFFFFF
        middle = (amount >> 24) & 0xFFFFFF
        high = amount >> 48

        buf = self._u64
        at = self._record(dim)
        end = at + _END
        # The total is window end - room (invariant 2). Adding the amount in
        # three saturating steps equals one saturating addition.
        _u64_add(buf, end, -room, 0)
        _u64_add(buf, end, low, 0)
        _u64_add(buf, end, middle, 3)
        _u64_add(buf, end, high, 6)

        # Both comparisons are strict: a total equal to the limit or to the
        # warn threshold still belongs to the band below it.
        if _u64_compare(buf, end, at + _LIMIT) > 0:
            verdict = _EXHAUSTED_VERDICTS[dim]
            room = _u64_gap(buf, _FIELD_MAX, end)
        elif _u64_compare(buf, end, at + _WARN_AT) > 0:
            verdict = _WARN_VERDICTS[dim]
            room = _u64_gap(buf, at + _LIMIT, end)
        else:
            verdict = Verdict.CONTINUE
            room = _u64_gap(buf, at + _WARN_AT, end)
        _u64_add(buf, end, room, 0)

        hot[dim + _MAX_DIMS] = verdict
        hot[dim] = room
        return verdict

    def _record(self, dim):
        """Return the offset of dim's record in _u64."""
        hot = self._hot
        at = 0
        for other in range(dim):
            if hot[other] >= 0:
                at += _RECORD
        return at

    def spent(self, dim):  # no allocation on MicroPython for totals below 2**30
        """Return dim's running total, or None if dim was not declared."""
        _check_dim(dim)
        room = self._hot[dim]
        if room < 0:
            return None
        return _u64_value(self._u64, self._record(dim) + _END, _FIELD_ZERO, -room)

    def remaining(self, dim):  # no allocation on MicroPython for results below 2**30
        """Return max(limit - spent, 0) for dim, or None if dim was not declared."""
        _check_dim(dim)
        hot = self._hot
        room = hot[dim]
        if room < 0:
            return None
        if hot[dim + _MAX_DIMS]._kind == _EXHAUSTED:
            return 0
        # Outside the exhausted band the window never passes the limit, so
        # limit - spent = (limit - window end) + room, and no digit goes negative.
        at = self._record(dim)
        return _u64_value(self._u64, at + _LIMIT, at + _END, room)

    def reset(self):  # no allocation on MicroPython
        """Set every total back to 0, keeping limits and warn thresholds."""
        hot = self._hot
        buf = self._u64
        at = 0
        for dim in range(_MAX_DIMS):
            if hot[dim] < 0:
                continue
            # A total of 0 is in the continue band for every valid budget,
            # because the limit is at least 1 and 0 > warn never holds.
            room = _u64_gap(buf, at + _WARN_AT, _FIELD_ZERO)
            for i in range(at + _END, at + _END + 8):
                buf[i] = 0
            _u64_add(buf, at + _END, room, 0)
            hot[dim + _MAX_DIMS] = Verdict.CONTINUE
            hot[dim] = room
            at += _RECORD
