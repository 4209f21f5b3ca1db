"""Hypothesis settings and value pools shared by the CPython property tests."""

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from budgetkernel import Dim

U64_MAX = 2**64 - 1


def property_settings(max_examples):
    """Return hypothesis settings with max_examples, no deadline and no too_slow check.

    A shared 2-core CI machine can stall a single example for longer than
    hypothesis's default deadline of 200 ms.
    """
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


# Each edge where MicroPython's int representation or the kernel's window
# changes, with its neighbours.
BOUNDARY_VALUES = sorted(
    {
        value
        for base in (2**28, 2**29, 2**30, 2**31, 2**32, 2**62, 2**63, 2**64 - 1)
        for value in (base - 1, base, base + 1)
        if 0 <= value <= U64_MAX
    }
    | {0, 1, 2}
)

dims = st.sampled_from(Dim.ALL)
bad_dims = st.sampled_from([8, -1, 9, 2**64, "tokens", None, 1.0, True, False])
bad_amounts = st.sampled_from([-1, 2**64, 2**65, -(2**64), 1.5, 0.0, True, False, "1", None])
