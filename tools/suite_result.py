#!/usr/bin/env python3
"""Parse and check the output of tests/mprun.py, and compare saved results.

The runner prints "budgetkernel loaded from <path>" near the start and
"N passed, N failed, N skipped" last.  A run passes the check when both lines
are there, nothing failed, and the path shows the expected form of the
module: frozen into the firmware, a .py source file, or a .mpy file.

Usage:
    suite_result.py compare RESULT_FILE...
exits with status 1 unless every result file contains the same passed count.
"""

import re
import sys

LOADED_LINE = re.compile(r"^budgetkernel loaded from (.*?)\s*$", re.M)
COUNT_LINE = re.compile(r"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?", re.M)
FORMS = ("frozen", "py", "mpy")


class SuiteResult:
    """Counts and module path read from one run of the runner."""

    def __init__(self, passed, failed, skipped, loaded_from):
        self.passed = passed
        self.failed = failed
        self.skipped = skipped
        self.loaded_from = loaded_from

    def summary(self):
        return "%d passed, %d failed, %d skipped (budgetkernel loaded from %s)" % (
            self.passed,
            self.failed,
            self.skipped,
            self.loaded_from,
        )


def parse(output):
    """Return the SuiteResult in output, or None when the count line is missing."""
    counts = COUNT_LINE.findall(output)
    if not counts:
        return None
    passed, failed, skipped = counts[-1]
    loaded = LOADED_LINE.search(output)
    return SuiteResult(
        int(passed),
        int(failed),
        int(skipped or 0),
        loaded.group(1) if loaded else None,
    )


def form_of(loaded_from, file_exists):
    """Return the form ("frozen", "py" or "mpy") that a module path shows.

    On MicroPython 1.25 a frozen module's __file__ is a bare
    "budgetkernel.py", the same as for a real file in the current folder, so
    file_exists distinguishes the two.  A ".frozen/" prefix also counts as
    frozen.
    """
    if loaded_from.endswith(".mpy"):
        return "mpy"
    if loaded_from.startswith(".frozen/"):
        return "frozen"
    if loaded_from.endswith(".py"):
        return "py" if file_exists else "frozen"
    return None


def check(result, expected_form, file_exists):
    """Return the problems found in result, an empty list when the run passed."""
    if result is None:
        return ["the runner printed no 'N passed, N failed' line (it crashed or timed out)"]
    problems = []
    if result.failed:
        problems.append("%d test(s) failed" % result.failed)
    if result.passed == 0:
        problems.append("no test passed, so nothing was run")
    if result.loaded_from is None:
        problems.append("the runner printed no 'budgetkernel loaded from' line")
    elif expected_form:
        form = form_of(result.loaded_from, file_exists)
        if form != expected_form:
            problems.append(
                "budgetkernel was loaded from %s (%s), expected the %s form"
                % (result.loaded_from, form or "unknown form", expected_form)
            )
    return problems


def write(path, form, result):
    with open(path, "w") as f:
        f.write("%s %d %d %d %s\n" % (form, result.passed, result.failed, result.skipped, result.loaded_from))


def compare(paths):
    """Print one line per result file and return 0 when all passed counts agree."""
    passed_counts = set()
    for path in paths:
        with open(path) as f:
            form, passed, failed, skipped, loaded_from = f.read().split(" ", 4)
        passed_counts.add(int(passed))
        print("    %-6s %s passed, %s failed, %s skipped" % (form, passed, failed, skipped))
    if len(passed_counts) != 1:
        print("error: the forms report different passed counts: %s" % sorted(passed_counts))
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] != "compare":
        sys.exit("usage: suite_result.py compare RESULT_FILE...")
    sys.exit(compare(sys.argv[2:]))
