"""Soak test: replay many generated calls against the kernel and the model.

Usage, on CPython or the MicroPython unix port:

    soak.py [--calls N] [--seed S] [--chunk K]

The calls run in chunks of K, each from its own seed S, S + 1, ..., so a
divergence replays with a short command. Kernel and model run side by
side in one process, and their transcript lines are compared call by
call. The script prints the rate
in calls per second and exits with status 1 at the first divergence,
after printing its seed, the calls before it and the replay command.
"""

import sys
import time

try:
    import replay
except ImportError:
    from diff import replay

CONTEXT_LINES = 5


def _now_ms():
    ticks = getattr(time, "ticks_ms", None)
    if ticks is not None:
        return ticks()
    return int(time.time() * 1000)


def _elapsed_ms(start):
    diff = getattr(time, "ticks_diff", None)
    if diff is not None:
        return diff(_now_ms(), start)
    return _now_ms() - start


def soak_chunk(seed, calls, kernel_module, model_module):
    """Compare calls generated from seed between kernel and model.

    Return None when all agree, else (0-based index, recent lines, kernel
    line, model line) for the first call that differs.
    """
    kernel = replay.Replayer(seed, kernel_module)
    model = replay.Replayer(seed, model_module)
    recent = []
    for index in range(calls):
        got = kernel.step()
        expected = model.step()
        if got != expected:
            return index, recent, got, expected
        recent.append(expected)
        if len(recent) > CONTEXT_LINES:
            recent.pop(0)
    return None


def soak(calls, first_seed, chunk):
    """Run calls in chunks from seeds first_seed, first_seed + 1 and on.

    Return 0 when kernel and model agree on every call, else 1.
    """
    kernel_module = replay.load("kernel")
    model_module = replay.load("model")
    start = _now_ms()
    done = 0
    seed = first_seed
    while done < calls:
        count = min(chunk, calls - done)
        failure = soak_chunk(seed, count, kernel_module, model_module)
        if failure is not None:
            index, recent, got, expected = failure
            print("soak: kernel and model differ at call %d of seed %d" % (index + 1, seed))
            for line in recent:
                print("  " + line)
            print("kernel: " + got)
            print("model:  " + expected)
            print(
                "replay with: PYTHONPATH=.:tests/diff python3 tests/diff/replay.py "
                "--seed %d --calls %d --impl kernel" % (seed, index + 1)
            )
            return 1
        done += count
        seed += 1
    elapsed = _elapsed_ms(start)
    rate = done * 1000 // elapsed if elapsed > 0 else 0
    print(
        "soak: %d calls from seeds %d..%d, no divergence, %d ms, %d calls/s (%s)"
        % (done, first_seed, seed - 1, elapsed, rate, sys.implementation.name)
    )
    return 0


def _parse(argv):
    options = {"--calls": "1000000", "--seed": "1", "--chunk": "100000"}
    i = 1
    while i < len(argv):
        key = argv[i]
        if key not in options or i + 1 >= len(argv):
            raise SystemExit("usage: soak.py [--calls N] [--seed S] [--chunk K]")
        options[key] = argv[i + 1]
        i += 2
    return int(options["--calls"]), int(options["--seed"]), int(options["--chunk"])


if __name__ == "__main__":
    calls, seed, chunk = _parse(sys.argv)
    sys.exit(soak(calls, seed, chunk))
