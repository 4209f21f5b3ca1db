#!/usr/bin/env python3
"""Start or stop an emulated board under qemu, with its UART on a pty.

`start` runs qemu in the background, waits for it to print the pty of the
board's UART, runs the board's setup statement through mpremote, and prints
the pty as PORT=... for deploy and device-test.  qemu runs under `timeout`,
so a forgotten emulator stops by itself after --lifetime seconds.  The pid,
pty and qemu's own output are kept in the --state folder; `stop` reads the
pid from there and ends that process group.
"""

import argparse
import os
import re
import shlex
import signal
import subprocess
import sys
import time

import device

PTY_LINE = re.compile(r"char device redirected to (/dev/pts/\d+)")
PTY_WAIT_SECONDS = 15
SETUP_TIMEOUT_SECONDS = 60
STOP_WAIT_SECONDS = 5


def read_state(state, name):
    try:
        with open(os.path.join(state, name)) as f:
            return f.read().strip()
    except OSError:
        return None


def is_running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_pid(state):
    """Return the pid recorded in state if that emulator still runs, else None.

    The command line is checked too, so a pid reused by another program after
    the emulator ended is never signalled.
    """
    pid = read_state(state, "pid")
    if pid is None or not pid.isdigit() or not is_running(int(pid)):
        return None
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as f:
            command_line = f.read().split(b"\0")
    except OSError:
        return None
    if b"-kernel" not in command_line:
        return None
    return int(pid)


def launch(qemu, firmware, state, lifetime):
    """Start qemu in its own process group and return (pid, pty)."""
    log_path = os.path.join(state, "qemu.log")
    command = ["timeout", "--kill-after=5", str(lifetime)] + shlex.split(qemu) + [
        "-nographic",
        "-monitor", "null",
        "-semihosting",
        "-serial", "pty",
        "-kernel", os.path.abspath(firmware),
    ]
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    with open(os.path.join(state, "pid"), "w") as f:
        f.write("%d\n" % process.pid)

    deadline = time.monotonic() + PTY_WAIT_SECONDS
    while time.monotonic() < deadline:
        with open(log_path) as log:
            match = PTY_LINE.search(log.read())
        if match:
            return process.pid, match.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.1)
    stop(state)
    with open(log_path) as log:
        output = log.read().strip()
    sys.exit("emulator: error: qemu printed no pty within %d s; its output:\n%s" % (PTY_WAIT_SECONDS, output))


def run_setup(port, setup):
    """Run the board's setup statement once after boot; return a problem or None."""
    try:
        device.mpremote(port, ["exec", setup], timeout=SETUP_TIMEOUT_SECONDS)
    except device.DeviceError as error:
        return str(error)
    return None


def start(args):
    os.makedirs(args.state, exist_ok=True)
    pid = running_pid(args.state)
    port = read_state(args.state, "port")
    if pid is not None and port:
        print("emulator: reusing the emulator already running (pid %d)" % pid)
    else:
        pid, port = launch(args.qemu, args.firmware, args.state, args.lifetime)
        with open(os.path.join(args.state, "port"), "w") as f:
            f.write(port + "\n")
        if args.setup:
            problem = run_setup(port, args.setup)
            if problem:
                stop(args.state)
                sys.exit("emulator: error: board setup `%s` failed: %s" % (args.setup, problem))
    print("emulator: running (pid %d)" % pid)
    print("PORT=%s" % port)


def stop(state):
    pid = running_pid(state)
    if pid is not None:
        # qemu was started in a session of its own, so its group id is its pid.
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + STOP_WAIT_SECONDS
        while is_running(pid) and time.monotonic() < deadline:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
            time.sleep(0.1)
        if is_running(pid):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        print("emulator: stopped (pid %d)" % pid)
    for name in ("pid", "port"):
        try:
            os.remove(os.path.join(state, name))
        except FileNotFoundError:
            pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    start_parser = commands.add_parser("start", help="start the emulator, or reuse a running one")
    start_parser.add_argument("--qemu", required=True, help="qemu command and machine options")
    start_parser.add_argument("--firmware", required=True, help="firmware image for -kernel")
    start_parser.add_argument("--state", required=True, help="folder for the pid, pty and qemu log")
    start_parser.add_argument("--lifetime", type=int, default=3600, help="seconds before qemu is stopped")
    start_parser.add_argument("--setup", default="", help="statement to run once through mpremote")
    stop_parser = commands.add_parser("stop", help="stop the emulator recorded in --state")
    stop_parser.add_argument("--state", required=True)
    args = parser.parse_args()
    if args.command == "start":
        start(args)
    else:
        stop(args.state)


if __name__ == "__main__":
    main()
