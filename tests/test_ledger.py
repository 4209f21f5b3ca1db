"""Policy and Ledger: build_policy(), ledgers that match Budget, independence.

A Policy contains the limits and warn thresholds that BudgetBuilder
declared, and each policy.ledger() stores one client's totals under them.
These tests check that build_policy() rejects what build() rejects, and
that a ledger returns for every call what a Budget built from the same
builder returns. Both are also checked against the plain-int model in
tests/diff/model.py. Ledgers of one policy must be independent, and no
ledger may change its policy. The heap-lock and footprint tests are in
test_ledger_heap.py.
"""

try:
    from diff import model
except ImportError:
    # MicroPython runners may put tests/diff itself on the path.
    import model

import budgetkernel
from budgetkernel import (
    Budget,
    BuilderError,
    ChargeError,
    Dim,
    Ledger,
    Policy,
    SNAPSHOT_SIZE,
    SnapshotError,
    Verdict,
)
from _support import BAD_COUNTS, BAD_DIMS, expect_raises, make_builder, make_policy, totals

U64_MAX = (1 << 64) - 1
WINDOW = 1 << 28

TOKENS = Dim.TOKENS
MILLIS = Dim.MILLIS
BYTES = Dim.BYTES
CALLS = Dim.CALLS
MEMORY = Dim.MEMORY
CUSTOM0 = Dim.CUSTOM0
CUSTOM1 = Dim.CUSTOM1
CUSTOM2 = Dim.CUSTOM2


# ---------------------------------------------------------------------------
# Declarations and oracles
# ---------------------------------------------------------------------------


def verdict_key(verdict):
    """Return (kind, dim) for a kernel or model verdict, so the two compare."""
    if verdict.is_exhausted():
        return ("exhausted", verdict.dimension())
    if verdict.dimension() is None:
        return ("continue", None)
    return ("warn", verdict.dimension())


def model_preview(oracle, dim, amount):
    """Return the verdict model charge(dim, amount) would give, changing nothing."""
    saved = oracle.totals.get(dim)
    verdict = oracle.charge(dim, amount)
    oracle.totals[dim] = saved
    return verdict


def model_try_charge(oracle, dim, amount):
    """Charge the model unless the charge would exhaust, as try_charge() does."""
    saved = oracle.totals.get(dim)
    verdict = oracle.charge(dim, amount)
    if verdict.is_exhausted():
        oracle.totals[dim] = saved
    return verdict


def model_try_charge_all(oracle, pairs):
    """Run try_charge_all() on the model, for valid pairs of distinct dims."""
    for dim, amount in pairs:
        verdict = model_preview(oracle, dim, amount)
        if verdict.is_exhausted():
            return verdict
    result = model.Verdict.CONTINUE
    for dim, amount in pairs:
        result = result.worst(oracle.charge(dim, amount))
    return result


def apply_call(target, call, is_model):
    """Run one scripted call on a kernel object or the model; return a comparable result."""
    name = call[0]
    if name == "reset":
        target.reset()
        return None
    if name == "spent":
        return target.spent(call[1])
    if name == "remaining":
        return target.remaining(call[1])
    if name == "all":
        if is_model:
            return verdict_key(model_try_charge_all(target, call[1]))
        return verdict_key(target.try_charge_all(call[1]))
    dim, amount = call[1], call[2]
    if name == "charge":
        return verdict_key(target.charge(dim, amount))
    if is_model:
        if name == "preview":
            return verdict_key(model_preview(target, dim, amount))
        return verdict_key(model_try_charge(target, dim, amount))
    if name == "preview":
        return verdict_key(target.preview(dim, amount))
    return verdict_key(target.try_charge(dim, amount))


def state_of(target):
    """Return spent() and remaining() for every dim, None where undeclared."""
    return [target.spent(dim) for dim in Dim.ALL] + [target.remaining(dim) for dim in Dim.ALL]


def check_script(declaration, script, ledger=None):
    """Run script on a ledger, a Budget and the model in lockstep; assert they agree.

    Every call's result and the full state after it must match the model,
    which keeps plain ints and shares no code with the kernel.
    """
    if ledger is None:
        ledger = make_policy(declaration).ledger()
    budget = make_builder(budgetkernel, declaration).build()
    oracle = make_builder(model, declaration).build()
    step = 0
    for call in script:
        step += 1
        expected = apply_call(oracle, call, True)
        from_ledger = apply_call(ledger, call, False)
        from_budget = apply_call(budget, call, False)
        assert from_ledger == expected, "step %d %r: ledger %r, model %r" % (
            step, call, from_ledger, expected)
        assert from_budget == expected, "step %d %r: budget %r, model %r" % (
            step, call, from_budget, expected)
        expected_state = state_of(oracle)
        assert state_of(ledger) == expected_state, "step %d %r: ledger state %r, model %r" % (
            step, call, state_of(ledger), expected_state)
        assert state_of(budget) == expected_state, "step %d %r: budget state %r, model %r" % (
            step, call, state_of(budget), expected_state)


# Two dims with a warn band and a small limit.
BANDS = ((TOKENS, 100, 80), (CALLS, 3, None))

BANDS_SCRIPT = (
    ("charge", TOKENS, 80),
    ("preview", TOKENS, 1),
    ("charge", TOKENS, 1),
    ("charge", TOKENS, 19),
    ("charge", TOKENS, 0),
    ("try", TOKENS, 1),
    ("preview", TOKENS, 1),
    ("charge", CALLS, 3),
    ("charge", CALLS, 1),
    ("charge", CALLS, 0),
    ("try", CALLS, 0),
    ("reset",),
    ("charge", TOKENS, 101),
    ("remaining", TOKENS),
    ("charge", TOKENS, U64_MAX),
    ("charge", TOKENS, 1),
    ("reset",),
    ("try", TOKENS, 81),
    ("try", TOKENS, 20),
    ("try", TOKENS, 0),
    ("charge", TOKENS, 0),
)

# Totals past 2**30 and 2**32, where ints are heap objects on 32-bit ports,
# and a dim whose limit is 2**64 - 1, which never exhausts.
LARGE = ((TOKENS, 1 << 40, 1 << 35), (MEMORY, U64_MAX, None))

LARGE_SCRIPT = (
    ("charge", TOKENS, (1 << 29) - 1),
    ("charge", TOKENS, (1 << 29) - 1),
    ("charge", TOKENS, (1 << 29) - 1),
    ("charge", TOKENS, (1 << 29) - 1),
    ("charge", TOKENS, 1 << 30),
    ("charge", TOKENS, 1 << 33),
    # Lands exactly on the warn threshold of 2**35, which still continues.
    ("charge", TOKENS, (1 << 35) - (1 << 33) - (1 << 31) - (1 << 30) + 4),
    ("spent", TOKENS),
    ("charge", TOKENS, 1),
    ("preview", TOKENS, (1 << 40) - (1 << 35)),
    ("preview", TOKENS, (1 << 40) - (1 << 35) + 1),
    ("try", TOKENS, 1 << 40),
    ("charge", TOKENS, (1 << 40) - (1 << 35) - 1),
    ("charge", TOKENS, 1),
    ("charge", MEMORY, (1 << 63) + 12345),
    ("charge", MEMORY, 1 << 63),
    ("charge", MEMORY, U64_MAX),
    ("try", MEMORY, U64_MAX),
    ("remaining", MEMORY),
    ("reset",),
    ("charge", MEMORY, 1 << 62),
)

# Warn and limit at the top of the u64 range, so one charge can saturate.
SATURATING = ((BYTES, U64_MAX - 1, U64_MAX - 2), (CUSTOM0, 5, 0))

SATURATING_SCRIPT = (
    ("charge", BYTES, U64_MAX - 2),
    ("charge", BYTES, 1),
    ("charge", BYTES, 0),
    ("charge", BYTES, 1),
    ("charge", BYTES, 5),
    ("charge", BYTES, U64_MAX),
    ("reset",),
    ("try", BYTES, U64_MAX),
    ("charge", BYTES, 1 << 63),
    ("charge", BYTES, 1 << 63),
    ("charge", CUSTOM0, 0),
    ("charge", CUSTOM0, 1),
    ("charge", CUSTOM0, 4),
    ("charge", CUSTOM0, 1),
)

# Amounts around the fast-path window of 2**28 (an internal detail, but the
# place where a charge changes code path).
WINDOWED = ((CUSTOM1, (1 << 31) + 7, 1 << 30), (CUSTOM2, WINDOW + 2, WINDOW))

WINDOWED_SCRIPT = (
    ("charge", CUSTOM1, WINDOW - 1),
    ("charge", CUSTOM1, 1),
    ("charge", CUSTOM1, 1),
    ("charge", CUSTOM1, WINDOW + 1),
    ("charge", CUSTOM1, WINDOW),
    ("charge", CUSTOM1, WINDOW),
    ("charge", CUSTOM1, 3),
    ("charge", CUSTOM1, WINDOW * 4),
    ("charge", CUSTOM1, 6),
    ("charge", CUSTOM1, 1),
    ("charge", CUSTOM2, WINDOW),
    ("charge", CUSTOM2, 1),
    ("charge", CUSTOM2, 1),
    ("charge", CUSTOM2, 1),
)

# Every dim declared; try_charge_all over three pairs at a time.
EVERY_DIM = (
    (TOKENS, 1000, 800),
    (MILLIS, 50, None),
    (BYTES, 10, 5),
    (CALLS, 3, None),
    (MEMORY, 1 << 34, 1 << 33),
    (CUSTOM0, 1, 0),
    (CUSTOM1, 7, 6),
    (CUSTOM2, U64_MAX, U64_MAX - 1),
)

EVERY_DIM_SCRIPT = (
    ("all", ((TOKENS, 500), (MILLIS, 20), (BYTES, 5))),
    ("all", ((BYTES, 1), (TOKENS, 301), (CALLS, 1))),
    ("all", ((CALLS, 1), (MILLIS, 31), (TOKENS, 500))),
    ("all", ((CALLS, 1), (MILLIS, 30), (TOKENS, 199))),
    ("all", ()),
    ("all", [[MEMORY, 1 << 33], [CUSTOM0, 1], [CUSTOM2, U64_MAX - 1]]),
    ("all", ((CUSTOM2, 1), (CUSTOM0, 0), (MEMORY, 1))),
    ("all", ((CUSTOM2, 1), (CUSTOM1, 6), (MEMORY, 0))),
    ("charge", CALLS, 1),
    ("all", ((TOKENS, 0), (CALLS, 0), (BYTES, 0))),
    ("try", CALLS, 0),
    ("reset",),
    ("all", ((CUSTOM1, 7), (CUSTOM0, 1), (CALLS, 3))),
)


# ---------------------------------------------------------------------------
# build_policy
# ---------------------------------------------------------------------------

# (builder, reason, dim): build() and build_policy() must both raise this.
BAD_BUILDERS = (
    (lambda: Budget.builder(), "no_dimensions", None),
    (lambda: Budget.builder().limit(TOKENS, 5).limit(TOKENS, 6), "duplicate_dimension", TOKENS),
    (lambda: Budget.builder().limit(CALLS, 0).limit(BYTES, 1).limit(BYTES, 1),
     "duplicate_dimension", BYTES),
    (lambda: Budget.builder().limit(BYTES, 0), "zero_limit", BYTES),
    (lambda: Budget.builder().limit_with_warn(MEMORY, 0, 0), "zero_limit", MEMORY),
    (lambda: Budget.builder().limit_with_warn(MILLIS, 10, 10), "warn_not_below_limit", MILLIS),
    (lambda: Budget.builder().limit_with_warn(MILLIS, 10, 11), "warn_not_below_limit", MILLIS),
    (lambda: Budget.builder().limit_with_warn(CUSTOM2, U64_MAX, U64_MAX),
     "warn_not_below_limit", CUSTOM2),
    # The per-dimension checks follow Dim.ALL order, not declaration order.
    (lambda: Budget.builder().limit(CUSTOM2, 0).limit_with_warn(TOKENS, 5, 5),
     "warn_not_below_limit", TOKENS),
    (lambda: Budget.builder().limit_with_warn(CUSTOM1, 5, 9).limit(MILLIS, 0),
     "zero_limit", MILLIS),
)


def test_build_policy_returns_policy():
    policy = Budget.builder().limit(TOKENS, 10).build_policy()
    assert type(policy) is Policy
    ledger = policy.ledger()
    assert type(ledger) is Ledger
    assert totals(ledger) == [0, None, None, None, None, None, None, None]
    assert ledger.remaining(TOKENS) == 10


def test_build_policy_rejects_like_build():
    for make, reason, dim in BAD_BUILDERS:
        from_build = expect_raises(BuilderError, make().build)
        from_policy = expect_raises(BuilderError, make().build_policy)
        assert from_policy.reason == reason, "%r != %r" % (from_policy.reason, reason)
        assert from_policy.dim == dim, "%s: dim %r != %r" % (reason, from_policy.dim, dim)
        assert from_build.reason == reason
        assert from_build.dim == dim
        assert str(from_policy) == str(from_build)


def test_failed_build_policy_keeps_builder():
    # A rejected build_policy() leaves the builder as it was, so a second
    # call raises the same error. A valid builder builds many policies.
    builder = Budget.builder().limit_with_warn(TOKENS, 10, 10)
    expect_raises(BuilderError, builder.build_policy)
    error = expect_raises(BuilderError, builder.build_policy)
    assert error.reason == "warn_not_below_limit"

    builder = Budget.builder().limit(CALLS, 2)
    policy = builder.build_policy()
    second = builder.build_policy()
    assert policy.ledger().remaining(CALLS) == 2
    assert second.ledger().remaining(CALLS) == 2


def test_builder_changes_miss_built_policy():
    # Limits are fixed when build_policy() returns: declaring more on the
    # same builder afterwards must not reach the policy's ledgers.
    builder = Budget.builder().limit_with_warn(TOKENS, 100, 50)
    policy = builder.build_policy()
    early = policy.ledger()
    builder.limit(CALLS, 3)
    builder.limit_with_warn(TOKENS, 7, 1)
    late = policy.ledger()
    for ledger in (early, late):
        assert totals(ledger) == [0, None, None, None, None, None, None, None]
        error = expect_raises(ChargeError, ledger.charge, CALLS, 1)
        assert error.dim == CALLS
        assert ledger.remaining(TOKENS) == 100
        assert ledger.charge(TOKENS, 50) == Verdict.CONTINUE
        assert ledger.charge(TOKENS, 50) == Verdict.warn(TOKENS)
        assert ledger.charge(TOKENS, 1) == Verdict.exhausted(TOKENS)


# ---------------------------------------------------------------------------
# A ledger returns what a Budget and the model return
# ---------------------------------------------------------------------------


def test_ledger_matches_budget_in_bands():
    check_script(BANDS, BANDS_SCRIPT)


def test_ledger_matches_budget_past_2_30():
    check_script(LARGE, LARGE_SCRIPT)


def test_ledger_matches_budget_at_saturation():
    check_script(SATURATING, SATURATING_SCRIPT)


def test_ledger_matches_budget_around_window():
    check_script(WINDOWED, WINDOWED_SCRIPT)


def test_ledger_matches_budget_with_all_dims():
    check_script(EVERY_DIM, EVERY_DIM_SCRIPT)


def test_ledger_bands_by_hand():
    # The same rules as the model gives, written out: limit 100, warn 80.
    ledger = make_policy(BANDS).ledger()
    assert ledger.charge(TOKENS, 80) == Verdict.CONTINUE
    assert ledger.charge(TOKENS, 1) == Verdict.warn(TOKENS)
    assert ledger.charge(TOKENS, 19) == Verdict.warn(TOKENS)
    assert ledger.remaining(TOKENS) == 0
    assert ledger.charge(TOKENS, 1) == Verdict.exhausted(TOKENS)
    assert ledger.spent(TOKENS) == 101
    assert ledger.remaining(TOKENS) == 0
    ledger.reset()
    assert ledger.spent(TOKENS) == 0
    assert ledger.remaining(TOKENS) == 100
    # One charge that crosses the warn threshold and the limit is exhausted.
    assert ledger.charge(TOKENS, 150) == Verdict.exhausted(TOKENS)
    assert ledger.spent(TOKENS) == 150
    assert ledger.charge(CALLS, 3) == Verdict.CONTINUE
    assert ledger.charge(CALLS, 1) == Verdict.exhausted(CALLS)


def test_ledger_large_totals_by_hand():
    ledger = make_policy(LARGE).ledger()
    assert ledger.charge(TOKENS, (1 << 35) - 1) == Verdict.CONTINUE
    assert ledger.charge(TOKENS, 1) == Verdict.CONTINUE
    assert ledger.spent(TOKENS) == 1 << 35
    assert ledger.charge(TOKENS, 1) == Verdict.warn(TOKENS)
    assert ledger.remaining(TOKENS) == (1 << 40) - (1 << 35) - 1
    assert ledger.charge(TOKENS, (1 << 40) - (1 << 35) - 1) == Verdict.warn(TOKENS)
    assert ledger.charge(TOKENS, 1) == Verdict.exhausted(TOKENS)
    assert ledger.spent(TOKENS) == (1 << 40) + 1

    assert ledger.charge(MEMORY, U64_MAX - 1) == Verdict.CONTINUE
    assert ledger.charge(MEMORY, 5) == Verdict.CONTINUE
    assert ledger.spent(MEMORY) == U64_MAX
    assert ledger.remaining(MEMORY) == 0


def test_ledger_saturates_by_hand():
    ledger = make_policy(SATURATING).ledger()
    assert ledger.charge(BYTES, U64_MAX - 2) == Verdict.CONTINUE
    assert ledger.charge(BYTES, 1) == Verdict.warn(BYTES)
    assert ledger.charge(BYTES, 1) == Verdict.exhausted(BYTES)
    assert ledger.spent(BYTES) == U64_MAX
    assert ledger.charge(BYTES, U64_MAX) == Verdict.exhausted(BYTES)
    assert ledger.spent(BYTES) == U64_MAX
    ledger.reset()
    assert ledger.charge(BYTES, 1 << 63) == Verdict.CONTINUE
    assert ledger.charge(BYTES, 1 << 63) == Verdict.exhausted(BYTES)
    assert ledger.spent(BYTES) == U64_MAX


def test_ledger_snapshot_matches_budget():
    # The snapshot layout depends only on the declaration and the totals,
    # so a ledger and a budget in the same state write the same 200 bytes.
    ledger = make_policy(BANDS).ledger()
    budget = make_builder(budgetkernel, BANDS).build()
    for target in (ledger, budget):
        target.charge(TOKENS, 85)
        target.charge(CALLS, 2)
    from_ledger = bytearray(SNAPSHOT_SIZE)
    from_budget = bytearray(SNAPSHOT_SIZE)
    ledger.snapshot_into(from_ledger)
    budget.snapshot_into(from_budget)
    assert from_ledger == from_budget
    assert from_ledger[0:3] == b"BK\x01"
    # TOKENS (bit 0) and CALLS (bit 3) declared, only TOKENS with a warn.
    assert from_ledger[3] == 0x09
    assert from_ledger[4] == 0x01
    # TOKENS's record starts at 6: limit 100, warn 80, spent 85.
    assert from_ledger[6] == 100
    assert from_ledger[14] == 80
    assert from_ledger[22] == 85


def test_ledger_restores_spent_only():
    policy = make_policy(BANDS)
    source = policy.ledger()
    source.charge(TOKENS, 90)
    source.charge(CALLS, 4)
    buffer = bytearray(SNAPSHOT_SIZE)
    source.snapshot_into(buffer)

    target = policy.ledger()
    target.charge(TOKENS, 3)
    target.restore_spent_from(buffer)
    assert totals(target) == totals(source)
    assert target.charge(TOKENS, 0) == Verdict.warn(TOKENS)
    assert target.charge(CALLS, 0) == Verdict.exhausted(CALLS)

    # Charging the copy leaves the source alone.
    target.charge(TOKENS, 5)
    assert source.spent(TOKENS) == 90
    assert target.spent(TOKENS) == 95

    # A budget built from the same builder writes a snapshot the ledger takes.
    budget = make_builder(budgetkernel, BANDS).build()
    budget.charge(TOKENS, 12)
    budget.snapshot_into(buffer)
    target.restore_spent_from(buffer)
    assert totals(target) == [12, None, None, 0, None, None, None, None]


def test_ledger_rejects_other_policy_snapshot():
    ledger = make_policy(BANDS).ledger()
    ledger.charge(TOKENS, 7)
    other = make_policy(((TOKENS, 100, 79), (CALLS, 3, None))).ledger()
    buffer = bytearray(SNAPSHOT_SIZE)
    other.snapshot_into(buffer)
    error = expect_raises(SnapshotError, ledger.restore_spent_from, buffer)
    assert error.reason == "policy_mismatch"
    assert totals(ledger) == [7, None, None, 0, None, None, None, None]


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------

def charged_ledgers():
    """Return two ledgers of one policy, each with its own warning totals."""
    policy = make_policy(((TOKENS, 100, 50), (CALLS, 1 << 40, None)))
    first = policy.ledger()
    second = policy.ledger()
    first.charge(TOKENS, 60)
    first.charge(CALLS, (1 << 33) + 5)
    second.charge(TOKENS, 51)
    second.charge(CALLS, 9)
    return first, second


def test_undeclared_dim_raises_charge_error():
    first, second = charged_ledgers()
    before = totals(first)
    for dim in (MILLIS, BYTES, MEMORY, CUSTOM0, CUSTOM1, CUSTOM2):
        for method in (first.charge, first.preview, first.try_charge):
            error = expect_raises(ChargeError, method, dim, 1)
            assert error.dim == dim, "%r != %r" % (error.dim, dim)
        error = expect_raises(ChargeError, first.charge, dim, 0)
        assert error.dim == dim
        assert first.spent(dim) is None
        assert first.remaining(dim) is None
    assert totals(first) == before
    assert totals(second) == [51, None, None, 9, None, None, None, None]


def test_bad_dims_change_nothing():
    first, second = charged_ledgers()
    before = totals(first)
    for value, exc_type in BAD_DIMS:
        for method in (first.charge, first.preview, first.try_charge):
            error = expect_raises(exc_type, method, value, 1)
            assert "0..7" in str(error)
        expect_raises(exc_type, first.spent, value)
        expect_raises(exc_type, first.remaining, value)
        assert totals(first) == before
    assert totals(second) == [51, None, None, 9, None, None, None, None]
    assert first.charge(TOKENS, 0) == Verdict.warn(TOKENS)


def test_bad_amounts_change_nothing():
    first, second = charged_ledgers()
    before = totals(first)
    for dim in (TOKENS, CALLS, BYTES):
        for value, exc_type in BAD_COUNTS:
            for method in (first.charge, first.preview, first.try_charge):
                error = expect_raises(exc_type, method, dim, value)
                assert "amount" in str(error)
            assert totals(first) == before
    assert totals(second) == [51, None, None, 9, None, None, None, None]
    assert first.charge(CALLS, 0) == Verdict.CONTINUE


def test_bad_pairs_change_nothing():
    first, second = charged_ledgers()
    before = totals(first)
    cases = (
        ({TOKENS: 1}, TypeError),
        (((TOKENS, 1, 2),), TypeError),
        ((TOKENS, 1), TypeError),
        (((TOKENS, True),), TypeError),
        (((TOKENS, 1), (CALLS, -1)), ValueError),
        (((TOKENS, 1), (9, 1)), ValueError),
        (((TOKENS, 1), (BYTES, 1)), ChargeError),
        (((TOKENS, 1), (CALLS, 1), (TOKENS, 1)), ValueError),
    )
    for charges, exc_type in cases:
        expect_raises(exc_type, first.try_charge_all, charges)
        assert totals(first) == before, "%r changed the ledger" % (charges,)
    assert totals(second) == [51, None, None, 9, None, None, None, None]


# ---------------------------------------------------------------------------
# Independence
# ---------------------------------------------------------------------------


def test_ledgers_of_one_policy_are_independent():
    declaration = ((TOKENS, 100, 80), (MILLIS, 1 << 40, None))
    policy = make_policy(declaration)
    ledgers = [policy.ledger() for _ in range(6)]
    oracles = [make_builder(model, declaration).build() for _ in range(6)]
    # Each ledger gets its own amounts; the rounds interleave them.
    for round_index in range(4):
        for index in range(6):
            amount = (index + 1) * (round_index + 3)
            big = (index + 1) << (29 + round_index)
            for target in (ledgers[index], oracles[index]):
                target.charge(TOKENS, amount)
                target.charge(MILLIS, big)
        for index in range(6):
            assert state_of(ledgers[index]) == state_of(oracles[index]), "ledger %d" % index

    # Exhausting and resetting one ledger leaves the others where they were.
    ledgers[0].charge(TOKENS, U64_MAX)
    oracles[0].charge(TOKENS, U64_MAX)
    ledgers[1].reset()
    oracles[1].reset()
    for index in range(6):
        assert state_of(ledgers[index]) == state_of(oracles[index]), "ledger %d" % index
    assert ledgers[0].charge(TOKENS, 0) == Verdict.exhausted(TOKENS)
    assert ledgers[1].charge(TOKENS, 80) == Verdict.CONTINUE
    assert ledgers[2].charge(TOKENS, 0) == Verdict.CONTINUE


def test_restore_touches_one_ledger():
    policy = make_policy(BANDS)
    first = policy.ledger()
    second = policy.ledger()
    second.charge(TOKENS, 5)
    buffer = bytearray(SNAPSHOT_SIZE)
    other = policy.ledger()
    other.charge(TOKENS, 99)
    other.snapshot_into(buffer)
    first.restore_spent_from(buffer)
    assert first.spent(TOKENS) == 99
    assert second.spent(TOKENS) == 5
    assert policy.ledger().spent(TOKENS) == 0


def test_new_ledger_starts_at_zero():
    policy = make_policy(EVERY_DIM)
    for _ in range(3):
        used = policy.ledger()
        for dim in Dim.ALL:
            used.charge(dim, U64_MAX)
        used.charge(TOKENS, 1)
    fresh = policy.ledger()
    assert totals(fresh) == [0, 0, 0, 0, 0, 0, 0, 0]
    expected_limits = [1000, 50, 10, 3, 1 << 34, 1, 7, U64_MAX]
    assert [fresh.remaining(dim) for dim in Dim.ALL] == expected_limits


def test_ledgers_before_and_after_match():
    # Limits belong to the policy alone, so a ledger made before others ran
    # out returns, call for call, what one made after them returns.
    policy = make_policy(BANDS)
    early = policy.ledger()
    for _ in range(4):
        spender = policy.ledger()
        spender.charge(TOKENS, 1 << 40)
        spender.charge(CALLS, U64_MAX)
        spender.try_charge_all(((TOKENS, 5), (CALLS, 5)))
        spender.reset()
        spender.charge(TOKENS, 90)
    late = policy.ledger()
    check_script(BANDS, BANDS_SCRIPT, early)
    check_script(BANDS, BANDS_SCRIPT, late)
