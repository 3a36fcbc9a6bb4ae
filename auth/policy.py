"""The access policy as data (``auth/policy.yaml``) and what it grants one subject.

A subject holds roles; each role names its department (a role only counts for a subject of that
department), its row scope, the kinds of fact it sees, the fields always masked for it, the
sensitive fields it may reveal with a declared purpose, and the kinds of fact it may write.
Several roles add up: rows, facts, reveals and writes are united; a field is always masked only
if every role masks it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.facts import BY_LABEL
from hub.settings import Settings
from hub.subject import Subject

DEFAULT_POLICY = Path(__file__).with_name("policy.yaml")
DEFAULT_COST_BUDGET = 50_000
RowScope = Literal["region", "organisation", "centre", "sessions", "none"]
FieldRef = tuple[str, str]  # (GraphQL type, field), e.g. ("Screening", "diagnosis")


class PolicyError(Exception):
    pass


class RoleRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str
    department: str | None = None
    rows: RowScope
    facts: list[str] = Field(default_factory=list)
    masked: list[str] = Field(default_factory=list)
    reveal: list[str] = Field(default_factory=list)
    purposes: list[str] = Field(default_factory=list)
    write: list[str] = Field(default_factory=list)
    # May review the queue of possible duplicates and merge, unmerge or reject them.
    link: bool = False
    cost: int | None = Field(default=None, ge=1)  # query-cost budget; None: the file's default


class PolicyFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    purposes: dict[str, str]
    sensitive: dict[str, list[str]]
    roles: dict[str, RoleRule]
    # Estimated query cost (schema/cost.py) a role may spend per operation unless it says.
    cost_budget: int = Field(default=DEFAULT_COST_BUDGET, ge=1)

    @model_validator(mode="after")
    def _consistent(self) -> PolicyFile:
        for name, role in self.roles.items():
            for kind in [*role.facts, *role.write]:
                if kind not in BY_LABEL:
                    raise ValueError(f"role {name}: unknown kind of fact {kind}")
            for ref in [*role.masked, *role.reveal]:
                _split(ref)
            unknown_purposes = set(role.purposes) - set(self.purposes)
            if unknown_purposes:
                raise ValueError(f"role {name}: unknown purposes {sorted(unknown_purposes)}")
        for ref, purposes in self.sensitive.items():
            _split(ref)
            unknown = set(purposes) - set(self.purposes)
            if unknown:
                raise ValueError(f"sensitive {ref}: unknown purposes {sorted(unknown)}")
        return self


def _split(ref: str) -> FieldRef:
    type_name, _, field_name = ref.partition(".")
    if not type_name or not field_name:
        raise ValueError(f"{ref}: fields are written Type.field")
    return type_name, field_name


@dataclass(frozen=True)
class View:
    """What one subject may see and do in one request."""

    rows: frozenset[str]
    facts: frozenset[str]
    masked: frozenset[FieldRef]
    # masked only for want of the right purpose: field → purposes that would reveal it
    purpose_would_reveal: dict[FieldRef, tuple[str, ...]] = field(default_factory=dict)
    write: frozenset[str] = frozenset()
    roles: tuple[str, ...] = ()
    policy_version: int = 0
    purposes: frozenset[str] = frozenset()  # the purposes of use its roles may declare
    link: bool = False  # may review and resolve possible duplicates
    cost_budget: int = DEFAULT_COST_BUDGET  # the largest of its roles' (schema/cost.py)

    @property
    def sees_children(self) -> bool:
        return bool(self.rows - {"none"})


class Policy:
    def __init__(self, spec: PolicyFile, digest: str) -> None:
        self.spec = spec
        self.digest = digest
        self.version = spec.version

    @classmethod
    def load(cls, path: Path = DEFAULT_POLICY) -> Policy:
        try:
            raw = path.read_bytes()
            spec = PolicyFile.model_validate(yaml.safe_load(raw))
        except (OSError, yaml.YAMLError, ValueError) as exc:
            raise PolicyError(f"policy {path}: {exc}") from None
        return cls(spec, hashlib.sha256(raw).hexdigest()[:16])

    def maskable(self) -> frozenset[FieldRef]:
        """Every field that some subject may get masked: the sensitive ones and those a role
        always masks. The API checks only these for masking."""
        always = (ref for role in self.spec.roles.values() for ref in role.masked)
        refs = [*self.spec.sensitive, *always]
        return frozenset(_split(ref) for ref in refs)

    def roles_of(self, subject: Subject) -> list[tuple[str, RoleRule]]:
        """The subject's roles that the policy knows and that fit its department."""
        found = []
        for name in sorted(subject.roles):
            role = self.spec.roles.get(name)
            if role is not None and role.department in (None, subject.department):
                found.append((name, role))
        return found

    def view(self, subject: Subject) -> View:
        roles = self.roles_of(subject)
        rows = frozenset(role.rows for _, role in roles) or frozenset({"none"})
        facts = frozenset(kind for _, role in roles for kind in role.facts)
        write = frozenset(kind for _, role in roles for kind in role.write)
        always = [frozenset(_split(ref) for ref in role.masked) for _, role in roles]
        masked = set(frozenset.intersection(*always)) if always else set()
        may_reveal = {_split(ref) for _, role in roles for ref in role.reveal}
        allowed = frozenset(p for _, role in roles for p in role.purposes)
        # A purpose the roles may not declare reveals nothing (the door refuses it anyway).
        declared = subject.purpose if subject.purpose in allowed else None
        would_reveal: dict[FieldRef, tuple[str, ...]] = {}
        for ref, purposes in self.spec.sensitive.items():
            key = _split(ref)
            if key in may_reveal and declared in purposes and key not in masked:
                continue
            masked.add(key)
            fitting = tuple(p for p in purposes if p in allowed)
            if key in may_reveal and fitting:
                would_reveal[key] = fitting
        return View(
            rows=rows,
            facts=facts,
            masked=frozenset(masked),
            purpose_would_reveal=would_reveal,
            write=write,
            roles=tuple(name for name, _ in roles),
            policy_version=self.version,
            purposes=allowed,
            link=any(role.link for _, role in roles),
            cost_budget=max(
                (role.cost or self.spec.cost_budget for _, role in roles),
                default=self.spec.cost_budget,
            ),
        )

    def may_declare(self, subject: Subject, purpose: str) -> bool:
        return any(purpose in role.purposes for _, role in self.roles_of(subject))

    def explain(self, subject: Subject, type_name: str, field_name: str) -> str:
        """Why a field is visible to a subject or not, in words (``hub policy explain``)."""
        view = self.view(subject)
        ref = f"{type_name}.{field_name}"
        if not view.roles:
            return f"{ref}: 无可用角色 no role of this subject applies (policy v{self.version})"
        if type_name in BY_LABEL and type_name not in view.facts:
            return f"{ref}: 不可见 hidden: roles {list(view.roles)} do not see {type_name} facts"
        if (type_name, field_name) in view.purpose_would_reveal:
            purposes = view.purpose_would_reveal[(type_name, field_name)]
            return (f"{ref}: 需声明用途 masked: declare one of {list(purposes)} to reveal it "
                    f"(declared: {subject.purpose or 'none'})")
        if (type_name, field_name) in view.masked:
            return f"{ref}: 已脱敏 masked for roles {list(view.roles)}"
        return f"{ref}: 可见 visible to roles {list(view.roles)}"


@cache
def _loaded(path: Path) -> Policy:
    return Policy.load(path)


def default_policy() -> Policy:
    return _loaded(DEFAULT_POLICY)


def policy_for(settings: Settings) -> Policy:
    """The policy in force: ``HUB_POLICY_FILE``, else the default. Every part of the hub gets
    it here, so none reads another file than the others."""
    return _loaded(settings.policy_file or DEFAULT_POLICY)
