"""Reference model of budgetkernel, used only as an oracle in tests.

It keeps every total as a plain int and recomputes each verdict from
scratch, so it shares no representation with the kernel. It has the same
public API shape and runs on CPython and MicroPython alike: Budget,
Policy and Ledger with charge, preview, try_charge, try_charge_all and
snapshots. The snapshot encoder, decoder and CRC are written here from
the format description, not taken from the kernel.
"""

U64_MAX = (1 << 64) - 1
MAX_DIMS = 8

NAMES = ("tokens", "millis", "bytes", "calls", "memory", "custom0", "custom1", "custom2")

CONTINUE = 0
WARN = 1
EXHAUSTED = 2

# Snapshot format version 1: magic b"BK", version, declared mask, warn
# mask, reserved byte, then one 24-byte record (limit, warn, spent, each a
# little-endian u64) per dim 0..7, then a little-endian CRC-16/CCITT-FALSE
# of bytes 0..197.
SNAPSHOT_SIZE = 200
SNAPSHOT_VERSION = 1
RECORDS_AT = 6
RECORD_SIZE = 24
CRC_AT = 198


def check_dim(dim):
    """Raise TypeError or ValueError unless dim is one of the ints 0..7."""
    if type(dim) is not int:
        raise TypeError("dim must be an int in 0..7, got %r" % (dim,))
    if dim < 0 or dim > 7:
        raise ValueError("dim must be in 0..7, got %r" % (dim,))


def check_u64(name, value):
    """Raise TypeError or ValueError unless value is an int in 0..2**64-1."""
    if type(value) is not int:
        raise TypeError("%s must be an int in 0..2**64-1, got %r" % (name, value))
    if value < 0 or value > U64_MAX:
        raise ValueError("%s must be an int in 0..2**64-1, got %r" % (name, value))


class Dim:
    """The eight dimensions as the ints 0..7."""

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
        """Return the lowercase name of dim."""
        check_dim(dim)
        return NAMES[dim]


class Verdict:
    """A verdict kind (CONTINUE, WARN or EXHAUSTED) and its dimension."""

    def __init__(self, kind, dim):
        self.kind = kind
        self.dim = dim

    @staticmethod
    def warn(dim):
        """Return a warn verdict for dim."""
        check_dim(dim)
        return Verdict(WARN, dim)

    @staticmethod
    def exhausted(dim):
        """Return an exhausted verdict for dim."""
        check_dim(dim)
        return Verdict(EXHAUSTED, dim)

    def is_continuing(self):
        return self.kind != EXHAUSTED

    def is_exhausted(self):
        return self.kind == EXHAUSTED

    def dimension(self):
        return self.dim

    def worst(self, other):
        """Return the more severe of self and other, self on a tie."""
        if not isinstance(other, Verdict):
            raise TypeError("worst() needs a Verdict, got %r" % (other,))
        if other.kind > self.kind:
            return other
        return self

    def __eq__(self, other):
        return isinstance(other, Verdict) and self.kind == other.kind and self.dim == other.dim

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash((self.kind, self.dim))

    def __repr__(self):
        if self.kind == CONTINUE:
            return "Verdict.CONTINUE"
        if self.kind == WARN:
            return "Verdict.warn(%s)" % NAMES[self.dim]
        return "Verdict.exhausted(%s)" % NAMES[self.dim]


Verdict.CONTINUE = Verdict(CONTINUE, None)


class BuilderError(ValueError):
    """A declaration that build() rejects, with reason and dim."""

    def __init__(self, reason, dim):
        super().__init__("%s (dim %r)" % (reason, dim))
        self.reason = reason
        self.dim = dim


class ChargeError(LookupError):
    """A charge, against a dimension that the budget did not declare."""

    def __init__(self, dim):
        super().__init__("dimension %d not declared" % dim)
        self.dim = dim


class SnapshotError(ValueError):
    """A snapshot that restore() or restore_spent_from() rejects, with reason."""

    def __init__(self, reason):
        super().__init__("snapshot rejected: %s" % reason)
        self.reason = reason


class BudgetBuilder:
    """Records declarations in call order; build() applies the rules."""

    def __init__(self):
        self.declared = []

    def limit(self, dim, limit):
        check_dim(dim)
        check_u64("limit", limit)
        self.declared.append((dim, limit, None))
        return self

    def limit_with_warn(self, dim, limit, warn):
        check_dim(dim)
        check_u64("limit", limit)
        check_u64("warn", warn)
        self.declared.append((dim, limit, warn))
        return self

    def build(self):
        """Return a Budget or raise BuilderError for the first broken rule."""
        limits, warns = self._check()
        return Budget(limits, warns)

    def build_policy(self):
        """Return a Policy or raise BuilderError as build() does."""
        limits, warns = self._check()
        return Policy(limits, warns)

    def _check(self):
        """Return the limits and warns dicts, or raise BuilderError."""
        seen = []
        for dim, _, _ in self.declared:
            if dim in seen:
                raise BuilderError("duplicate_dimension", dim)
            seen.append(dim)
        if not self.declared:
            raise BuilderError("no_dimensions", None)
        limits = {}
        warns = {}
        for dim, limit, warn in self.declared:
            limits[dim] = limit
            warns[dim] = warn
        for dim in Dim.ALL:
            if dim not in limits:
                continue
            if limits[dim] == 0:
                raise BuilderError("zero_limit", dim)
            if warns[dim] is not None and warns[dim] >= limits[dim]:
                raise BuilderError("warn_not_below_limit", dim)
        return limits, warns


class Account:
    """Totals as plain ints in a dict keyed by declared dimension.

    Budget and Ledger are both accounts: they differ only in how they are
    made, so every rule lives here once.
    """

    def __init__(self, limits, warns):
        self.limits = limits
        self.warns = warns
        self.totals = {}
        self.reset()

    def _check_charge(self, dim, amount):
        """Raise what charge(dim, amount) raises for bad input, in its order."""
        check_dim(dim)
        check_u64("amount", amount)
        if dim not in self.limits:
            raise ChargeError(dim)

    def _verdict_after(self, dim, amount):
        """Return (new total, verdict) for charging amount, changing nothing."""
        total = min(self.totals[dim] + amount, U64_MAX)
        if total > self.limits[dim]:
            return total, Verdict(EXHAUSTED, dim)
        warn = self.warns[dim]
        if warn is not None and total > warn:
            return total, Verdict(WARN, dim)
        return total, Verdict.CONTINUE

    def charge(self, dim, amount):
        """Add amount with saturation and return the verdict for the new total."""
        self._check_charge(dim, amount)
        total, verdict = self._verdict_after(dim, amount)
        self.totals[dim] = total
        return verdict

    def preview(self, dim, amount):
        """Return the verdict charge(dim, amount) would return, changing nothing."""
        self._check_charge(dim, amount)
        return self._verdict_after(dim, amount)[1]

    def try_charge(self, dim, amount):
        """Charge unless the charge would exhaust dim; return the verdict."""
        self._check_charge(dim, amount)
        total, verdict = self._verdict_after(dim, amount)
        if verdict.kind != EXHAUSTED:
            self.totals[dim] = total
        return verdict

    def try_charge_all(self, charges):
        """Charge every (dim, amount) pair, or none when one would exhaust."""
        if type(charges) is not list and type(charges) is not tuple:
            raise TypeError("charges must be a list or tuple, got %s" % type(charges).__name__)
        # Each pair is checked completely (shape, dim, amount, declared,
        # repeated) before the next one, and all before any charge.
        seen = []
        for pair in charges:
            if type(pair) is not tuple and type(pair) is not list:
                raise TypeError("each charge must be a (dim, amount) pair")
            if len(pair) != 2:
                raise TypeError("each charge must be a (dim, amount) pair")
            dim = pair[0]
            self._check_charge(dim, pair[1])
            if dim in seen:
                raise ValueError("dim %d appears twice" % dim)
            seen.append(dim)
        for pair in charges:
            verdict = self._verdict_after(pair[0], pair[1])[1]
            if verdict.kind == EXHAUSTED:
                return verdict
        worst = Verdict.CONTINUE
        for pair in charges:
            worst = worst.worst(self.charge(pair[0], pair[1]))
        return worst

    def spent(self, dim):
        check_dim(dim)
        if dim not in self.limits:
            return None
        return self.totals[dim]

    def remaining(self, dim):
        check_dim(dim)
        if dim not in self.limits:
            return None
        return max(self.limits[dim] - self.totals[dim], 0)

    def reset(self):
        for dim in self.limits:
            self.totals[dim] = 0

    def snapshot_into(self, buf):
        """Write the snapshot into buf[0:SNAPSHOT_SIZE]."""
        if type(buf) is not bytearray:
            raise TypeError("snapshot buffer must be a bytearray, got %s" % type(buf).__name__)
        if len(buf) < SNAPSHOT_SIZE:
            raise ValueError("snapshot buffer must hold %d bytes, got %d"
                             % (SNAPSHOT_SIZE, len(buf)))
        data = encode_snapshot(self.limits, self.warns, self.totals)
        for i in range(SNAPSHOT_SIZE):
            buf[i] = data[i]

    def restore_spent_from(self, buf):
        """Load the totals of a snapshot whose limits and thresholds equal these."""
        limits, warns, totals = decode_snapshot(buf)
        if limits != self.limits or warns != self.warns:
            raise SnapshotError("policy_mismatch")
        for dim in totals:
            self.totals[dim] = totals[dim]


class Budget(Account):
    """An account made by a builder, or restored from a snapshot."""

    @staticmethod
    def builder():
        return BudgetBuilder()

    @staticmethod
    def restore(buf):
        """Return a new Budget with the limits, thresholds and totals of a snapshot."""
        limits, warns, totals = decode_snapshot(buf)
        budget = Budget(limits, warns)
        for dim in totals:
            budget.totals[dim] = totals[dim]
        return budget


class Policy:
    """Limits and warn thresholds shared by ledgers; a copy, so never changed."""

    def __init__(self, limits, warns):
        self.limits = dict(limits)
        self.warns = dict(warns)

    def ledger(self):
        return Ledger(self)


class Ledger(Account):
    """The totals of one client under a Policy, with Budget's rules."""

    def __init__(self, policy):
        Account.__init__(self, policy.limits, policy.warns)


# ---------------------------------------------------------------------------
# Snapshot codec
# ---------------------------------------------------------------------------


def crc16(data, count):
    """Return the CRC-16/CCITT-FALSE of data[0:count].

    Polynomial 0x1021, initial value 0xFFFF, no reflection, no final xor.
    This is the byte-at-a-time form, which folds the eight shifts of one
    byte into two xor steps on x, the top byte of the register after the
    input byte is xored in.
    """
    crc = 0xFFFF
    for i in range(count):
        x = (crc >> 8) ^ data[i]
        x ^= x >> 4
        crc = ((crc << 8) ^ (x << 12) ^ (x << 5) ^ x) & 0xFFFF
    return crc


def _put_u64(data, at, value):
    for i in range(8):
        data[at + i] = (value >> (8 * i)) & 0xFF


def _get_u64(data, at):
    value = 0
    for i in range(8):
        value |= data[at + i] << (8 * i)
    return value


def encode_snapshot(limits, warns, totals):
    """Return the SNAPSHOT_SIZE bytes of the snapshot, as a bytearray."""
    data = bytearray(SNAPSHOT_SIZE)
    data[0] = 0x42
    data[1] = 0x4B
    data[2] = SNAPSHOT_VERSION
    declared = 0
    warned = 0
    for dim in limits:
        at = RECORDS_AT + RECORD_SIZE * dim
        declared |= 1 << dim
        _put_u64(data, at, limits[dim])
        if warns[dim] is not None:
            warned |= 1 << dim
            _put_u64(data, at + 8, warns[dim])
        _put_u64(data, at + 16, totals[dim])
    data[3] = declared
    data[4] = warned
    crc = crc16(data, CRC_AT)
    data[CRC_AT] = crc & 0xFF
    data[CRC_AT + 1] = crc >> 8
    return data


def decode_snapshot(buf):
    """Return (limits, warns, totals) of a snapshot, or raise in the contract's order.

    The order is: type (TypeError), length, the items of a memoryview
    (TypeError), magic, version, checksum, then contents (SnapshotError
    with that reason).
    """
    if type(buf) is not bytes and type(buf) is not bytearray and type(buf) is not memoryview:
        raise TypeError(
            "snapshot must be bytes, a bytearray or a memoryview, got %s" % type(buf).__name__
        )
    if len(buf) < SNAPSHOT_SIZE:
        raise SnapshotError("truncated")
    if type(buf) is memoryview:
        for i in range(SNAPSHOT_SIZE):
            item = buf[i]
            if type(item) is not int or not 0 <= item <= 0xFF:
                raise TypeError("snapshot memoryview must hold unsigned bytes")
    if buf[0] != 0x42 or buf[1] != 0x4B:
        raise SnapshotError("bad_magic")
    if buf[2] != SNAPSHOT_VERSION:
        raise SnapshotError("bad_version")
    if crc16(buf, CRC_AT) != buf[CRC_AT] | (buf[CRC_AT + 1] << 8):
        raise SnapshotError("bad_checksum")
    declared = buf[3]
    warned = buf[4]
    if buf[5] != 0 or declared == 0:
        raise SnapshotError("bad_contents")
    limits = {}
    warns = {}
    totals = {}
    for dim in Dim.ALL:
        at = RECORDS_AT + RECORD_SIZE * dim
        limit = _get_u64(buf, at)
        warn = _get_u64(buf, at + 8)
        spent = _get_u64(buf, at + 16)
        has_warn = (warned >> dim) & 1
        if not (declared >> dim) & 1:
            if has_warn or limit or warn or spent:
                raise SnapshotError("bad_contents")
            continue
        if limit == 0:
            raise SnapshotError("bad_contents")
        if has_warn:
            if warn >= limit:
                raise SnapshotError("bad_contents")
            warns[dim] = warn
        else:
            if warn != 0:
                raise SnapshotError("bad_contents")
            warns[dim] = None
        limits[dim] = limit
        totals[dim] = spent
    return limits, warns, totals
