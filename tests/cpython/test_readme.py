"""CPython-only: the README's Python example prints what its comments state.

Each `print(...)  # text` line in the example must print text. When the
environment variable MICROPYTHON names a MicroPython executable, the same
example also runs there and must print the same lines.
"""

import contextlib
import io
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def readme_example():
    with open(os.path.join(ROOT, "README.md")) as readme:
        text = readme.read()
    start = text.index("```python\n", text.index("\n## Example")) + len("```python\n")
    end = text.index("```", start)
    return text[start:end]


def expected_lines(code):
    return [line.split("# ", 1)[1].strip() for line in code.splitlines()
            if line.startswith("print(") and "# " in line]


def test_readme_example_prints_its_comments():
    code = readme_example()
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(code, "README.md", "exec"), {})
    expected = expected_lines(code)
    assert len(expected) == 3
    assert output.getvalue().splitlines() == expected


def test_readme_example_runs_on_micropython(tmp_path):
    micropython = os.environ.get("MICROPYTHON")
    if not micropython:
        import pytest

        pytest.skip("set MICROPYTHON to a MicroPython executable to run this")
    script = tmp_path / "readme_example.py"
    script.write_text(readme_example())
    environment = dict(os.environ, MICROPYPATH=ROOT)
    result = subprocess.run([micropython, str(script)], capture_output=True, text=True,
                            env=environment, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == expected_lines(readme_example())
