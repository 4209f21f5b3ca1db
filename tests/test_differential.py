"""Differential tests: budgetkernel against a plain-int reference model.

Plain test_* functions with bare asserts, so that pytest collects them on
CPython and the MicroPython runner calls them directly. Calls come from
tests/diff/tracegen.py, which gives the same sequence on both runtimes.
"""

try:
    from diff import model, replay, tracegen
except ImportError:
    # MicroPython runners may put tests/diff itself on the path.
    import model
    import replay
    import tracegen

import budgetkernel

# Four seeds of 5000 calls took 1.4 s on the 32-bit unix port, measured
# on 2 shared cores. The transcripts that the Makefile compares are longer.
SEEDS = (1, 2, 3, 20240607)
CALLS_PER_SEED = 5000
CONTEXT_LINES = 4


def test_kernel_matches_model_call_by_call():
    for seed in SEEDS:
        kernel = replay.Replayer(seed, budgetkernel)
        oracle = replay.Replayer(seed, model)
        recent = []
        for index in range(CALLS_PER_SEED):
            got = kernel.step()
            expected = oracle.step()
            if got != expected:
                print("seed %d, call %d (1-based), after:" % (seed, index + 1))
                for line in recent:
                    print("  " + line)
                print("kernel: " + got)
                print("model:  " + expected)
            assert got == expected, "seed %d call %d: %s != %s" % (seed, index + 1, got, expected)
            recent.append(expected)
            if len(recent) > CONTEXT_LINES:
                recent.pop(0)


def test_kernel_returns_canonical_verdicts():
    # The kernel promises one Verdict object per kind and dim, so callers
    # may compare verdicts with "is".
    verdict = budgetkernel.Verdict
    seed = 7
    generator = tracegen.Generator(seed)
    kernel = replay.Replayer(seed, budgetkernel)
    kernel.generator = generator
    checked = 0
    for index in range(CALLS_PER_SEED):
        kernel.step()
        if generator.op != tracegen.OP_CHARGE or kernel.last is None:
            continue
        last = kernel.last
        dim = last.dimension()
        if dim is None:
            expected = verdict.CONTINUE
        elif last.is_exhausted():
            expected = verdict.exhausted(dim)
        else:
            expected = verdict.warn(dim)
        assert last is expected, "seed %d call %d: %r is not canonical" % (seed, index + 1, last)
        checked += 1
    assert checked > 100


def test_model_follows_spec_examples():
    # Hand-worked cases, so the oracle itself is checked independently.
    budget = (model.Budget.builder()
              .limit_with_warn(model.Dim.TOKENS, 100, 80)
              .limit(model.Dim.CALLS, 1)
              .build())
    assert budget.charge(0, 80) == model.Verdict.CONTINUE
    assert budget.charge(0, 1) == model.Verdict.warn(0)
    assert budget.charge(0, 0) == model.Verdict.warn(0)
    assert budget.charge(0, 19) == model.Verdict.warn(0)
    assert budget.remaining(0) == 0
    assert budget.charge(0, 1) == model.Verdict.exhausted(0)
    assert budget.spent(0) == 101
    assert budget.charge(3, 1) == model.Verdict.CONTINUE
    assert budget.charge(3, 2**64 - 1) == model.Verdict.exhausted(3)
    assert budget.spent(3) == 2**64 - 1
    assert budget.spent(1) is None
    budget.reset()
    assert budget.spent(0) == 0
    assert budget.remaining(3) == 1

    saturating = model.Budget.builder().limit(1, 2**64 - 1).build()
    assert saturating.charge(1, 2**64 - 1) == model.Verdict.CONTINUE
    assert saturating.charge(1, 5) == model.Verdict.CONTINUE
    assert saturating.spent(1) == 2**64 - 1


def test_model_builder_errors_in_spec_order():
    cases = (
        (((0, 0, None), (1, 5, 9), (1, 5, None)), "duplicate_dimension", 1),
        ((), "no_dimensions", None),
        (((4, 10, 10), (2, 0, None)), "zero_limit", 2),
        (((4, 10, 10), (6, 0, None)), "warn_not_below_limit", 4),
        (((7, 10, 11),), "warn_not_below_limit", 7),
    )
    for declarations, reason, dim in cases:
        builder = model.Budget.builder()
        for declared, limit, warn in declarations:
            if warn is None:
                builder.limit(declared, limit)
            else:
                builder.limit_with_warn(declared, limit, warn)
        try:
            builder.build()
            raised = None
        except model.BuilderError as error:
            raised = error
        assert raised is not None, "no BuilderError for %r" % (declarations,)
        assert raised.reason == reason, "%r: %s" % (declarations, raised.reason)
        assert raised.dim == dim, "%r: %r" % (declarations, raised.dim)


def test_splitmix64_matches_published_outputs():
    # Expected values come from splitmix64 written in C with uint64_t,
    # whose native wraparound checks the masks in the Python version.
    state = 0
    outputs = []
    for _ in range(3):
        state, value = tracegen._splitmix64(state)
        outputs.append(value)
    assert outputs[0] == 0xE220A8397B1DCDAF
    assert outputs[1] == 0x6E789E6AA1B965F4
    assert outputs[2] == 0x06C45D188009454F


def test_random_stays_small_and_varies():
    rnd = tracegen.Random(12345)
    seen = [0] * 16
    for _ in range(4000):
        value = rnd.next24()
        assert 0 <= value < (1 << 24)
        seen[value >> 20] += 1
    # Each sixteenth of the range gets about 250 of the 4000 values.
    for count in seen:
        assert 150 < count < 350, seen


def test_generator_reaches_hard_places():
    generator = tracegen.Generator(99)
    ops = [0] * len(tracegen.OP_NAMES)
    bad_dim = bad_amount = warn_zero = limit_one = saturating = boundary = 0
    builds = 0
    for _ in range(20000):
        generator.next()
        op = generator.op
        ops[op] += 1
        if op == tracegen.OP_BUILD:
            # Let every other build fail, so both phases get many calls.
            builds += 1
            generator.built(builds % 2 == 0)
        if op in (tracegen.OP_LIMIT, tracegen.OP_LIMIT_WARN, tracegen.OP_CHARGE):
            if generator.dim in tracegen.BAD_DIMS and type(generator.dim) is not int:
                bad_dim += 1
            if type(generator.dim) is int and not 0 <= generator.dim < 8:
                bad_dim += 1
        if op == tracegen.OP_LIMIT_WARN and generator.b == 0:
            warn_zero += 1
        if op in (tracegen.OP_LIMIT, tracegen.OP_LIMIT_WARN) and generator.a == 1:
            limit_one += 1
        if op == tracegen.OP_CHARGE:
            amount = generator.a
            if type(amount) is not int or not 0 <= amount <= 2**64 - 1:
                bad_amount += 1
            elif amount == 2**64 - 1:
                saturating += 1
            elif amount in ((1 << 30) - 1, 1 << 30, (1 << 31) + 1, (1 << 62), (1 << 63) - 1):
                boundary += 1
    for op in range(len(ops)):
        assert ops[op] > 0, "operation %s never generated" % tracegen.OP_NAMES[op]
    assert bad_dim > 10
    assert bad_amount > 10
    assert warn_zero > 10
    assert limit_one > 10
    assert saturating > 3
    assert boundary > 3
