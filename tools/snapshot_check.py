#!/usr/bin/env python3
"""Check that snapshots written on one runtime restore the same on another.

Runs tests/diff/snapshots.py on CPython (this interpreter) and on each
MicroPython executable given with --micropython NAME=PATH:

1. `write` and `expect` on every runtime. The hex lines must be the same
   everywhere, and so must the expected transcripts.
2. `read` of each runtime's lines on every other runtime.
3. Each read transcript must equal the writer's `expect` output byte for
   byte.

Exits 0 when everything matches. Otherwise prints the runtimes involved
and the first line that differs, and exits 1. The files are kept in
--work for a closer look.

With --compare EXPECTED GOT, it runs nothing and only compares files made
elsewhere, such as the transcripts of `make device-snapshots`, with the
same report.
"""

import argparse
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(REPO, "tests", "diff", "snapshots.py")
DIFF_FOLDER = os.path.join(REPO, "tests", "diff")
CPYTHON = "cpython"


class CheckFailed(Exception):
    pass


class Runtime:
    """One interpreter and the environment that lets it import snapshots.py."""

    def __init__(self, name, command, environment):
        self.name = name
        self.command = command
        self.environment = environment


def cpython_runtime():
    path = REPO + os.pathsep + DIFF_FOLDER
    return Runtime(CPYTHON, [sys.executable], dict(os.environ, PYTHONPATH=path))


def micropython_runtime(option, module_folder):
    """Return the Runtime for a --micropython NAME=PATH option."""
    name, separator, path = option.partition("=")
    if not separator or not name or not path:
        raise CheckFailed("--micropython expects NAME=PATH, got %r" % option)
    if name == CPYTHON:
        raise CheckFailed("--micropython: the name %r is taken by this interpreter" % CPYTHON)
    path = os.path.abspath(path)
    if not os.access(path, os.X_OK):
        raise CheckFailed(
            "--micropython %s: %s is not an executable file; build it with make firmware" % (name, path)
        )
    # ".frozen" names the executable's frozen modules, not a folder.
    if module_folder != ".frozen":
        module_folder = os.path.abspath(module_folder)
    micropath = DIFF_FOLDER + ":" + module_folder
    return Runtime(name, [path], dict(os.environ, MICROPYPATH=micropath))


def run(runtime, arguments, work, output_path, timeout):
    """Run snapshots.py with arguments on runtime; save its output at output_path and return it.

    The run happens in work, which contains no budgetkernel, so MicroPython's
    "" path entry cannot import a stray copy.
    """
    command = runtime.command + [SCRIPT] + arguments
    try:
        completed = subprocess.run(
            command,
            cwd=work,
            env=runtime.environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise CheckFailed("snapshots.py %s on %s timed out after %g s"
                          % (" ".join(arguments), runtime.name, timeout))
    with open(output_path, "wb") as stream:
        stream.write(completed.stdout)
    if completed.returncode != 0:
        details = (completed.stderr + completed.stdout[-2000:]).decode("utf-8", "replace").rstrip()
        raise CheckFailed("snapshots.py %s failed on %s (status %d):\n%s"
                          % (" ".join(arguments), runtime.name, completed.returncode, details))
    return completed.stdout


def module_origin(runtime, work, timeout):
    """Return budgetkernel.__file__ as runtime imports it ("budgetkernel.py" when frozen)."""
    command = runtime.command + ["-c", "import budgetkernel; print(budgetkernel.__file__)"]
    try:
        completed = subprocess.run(
            command,
            cwd=work,
            env=runtime.environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise CheckFailed(
            "importing budgetkernel on %s timed out after %g s" % (runtime.name, timeout)
        )
    if completed.returncode != 0:
        raise CheckFailed(
            "importing budgetkernel failed on %s:\n%s" % (runtime.name, completed.stdout.rstrip())
        )
    return completed.stdout.strip()


def first_difference(expected, got):
    """Return (1-based line number, expected line, got line) of the first difference, or None."""
    expected_lines = expected.split(b"\n")
    got_lines = got.split(b"\n")
    for index in range(max(len(expected_lines), len(got_lines))):
        want = expected_lines[index] if index < len(expected_lines) else None
        have = got_lines[index] if index < len(got_lines) else None
        if want != have:
            return index + 1, want, have
    return None


def show_line(line):
    if line is None:
        return "<end of file>"
    return line.decode("utf-8", "replace")


def compare(expected, expected_label, got, got_label):
    """Raise CheckFailed naming both sides unless expected and got are identical."""
    difference = first_difference(expected, got)
    if difference is None:
        return
    number, want, have = difference
    raise CheckFailed(
        "%s and %s differ at line %d:\n  %s: %s\n  %s: %s"
        % (expected_label, got_label, number,
           expected_label, show_line(want), got_label, show_line(have))
    )


def check(runtimes, work, timeout):
    """Run every write, expect and read, and raise CheckFailed at the first mismatch."""
    os.makedirs(work, exist_ok=True)
    written = {}
    expected = {}
    for runtime in runtimes:
        origin = module_origin(runtime, work, timeout)
        print("snapshot_check: %s imports budgetkernel from %s" % (runtime.name, origin))
        name = runtime.name
        written[name] = run(runtime, ["write"], work, os.path.join(work, name + ".hex"), timeout)
        expected[name] = run(runtime, ["expect"], work, os.path.join(work, name + ".expect"), timeout)
        if not written[name].strip():
            raise CheckFailed("snapshots.py write printed nothing on %s" % name)

    first = runtimes[0].name
    for runtime in runtimes[1:]:
        compare(written[first], "%s write" % first, written[runtime.name], "%s write" % runtime.name)
        compare(expected[first], "%s expect" % first, expected[runtime.name], "%s expect" % runtime.name)

    # Every runtime reads every other runtime's lines: CPython to unix and
    # unix-32, unix-32 to CPython, and the two MicroPython builds both ways.
    pairs = [(writer, reader) for writer in runtimes for reader in runtimes if writer is not reader]
    for writer, reader in pairs:
        lines = os.path.join(work, writer.name + ".hex")
        output = os.path.join(work, "%s-read-%s.txt" % (reader.name, writer.name))
        got = run(reader, ["read", lines], work, output, timeout)
        compare(
            expected[writer.name],
            "%s expect" % writer.name,
            got,
            "%s read of %s's snapshots" % (reader.name, writer.name),
        )
        print("snapshot_check: %s wrote, %s read: %d transcript lines match"
              % (writer.name, reader.name, got.count(b"\n")))
    return len(pairs)


def compare_files(pairs):
    """Compare each (expected path, got path) pair; return 0 when all match, else 1."""
    for expected_path, got_path in pairs:
        try:
            with open(expected_path, "rb") as stream:
                expected = stream.read()
            with open(got_path, "rb") as stream:
                got = stream.read()
            if not expected.strip():
                raise CheckFailed("%s is empty" % expected_path)
            compare(expected, expected_path, got, got_path)
        except (OSError, CheckFailed) as error:
            print("snapshot_check: FAILED: %s" % error)
            return 1
        print("snapshot_check: %s matches %s (%d lines)" % (got_path, expected_path, got.count(b"\n")))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--micropython",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="a MicroPython executable to write and read on, "
        "e.g. unix-32=build/unix-32/micropython; repeat for more",
    )
    parser.add_argument(
        "--module-folder",
        default=REPO,
        help="MICROPYPATH entry that provides budgetkernel on MicroPython: a folder containing "
        "budgetkernel.py or .mpy, or .frozen for the copy frozen into the executable "
        "(default: the repository root)",
    )
    parser.add_argument(
        "--work",
        default=os.path.join(REPO, "build", "snapshots"),
        help="folder for the hex lines and transcripts (default: build/snapshots)",
    )
    parser.add_argument("--timeout", type=float, default=300, help="seconds allowed for one run")
    parser.add_argument(
        "--compare",
        nargs=2,
        action="append",
        default=[],
        metavar=("EXPECTED", "GOT"),
        help="only compare file GOT with file EXPECTED, running nothing; repeat for more pairs",
    )
    args = parser.parse_args(argv)
    if args.compare:
        if args.micropython:
            parser.error("--compare runs nothing, so it takes no --micropython")
        return compare_files(args.compare)
    if not args.micropython:
        parser.error("give at least one --micropython NAME=PATH")

    try:
        runtimes = [cpython_runtime()]
        for option in args.micropython:
            runtime = micropython_runtime(option, args.module_folder)
            if runtime.name in [known.name for known in runtimes]:
                raise CheckFailed("--micropython: the name %r is given twice" % runtime.name)
            runtimes.append(runtime)
        count = check(runtimes, os.path.abspath(args.work), args.timeout)
    except CheckFailed as error:
        print("snapshot_check: FAILED: %s" % error)
        print("snapshot_check: files are in %s" % args.work)
        return 1
    print("snapshot_check: OK, %d reads on %s match the writers' expected transcripts"
          % (count, ", ".join(runtime.name for runtime in runtimes)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
