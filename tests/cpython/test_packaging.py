"""CPython-only: the version strings agree and every package format installs.

The module is shipped three ways: a wheel or sdist for pip, package.json for
mip, and the root manifest.py for freezing into firmware. The slow tests
build the wheel and the sdist and install each into a fresh virtual
environment; `pytest -m "not slow"` leaves them out.
"""

import ast
import json
import os
import subprocess
import sys
import venv

import pytest

import budgetkernel

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Each slow test builds with pip in an isolated build environment, which
# fetches hatchling once and then reuses pip's cache.
BUILD_TIMEOUT = 120


def read_text(name):
    with open(os.path.join(ROOT, name)) as source:
        return source.read()


def manifest_version():
    """Return the version given to metadata() in the root manifest.py."""
    # The manifest runs only inside MicroPython's freeze tool, so it is
    # parsed here rather than executed.
    tree = ast.parse(read_text("manifest.py"))
    versions = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "metadata":
            for keyword in node.keywords:
                if keyword.arg == "version":
                    versions.append(ast.literal_eval(keyword.value))
    assert len(versions) == 1, "manifest.py must call metadata(version=...) once"
    return versions[0]


def module_source_version():
    """Return the __version__ string as written in budgetkernel.py."""
    for node in ast.parse(read_text("budgetkernel.py")).body:
        if isinstance(node, ast.Assign) and [t.id for t in node.targets] == ["__version__"]:
            return ast.literal_eval(node.value)
    raise AssertionError("budgetkernel.py has no top-level __version__ assignment")


def package_json():
    return json.loads(read_text("package.json"))


def test_versions_agree():
    version = budgetkernel.__version__
    assert module_source_version() == version
    assert manifest_version() == version
    assert package_json()["version"] == version


def test_package_json_names_existing_files():
    urls = package_json()["urls"]
    assert urls, "package.json lists no files"
    for target, url in urls:
        # A relative URL resolves against the folder of package.json, which
        # is the repository root.
        assert ":" not in url, "expected a relative URL, got %r" % url
        assert os.path.isfile(os.path.join(ROOT, url)), "%s does not exist" % url
        assert not os.path.isabs(target), "install path %r must be relative" % target
    assert ["budgetkernel.py", "budgetkernel.py"] in urls


class RecordingTransport:
    """The part of mpremote's transport that mip uses, writing to a dict."""

    def __init__(self):
        self.files = {}
        self.folders = set()

    def fs_exists(self, path):
        return path in self.folders or path in self.files

    def fs_mkdir(self, path):
        self.folders.add(path)

    def fs_hashfile(self, path, algorithm):
        raise FileNotFoundError(path)

    def fs_writefile(self, path, data, progress_callback=None):
        self.files[path] = data


def test_mpremote_mip_installs_package_json():
    # Calls mpremote's own installer with a local package.json, the way
    # `mpremote mip install package.json` does, but without a board.
    mip = pytest.importorskip("mpremote.mip")
    transport = RecordingTransport()
    package = os.path.join(ROOT, "package.json")
    mip._install_package(transport, package, "unused-index", "/lib", None, False)
    with open(os.path.join(ROOT, "budgetkernel.py"), "rb") as module:
        expected = module.read()
    assert sorted(transport.files) == ["/lib/budgetkernel.py"]
    assert transport.files["/lib/budgetkernel.py"] == expected


def run(command, cwd, timeout=BUILD_TIMEOUT):
    """Run command and return its stdout, failing the test with its output."""
    result = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, "%s failed:\n%s\n%s" % (command, result.stdout, result.stderr)
    return result.stdout


def fresh_venv_python(folder):
    """Create a virtual environment with pip in folder and return its python."""
    venv.create(folder, with_pip=True)
    return os.path.join(folder, "bin", "python")


INSPECT_INSTALL = """
import json, os, budgetkernel
site = os.path.dirname(budgetkernel.__file__)
print(json.dumps({
    "version": budgetkernel.__version__,
    "module": budgetkernel.__file__,
    "stub": os.path.isfile(os.path.join(site, "budgetkernel-stubs", "__init__.pyi")),
}))
"""


def install_and_inspect(tmp_path, artifact):
    """Install artifact into a new virtual environment and describe the result."""
    python = fresh_venv_python(str(tmp_path / "venv"))
    run([python, "-m", "pip", "install", "--no-deps", "--quiet", artifact], cwd=str(tmp_path))
    # Running from tmp_path keeps the repository's copy off sys.path.
    return json.loads(run([python, "-c", INSPECT_INSTALL], cwd=str(tmp_path)))


def built_file(folder, suffix):
    names = [name for name in os.listdir(folder) if name.endswith(suffix)]
    assert len(names) == 1, "expected one %s file in %s, got %r" % (suffix, folder, names)
    return os.path.join(folder, names[0])


@pytest.mark.slow
def test_wheel_installs_in_fresh_venv(tmp_path):
    dist = str(tmp_path / "dist")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", dist, ROOT], cwd=ROOT)
    wheel = built_file(dist, ".whl")
    assert os.path.basename(wheel) == "budgetkernel-%s-py3-none-any.whl" % budgetkernel.__version__

    installed = install_and_inspect(tmp_path, wheel)

    assert installed["version"] == budgetkernel.__version__
    assert installed["module"].startswith(str(tmp_path / "venv"))
    assert installed["stub"], "the wheel did not install budgetkernel-stubs/__init__.pyi"


@pytest.mark.slow
def test_sdist_installs_in_fresh_venv(tmp_path):
    # The repository's own build/ output folder can shadow the package as a
    # namespace package, which has no __file__.
    build = pytest.importorskip("build")
    if getattr(build, "__file__", None) is None:
        pytest.skip("the 'build' package is not installed")
    dist = str(tmp_path / "dist")
    run([sys.executable, "-m", "build", "--sdist", "--outdir", dist, ROOT], cwd=ROOT)
    sdist = built_file(dist, ".tar.gz")
    assert os.path.basename(sdist) == "budgetkernel-%s.tar.gz" % budgetkernel.__version__

    installed = install_and_inspect(tmp_path, sdist)

    assert installed["version"] == budgetkernel.__version__
    assert installed["module"].startswith(str(tmp_path / "venv"))
    assert installed["stub"], "the sdist did not install budgetkernel-stubs/__init__.pyi"
