"""CPython-only: each example prints the transcript its logic implies.

The expected lines were worked out by hand from each example's limits and
cost tables. When the environment variable MICROPYTHON names a MicroPython
executable, the examples that run on both runtimes must print the same
bytes there.
"""

import contextlib
import io
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")

# Limits: tokens 1000 (warn 600), millis 800 (warn 600), calls 8. Brief
# steps cost a quarter of the tokens and half of the milliseconds.
AGENT_LOOP = """\
step 1 full: tokens=150 millis=60 calls=1 -> Verdict.CONTINUE
step 2 full: tokens=370 millis=150 calls=2 -> Verdict.CONTINUE
step 3 full: tokens=490 millis=190 calls=3 -> Verdict.CONTINUE
step 4 full: tokens=750 millis=300 calls=4 -> Verdict.warn(Dim.TOKENS)
degrade: switching to brief replies
step 5 brief: tokens=795 millis=335 calls=5 -> Verdict.warn(Dim.TOKENS)
step 6 brief: tokens=845 millis=375 calls=6 -> Verdict.warn(Dim.TOKENS)
step 7 brief: tokens=882 millis=405 calls=7 -> Verdict.warn(Dim.TOKENS)
step 8 brief: tokens=937 millis=450 calls=8 -> Verdict.warn(Dim.TOKENS)
step 9 brief: tokens=967 millis=470 calls=9 -> Verdict.exhausted(Dim.CALLS)
stop: calls exhausted, 33 tokens left
"""

# Per client and window: calls 3 (warn above 2), bytes 1000. A rejected
# request is not charged at all. The totals after each accepted request are
# in the comments, and the reboot restores them unchanged.
CLIENT_QUOTA = (
    "window 0 opens at 0s\n"
    "0s alice 200 bytes: accepted\n"  # alice: calls 1, bytes 200
    "5s bob 700 bytes: accepted\n"  # bob: calls 1, bytes 700
    # calls 2 is not above the warn threshold of 2 (strict comparison)
    "12s alice 300 bytes: accepted\n"  # alice: calls 2, bytes 500
    "20s alice 100 bytes: accepted, calls quota nearly used\n"  # alice: calls 3, bytes 600
    # bytes 700 + 400 = 1100 passes 1000, so bob keeps calls 1, bytes 700
    "31s bob 400 bytes: rejected, bytes quota exhausted\n"
    # bytes 700 + 300 = 1000 equals the limit, which is inclusive
    "38s bob 300 bytes: accepted\n"  # bob: calls 2, bytes 1000
    "reboot at 40s\n"
    "alice: calls=3 bytes=600 saved, calls=3 bytes=600 restored\n"
    "bob: calls=2 bytes=1000 saved, calls=2 bytes=1000 restored\n"
    # calls 4 passes 3 and bytes 1050 passes 1000, but the calls pair comes first
    "45s alice 450 bytes: rejected, calls quota exhausted\n"
    # calls 3 alone would warn, but bytes 1010 exhausts, and exhausted wins
    "50s bob 10 bytes: rejected, bytes quota exhausted\n"
    "window 1 opens at 60s\n"
    "61s alice 500 bytes: accepted\n"  # alice: calls 1, bytes 500 after the reset
    "70s bob 100 bytes: accepted\n"  # bob: calls 1, bytes 100 after the reset
)

# Per cycle: bytes 96 (warn above 64), calls 5 and millis 100, with
# 16-byte packets. Sends 2, 3, 6, 7, 8, 11, 12 and 14 are lost. With no
# airtime the millis total stays 0, so calls end cycle 3.
CONTROL_LOOP_NO_AIRTIME = """\
cycle 1
  reading 1 try 1: acked, bytes=16 calls=1 millis=0 -> Verdict.CONTINUE
  reading 2 try 1: lost, bytes=32 calls=2 millis=0 -> Verdict.CONTINUE
  reading 2 try 2: lost, bytes=48 calls=3 millis=0 -> Verdict.CONTINUE
  reading 2 try 3: acked, bytes=64 calls=4 millis=0 -> Verdict.CONTINUE
  reading 3 try 1: acked, bytes=80 calls=5 millis=0 -> Verdict.warn(Dim.BYTES)
  bytes above warn: status skipped, 3 of 3 readings sent
cycle 2
  reading 1 try 1: lost, bytes=16 calls=1 millis=0 -> Verdict.CONTINUE
  reading 1 try 2: lost, bytes=32 calls=2 millis=0 -> Verdict.CONTINUE
  reading 1 try 3: lost, bytes=48 calls=3 millis=0 -> Verdict.CONTINUE
  reading 2 try 1: acked, bytes=64 calls=4 millis=0 -> Verdict.CONTINUE
  reading 3 try 1: acked, bytes=80 calls=5 millis=0 -> Verdict.warn(Dim.BYTES)
  bytes above warn: status skipped, 2 of 3 readings sent
cycle 3
  reading 1 try 1: lost, bytes=16 calls=1 millis=0 -> Verdict.CONTINUE
  reading 1 try 2: lost, bytes=32 calls=2 millis=0 -> Verdict.CONTINUE
  reading 1 try 3: acked, bytes=48 calls=3 millis=0 -> Verdict.CONTINUE
  reading 2 try 1: lost, bytes=64 calls=4 millis=0 -> Verdict.CONTINUE
  reading 2 try 2: acked, bytes=80 calls=5 millis=0 -> Verdict.warn(Dim.BYTES)
  reading 3 try 1: not sent -> Verdict.exhausted(Dim.CALLS)
  calls exhausted: cycle stopped, 2 of 3 readings sent
cycle 4
  reading 1 try 1: acked, bytes=16 calls=1 millis=0 -> Verdict.CONTINUE
  reading 2 try 1: acked, bytes=32 calls=2 millis=0 -> Verdict.CONTINUE
  reading 3 try 1: acked, bytes=48 calls=3 millis=0 -> Verdict.CONTINUE
  status try 1: acked, bytes=64 calls=4 millis=0 -> Verdict.CONTINUE
  status sent, 3 of 3 readings sent
"""

# The same run with 25 ms per send: the fifth send of a cycle passes the
# 100 ms limit, and millis exhaustion wins over the bytes warn.
CONTROL_LOOP_25MS = """\
cycle 1
  reading 1 try 1: acked, bytes=16 calls=1 millis=25 -> Verdict.CONTINUE
  reading 2 try 1: lost, bytes=32 calls=2 millis=50 -> Verdict.CONTINUE
  reading 2 try 2: lost, bytes=48 calls=3 millis=75 -> Verdict.CONTINUE
  reading 2 try 3: acked, bytes=64 calls=4 millis=100 -> Verdict.CONTINUE
  reading 3 try 1: acked, bytes=80 calls=5 millis=125 -> Verdict.exhausted(Dim.MILLIS)
  millis exhausted: cycle stopped, 3 of 3 readings sent
cycle 2
  reading 1 try 1: lost, bytes=16 calls=1 millis=25 -> Verdict.CONTINUE
  reading 1 try 2: lost, bytes=32 calls=2 millis=50 -> Verdict.CONTINUE
  reading 1 try 3: lost, bytes=48 calls=3 millis=75 -> Verdict.CONTINUE
  reading 2 try 1: acked, bytes=64 calls=4 millis=100 -> Verdict.CONTINUE
  reading 3 try 1: acked, bytes=80 calls=5 millis=125 -> Verdict.exhausted(Dim.MILLIS)
  millis exhausted: cycle stopped, 2 of 3 readings sent
cycle 3
  reading 1 try 1: lost, bytes=16 calls=1 millis=25 -> Verdict.CONTINUE
  reading 1 try 2: lost, bytes=32 calls=2 millis=50 -> Verdict.CONTINUE
  reading 1 try 3: acked, bytes=48 calls=3 millis=75 -> Verdict.CONTINUE
  reading 2 try 1: lost, bytes=64 calls=4 millis=100 -> Verdict.CONTINUE
  reading 2 try 2: acked, bytes=80 calls=5 millis=125 -> Verdict.exhausted(Dim.MILLIS)
  millis exhausted: cycle stopped, 2 of 3 readings sent
cycle 4
  reading 1 try 1: acked, bytes=16 calls=1 millis=25 -> Verdict.CONTINUE
  reading 2 try 1: acked, bytes=32 calls=2 millis=50 -> Verdict.CONTINUE
  reading 3 try 1: acked, bytes=48 calls=3 millis=75 -> Verdict.CONTINUE
  status try 1: acked, bytes=64 calls=4 millis=100 -> Verdict.CONTINUE
  status sent, 3 of 3 readings sent
"""

# Limits: tokens 3000 (warn 2000), millis 10000 (warn 8000), calls 4. Full
# turns cost 700 tokens and brief ones 250. The answer needs five notes.
LLM_AGENT_1S_TURNS = """\
turn 1 full: search 'topic 1', tokens=700 millis=1000 calls=1 -> Verdict.CONTINUE
turn 2 full: search 'topic 2', tokens=1400 millis=2000 calls=2 -> Verdict.CONTINUE
turn 3 full: search 'topic 3', tokens=2100 millis=3000 calls=3 -> Verdict.warn(Dim.TOKENS)
warn: switching to brief turns
turn 4 brief: search 'topic 4', tokens=2350 millis=4000 calls=4 -> Verdict.warn(Dim.TOKENS)
turn 5 brief: search 'topic 5', tokens=2600 millis=5000 calls=5 -> Verdict.exhausted(Dim.CALLS)
"""


def example_environment():
    return dict(os.environ, PYTHONPATH=ROOT, MICROPYPATH=ROOT)


def run_example(interpreter, name):
    result = subprocess.run(
        [interpreter, os.path.join(EXAMPLES, name)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=example_environment(),
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def micropython():
    executable = os.environ.get("MICROPYTHON")
    if not executable:
        pytest.skip("set MICROPYTHON to a MicroPython executable to run this")
    return executable


def load_example(name):
    """Import examples/<name>.py as a module."""
    sys.path.insert(0, EXAMPLES)
    try:
        return __import__(name)
    finally:
        sys.path.pop(0)


def captured(function, *arguments):
    """Call function and return (its result, what it printed)."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        result = function(*arguments)
    return result, output.getvalue()


def without_millis(transcript):
    """Replace measured millisecond totals with 0."""
    return re.sub(r"millis=\d+", "millis=0", transcript)


def test_agent_loop_transcript():
    assert run_example(sys.executable, "agent_loop.py") == AGENT_LOOP


def test_agent_loop_on_micropython():
    assert run_example(micropython(), "agent_loop.py") == AGENT_LOOP


def test_client_quota_transcript():
    assert run_example(sys.executable, "client_quota.py") == CLIENT_QUOTA


def test_client_quota_on_micropython():
    assert run_example(micropython(), "client_quota.py") == CLIENT_QUOTA


class FakeTicks:
    """A ticks clock on which every send takes airtime_ms."""

    def __init__(self, airtime_ms):
        self.now = 0
        self.airtime_ms = airtime_ms

    def now_ms(self):
        return self.now

    def elapsed_ms(self, start):
        self.now += self.airtime_ms
        return self.now - start


def test_control_loop_without_airtime():
    control_loop = load_example("control_loop")
    _, printed = captured(control_loop.main, FakeTicks(0))
    assert printed == CONTROL_LOOP_NO_AIRTIME


def test_control_loop_with_25ms_sends():
    control_loop = load_example("control_loop")
    _, printed = captured(control_loop.main, FakeTicks(25))
    assert printed == CONTROL_LOOP_25MS


def test_control_loop_real_clock():
    # The real sends take well under the 100 ms limit, so only the measured
    # totals may differ from the run without airtime.
    printed = run_example(sys.executable, "control_loop.py")
    assert without_millis(printed) == CONTROL_LOOP_NO_AIRTIME


def test_control_loop_on_micropython():
    printed = run_example(micropython(), "control_loop.py")
    assert without_millis(printed) == CONTROL_LOOP_NO_AIRTIME


class FakeNanoseconds:
    """A monotonic_ns() stand-in whose every turn takes turn_ms."""

    def __init__(self, turn_ms):
        self.reads = 0
        self.turn_ns = turn_ms * 1_000_000

    def __call__(self):
        # A turn reads the clock twice, at its start and at its end.
        self.reads += 1
        return (self.reads // 2) * self.turn_ns


def test_llm_agent_partial_answer_on_calls():
    llm_agent = load_example("llm_agent")
    answer, printed = captured(llm_agent.answer, "q", llm_agent.default_budget(), FakeNanoseconds(1000))
    assert printed == LLM_AGENT_1S_TURNS
    notes = "facts on topic 1; facts on topic 2; facts on topic 3; facts on topic 4"
    assert answer == "partial answer to 'q' from 4 notes: " + notes


def test_llm_agent_partial_answer_on_millis():
    # Four-second turns pass the 10 s limit on turn 3, after its search ran.
    llm_agent = load_example("llm_agent")
    answer, printed = captured(llm_agent.answer, "q", llm_agent.default_budget(), FakeNanoseconds(4000))
    assert printed == (
        "turn 1 full: search 'topic 1', tokens=700 millis=4000 calls=1 -> Verdict.CONTINUE\n"
        "turn 2 full: search 'topic 2', tokens=1400 millis=8000 calls=2 -> Verdict.CONTINUE\n"
        "turn 3 full: search 'topic 3', tokens=2100 millis=12000 calls=3"
        " -> Verdict.exhausted(Dim.MILLIS)\n"
    )
    assert answer == "partial answer to 'q' from 3 notes: facts on topic 1; facts on topic 2; facts on topic 3"


def test_llm_agent_full_answer_with_room():
    llm_agent = load_example("llm_agent")
    budget = (
        llm_agent.Budget.builder()
        .limit_with_warn(llm_agent.Dim.TOKENS, 10_000, 2000)
        .limit(llm_agent.Dim.MILLIS, 100_000)
        .limit(llm_agent.Dim.CALLS, 10)
        .build()
    )
    answer, printed = captured(llm_agent.answer, "q", budget, FakeNanoseconds(1000))
    assert printed.splitlines()[-1] == (
        "turn 6 brief: answer, tokens=2900 millis=6000 calls=5 -> Verdict.warn(Dim.TOKENS)"
    )
    assert answer == "answer to 'q' from 5 notes"


def test_llm_agent_real_clock():
    printed = run_example(sys.executable, "llm_agent.py")
    notes = "facts on topic 1; facts on topic 2; facts on topic 3; facts on topic 4"
    expected = without_millis(LLM_AGENT_1S_TURNS)
    expected += "partial answer to 'why is the sky blue' from 4 notes: " + notes + "\n"
    assert without_millis(printed) == expected
