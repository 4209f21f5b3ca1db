"""Charges that interrupt charges on another dimension keep both totals exact.

A charge writes only its own dimension's slots, so a charge on dimension A
that runs between any two bytecodes of a charge on dimension B must leave
both totals exact. On MicroPython, micropython.schedule() runs a callback
in the main thread between bytecodes, as a soft interrupt does. A second
thread keeps scheduling such callbacks while the main loop charges, and
each callback locks the heap around its charge, as a hard interrupt
handler would have it. Another test runs the charges in two threads,
which CPython can do too.

The main loop alternates a small amount, which stays inside the kernel's
fast window, with one above 2**28, which always takes the slow path, so
interrupts also land in the middle of the multi-step slow path.
"""

import sys

try:
    import time
except ImportError:
    # The qemu port has no time module; every test that waits also needs
    # _thread, which that port lacks too, so those tests skip there.
    time = None

from budgetkernel import Budget, Dim, Verdict

from _support import skip

try:
    import micropython
except ImportError:
    micropython = None

try:
    import _thread
except ImportError:
    _thread = None

DIM_A = Dim.TOKENS
DIM_B = Dim.BYTES
SMALL = 7
# Above the kernel's 2**28 fast window, so every such charge takes the
# slow path. It is still a small int on 32-bit ports, so charging it with
# the heap locked must not raise MemoryError.
LARGE = (1 << 28) + 3
# Every wait below gives up after this long instead of hanging.
TIMEOUT_MS = 20_000


def _ticks_ms():
    ticks = getattr(time, "ticks_ms", None)
    if ticks is not None:
        return ticks()
    return int(time.monotonic() * 1000)


def _elapsed_ms(start):
    diff = getattr(time, "ticks_diff", None)
    if diff is not None:
        return diff(_ticks_ms(), start)
    return _ticks_ms() - start


def _sleep_ms(ms):
    sleep_ms = getattr(time, "sleep_ms", None)
    if sleep_ms is not None:
        sleep_ms(ms)
    else:
        time.sleep(ms / 1000)


def _budget():
    """Return a budget whose two dimensions pass warn and limit on the way."""
    return (
        Budget.builder()
        .limit_with_warn(DIM_A, 1 << 40, 1 << 36)
        .limit_with_warn(DIM_B, 1 << 40, 1 << 36)
        .build()
    )


def _charge_main_loop(budget, state, done_index):
    """Charge DIM_B, alternating SMALL and LARGE, until state[done_index] is set.

    Returns the number of SMALL and LARGE charges made. Stops at TIMEOUT_MS.
    """
    small = 0
    large = 0
    start = _ticks_ms()
    while not state[done_index]:
        budget.charge(DIM_B, SMALL)
        budget.charge(DIM_B, LARGE)
        small += 1
        large += 1
        if _elapsed_ms(start) > TIMEOUT_MS:
            break
    return small, large


def _require_schedule_and_heap_lock():
    if micropython is None or not hasattr(micropython, "heap_lock"):
        skip("heap_lock is MicroPython-only")
    if not hasattr(micropython, "schedule"):
        skip("micropython.schedule is missing on this port")
    if _thread is None or time is None:
        skip("_thread or time is missing on this port")


def test_scheduled_charges_keep_totals_exact():
    _require_schedule_and_heap_lock()
    budget = _budget()
    callbacks = 2000
    # Preallocated counters, so the callback only stores small ints:
    # [ran, MemoryError, other error, heap proven locked, scheduled, thread done]
    state = [0, 0, 0, 0, 0, 0]

    def on_interrupt(_arg):
        micropython.heap_lock()
        try:
            try:
                budget.charge(DIM_A, LARGE)
            except MemoryError:
                state[1] += 1
            except Exception:
                state[2] += 1
            # Prove the lock held during the charge: building a list must fail.
            try:
                [_arg]
            except MemoryError:
                state[3] += 1
        finally:
            micropython.heap_unlock()
        state[0] += 1

    def scheduler():
        try:
            start = _ticks_ms()
            while state[4] < callbacks and _elapsed_ms(start) < TIMEOUT_MS:
                try:
                    micropython.schedule(on_interrupt, 0)
                    state[4] += 1
                except RuntimeError:
                    # The schedule queue is full; let the main thread drain it.
                    _sleep_ms(1)
        finally:
            state[5] = 1

    try:
        _thread.start_new_thread(scheduler, ())
    except (OSError, RuntimeError) as error:
        skip("cannot start a thread here: %r" % (error,))
    small, large = _charge_main_loop(budget, state, 5)
    assert state[5], "scheduling thread did not finish within %d ms" % TIMEOUT_MS

    # Callbacks still queued run at the next bytecode boundaries.
    start = _ticks_ms()
    while state[0] < state[4] and _elapsed_ms(start) < TIMEOUT_MS:
        for _ in range(100):
            pass
    ran = state[0]

    assert state[4] == callbacks, "only %d of %d callbacks scheduled" % (state[4], callbacks)
    assert ran == state[4], "%d callbacks scheduled, %d ran" % (state[4], ran)
    assert small > 0, "main loop made no charge"
    assert state[1] == 0, "%d interrupting charges raised MemoryError" % state[1]
    assert state[2] == 0, "%d interrupting charges raised an error" % state[2]
    assert state[3] == ran, "heap was locked in %d of %d callbacks" % (state[3], ran)
    assert budget.spent(DIM_A) == ran * LARGE
    assert budget.spent(DIM_B) == small * SMALL + large * LARGE


def test_scheduled_charges_keep_verdicts_right():
    _require_schedule_and_heap_lock()
    budget = _budget()
    ran = [0]

    def on_interrupt(_arg):
        micropython.heap_lock()
        try:
            budget.charge(DIM_A, LARGE)
        finally:
            micropython.heap_unlock()
        ran[0] += 1

    # 300 LARGE charges pass A's warn threshold (2**36) but not its limit
    # (2**40); the main loop then takes B past both.
    for _ in range(300):
        micropython.schedule(on_interrupt, 0)
        for _ in range(20):
            pass
        budget.charge(DIM_B, LARGE)
    start = _ticks_ms()
    while ran[0] < 300 and _elapsed_ms(start) < TIMEOUT_MS:
        for _ in range(100):
            pass
    for _ in range(4000):
        budget.charge(DIM_B, LARGE)

    assert ran[0] == 300
    assert budget.charge(DIM_A, 0) == Verdict.warn(DIM_A)
    assert budget.charge(DIM_B, 0) == Verdict.exhausted(DIM_B)
    assert budget.spent(DIM_A) == 300 * LARGE
    assert budget.spent(DIM_B) == 4300 * LARGE


def test_thread_charges_keep_totals_exact():
    if _thread is None or time is None:
        skip("_thread or time is missing on this port")
    budget = _budget()
    thread_charges = 20000
    # [charges made by the thread, errors in the thread, thread done]
    state = [0, 0, 0]

    def worker():
        try:
            for i in range(thread_charges):
                budget.charge(DIM_A, LARGE if i & 1 else SMALL)
                state[0] += 1
        except Exception:
            state[1] += 1
        finally:
            state[2] = 1

    set_interval = getattr(sys, "setswitchinterval", None)
    old_interval = sys.getswitchinterval() if set_interval else None
    if set_interval:
        # CPython switches threads every 5 ms by default; switch as often
        # as it can, so the thread's charges land inside the main loop's.
        set_interval(1e-6)
    try:
        try:
            _thread.start_new_thread(worker, ())
        except (OSError, RuntimeError) as error:
            skip("cannot start a thread here: %r" % (error,))
        small, large = _charge_main_loop(budget, state, 2)
    finally:
        if set_interval:
            set_interval(old_interval)

    assert state[2], "charging thread did not finish within %d ms" % TIMEOUT_MS
    assert state[1] == 0, "a charge in the thread raised"
    assert state[0] == thread_charges
    small_a = thread_charges // 2
    large_a = thread_charges - small_a
    assert budget.spent(DIM_A) == small_a * SMALL + large_a * LARGE
    assert budget.spent(DIM_B) == small * SMALL + large * LARGE
