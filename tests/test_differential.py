"""Differential tests: budgetkernel against a plain-int reference model.

Plain test_* functions with bare asserts, so that pytest collects them on
CPython and the MicroPython runner calls them directly. Calls come from
tests/diff/tracegen.py, which gives the same sequence on both runtimes:
charges, queries and resets, preview, try_charge and try_charge_all,
ledgers, snapshot round trips and damaged snapshots. test_model.py checks
the model itself against hand-worked cases.
"""

try:
    from diff import model, replay, tracegen
except ImportError:
    # MicroPython runners may put tests/diff itself on the path.
    import model
    import replay
    import tracegen

import budgetkernel

# Four seeds of 5000 calls, with the rest of this file, took 2.3 s on the
# 32-bit unix port, measured on 2 shared cores. The transcripts that the
# Makefile compares are longer.
SEEDS = (1, 2, 3, 20240607)
CALLS_PER_SEED = 5000
CONTEXT_LINES = 4

# (call, outcome) text that at least one of the 20 000 replayed lines must
# hold on each side of its " -> ", so that a change to tracegen.py cannot
# quietly stop testing a case.
REQUIRED_LINES = (
    ("corrupt(", "SnapshotError reason=truncated"),
    ("corrupt(", "SnapshotError reason=bad_magic"),
    ("corrupt(", "SnapshotError reason=bad_version"),
    ("corrupt(", "SnapshotError reason=bad_checksum"),
    ("corrupt(", "SnapshotError reason=bad_contents"),
    ("corrupt(", "SnapshotError reason=policy_mismatch"),
    ("corrupt(", "TypeError"),
    ("restore_keep, ", "restored snap"),
    ("restore_spent_from, ", "ok totals"),
    ("restore_spent_from(saved", "SnapshotError reason=policy_mismatch"),
    ("restore_spent_from(fresh", " same totals"),
    ("restore(", " same totals"),
    ("snapshot_into(view", "TypeError"),
    ("snapshot_into(longer", "bytes outside kept"),
    ("snapshot_into(short", "ValueError"),
    ("snapshot_into(bytes", "TypeError"),
    ("[1] ", ""),
    ("[3] ", ""),
    ("ledger(", "ok"),
    ("build_policy", "BuilderError"),
    ("preview(", "exhausted"),
    ("try_charge(", "exhausted"),
    ("try_charge(", "warn"),
    ("try_charge_all(", "continue"),
    ("try_charge_all(", "warn"),
    ("try_charge_all(", "exhausted"),
    ("try_charge_all(", "ChargeError"),
    ("try_charge_all(", "ValueError"),
    ("try_charge_all(", "TypeError"),
)


def test_kernel_matches_model_call_by_call():
    seen = [0] * len(REQUIRED_LINES)
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
            arrow = expected.index(" -> ")
            call = expected[:arrow]
            outcome = expected[arrow:]
            for i in range(len(REQUIRED_LINES)):
                if REQUIRED_LINES[i][0] in call and REQUIRED_LINES[i][1] in outcome:
                    seen[i] += 1
    for i in range(len(REQUIRED_LINES)):
        assert seen[i] > 0, "no replayed line has %r -> %r" % REQUIRED_LINES[i]


def test_kernel_returns_canonical_verdicts():
    # The kernel promises one Verdict object per kind and dim, so callers
    # may compare verdicts with "is".
    verdict = budgetkernel.Verdict
    seed = 7
    generator = tracegen.Generator(seed)
    kernel = replay.Replayer(seed, budgetkernel)
    kernel.generator = generator
    checked = 0
    verdict_ops = (tracegen.OP_CHARGE, tracegen.OP_PREVIEW, tracegen.OP_TRY, tracegen.OP_TRY_ALL)
    for index in range(CALLS_PER_SEED):
        kernel.step()
        if generator.op not in verdict_ops or kernel.last is None:
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


def test_generator_crc_matches_model():
    # tracegen.py reseals damaged snapshots with its own CRC, written apart
    # from the model's, so the two must agree.
    assert tracegen.crc16(b"123456789", 9) == 0x29B1
    data = bytes([(i * 31 + 7) & 0xFF for i in range(200)])
    assert tracegen.crc16(data, 198) == model.crc16(data, 198)


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
