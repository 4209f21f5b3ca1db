"""Verdict: kinds, severity, equality and the canonical objects."""

from budgetkernel import Dim, Verdict
from _support import expect_raises


def test_continue_is_continuing_and_not_exhausted():
    verdict = Verdict.CONTINUE
    assert verdict.is_continuing()
    assert not verdict.is_exhausted()
    assert verdict.dimension() is None


def test_warn_is_continuing_and_not_exhausted():
    verdict = Verdict.warn(Dim.TOKENS)
    assert verdict.is_continuing()
    assert not verdict.is_exhausted()
    assert verdict.dimension() == Dim.TOKENS


def test_exhausted_is_not_continuing():
    verdict = Verdict.exhausted(Dim.MILLIS)
    assert not verdict.is_continuing()
    assert verdict.is_exhausted()
    assert verdict.dimension() == Dim.MILLIS


def test_worst_prefers_exhausted_over_warn_and_continue():
    exhausted_tokens = Verdict.exhausted(Dim.TOKENS)
    exhausted_bytes = Verdict.exhausted(Dim.BYTES)
    assert Verdict.CONTINUE.worst(exhausted_tokens) == exhausted_tokens
    assert Verdict.warn(Dim.MILLIS).worst(exhausted_bytes) == exhausted_bytes
    assert exhausted_bytes.worst(Verdict.warn(Dim.MILLIS)) == exhausted_bytes


def test_worst_prefers_warn_over_continue():
    assert Verdict.CONTINUE.worst(Verdict.warn(Dim.TOKENS)) == Verdict.warn(Dim.TOKENS)
    assert Verdict.warn(Dim.MILLIS).worst(Verdict.CONTINUE) == Verdict.warn(Dim.MILLIS)


def test_worst_is_left_biased_for_same_severity():
    assert Verdict.warn(Dim.TOKENS).worst(Verdict.warn(Dim.MILLIS)) == Verdict.warn(Dim.TOKENS)
    calls = Verdict.exhausted(Dim.CALLS)
    assert calls.worst(Verdict.exhausted(Dim.BYTES)) == calls
    assert Verdict.CONTINUE.worst(Verdict.CONTINUE) is Verdict.CONTINUE


def test_worst_rejects_non_verdicts():
    error = expect_raises(TypeError, Verdict.CONTINUE.worst, "exhausted")
    assert "'exhausted'" in str(error)
    expect_raises(TypeError, Verdict.CONTINUE.worst, None)


def test_verdicts_are_canonical_objects():
    for dim in Dim.ALL:
        assert Verdict.warn(dim) is Verdict.warn(dim)
        assert Verdict.exhausted(dim) is Verdict.exhausted(dim)


def test_equality_is_by_kind_and_dimension():
    assert Verdict.warn(Dim.BYTES) == Verdict.warn(Dim.BYTES)
    assert Verdict.warn(Dim.BYTES) != Verdict.warn(Dim.CALLS)
    assert Verdict.warn(Dim.BYTES) != Verdict.exhausted(Dim.BYTES)
    assert Verdict.CONTINUE != Verdict.warn(Dim.TOKENS)
    assert Verdict.CONTINUE != 0
    assert Verdict.CONTINUE != None  # noqa: E711 - __eq__ against a non-verdict


def test_hashes_follow_equality():
    seen = {}
    verdicts = [Verdict.CONTINUE]
    for dim in Dim.ALL:
        verdicts.append(Verdict.warn(dim))
        verdicts.append(Verdict.exhausted(dim))
    for verdict in verdicts:
        seen[verdict] = repr(verdict)
    assert len(seen) == 17
    assert seen[Verdict.exhausted(Dim.CUSTOM1)] == "Verdict.exhausted(Dim.CUSTOM1)"


def test_repr_reads_as_code():
    assert repr(Verdict.CONTINUE) == "Verdict.CONTINUE"
    assert repr(Verdict.warn(Dim.TOKENS)) == "Verdict.warn(Dim.TOKENS)"
    assert repr(Verdict.exhausted(Dim.CUSTOM2)) == "Verdict.exhausted(Dim.CUSTOM2)"


def test_factories_reject_bad_dims():
    expect_raises(ValueError, Verdict.warn, 8)
    expect_raises(ValueError, Verdict.exhausted, -1)
    expect_raises(TypeError, Verdict.warn, "tokens")
    expect_raises(TypeError, Verdict.exhausted, True)
