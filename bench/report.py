"""Run bench.py on CPython and MicroPython and print one comparison table.

    python bench/report.py --micropython unix=build/unix/micropython \\
        --micropython unix-32=build/unix-32/micropython \\
        --mpy-cross build/mpy-cross/mpy-cross [--write docs/BENCH.md]

For each MicroPython executable it makes up to three runs: the full
benchmark with budgetkernel.py imported from source, then --footprint-only
runs that import the module compiled by mpy-cross and, when the executable
has it frozen in, the frozen module. Targets are marked pass or MISS; a
missed target never makes this script fail. It exits non-zero only when a
benchmark run crashes or times out.
"""

import argparse
import datetime
import os
import platform
import shlex
import subprocess
import sys
import tempfile

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH_DIR)
BENCH = os.path.join(BENCH_DIR, "bench.py")
# One bench.py run takes a few seconds; this only stops a hung runtime.
RUN_TIMEOUT_S = 300

TIMED_CASES = ("continue", "warn", "exhausted", "checkpoint")
CASES = TIMED_CASES + ("slowpath",)
# Admission and snapshot calls, which have no targets.
CALL_CASES = ("preview", "try", "try-refused", "try-exhausted", "try-all-3", "snapshot", "restore")
# Calls whose heap requests are reported, in table order.
REQUEST_CASES = CASES + CALL_CASES + ("spent", "remaining", "reset")
# Largest kernel/floor ratio allowed, by runtime name. Budget and Ledger
# share their charge() code, so both are held to it.
FLOOR_RATIO_TARGET = {"cpython": 1.5, "micropython": 2.0}
BUDGET_BYTES_TARGET = 256
LEDGER_BYTES_TARGET = 128
MPY_BYTES_TARGET = 4096
FOOTPRINT_DIMS = ("dims-1", "dims-3", "dims-8")

EXPLANATION = """\
Each ns figure is the minimum over the rounds of one process, where the
kernel and the baselines run interleaved with the same loop, unrolled
eight times: the loop's own cost is part of every figure. "kernel" is a
Budget and "ledger" a Ledger of a Policy with the same declaration. The
floor is a bare list counter with no input checks, the least a charge can
cost in Python; arrayq is the obvious design, three array('Q') of 8 with
the kernel's input checks. The checkpoint row is per three charges
combined with two worst() calls. The slowpath row charges 2**28 + 1 at a
time, more than the kernel's fast window, so every kernel charge takes the
slow path; it has no target and shows what crossing a window costs.

The calls table times these cases:

- "preview": preview() of a charge that continues;
- "try": try_charge() that charges and continues;
- "try-refused": try_charge() rejected, because the total is at the limit
  and the charge would pass it;
- "try-exhausted": try_charge() on a dim that is already exhausted;
- "try-all-3": one try_charge_all() of three continuing pairs;
- "snapshot" and "restore": snapshot_into() and restore_spent_from() of a
  three-dimension budget.

The floor's versions of the first four are as bare as its charge(). The
snapshot calls have no floor.

The machine is shared with other work. In repeated runs on it the
minima moved by up to about 5 percent, which is enough to flip a ratio
that sits next to its target. The medians, printed by bench.py, are a
few percent above the minima. Compare ratios within one runtime, not ns
across machines.
Heap bytes come from gc.mem_alloc(), which counts whole GC blocks (16
bytes on 32-bit ports, 32 on 64-bit ones). A ledger's figure leaves out
its policy, which all of a policy's ledgers share. The import figures are the
heap one `import budgetkernel` takes: from source (compiled at import),
from the .mpy file, and from firmware with the module frozen in.

The heap requests are the bytes one call requests from the heap while it
is unlocked, counted by micropython.mem_total() on the unix builds. They
include frames: MicroPython keeps a function's frame on the C stack only
up to 11 machine words, takes a larger one from the heap while the heap is
unlocked, and frees it when the call returns. With the heap locked the
frame goes on the C stack instead, which is why the heap-lock tests pass
for the same calls. "spent" and "remaining" query a dim with a total,
and "reset" clears a three-dimension budget.
"""


def _parse(output):
    """Return {"info", "rows", "footprint", "requested"} dicts from bench.py output."""
    result = {"info": {}, "rows": {}, "footprint": {}, "requested": {}}
    for line in output.splitlines():
        words = line.split()
        if not words:
            continue
        if words[0] == "info" and len(words) >= 3:
            result["info"][words[1]] = words[2:]
        elif words[0] == "row" and len(words) == 5:
            result["rows"][(words[1], words[2])] = (float(words[3]), float(words[4]))
        elif words[0] == "footprint" and len(words) == 4:
            result["footprint"][(words[1], words[2])] = int(words[3])
        elif words[0] == "requested" and len(words) == 4:
            result["requested"][(words[1], words[2])] = int(words[3])
    return result


def _run(label, command, env_updates):
    """Run one bench.py command; return its parsed output, or raise RuntimeError."""
    env = dict(os.environ)
    env.update(env_updates)
    env_text = " ".join("%s=%s" % item for item in env_updates.items())
    print("running %s: %s %s" % (label, env_text, " ".join(command)), file=sys.stderr)
    try:
        done = subprocess.run(
            command,
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError("%s timed out after %d s" % (label, RUN_TIMEOUT_S))
    if done.returncode != 0:
        raise RuntimeError(
            "%s failed with exit status %d:\n%s%s"
            % (label, done.returncode, done.stdout, done.stderr)
        )
    return _parse(done.stdout)


def _has_frozen_module(executable):
    """Return True when the executable imports budgetkernel with only .frozen on the path."""
    env = dict(os.environ)
    env["MICROPYPATH"] = ".frozen"
    try:
        done = subprocess.run(
            [executable, "-c", "import budgetkernel"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            timeout=60,
        )
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def _compile_mpy(mpy_cross, folder):
    """Compile budgetkernel.py into folder; return (path, mpy-cross version line)."""
    target = os.path.join(folder, "budgetkernel.mpy")
    # -s embeds the bare file name, so the size does not depend on where the
    # repository was cloned.
    subprocess.run(
        [mpy_cross, "-s", "budgetkernel.py", "-o", target, os.path.join(ROOT, "budgetkernel.py")],
        check=True,
        timeout=60,
    )
    version = subprocess.run(
        [mpy_cross, "--version"], capture_output=True, text=True, timeout=60
    ).stdout.strip()
    return target, version


def collect(micropythons, mpy_cross, skip_cpython):
    """Run every benchmark; return (runtimes, mpy size, mpy-cross version).

    runtimes is a list of dicts with keys label, name, version, bits, rows,
    footprint and imports ({"py" | "mpy" | "frozen": bytes}).
    """
    runtimes = []
    if not skip_cpython:
        pythonpath = os.pathsep.join([ROOT, BENCH_DIR])
        result = _run("cpython", [sys.executable, BENCH], {"PYTHONPATH": pythonpath})
        runtimes.append(_runtime("cpython", result))

    with tempfile.TemporaryDirectory(prefix="budgetkernel-bench-") as folder:
        mpy_path = mpy_version = None
        if mpy_cross:
            mpy_path, mpy_version = _compile_mpy(mpy_cross, folder)
        for label, executable in micropythons:
            executable = os.path.abspath(executable)
            path = ":".join([BENCH_DIR, ROOT])
            result = _run(label, [executable, BENCH], {"MICROPYPATH": path})
            runtime = _runtime(label, result)
            runtime["imports"]["py"] = result["footprint"].get(("import", "module"))
            if mpy_path:
                path = ":".join([BENCH_DIR, folder])
                extra = _run(
                    label + " (.mpy)",
                    [executable, BENCH, "--footprint-only"],
                    {"MICROPYPATH": path},
                )
                runtime["imports"]["mpy"] = extra["footprint"].get(("import", "module"))
            if _has_frozen_module(executable):
                path = ":".join([BENCH_DIR, ".frozen"])
                extra = _run(
                    label + " (frozen)",
                    [executable, BENCH, "--footprint-only"],
                    {"MICROPYPATH": path},
                )
                runtime["imports"]["frozen"] = extra["footprint"].get(("import", "module"))
            runtimes.append(runtime)
        mpy_size = os.path.getsize(mpy_path) if mpy_path else None
    return runtimes, mpy_size, mpy_version


def _runtime(label, result):
    name, version, bits = (result["info"].get("runtime") + ["?", "?", "?"])[:3]
    return {
        "label": label,
        "name": name,
        "version": version,
        "bits": bits,
        "rows": result["rows"],
        "footprint": result["footprint"],
        "requested": result["requested"],
        "imports": {},
    }


def _mark(ok):
    return "pass" if ok else "MISS"


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def timing_table(runtimes):
    """Return the Markdown table of ns per charge, ratios and target marks."""
    header = [
        "runtime", "case", "kernel ns", "ledger ns", "floor ns", "arrayq ns",
        "kernel/floor", "ledger/floor", "kernel/arrayq", "target",
    ]
    rows = []
    for runtime in runtimes:
        limit = FLOOR_RATIO_TARGET.get(runtime["name"])
        for case in CASES:
            try:
                kernel = runtime["rows"][(case, "kernel")][0]
                ledger = runtime["rows"][(case, "ledger")][0]
                floor = runtime["rows"][(case, "floor")][0]
                arrayq = runtime["rows"][(case, "arrayq")][0]
            except KeyError:
                continue
            if case in TIMED_CASES and limit is not None:
                target = "<= %.1fx floor: kernel %s, ledger %s; < arrayq: kernel %s, ledger %s" % (
                    limit,
                    _mark(kernel / floor <= limit),
                    _mark(ledger / floor <= limit),
                    _mark(kernel < arrayq),
                    _mark(ledger < arrayq),
                )
            else:
                target = "none"
            rows.append([
                runtime["label"], case, "%.0f" % kernel, "%.0f" % ledger, "%.0f" % floor,
                "%.0f" % arrayq, "%.2fx" % (kernel / floor), "%.2fx" % (ledger / floor),
                "%.2fx" % (kernel / arrayq), target,
            ])
    return _table(header, rows)


def calls_table(runtimes):
    """Return the Markdown table of ns per admission or snapshot call, with ratios."""
    header = [
        "runtime", "case", "kernel ns", "ledger ns", "floor ns",
        "kernel/floor", "ledger/floor", "ledger/kernel",
    ]
    rows = []
    for runtime in runtimes:
        for case in CALL_CASES:
            try:
                kernel = runtime["rows"][(case, "kernel")][0]
                ledger = runtime["rows"][(case, "ledger")][0]
            except KeyError:
                continue
            floor = runtime["rows"].get((case, "floor"))
            if floor is None:
                floor_cells = ["", "", ""]
            else:
                floor = floor[0]
                floor_cells = ["%.0f" % floor, "%.2fx" % (kernel / floor), "%.2fx" % (ledger / floor)]
            rows.append(
                [runtime["label"], case, "%.0f" % kernel, "%.0f" % ledger]
                + floor_cells
                + ["%.2fx" % (ledger / kernel)]
            )
    return _table(header, rows)


def footprint_table(runtimes, mpy_size):
    """Return the Markdown table of heap bytes per budget and ledger, per import and .mpy size."""
    header = ["runtime", "what", "kernel", "ledger", "floor", "arrayq", "target"]
    rows = []
    for runtime in runtimes:
        footprint = runtime["footprint"]
        for case in FOOTPRINT_DIMS:
            if (case, "kernel") not in footprint:
                continue
            kernel = footprint[(case, "kernel")]
            ledger = footprint[(case, "ledger")]
            target = "none"
            if runtime["bits"] == "32":
                target = "budget <= %d B: %s; ledger <= %d B: %s" % (
                    BUDGET_BYTES_TARGET, _mark(kernel <= BUDGET_BYTES_TARGET),
                    LEDGER_BYTES_TARGET, _mark(ledger <= LEDGER_BYTES_TARGET))
            rows.append([
                runtime["label"], "heap per budget or ledger, %s declared" % _dims_text(case),
                "%d B" % kernel,
                "%d B" % ledger,
                "%d B" % footprint[(case, "floor")],
                "%d B" % footprint[(case, "arrayq")],
                target,
            ])
        for kind in ("py", "mpy", "frozen"):
            size = runtime["imports"].get(kind)
            if size is not None:
                rows.append([
                    runtime["label"], "heap for import from %s" % kind,
                    "%d B" % size, "", "", "", "none",
                ])
    if mpy_size is not None:
        rows.append([
            "mpy-cross", "budgetkernel.mpy size", "%d B" % mpy_size, "", "", "",
            "<= %d B: %s" % (MPY_BYTES_TARGET, _mark(mpy_size <= MPY_BYTES_TARGET)),
        ])
    return _table(header, rows)


def requests_table(runtimes):
    """Return the Markdown table of heap bytes requested per call, heap unlocked."""
    impls = ("kernel", "ledger", "floor", "arrayq")
    header = ["runtime", "case"] + ["%s B" % impl for impl in impls]
    rows = []
    for runtime in runtimes:
        requested = runtime["requested"]
        for case in REQUEST_CASES:
            if (case, "kernel") not in requested:
                continue
            cells = []
            for impl in impls:
                size = requested.get((case, impl))
                cells.append("" if size is None else "%d" % size)
            rows.append([runtime["label"], case] + cells)
    return _table(header, rows)


def _dims_text(case):
    """Return "1 dimension" or "3 dimensions" for a footprint key such as "dims-3"."""
    count = int(case.split("-")[1])
    return "%d dimension%s" % (count, "" if count == 1 else "s")


def render(runtimes, mpy_size):
    return "\n\n".join([
        "ns per charge (minimum of the rounds)\n\n" + timing_table(runtimes),
        "ns per admission or snapshot call (minimum of the rounds)\n\n" + calls_table(runtimes),
        "Footprint (MicroPython, gc.mem_alloc)\n\n" + footprint_table(runtimes, mpy_size),
        "Heap requested per call, heap unlocked (MicroPython, micropython.mem_total)\n\n"
        + requests_table(runtimes),
    ])


def write_page(path, runtimes, mpy_size, mpy_version):
    """Write the tables with the date, machine, runtimes and command to path."""
    # Paths inside the repository are shown relative to it, so the command
    # can be rerun from any clone.
    args = [arg.replace(ROOT + os.sep, "") for arg in sys.argv]
    command = "python " + " ".join(shlex.quote(arg) for arg in args)
    lines = [
        "# budgetkernel benchmarks",
        "",
        "Produced by `bench/report.py`; rerun the command below to refresh this page.",
        "",
        "- Date: %s" % datetime.date.today().isoformat(),
        "- Machine: %s, %s cores (shared with other work while it ran)"
        % (platform.machine(), os.cpu_count()),
    ]
    for runtime in runtimes:
        lines.append("- %s: %s %s, %s-bit" % (
            runtime["label"], runtime["name"], runtime["version"], runtime["bits"]))
    if mpy_version:
        lines.append("- mpy-cross: %s" % mpy_version)
    lines += [
        "- Command: `%s`" % command,
        "",
        "## What the figures mean",
        "",
        EXPLANATION,
        "## ns per charge",
        "",
        timing_table(runtimes),
        "",
        "## ns per admission or snapshot call",
        "",
        calls_table(runtimes),
        "",
        "## Footprint",
        "",
        footprint_table(runtimes, mpy_size),
        "",
        "## Heap requested per call",
        "",
        requests_table(runtimes),
        "",
    ]
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with open(path, "w") as page:
        page.write("\n".join(lines))


def _named_executable(text):
    label, sep, path = text.partition("=")
    if not sep or not label or not path:
        raise argparse.ArgumentTypeError("expected NAME=PATH, got %r" % text)
    return label, path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--micropython", metavar="NAME=PATH", type=_named_executable, action="append",
        default=[], help="a MicroPython executable to benchmark, under the label NAME (repeatable)",
    )
    parser.add_argument(
        "--mpy-cross", metavar="PATH",
        help="mpy-cross for the .mpy size and the import-from-.mpy run; "
        "its bytecode version must match the MicroPython executables",
    )
    parser.add_argument("--write", metavar="FILE", help="also write the tables to FILE (Markdown)")
    parser.add_argument(
        "--skip-cpython", action="store_true", help="do not benchmark the running CPython"
    )
    args = parser.parse_args()

    try:
        runtimes, mpy_size, mpy_version = collect(
            args.micropython, args.mpy_cross, args.skip_cpython)
    except (RuntimeError, subprocess.CalledProcessError, OSError) as error:
        print("benchmark run failed: %s" % error, file=sys.stderr)
        return 1

    tables = render(runtimes, mpy_size)
    print(tables)
    if args.write:
        write_page(args.write, runtimes, mpy_size, mpy_version)
        print("wrote %s" % args.write, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
