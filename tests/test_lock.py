"""Installs are reproducible: every dependency is pinned in requirements.lock, and used."""

import re
import tomllib
from importlib import metadata

from packaging.requirements import Requirement

from tests.conftest import ROOT


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, version = line.partition("==")
        assert version, f"requirements.lock: '{line}' is not pinned with =="
        pins[_normal(name)] = version
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = [r for group in project["optional-dependencies"].values() for r in group]
    return [Requirement(r) for r in project["dependencies"] + extras]


def test_every_declared_dependency_is_pinned_within_its_range():
    pins = _lock()
    for requirement in _declared():
        name = _normal(requirement.name)
        assert name in pins, f"{requirement.name} is declared in pyproject.toml but not locked"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{requirement.name}=={pins[name]} in the lock is outside '{requirement.specifier}'"
        )


def test_the_environment_was_installed_from_the_lock():
    # `make test` installs with `-c requirements.lock`: what runs is what is locked.
    pins = _lock()
    for requirement in _declared():
        installed = metadata.version(requirement.name)
        assert installed == pins[_normal(requirement.name)], (
            f"{requirement.name} {installed} is installed, the lock says "
            f"{pins[_normal(requirement.name)]}: run `make test` again, or `make lock`"
        )
