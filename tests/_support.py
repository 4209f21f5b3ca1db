"""Helpers shared by the test files, for pytest on CPython and for mprun.py.

The shared tests use plain functions and bare asserts, so that the same
files run on MicroPython, where pytest does not exist.
"""

try:
    import pytest
except ImportError:
    pytest = None

from budgetkernel import Dim


class SkipTest(Exception):
    """Raised by a test that cannot run on this runtime; mprun.py counts it."""


def skip(reason):
    """Skip the calling test: through pytest where it runs, else SkipTest."""
    if pytest is not None:
        pytest.skip(reason)
    raise SkipTest(reason)


def expect_raises(exc_type, function, *args):
    """Call function(*args), assert it raises exactly exc_type, return the error."""
    try:
        function(*args)
    except Exception as error:
        assert type(error) is exc_type, "expected %s, got %r" % (exc_type.__name__, error)
        return error
    raise AssertionError("expected %s, nothing was raised" % exc_type.__name__)


def totals(budget):
    """Return spent() for every dimension, None where undeclared."""
    return [budget.spent(dim) for dim in Dim.ALL]
