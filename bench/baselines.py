"""Reference designs that bench.py times next to budgetkernel.Budget.

Both classes take the same arguments and have the same charge(dim, amount)
method, so a benchmark loop calls each of them the same way. Both return
the kernel's own Verdict objects, which are made once at import, so the
checkpoint case spends the same time in Verdict.worst() for every design.

- FloorCounter is the least work a charge can do in Python: plain lists,
  no input checks, no saturation. It is the yardstick, not a usable design.
  It also has preview(), try_charge() and try_charge_all(), with the same
  verdicts as the kernel's and equally bare, as the yardstick for those.
- ArrayQBudget is the obvious design: totals, limits and warn thresholds
  in three array('Q') of 8, with the same input checks as the kernel.
  Every read of an array('Q') item allocates a long int on MicroPython.
"""

from array import array

from budgetkernel import MAX_DIMS, Verdict

_U64_MAX = (1 << 64) - 1

_CONTINUE = Verdict.CONTINUE
_WARNS = tuple(Verdict.warn(dim) for dim in range(MAX_DIMS))
_EXHAUSTEDS = tuple(Verdict.exhausted(dim) for dim in range(MAX_DIMS))


class FloorCounter:
    """A total per dimension on plain lists; the least a charge can cost.

    limits and warns are lists of 8; a dimension with no warn threshold
    has its limit as the threshold, which no total can pass without also
    passing the limit.
    """

    def __init__(self, limits, warns):
        self.spent = [0] * MAX_DIMS
        self.limit = [0 if limit is None else limit for limit in limits]
        self.warn = [
            self.limit[dim] if warns[dim] is None else warns[dim] for dim in range(MAX_DIMS)
        ]

    def charge(self, dim, amount):
        spent = self.spent
        total = spent[dim] + amount
        spent[dim] = total
        if total > self.limit[dim]:
            return _EXHAUSTEDS[dim]
        if total > self.warn[dim]:
            return _WARNS[dim]
        return _CONTINUE

    def preview(self, dim, amount):
        total = self.spent[dim] + amount
        if total > self.limit[dim]:
            return _EXHAUSTEDS[dim]
        if total > self.warn[dim]:
            return _WARNS[dim]
        return _CONTINUE

    def try_charge(self, dim, amount):
        spent = self.spent
        total = spent[dim] + amount
        if total > self.limit[dim]:
            return _EXHAUSTEDS[dim]
        spent[dim] = total
        if total > self.warn[dim]:
            return _WARNS[dim]
        return _CONTINUE

    def try_charge_all(self, charges):
        # One pass finds an exhausting pair and one charges and combines.
        # Malformed pairs and repeated dims are not checked.
        spent = self.spent
        limit = self.limit
        for dim, amount in charges:
            if spent[dim] + amount > limit[dim]:
                return _EXHAUSTEDS[dim]
        worst = _CONTINUE
        for dim, amount in charges:
            total = spent[dim] + amount
            spent[dim] = total
            if total > self.warn[dim]:
                worst = worst.worst(_WARNS[dim])
        return worst


class ArrayQBudget:
    """Totals, limits and warn thresholds in three array('Q') of 8.

    Checks dim and amount as budgetkernel does (type, range, declared) and
    saturates at 2**64 - 1. An undeclared dimension has limit 0, since a
    declared one never does.
    """

    def __init__(self, limits, warns):
        self.spent = array("Q", [0] * MAX_DIMS)
        self.limit = array("Q", [0 if limit is None else limit for limit in limits])
        warn = [0] * MAX_DIMS
        for dim in range(MAX_DIMS):
            if warns[dim] is not None:
                warn[dim] = warns[dim]
            elif limits[dim] is not None:
                warn[dim] = limits[dim]
        self.warn = array("Q", warn)

    def charge(self, dim, amount):
        if type(dim) is not int:
            raise TypeError("dim must be an int in 0..7, got %r" % (dim,))
        if dim < 0 or dim >= MAX_DIMS:
            raise ValueError("dim must be in 0..7, got %r" % (dim,))
        if type(amount) is not int:
            raise TypeError("amount must be an int in 0..2**64-1, got %r" % (amount,))
        if amount < 0 or amount > _U64_MAX:
            raise ValueError("amount must be an int in 0..2**64-1, got %r" % (amount,))
        limit = self.limit[dim]
        if limit == 0:
            raise LookupError("dimension %d was not declared in this budget" % dim)
        total = self.spent[dim] + amount
        if total > _U64_MAX:
            total = _U64_MAX
        self.spent[dim] = total
        if total > limit:
            return _EXHAUSTEDS[dim]
        if total > self.warn[dim]:
            return _WARNS[dim]
        return _CONTINUE
