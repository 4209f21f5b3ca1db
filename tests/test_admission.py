"""Admission control: preview, try_charge and try_charge_all.

preview(dim, amount) returns the verdict that charge(dim, amount) would
return and changes nothing. try_charge commits only a charge that does not
exhaust its dimension. try_charge_all checks every pair first, then commits
all of them or none. Every case runs on a Budget and on a Ledger from
Budget.builder()...build_policy().ledger().
Expected verdicts come from plain-int arithmetic in expected_verdict(),
not from the kernel.
"""

import budgetkernel
from budgetkernel import ChargeError, Dim, Verdict
from _support import (
    BAD_COUNTS,
    BAD_DIMS,
    call_locked,
    expect_raises,
    lock_or_skip,
    make_builder,
    totals,
    unlock,
)

U64_MAX = (1 << 64) - 1
WINDOW = 1 << 28

# Totals near the points where MicroPython changes int representation
# (2**30 on 32-bit ports, 2**62 on 64-bit ones) and near saturation.
STARTS = (
    0,
    5,
    WINDOW - 1,
    (1 << 30) - 1,
    1 << 30,
    (1 << 32) - 1,
    1 << 32,
    (1 << 63) - 1,
    1 << 63,
    U64_MAX - (1 << 29),
    U64_MAX - 1,
    U64_MAX,
)

# Amounts around the kernel's 2**28 window and the 2**29 bound of the
# no-allocation promise, plus long-int amounts that saturate.
AMOUNTS = (
    0,
    1,
    WINDOW - 1,
    WINDOW,
    WINDOW + 1,
    (1 << 29) - 1,
    1 << 29,
    (1 << 29) + 1,
    1 << 32,
    1 << 63,
    U64_MAX,
)

# Declared: TOKENS, BYTES, CALLS, MEMORY, CUSTOM0. Undeclared: MILLIS,
# CUSTOM1, CUSTOM2.
MIXED = (
    (Dim.TOKENS, 100, 50),
    (Dim.BYTES, 1000, 10),
    (Dim.CALLS, 10, None),
    (Dim.MEMORY, U64_MAX, None),
    (Dim.CUSTOM0, 1 << 40, 1 << 32),
)


def accounts(declarations):
    """Return a fresh Budget and a fresh Ledger with the same declarations."""
    budget = make_builder(budgetkernel, declarations).build()
    ledger = make_builder(budgetkernel, declarations).build_policy().ledger()
    return [budget, ledger]


def kind(account):
    return type(account).__name__


def expected_verdict(dim, total, limit, warn):
    """Return the verdict the rules give for a saturated total, with plain ints."""
    if total > limit:
        return Verdict.exhausted(dim)
    if warn is not None and total > warn:
        return Verdict.warn(dim)
    return Verdict.CONTINUE


def remainders(account):
    return [account.remaining(dim) for dim in Dim.ALL]


def state(account):
    """Return spent() and remaining() for every dimension."""
    return totals(account), remainders(account)


def near(value):
    """Return value - 1, value and value + 1 where they are valid u64 values."""
    return [item for item in (value - 1, value, value + 1) if 0 <= item <= U64_MAX]


def charge_to(account, dim, total):
    """Bring dim's total to total in two charges, so the window is partly used."""
    half = total // 2
    account.charge(dim, half)
    account.charge(dim, total - half)
    assert account.spent(dim) == total


def edge_cases():
    """Yield (start, amount, limit, warn) with limit and warn next to start + amount."""
    for start in STARTS:
        for amount in AMOUNTS:
            total = min(start + amount, U64_MAX)
            for limit in near(total):
                if limit == 0:
                    continue
                for warn in [None] + near(total):
                    if warn is not None and warn >= limit:
                        continue
                    yield start, amount, limit, warn


# ---------------------------------------------------------------------------
# preview
# ---------------------------------------------------------------------------


def test_preview_continue_warn_exhausted():
    for account in accounts(MIXED):
        before = state(account)
        assert account.preview(Dim.TOKENS, 0) == Verdict.CONTINUE
        assert account.preview(Dim.TOKENS, 50) == Verdict.CONTINUE
        assert account.preview(Dim.TOKENS, 51) == Verdict.warn(Dim.TOKENS)
        assert account.preview(Dim.TOKENS, 100) == Verdict.warn(Dim.TOKENS)
        assert account.preview(Dim.TOKENS, 101) == Verdict.exhausted(Dim.TOKENS)
        assert state(account) == before, kind(account)

        assert account.charge(Dim.TOKENS, 60) == Verdict.warn(Dim.TOKENS)
        assert account.preview(Dim.TOKENS, 0) == Verdict.warn(Dim.TOKENS)
        assert account.preview(Dim.TOKENS, 40) == Verdict.warn(Dim.TOKENS)
        assert account.preview(Dim.TOKENS, 41) == Verdict.exhausted(Dim.TOKENS)
        assert account.spent(Dim.TOKENS) == 60, kind(account)

        assert account.charge(Dim.TOKENS, 50) == Verdict.exhausted(Dim.TOKENS)
        assert account.preview(Dim.TOKENS, 0) == Verdict.exhausted(Dim.TOKENS)
        assert account.preview(Dim.TOKENS, 1) == Verdict.exhausted(Dim.TOKENS)
        assert account.spent(Dim.TOKENS) == 110, kind(account)


def test_preview_crossing_both_thresholds():
    # One amount passes the warn threshold and the limit: exhausted wins.
    for account in accounts(MIXED):
        assert account.preview(Dim.TOKENS, 101) == Verdict.exhausted(Dim.TOKENS)
        assert account.preview(Dim.BYTES, 5000) == Verdict.exhausted(Dim.BYTES)
        assert account.preview(Dim.CUSTOM0, U64_MAX) == Verdict.exhausted(Dim.CUSTOM0)
        assert account.spent(Dim.TOKENS) == 0, kind(account)
        assert account.spent(Dim.BYTES) == 0, kind(account)
        assert account.spent(Dim.CUSTOM0) == 0, kind(account)


def test_preview_saturates_at_u64_max():
    for account in accounts(MIXED):
        # MEMORY's limit is U64_MAX, and a saturated total equals it.
        charge_to(account, Dim.MEMORY, U64_MAX - 1)
        assert account.preview(Dim.MEMORY, 1) == Verdict.CONTINUE
        assert account.preview(Dim.MEMORY, 5) == Verdict.CONTINUE
        assert account.preview(Dim.MEMORY, U64_MAX) == Verdict.CONTINUE
        assert account.spent(Dim.MEMORY) == U64_MAX - 1, kind(account)
        assert account.charge(Dim.MEMORY, U64_MAX) == Verdict.CONTINUE
        assert account.preview(Dim.MEMORY, U64_MAX) == Verdict.CONTINUE
        assert account.spent(Dim.MEMORY) == U64_MAX, kind(account)

    declarations = ((Dim.CUSTOM2, U64_MAX - 1, U64_MAX - 2),)
    for account in accounts(declarations):
        charge_to(account, Dim.CUSTOM2, U64_MAX - 2)
        assert account.preview(Dim.CUSTOM2, 1) == Verdict.warn(Dim.CUSTOM2)
        assert account.preview(Dim.CUSTOM2, 2) == Verdict.exhausted(Dim.CUSTOM2)
        assert account.preview(Dim.CUSTOM2, U64_MAX) == Verdict.exhausted(Dim.CUSTOM2)
        assert account.spent(Dim.CUSTOM2) == U64_MAX - 2, kind(account)


def test_preview_zero_amount_reads_band():
    for account in accounts(MIXED):
        assert account.preview(Dim.CALLS, 0) == Verdict.CONTINUE
        account.charge(Dim.CALLS, 10)
        assert account.preview(Dim.CALLS, 0) == Verdict.CONTINUE
        account.charge(Dim.CALLS, 1)
        assert account.preview(Dim.CALLS, 0) == Verdict.exhausted(Dim.CALLS)
        account.charge(Dim.BYTES, 11)
        assert account.preview(Dim.BYTES, 0) == Verdict.warn(Dim.BYTES)
        assert account.spent(Dim.CALLS) == 11, kind(account)
        assert account.spent(Dim.BYTES) == 11, kind(account)


def test_preview_matches_rules_near_edges():
    dim = Dim.MEMORY
    for start, amount, limit, warn in edge_cases():
        expected = expected_verdict(dim, min(start + amount, U64_MAX), limit, warn)
        for account in accounts(((dim, limit, warn),)):
            case = (kind(account), start, amount, limit, warn)
            charge_to(account, dim, start)
            before = state(account)
            zero_before = account.charge(dim, 0)
            assert account.preview(dim, amount) == expected, case
            assert account.preview(dim, amount) == expected, case
            assert state(account) == before, case
            assert account.charge(dim, 0) == zero_before, case
            # The next charge of the same amount returns what preview returned.
            assert account.charge(dim, amount) == expected, case
            assert account.spent(dim) == min(start + amount, U64_MAX), case


def test_preview_leaves_other_dims_alone():
    for account in accounts(MIXED):
        account.charge(Dim.TOKENS, 60)
        charge_to(account, Dim.CUSTOM0, (1 << 32) + 7)
        before = state(account)
        for dim, _, _ in MIXED:
            for amount in (0, 1, WINDOW, 1 << 33, U64_MAX):
                account.preview(dim, amount)
        assert state(account) == before, kind(account)
        assert account.charge(Dim.TOKENS, 0) == Verdict.warn(Dim.TOKENS)
        assert account.charge(Dim.CUSTOM0, 0) == Verdict.warn(Dim.CUSTOM0)


# ---------------------------------------------------------------------------
# try_charge
# ---------------------------------------------------------------------------


def test_try_charge_commits_continue_and_warn():
    for account in accounts(MIXED):
        assert account.try_charge(Dim.TOKENS, 50) == Verdict.CONTINUE
        assert account.spent(Dim.TOKENS) == 50, kind(account)
        assert account.try_charge(Dim.TOKENS, 1) == Verdict.warn(Dim.TOKENS)
        assert account.spent(Dim.TOKENS) == 51, kind(account)
        assert account.try_charge(Dim.TOKENS, 0) == Verdict.warn(Dim.TOKENS)
        assert account.spent(Dim.TOKENS) == 51, kind(account)
        assert account.remaining(Dim.TOKENS) == 49, kind(account)


def test_try_charge_exact_limit_commits():
    for account in accounts(MIXED):
        account.charge(Dim.TOKENS, 60)
        # 60 + 40 equals the limit of 100, which limits include.
        assert account.try_charge(Dim.TOKENS, 40) == Verdict.warn(Dim.TOKENS)
        assert account.spent(Dim.TOKENS) == 100, kind(account)
        assert account.remaining(Dim.TOKENS) == 0, kind(account)
        assert account.try_charge(Dim.CALLS, 10) == Verdict.CONTINUE
        assert account.spent(Dim.CALLS) == 10, kind(account)


def test_try_charge_limit_plus_one_rejected():
    for account in accounts(MIXED):
        account.charge(Dim.TOKENS, 60)
        account.charge(Dim.CALLS, 3)
        before = state(account)
        assert account.try_charge(Dim.TOKENS, 41) == Verdict.exhausted(Dim.TOKENS)
        assert account.try_charge(Dim.CALLS, 8) == Verdict.exhausted(Dim.CALLS)
        assert state(account) == before, kind(account)
        # The rejected amounts were not charged, so the exact rest still fits.
        assert account.try_charge(Dim.TOKENS, 40) == Verdict.warn(Dim.TOKENS)
        assert account.try_charge(Dim.CALLS, 7) == Verdict.CONTINUE
        assert account.spent(Dim.TOKENS) == 100, kind(account)
        assert account.spent(Dim.CALLS) == 10, kind(account)


def test_try_charge_crossing_both_rejected():
    for account in accounts(MIXED):
        before = state(account)
        assert account.try_charge(Dim.TOKENS, 101) == Verdict.exhausted(Dim.TOKENS)
        assert account.try_charge(Dim.BYTES, U64_MAX) == Verdict.exhausted(Dim.BYTES)
        assert state(account) == before, kind(account)
        assert account.charge(Dim.TOKENS, 0) == Verdict.CONTINUE
        assert account.charge(Dim.BYTES, 0) == Verdict.CONTINUE


def test_try_charge_exhausted_dim_rejected():
    for account in accounts(MIXED):
        assert account.charge(Dim.CALLS, 12) == Verdict.exhausted(Dim.CALLS)
        charge_to(account, Dim.CUSTOM0, (1 << 40) + 1)
        before = state(account)
        # Amount 0 on an exhausted dim is rejected too, with the same verdict.
        for dim in (Dim.CALLS, Dim.CUSTOM0):
            for amount in (0, 1, WINDOW, U64_MAX):
                assert account.try_charge(dim, amount) == Verdict.exhausted(dim)
        assert state(account) == before, kind(account)
        assert account.spent(Dim.CALLS) == 12, kind(account)
        assert account.spent(Dim.CUSTOM0) == (1 << 40) + 1, kind(account)


def test_try_charge_u64_max_limit_never_rejects():
    for account in accounts(MIXED):
        charge_to(account, Dim.MEMORY, U64_MAX - 1)
        assert account.try_charge(Dim.MEMORY, U64_MAX) == Verdict.CONTINUE
        assert account.spent(Dim.MEMORY) == U64_MAX, kind(account)
        assert account.try_charge(Dim.MEMORY, 1) == Verdict.CONTINUE
        assert account.try_charge(Dim.MEMORY, 0) == Verdict.CONTINUE
        assert account.spent(Dim.MEMORY) == U64_MAX, kind(account)
        assert account.remaining(Dim.MEMORY) == 0, kind(account)


def test_try_charge_matches_rules_near_edges():
    dim = Dim.CUSTOM1
    for start, amount, limit, warn in edge_cases():
        total = min(start + amount, U64_MAX)
        expected = expected_verdict(dim, total, limit, warn)
        for account in accounts(((dim, limit, warn),)):
            case = (kind(account), start, amount, limit, warn)
            charge_to(account, dim, start)
            before = state(account)
            assert account.try_charge(dim, amount) == expected, case
            if expected.is_exhausted():
                assert state(account) == before, case
                # A rejected charge was not made, so charge() still exhausts.
                assert account.charge(dim, amount) == expected, case
            assert account.spent(dim) == total, case
            assert account.remaining(dim) == max(limit - total, 0), case


def test_try_charge_leaves_other_dims_alone():
    for account in accounts(MIXED):
        account.charge(Dim.BYTES, 20)
        before = state(account)
        account.try_charge(Dim.TOKENS, 70)
        account.try_charge(Dim.CALLS, 11)
        after = state(account)
        for dim in Dim.ALL:
            if dim != Dim.TOKENS:
                assert after[0][dim] == before[0][dim], (kind(account), dim)
                assert after[1][dim] == before[1][dim], (kind(account), dim)
        assert after[0][Dim.TOKENS] == 70, kind(account)


# ---------------------------------------------------------------------------
# try_charge_all
# ---------------------------------------------------------------------------


def test_try_charge_all_commits_every_pair():
    for account in accounts(MIXED):
        charges = [(Dim.TOKENS, 10), (Dim.CALLS, 1), (Dim.BYTES, 6), (Dim.MEMORY, 1 << 40)]
        assert account.try_charge_all(charges) == Verdict.CONTINUE
        assert totals(account) == [10, None, 6, 1, 1 << 40, 0, None, None], kind(account)
        # BYTES reaches 12, above its warn threshold of 10.
        assert account.try_charge_all(charges) == Verdict.warn(Dim.BYTES)
        assert totals(account) == [20, None, 12, 2, 1 << 41, 0, None, None], kind(account)


def test_try_charge_all_first_warn_wins():
    cases = (
        ([(Dim.TOKENS, 60), (Dim.BYTES, 20)], Verdict.warn(Dim.TOKENS)),
        ([(Dim.BYTES, 20), (Dim.TOKENS, 60)], Verdict.warn(Dim.BYTES)),
        ([(Dim.CALLS, 1), (Dim.BYTES, 11), (Dim.TOKENS, 51)], Verdict.warn(Dim.BYTES)),
        ([(Dim.CALLS, 10), (Dim.TOKENS, 100)], Verdict.warn(Dim.TOKENS)),
    )
    for charges, expected in cases:
        for account in accounts(MIXED):
            assert account.try_charge_all(charges) == expected, (kind(account), charges)
            for dim, amount in charges:
                assert account.spent(dim) == amount, (kind(account), charges, dim)


def test_try_charge_all_exhausting_pair_commits_nothing():
    for account in accounts(MIXED):
        account.charge(Dim.TOKENS, 30)
        before = state(account)
        charges = [(Dim.TOKENS, 10), (Dim.CALLS, 11), (Dim.BYTES, 5)]
        assert account.try_charge_all(charges) == Verdict.exhausted(Dim.CALLS)
        assert state(account) == before, kind(account)
        assert account.charge(Dim.TOKENS, 0) == Verdict.CONTINUE


def test_try_charge_all_first_exhausting_pair():
    cases = (
        ([(Dim.BYTES, 2000), (Dim.CALLS, 11)], Verdict.exhausted(Dim.BYTES)),
        ([(Dim.CALLS, 11), (Dim.BYTES, 2000)], Verdict.exhausted(Dim.CALLS)),
        # An earlier warn does not beat a later exhausted pair.
        ([(Dim.TOKENS, 60), (Dim.MEMORY, 1), (Dim.CALLS, 11)], Verdict.exhausted(Dim.CALLS)),
        ([(Dim.CUSTOM0, (1 << 40) + 1), (Dim.TOKENS, 101)], Verdict.exhausted(Dim.CUSTOM0)),
    )
    for charges, expected in cases:
        for account in accounts(MIXED):
            before = state(account)
            assert account.try_charge_all(charges) == expected, (kind(account), charges)
            assert state(account) == before, (kind(account), charges)


def test_try_charge_all_exhausted_dim_zero():
    for account in accounts(MIXED):
        account.charge(Dim.CALLS, 11)
        before = state(account)
        charges = [(Dim.TOKENS, 1), (Dim.CALLS, 0)]
        assert account.try_charge_all(charges) == Verdict.exhausted(Dim.CALLS)
        assert state(account) == before, kind(account)


def test_try_charge_all_exact_boundary():
    for account in accounts(MIXED):
        charge_to(account, Dim.CUSTOM0, (1 << 40) - 5)
        account.charge(Dim.CALLS, 4)
        before = state(account)
        over = [(Dim.CALLS, 6), (Dim.CUSTOM0, 6)]
        assert account.try_charge_all(over) == Verdict.exhausted(Dim.CUSTOM0)
        assert state(account) == before, kind(account)
        exact = [(Dim.CALLS, 6), (Dim.CUSTOM0, 5)]
        assert account.try_charge_all(exact) == Verdict.warn(Dim.CUSTOM0)
        assert account.spent(Dim.CALLS) == 10, kind(account)
        assert account.spent(Dim.CUSTOM0) == 1 << 40, kind(account)


def test_try_charge_all_saturates():
    for account in accounts(MIXED):
        charge_to(account, Dim.MEMORY, U64_MAX - 1)
        charges = ((Dim.MEMORY, U64_MAX), (Dim.TOKENS, 1))
        assert account.try_charge_all(charges) == Verdict.CONTINUE
        assert account.spent(Dim.MEMORY) == U64_MAX, kind(account)
        assert account.spent(Dim.TOKENS) == 1, kind(account)


def test_try_charge_all_big_totals():
    declarations = (
        (Dim.TOKENS, (1 << 32) + 10, 1 << 32),
        (Dim.MILLIS, (1 << 63) + 10, None),
        (Dim.BYTES, U64_MAX - 1, U64_MAX - 100),
    )
    for account in accounts(declarations):
        charge_to(account, Dim.TOKENS, (1 << 32) - 1)
        charge_to(account, Dim.MILLIS, 1 << 63)
        charge_to(account, Dim.BYTES, U64_MAX - 101)
        charges = [(Dim.TOKENS, 1), (Dim.MILLIS, 10), (Dim.BYTES, 1)]
        assert account.try_charge_all(charges) == Verdict.CONTINUE
        charges = [(Dim.TOKENS, 1), (Dim.MILLIS, 0), (Dim.BYTES, 1)]
        assert account.try_charge_all(charges) == Verdict.warn(Dim.TOKENS)
        before = state(account)
        charges = [(Dim.TOKENS, 1), (Dim.BYTES, 1), (Dim.MILLIS, 1)]
        assert account.try_charge_all(charges) == Verdict.exhausted(Dim.MILLIS)
        assert state(account) == before, kind(account)
        expected = [(1 << 32) + 1, (1 << 63) + 10, U64_MAX - 99, None, None, None, None, None]
        assert totals(account) == expected, kind(account)


def test_try_charge_all_empty_is_continue():
    for account in accounts(MIXED):
        assert account.try_charge_all([]) == Verdict.CONTINUE
        assert account.try_charge_all(()) == Verdict.CONTINUE
        # Even with an exhausted dim, no pairs means nothing to reject.
        account.charge(Dim.CALLS, 11)
        before = state(account)
        assert account.try_charge_all([]) == Verdict.CONTINUE
        assert account.try_charge_all(()) == Verdict.CONTINUE
        assert state(account) == before, kind(account)


def test_try_charge_all_pair_containers():
    shapes = (
        [(Dim.TOKENS, 60), (Dim.CALLS, 2)],
        ((Dim.TOKENS, 60), (Dim.CALLS, 2)),
        [[Dim.TOKENS, 60], [Dim.CALLS, 2]],
        ([Dim.TOKENS, 60], [Dim.CALLS, 2]),
        [(Dim.TOKENS, 60), [Dim.CALLS, 2]],
    )
    for charges in shapes:
        for account in accounts(MIXED):
            assert account.try_charge_all(charges) == Verdict.warn(Dim.TOKENS), charges
            assert account.spent(Dim.TOKENS) == 60, (kind(account), charges)
            assert account.spent(Dim.CALLS) == 2, (kind(account), charges)


def test_try_charge_all_single_pair():
    for account in accounts(MIXED):
        assert account.try_charge_all([(Dim.TOKENS, 51)]) == Verdict.warn(Dim.TOKENS)
        assert account.try_charge_all([(Dim.TOKENS, 50)]) == Verdict.exhausted(Dim.TOKENS)
        assert account.spent(Dim.TOKENS) == 51, kind(account)


def check_rejected(exc_type, charges):
    """Assert try_charge_all(charges) raises exc_type and changes nothing; return the error."""
    error = None
    for account in accounts(MIXED):
        account.charge(Dim.TOKENS, 60)
        charge_to(account, Dim.CUSTOM0, (1 << 33) + 3)
        before = state(account)
        error = expect_raises(exc_type, account.try_charge_all, charges)
        assert state(account) == before, (kind(account), charges)
        assert account.charge(Dim.TOKENS, 0) == Verdict.warn(Dim.TOKENS)
    return error


def test_try_charge_all_rejects_non_sequences():
    pair = (Dim.TOKENS, 1)
    for charges in (None, 0, 5, "", "ab", b"", bytearray(2), {}, {pair: 1}, set(), {pair},
                    range(0), iter([pair]), Verdict.CONTINUE):
        check_rejected(TypeError, charges)


def test_try_charge_all_rejects_bad_pair_shapes():
    good = (Dim.CALLS, 1)
    for pair in ((), (Dim.TOKENS,), (Dim.TOKENS, 1, 2), [], [Dim.TOKENS], [Dim.TOKENS, 1, 2],
                 None, 1, "ab", b"\x00\x01", bytearray(2), {Dim.TOKENS: 1, Dim.CALLS: 1},
                 range(2)):
        check_rejected(TypeError, [pair])
        # After good pairs, so nothing may be committed before the check.
        check_rejected(TypeError, [good, (Dim.BYTES, 1), pair])
        check_rejected(TypeError, (good, pair))


def test_try_charge_all_rejects_bad_dims():
    for value, exc_type in BAD_DIMS:
        check_rejected(exc_type, [(value, 1)])
        check_rejected(exc_type, [(Dim.CALLS, 1), (Dim.BYTES, 1), (value, 1)])
        check_rejected(exc_type, ([Dim.CALLS, 1], [value, 0]))


def test_try_charge_all_rejects_bad_amounts():
    for value, exc_type in BAD_COUNTS:
        check_rejected(exc_type, [(Dim.CALLS, value)])
        check_rejected(exc_type, [(Dim.CALLS, 1), (Dim.BYTES, 1), (Dim.TOKENS, value)])
        check_rejected(exc_type, ([Dim.CALLS, 1], [Dim.MEMORY, value]))


def test_try_charge_all_rejects_undeclared_dim():
    for dim in (Dim.MILLIS, Dim.CUSTOM1, Dim.CUSTOM2):
        error = check_rejected(ChargeError, [(dim, 1)])
        assert error.dim == dim
        error = check_rejected(ChargeError, [(Dim.CALLS, 1), (Dim.TOKENS, 2), (dim, 0)])
        assert error.dim == dim


def test_try_charge_all_rejects_duplicate_dim():
    check_rejected(ValueError, [(Dim.TOKENS, 1), (Dim.TOKENS, 2)])
    check_rejected(ValueError, [(Dim.TOKENS, 0), (Dim.CALLS, 1), (Dim.TOKENS, 0)])
    check_rejected(ValueError, ([Dim.CALLS, 1], (Dim.CALLS, 1)))
    # Each amount alone fits under CALLS's limit of 10, together they would not.
    check_rejected(ValueError, [(Dim.CALLS, 6), (Dim.CALLS, 6)])


def test_try_charge_all_error_beats_exhaustion():
    # All input is checked before any pair is judged, so a bad pair after
    # an exhausting one still raises.
    check_rejected(ValueError, [(Dim.CALLS, 11), (9, 1)])
    check_rejected(TypeError, [(Dim.CALLS, 11), (Dim.TOKENS, 1.0)])
    check_rejected(TypeError, [(Dim.CALLS, 11), (Dim.TOKENS,)])
    error = check_rejected(ChargeError, [(Dim.CALLS, 11), (Dim.MILLIS, 1)])
    assert error.dim == Dim.MILLIS
    check_rejected(ValueError, [(Dim.CALLS, 11), (Dim.TOKENS, 1), (Dim.TOKENS, 1)])


def test_try_charge_all_amount_checked_before_declared():
    # Each pair is checked as charge() checks it: amount before declaration.
    check_rejected(ValueError, [(Dim.MILLIS, -1)])
    check_rejected(TypeError, [(Dim.MILLIS, True)])


# ---------------------------------------------------------------------------
# Errors of preview and try_charge
# ---------------------------------------------------------------------------


def expected_error(dim, amount, declared):
    """Return the exception type for charge(dim, amount): dim, then amount, then declaration."""
    for value, exc_type in BAD_DIMS:
        if type(value) is type(dim) and value == dim:
            return exc_type
    for value, exc_type in BAD_COUNTS:
        if type(value) is type(amount) and value == amount:
            return exc_type
    if dim not in declared:
        return ChargeError
    return None


def test_single_calls_raise_like_charge():
    declared = [dim for dim, _, _ in MIXED]
    inputs = []
    for value, _ in BAD_DIMS:
        inputs.append((value, 1))
        inputs.append((value, -1))
        inputs.append((value, 1.5))
    for value, _ in BAD_COUNTS:
        inputs.append((Dim.TOKENS, value))
        inputs.append((Dim.MILLIS, value))
    for dim in (Dim.MILLIS, Dim.CUSTOM1, Dim.CUSTOM2):
        inputs.append((dim, 0))
        inputs.append((dim, U64_MAX))
    for account in accounts(MIXED):
        account.charge(Dim.TOKENS, 60)
        charge_to(account, Dim.CUSTOM0, (1 << 33) + 3)
        before = state(account)
        for dim, amount in inputs:
            exc_type = expected_error(dim, amount, declared)
            case = (kind(account), dim, amount)
            expect_raises(exc_type, account.charge, dim, amount)
            error = expect_raises(exc_type, account.preview, dim, amount)
            if exc_type is ChargeError:
                assert error.dim == dim, case
            error = expect_raises(exc_type, account.try_charge, dim, amount)
            if exc_type is ChargeError:
                assert error.dim == dim, case
            assert state(account) == before, case
        assert account.charge(Dim.TOKENS, 0) == Verdict.warn(Dim.TOKENS)


# ---------------------------------------------------------------------------
# No allocation under micropython.heap_lock()
#
# The accounts are built and their totals set before the lock. Results go
# into lists made before the lock, and the asserts run after it.
# ---------------------------------------------------------------------------

BIG = 1 << 40
SMALL_MAX = (1 << 29) - 1

# CUSTOM0 starts at FAR_START with 5 left in its window and FAR_FIT below
# its limit. An amount above WINDOW + 5 then leaves the window while the
# limit is still 2**28 or more past the window end, so preview and
# try_charge take the path that writes the total and puts it back.
FAR_START = BIG + WINDOW - 5
FAR_FIT = 3 * (WINDOW // 2)

# TOKENS starts 10 below its warn threshold near 2**40, MEMORY 10 below its
# warn threshold near 2**64, BYTES 3 below a limit of U64_MAX, and CALLS
# is already exhausted.
LOCKED = (
    (Dim.TOKENS, BIG + WINDOW, BIG + 100),
    (Dim.MEMORY, U64_MAX - 1, U64_MAX - 1000),
    (Dim.BYTES, U64_MAX, None),
    (Dim.CALLS, 3, None),
    (Dim.CUSTOM0, FAR_START + FAR_FIT, None),
)


def locked_accounts():
    """Return accounts with the LOCKED declarations and their starting totals."""
    built = accounts(LOCKED)
    for account in built:
        charge_to(account, Dim.TOKENS, BIG + 90)
        charge_to(account, Dim.MEMORY, U64_MAX - 1010)
        charge_to(account, Dim.BYTES, U64_MAX - 3)
        account.charge(Dim.CALLS, 4)
        charge_to(account, Dim.CUSTOM0, BIG)
        account.charge(Dim.CUSTOM0, WINDOW - 5)
    return built


def locked_totals(tokens, memory, calls, bytes_total, custom0):
    return [tokens, None, bytes_total, calls, memory, custom0, None, None]


def test_preview_does_not_allocate():
    # Worked out before the lock, so that only the calls under test run locked.
    to_limit = WINDOW - 90
    for account in locked_accounts():
        before = state(account)
        got = [None] * 16
        lock_or_skip()
        try:
            got[0] = account.preview(Dim.TOKENS, 5)
            got[1] = account.preview(Dim.TOKENS, 11)
            got[2] = account.preview(Dim.TOKENS, to_limit)
            got[3] = account.preview(Dim.TOKENS, to_limit + 1)
            got[4] = account.preview(Dim.TOKENS, SMALL_MAX)
            got[5] = account.preview(Dim.MEMORY, 10)
            got[6] = account.preview(Dim.MEMORY, 1009)
            got[7] = account.preview(Dim.MEMORY, 1010)
            got[8] = account.preview(Dim.MEMORY, SMALL_MAX)
            got[9] = account.preview(Dim.BYTES, SMALL_MAX)
            got[10] = account.preview(Dim.CALLS, 0)
            got[11] = account.preview(Dim.TOKENS, 0)
            got[12] = account.preview(Dim.CUSTOM0, SMALL_MAX)
            got[13] = account.preview(Dim.CUSTOM0, FAR_FIT)
            got[14] = account.preview(Dim.CUSTOM0, FAR_FIT + 1)
            got[15] = account.preview(Dim.CALLS, SMALL_MAX)
        finally:
            unlock()
        expected = [
            Verdict.CONTINUE,
            Verdict.warn(Dim.TOKENS),
            Verdict.warn(Dim.TOKENS),
            Verdict.exhausted(Dim.TOKENS),
            Verdict.exhausted(Dim.TOKENS),
            Verdict.CONTINUE,
            Verdict.warn(Dim.MEMORY),
            Verdict.exhausted(Dim.MEMORY),
            Verdict.exhausted(Dim.MEMORY),
            Verdict.CONTINUE,
            Verdict.exhausted(Dim.CALLS),
            Verdict.CONTINUE,
            Verdict.exhausted(Dim.CUSTOM0),
            Verdict.CONTINUE,
            Verdict.exhausted(Dim.CUSTOM0),
            Verdict.exhausted(Dim.CALLS),
        ]
        assert got == expected, (kind(account), got)
        assert state(account) == before, kind(account)


def test_try_charge_does_not_allocate():
    for account in locked_accounts():
        got = [None] * 14
        lock_or_skip()
        try:
            got[0] = account.try_charge(Dim.TOKENS, 5)
            got[1] = account.try_charge(Dim.TOKENS, SMALL_MAX)
            got[2] = account.try_charge(Dim.TOKENS, 6)
            got[3] = account.try_charge(Dim.MEMORY, 1010)
            got[4] = account.try_charge(Dim.MEMORY, 1009)
            got[5] = account.try_charge(Dim.MEMORY, 1)
            got[6] = account.try_charge(Dim.MEMORY, 0)
            got[7] = account.try_charge(Dim.BYTES, SMALL_MAX)
            got[8] = account.try_charge(Dim.CALLS, 0)
            got[9] = account.try_charge(Dim.BYTES, SMALL_MAX)
            got[10] = account.try_charge(Dim.CUSTOM0, SMALL_MAX)
            got[11] = account.try_charge(Dim.CUSTOM0, FAR_FIT)
            got[12] = account.try_charge(Dim.CUSTOM0, 1)
            got[13] = account.try_charge(Dim.CALLS, SMALL_MAX)
        finally:
            unlock()
        expected = [
            Verdict.CONTINUE,
            Verdict.exhausted(Dim.TOKENS),
            Verdict.warn(Dim.TOKENS),
            Verdict.exhausted(Dim.MEMORY),
            Verdict.warn(Dim.MEMORY),
            Verdict.exhausted(Dim.MEMORY),
            Verdict.warn(Dim.MEMORY),
            Verdict.CONTINUE,
            Verdict.exhausted(Dim.CALLS),
            Verdict.CONTINUE,
            Verdict.exhausted(Dim.CUSTOM0),
            Verdict.CONTINUE,
            Verdict.exhausted(Dim.CUSTOM0),
            Verdict.exhausted(Dim.CALLS),
        ]
        assert got == expected, (kind(account), got)
        expected_totals = locked_totals(BIG + 101, U64_MAX - 1, 4, U64_MAX, FAR_START + FAR_FIT)
        assert totals(account) == expected_totals, kind(account)


def test_try_charge_all_does_not_allocate():
    rejected = [(Dim.TOKENS, 5), (Dim.MEMORY, 1010), (Dim.BYTES, 1)]
    rejected_zero = ((Dim.TOKENS, 1), (Dim.CALLS, 0))
    committed = [(Dim.TOKENS, 5), (Dim.MEMORY, 11), (Dim.BYTES, 1)]
    committed_tuple = ((Dim.TOKENS, 6), (Dim.BYTES, SMALL_MAX))
    empty = ()
    rejected_far = [(Dim.BYTES, 1), (Dim.CUSTOM0, SMALL_MAX)]
    committed_far = [(Dim.CUSTOM0, FAR_FIT)]
    for account in locked_accounts():
        got = [None] * 7
        lock_or_skip()
        try:
            got[0] = account.try_charge_all(rejected)
            got[1] = account.try_charge_all(rejected_zero)
            got[2] = account.try_charge_all(committed)
            got[3] = account.try_charge_all(committed_tuple)
            got[4] = account.try_charge_all(empty)
            got[5] = account.try_charge_all(rejected_far)
            got[6] = account.try_charge_all(committed_far)
        finally:
            unlock()
        expected = [
            Verdict.exhausted(Dim.MEMORY),
            Verdict.exhausted(Dim.CALLS),
            Verdict.warn(Dim.MEMORY),
            Verdict.warn(Dim.TOKENS),
            Verdict.CONTINUE,
            Verdict.exhausted(Dim.CUSTOM0),
            Verdict.CONTINUE,
        ]
        assert got == expected, (kind(account), got)
        expected_totals = locked_totals(BIG + 101, U64_MAX - 999, 4, U64_MAX, FAR_START + FAR_FIT)
        assert totals(account) == expected_totals, kind(account)


def test_admission_undeclared_dim_under_lock():
    pairs = [(Dim.TOKENS, 1), (Dim.MILLIS, 1)]
    # On 32-bit ports the amounts of 2**40 are long ints. The undeclared dim
    # must still be reported before anything touches them, whether the long
    # amount is in the same pair or an earlier one.
    long_pairs = [(Dim.MILLIS, 1 << 40)]
    long_first = [(Dim.TOKENS, 1 << 40), (Dim.MILLIS, 1)]
    for account in locked_accounts():
        before = state(account)
        raised = [None] * 5
        lock_or_skip()
        try:
            try:
                account.preview(Dim.MILLIS, 1)
            except Exception as error:
                raised[0] = error
            try:
                account.try_charge(Dim.CUSTOM1, 1)
            except Exception as error:
                raised[1] = error
            try:
                account.try_charge_all(pairs)
            except Exception as error:
                raised[2] = error
            try:
                account.try_charge_all(long_pairs)
            except Exception as error:
                raised[3] = error
            try:
                account.try_charge_all(long_first)
            except Exception as error:
                raised[4] = error
        finally:
            unlock()
        for error in raised:
            assert type(error) is ChargeError, (kind(account), error)
        assert raised[0].dim == Dim.MILLIS
        assert raised[1].dim == Dim.CUSTOM1
        assert raised[2].dim == Dim.MILLIS
        assert raised[3].dim == Dim.MILLIS
        assert raised[4].dim == Dim.MILLIS
        assert state(account) == before, kind(account)


def test_locked_try_charge_all_long_amount_changes_nothing():
    # A long-int amount allocates when it is split. Under the lock that
    # must raise MemoryError before any pair is charged, even when the
    # preview of that pair needed no allocation (a limit of 2**64 - 1).
    for account in accounts(((Dim.TOKENS, 100, None), (Dim.CALLS, U64_MAX, None))):
        account.charge(Dim.CALLS, U64_MAX - 10)
        charges = [[Dim.TOKENS, 5], [Dim.CALLS, 1 << 62]]
        outcome = call_locked(lambda: account.try_charge_all(charges))
        assert outcome is MemoryError
        assert account.spent(Dim.TOKENS) == 0
        assert account.spent(Dim.CALLS) == U64_MAX - 10
