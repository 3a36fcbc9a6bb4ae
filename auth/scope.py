"""Row scope: the one predicate every child and every fact passes before it leaves the database.

A subject's scope is conditions on a child (``{c}``) from its role's row rule, and the kinds of
fact it may see. A fact is in scope when its kind is visible *and* the child it belongs to is in
scope, so a fact fetched by its id, reached from a school or listed by an indicator is judged by
the same rule as one read under its child. The conditions are code-defined text; the subject's
region, organisations and visible kinds travel as parameters. Relationship scope follows the
child's *current* placements and services, so a move takes effect at once. The current placement
is read through its pointer (``hub.predicates.current_pupil``), written from the organisation's
side: one hop from the child, and no test of any placement's end date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from auth.policy import View
from hub.facts import BY_LABEL
from hub.graph import fill
from hub.predicates import current_pupil, in_subtree, not_ended, region_prefix
from hub.subject import Subject

# Transitions in progress give the receiving organisation access from the start of hand-over;
# a stalled one stays on its list (it is the case it must act on).
_IN_PROGRESS = "['PLANNED', 'HANDED_OVER', 'STALLED']"

_PLACED_AT_ORGS = (
    "EXISTS { MATCH (scope_o:Organisation)<-[:AT]-" + current_pupil("scope_p", "{c}") + " "
    "WHERE scope_o.id IN $scope_orgs }"
)
_ROWS = {
    "region": in_subtree("{c}", "$scope_region"),
    "organisation": (
        _PLACED_AT_ORGS + " OR EXISTS { MATCH ({c})-[:HAS_FACT]->(scope_t:Transition)"
        "-[:RECEIVING]->(scope_o:Organisation) WHERE scope_t.status IN " + _IN_PROGRESS +
        " AND scope_o.id IN $scope_orgs }"
    ),
    "centre": (
        "EXISTS { MATCH (scope_o:ResourceCenter)-[:SERVES]->(:School)<-[:AT]-"
        + current_pupil("scope_p", "{c}") + " WHERE scope_o.id IN $scope_orgs }"
    ),
    "sessions": (
        "EXISTS { MATCH ({c})-[:HAS_FACT]->(scope_s:ServiceSession)-[:BY]->(scope_o:Organisation) "
        "WHERE scope_o.id IN $scope_orgs AND scope_s.date >= $scope_since } "
        "OR EXISTS { MATCH ({c})-[:HAS_FACT]->(scope_w:WelfareStatus)-[:AT]->"
        "(scope_o:Organisation) WHERE scope_o.id IN $scope_orgs "
        f"AND {not_ended('scope_w')} }} OR " + _PLACED_AT_ORGS
    ),
}
SESSION_WINDOW = dt.timedelta(days=365)
# The variable of a fact's own child inside the fact predicate; never bound outside it.
_OWNER = "scope_owner"


@dataclass(frozen=True)
class Scope:
    """What one subject may receive. The default (no conditions) is the hub's own jobs."""

    child: tuple[str, ...] = ()  # conditions on "{c}"; none: every child
    kinds: frozenset[str] | None = None  # kinds of fact it sees; None: every kind
    params: dict[str, Any] = field(default_factory=dict)
    # The subtree prefix when the child condition is exactly "lives in this subtree", so that a
    # region filter inside it can be proved to imply it (``implied_by_region``).
    region: str | None = None

    @classmethod
    def nothing(cls) -> Scope:
        """No child and no fact: figures-only roles and auditors."""
        return cls(child=("false",), kinds=frozenset())

    def on_child(self, c: str) -> list[str]:
        """Conditions that child ``c`` is in scope."""
        return [fill(condition, c=c) for condition in self.child]

    def on_fact(self, f: str, owner: str | None = None) -> list[str]:
        """Conditions that fact ``f`` is in scope: a visible kind, about a child in scope.

        ``owner`` names a child variable already held to :meth:`on_child` from which ``f`` was
        reached by ``HAS_FACT``: its child condition is then the one already applied, and is not
        repeated. Anything else (a fact by id, from another fact, from an organisation) tests
        the fact's own child.
        """
        out: list[str] = []
        if self.kinds is not None:
            out.append("any(scope_l IN labels({f}) WHERE scope_l IN $scope_facts)"
                       if self.kinds else "false")
        if owner is None and self.child:
            inner = " AND ".join(self.on_child(_OWNER))
            out.append(f"EXISTS {{ MATCH ({_OWNER}:Child)-[:HAS_FACT]->({{f}}) WHERE {inner} }}")
        return [fill(condition, f=f) for condition in out]

    def sees(self, kind: str) -> bool:
        return self.kinds is None or kind in self.kinds

    def implied_by_region(self, prefix: str) -> bool:
        """Whether "lives under ``prefix``" implies the child condition: the condition is
        exactly a region subtree and ``prefix`` lies inside it."""
        return self.region is not None and prefix.startswith(self.region)


def scope_for(view: View, subject: Subject, today: dt.date | None = None) -> Scope:
    rows = sorted(view.rows - {"none"})
    if not rows:
        return Scope.nothing()
    params: dict[str, object] = {}
    if "region" in rows:
        params["scope_region"] = region_prefix(subject.region)
    if {"organisation", "centre", "sessions"} & set(rows):
        params["scope_orgs"] = list(subject.organisations)
    if "sessions" in rows:
        params["scope_since"] = (today or dt.date.today()) - SESSION_WINDOW
    child = ("(" + " OR ".join(f"({_ROWS[r]})" for r in rows) + ")",)
    region = params.get("scope_region") if rows == ["region"] else None
    kinds: frozenset[str] | None = None
    if view.facts != frozenset(BY_LABEL):
        kinds = view.facts
        params["scope_facts"] = sorted(view.facts)
    return Scope(child=child, kinds=kinds, params=params,
                 region=str(region) if region is not None else None)
