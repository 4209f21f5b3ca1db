"""CPython-only: budgetkernel.pyi is correct, and the code uses only MicroPython's API.

mypy checks three things. stubtest compares the stub with the module at run
time. --strict must pass on the examples and on typed_usage.py, and must
reject the misuse below. With MicroPython's stubs as the standard library,
the module and the examples that run on MicroPython must not use a module,
function or attribute that MicroPython 1.25 lacks.

NOTE: the MicroPython stubs copy CPython's builtins, so a builtin method
that MicroPython lacks (str.casefold, int.bit_count) passes this check. The
test suite's MicroPython runs catch those.
"""

import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

MYPY_VERSION = "2.4.1"
MICROPYTHON_STUBS = ["micropython-stdlib-stubs==1.25.0", "micropython-unix-stubs==1.25.0.post1"]

# Files that run on MicroPython. llm_agent.py is CPython only.
MICROPYTHON_FILES = [
    "budgetkernel.py",
    "examples/agent_loop.py",
    "examples/control_loop.py",
    "examples/client_quota.py",
]

# The error codes that mean a name is missing from MicroPython's API. The
# module has no annotations, so mypy's inference errors in it are noise here.
MISSING_API_CODES = {"attr-defined", "import-not-found", "name-defined", "call-arg"}

# mypy does not see Verdict.CONTINUE, which budgetkernel.py assigns after the
# class body. The stub declares it.
KNOWN_MISSING_API_ERRORS = ['"type[Verdict]" has no attribute "CONTINUE"']

MISUSE = """\
from budgetkernel import Budget, Dim, Verdict
budget = Budget.builder().limit(Dim.TOKENS, 10).build()
budget.charge("tokens", 1)  # E: arg-type
budget.charge(Dim.TOKENS, 1.5)  # E: arg-type
total: int = budget.spent(Dim.TOKENS)  # E: assignment
Dim.TOKENS = 3  # E: misc
Verdict.CONTINUE.worst(None)  # E: arg-type
Budget.builder().limit(Dim.TOKENS)  # E: call-arg
budget.charge(Dim.TOKENS, 1).is_exhausted() + ""  # E: operator
"""


def mypy_command():
    mypy = pytest.importorskip("mypy.version")
    assert mypy.__version__ == MYPY_VERSION, "install mypy==%s" % MYPY_VERSION
    return [sys.executable, "-m", "mypy", "--no-incremental", "--no-error-summary"]


def run_mypy(arguments, environment=None):
    """Run mypy from the repository root and return (exit code, output lines)."""
    result = subprocess.run(
        mypy_command() + arguments,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
        check=False,
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return result.returncode, result.stdout.splitlines()


def test_stub_matches_module():
    command = mypy_command()[:1] + ["-m", "mypy.stubtest", "budgetkernel"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_strict_passes_on_examples_and_usage():
    code, lines = run_mypy(["--strict", "examples", "tests/cpython/typed_usage.py"])
    assert lines == []
    assert code == 0


def test_strict_rejects_misuse(tmp_path):
    misuse = tmp_path / "misuse.py"
    misuse.write_text(MISUSE)
    environment = dict(os.environ, MYPYPATH=ROOT)
    code, lines = run_mypy(["--strict", str(misuse)], environment)

    reported = {}
    for line in lines:
        match = re.match(r".*misuse\.py:(\d+): error: .*\[([a-z-]+)\]$", line)
        if match:
            reported.setdefault(int(match.group(1)), set()).add(match.group(2))
    expected = {}
    for number, text in enumerate(MISUSE.splitlines(), 1):
        if "# E: " in text:
            expected[number] = {text.split("# E: ")[1]}
    assert code == 1
    assert reported == expected, "\n".join(lines)


def test_typed_usage_runs():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    try:
        import typed_usage
    finally:
        sys.path.pop(0)
    assert typed_usage.exercise() == [
        "version 0.1.0, 8 of 8 dims",
        "tokens millis bytes calls memory custom0 custom1 custom2",
        "warn True continuing True dim 0",
        "exhausted True worst Verdict.exhausted(Dim.TOKENS) same True",
        "spent 110 remaining 0 undeclared None",
        "after reset 0",
        "builder error zero_limit at 3",
        "charge error at 4",
    ]


@pytest.fixture(scope="module")
def micropython_stubs(tmp_path_factory):
    """Return a folder holding MicroPython's stub packages."""
    # BUDGETKERNEL_MPY_STUBS may name a folder filled beforehand with
    # `pip install --no-deps --target FOLDER` and the pinned packages.
    folder = os.environ.get("BUDGETKERNEL_MPY_STUBS")
    if folder:
        return folder
    folder = str(tmp_path_factory.mktemp("micropython-stubs"))
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", folder]
    result = subprocess.run(
        command + MICROPYTHON_STUBS, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return folder


def missing_api_errors(stubs, files):
    """Return mypy's errors about names MicroPython lacks in files."""
    # MicroPython's stdlib stubs replace typeshed, and the unix port's stubs
    # (micropython, time and the other built-in modules) sit on MYPYPATH.
    # Errors inside the stub packages themselves are not this project's.
    config = os.path.join(stubs, "budgetkernel-mypy.ini")
    with open(config, "w") as ini:
        ini.write("[mypy]\ncheck_untyped_defs = True\n")
        ini.write("[mypy-_mpy_shed.*,micropython]\nignore_errors = True\n")
    environment = dict(os.environ, MYPYPATH=stubs)
    arguments = ["--config-file", config, "--custom-typeshed-dir", stubs] + list(files)
    _, lines = run_mypy(arguments, environment)

    errors = []
    for line in lines:
        match = re.search(r": error: (.*)  \[([a-z-]+)\]$", line)
        if not match or match.group(2) not in MISSING_API_CODES:
            continue
        if match.group(1) in KNOWN_MISSING_API_ERRORS:
            continue
        errors.append(line)
    return errors


def test_micropython_files_use_only_its_api(micropython_stubs):
    assert missing_api_errors(micropython_stubs, MICROPYTHON_FILES) == []


def test_micropython_api_check_catches_cpython_names(micropython_stubs, tmp_path):
    scratch = tmp_path / "cpython_only.py"
    scratch.write_text(
        "import functools\n"
        "import time\n"
        "def elapsed():\n"
        "    return time.monotonic_ns()\n"
        "def ticks():\n"
        "    return time.ticks_ms()\n"
    )
    errors = missing_api_errors(micropython_stubs, [str(scratch)])
    assert len(errors) == 2, errors
    assert ':1: error: Cannot find implementation or library stub for module named "functools"' in errors[0]
    assert ':4: error: Module has no attribute "monotonic_ns"' in errors[1]
