"""Replay a seeded call sequence and write a transcript, one line per call.

Usage, on CPython or the MicroPython unix port:

    replay.py --seed S --calls N [--impl kernel|model] [--digest K]

budgetkernel, tracegen.py and, for --impl model, model.py must be on the
import path. Each line shows the call and its outcome: the verdict as
read through is_continuing(), is_exhausted() and dimension(), the total
after a charge, or the exception class with the dim and reason of
budgetkernel's own errors. Messages are left out, because those of
built-in exceptions differ between runtimes. With --digest K, each block
of K calls is written as one line holding a 24-bit hash of its lines, for
boards whose serial link is too slow for the full transcript.

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
OP_LIMIT = tracegen.OP_LIMIT
OP_LIMIT_WARN = tracegen.OP_LIMIT_WARN
OP_NAME = tracegen.OP_NAME
OP_REMAINING = tracegen.OP_REMAINING
OP_RESET = tracegen.OP_RESET
OP_SPENT = tracegen.OP_SPENT
OP_TOTALS = tracegen.OP_TOTALS
OP_VERDICT = tracegen.OP_VERDICT
OP_WORST = tracegen.OP_WORST
VERDICT_LAST = tracegen.VERDICT_LAST


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
    return type(error).__name__


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
        self.budget = None
        self.last = module.Verdict.CONTINUE

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
        return call + " -> " + outcome

    def describe(self):
        """Return the text of the current call."""
        gen = self.generator
        op = gen.op
        name = tracegen.OP_NAMES[op]
        if op == OP_LIMIT_WARN:
            return "%s(%s, %s, %s)" % (name, show(gen.dim), show(gen.a), show(gen.b))
        if op == OP_LIMIT or op == OP_CHARGE:
            return "%s(%s, %s)" % (name, show(gen.dim), show(gen.a))
        if op == OP_SPENT or op == OP_REMAINING or op == OP_NAME:
            return "%s(%s)" % (name, show(gen.dim))

        if op == OP_WORST:
            return "worst(%d, %d)" % (gen.a, gen.b)
        if op == OP_VERDICT:
            kind = "warn" if gen.a == 0 else "exhausted"
            return "Verdict.%s(%s)" % (kind, show(gen.dim))
        return name

    def call(self, op):
        """Run the current call and return its outcome text."""
        gen = self.generator
        module = self.module
        if op == OP_CHARGE:
            verdict = self.budget.charge(gen.dim, gen.a)
            self.last = verdict
            return "%s spent=%s" % (show_verdict(verdict), show(self.budget.spent(gen.dim)))

        if op == OP_SPENT:
            return show(self.budget.spent(gen.dim))
        if op == OP_REMAINING:
            return show(self.budget.remaining(gen.dim))
        if op == OP_TOTALS:
            budget = self.budget
            return " ".join([show(budget.spent(dim)) for dim in range(8)])

        if op == OP_RESET:
            self.budget.reset()
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
            self.budget = None
            self.last = module.Verdict.CONTINUE
            return "ok"
        if op == OP_LIMIT:
            returned = self.builder.limit(gen.dim, gen.a)
            return "ok" if returned is self.builder else "returned another object"
        if op == OP_LIMIT_WARN:
            returned = self.builder.limit_with_warn(gen.dim, gen.a, gen.b)
            return "ok" if returned is self.builder else "returned another object"
        if op == OP_BUILD:
            self.budget = self.builder.build()
            gen.built(True)
            return "ok"

        raise RuntimeError("unknown tracegen operation %d" % op)


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
