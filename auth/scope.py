"""Row scope compiled into Cypher: rows outside a subject's scope never leave the database.

The conditions are code-defined text over ``{c}`` (a child) or ``{f}`` (a fact); the subject's
region, organisations and visible kinds travel as parameters. Relationship scope follows the
child's *current* placements and services, so a move takes effect at once.
"""

from __future__ import annotations

import datetime as dt

from auth.policy import View
from auth.subject import Subject
from hub.children import region_prefix
from hub.facts import BY_LABEL
from schema.compile import Scope

# Transitions in progress give the receiving organisation access from the start of hand-over;
# a stalled one stays on its list (it is the case it must act on).
_IN_PROGRESS = "['PLANNED', 'HANDED_OVER', 'STALLED']"

_ROWS = {
    "region": "{c}.regionCode STARTS WITH $scope_region",
    "organisation": (
        "EXISTS { MATCH ({c})-[:HAS_FACT]->(scope_p:Placement)-[:AT]->(scope_o:Organisation) "
        "WHERE scope_p.endDate IS NULL AND scope_o.id IN $scope_orgs } "
        "OR EXISTS { MATCH ({c})-[:HAS_FACT]->(scope_t:Transition)-[:RECEIVING]->"
        "(scope_o:Organisation) WHERE scope_t.status IN " + _IN_PROGRESS +
        " AND scope_o.id IN $scope_orgs }"
    ),
    "centre": (
        "EXISTS { MATCH (scope_o:ResourceCenter)-[:SERVES]->(:School)<-[:AT]-"
        "(scope_p:Placement)<-[:HAS_FACT]-({c}) "
        "WHERE scope_o.id IN $scope_orgs AND scope_p.endDate IS NULL }"
    ),
    "sessions": (
        "EXISTS { MATCH ({c})-[:HAS_FACT]->(scope_s:ServiceSession)-[:BY]->(scope_o:Organisation) "
        "WHERE scope_o.id IN $scope_orgs AND scope_s.date >= $scope_since } "
        "OR EXISTS { MATCH ({c})-[:HAS_FACT]->(scope_w:WelfareStatus)-[:AT]->"
        "(scope_o:Organisation) WHERE scope_o.id IN $scope_orgs AND scope_w.endDate IS NULL } "
        "OR EXISTS { MATCH ({c})-[:HAS_FACT]->(scope_p:Placement)-[:AT]->(scope_o:Organisation) "
        "WHERE scope_p.endDate IS NULL AND scope_o.id IN $scope_orgs }"
    ),
}
SESSION_WINDOW = dt.timedelta(days=365)


def scope_for(view: View, subject: Subject, today: dt.date | None = None) -> Scope:
    rows = sorted(view.rows - {"none"})
    params: dict[str, object] = {}
    if not rows:
        return Scope(child=["false"], fact=["false"], params=params)
    if "region" in rows:
        params["scope_region"] = region_prefix(subject.region)
    if {"organisation", "centre", "sessions"} & set(rows):
        params["scope_orgs"] = list(subject.organisations)
    if "sessions" in rows:
        params["scope_since"] = (today or dt.date.today()) - SESSION_WINDOW
    child = ["(" + " OR ".join(f"({_ROWS[r]})" for r in rows) + ")"]
    region = params.get("scope_region") if rows == ["region"] else None
    fact: list[str] = []
    if view.facts != frozenset(BY_LABEL):
        params["scope_facts"] = sorted(view.facts)
        fact.append("any(scope_l IN labels({f}) WHERE scope_l IN $scope_facts)")
    return Scope(child=child, fact=fact, params=params,
                 region=str(region) if region is not None else None)
