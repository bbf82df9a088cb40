"""The dependency split: what pyproject.toml declares is what the two lock files pin."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def _declared() -> tuple[set[str], set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {canonicalize_name(Requirement(r).name) for r in project["dependencies"]}
    dev = {canonicalize_name(Requirement(r).name) for r in project["optional-dependencies"]["dev"]}
    return runtime, dev


def _pinned(name: str) -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9._-]+)==(\S+)$", (ROOT / name).read_text(), flags=re.MULTILINE)
    return {canonicalize_name(package): version for package, version in pins}


def test_requirements_lock_pins_every_runtime_dependency_and_no_tool():
    runtime, dev = _declared()
    pinned = _pinned("requirements.txt")
    assert runtime - pinned.keys() == set()
    assert dev & pinned.keys() == set()


def test_requirements_dev_lock_pins_the_tools_at_the_runtime_versions():
    runtime, dev = _declared()
    runtime_pins, dev_pins = _pinned("requirements.txt"), _pinned("requirements-dev.txt")
    assert (runtime | dev) - dev_pins.keys() == set()
    assert {name: dev_pins[name] for name in runtime_pins} == runtime_pins
