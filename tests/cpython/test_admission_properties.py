"""CPython-only: property tests of preview, try_charge and try_charge_all.

Random budgets run random sequences of charge, preview, try_charge,
try_charge_all and reset, on a Budget and on a Ledger, next to an oracle:
tests/diff/model.py's plain-int Budget with admission control added here.
The oracle's preview charges a deep copy of the model, try_charge commits
only what does not exhaust, and try_charge_all checks every pair and then
commits all of them or none.
"""

import copy
import importlib.util
import os

from hypothesis import given
from hypothesis import strategies as st

import budgetkernel
from budgetkernel import ChargeError, Dim, Verdict

from _strategies import (
    BOUNDARY_VALUES,
    U64_MAX,
    bad_amounts,
    bad_dims,
    dims,
    property_settings,
)

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_model():
    path = os.path.join(TESTS_DIR, "diff", "model.py")
    spec = importlib.util.spec_from_file_location("budget_model", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


model = load_model()

# With 200 examples per property the file ran in about 6 s on a 2-core
# x86_64 machine.
PROPERTY_SETTINGS = property_settings(200)

# 2**k + d for every bit length k: hypothesis's own integers() draws
# mostly small values, and most of the kernel's paths need large ones.
powers = st.tuples(st.integers(0, 64), st.integers(-2, 2)).map(
    lambda pair: min(max((1 << pair[0]) + pair[1], 0), U64_MAX)
)
u64s = st.one_of(
    powers,
    st.sampled_from(BOUNDARY_VALUES),
    st.integers(min_value=0, max_value=1000),
    st.integers(min_value=0, max_value=U64_MAX),
)
literal_amounts = st.one_of(
    st.integers(min_value=0, max_value=20),
    st.integers(min_value=0, max_value=2**30),
    u64s,
)
# ("limit", d) or ("warn", d) stands for the amount that brings the total
# to that threshold plus d, worked out from the oracle when the step runs,
# so that sequences often land exactly on a boundary.
near_thresholds = st.tuples(st.sampled_from(("limit", "warn")), st.integers(-2, 2))
# About two amounts in three are near a threshold.
amounts = st.integers(0, 2).flatmap(lambda pick: literal_amounts if pick == 2 else near_thresholds)
bad_pairs = st.sampled_from([(), (0,), (0, 1, 2), [], [0], [0, 1, 2], None, 1, "ab", b"\x00\x01",
                             {0: 1, 1: 1}, range(2)])
bad_containers = st.sampled_from([None, 0, "ab", b"", {}, set(), range(0), Verdict.CONTINUE])


@st.composite
def declarations(draw):
    """Draw {dim: (limit, warn or None)} that build() accepts."""
    chosen = draw(st.lists(dims, min_size=1, max_size=8, unique=True))
    result = {}
    for dim in chosen:
        limit = draw(u64s.filter(lambda value: value > 0))
        warn = None
        # About three dims in four get a warn threshold, so warn verdicts are common.
        if draw(st.integers(0, 3)) > 0:
            warn = draw(st.one_of(st.just(0), st.just(limit - 1), st.integers(0, limit - 1)))
        result[dim] = (limit, warn)
    return result


def new_builder(declared, module):
    builder = module.Budget.builder()
    for dim, (limit, warn) in declared.items():
        if warn is None:
            builder.limit(dim, limit)
        else:
            builder.limit_with_warn(dim, limit, warn)
    return builder


def new_accounts(declared):
    """Return a fresh Budget and a fresh Ledger of the same declarations."""
    budget = new_builder(declared, budgetkernel).build()
    ledger = new_builder(declared, budgetkernel).build_policy().ledger()
    return [budget, ledger]


# ---------------------------------------------------------------------------
# The oracle: model.Budget plus admission control
# ---------------------------------------------------------------------------


def oracle_preview(oracle, dim, amount):
    """Return what charge would return, from a deep copy of the model."""
    return copy.deepcopy(oracle).charge(dim, amount)


def oracle_try_charge(oracle, dim, amount):
    verdict = oracle_preview(oracle, dim, amount)
    if verdict.is_exhausted():
        return verdict
    return oracle.charge(dim, amount)


def oracle_check_charges(oracle, charges):
    """Raise what try_charge_all raises for charges with at most one defect."""
    if type(charges) not in (list, tuple):
        raise TypeError("charges must be a list or tuple")
    seen = []
    for pair in charges:
        if type(pair) not in (list, tuple) or len(pair) != 2:
            raise TypeError("each pair must have two items")
        dim, amount = pair
        model.check_dim(dim)
        model.check_u64("amount", amount)
        if dim not in oracle.limits:
            raise model.ChargeError(dim)
        if dim in seen:
            raise ValueError("dim %d given twice" % dim)
        seen.append(dim)


def oracle_try_charge_all(oracle, charges):
    oracle_check_charges(oracle, charges)
    for dim, amount in charges:
        verdict = oracle_preview(oracle, dim, amount)
        if verdict.is_exhausted():
            return verdict
    worst = model.Verdict.CONTINUE
    for dim, amount in charges:
        worst = worst.worst(oracle.charge(dim, amount))
    return worst


def to_kernel(verdict):
    """Return the budgetkernel Verdict equal to a model Verdict."""
    if verdict.kind == model.CONTINUE:
        return Verdict.CONTINUE
    if verdict.kind == model.WARN:
        return Verdict.warn(verdict.dim)
    return Verdict.exhausted(verdict.dim)


def oracle_state(oracle):
    spent = [oracle.spent(dim) for dim in Dim.ALL]
    remaining = [oracle.remaining(dim) for dim in Dim.ALL]
    return spent, remaining


def state(account):
    spent = [account.spent(dim) for dim in Dim.ALL]
    remaining = [account.remaining(dim) for dim in Dim.ALL]
    return spent, remaining


def resolve(oracle, dim, amount):
    """Turn a ("limit", d) or ("warn", d) amount into an int, clamped to 0..U64_MAX."""
    if type(amount) is int:
        return amount
    target, delta = amount
    if target == "warn" and oracle.warns[dim] is not None:
        bound = oracle.warns[dim]
    else:
        bound = oracle.limits[dim]
    return max(0, min(U64_MAX, bound - oracle.totals[dim] + delta))


# ---------------------------------------------------------------------------
# Operation sequences
# ---------------------------------------------------------------------------


@st.composite
def charge_lists(draw, declared):
    """Draw pairs on distinct declared dims, in random containers."""
    chosen = draw(st.lists(st.sampled_from(sorted(declared)), unique=True, max_size=len(declared)))
    pairs = []
    for dim in chosen:
        amount = draw(amounts)
        pair_type = draw(st.sampled_from((tuple, list)))
        pairs.append((pair_type, dim, amount))
    return draw(st.sampled_from((tuple, list))), pairs


@st.composite
def scenarios(draw):
    """Draw declarations and a list of operations on declared dims."""
    declared = draw(declarations())
    declared_dims = st.sampled_from(sorted(declared))
    single = st.tuples(st.sampled_from(("charge", "preview", "try")), declared_dims, amounts)
    steps = draw(
        st.lists(
            st.one_of(
                single,
                single,
                st.tuples(st.just("all"), charge_lists(declared)),
                st.just(("reset",)),
            ),
            min_size=4,
            max_size=30,
        )
    )
    return declared, steps


def build_charges(oracle, spec):
    container, pairs = spec
    items = []
    for pair_type, dim, amount in pairs:
        items.append(pair_type((dim, resolve(oracle, dim, amount))))
    return container(items)


def run_step(account, oracle, step):
    """Apply step to the account and the oracle; return (got, expected) verdicts."""
    op = step[0]
    if op == "reset":
        account.reset()
        oracle.reset()
        return None, None
    if op == "all":
        charges = build_charges(oracle, step[1])
        expected = oracle_try_charge_all(oracle, charges)
        return account.try_charge_all(charges), to_kernel(expected)
    _, dim, amount = step
    amount = resolve(oracle, dim, amount)
    if op == "charge":
        return account.charge(dim, amount), to_kernel(oracle.charge(dim, amount))
    if op == "preview":
        return account.preview(dim, amount), to_kernel(oracle_preview(oracle, dim, amount))
    return account.try_charge(dim, amount), to_kernel(oracle_try_charge(oracle, dim, amount))


@PROPERTY_SETTINGS
@given(scenarios())
def test_operations_match_oracle(case):
    declared, steps = case
    for account in new_accounts(declared):
        oracle = new_builder(declared, model).build()
        for index, step in enumerate(steps):
            got, expected = run_step(account, oracle, step)
            where = (type(account).__name__, index, step)
            assert got == expected, where
            assert state(account) == oracle_state(oracle), where


@PROPERTY_SETTINGS
@given(scenarios(), st.data())
def test_preview_then_charge_agree(case, data):
    # After any history and a jump toward the limit, preview(dim, amount)
    # changes nothing, try_charge follows the oracle, and a charge after a
    # rejection returns what preview returned.
    declared, steps = case
    dim = data.draw(st.sampled_from(sorted(declared)))
    # The jump brings the total to 2**distance below the limit, unless it
    # is closer already, so amounts that reach a threshold come in every
    # size, long ints included.
    distance = data.draw(st.integers(0, 64))
    amount = data.draw(amounts)
    for account in new_accounts(declared):
        oracle = new_builder(declared, model).build()
        for step in steps:
            run_step(account, oracle, step)
        start = max(0, declared[dim][0] - (1 << distance) - oracle.totals[dim])
        account.charge(dim, start)
        oracle.charge(dim, start)
        resolved = resolve(oracle, dim, amount)
        before = state(account)
        previewed = account.preview(dim, resolved)
        assert previewed == to_kernel(oracle_preview(oracle, dim, resolved))
        assert state(account) == before
        tried = account.try_charge(dim, resolved)
        assert tried == to_kernel(oracle_try_charge(oracle, dim, resolved))
        assert state(account) == oracle_state(oracle)
        if tried.is_exhausted():
            # The rejected charge was not made, so charge() still exhausts.
            assert account.charge(dim, resolved) == previewed
            oracle.charge(dim, resolved)
        else:
            assert tried == previewed
        assert state(account) == oracle_state(oracle)


@st.composite
def defective_charges(draw, declared):
    """Draw (charges, defect) with good pairs and exactly one defect."""
    container, pairs = draw(charge_lists(declared))
    items = [pair_type((dim, amount if type(amount) is int else 1))
             for pair_type, dim, amount in pairs]
    undeclared = [dim for dim in Dim.ALL if dim not in declared]
    kinds = ["container", "pair", "dim", "amount"]
    if undeclared:
        kinds.append("undeclared")
    if items:
        kinds.append("duplicate")
    defect = draw(st.sampled_from(kinds))
    if defect == "container":
        return draw(bad_containers), defect
    if defect == "pair":
        bad = draw(bad_pairs)
    elif defect == "dim":
        bad = (draw(bad_dims), draw(literal_amounts))
    elif defect == "amount":
        bad = (draw(st.sampled_from(sorted(declared))), draw(bad_amounts))
        # Keep one defect only: a dim already in the list would be a duplicate too.
        items = [item for item in items if item[0] != bad[0]]
    elif defect == "undeclared":
        bad = (draw(st.sampled_from(undeclared)), draw(literal_amounts))
    else:
        bad = (draw(st.sampled_from(items))[0], draw(literal_amounts))
    position = draw(st.integers(0, len(items)))
    items.insert(position, bad)
    return container(items), defect


@PROPERTY_SETTINGS
@given(scenarios(), st.data())
def test_rejected_try_charge_all_changes_nothing(case, data):
    declared, steps = case
    charges, defect = data.draw(defective_charges(declared))
    for account in new_accounts(declared):
        oracle = new_builder(declared, model).build()
        for step in steps:
            run_step(account, oracle, step)
        try:
            oracle_check_charges(oracle, charges)
            expected = None
        except (TypeError, ValueError, LookupError) as error:
            expected = error
        assert expected is not None, (defect, charges)
        before = state(account)
        try:
            account.try_charge_all(charges)
            got = None
        except Exception as error:
            got = error
        where = (type(account).__name__, defect, charges)
        assert type(got).__name__ == type(expected).__name__, (where, got, expected)
        if isinstance(got, ChargeError):
            assert got.dim == expected.dim, where
        assert state(account) == before, where
        assert state(account) == oracle_state(oracle), where


@PROPERTY_SETTINGS
@given(declarations(), st.one_of(st.tuples(bad_dims, literal_amounts),
                                 st.tuples(dims, bad_amounts),
                                 st.tuples(bad_dims, bad_amounts),
                                 st.tuples(dims, literal_amounts)))
def test_single_call_errors_match_oracle(declared, call):
    # The oracle is model.charge: dim checked first, then amount, then
    # whether the dim is declared.
    dim, amount = call
    oracle = new_builder(declared, model).build()
    try:
        oracle.charge(dim, amount)
        expected = None
    except (TypeError, ValueError, LookupError) as error:
        expected = type(error).__name__
    for account in new_accounts(declared):
        before = state(account)
        for method in (account.preview, account.try_charge):
            try:
                method(dim, amount)
                got = None
            except Exception as error:
                got = type(error).__name__
            if expected is None:
                assert got is None, (method, call)
            else:
                assert got == expected, (method, call)
                assert state(account) == before, (method, call)
