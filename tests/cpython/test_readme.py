"""CPython-only: the README's Python examples print what their comments state.

Each `print(...)  # text` line in an example must print text. When the
environment variable MICROPYTHON names a MicroPython executable, the same
examples also run there and must print the same lines.
"""

import contextlib
import io
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# The sections with an example, and how many commented print lines each has.
EXAMPLES = (("## Example", 3), ("## Beyond the crate", 7))


def readme_example(heading):
    with open(os.path.join(ROOT, "README.md")) as readme:
        text = readme.read()
    start = text.index("```python\n", text.index("\n" + heading + "\n")) + len("```python\n")
    end = text.index("```", start)
    return text[start:end]


def expected_lines(code):
    return [line.split("# ", 1)[1].strip() for line in code.splitlines()
            if line.startswith("print(") and "# " in line]


@pytest.mark.parametrize("heading, count", EXAMPLES)
def test_readme_example_prints_its_comments(heading, count):
    code = readme_example(heading)
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(code, "README.md", "exec"), {})
    expected = expected_lines(code)
    assert len(expected) == count
    assert output.getvalue().splitlines() == expected


@pytest.mark.parametrize("heading, count", EXAMPLES)
def test_readme_example_runs_on_micropython(heading, count, tmp_path):
    micropython = os.environ.get("MICROPYTHON")
    if not micropython:
        pytest.skip("set MICROPYTHON to a MicroPython executable to run this")
    script = tmp_path / "readme_example.py"
    script.write_text(readme_example(heading))
    environment = dict(os.environ, MICROPYPATH=ROOT)
    result = subprocess.run([micropython, str(script)], capture_output=True, text=True,
                            env=environment, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == expected_lines(readme_example(heading))
