"""Replay a seeded call sequence and write a transcript, one line per call.

Usage, on CPython or the MicroPython unix port:

    replay.py --seed S --calls N [--impl kernel|model] [--digest K]

budgetkernel, tracegen.py and, for --impl model, model.py must be on the
import path. Each line shows the call and its outcome: the verdict as
read through is_continuing(), is_exhausted() and dimension(), the total
after a charge, or the exception class with the dim and reason of
budgetkernel's own errors. Messages are left out, because those of
built-in exceptions differ between runtimes. A call on the account in
slot 1, 2 or 3 (a ledger, or a budget restored in its place) starts with
the slot, as in "[2] charge(0, 5)". Snapshot bytes appear as a
24-bit hash of their 200 bytes ("snap 1a2b3c"). A failed call that could
have changed totals also shows the totals after it, which must be those
before it. With --digest K, each block of K calls is written as one line
holding a 24-bit hash of its lines, for boards whose serial link is too
slow for the full transcript.

On a board without sys.argv, call run(seed, calls, impl, write) instead,
for example through mpremote exec.
"""

import sys

try:
    import tracegen
except ImportError:
    # Imported as diff.replay by tests that have only tests/ on the path.
    from diff import tracegen

OP_BUILD = tracegen.OP_BUILD
OP_BUILDER = tracegen.OP_BUILDER
OP_CHARGE = tracegen.OP_CHARGE
OP_CORRUPT = tracegen.OP_CORRUPT
OP_LEDGER = tracegen.OP_LEDGER
OP_LIMIT = tracegen.OP_LIMIT
OP_LIMIT_WARN = tracegen.OP_LIMIT_WARN
OP_NAME = tracegen.OP_NAME
OP_POLICY = tracegen.OP_POLICY
OP_PREVIEW = tracegen.OP_PREVIEW
OP_REMAINING = tracegen.OP_REMAINING
OP_RESET = tracegen.OP_RESET
OP_RESTORE = tracegen.OP_RESTORE
OP_RESTORE_SPENT = tracegen.OP_RESTORE_SPENT
OP_SNAPSHOT = tracegen.OP_SNAPSHOT
OP_SPENT = tracegen.OP_SPENT
OP_TARGET = tracegen.OP_TARGET
OP_TOTALS = tracegen.OP_TOTALS
OP_TRY = tracegen.OP_TRY
OP_TRY_ALL = tracegen.OP_TRY_ALL
OP_VERDICT = tracegen.OP_VERDICT
OP_WORST = tracegen.OP_WORST
VERDICT_LAST = tracegen.VERDICT_LAST
SNAPSHOT_SIZE = tracegen.SNAPSHOT_SIZE

# Calls whose failure line also shows the totals, to prove nothing changed.
SHOW_TOTALS_ON_ERROR = (OP_PREVIEW, OP_TRY, OP_TRY_ALL, OP_RESTORE_SPENT, OP_CORRUPT)

# Snapshot buffers start filled with this byte, so that a byte the
# implementation fails to write, or writes outside the snapshot, shows up.
FILL = 0xA5


def load(impl):
    """Return the module to test: budgetkernel for "kernel", model for "model"."""
    if impl == "kernel":
        import budgetkernel

        return budgetkernel
    if impl == "model":
        try:
            import model
        except ImportError:
            from diff import model

        return model
    raise ValueError("impl must be 'kernel' or 'model', got %r" % (impl,))


def show(value):
    """Return the text of an argument or result, the same on every runtime."""
    if type(value) is int:
        return "%d" % value
    return repr(value)


def show_items(value):
    """Return the text of a charges list or pair, each item as show() gives it."""
    kind = type(value)
    if kind is not list and kind is not tuple:
        return show(value)
    text = ", ".join([show_items(item) for item in value])
    if kind is list:
        return "[" + text + "]"
    if len(value) == 1:
        return "(" + text + ",)"
    return "(" + text + ")"


def snapshot_hash(data):
    """Return a 24-bit hash of data's bytes, as 6 hex digits.

    It is the polynomial of _hash_line(), so any one changed byte changes it.
    """
    digest = 0
    for byte in data:
        digest = (digest * 33 + byte) & 0xFFFFFF
    return "%06x" % digest


def show_verdict(verdict):
    """Return "continue", "warn D" or "exhausted D", from the public methods only."""
    dim = verdict.dimension()
    exhausted = verdict.is_exhausted()
    continuing = verdict.is_continuing()
    if dim is None and continuing and not exhausted:
        return "continue"
    if type(dim) is int and continuing and not exhausted:
        return "warn %d" % dim
    if type(dim) is int and exhausted and not continuing:
        return "exhausted %d" % dim
    return "inconsistent dimension=%r is_continuing=%r is_exhausted=%r" % (
        dim,
        continuing,
        exhausted,
    )


def show_error(error, module):
    """Return the class of error, with dim and reason for the module's own errors."""
    if isinstance(error, module.BuilderError):
        text = "BuilderError reason=%s dim=%s" % (error.reason, show(error.dim))
        if not isinstance(error, ValueError):
            text += " (not a ValueError)"
        return text
    if isinstance(error, module.ChargeError):
        text = "ChargeError dim=%s" % show(error.dim)
        if not isinstance(error, LookupError):
            text += " (not a LookupError)"
        return text
    if isinstance(error, module.SnapshotError):
        text = "SnapshotError reason=%s" % error.reason
        if not isinstance(error, ValueError):
            text += " (not a ValueError)"
        return text
    return type(error).__name__


def filled(size):
    """Return a bytearray of size bytes, each FILL."""
    data = bytearray(size)
    for i in range(size):
        data[i] = FILL
    return data


def as_type(data, kind):
    """Return the bytearray data as the buffer type that tracegen's AS_* kind names."""
    if kind == tracegen.AS_BYTES:
        return bytes(data)
    if kind == tracegen.AS_VIEW:
        return memoryview(data)
    if kind == tracegen.AS_LIST:
        return list(data)
    return data


def mutate(data, kind, a, b):
    """Apply tracegen's MUT_XOR, MUT_SET, MUT_FILL or MUT_COPY damage to data in place."""
    if kind == tracegen.MUT_XOR:
        data[a] ^= b
    elif kind == tracegen.MUT_SET:
        data[a] = b
    elif kind == tracegen.MUT_FILL:
        for i in range(a, a + 8):
            data[i] = b
    elif kind == tracegen.MUT_COPY:
        for i in range(8):
            data[a + i] = data[b + i]


def reseal(data):
    """Store a valid CRC of data's first 198 bytes in bytes 198 and 199."""
    crc = tracegen.crc16(data, tracegen.SNAPSHOT_CRC_AT)
    data[tracegen.SNAPSHOT_CRC_AT] = crc & 0xFF
    data[tracegen.SNAPSHOT_CRC_AT + 1] = crc >> 8


def verdict_for(module, code, last):
    """Return the verdict for a tracegen verdict code."""
    if code == 0:
        return module.Verdict.CONTINUE
    if code <= 8:
        return module.Verdict.warn(code - 1)
    if code <= 16:
        return module.Verdict.exhausted(code - 9)
    if code == VERDICT_LAST:
        return last
    return None


class Replayer:
    """Runs generated calls against one module and returns their transcript lines."""

    def __init__(self, seed, module):
        self.generator = tracegen.Generator(seed)
        self.module = module
        self.builder = None
        self.policy = None
        # Slot 0 is the budget and slots 1..3 are ledgers. target is the
        # slot that account calls go to, as the generator chose it.
        self.accounts = [None] * tracegen.MAX_ACCOUNTS
        self.target = 0
        # The last snapshot that OP_SNAPSHOT wrote, kept across builders.
        self.saved = None
        self.last = module.Verdict.CONTINUE

    def account(self):
        """Return the account that account calls go to."""
        return self.accounts[self.target]

    def step(self):
        """Make the next call and return its transcript line, without a newline."""
        gen = self.generator
        gen.next()
        op = gen.op
        call = self.describe()
        try:
            outcome = self.call(op)
        except Exception as error:  # the transcript records every exception
            outcome = show_error(error, self.module)
            if op == OP_BUILD:
                gen.built(False)
            if op in SHOW_TOTALS_ON_ERROR:
                outcome += " totals " + self.totals()
        return call + " -> " + outcome

    def describe(self):
        """Return the text of the current call."""
        gen = self.generator
        text = self.describe_call()
        if gen.op in tracegen.ACCOUNT_OPS and self.target != 0:
            return "[%d] %s" % (self.target, text)
        return text

    def describe_call(self):
        gen = self.generator
        op = gen.op
        name = tracegen.OP_NAMES[op]
        if op == OP_LIMIT_WARN:
            return "%s(%s, %s, %s)" % (name, show(gen.dim), show(gen.a), show(gen.b))
        if op == OP_LIMIT or op == OP_CHARGE or op == OP_PREVIEW or op == OP_TRY:
            return "%s(%s, %s)" % (name, show(gen.dim), show(gen.a))
        if op == OP_SPENT or op == OP_REMAINING or op == OP_NAME:
            return "%s(%s)" % (name, show(gen.dim))

        if op == OP_WORST:
            return "worst(%d, %d)" % (gen.a, gen.b)
        if op == OP_VERDICT:
            kind = "warn" if gen.a == 0 else "exhausted"
            return "Verdict.%s(%s)" % (kind, show(gen.dim))

        if op == OP_TRY_ALL:
            return "try_charge_all(%s)" % show_items(gen.charges)
        if op == OP_LEDGER or op == OP_TARGET:
            return "%s(%d)" % (name, gen.a)
        if op == OP_SNAPSHOT:
            return "snapshot_into(%s %d)" % (tracegen.SNAP_NAMES[gen.a], gen.b)
        if op == OP_RESTORE:
            return "restore(%s)" % tracegen.AS_NAMES[gen.a]
        if op == OP_RESTORE_SPENT:
            return "restore_spent_from(%s %d)" % (tracegen.SOURCE_NAMES[gen.a], gen.b)
        if op == OP_CORRUPT:
            return "corrupt(%s %d %d%s, %s, %s)" % (
                tracegen.MUT_NAMES[gen.dim],
                gen.a,
                gen.b,
                " reseal" if gen.c & tracegen.CORRUPT_RESEAL else "",
                tracegen.CALL_NAMES[(gen.c >> 1) & 3],
                tracegen.AS_NAMES[(gen.c >> 3) & 3],
            )
        return name

    def call(self, op):
        """Run the current call and return its outcome text."""
        gen = self.generator
        module = self.module
        if op == OP_CHARGE:
            verdict = self.account().charge(gen.dim, gen.a)
            self.last = verdict
            return "%s spent=%s" % (show_verdict(verdict), show(self.account().spent(gen.dim)))
        if op == OP_PREVIEW:
            verdict = self.account().preview(gen.dim, gen.a)
            self.last = verdict
            return "%s spent=%s" % (show_verdict(verdict), show(self.account().spent(gen.dim)))
        if op == OP_TRY:
            verdict = self.account().try_charge(gen.dim, gen.a)
            self.last = verdict
            return "%s spent=%s" % (show_verdict(verdict), show(self.account().spent(gen.dim)))
        if op == OP_TRY_ALL:
            verdict = self.account().try_charge_all(gen.charges)
            self.last = verdict
            return "%s totals %s" % (show_verdict(verdict), self.totals())

        if op == OP_SPENT:
            return show(self.account().spent(gen.dim))
        if op == OP_REMAINING:
            return show(self.account().remaining(gen.dim))
        if op == OP_TOTALS:
            return self.totals()

        if op == OP_RESET:
            self.account().reset()
            return "ok"

        if op == OP_WORST:
            left = verdict_for(module, gen.a, self.last)
            right = verdict_for(module, gen.b, self.last)
            return show_verdict(left.worst(right))
        if op == OP_VERDICT:
            if gen.a == 0:
                return show_verdict(module.Verdict.warn(gen.dim))
            return show_verdict(module.Verdict.exhausted(gen.dim))
        if op == OP_NAME:
            return module.Dim.name(gen.dim)

        if op == OP_BUILDER:
            self.builder = module.Budget.builder()
            self.policy = None
            self.accounts = [None] * tracegen.MAX_ACCOUNTS
            self.target = 0
            self.last = module.Verdict.CONTINUE
            return "ok"
        if op == OP_LIMIT:
            returned = self.builder.limit(gen.dim, gen.a)
            return "ok" if returned is self.builder else "returned another object"
        if op == OP_LIMIT_WARN:
            returned = self.builder.limit_with_warn(gen.dim, gen.a, gen.b)
            return "ok" if returned is self.builder else "returned another object"
        if op == OP_BUILD:
            self.accounts[0] = self.builder.build()
            self.target = 0
            gen.built(True)
            return "ok"
        if op == OP_POLICY:
            self.policy = self.builder.build_policy()
            return "ok"
        if op == OP_LEDGER:
            self.accounts[gen.a] = self.policy.ledger()
            self.target = gen.a
            return "ok"
        if op == OP_TARGET:
            self.target = gen.a
            return "ok"

        if op == OP_SNAPSHOT:
            return self.snapshot_into(gen.a, gen.b)
        if op == OP_RESTORE:
            return self.restore(gen.a)
        if op == OP_RESTORE_SPENT:
            return self.restore_spent(gen.a, gen.b)
        if op == OP_CORRUPT:
            return self.corrupt(gen.dim, gen.a, gen.b, gen.c)

        raise RuntimeError("unknown tracegen operation %d" % op)

    # -- helpers for account state and snapshots -------------------------------

    def totals(self):
        """Return spent() of all eight dims of the target account."""
        account = self.account()
        return " ".join([show(account.spent(dim)) for dim in range(8)])

    def remainders(self, account):
        return " ".join([show(account.remaining(dim)) for dim in range(8)])

    def take_snapshot(self, account):
        """Return a new bytearray holding account's snapshot."""
        data = filled(SNAPSHOT_SIZE)
        account.snapshot_into(data)
        return data

    def fresh_account(self):
        """Return a new account with the target slot's policy and every total 0."""
        if self.target == 0:
            return self.builder.build()
        return self.policy.ledger()

    def snapshot_into(self, shape, size):
        """Call snapshot_into() on a buffer of the given SNAP_* shape."""
        start = 0
        store = None
        if shape == tracegen.SNAP_BYTEARRAY:
            store = filled(SNAPSHOT_SIZE)
            buf = store
        elif shape == tracegen.SNAP_LONGER:
            store = filled(SNAPSHOT_SIZE + size)
            buf = store
        elif shape == tracegen.SNAP_VIEW:
            store = filled(SNAPSHOT_SIZE)
            buf = memoryview(store)
        elif shape == tracegen.SNAP_VIEW_SLICE:
            store = filled(size + SNAPSHOT_SIZE + 8)
            buf = memoryview(store)[size:]
            start = size
        elif shape == tracegen.SNAP_BYTES:
            buf = bytes(SNAPSHOT_SIZE)
        elif shape == tracegen.SNAP_SHORT:
            buf = filled(size)
        elif shape == tracegen.SNAP_SHORT_VIEW:
            buf = memoryview(filled(300))[:size]
        else:
            buf = None
        self.account().snapshot_into(buf)
        if store is None:
            return "returned for a bad buffer"
        outside = "kept"
        for i in range(len(store)):
            if (i < start or i >= start + SNAPSHOT_SIZE) and store[i] != FILL:
                outside = "changed"
        data = bytes(store[start:start + SNAPSHOT_SIZE])
        self.saved = data
        return "snap %s, bytes outside %s" % (snapshot_hash(data), outside)

    def restore(self, kind):
        """Replace the target with Budget.restore() of its own snapshot."""
        original = self.take_snapshot(self.account())
        restored = self.module.Budget.restore(as_type(original, kind))
        self.accounts[self.target] = restored
        again = self.take_snapshot(restored)
        same = "same" if again == original else "differs"
        return "snap %s %s totals %s" % (snapshot_hash(again), same, self.totals())

    def restore_spent(self, source, slot):
        """Load totals into the target, or into a fresh account that replaces it."""
        if source == tracegen.SOURCE_FRESH:
            original = self.take_snapshot(self.account())
            account = self.fresh_account()
            account.restore_spent_from(original)
            self.accounts[self.target] = account
            again = self.take_snapshot(account)
            same = "same" if again == original else "differs"
            return "snap %s %s totals %s" % (snapshot_hash(again), same, self.totals())
        if source == tracegen.SOURCE_SLOT:
            data = self.take_snapshot(self.accounts[slot])
        else:
            data = self.saved
        self.account().restore_spent_from(data)
        after = self.take_snapshot(self.account())
        return "snap %s totals %s" % (snapshot_hash(after), self.totals())

    def corrupt(self, kind, a, b, flags):
        """Damage the target's snapshot and pass it to restore() or restore_spent_from()."""
        data = self.take_snapshot(self.account())
        mutate(data, kind, a, b)
        if flags & tracegen.CORRUPT_RESEAL:
            reseal(data)
        if kind == tracegen.MUT_TRUNCATE:
            data = data[:a]
        elif kind == tracegen.MUT_EXTEND:
            data = data + filled(a)
        source = as_type(data, (flags >> 3) & 3)
        call = (flags >> 1) & 3
        if call == tracegen.CALL_RESTORE_SPENT:
            self.account().restore_spent_from(source)
            return "ok totals %s" % self.totals()
        restored = self.module.Budget.restore(source)
        if call == tracegen.CALL_RESTORE_KEEP:
            self.accounts[self.target] = restored
        return "restored snap %s remaining %s" % (
            snapshot_hash(self.take_snapshot(restored)),
            self.remainders(restored),
        )


def _hash_line(digest, line):
    # Polynomial hash mod 2**24: digest * 33 + byte stays below 2**30, so
    # the loop makes no long ints on 32-bit ports, and a change to any one
    # byte always changes the result.
    for byte in line.encode():
        digest = (digest * 33 + byte) & 0xFFFFFF
    return (digest * 33 + 10) & 0xFFFFFF


def run(seed, calls, impl="kernel", write=None, digest=0):
    """Replay calls generated from seed against impl, passing each line to write.

    write defaults to sys.stdout.write and gets lines that end in "\\n".
    With digest > 0, each block of digest calls is written as one line.
    """
    if write is None:
        write = sys.stdout.write
    replayer = Replayer(seed, load(impl))
    if digest <= 0:
        for _ in range(calls):
            write(replayer.step() + "\n")
        return
    first = 0
    value = 0
    for index in range(calls):
        value = _hash_line(value, replayer.step())
        if index - first + 1 == digest or index + 1 == calls:
            write("calls %d..%d digest %06x\n" % (first + 1, index + 1, value))
            first = index + 1
            value = 0


def _parse(argv):
    options = {"--seed": None, "--calls": None, "--impl": "kernel", "--digest": "0"}
    i = 1
    while i < len(argv):
        key = argv[i]
        if key not in options or i + 1 >= len(argv):
            raise SystemExit(
                "usage: replay.py --seed S --calls N [--impl kernel|model] [--digest K]"
            )
        options[key] = argv[i + 1]
        i += 2
    if options["--seed"] is None or options["--calls"] is None:
        raise SystemExit("replay.py: --seed and --calls are required")
    return (
        int(options["--seed"]),
        int(options["--calls"]),
        options["--impl"],
        int(options["--digest"]),
    )


if __name__ == "__main__":
    seed, calls, impl, digest = _parse(sys.argv)
    run(seed, calls, impl, None, digest)
