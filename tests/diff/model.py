"""Reference model of budgetkernel, used only as an oracle in tests.

It keeps every total as a plain int and recomputes each verdict from
scratch, so it shares no representation with the kernel. It has the same
public API shape and runs on CPython and MicroPython alike.
"""

U64_MAX = (1 << 64) - 1
MAX_DIMS = 8

NAMES = ("tokens", "millis", "bytes", "calls", "memory", "custom0", "custom1", "custom2")

CONTINUE = 0
WARN = 1
EXHAUSTED = 2


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
        return Budget(limits, warns)


class Budget:
    """Totals as plain ints in a dict keyed by declared dimension."""

    def __init__(self, limits, warns):
        self.limits = limits
        self.warns = warns
        self.totals = {}
        self.reset()

    @staticmethod
    def builder():
        return BudgetBuilder()

    def charge(self, dim, amount):
        """Add amount with saturation and return the verdict for the new total."""
        check_dim(dim)
        check_u64("amount", amount)
        if dim not in self.limits:
            raise ChargeError(dim)
        total = min(self.totals[dim] + amount, U64_MAX)
        self.totals[dim] = total
        if total > self.limits[dim]:
            return Verdict(EXHAUSTED, dim)
        warn = self.warns[dim]
        if warn is not None and total > warn:
            return Verdict(WARN, dim)
        return Verdict.CONTINUE

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
