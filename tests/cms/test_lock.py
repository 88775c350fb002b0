"""The dependency locks (requirements/*.txt, made by `make lock`) are in step with pyproject.toml
and package-lock.json with package.json: every requirement is pinned to a version its range allows,
on Python 3.11 (Django 5.2) and 3.12+ (Django 6.1) alike, and every pin carries hashes."""

import json
import re
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9._\-\[\]]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")
PYTHONS = ["3.11.9", "3.12.3", "3.13.1"]


def environment(python: str) -> dict:
    return {"python_version": ".".join(python.split(".")[:2]), "python_full_version": python,
            "sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64",
            "os_name": "posix", "implementation_name": "cpython", "platform_python_implementation": "CPython",
            "extra": ""}


def read_lock(name: str) -> list[tuple[str, str, str | None, int]]:
    """(name, version, marker, number of hashes) for each pin."""
    pins, current = [], None
    for line in (ROOT / "requirements" / name).read_text().splitlines():
        match = PIN.match(line.strip())
        if match:
            current = [canonicalize_name(match.group(1).split("[")[0]), match.group(2), match.group(3), 0]
            pins.append(current)
        elif line.strip().startswith("--hash=sha256:") and current is not None:
            current[3] += 1
    return [tuple(p) for p in pins]


def pins_for(lock, python: str) -> dict[str, Version]:
    env = environment(python)
    return {name: Version(version) for name, version, marker, _ in lock
            if marker is None or Marker(marker).evaluate(env)}


def project_requirements(extras=()):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [Requirement(r) for r in project["dependencies"]]
    for extra in extras:
        requirements += [Requirement(r) for r in project["optional-dependencies"][extra]]
    return requirements


@pytest.mark.parametrize("python", PYTHONS)
@pytest.mark.parametrize(("lock_name", "extras"), [("dev.txt", ("dev",)), ("production.txt", ())])
def test_every_requirement_is_pinned_within_its_range(lock_name, extras, python):
    pins = pins_for(read_lock(lock_name), python)
    env = environment(python)
    problems = []
    for requirement in project_requirements(extras):
        if requirement.marker and not requirement.marker.evaluate(env):
            continue
        name = canonicalize_name(requirement.name)
        if name not in pins:
            problems.append(f"{requirement} is not in the lock")
        elif not requirement.specifier.contains(pins[name], prereleases=True):
            problems.append(f"{requirement}: the lock has {pins[name]}")
    assert not problems, f"requirements/{lock_name} is behind pyproject.toml, run `make lock`: {problems}"


def test_django_follows_the_python_version():
    pins = read_lock("dev.txt")
    assert pins_for(pins, "3.11.9")["django"].major == 5
    assert pins_for(pins, "3.12.3")["django"].major == 6


@pytest.mark.parametrize("lock_name", ["dev.txt", "production.txt"])
def test_every_pin_has_hashes(lock_name):
    lock = read_lock(lock_name)
    assert len(lock) > 30
    assert all(count >= 1 for *_, count in lock), [pin for pin in lock if pin[3] == 0]


def test_the_production_lock_has_no_development_tools():
    names = {name for name, *_ in read_lock("production.txt")}
    assert "wagtail" in names and "gunicorn" in names
    assert not names & {"pytest", "ruff", "playwright", "uv"}


def test_package_lock_follows_package_json():
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"][""]["dependencies"] == package["dependencies"], "run `make lock`"
    for name in package["dependencies"]:
        assert f"node_modules/{name}" in lock["packages"], f"{name} is not in package-lock.json"
