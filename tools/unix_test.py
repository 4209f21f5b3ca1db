#!/usr/bin/env python3
"""Run tests/mprun.py on a unix-port MicroPython executable, in one form.

MICROPYPATH holds only the tests folder and one place budgetkernel can come
from, so the copy at the repository root cannot be imported by mistake:
  frozen  the executable's frozen modules (.frozen)
  py      a folder holding only a copy of budgetkernel.py
  mpy     a folder holding only budgetkernel.mpy made by mpy-cross
The run happens in an empty folder, and the result is written for
`suite_result.py compare`.
"""

import argparse
import os
import shutil
import subprocess
import sys

import suite_result


def prepare_module_folder(form, module, mpy_cross, work):
    """Return the MICROPYPATH entry that provides budgetkernel in the given form."""
    if form == "frozen":
        return ".frozen"
    folder = os.path.join(work, "module")
    os.makedirs(folder)
    name = os.path.splitext(os.path.basename(module))[0]
    if form == "py":
        shutil.copy(module, os.path.join(folder, name + ".py"))
    else:
        output = os.path.join(folder, name + ".mpy")
        subprocess.run([mpy_cross, "-s", os.path.basename(module), "-o", output, module], check=True)
    return folder


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--micropython", required=True, help="unix-port executable")
    parser.add_argument("--form", required=True, choices=suite_result.FORMS)
    parser.add_argument("--mpy-cross", required=True, help="mpy-cross built from the same source")
    parser.add_argument("--tests", required=True, help="folder containing mprun.py and test_*.py")
    parser.add_argument("--module", required=True, help="path of budgetkernel.py")
    parser.add_argument("--work", required=True, help="scratch folder, emptied first")
    parser.add_argument("--result", required=True, help="file the result is written to")
    parser.add_argument("--timeout", type=float, default=600, help="seconds before the run is stopped")
    args = parser.parse_args()

    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    tests = os.path.abspath(args.tests)
    module_entry = prepare_module_folder(args.form, os.path.abspath(args.module), args.mpy_cross, work)
    run_folder = os.path.join(work, "run")
    os.makedirs(run_folder)

    environment = dict(os.environ, MICROPYPATH=tests + ":" + module_entry)
    command = [os.path.abspath(args.micropython), os.path.join(tests, "mprun.py")]
    try:
        completed = subprocess.run(
            command,
            cwd=run_folder,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=args.timeout,
        )
        output, status = completed.stdout, completed.returncode
    except subprocess.TimeoutExpired as timeout:
        output = (timeout.output or b"").decode("utf-8", "replace")
        status = None

    result = suite_result.parse(output)
    exists = result is not None and result.loaded_from is not None and os.path.exists(
        os.path.join(run_folder, result.loaded_from)
    )
    problems = suite_result.check(result, args.form, exists)
    if status is None:
        problems.insert(0, "the run timed out after %g s" % args.timeout)
    elif status != 0 and not problems:
        problems.append("the runner exited with status %d" % status)

    if problems:
        print(output.rstrip())
        for problem in problems:
            print("error: %s: %s" % (args.form, problem))
        return 1
    os.makedirs(os.path.dirname(os.path.abspath(args.result)), exist_ok=True)
    suite_result.write(args.result, args.form, result)
    print("    " + result.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
