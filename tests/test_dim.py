"""Dim: the eight fixed dimensions and their names."""

from budgetkernel import MAX_DIMS, Dim
from _support import expect_raises


def test_index_matches_discriminant():
    for dim in Dim.ALL:
        assert 0 <= dim < MAX_DIMS


def test_indices_are_unique_and_dense():
    assert sorted(Dim.ALL) == list(range(MAX_DIMS))


def test_all_length_matches_max_dims():
    assert len(Dim.ALL) == MAX_DIMS
    assert MAX_DIMS == 8


def test_all_in_declared_order():
    expected = (Dim.TOKENS, Dim.MILLIS, Dim.BYTES, Dim.CALLS,
                Dim.MEMORY, Dim.CUSTOM0, Dim.CUSTOM1, Dim.CUSTOM2)
    assert Dim.ALL == expected
    assert expected == (0, 1, 2, 3, 4, 5, 6, 7)


def test_names_are_unique():
    names = [Dim.name(dim) for dim in Dim.ALL]
    for i in range(MAX_DIMS):
        for j in range(i + 1, MAX_DIMS):
            assert names[i] != names[j]


def test_names_are_lowercase_words():
    names = [Dim.name(dim) for dim in Dim.ALL]
    assert names == ["tokens", "millis", "bytes", "calls",
                     "memory", "custom0", "custom1", "custom2"]


def test_name_rejects_bad_dims():
    assert "8" in str(expect_raises(ValueError, Dim.name, 8))
    assert "-1" in str(expect_raises(ValueError, Dim.name, -1))
    assert "'tokens'" in str(expect_raises(TypeError, Dim.name, "tokens"))
    assert "True" in str(expect_raises(TypeError, Dim.name, True))
    assert "1.0" in str(expect_raises(TypeError, Dim.name, 1.0))
    assert "None" in str(expect_raises(TypeError, Dim.name, None))
