"""Run the shared test files on MicroPython, where pytest does not exist.

As a script (`micropython mprun.py`) it exits with status 1 when a test
fails. On a board, `import mprun; mprun.main()` returns the failure count.
Each test module's test_* functions are called in name order; a SkipTest
counts as skipped. The last line reads "N passed, N failed, N skipped".
"""

import gc
import sys

# Kept in step with tests/test_*.py by tests/cpython/test_runner_list.py.
# test_differential, the largest, runs first: every module loaded leaves its
# interned names on the heap, and a small heap is then too fragmented for it.
TEST_MODULES = (
    "test_differential",
    "test_admission",
    "test_allocation",
    "test_bad_input",
    "test_boundaries",
    "test_budget",
    "test_builder",
    "test_dim",
    "test_interrupts",
    "test_ledger",
    "test_ledger_heap",
    "test_model",
    "test_snapshot",
    "test_unlocked_heap",
    "test_verdict",
)


def _print_error(error):
    print_exception = getattr(sys, "print_exception", None)
    if print_exception is not None:
        print_exception(error)
    else:
        import traceback

        traceback.print_exception(type(error), error, error.__traceback__)


def run_module(name, counts):
    """Run every test_* function of module name, adding to counts."""
    from _support import SkipTest

    loaded = list(sys.modules)
    module = __import__(name)
    for attr in sorted(dir(module)):
        if not attr.startswith("test_"):
            continue
        test = getattr(module, attr)
        try:
            test()
        except SkipTest as reason:
            counts[2] += 1
            print("SKIP %s.%s: %s" % (name, attr, reason))
        except Exception as error:
            counts[1] += 1
            print("FAIL %s.%s" % (name, attr))
            _print_error(error)
        else:
            counts[0] += 1
    # Unload the module and whatever it imported, such as the reference
    # model, so that a board with a small heap gets the memory back.
    module = test = None
    for other in list(sys.modules):
        if other not in loaded:
            del sys.modules[other]
    gc.collect()


def main(modules=TEST_MODULES):
    """Run the given test modules and return the number of failures."""
    import budgetkernel

    print("budgetkernel loaded from %s" % getattr(budgetkernel, "__file__", "(no __file__)"))
    counts = [0, 0, 0]
    for name in modules:
        run_module(name, counts)
    print("%d passed, %d failed, %d skipped" % (counts[0], counts[1], counts[2]))
    return counts[1]


if __name__ == "__main__":
    sys.exit(1 if main() else 0)
