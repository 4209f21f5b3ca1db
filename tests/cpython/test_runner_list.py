"""CPython-only: mprun.py's module list names every shared test file."""

import importlib.util
import os

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_runner():
    spec = importlib.util.spec_from_file_location("mprun", os.path.join(TESTS_DIR, "mprun.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_runner_lists_every_shared_test_file():
    on_disk = sorted(
        name[:-3]
        for name in os.listdir(TESTS_DIR)
        if name.startswith("test_") and name.endswith(".py")
    )
    assert sorted(load_runner().TEST_MODULES) == on_disk
