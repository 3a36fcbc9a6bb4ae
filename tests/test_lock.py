"""Reproducible installs (issue 16): the locks pin every dependency pyproject.toml
names, within its bounds, with hashes, and the environment the tests run in is that lock."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
_PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;\\]+)")


def pins(lock: str = "requirements-dev.lock") -> dict[str, str]:
    found = {}
    for line in (ROOT / lock).read_text().splitlines():
        matched = _PIN.match(line)
        if matched:
            name = re.sub(r"\[.*\]", "", matched.group(1))
            found[canonicalize_name(name)] = matched.group(2)
    return found


def declared(*extras: str) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    named = [*project["dependencies"]]
    for extra in extras:
        named += project["optional-dependencies"][extra]
    return [Requirement(r) for r in named]


@pytest.mark.parametrize(("lock", "extras"), [("requirements.lock", ()),
                                              ("requirements-dev.lock", ("dev",))])
def test_the_locks_pin_every_declared_dependency_within_its_bounds(
    lock: str, extras: tuple[str, ...]
) -> None:
    locked = pins(lock)
    for requirement in declared(*extras):
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement.name} is not in {lock}: run `make lock`"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"{lock} has {requirement.name}=={locked[name]}, outside "
            f"{requirement.specifier}: run `make lock`")
    # The production image's lock is the tools' lock without the tools: the same versions.
    assert pins("requirements.lock").items() <= pins("requirements-dev.lock").items()


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_every_pin_carries_hashes(lock: str) -> None:
    text = (ROOT / lock).read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
    pinned = [b for b in blocks if _PIN.match(b)]
    assert pinned and all("--hash=sha256:" in b for b in pinned)


def test_the_installed_environment_is_the_lock() -> None:
    """`make install` installs exactly the lock: what runs the tests is what was pinned."""
    for name, version in pins().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue  # a platform-marked pin not for this machine
        assert installed == version, f"{name} {installed} installed, {version} locked"
