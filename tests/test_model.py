"""The plain-int reference model against hand-worked cases.

The differential tests trust tests/diff/model.py as the oracle, so these
tests check the model itself without the kernel: the verdict rules, the
builder errors, the admission rules, the snapshot layout and CRC, and the
order of the SnapshotError checks. They live apart from
test_differential.py so that a board with a small heap loads the model
without the trace generator and the replay.
"""

try:
    from diff import model
except ImportError:
    # MicroPython runners may put tests/diff itself on the path.
    import model

try:
    import binascii
except ImportError:
    binascii = None

from _support import expect_raises

U64_MAX = (1 << 64) - 1


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


def model_totals(account):
    return [account.spent(dim) for dim in model.Dim.ALL]


def test_model_preview_and_try_charge():
    budget = model.Budget.builder().limit_with_warn(0, 100, 80).build()
    warn = model.Verdict.warn(0)
    exhausted = model.Verdict.exhausted(0)
    assert budget.preview(0, 81) == warn
    assert budget.preview(0, 101) == exhausted
    assert budget.spent(0) == 0
    assert budget.try_charge(0, 101) == exhausted
    assert budget.spent(0) == 0
    assert budget.try_charge(0, 100) == warn
    assert budget.spent(0) == 100
    assert budget.try_charge(0, 0) == warn
    assert budget.charge(0, 1) == exhausted
    # Once exhausted, try_charge rejects even a charge of 0, and preview returns exhausted.
    assert budget.try_charge(0, 0) == exhausted
    assert budget.preview(0, 0) == exhausted
    assert budget.spent(0) == 101
    expect_raises(TypeError, budget.preview, 0, True)
    expect_raises(ValueError, budget.try_charge, 8, 1)
    expect_raises(model.ChargeError, budget.try_charge, 1, 1)
    assert budget.spent(0) == 101


def test_model_try_charge_all_rules():
    budget = (model.Budget.builder()
              .limit_with_warn(0, 100, 80)
              .limit_with_warn(3, 10, 1)
              .limit(5, 2)
              .build())
    # Both lists are rejected. The first exhausting pair in list order gives the verdict.
    assert budget.try_charge_all([(3, 11), (0, 101)]) == model.Verdict.exhausted(3)
    assert budget.try_charge_all(((0, 101), (3, 11))) == model.Verdict.exhausted(0)
    assert budget.try_charge_all([(5, 1), (0, 1), (3, 11)]) == model.Verdict.exhausted(3)
    assert model_totals(budget) == [0, None, None, 0, None, 0, None, None]
    # continue, warn(3), warn(0): the first warn wins.
    assert budget.try_charge_all([(5, 1), [3, 2], (0, 90)]) == model.Verdict.warn(3)
    assert model_totals(budget) == [90, None, None, 2, None, 1, None, None]
    assert budget.try_charge_all(((5, 1),)) == model.Verdict.CONTINUE
    assert budget.try_charge_all([(5, 1)]) == model.Verdict.exhausted(5)
    assert budget.try_charge_all([]) == model.Verdict.CONTINUE
    assert model_totals(budget) == [90, None, None, 2, None, 2, None, None]


def test_model_try_charge_all_errors():
    budget = model.Budget.builder().limit(0, 100).limit(3, 10).build()
    budget.charge(0, 7)
    cases = (
        (None, TypeError),
        ("ab", TypeError),
        ([(0, 1), "ab"], TypeError),
        (((0, 1, 2),), TypeError),
        ([(0, 1), (9, 1)], ValueError),
        ([(0, True)], TypeError),
        ([(1, 5)], model.ChargeError),
        ([(0, 1), (0, 1)], ValueError),
        # Within a pair: the amount before the declared check, and that
        # before the repeated-dim check.
        ([(1, -1)], ValueError),
        ([(0, 1), (0, "x")], TypeError),
        ([(1, 1), (1, 1)], model.ChargeError),
    )
    for charges, error in cases:
        expect_raises(error, budget.try_charge_all, charges)
        assert model_totals(budget) == [7, None, None, 0, None, None, None, None], charges


def put_bytes(buf, at, values):
    for i in range(len(values)):
        buf[at + i] = values[i]


def example_model_budget():
    """Return a model budget with a warn total on dim 0 and 2**40 + 5 on dim 3."""
    budget = model.Budget.builder().limit_with_warn(0, 1000, 800).limit(3, U64_MAX).build()
    budget.charge(0, 850)
    budget.charge(3, (1 << 40) + 5)
    return budget


def example_snapshot():
    data = bytearray(model.SNAPSHOT_SIZE)
    example_model_budget().snapshot_into(data)
    return data


def test_model_crc_check_value():
    # 0x29B1 is the published check value of CRC-16/CCITT-FALSE.
    assert model.crc16(b"123456789", 9) == 0x29B1
    data = example_snapshot()
    crc_hqx = getattr(binascii, "crc_hqx", None)
    if crc_hqx is None:
        return  # MicroPython's binascii has no crc_hqx
    assert model.crc16(data, 198) == crc_hqx(bytes(data[:198]), 0xFFFF)
    for size in (0, 1, 2, 255):
        sample = bytes([(i * 7 + 3) & 0xFF for i in range(size)])
        assert model.crc16(sample, size) == crc_hqx(sample, 0xFFFF), size


def test_model_snapshot_layout_by_hand():
    data = example_snapshot()
    expected = bytearray(model.SNAPSHOT_SIZE)
    # Magic "BK", version 1, declared dims 0 and 3 (0x09), warn on dim 0.
    put_bytes(expected, 0, (0x42, 0x4B, 1, 0x09, 0x01, 0))
    # Dim 0 at offset 6: limit 1000 = 0x03E8, warn 800 = 0x0320, spent 850 = 0x0352.
    put_bytes(expected, 6, (0xE8, 0x03))
    put_bytes(expected, 14, (0x20, 0x03))
    put_bytes(expected, 22, (0x52, 0x03))
    # Dim 3 at offset 6 + 72: limit 2**64 - 1, no warn, spent 2**40 + 5.
    put_bytes(expected, 78, (0xFF,) * 8)
    put_bytes(expected, 94, (0x05, 0, 0, 0, 0, 0x01))
    for i in range(198):
        assert data[i] == expected[i], "byte %d: %d, expected %d" % (i, data[i], expected[i])
    crc = model.crc16(expected, 198)
    assert data[198] == crc & 0xFF
    assert data[199] == crc >> 8


def test_model_snapshot_buffers():
    budget = example_model_budget()
    longer = bytearray(230)
    for i in range(230):
        longer[i] = 0xA5
    budget.snapshot_into(longer)
    assert longer[:200] == example_snapshot()
    assert longer[200:] == bytearray([0xA5] * 30)
    expect_raises(TypeError, budget.snapshot_into, memoryview(bytearray(200)))
    expect_raises(TypeError, budget.snapshot_into, bytes(200))
    expect_raises(TypeError, budget.snapshot_into, None)
    expect_raises(ValueError, budget.snapshot_into, bytearray(199))


def restore_error(function, data):
    """Return the SnapshotError reason function(data) raises, or None."""
    try:
        function(data)
    except model.SnapshotError as error:
        return error.reason
    return None


def damaged(offset, value, reseal):
    """Return the example snapshot with data[offset] = value, CRC fixed if reseal."""
    data = example_snapshot()
    data[offset] = value
    if reseal:
        crc = model.crc16(data, 198)
        data[198] = crc & 0xFF
        data[199] = crc >> 8
    return data


def test_model_restore_reasons_in_order():
    restore = model.Budget.restore
    valid = example_snapshot()
    assert restore_error(restore, valid) is None
    assert restore_error(restore, bytes(valid) + b"\x00\x01") is None
    expect_raises(TypeError, restore, list(valid))
    expect_raises(TypeError, restore, list(valid[:10]))
    assert restore_error(restore, valid[:199]) == "truncated"
    assert restore_error(restore, bytearray(b"XX")) == "truncated"
    # Each blob also breaks the checks after the one it must fail.
    assert restore_error(restore, damaged(0, 0x43, False)) == "bad_magic"
    two = damaged(1, 0x4A, True)
    two[2] = 2
    assert restore_error(restore, two) == "bad_magic"
    assert restore_error(restore, damaged(2, 2, False)) == "bad_version"
    assert restore_error(restore, damaged(2, 0, True)) == "bad_version"
    assert restore_error(restore, damaged(5, 1, False)) == "bad_checksum"
    assert restore_error(restore, damaged(199, valid[199] ^ 1, False)) == "bad_checksum"
    assert restore_error(restore, damaged(5, 1, True)) == "bad_contents"
    ledger = model.Budget.builder().limit(0, 1000).build_policy().ledger()
    assert restore_error(ledger.restore_spent_from, damaged(5, 1, True)) == "bad_contents"
    assert restore_error(ledger.restore_spent_from, valid) == "policy_mismatch"
    assert model_totals(ledger) == [0, None, None, None, None, None, None, None]


def test_model_bad_contents_cases():
    cases = (
        (3, 0x00),  # no dim declared
        (3, 0x0B),  # dim 1 declared with an all-zero record: limit 0
        (6, 0x00),  # dim 0's limit 1000 becomes 768, and warn 800 is not below it
        (4, 0x00),  # dim 0 loses its warn bit but keeps warn 800
        (4, 0x03),  # warn bit on undeclared dim 1
        (6 + 24 * 2 + 20, 1),  # a spent byte of undeclared dim 2
        (6 + 24 * 7, 1),  # a limit byte of undeclared dim 7
    )
    for offset, value in cases:
        data = damaged(offset, value, True)
        assert restore_error(model.Budget.restore, data) == "bad_contents", (offset, value)
    # Zeroing dim 0's limit entirely also gives bad_contents (limit 0).
    data = example_snapshot()
    put_bytes(data, 6, (0,) * 8)
    crc = model.crc16(data, 198)
    put_bytes(data, 198, (crc & 0xFF, crc >> 8))
    assert restore_error(model.Budget.restore, data) == "bad_contents"


def test_model_restore_round_trip():
    valid = example_snapshot()
    for source in (valid, bytes(valid), memoryview(valid)):
        restored = model.Budget.restore(source)
        again = bytearray(model.SNAPSHOT_SIZE)
        restored.snapshot_into(again)
        assert again == valid
        assert model_totals(restored) == [850, None, None, (1 << 40) + 5, None, None, None, None]
    # A warn bit with warn field 0 is valid, so dim 3 then warns on any total above 0.
    restored = model.Budget.restore(damaged(4, 0x09, True))
    assert restored.charge(3, 0) == model.Verdict.warn(3)


def test_model_ledgers_independent():
    policy = model.Budget.builder().limit_with_warn(2, 10, 5).build_policy()
    first = policy.ledger()
    second = policy.ledger()
    assert first.charge(2, 6) == model.Verdict.warn(2)
    assert second.spent(2) == 0
    assert second.try_charge(2, 11) == model.Verdict.exhausted(2)
    assert second.spent(2) == 0
    data = bytearray(model.SNAPSHOT_SIZE)
    first.snapshot_into(data)
    second.restore_spent_from(data)
    assert second.spent(2) == 6
    # A budget with the same declarations and total writes the same bytes.
    budget = model.Budget.builder().limit_with_warn(2, 10, 5).build()
    budget.charge(2, 6)
    from_budget = bytearray(model.SNAPSHOT_SIZE)
    budget.snapshot_into(from_budget)
    assert from_budget == data
    expect_raises(model.BuilderError, model.Budget.builder().build_policy)
