"""Schema migrations: versioned Cypher files under ``hub/migrations``, applied in order, once.

A file is named ``NNNN_what.cypher`` and holds statements ending with ``;``. Each applied version
is recorded as a ``(:Migration {version, name, checksum, appliedAt})`` node, so ``hub db migrate``
and server start can both run it: what is recorded is skipped. Statements are written with
``IF NOT EXISTS`` so a half-applied file (a crash between two statements) can run again.

A migration that derives data by a rule the kernel owns (the current-placement pointer, 0013;
its mirror on the child, 0014; the search text of a name, 0016; the open-placement label, 0023)
does not copy the rule into Cypher: the file says what it is for, and :data:`STEPS` names the
kernel function run after its statements, which must be idempotent like them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from hub import current, names
from hub.graph import Graph

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.cypher$")


# (version, name) of a migration file → the kernel step run after its statements.
STEPS: dict[tuple[int, str], Callable[[Graph], Awaitable[None]]] = {
    (13, "current_placement"): current.sync_all,
    (14, "current_type_index"): current.sync_all,
    (16, "child_name_search"): names.backfill,
    (23, "open_placements"): current.label_all,
}


class MigrationError(Exception):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]
    checksum: str


def _statements(text: str) -> tuple[str, ...]:
    lines = [line for line in text.splitlines() if not line.strip().startswith("//")]
    return tuple(s.strip() for s in "\n".join(lines).split(";") if s.strip())


def available(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.cypher")):
        match = _FILE_NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_name.cypher")
        text = path.read_text(encoding="utf-8")
        found.append(
            Migration(
                version=int(match.group(1)),
                name=match.group(2),
                statements=_statements(text),
                checksum=hashlib.sha256(text.encode()).hexdigest(),
            )
        )
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError("two migration files share a version number")
    return found


def latest_version(directory: Path = MIGRATIONS_DIR) -> int:
    return max((m.version for m in available(directory)), default=0)


async def applied_versions(graph: Graph) -> set[int]:
    # Auto-commit, not a retried transaction: /readyz must answer at once when Neo4j is down.
    rows = await graph.autocommit("MATCH (m:Migration) RETURN collect(m.version) AS versions")
    return {int(v) for v in rows[0]["versions"]} if rows else set()


async def applied_version(graph: Graph) -> int:
    return max(await applied_versions(graph), default=0)


async def pending(graph: Graph, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Migrations not yet recorded, in order: a version merged later with a lower number than
    one already applied (branches landing out of order) is still applied."""
    done = await applied_versions(graph)
    return [m for m in available(directory) if m.version not in done]


async def migrate(graph: Graph, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Applies what is not yet recorded; returns the migrations it applied."""
    applied = []
    for migration in await pending(graph, directory):
        for statement in migration.statements:
            # Schema commands need their own transaction; the text is the repo's, not input.
            await graph.autocommit(statement)
        step = STEPS.get((migration.version, migration.name))
        if step is not None:
            await step(graph)
        await graph.write(
            "MERGE (m:Migration {version: $version}) "
            "SET m.name = $name, m.checksum = $checksum, m.appliedAt = datetime()",
            {"version": migration.version, "name": migration.name, "checksum": migration.checksum},
        )
        applied.append(migration)
    if applied:
        # An index is built in the background after CREATE; a migration is done when what it
        # created can answer (a full-text query on a populating index fails).
        await graph.autocommit("CALL db.awaitIndexes(600)")
    return applied
