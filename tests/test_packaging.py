"""The three dependency lists agree: pyproject.toml, environment.yml and binder/requirements.txt.

pyproject.toml holds lower bounds (what k8slearn works with); environment.yml and
binder/requirements.txt pin the exact versions the lessons were executed and tested with.
Strict nbval compares lesson outputs character for character, so a drifting pin (pandas HTML,
matplotlib reprs) breaks lessons: these tests keep the lists in step.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[1]

#: Tooling that is not a Python package dependency of the lessons.
CONDA_INFRASTRUCTURE = {"python", "pip"}
#: conda-forge names that differ from the PyPI name of the same thing.
CONDA_ALIASES = {"matplotlib-base": "matplotlib"}
#: Left out of Binder on purpose: Playwright only drives a browser in the browser tests, and
#: Binder has no Chromium (it would add ~165 MB to every Binder image).
NOT_ON_BINDER = {"playwright"}


def normalize(name: str) -> str:
    """PEP 503 normalised project name (``PyYAML`` -> ``pyyaml``)."""
    name = re.sub(r"[-_.]+", "-", name).lower()
    return CONDA_ALIASES.get(name, name)


def pyproject() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def pyproject_requirements() -> list[Requirement]:
    project = pyproject()["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    for extra in project.get("optional-dependencies", {}).values():
        reqs += [Requirement(r) for r in extra]
    return reqs


def binder_pins() -> dict[str, str]:
    """``name -> spec`` from binder/requirements.txt (spec is the text after the name)."""
    pins = {}
    for line in (ROOT / "binder" / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            pins[normalize(req.name)] = str(req.specifier)
    return pins


def _conda_spec(spec: str) -> tuple[str, str]:
    match = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(.*)", spec.strip())
    assert match, f"cannot read conda spec {spec!r}"
    return normalize(match.group(1)), match.group(2).replace(" ", "")


def environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def environment_pins() -> dict[str, str]:
    """``name -> spec`` for conda and pip entries of environment.yml, without python/pip/the package."""
    pins = {}
    for dep in environment()["dependencies"]:
        if isinstance(dep, dict):
            for line in dep.get("pip", []):
                if line.startswith("-") or line in (".", "./"):
                    continue  # `-e .`: k8slearn itself
                req = Requirement(line)
                pins[normalize(req.name)] = str(req.specifier)
        else:
            name, spec = _conda_spec(dep)
            if name not in CONDA_INFRASTRUCTURE:
                pins[name] = spec
    return pins


def exact_version(spec: str) -> str | None:
    match = re.fullmatch(r"==([0-9][0-9A-Za-z.+!]*)", spec)
    return match.group(1) if match and "*" not in spec else None


def test_pyproject_names_the_runtime_dependencies_of_the_design():
    names = {normalize(Requirement(r).name) for r in pyproject()["project"]["dependencies"]}
    assert names == {"networkx", "matplotlib", "pandas", "numpy", "ipywidgets", "pyyaml"}


def test_dev_extra_holds_everything_the_one_test_command_needs():
    dev = {normalize(Requirement(r).name) for r in pyproject()["project"]["optional-dependencies"]["dev"]}
    assert {"pytest", "nbval", "jupyterlab", "hypothesis", "ruff", "nbclient", "ipykernel", "playwright"} <= dev


def test_environment_yml_names_the_same_dependencies_as_pyproject():
    assert set(environment_pins()) == {normalize(r.name) for r in pyproject_requirements()}


def test_binder_names_the_same_dependencies_as_pyproject_except_browser_tooling():
    expected = {normalize(r.name) for r in pyproject_requirements()} - NOT_ON_BINDER
    assert set(binder_pins()) == expected


@pytest.mark.parametrize(
    "source, pins",
    [("binder/requirements.txt", binder_pins()), ("environment.yml", environment_pins())],
    ids=["every binder pin is exact", "every environment.yml pin is exact"],
)
def test_every_pin_is_exact(source, pins):
    loose = {name: spec for name, spec in pins.items() if exact_version(spec) is None}
    assert not loose, f"{source} must pin every package with ==: {loose}"


def test_binder_and_environment_pin_the_same_versions():
    binder, env = binder_pins(), environment_pins()
    differ = {name: (binder[name], env[name]) for name in binder.keys() & env.keys() if binder[name] != env[name]}
    assert not differ


def test_pyproject_lower_bounds_admit_the_pins():
    pins = {**environment_pins(), **binder_pins()}
    refused = {
        f"{req}": pins[normalize(req.name)]
        for req in pyproject_requirements()
        if normalize(req.name) in pins
        and not req.specifier.contains(Version(exact_version(pins[normalize(req.name)]) or "0"), prereleases=True)
    }
    assert not refused, f"pyproject ranges refuse the tested pins: {refused}"


def test_binder_and_environment_use_python_3_12():
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.12"
    assert "python=3.12" in environment()["dependencies"]
    assert pyproject()["project"]["requires-python"] == ">=3.10"


def test_version_has_a_single_source():
    namespace: dict = {}
    exec((ROOT / "k8slearn" / "_version.py").read_text(), namespace)
    assert re.fullmatch(r"\d+\.\d+\.\d+", namespace["__version__"])
    assert "version" in pyproject()["project"]["dynamic"]
    assert pyproject()["tool"]["hatch"]["version"]["path"] == "k8slearn/_version.py"


def test_wheel_ships_the_lessons_inside_the_package():
    wheel = pyproject()["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["force-include"] == {"notebooks": "k8slearn/notebooks"}
    assert pyproject()["project"]["scripts"] == {"k8slearn": "k8slearn.cli:main"}


def test_postbuild_installs_the_package_and_is_executable():
    post = ROOT / "binder" / "postBuild"
    text = post.read_text()
    assert post.stat().st_mode & 0o111
    assert "set -euo pipefail" in text
    assert "pip install --no-deps ." in text


def test_ci_never_downloads_a_browser():
    text = (ROOT / ".ci" / "run").read_text()
    assert "playwright install" not in text
    assert (ROOT / ".ci" / "run").stat().st_mode & 0o111
