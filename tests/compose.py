"""What Docker Compose would give a service, without Docker: the image's ENV, then the service's
``environment`` with ``${…}`` resolved from an ``.env`` as Compose resolves it."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent

# $$ | ${NAME} ${NAME:-d} ${NAME-d} ${NAME:?m} ${NAME?m} ${NAME:+r} ${NAME+r} | $NAME
_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)


class MissingVariable(Exception):
    """A ``${NAME:?message}`` whose variable is unset (or empty): Compose would refuse to run."""


def interpolate(text: str, env: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["named"]
        value, op, arg = env.get(name), match["op"], match["arg"] or ""
        present = value is not None and (value != "" or not (op or "").startswith(":"))
        if op in (":-", "-"):
            return value if present and value is not None else interpolate(arg, env)
        if op in (":?", "?"):
            if not present or value is None:
                raise MissingVariable(f"{name}: {arg}")
            return value
        if op in (":+", "+"):
            return interpolate(arg, env) if present else ""
        return value or ""

    return _VARIABLE.sub(one, text)


def service_environment(service: str, dotenv: dict[str, str],
                        compose_file: Path = ROOT / "docker-compose.yml") -> dict[str, str]:
    """The service's ``environment`` (mapping or list form), interpolated."""
    spec: dict[str, Any] = yaml.safe_load(compose_file.read_text(encoding="utf-8"))
    environment = spec["services"][service].get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) if "=" in item else (item, None)
                           for item in environment)
    resolved: dict[str, str] = {}
    for name, value in environment.items():
        if value is None:  # `- NAME` alone: taken from the environment Compose runs in
            if name in dotenv:
                resolved[name] = dotenv[name]
            continue
        resolved[name] = interpolate(str(value), dotenv)
    return resolved


def image_environment(dockerfile: Path = ROOT / "Dockerfile") -> dict[str, str]:
    """The ``ENV`` of the final stage of the Dockerfile (``ENV a=b c=d``, continued lines)."""
    text = dockerfile.read_text(encoding="utf-8").replace("\\\n", " ")
    stages = re.split(r"(?m)^FROM\s", text)
    found: dict[str, str] = {}
    for line in stages[-1].splitlines():
        if line.strip().upper().startswith("ENV "):
            for item in shlex.split(line.strip()[4:]):
                name, _, value = item.partition("=")
                found[name] = value
    return found
