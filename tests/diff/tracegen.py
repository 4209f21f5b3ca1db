"""Seeded call sequences for differential tests of budgetkernel.

The generator gives the same sequence on CPython and on every MicroPython
port, because it uses only small-int additions and masks. MicroPython's
random module uses another algorithm and is missing on small ports.

Calls are biased toward the hard places: limits and warn thresholds at
the small-int boundaries, saturation at 2**64 - 1, warn = 0, limit = 1,
zero-amount polls, resets, undeclared dimensions, builder errors and
bad arguments.
"""

U64_MAX = (1 << 64) - 1

# Operation codes; Generator.next() stores one in Generator.op.
OP_BUILDER = 0  # start a new builder
OP_LIMIT = 1  # builder.limit(dim, a)
OP_LIMIT_WARN = 2  # builder.limit_with_warn(dim, a, b)
OP_BUILD = 3  # builder.build()
OP_CHARGE = 4  # budget.charge(dim, a)
OP_SPENT = 5  # budget.spent(dim)
OP_REMAINING = 6  # budget.remaining(dim)
OP_RESET = 7  # budget.reset()
OP_WORST = 8  # verdict a .worst(verdict b), both given as verdict codes
OP_VERDICT = 9  # Verdict.warn(dim) if a == 0 else Verdict.exhausted(dim)
OP_NAME = 10  # Dim.name(dim)
OP_TOTALS = 11  # spent() of all eight dimensions

OP_NAMES = (
    "builder",
    "limit",
    "limit_with_warn",
    "build",
    "charge",
    "spent",
    "remaining",
    "reset",
    "worst",
    "verdict",
    "name",
    "totals",
)

# Verdict codes for OP_WORST: 0 is CONTINUE, 1 + dim is warn(dim),
# 9 + dim is exhausted(dim), VERDICT_LAST is the verdict of the latest
# successful charge (CONTINUE before any), VERDICT_NONE is None.
VERDICT_LAST = 17
VERDICT_NONE = 18

BAD_DIMS = (8, -1, "tokens", None, 1.0, True, False, 9, -8, 2**64)
BAD_U64S = (-1, 2**64, 1.5, True, "1", None, False, -(2**64), 2**65, 0.0)

_BOUNDARY_BASES = (1 << 28, 1 << 29, 1 << 30, 1 << 31, 1 << 32, 1 << 62, 1 << 63)


def _make_boundaries():
    values = [1, 2, 3, 100, U64_MAX, U64_MAX - 1, U64_MAX - 2, 1 << 56]
    for base in _BOUNDARY_BASES:
        values.append(base - 1)
        values.append(base)
        values.append(base + 1)
    return tuple(values)


# Limits, warn thresholds and large amounts are drawn from here often.
BOUNDARIES = _make_boundaries()

_MASK24 = 0xFFFFFF
_MASK64 = U64_MAX
_LAG_LONG = 55
_LAG_SHORT = 24


def _splitmix64(state):
    """Return (next state, output) of splitmix64, with 64-bit masks."""
    state = (state + 0x9E3779B97F4A7C15) & _MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return state, z ^ (z >> 31)


class Random:
    """Additive lagged Fibonacci generator, lags 24 and 55, 24-bit outputs.

    Each step is one addition and one mask on ints below 2**25, so it
    never makes a long int on 32-bit MicroPython ports. The seed goes
    through splitmix64 once, at construction.
    """

    def __init__(self, seed):
        state = seed & _MASK64
        table = []
        for _ in range(_LAG_LONG):
            state, out = _splitmix64(state)
            table.append(out >> 40)
        # The generator needs at least one odd entry to reach its full period.
        table[0] |= 1
        self._table = table
        self._i = 0
        self._j = _LAG_LONG - _LAG_SHORT
        for _ in range(2 * _LAG_LONG):
            self.next24()

    def next24(self):
        """Return the next output, an int in 0..2**24-1."""
        table = self._table
        i = self._i
        value = (table[i] + table[self._j]) & _MASK24
        table[i] = value
        i += 1
        if i == _LAG_LONG:
            i = 0
        self._i = i
        j = self._j + 1
        if j == _LAG_LONG:
            j = 0
        self._j = j
        return value

    def below(self, n):
        """Return an int in 0..n-1, for 1 <= n <= 2**24."""
        return self.next24() % n

    def chance(self, percent):
        """Return True with probability percent / 100."""
        return self.next24() % 100 < percent

    def u64(self):
        """Return an int in 0..2**64-1 from three outputs."""
        high = self.next24()
        middle = self.next24()
        low = self.next24()
        return (high << 40) | (middle << 16) | (low >> 8)

    def pick(self, values):
        return values[self.next24() % len(values)]


class Generator:
    """Produces one call at a time, in the fields op, dim, a and b.

    The fields are reused for every call so that the inner loop makes no
    objects for small values. The caller runs the call and, after
    OP_BUILD, reports with built() whether build() returned a budget,
    because the next calls depend on it.
    """

    def __init__(self, seed):
        self.seed = seed
        self.random = Random(seed)
        self.op = OP_BUILDER
        self.dim = 0
        self.a = 0
        self.b = 0
        # Declared dims, with their limits and warn thresholds (None when
        # unset). Written only by calls that the generator made valid.
        self._limits = [None] * 8
        self._warns = [None] * 8
        self._declared = []
        # The expected total per dim, used only to aim charges at
        # limits and thresholds; a wrong value only makes a worse aim.
        self._shadow = [0] * 8
        self._pending = 0  # builder calls still to make before build()
        self._left = 0  # budget calls left before a new builder
        self._phase = 0  # 0: new builder next, 1: declaring, 2: budget
        self._huge = 0  # percent of charges that may take a large amount

    def built(self, ok):
        """Record whether the last build() returned a budget."""
        if ok:
            self._phase = 2
            # Large amounts soon saturate every total, so most budgets get
            # few of them and spend their calls near limits and thresholds.
            self._huge = 40 if self.random.chance(30) else 4
            for dim in range(8):
                self._shadow[dim] = 0
        else:
            self._phase = 0

    def next(self):
        """Choose the next call and store it in op, dim, a and b."""
        if self._phase == 0:
            self._start_builder()
        elif self._phase == 1:
            if self._pending > 0:
                self._pending -= 1
                self._declare()
            else:
                self.op = OP_BUILD
        else:
            self._left -= 1
            if self._left < 0:
                self._start_builder()
            else:
                self._budget_call()

    # -- builder phase -----------------------------------------------------

    def _start_builder(self):
        rnd = self.random
        self.op = OP_BUILDER
        self._phase = 1
        for dim in range(8):
            self._limits[dim] = None
            self._warns[dim] = None
        self._declared = []
        roll = rnd.below(100)
        if roll < 4:
            self._pending = 0  # build() with no dimensions
        elif roll < 60:
            self._pending = 1 + rnd.below(2)
        else:
            self._pending = 1 + rnd.below(8)
        # Budgets mostly live long; some are short so builder paths repeat.
        if rnd.chance(30):
            self._left = rnd.below(20)
        else:
            self._left = 50 + rnd.below(1000)

    def _declare(self):
        rnd = self.random
        if rnd.chance(15) and self._declared:
            dim = rnd.pick(self._declared)  # duplicate
        else:
            dim = rnd.below(8)
        limit = self._limit_value()
        with_warn = rnd.chance(55)
        warn = self._warn_value(limit) if with_warn else None
        self.op = OP_LIMIT_WARN if with_warn else OP_LIMIT
        self.dim = dim
        self.a = limit
        self.b = warn
        if rnd.chance(6):
            # One bad argument; the call raises and the builder keeps its state.
            which = rnd.below(3 if with_warn else 2)
            if which == 0:
                self.dim = rnd.pick(BAD_DIMS)
            elif which == 1:
                self.a = rnd.pick(BAD_U64S)
            else:
                self.b = rnd.pick(BAD_U64S)
            return
        if self._limits[dim] is None:
            self._declared.append(dim)
        self._limits[dim] = limit
        self._warns[dim] = warn

    def _limit_value(self):
        rnd = self.random
        roll = rnd.below(100)
        if roll < 3:
            return 0
        if roll < 12:
            return 1
        if roll < 50:
            return rnd.pick(BOUNDARIES)
        if roll < 80:
            return 1 + rnd.below(5000)
        if roll < 90:
            return rnd.u64()
        return 1 + rnd.below(1 << 24)

    def _warn_value(self, limit):
        rnd = self.random
        roll = rnd.below(100)
        if roll < 15:
            return 0
        if roll < 30:
            return limit - 1 if limit > 0 else 0
        if roll < 38:
            return limit  # rejected by build()
        if roll < 42:
            return min(limit + 1, U64_MAX)  # rejected unless limit is 2**64-1
        if roll < 60:
            return rnd.pick(BOUNDARIES)  # often not below the limit
        if limit < 2:
            return 0
        if limit < (1 << 24):
            return rnd.below(limit)
        return limit - 1 - rnd.below(1 << 20)

    # -- budget phase --------------------------------------------------------

    def _budget_call(self):
        rnd = self.random
        roll = rnd.below(100)
        if roll < 70:
            self.op = OP_CHARGE
            self._charge()
            return
        if roll < 75:
            self.op = OP_SPENT
        elif roll < 80:
            self.op = OP_REMAINING
        elif roll < 83:
            self.op = OP_RESET
            for dim in range(8):
                self._shadow[dim] = 0
            return
        elif roll < 90:
            self.op = OP_TOTALS
            return
        elif roll < 96:
            self.op = OP_WORST
            self.a = rnd.below(VERDICT_LAST + 1)
            self.b = rnd.below(VERDICT_NONE + 1)
            return
        elif roll < 98:
            self.op = OP_VERDICT
            self.a = rnd.below(2)
        else:
            self.op = OP_NAME
        self.dim = self._any_dim()

    def _any_dim(self):
        """Return a declared dim mostly, else an undeclared or a bad one."""
        rnd = self.random
        roll = rnd.below(100)
        if roll < 85 and self._declared:
            return rnd.pick(self._declared)
        if roll < 95:
            return rnd.below(8)
        return rnd.pick(BAD_DIMS)

    def _charge(self):
        rnd = self.random
        dim = self._any_dim()
        declared = type(dim) is int and 0 <= dim < 8 and self._limits[dim] is not None
        if declared and self._shadow[dim] > self._limits[dim] and rnd.chance(10):
            # An exhausted dim stays exhausted until reset, so reset often
            # enough to keep most charges away from that state.
            self.op = OP_RESET
            for other in range(8):
                self._shadow[other] = 0
            return
        self.dim = dim
        if rnd.chance(4):
            self.a = rnd.pick(BAD_U64S)
            return
        amount = self._amount(dim, declared)
        self.a = amount
        if declared:
            total = self._shadow[dim] + amount
            self._shadow[dim] = total if total < U64_MAX else U64_MAX

    def _amount(self, dim, declared):
        rnd = self.random
        roll = rnd.below(100)
        if roll < 10:
            return 0
        if roll < 45:
            return rnd.below(16)
        if roll < 60 and declared:
            # Steps of up to a sixteenth of the limit cross the warn
            # threshold and the limit after several charges.
            limit = self._limits[dim]
            step = limit >> 4 if limit < (1 << 28) else 1 << 24
            return rnd.below(step + 1)
        if roll < 65:
            return rnd.below(1 << 16)
        if roll < 68:
            return rnd.below(1 << 24)
        if roll < 88 and declared:
            return self._aimed_amount(dim)
        if not rnd.chance(self._huge):
            return rnd.below(1 << 10)
        roll = rnd.below(100)
        if roll < 70:
            return rnd.pick(BOUNDARIES)
        if roll < 85:
            return U64_MAX
        return rnd.u64()

    def _aimed_amount(self, dim):
        """Return an amount that takes the total to near a limit or threshold."""
        rnd = self.random
        roll = rnd.below(4)
        if roll == 0 and self._warns[dim] is not None:
            target = self._warns[dim]
        elif roll == 1:
            # The kernel's fast path covers 2**28 units; land near its edge.
            target = self._shadow[dim] + (1 << 28)
        elif roll == 2 and rnd.chance(self._huge):
            target = U64_MAX
        else:
            target = self._limits[dim]
        target += rnd.below(5) - 2
        amount = target - self._shadow[dim]
        if amount < 0 or amount > U64_MAX:
            return rnd.below(4)
        return amount
