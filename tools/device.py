#!/usr/bin/env python3
"""Deploy budgetkernel to a MicroPython board and run the test suite there.

Both commands talk to the board through mpremote, always as
`mpremote connect PORT resume ...`: without `resume`, mpremote soft-resets
the board on connect, which on an emulated board also wipes its RAM disk.

  deploy  queries the .mpy version and architecture the board loads,
          compiles budgetkernel.mpy to match, rejects a mismatch before
          copying, and copies the file to the board's current folder.
  test    copies the shared tests into a folder on the board (as .py, or
          precompiled to .mpy for a board too small to compile them), runs
          `mprun.main()` there and checks the runner's output.

NOTE: run so far only against the emulated qemu boards, not real hardware.
"""

import argparse
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import suite_result  # noqa: E402

# Index = the architecture number in sys.implementation._mpy and in byte 2
# of a .mpy header (MicroPython's py/persistentcode.h, MP_NATIVE_ARCH_*).
ARCHITECTURES = (
    None, "x86", "x64", "armv6", "armv6m", "armv7m", "armv7em", "armv7emsp",
    "armv7emdp", "xtensa", "xtensawin", "rv32imc",
)
DEVICE_TEST_FOLDER = "/budgetkernel_tests"
# Seconds allowed for one short mpremote command (a query or a copy).
COMMAND_TIMEOUT_SECONDS = 60
MPY_FILE_EXISTS_LINE = re.compile(r"^budgetkernel file exists: (yes|no)$", re.M)


class DeviceError(Exception):
    pass


def mpremote(port, arguments, timeout=COMMAND_TIMEOUT_SECONDS):
    """Run mpremote against port without a soft reset and return its output.

    Raises DeviceError when mpremote fails or times out.
    """
    executable = os.path.join(os.path.dirname(sys.executable), "mpremote")
    command = [executable, "connect", port, "resume"] + arguments
    try:
        completed = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as expired:
        output = expired.output or b""
        if isinstance(output, bytes):
            output = output.decode("utf-8", "replace")
        raise DeviceError(
            "mpremote %s timed out after %g s on %s; output so far:\n%s"
            % (arguments[0], timeout, port, output.rstrip())
        )
    if completed.returncode != 0:
        raise DeviceError(
            "mpremote %s failed on %s (status %d):\n%s"
            % (arguments[0], port, completed.returncode, completed.stdout.rstrip())
        )
    return completed.stdout


def board_mpy_format(port):
    """Return (version, sub_version, architecture number) of the .mpy files the board loads."""
    output = mpremote(
        port, ["exec", "import sys; print('_mpy=%s' % getattr(sys.implementation, '_mpy', None))"]
    )
    match = re.search(r"^_mpy=(\S+)", output, re.M)
    if not match:
        raise DeviceError("the board on %s did not report sys.implementation._mpy:\n%s" % (port, output))
    if match.group(1) == "None":
        raise DeviceError(
            "the firmware on %s has no sys.implementation._mpy, so it cannot load .mpy files; "
            "copy budgetkernel.py instead or freeze it into the firmware" % port
        )
    value = int(match.group(1))
    return value & 0xFF, (value >> 8) & 3, value >> 10


def architecture_name(number):
    if 0 <= number < len(ARCHITECTURES):
        return ARCHITECTURES[number] or "none"
    return "unknown (%d)" % number


def compile_mpy(mpy_cross, module, output, architecture):
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    command = shlex.split(mpy_cross)
    name = architecture_name(architecture)
    if architecture and name in ARCHITECTURES:
        command.append("-march=" + name)
    # Embed the bare file name: tracebacks on the board then show it, not
    # the path the file had on this machine.
    command += ["-s", os.path.basename(module), "-o", output, module]
    completed = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if completed.returncode != 0:
        raise DeviceError("%s failed:\n%s" % (" ".join(command), completed.stdout.rstrip()))


def check_mpy_header(path, version, sub_version, architecture):
    """Raise DeviceError unless the .mpy file at path loads on a board with this format."""
    with open(path, "rb") as f:
        header = f.read(4)
    if len(header) < 4 or header[0:1] != b"M":
        raise DeviceError("%s is not a .mpy file (it does not start with 'M')" % path)
    if header[1] != version:
        raise DeviceError(
            "%s has .mpy version %d but the board loads version %d; "
            "pass an mpy-cross that emits version %d, e.g. make deploy MPY_CROSS=/path/to/mpy-cross"
            % (path, header[1], version, version)
        )
    file_architecture = header[2] >> 2
    if file_architecture and file_architecture != architecture:
        raise DeviceError(
            "%s is built for architecture %s but the board runs %s"
            % (path, architecture_name(file_architecture), architecture_name(architecture))
        )
    if file_architecture and header[2] & 3 != sub_version:
        raise DeviceError(
            "%s has .mpy sub-version %d but the board loads native code of sub-version %d"
            % (path, header[2] & 3, sub_version)
        )


def deploy(args):
    version, sub_version, architecture = board_mpy_format(args.port)
    print(
        "    board loads .mpy version %d.%d, architecture %s"
        % (version, sub_version, architecture_name(architecture))
    )
    compile_mpy(args.mpy_cross, args.module, args.out, architecture)
    check_mpy_header(args.out, version, sub_version, architecture)

    name = os.path.splitext(os.path.basename(args.module))[0]
    mpremote(args.port, ["cp", args.out, ":%s.mpy" % name], args.timeout)
    # A .py of the same name would be imported in preference to the .mpy.
    verify = (
        "import os, sys\n"
        "try:\n"
        "    os.remove('{0}.py')\n"
        "except OSError:\n"
        "    pass\n"
        "sys.modules.pop('{0}', None)\n"
        "import {0}\n"
        "print('deployed: {0} %s from %s' % (getattr({0}, '__version__', '?'), {0}.__file__))\n"
        # The REPL keeps its globals, and a loaded .mpy is several KiB of
        # heap that a small board needs for the suite.
        "del {0}\n"
        "sys.modules.pop('{0}', None)\n"
    ).format(name)
    print("    " + mpremote(args.port, ["exec", verify]).strip())


# Folders of tests/ that contain CPython-only files, never copied to a board.
CPYTHON_ONLY_FOLDERS = ("cpython", "__pycache__")


def test_files(tests):
    """Return {relative folder: [.py paths]} for the files of tests/ that the board needs.

    The shared tests import helpers from subfolders (tests/diff), so those
    are copied too, but CPython-only folders and conftest.py are not.
    """
    folders = {}
    for root, subfolders, names in os.walk(tests):
        subfolders[:] = sorted(d for d in subfolders if d not in CPYTHON_ONLY_FOLDERS)
        files = sorted(
            os.path.join(root, name)
            for name in names
            if name.endswith(".py") and name != "conftest.py"
        )
        if files:
            folders[os.path.relpath(root, tests)] = files
    return folders


def copy_tests(port, folders, device_folder):
    """Copy the test files onto the board under device_folder and return how many were copied."""
    device_folders = [device_folder] + [
        device_folder + "/" + relative for relative in sorted(folders) if relative != "."
    ]
    make_folders = (
        "import os\n"
        "for _folder in %r:\n"
        "    try:\n"
        "        os.mkdir(_folder)\n"
        "    except OSError:\n"
        "        pass\n"
    ) % (device_folders,)
    mpremote(port, ["exec", make_folders])
    count = 0
    for relative, files in sorted(folders.items()):
        target = device_folder if relative == "." else device_folder + "/" + relative
        mpremote(port, ["cp"] + files + [":%s/" % target])
        count += len(files)
    return count


def run_suite_code(folder):
    """Return the code that runs the suite on the board from folder."""
    return (
        "import gc, os, sys\n"
        # Modules left from an earlier run in the same boot would be reused.
        "for _name in list(sys.modules):\n"
        "    _file = getattr(sys.modules[_name], '__file__', '')\n"
        "    if _name == 'budgetkernel' or _file.startswith('{0}/'):\n"
        "        del sys.modules[_name]\n"
        "sys.path.insert(0, '{0}')\n"
        "gc.collect()\n"
        "try:\n"
        "    import mprun\n"
        "    mprun.main()\n"
        "    import budgetkernel\n"
        "    try:\n"
        "        os.stat(budgetkernel.__file__)\n"
        "        print('budgetkernel file exists: yes')\n"
        "    except OSError:\n"
        "        print('budgetkernel file exists: no')\n"
        "finally:\n"
        "    sys.path.remove('{0}')\n"
    ).format(folder)


def remove_tests(port, device_folder):
    """Remove device_folder from the board, leaving its filesystem as it was."""
    try:
        mpremote(port, ["rm", "-r", ":" + device_folder])
    except DeviceError as error:
        # A failure here hides no test result, so it only warns.
        print("warning: could not remove %s from the board: %s" % (device_folder, error))


def compile_tests(port, folders, mpy_cross, staging):
    """Compile every test file to .mpy under staging and return the folders of .mpy files.

    A board whose heap is too small to compile the test sources itself can
    still load them precompiled.
    """
    version, sub_version, architecture = board_mpy_format(port)
    shutil.rmtree(staging, ignore_errors=True)
    compiled = {}
    for relative, files in folders.items():
        compiled[relative] = []
        for source in files:
            name = os.path.splitext(os.path.basename(source))[0] + ".mpy"
            output = os.path.normpath(os.path.join(staging, relative, name))
            compile_mpy(mpy_cross, source, output, architecture)
            check_mpy_header(output, version, sub_version, architecture)
            compiled[relative].append(output)
    return compiled


def run_tests(args):
    folders = test_files(args.tests)
    if os.path.join(args.tests, "mprun.py") not in folders.get(".", []):
        raise DeviceError("%s/mprun.py not found" % args.tests)
    if args.compile_with:
        staging = os.path.join(args.result_dir, "compiled-tests")
        folders = compile_tests(args.port, folders, args.compile_with, staging)
    # A board that does not respond fails the short probe first, and the
    # cleanup is then skipped instead of waiting for a second timeout.
    board_responded = False
    try:
        mpremote(args.port, ["exec", "print('board responded')"])
        board_responded = True
        count = copy_tests(args.port, folders, DEVICE_TEST_FOLDER)
        print("    copied %d files to %s on the board" % (count, DEVICE_TEST_FOLDER))
        try:
            output = mpremote(args.port, ["exec", run_suite_code(DEVICE_TEST_FOLDER)], args.timeout)
        except DeviceError as error:
            output = str(error)
    finally:
        if board_responded:
            remove_tests(args.port, DEVICE_TEST_FOLDER)

    result = suite_result.parse(output)
    exists = MPY_FILE_EXISTS_LINE.search(output)
    problems = suite_result.check(result, args.expect, bool(exists and exists.group(1) == "yes"))
    if problems:
        print(output.rstrip())
        for problem in problems:
            print("error: %s" % problem)
        return 1
    form = suite_result.form_of(result.loaded_from, bool(exists and exists.group(1) == "yes"))
    os.makedirs(args.result_dir, exist_ok=True)
    suite_result.write(os.path.join(args.result_dir, "%s.result" % form), form, result)
    print("    " + result.summary())
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    deploy_parser = commands.add_parser("deploy", help="compile budgetkernel.mpy for the board and copy it there")
    deploy_parser.add_argument("--port", required=True, help="serial device of the board")
    deploy_parser.add_argument("--module", required=True, help="path of budgetkernel.py")
    deploy_parser.add_argument("--mpy-cross", required=True, help="mpy-cross command, options allowed")
    deploy_parser.add_argument("--out", required=True, help="where the .mpy file is written")
    deploy_parser.add_argument("--timeout", type=float, default=COMMAND_TIMEOUT_SECONDS)
    test_parser = commands.add_parser("test", help="run the test suite on the board")
    test_parser.add_argument("--port", required=True, help="serial device of the board")
    test_parser.add_argument("--tests", required=True, help="folder containing mprun.py and test_*.py")
    test_parser.add_argument("--expect", choices=suite_result.FORMS, help="form budgetkernel must load from")
    test_parser.add_argument("--result-dir", required=True, help="folder the result file is written to")
    test_parser.add_argument("--timeout", type=float, default=600, help="seconds allowed for the whole suite")
    test_parser.add_argument(
        "--compile-with", metavar="MPY_CROSS", help="mpy-cross command to precompile the test files with"
    )
    args = parser.parse_args()
    try:
        if args.command == "deploy":
            deploy(args)
            return 0
        return run_tests(args)
    except DeviceError as error:
        print("error: %s" % error)
        return 1


if __name__ == "__main__":
    sys.exit(main())
