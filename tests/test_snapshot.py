"""Snapshots: snapshot_into, Budget.restore and restore_spent_from.

The expected bytes come from an encoder in this file, written from the
format (format version 1, 200 bytes, little-endian integers, a
CRC-16/CCITT-FALSE over bytes 0..197), not from the kernel. It packs
integers with shifts and computes the CRC bit by bit, and its CRC is
checked against the standard check value first. Totals are checked
against saturating sums computed here. The restore tests check that a
restored budget behaves call for call like the original, and every
SnapshotError reason, in the order the checks run, with the target left
unchanged. Ledgers get the snapshot, restore and rejection checks too, and
the heap-lock tests show that snapshot_into and restore_spent_from do not
allocate on MicroPython.
"""

from budgetkernel import SNAPSHOT_SIZE, Budget, ChargeError, Dim, SnapshotError, Verdict
from _support import expect_raises, lock_or_skip, skip, totals, unlock

U64_MAX = (1 << 64) - 1

TOKENS = Dim.TOKENS
MILLIS = Dim.MILLIS
BYTES = Dim.BYTES
CALLS = Dim.CALLS
MEMORY = Dim.MEMORY
CUSTOM0 = Dim.CUSTOM0
CUSTOM1 = Dim.CUSTOM1
CUSTOM2 = Dim.CUSTOM2

# Offsets of the format: header bytes, the first 24-byte dim record, the CRC.
VERSION_AT = 2
DECLARED_AT = 3
WARN_MASK_AT = 4
RESERVED_AT = 5
RECORDS_AT = 6
RECORD_SIZE = 24
CRC_AT = 198


# ---------------------------------------------------------------------------
# The independent encoder
# ---------------------------------------------------------------------------


def crc16(data, count):
    """Return the CRC-16/CCITT-FALSE of data[0:count], one bit at a time."""
    crc = 0xFFFF
    for i in range(count):
        crc ^= data[i] << 8
        for _ in range(8):
            if crc & 0x8000:
                crc = ((crc << 1) ^ 0x1021) & 0xFFFF
            else:
                crc = (crc << 1) & 0xFFFF
    return crc


def put_u64(buf, at, value):
    """Store value at buf[at:at + 8], least significant byte first."""
    for i in range(8):
        buf[at + i] = (value >> (8 * i)) & 0xFF


def seal(buf):
    """Write the CRC of buf[0:198] into buf[198:200], little-endian."""
    crc = crc16(buf, CRC_AT)
    buf[CRC_AT] = crc & 0xFF
    buf[CRC_AT + 1] = crc >> 8


def record_at(dim):
    return RECORDS_AT + RECORD_SIZE * dim


def encode(records):
    """Return the 200-byte snapshot for records, a list of 8 entries.

    Each entry is None for an undeclared dim, else (limit, warn, spent)
    with warn None when the dim has no warn threshold.
    """
    buf = bytearray(200)
    buf[0] = 0x42
    buf[1] = 0x4B
    buf[VERSION_AT] = 1
    for dim in range(8):
        record = records[dim]
        if record is None:
            continue
        limit, warn, spent = record
        at = record_at(dim)
        buf[DECLARED_AT] |= 1 << dim
        put_u64(buf, at, limit)
        if warn is not None:
            buf[WARN_MASK_AT] |= 1 << dim
            put_u64(buf, at + 8, warn)
        put_u64(buf, at + 16, spent)
    seal(buf)
    return buf


# ---------------------------------------------------------------------------
# Budgets described as data
#
# A spec is a tuple of (dim, limit, warn or None), and charges is a tuple
# of (dim, amount). The expected totals are saturating sums, which equal
# min(sum, 2**64 - 1) because every amount is non-negative.
# ---------------------------------------------------------------------------


def builder_for(spec):
    builder = Budget.builder()
    for dim, limit, warn in spec:
        if warn is None:
            builder.limit(dim, limit)
        else:
            builder.limit_with_warn(dim, limit, warn)
    return builder


def charged(spec, charges):
    """Return a budget built from spec with every charge applied."""
    budget = builder_for(spec).build()
    for dim, amount in charges:
        budget.charge(dim, amount)
    return budget


def charged_ledger(spec, charges):
    """Return a ledger of spec's policy with every charge applied."""
    ledger = builder_for(spec).build_policy().ledger()
    for dim, amount in charges:
        ledger.charge(dim, amount)
    return ledger


def expected_totals(spec, charges):
    """Return the total per dim after charges: None where undeclared."""
    result = [None] * 8
    for dim, _, _ in spec:
        result[dim] = 0
    for dim, amount in charges:
        result[dim] = min(result[dim] + amount, U64_MAX)
    return result


def records_for(spec, spent):
    """Return the encoder's records for spec with the totals in spent."""
    records = [None] * 8
    for dim, limit, warn in spec:
        records[dim] = (limit, warn, spent[dim])
    return records


def snapshot_of(budget):
    buf = bytearray(SNAPSHOT_SIZE)
    budget.snapshot_into(buf)
    return buf


def declared_dims(spec):
    return [dim for dim, _, _ in spec]


HALF = 1 << 63  # half of 2**64

# Budgets with different declared sets, with and without warn thresholds,
# and totals at 0, small, 2**30, 2**63, 2**64 - 1 and past the limit.
CASES = (
    (((TOKENS, 1000, 800),), ((TOKENS, 850),)),
    (((CALLS, 3, None),), ((CALLS, 1), (CALLS, 1), (CALLS, 1), (CALLS, 1))),
    (((TOKENS, 1, 0),), ()),
    (((CUSTOM2, U64_MAX, None),), ((CUSTOM2, U64_MAX),)),
    (((BYTES, U64_MAX, U64_MAX - 1),), ((BYTES, U64_MAX - 1), (BYTES, 1))),
    (((MEMORY, HALF, 1 << 62), (MILLIS, 1 << 30, 0)),
     ((MEMORY, HALF), (MEMORY, 1), (MILLIS, 1 << 30))),
    (((TOKENS, 5, None),), ((TOKENS, U64_MAX), (TOKENS, 7))),
    (((CUSTOM0, 1 << 40, 1 << 32), (CUSTOM1, 2, 1)),
     ((CUSTOM0, (1 << 28) - 1), (CUSTOM0, (1 << 28) + 1), (CUSTOM0, 1 << 32), (CUSTOM1, 0))),
    (((TOKENS, U64_MAX - 1, None), (CALLS, 1 << 30, None)),
     ((TOKENS, U64_MAX), (CALLS, (1 << 30) - 1), (CALLS, 1))),
    (((TOKENS, 100, 80), (MILLIS, 200, None), (BYTES, 300, 0), (CALLS, 4, 3),
      (MEMORY, 1 << 31, (1 << 31) - 1), (CUSTOM0, 6, None), (CUSTOM1, U64_MAX, HALF),
      (CUSTOM2, 8, 7)),
     ((TOKENS, 81), (MILLIS, 201), (BYTES, 0), (CALLS, 3), (MEMORY, 1 << 31),
      (CUSTOM0, 6), (CUSTOM1, HALF + 1), (CUSTOM2, 1), (CUSTOM2, 9))),
)

# Charged after a restore, on each declared dim in turn. They cross the
# 2**28 window, the small-int edges and saturation.
FOLLOW_UP = (0, 1, 3, 1 << 20, (1 << 28) + 5, 1 << 31, 1 << 62, U64_MAX, 0)


def check_same_behaviour(original, restored, spec, label):
    """Assert that restored returns what original returns for every query and charge."""
    for dim in Dim.ALL:
        assert restored.spent(dim) == original.spent(dim), "%s: spent(%d)" % (label, dim)
        assert restored.remaining(dim) == original.remaining(dim), "%s: remaining(%d)" % (label, dim)
    for dim in declared_dims(spec):
        for amount in FOLLOW_UP:
            got = restored.charge(dim, amount)
            want = original.charge(dim, amount)
            assert got == want, "%s: charge(%d, %d) gave %r, original %r" % (label, dim, amount, got, want)
            assert restored.spent(dim) == original.spent(dim), "%s: spent(%d)" % (label, dim)
            assert restored.remaining(dim) == original.remaining(dim), "%s: remaining(%d)" % (label, dim)


# ---------------------------------------------------------------------------
# The encoder itself
# ---------------------------------------------------------------------------


def test_crc_check_value():
    assert crc16(b"123456789", 9) == 0x29B1


def test_crc_matches_crc_hqx():
    # CPython's binascii.crc_hqx is the same CRC. MicroPython has no crc_hqx.
    try:
        import binascii
    except ImportError:
        binascii = None
    crc_hqx = getattr(binascii, "crc_hqx", None)
    if crc_hqx is None:
        skip("binascii.crc_hqx is missing on this runtime")
    sample = encode(records_for(CASES[0][0], [850] + [None] * 7))
    assert crc16(sample, CRC_AT) == crc_hqx(bytes(sample[:CRC_AT]), 0xFFFF)


def test_encoder_layout_by_hand():
    # TOKENS: limit 1000 (0x03E8), warn 800 (0x0320), spent 850 (0x0352).
    got = encode(records_for(((TOKENS, 1000, 800),), [850] + [None] * 7))
    head = bytes([0x42, 0x4B, 1, 0x01, 0x01, 0,
                  0xE8, 0x03, 0, 0, 0, 0, 0, 0,
                  0x20, 0x03, 0, 0, 0, 0, 0, 0,
                  0x52, 0x03, 0, 0, 0, 0, 0, 0])
    assert len(got) == 200
    assert bytes(got[:30]) == head
    assert bytes(got[30:CRC_AT]) == bytes(CRC_AT - 30)
    crc = crc16(got, CRC_AT)
    assert got[CRC_AT] == crc & 0xFF
    assert got[CRC_AT + 1] == crc >> 8


# ---------------------------------------------------------------------------
# snapshot_into
# ---------------------------------------------------------------------------


def test_snapshot_size_is_200():
    assert SNAPSHOT_SIZE == 200


def test_snapshot_matches_encoder():
    for index in range(len(CASES)):
        spec, charges = CASES[index]
        budget = charged(spec, charges)
        expected = encode(records_for(spec, expected_totals(spec, charges)))
        got = snapshot_of(budget)
        assert got == expected, "case %d: %r" % (index, bytes(got))


def test_snapshot_of_fresh_budget():
    spec = ((MILLIS, 10, 5), (CUSTOM1, U64_MAX, None))
    got = snapshot_of(charged(spec, ()))
    assert got == encode(records_for(spec, [None, 0, None, None, None, None, 0, None]))


def test_snapshot_after_reset():
    spec, charges = CASES[9]
    budget = charged(spec, charges)
    budget.reset()
    assert snapshot_of(budget) == encode(records_for(spec, expected_totals(spec, ())))


def test_snapshot_changes_nothing():
    spec = ((TOKENS, 1000, 800), (CALLS, 3, None))
    budget = charged(spec, ((TOKENS, 850), (CALLS, 4)))
    before = totals(budget)
    first = snapshot_of(budget)
    assert snapshot_of(budget) == first
    assert totals(budget) == before
    assert budget.charge(TOKENS, 0) == Verdict.warn(TOKENS)
    assert budget.charge(CALLS, 0) == Verdict.exhausted(CALLS)


def test_snapshot_writes_first_200_bytes():
    spec, charges = CASES[5]
    expected = encode(records_for(spec, expected_totals(spec, charges)))
    buf = bytearray(260)
    for i in range(260):
        buf[i] = 0xA5
    charged(spec, charges).snapshot_into(buf)
    assert bytes(buf[:200]) == bytes(expected)
    for i in range(200, 260):
        assert buf[i] == 0xA5, "byte %d was written" % i


def test_snapshot_overwrites_old_contents():
    spec, charges = CASES[0]
    buf = bytearray(200)
    for i in range(200):
        buf[i] = 0xFF
    charged(spec, charges).snapshot_into(buf)
    assert buf == encode(records_for(spec, expected_totals(spec, charges)))


def test_snapshot_into_rejects_memoryview():
    # A memoryview's items may be signed or wider than a byte, so only a
    # bytearray is written; nothing of the view's buffer changes.
    budget = charged(((TOKENS, 100, None),), ((TOKENS, 7),))
    backing = bytearray(230)
    for i in range(230):
        backing[i] = 0x5A
    for target in (memoryview(backing), memoryview(backing)[10:215]):
        expect_raises(TypeError, budget.snapshot_into, target)
    assert backing == bytearray([0x5A] * 230)
    assert totals(budget) == [7, None, None, None, None, None, None, None]


def test_snapshot_into_longer_bytearray():
    spec, charges = CASES[3]
    expected = bytes(encode(records_for(spec, expected_totals(spec, charges))))
    # The snapshot goes to the first 200 bytes and the rest keeps its bytes.
    longer = bytearray(230)
    for i in range(230):
        longer[i] = 0x5A
    charged(spec, charges).snapshot_into(longer)
    assert bytes(longer[:200]) == expected
    for i in range(200, 230):
        assert longer[i] == 0x5A, "byte %d was written" % i


def test_snapshot_into_rejects_other_types():
    budget = charged(((TOKENS, 100, None),), ((TOKENS, 7),))
    for target in (bytes(200), "x" * 200, 200, None, [0] * 200):
        expect_raises(TypeError, budget.snapshot_into, target)
    assert totals(budget) == [7, None, None, None, None, None, None, None]


def test_snapshot_into_short_buffer():
    budget = charged(((TOKENS, 100, None),), ((TOKENS, 7),))
    for target in (bytearray(199), bytearray(0)):
        # Exactly ValueError: a short target is not a SnapshotError.
        expect_raises(ValueError, budget.snapshot_into, target)
    assert totals(budget) == [7, None, None, None, None, None, None, None]


# ---------------------------------------------------------------------------
# Budget.restore
# ---------------------------------------------------------------------------


def test_restore_round_trip():
    for index in range(len(CASES)):
        spec, charges = CASES[index]
        original = charged(spec, charges)
        buf = snapshot_of(original)
        restored = Budget.restore(buf)
        label = "case %d" % index
        assert type(restored) is Budget
        assert restored is not original
        assert totals(restored) == expected_totals(spec, charges), label
        assert snapshot_of(restored) == buf, label
        check_same_behaviour(original, restored, spec, label)


def test_restore_undeclared_stay_undeclared():
    spec, charges = CASES[7]
    restored = Budget.restore(snapshot_of(charged(spec, charges)))
    for dim in (TOKENS, MILLIS, BYTES, CALLS, MEMORY, CUSTOM2):
        assert restored.spent(dim) is None
        assert restored.remaining(dim) is None
        error = expect_raises(ChargeError, restored.charge, dim, 1)
        assert error.dim == dim


def test_restore_accepts_buffer_types():
    spec, charges = CASES[1]
    buf = snapshot_of(charged(spec, charges))
    longer = bytearray(buf) + bytearray(40)
    for source in (buf, bytes(buf), memoryview(buf), longer, memoryview(longer)):
        restored = Budget.restore(source)
        assert totals(restored) == [None, None, None, 4, None, None, None, None]
        assert restored.charge(CALLS, 0) == Verdict.exhausted(CALLS)


def test_restore_from_encoded_bytes():
    # Verdicts worked out by hand from each dim's band after the restore.
    records = [None] * 8
    records[TOKENS] = (100, 80, 90)
    records[BYTES] = (10, None, 10)
    records[CALLS] = (3, None, 4)
    records[MEMORY] = (U64_MAX, 0, U64_MAX)
    records[CUSTOM0] = (1 << 40, 1 << 30, 1 << 30)
    restored = Budget.restore(bytes(encode(records)))
    assert totals(restored) == [90, None, 10, 4, U64_MAX, 1 << 30, None, None]
    assert restored.remaining(TOKENS) == 10
    assert restored.remaining(BYTES) == 0
    assert restored.remaining(CALLS) == 0
    assert restored.remaining(MEMORY) == 0
    assert restored.remaining(CUSTOM0) == (1 << 40) - (1 << 30)

    assert restored.charge(TOKENS, 0) == Verdict.warn(TOKENS)
    assert restored.charge(TOKENS, 10) == Verdict.warn(TOKENS)
    assert restored.charge(TOKENS, 1) == Verdict.exhausted(TOKENS)
    assert restored.charge(BYTES, 0) == Verdict.CONTINUE
    assert restored.charge(BYTES, 1) == Verdict.exhausted(BYTES)
    assert restored.charge(CALLS, 0) == Verdict.exhausted(CALLS)
    assert restored.charge(MEMORY, 5) == Verdict.warn(MEMORY)
    assert restored.spent(MEMORY) == U64_MAX
    assert restored.charge(CUSTOM0, 0) == Verdict.CONTINUE
    assert restored.charge(CUSTOM0, 1) == Verdict.warn(CUSTOM0)
    assert restored.spent(CUSTOM0) == (1 << 30) + 1


def test_restore_copies_the_buffer():
    spec, charges = CASES[0]
    buf = snapshot_of(charged(spec, charges))
    original_bytes = bytes(buf)
    restored = Budget.restore(buf)
    for i in range(200):
        buf[i] = 0
    assert restored.spent(TOKENS) == 850
    assert bytes(snapshot_of(restored)) == original_bytes


def test_restored_budget_is_independent():
    spec, charges = CASES[0]
    original = charged(spec, charges)
    restored = Budget.restore(snapshot_of(original))
    restored.charge(TOKENS, 100)
    assert original.spent(TOKENS) == 850
    original.reset()
    assert restored.spent(TOKENS) == 950


# ---------------------------------------------------------------------------
# restore_spent_from
# ---------------------------------------------------------------------------


def test_restore_spent_loads_totals():
    spec, charges = CASES[9]
    source = charged(spec, charges)
    target = charged(spec, ())
    assert target.restore_spent_from(snapshot_of(source)) is None
    assert totals(target) == expected_totals(spec, charges)
    assert snapshot_of(target) == snapshot_of(source)
    check_same_behaviour(source, target, spec, "restore_spent_from")


def test_restore_spent_keeps_exhausted():
    spec = ((TOKENS, 1000, 800), (CALLS, 3, None))
    source = charged(spec, ((TOKENS, 850), (CALLS, 4)))
    target = charged(spec, ((TOKENS, 10),))
    target.restore_spent_from(snapshot_of(source))
    assert totals(target) == [850, None, None, 4, None, None, None, None]
    assert target.remaining(CALLS) == 0
    assert target.charge(CALLS, 0) == Verdict.exhausted(CALLS)
    assert target.charge(TOKENS, 0) == Verdict.warn(TOKENS)
    assert target.charge(TOKENS, 150) == Verdict.warn(TOKENS)
    assert target.charge(TOKENS, 1) == Verdict.exhausted(TOKENS)


def test_restore_spent_lowers_totals():
    # Loading a snapshot with smaller totals must leave the exhausted band.
    spec = ((TOKENS, 1000, 800), (CALLS, 3, None))
    target = charged(spec, ((TOKENS, U64_MAX), (CALLS, 9)))
    target.restore_spent_from(snapshot_of(charged(spec, ((CALLS, 2),))))
    assert totals(target) == [0, None, None, 2, None, None, None, None]
    assert target.remaining(TOKENS) == 1000
    assert target.charge(TOKENS, 800) == Verdict.CONTINUE
    assert target.charge(TOKENS, 1) == Verdict.warn(TOKENS)
    assert target.charge(CALLS, 1) == Verdict.CONTINUE
    assert target.charge(CALLS, 1) == Verdict.exhausted(CALLS)


def test_restore_spent_from_encoded_bytes():
    spec = ((TOKENS, 1000, 800), (CALLS, 3, None), (CUSTOM2, U64_MAX, U64_MAX - 1))
    spent = [801, None, None, 3, None, None, None, U64_MAX]
    buf = encode(records_for(spec, spent))
    for source in (buf, bytes(buf), memoryview(buf)):
        target = charged(spec, ((CALLS, 1),))
        target.restore_spent_from(source)
        assert totals(target) == spent
        assert target.charge(TOKENS, 0) == Verdict.warn(TOKENS)
        assert target.charge(CALLS, 0) == Verdict.CONTINUE
        assert target.charge(CALLS, 1) == Verdict.exhausted(CALLS)
        assert target.charge(CUSTOM2, 1) == Verdict.warn(CUSTOM2)


def test_restore_spent_copies_the_buffer():
    spec = ((TOKENS, 1000, 800),)
    buf = encode(records_for(spec, [500] + [None] * 7))
    target = charged(spec, ())
    target.restore_spent_from(buf)
    put_u64(buf, record_at(TOKENS) + 16, 999)
    assert target.spent(TOKENS) == 500


# ---------------------------------------------------------------------------
# Rejected snapshots
#
# The target has TOKENS in warn and CALLS exhausted. valid_snapshot() is a
# snapshot of its policy with other totals, and each bad buffer below is
# that snapshot or another encoding with one thing broken.
# ---------------------------------------------------------------------------

POLICY = ((TOKENS, 1000, 800), (CALLS, 3, None))
TARGET_TOTALS = [850, None, None, 4, None, None, None, None]


def valid_snapshot():
    return encode(records_for(POLICY, [100, None, None, 1, None, None, None, None]))


def make_target():
    return charged(POLICY, ((TOKENS, 850), (CALLS, 4)))


def check_target_unchanged(target, label):
    assert totals(target) == TARGET_TOTALS, label
    assert target.remaining(TOKENS) == 150, label
    assert target.charge(TOKENS, 0) == Verdict.warn(TOKENS), label
    assert target.charge(CALLS, 0) == Verdict.exhausted(CALLS), label


def check_rejected(bad, reason, label):
    """Assert that restore and restore_spent_from reject bad with reason."""
    original_bytes = bytes(bad)
    target = make_target()
    error = expect_raises(SnapshotError, target.restore_spent_from, bad)
    assert error.reason == reason, "%s: reason %r, expected %r" % (label, error.reason, reason)
    assert isinstance(error, ValueError)
    check_target_unchanged(target, label)
    if reason != "policy_mismatch":
        error = expect_raises(SnapshotError, Budget.restore, bad)
        assert error.reason == reason, "%s: restore reason %r, expected %r" % (label, error.reason, reason)
    assert bytes(bad) == original_bytes, label


def tampered(at, value, reseal):
    """Return valid_snapshot() with byte at set to value, its CRC fixed if reseal."""
    buf = valid_snapshot()
    buf[at] = value
    if reseal:
        seal(buf)
    return buf


def test_valid_snapshot_is_accepted():
    # The bad buffers below differ from this one in one place only.
    target = make_target()
    target.restore_spent_from(valid_snapshot())
    assert totals(target) == [100, None, None, 1, None, None, None, None]
    assert totals(Budget.restore(valid_snapshot())) == totals(target)


def test_reject_truncated():
    buf = valid_snapshot()
    for bad in (buf[:199], bytes(buf[:199]), memoryview(buf)[:199], bytearray(0), b"",
                bytes(b"XX") + bytes(150)):
        check_rejected(bad, "truncated", "length %d" % len(bad))


def test_reject_bad_magic():
    for at, value in ((0, 0x4B), (1, 0x42), (0, 0x62), (1, 0x6B), (0, 0), (1, 0xFF)):
        check_rejected(tampered(at, value, True), "bad_magic", "byte %d = %d" % (at, value))


def test_reject_bad_version():
    for version in (0, 2, 0xFF):
        check_rejected(tampered(VERSION_AT, version, True), "bad_version", "version %d" % version)


def test_reject_bad_checksum():
    buf = valid_snapshot()
    for at in (DECLARED_AT, RESERVED_AT, record_at(TOKENS) + 16, record_at(CALLS) + 23,
               record_at(CUSTOM2) + 23, CRC_AT, CRC_AT + 1):
        bad = bytearray(buf)
        bad[at] ^= 0x01
        check_rejected(bad, "bad_checksum", "bit 0 of byte %d" % at)
    # The CRC stored big-endian instead of little-endian.
    swapped = bytearray(buf)
    swapped[CRC_AT] = buf[CRC_AT + 1]
    swapped[CRC_AT + 1] = buf[CRC_AT]
    if swapped != buf:
        check_rejected(swapped, "bad_checksum", "CRC bytes swapped")


def test_reject_no_dim_declared():
    check_rejected(encode([None] * 8), "bad_contents", "no dim declared")


def test_reject_reserved_byte():
    for value in (1, 0x80, 0xFF):
        check_rejected(tampered(RESERVED_AT, value, True), "bad_contents", "reserved %d" % value)


def test_reject_zero_limit():
    for warn, spent in ((None, 0), (None, 5), (0, 0)):
        records = records_for(POLICY, [0, None, None, 0, None, None, None, None])
        records[TOKENS] = (0, warn, spent)
        check_rejected(encode(records), "bad_contents", "limit 0, warn %r, spent %d" % (warn, spent))


def test_reject_warn_not_below_limit():
    for limit, warn in ((1000, 1000), (1000, 1001), (1, 1), (U64_MAX, U64_MAX), (5, U64_MAX)):
        records = records_for(POLICY, [0, None, None, 0, None, None, None, None])
        records[TOKENS] = (limit, warn, 0)
        check_rejected(encode(records), "bad_contents", "limit %d, warn %d" % (limit, warn))


def test_reject_warn_field_without_bit():
    # CALLS has no warn threshold, so its warn field must be all zeros.
    for offset, value in ((8, 1), (15, 0x80), (10, 0xFF)):
        bad = tampered(record_at(CALLS) + offset, value, True)
        check_rejected(bad, "bad_contents", "CALLS warn byte %d = %d" % (offset - 8, value))


def test_reject_warn_bit_on_undeclared():
    for dim in (MILLIS, CUSTOM2):
        buf = valid_snapshot()
        buf[WARN_MASK_AT] |= 1 << dim
        seal(buf)
        check_rejected(buf, "bad_contents", "warn bit %d" % dim)
        put_u64(buf, record_at(dim) + 8, 5)
        seal(buf)
        check_rejected(buf, "bad_contents", "warn bit and warn field %d" % dim)


def test_reject_undeclared_record_bytes():
    # Every field of an undeclared dim's record must be zero: limit, warn, spent.
    for dim in (MILLIS, CUSTOM2):
        for offset in (0, 7, 8, 15, 16, 23):
            bad = tampered(record_at(dim) + offset, 1, True)
            check_rejected(bad, "bad_contents", "dim %d byte %d" % (dim, offset))


def test_reject_policy_mismatch():
    # Each snapshot is valid, so Budget.restore accepts it. Only the policy differs.
    others = (
        ((TOKENS, 1001, 800), (CALLS, 3, None)),
        ((TOKENS, 1000, 800), (CALLS, 4, None)),
        ((TOKENS, U64_MAX, 800), (CALLS, 3, None)),
        ((TOKENS, 1000, 799), (CALLS, 3, None)),
        ((TOKENS, 1000, 0), (CALLS, 3, None)),
        ((TOKENS, 1000, None), (CALLS, 3, None)),
        ((TOKENS, 1000, 800), (CALLS, 3, 0)),
        ((TOKENS, 1000, 800), (CALLS, 3, None), (MILLIS, 10, None)),
        ((TOKENS, 1000, 800),),
        ((CALLS, 3, None),),
        ((CUSTOM2, 1000, 800),),
        ((MILLIS, 1000, 800), (CALLS, 3, None)),
    )
    for index in range(len(others)):
        spec = others[index]
        spent = expected_totals(spec, ())
        bad = encode(records_for(spec, spent))
        check_rejected(bad, "policy_mismatch", "policy %d" % index)
        restored = Budget.restore(bad)
        assert totals(restored) == spent, "policy %d" % index
        assert snapshot_of(restored) == bad, "policy %d" % index


def test_reject_in_check_order():
    # Each buffer breaks two rules, and the check that runs first names the reason.
    too_short_and_bad_magic = bytes(b"XY") + bytes(100)
    check_rejected(too_short_and_bad_magic, "truncated", "short, bad magic")

    bad = tampered(0, 0x58, False)
    bad[VERSION_AT] = 9
    check_rejected(bad, "bad_magic", "bad magic, version 9, stale CRC")

    check_rejected(tampered(VERSION_AT, 2, False), "bad_version", "version 2, stale CRC")
    check_rejected(tampered(RESERVED_AT, 1, False), "bad_checksum", "reserved 1, stale CRC")

    buf = encode(records_for(((CUSTOM0, 7, None),), [None] * 5 + [0, None, None]))
    buf[RESERVED_AT] = 1
    seal(buf)
    check_rejected(buf, "bad_contents", "reserved 1 and another policy")


def test_reject_non_buffer_types():
    for bad in ("x" * 200, "", 200, None, [0] * 200):
        target = make_target()
        expect_raises(TypeError, target.restore_spent_from, bad)
        check_target_unchanged(target, "restore_spent_from(%r)" % (type(bad),))
        expect_raises(TypeError, Budget.restore, bad)


# ---------------------------------------------------------------------------
# Ledgers
# ---------------------------------------------------------------------------


def test_ledger_snapshot_matches_encoder():
    for index in (0, 3, 5, 9):
        spec, charges = CASES[index]
        ledger = charged_ledger(spec, charges)
        expected = encode(records_for(spec, expected_totals(spec, charges)))
        assert snapshot_of(ledger) == expected, "case %d" % index


def test_ledger_restore_spent_loads_totals():
    spec, charges = CASES[9]
    policy = builder_for(spec).build_policy()
    source = policy.ledger()
    for dim, amount in charges:
        source.charge(dim, amount)
    target = policy.ledger()
    bystander = policy.ledger()
    bystander.charge(TOKENS, 5)
    assert target.restore_spent_from(snapshot_of(source)) is None
    assert totals(target) == expected_totals(spec, charges)
    assert totals(bystander) == [5] + [0] * 7
    check_same_behaviour(source, target, spec, "ledger")


def test_ledger_snapshot_restores_budget():
    for index in (1, 4, 6, 8):
        spec, charges = CASES[index]
        ledger = charged_ledger(spec, charges)
        restored = Budget.restore(snapshot_of(ledger))
        assert type(restored) is Budget
        assert totals(restored) == expected_totals(spec, charges), "case %d" % index
        check_same_behaviour(ledger, restored, spec, "case %d" % index)


def test_budget_snapshot_into_ledger():
    spec, charges = CASES[5]
    budget = charged(spec, charges)
    ledger = charged_ledger(spec, ())
    ledger.restore_spent_from(snapshot_of(budget))
    assert totals(ledger) == expected_totals(spec, charges)
    check_same_behaviour(budget, ledger, spec, "budget into ledger")


def test_ledger_rejects_bad_snapshots():
    bad_buffers = (
        (valid_snapshot()[:199], "truncated"),
        (tampered(0, 0, True), "bad_magic"),
        (tampered(VERSION_AT, 2, True), "bad_version"),
        (tampered(CRC_AT, 0, False), "bad_checksum"),
        (tampered(RESERVED_AT, 1, True), "bad_contents"),
        (encode(records_for(((TOKENS, 1000, None), (CALLS, 3, None)), [0, None, None, 0] + [None] * 4)),
         "policy_mismatch"),
    )
    for bad, reason in bad_buffers:
        ledger = charged_ledger(POLICY, ((TOKENS, 850), (CALLS, 4)))
        error = expect_raises(SnapshotError, ledger.restore_spent_from, bad)
        assert error.reason == reason, "reason %r, expected %r" % (error.reason, reason)
        check_target_unchanged(ledger, reason)
    ledger = charged_ledger(POLICY, ((TOKENS, 850), (CALLS, 4)))
    for bad in ("x" * 200, 200, None):
        expect_raises(TypeError, ledger.restore_spent_from, bad)
    expect_raises(TypeError, ledger.snapshot_into, bytes(200))
    expect_raises(ValueError, ledger.snapshot_into, bytearray(199))
    check_target_unchanged(ledger, "ledger after TypeError")


# ---------------------------------------------------------------------------
# No allocation under the heap lock
# ---------------------------------------------------------------------------

# Totals near 2**64 - 1 in every band: TOKENS warns, CALLS is exhausted and
# saturated, CUSTOM2 continues at 2**63.
LOCK_SPEC = ((TOKENS, U64_MAX - 1, U64_MAX - (1 << 40)), (CALLS, 3, None), (CUSTOM2, U64_MAX, None))
LOCK_CHARGES = ((TOKENS, U64_MAX - 3), (CALLS, U64_MAX), (CUSTOM2, HALF))


def snapshot_locked(holder, buf):
    """Call holder.snapshot_into(buf) with the heap locked; return the outcome."""
    lock_or_skip()
    try:
        try:
            holder.snapshot_into(buf)
            outcome = "returned"
        except MemoryError:
            outcome = "MemoryError"
    finally:
        unlock()
    return outcome


def restore_spent_locked(holder, buf):
    """Call holder.restore_spent_from(buf) with the heap locked; return the outcome."""
    lock_or_skip()
    try:
        try:
            holder.restore_spent_from(buf)
            outcome = "returned"
        except MemoryError:
            outcome = "MemoryError"
        except SnapshotError as error:
            # Returning error.reason, a str the kernel already holds,
            # allocates nothing.
            outcome = error.reason
    finally:
        unlock()
    return outcome


def test_snapshot_locked_no_allocation():
    budget = charged(LOCK_SPEC, LOCK_CHARGES)
    expected = encode(records_for(LOCK_SPEC, expected_totals(LOCK_SPEC, LOCK_CHARGES)))
    buf = bytearray(200)
    assert snapshot_locked(budget, buf) == "returned"
    assert buf == expected


def test_restore_spent_locked_reports_reason():
    # With the heap locked no message can be built, but the reason is kept.
    budget = charged(LOCK_SPEC, LOCK_CHARGES)
    before = totals(budget)
    good = encode(records_for(LOCK_SPEC, expected_totals(LOCK_SPEC, LOCK_CHARGES)))
    flipped = bytearray(good)
    flipped[50] ^= 1
    other = charged(((TOKENS, 100, None),), ())
    assert restore_spent_locked(budget, flipped) == "bad_checksum"
    assert restore_spent_locked(budget, good[:199]) == "truncated"
    assert restore_spent_locked(other, good) == "policy_mismatch"
    assert totals(budget) == before
    assert totals(other) == [0, None, None, None, None, None, None, None]


def test_restore_spent_locked_no_allocation():
    spent = expected_totals(LOCK_SPEC, LOCK_CHARGES)
    buf = encode(records_for(LOCK_SPEC, spent))
    target = charged(LOCK_SPEC, ((TOKENS, 5),))
    assert restore_spent_locked(target, buf) == "returned"
    assert totals(target) == spent
    assert target.charge(TOKENS, 0) == Verdict.warn(TOKENS)
    assert target.charge(CALLS, 0) == Verdict.exhausted(CALLS)
    assert target.charge(CUSTOM2, 1) == Verdict.CONTINUE

    # And back down from those totals to small ones, from a memoryview.
    small = encode(records_for(LOCK_SPEC, [7, None, None, 3, None, None, None, 0]))
    view = memoryview(small)
    assert restore_spent_locked(target, view) == "returned"
    assert totals(target) == [7, None, None, 3, None, None, None, 0]
    assert target.charge(CALLS, 0) == Verdict.CONTINUE


def test_ledger_locked_no_allocation():
    ledger = charged_ledger(LOCK_SPEC, LOCK_CHARGES)
    spent = expected_totals(LOCK_SPEC, LOCK_CHARGES)
    expected = encode(records_for(LOCK_SPEC, spent))
    buf = bytearray(200)
    assert snapshot_locked(ledger, buf) == "returned"
    assert buf == expected

    other = charged_ledger(LOCK_SPEC, ())
    assert restore_spent_locked(other, buf) == "returned"
    assert totals(other) == spent
    assert other.charge(CALLS, 0) == Verdict.exhausted(CALLS)


def test_restore_rejects_view_of_other_items():
    # A view's items must be ints in 0..255: a signed array's negative items
    # and a wide array's item of 300 are rejected before the format is read.
    try:
        from array import array
    except ImportError:
        skip("the array module is missing on this runtime")
    spec, charges = CASES[3]
    good = encode(records_for(spec, expected_totals(spec, charges)))
    signed = array("b", [item - 256 if item > 127 else item for item in good])
    wide = array("H", list(good))
    wide[10] = 300
    target = charged(spec, ())
    for view in (memoryview(signed), memoryview(wide)):
        expect_raises(TypeError, Budget.restore, view)
        expect_raises(TypeError, target.restore_spent_from, view)
    assert totals(target) == expected_totals(spec, ())
