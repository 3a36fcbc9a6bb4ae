"""The published contract (schema/contract.py): the committed SDL is the code's, the code breaks
nothing the last release published, a breaking change is reported, and every department's
example operations (schema/examples/) run with that department's role and purpose."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from graphql import BreakingChangeType, build_schema, parse, validate
from typer.testing import CliRunner

from auth.policy import default_policy
from hub.graph import Graph
from hub.settings import Settings
from schema import contract
from shell.cli import app
from tests.graphql_helpers import execute
from tests.test_auth_policy import subject_for, world  # noqa: F401 - the seeded graph

EXAMPLES = sorted(contract.EXAMPLES.glob("*.graphql"))
# Each department of auth/policy.yaml, and FIN for the figures-only role (finance and the
# other departments that read figures): each has at least one example.
DEPARTMENTS = {"edu", "health", "civil", "dpf", "fin"}


def test_the_committed_sdl_is_the_codes(settings: Settings) -> None:
    committed = contract.SDL_FILE.read_text(encoding="utf-8")
    assert committed == contract.current_sdl(settings), (
        "schema/schema.graphql 与代码不一致 differs from the code's schema: run "
        "`hub schema export` and commit the file (check `hub schema breaking` first)")


def test_nothing_the_last_release_published_is_broken(settings: Settings) -> None:
    release = contract.last_release()
    assert release is not None, "schema/releases/ holds no release SDL"
    # The last release is this version's or an earlier one's, never a later one's.
    assert contract.version_key(release) <= contract.version_key(
        Path(_pyproject_version() + ".graphql"))
    found = contract.changes(release.read_text(encoding="utf-8"), contract.current_sdl(settings))
    assert found.breaking == [], "\n".join(found.lines())


def test_a_removed_field_is_reported(settings: Settings, tmp_path: Path) -> None:
    release = contract.last_release()
    assert release is not None
    published = release.read_text(encoding="utf-8")
    # A deliberate break: Child.age removed, and an argument made required.
    broken = re.sub(r"\n  \"\"\"[^\"]*\"\"\"\n  age: Int\n|\n  age: Int\n", "\n", published,
                    count=1)
    broken = broken.replace("childTimeline(\n    childId: ID!\n    from: Date = null",
                            "childTimeline(\n    childId: ID!\n    from: Date!", 1)
    assert broken != published
    found = contract.changes(published, broken)
    kinds = {c.type for c in found.breaking}
    assert BreakingChangeType.FIELD_REMOVED in kinds
    assert any("Child.age" in c.description for c in found.breaking)
    assert BreakingChangeType.ARG_CHANGED_KIND in kinds or (
        BreakingChangeType.REQUIRED_ARG_ADDED in kinds)

    changed = tmp_path / "changed.graphql"
    changed.write_text(broken, encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(app, ["schema", "breaking", "--against", str(release),
                                  "--schema", str(changed)])
    assert refused.exit_code == 1, refused.output
    assert "FIELD_REMOVED" in refused.output and "Child.age" in refused.output
    fine = runner.invoke(app, ["schema", "breaking", "--against", str(release)])
    assert fine.exit_code == 0, fine.output


def test_export_writes_the_sdl(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "schema.graphql"
    done = CliRunner().invoke(app, ["schema", "export", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert out.read_text(encoding="utf-8") == contract.current_sdl(settings)


def _pyproject_version() -> str:
    text = (Path(__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    found = re.search(r'^version = "([^"]+)"', text, re.MULTILINE)
    assert found is not None
    return found.group(1)


def _header(path: Path) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"# (role|purpose|variables): (.+)$", line)
        if match:
            found[match.group(1)] = match.group(2).strip()
    found["variables"] = json.loads(found.get("variables", "{}"))
    return found


def test_every_department_has_examples() -> None:
    named = {path.name.split("-")[0] for path in EXAMPLES}
    assert named >= DEPARTMENTS, f"missing: {DEPARTMENTS - named}"
    policy_departments = {role.department.lower() for role in default_policy().spec.roles.values()
                          if role.department}
    assert policy_departments <= DEPARTMENTS


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
async def test_an_example_runs_with_its_role_and_purpose(
    world: Graph, settings: Settings, path: Path  # noqa: F811
) -> None:
    header = _header(path)
    role, purpose = header["role"], header["purpose"]
    policy = default_policy()
    subject = subject_for(role, purpose)
    assert policy.may_declare(subject, purpose), f"{role} may not declare {purpose}"
    assert path.name.split("-")[0] == subject.department.lower(), (path.name, role)
    text = path.read_text(encoding="utf-8")
    published = build_schema(contract.SDL_FILE.read_text(encoding="utf-8"))
    assert validate(published, parse(text)) == []  # valid against the published SDL
    outcome = await execute(world, settings, text, header["variables"], subject=subject)
    assert outcome.errors == [], outcome.errors
    assert outcome.data is not None
