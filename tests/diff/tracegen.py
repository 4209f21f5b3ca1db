"""Seeded call sequences for differential tests of budgetkernel.

The generator gives the same sequence on CPython and on every MicroPython
port, because it uses only small-int additions and masks. MicroPython's
random module uses another algorithm and is missing on small ports.

Calls are biased toward the hard places: limits and warn thresholds at
the small-int boundaries, saturation at 2**64 - 1, warn = 0, limit = 1,
zero-amount polls, resets, undeclared dimensions, builder errors and
bad arguments. Besides charges on the budget, the calls include preview,
try_charge and try_charge_all, ledgers of the builder's policy (later
calls go to the budget or to one of the ledgers), snapshot round trips,
and damaged snapshots that restore() and restore_spent_from() must
reject with the right SnapshotError reason.
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
OP_PREVIEW = 12  # account.preview(dim, a)
OP_TRY = 13  # account.try_charge(dim, a)
OP_TRY_ALL = 14  # account.try_charge_all(charges)
OP_POLICY = 15  # builder.build_policy()
OP_LEDGER = 16  # a new ledger of the latest policy goes into slot a and becomes the target
OP_TARGET = 17  # later account calls go to slot a
OP_SNAPSHOT = 18  # account.snapshot_into(a buffer of shape a, size parameter b)
OP_RESTORE = 19  # Budget.restore(the account's snapshot as buffer type a) replaces the account
OP_RESTORE_SPENT = 20  # restore_spent_from(), totals from source a (SOURCE_*), slot b
OP_CORRUPT = 21  # damage the account's snapshot (MUT_* dim, a, b), restore it as field c selects

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
    "preview",
    "try_charge",
    "try_charge_all",
    "build_policy",
    "ledger",
    "target",
    "snapshot_into",
    "restore",
    "restore_spent_from",
    "corrupt",
)

# Calls on the account that is the current target. Slot 0 contains the
# budget that build() made, and slots 1..3 contain ledgers. OP_RESTORE may
# put a Budget into a ledger's slot, with the same limits, so nothing else
# changes.
ACCOUNT_OPS = (
    OP_CHARGE,
    OP_SPENT,
    OP_REMAINING,
    OP_RESET,
    OP_TOTALS,
    OP_PREVIEW,
    OP_TRY,
    OP_TRY_ALL,
    OP_SNAPSHOT,
    OP_RESTORE,
    OP_RESTORE_SPENT,
    OP_CORRUPT,
)
MAX_ACCOUNTS = 4

SNAPSHOT_SIZE = 200
SNAPSHOT_CRC_AT = 198

# Buffers for OP_SNAPSHOT (the a field). The replay fills each with a
# pattern first, so that a zero byte the kernel fails to write shows up.
SNAP_BYTEARRAY = 0  # bytearray(200)
SNAP_LONGER = 1  # bytearray(200 + b); the b bytes after the snapshot must keep the pattern
SNAP_VIEW = 2  # memoryview of a bytearray(200): TypeError, only a bytearray is written
SNAP_VIEW_SLICE = 3  # memoryview(bytearray(b + 208))[b:]: TypeError
SNAP_BYTES = 4  # bytes(200): TypeError
SNAP_SHORT = 5  # bytearray(b), b < 200: ValueError
SNAP_SHORT_VIEW = 6  # memoryview(bytearray(300))[:b], b < 200: TypeError, checked before length
SNAP_NONE = 7  # None: TypeError
SNAP_NAMES = ("bytearray", "longer", "view", "view_slice", "bytes", "short", "short_view", "none")

# How a snapshot is passed to restore() and restore_spent_from().
AS_BYTEARRAY = 0
AS_BYTES = 1
AS_VIEW = 2
AS_LIST = 3  # a list of ints: TypeError
AS_NAMES = ("bytearray", "bytes", "view", "list")

# Where OP_RESTORE_SPENT takes the totals from (the a field).
SOURCE_FRESH = 0  # the target's snapshot, into a fresh account that then replaces it
SOURCE_SLOT = 1  # the snapshot of slot b, into the target
SOURCE_SAVED = 2  # the last snapshot OP_SNAPSHOT wrote, perhaps of an earlier budget
SOURCE_NAMES = ("fresh", "slot", "saved")

# Damage for OP_CORRUPT (the dim field), applied to the 200 bytes that
# snapshot_into() wrote.
MUT_XOR = 0  # data[a] ^= b
MUT_SET = 1  # data[a] = b
MUT_FILL = 2  # data[a:a + 8] = b repeated: a whole u64 field
MUT_COPY = 3  # data[a:a + 8] = data[b:b + 8]
MUT_TRUNCATE = 4  # keep data[:a]
MUT_EXTEND = 5  # append a bytes of 0xA5, which restore() must ignore
MUT_NAMES = ("xor", "set", "fill", "copy", "truncate", "extend")

# Bits of OP_CORRUPT's c field: bit 0 recomputes the CRC after the damage,
# bits 1-2 choose the call (CALL_*), bits 3-4 the buffer type (AS_*).
CORRUPT_RESEAL = 1
CALL_RESTORE = 0  # Budget.restore(); the result is only looked at
CALL_RESTORE_SPENT = 1  # target.restore_spent_from()
CALL_RESTORE_KEEP = 2  # Budget.restore(); the result replaces the target
CALL_NAMES = ("restore", "restore_spent_from", "restore_keep")

TRUNCATED_LENGTHS = (0, 1, 2, 3, 6, 30, 198, 199)
BAD_VERSIONS = (0, 2, 3, 0x81, 0xFF)
BAD_MAGIC_BYTES = (0, 0x41, 0x42, 0x4B, 0x62, 0x6B, 0xFF)

# Verdict codes for OP_WORST: 0 is CONTINUE, 1 + dim is warn(dim),
# 9 + dim is exhausted(dim), VERDICT_LAST is the verdict of the latest
# successful charge (CONTINUE before any), VERDICT_NONE is None.
VERDICT_LAST = 17
VERDICT_NONE = 18

BAD_DIMS = (8, -1, "tokens", None, 1.0, True, False, 9, -8, 2**64)
BAD_U64S = (-1, 2**64, 1.5, True, "1", None, False, -(2**64), 2**65, 0.0)
# Not a (dim, amount) pair: wrong length, or not a tuple or list.
BAD_PAIRS = ((), (0,), (0, 1, 2), [], [1], [0, 1, 2], None, 5, "ab", "a")
# Not a list or tuple of pairs.
BAD_CHARGES = (None, 5, "ab", 1.0, True)

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


def crc16(data, count):
    """Return the CRC-16/CCITT-FALSE of data[0:count], bit by bit.

    The replay uses it to give a damaged snapshot a valid checksum again,
    so that the checks after the checksum get exercised.
    """
    crc = 0xFFFF
    for i in range(count):
        crc ^= data[i] << 8
        for _ in range(8):
            if crc & 0x8000:
                crc = ((crc << 1) ^ 0x1021) & 0xFFFF
            else:
                crc = (crc << 1) & 0xFFFF
    return crc


class Generator:
    """Produces one call at a time, in the fields op, dim, a, b, c and charges.

    The fields are reused for every call so that the inner loop makes no
    objects for small values; only OP_TRY_ALL builds a new charges list.
    The caller runs the call and, after OP_BUILD, reports with built()
    whether build() returned a budget, because the next calls depend on
    it. target is the account slot that account calls go to.
    """

    def __init__(self, seed):
        self.seed = seed
        self.random = Random(seed)
        self.op = OP_BUILDER
        self.dim = 0
        self.a = 0
        self.b = 0
        self.c = 0
        self.charges = None
        self.target = 0
        # Declared dims, with their limits and warn thresholds (None when
        # unset). Written only by calls that the generator made valid.
        self._limits = [None] * 8
        self._warns = [None] * 8
        self._declared = []
        # The expected total per dim of each account slot, used only to
        # aim charges at limits and thresholds, so a wrong value only makes
        # a worse aim. _shadow is the list of the target slot.
        self._shadows = [[0] * 8 for _ in range(MAX_ACCOUNTS)]
        self._shadow = self._shadows[0]
        self._accounts = 1  # slots in use: the budget and the ledgers
        self._policy_tried = False  # OP_POLICY was made for this builder
        self._has_policy = False  # the replay has a policy from this budget's builder
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
            for shadow in self._shadows:
                for dim in range(8):
                    shadow[dim] = 0
            self._accounts = 1
            self._switch(0)
            # build_policy() checks what build() checks, so it succeeded too.
            self._has_policy = self._policy_tried
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
            elif not self._policy_tried and self.random.chance(25):
                # Sometimes build_policy() first: it must raise what build() raises.
                self._policy_tried = True
                self.op = OP_POLICY
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
        self._policy_tried = False
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
        roll = rnd.below(1000)
        if roll < 540:
            self._charge(OP_CHARGE)
            return
        if roll < 600:
            self._charge(OP_PREVIEW)
            return
        if roll < 670:
            self._charge(OP_TRY)
            return
        if roll < 715:
            self.op = OP_TRY_ALL
            self._charge_list()
            return
        if roll < 950:
            self._query_call(roll)
            return
        self._account_call(roll)

    def _query_call(self, roll):
        """Choose one of the calls that read or reset state, for roll in 715..949."""
        rnd = self.random
        if roll < 755:
            self.op = OP_SPENT
        elif roll < 795:
            self.op = OP_REMAINING
        elif roll < 819:
            self.op = OP_RESET
            for dim in range(8):
                self._shadow[dim] = 0
            return
        elif roll < 873:
            self.op = OP_TOTALS
            return
        elif roll < 919:
            self.op = OP_WORST
            self.a = rnd.below(VERDICT_LAST + 1)
            self.b = rnd.below(VERDICT_NONE + 1)
            return
        elif roll < 935:
            self.op = OP_VERDICT
            self.a = rnd.below(2)
        else:
            self.op = OP_NAME
        self.dim = self._any_dim()

    def _account_call(self, roll):
        """Choose a ledger, target or snapshot call, for roll in 950..999."""
        rnd = self.random
        if roll < 960:
            self._new_ledger()
        elif roll < 972:
            self.op = OP_TARGET
            # Half of the switches go back to the budget, so that it keeps
            # about half of the account calls.
            self.a = 0 if rnd.chance(50) else rnd.below(self._accounts)
            self._switch(self.a)
        elif roll < 980:
            self.op = OP_SNAPSHOT
            self._snapshot_buffer()
        elif roll < 985:
            self.op = OP_RESTORE
            self.a = rnd.below(3)
        elif roll < 991:
            self._restore_spent()
        else:
            self._corrupt()

    # -- ledgers and snapshots -----------------------------------------------

    def _switch(self, slot):
        self.target = slot
        self._shadow = self._shadows[slot]

    def _new_ledger(self):
        if not self._has_policy:
            self.op = OP_POLICY
            self._has_policy = True
            return
        self.op = OP_LEDGER
        if self._accounts < MAX_ACCOUNTS:
            slot = self._accounts
            self._accounts += 1
        else:
            slot = 1 + self.random.below(MAX_ACCOUNTS - 1)
        self.a = slot
        self._switch(slot)
        for dim in range(8):
            self._shadow[dim] = 0

    def _snapshot_buffer(self):
        rnd = self.random
        roll = rnd.below(100)
        self.b = 0
        if roll < 25:
            self.a = SNAP_BYTEARRAY
        elif roll < 45:
            self.a = SNAP_LONGER
            self.b = 1 + rnd.below(40)
        elif roll < 60:
            self.a = SNAP_VIEW
        elif roll < 75:
            self.a = SNAP_VIEW_SLICE
            self.b = 1 + rnd.below(40)
        elif roll < 80:
            self.a = SNAP_BYTES
        elif roll < 90:
            self.a = SNAP_SHORT
            self.b = rnd.pick(TRUNCATED_LENGTHS)
        elif roll < 95:
            self.a = SNAP_SHORT_VIEW
            self.b = rnd.pick(TRUNCATED_LENGTHS)
        else:
            self.a = SNAP_NONE

    def _restore_spent(self):
        rnd = self.random
        self.op = OP_RESTORE_SPENT
        roll = rnd.below(100)
        self.b = 0
        if roll < 45:
            self.a = SOURCE_FRESH
        elif roll < 80:
            self.a = SOURCE_SLOT
            self.b = rnd.below(self._accounts)
            source = self._shadows[self.b]
            for dim in range(8):
                self._shadow[dim] = source[dim]
        else:
            # A snapshot of this budget's policy loads, and one of an
            # earlier budget mostly raises policy_mismatch.
            self.a = SOURCE_SAVED

    def _corrupt(self):
        """Choose one kind of damage to a snapshot, and how to restore it."""
        rnd = self.random
        self.op = OP_CORRUPT
        self.b = 0
        reseal = 0
        roll = rnd.below(100)
        if roll < 14:
            self.dim = MUT_TRUNCATE
            self.a = rnd.pick(TRUNCATED_LENGTHS) if rnd.chance(50) else rnd.below(SNAPSHOT_SIZE)
        elif roll < 20:
            self.dim = MUT_EXTEND
            self.a = 1 + rnd.below(16)
        elif roll < 38:
            # Without a new CRC, any flipped byte is caught by the magic,
            # version or checksum check.
            self.dim = MUT_XOR
            self.a = rnd.below(SNAPSHOT_SIZE)
            self.b = 1 + rnd.below(255)
        elif roll < 46:
            self.dim = MUT_SET
            self.a = 2
            self.b = rnd.pick(BAD_VERSIONS)
            reseal = rnd.below(2)
        elif roll < 52:
            # One magic byte, or the first 8 bytes, so that the version and
            # the masks are wrong too and bad_magic must still win.
            self.dim = MUT_SET if rnd.chance(70) else MUT_FILL
            self.a = rnd.below(2) if self.dim == MUT_SET else 0
            self.b = rnd.pick(BAD_MAGIC_BYTES)
            reseal = rnd.below(2)
        else:
            reseal = CORRUPT_RESEAL
            self._corrupt_contents()

        roll = rnd.below(100)
        if roll < 45:
            call = CALL_RESTORE
        elif roll < 90:
            call = CALL_RESTORE_SPENT
        else:
            call = CALL_RESTORE_KEEP

        roll = rnd.below(100)
        if roll < 70:
            kind = AS_BYTEARRAY
        elif roll < 82:
            kind = AS_BYTES
        elif roll < 94:
            kind = AS_VIEW
        else:
            kind = AS_LIST
        self.c = reseal | (call << 1) | (kind << 3)

    def _corrupt_contents(self):
        """Choose damage behind a valid checksum: masks, reserved byte, records."""
        rnd = self.random
        roll = rnd.below(100)
        if roll < 8:
            self.dim = MUT_XOR
            self.a = 3  # declared mask
            self.b = 1 << rnd.below(8)
            return
        if roll < 16:
            self.dim = MUT_XOR
            self.a = 4  # warn mask
            self.b = 1 << rnd.below(8)
            return
        if roll < 22:
            self.dim = MUT_SET
            self.a = 5  # reserved
            self.b = 1 + rnd.below(255)
            return
        if roll < 26:
            self.dim = MUT_SET
            self.a = 3  # nothing declared
            self.b = 0
            return

        # Damage to one field of a record, mostly of a declared dim.
        if self._declared and rnd.chance(80):
            dim = rnd.pick(self._declared)
        else:
            dim = rnd.below(8)
        record = 6 + 24 * dim
        field = record + 8 * rnd.below(3)  # limit, warn or spent
        roll = rnd.below(100)
        if roll < 35:
            self.dim = MUT_XOR
            self.a = field + rnd.below(8)
            self.b = 1 + rnd.below(255)
        elif roll < 50:
            self.dim = MUT_FILL
            self.a = field
            self.b = 0
        elif roll < 62:
            self.dim = MUT_FILL
            self.a = field
            self.b = 0xFF
        elif roll < 80:
            self.dim = MUT_COPY
            self.a = record + 8  # warn = limit
            self.b = record
        else:
            self.dim = MUT_COPY
            self.a = record + 16  # spent = limit
            self.b = record

    def _any_dim(self):
        """Return a declared dim mostly, else an undeclared or a bad one."""
        rnd = self.random
        roll = rnd.below(100)
        if roll < 85 and self._declared:
            return rnd.pick(self._declared)
        if roll < 95:
            return rnd.below(8)
        return rnd.pick(BAD_DIMS)

    def _charge(self, op):
        """Choose dim and amount for charge, preview or try_charge (op)."""
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
        self.op = op
        self.dim = dim
        if rnd.chance(4):
            self.a = rnd.pick(BAD_U64S)
            return
        amount = self._amount(dim, declared)
        self.a = amount
        if not declared or op == OP_PREVIEW:
            return
        total = self._shadow[dim] + amount
        if total > U64_MAX:
            total = U64_MAX
        if op == OP_CHARGE or total <= self._limits[dim]:
            self._shadow[dim] = total

    def _charge_list(self):
        """Set charges for try_charge_all: 0 to 4 pairs, sometimes with one fault."""
        rnd = self.random
        roll = rnd.below(100)
        if roll < 6:
            count = 0
        elif roll < 30:
            count = 1
        elif roll < 62:
            count = 2
        elif roll < 85:
            count = 3
        else:
            count = 4

        if rnd.chance(80):
            # Mostly dims that are not exhausted yet, because one exhausted
            # dim makes try_charge_all reject the whole list.
            free = [dim for dim in self._declared if self._shadow[dim] <= self._limits[dim]]
        else:
            free = list(self._declared)
        if count > len(free):
            count = len(free)
        charges = []
        for _ in range(count):
            dim = free.pop(rnd.below(len(free)))
            amount = self._amount(dim, True)
            charges.append([dim, amount] if rnd.chance(15) else (dim, amount))

        valid = self._add_fault(charges)
        if rnd.chance(2):
            self.charges = rnd.pick(BAD_CHARGES)
            return
        if valid:
            self._charge_all_shadow(charges)
        self.charges = tuple(charges) if rnd.chance(30) else charges

    def _add_fault(self, charges):
        """Put at most one bad item into charges; return True when none went in."""
        rnd = self.random
        roll = rnd.below(100)
        where = rnd.below(len(charges) + 1)
        if roll < 5 and charges:
            item = (charges[rnd.below(len(charges))][0], rnd.below(4))  # repeated dim
        elif roll < 9:
            undeclared = [dim for dim in range(8) if self._limits[dim] is None]
            if not undeclared:
                return True
            item = (rnd.pick(undeclared), rnd.below(4))
        elif roll < 13:
            item = rnd.pick(BAD_PAIRS)
        elif roll < 16:
            item = (rnd.pick(BAD_DIMS), rnd.below(4))
        elif roll < 19 and self._declared:
            item = (rnd.pick(self._declared), rnd.pick(BAD_U64S))
        else:
            return True
        charges.insert(where, item)
        return False

    def _charge_all_shadow(self, charges):
        """Add the charges to the shadow when none of them would exhaust its dim."""
        shadow = self._shadow
        totals = []
        for pair in charges:
            total = shadow[pair[0]] + pair[1]
            if total > U64_MAX:
                total = U64_MAX
            if total > self._limits[pair[0]]:
                return
            totals.append(total)
        for i in range(len(charges)):
            shadow[charges[i][0]] = totals[i]

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
