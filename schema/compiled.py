"""Compiled queries kept by the shape of the question 已编译查询缓存.

A department system asks the same document again and again with another child's id
(``childTimeline(childId: $id)``, ``child(id: $id)``). Its Cypher text then depends on nothing
that changes between those requests: compiling it again (≈ 10 % of the hub's CPU on a timeline)
would give the same text and the same parameters but one. So a query looked up by its key is
kept under everything its compilation reads:

- the document's text and where the field stands in it (the selection, fragments, literals);
- every variable's value except the one that gives the key (page sizes, filters, directives);
- the policy view: the fields masked for the subject, and the shape of its scope — its
  conditions' text, the kinds of fact it sees, its parameters' names (their values, the
  subject's region or organisations, are the subject's own and are put in on every request);
- the page size limit.

A hit takes the kept text and parameters and sets the request's own key value and scope values.
The key's variable must be used nowhere else in the document (counted in its text, so an
unusual document is simply compiled each time). Anything the compiler reads beyond this list
would have to join the key — keyed lookups read nothing else (``tests/test_compiled.py`` shows
two subjects of different counties and two roles sharing a document without sharing answers).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import VariableNode

from auth.scope import Scope


@dataclass(frozen=True)
class Kept:
    cypher: str
    params: dict[str, Any]
    key_param: str  # the parameter holding the looked-up key


def _frozen(value: Any) -> Hashable:
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, set | frozenset):
        return frozenset(_frozen(v) for v in value)
    return value if isinstance(value, Hashable) else repr(value)


class CompiledQueries:
    """A bounded map from a question's shape to its compiled query (least recently used out)."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._kept: OrderedDict[Hashable, Kept] = OrderedDict()
        self.hits = 0

    def get(self, key: Hashable) -> Kept | None:
        kept = self._kept.get(key)
        if kept is not None:
            self._kept.move_to_end(key)
            self.hits += 1
        return kept

    def keep(self, key: Hashable, kept: Kept) -> None:
        self._kept[key] = kept
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)

    def __len__(self) -> int:
        return len(self._kept)


def shape_of(what: str, nodes: list[Any], variables: Mapping[str, Any], key_argument: str, *,
             scope: Scope, masked: frozenset[tuple[str, str]], max_page_size: int
             ) -> Hashable | None:
    """The shape of a keyed lookup (see the module's text), or None when it cannot be kept."""
    locations = [node.loc for node in nodes]
    if not nodes or any(loc is None for loc in locations):
        return None
    body = locations[0].source.body
    key_variable = None
    for argument in nodes[0].arguments:
        if argument.name.value == key_argument and isinstance(argument.value, VariableNode):
            key_variable = argument.value.name.value
    if key_variable is not None:
        # its definition and this one use: any other would make the text depend on its value
        uses = re.findall(r"\$" + re.escape(key_variable) + r"(?![_0-9A-Za-z])", body)
        if len(uses) != 2:
            return None
    scope_shape = (scope.child, scope.kinds, tuple(sorted(scope.params)))
    kept_variables = tuple(sorted((name, _frozen(value)) for name, value in variables.items()
                                  if name != key_variable))
    return (what, body, tuple(loc.start for loc in locations), kept_variables,
            masked, scope_shape, max_page_size)


def params_for(kept: Kept, scope: Scope, key_value: Any) -> dict[str, Any]:
    """The kept parameters with this request's key and this subject's scope values."""
    params = dict(kept.params)
    params.update(scope.params)
    params[kept.key_param] = key_value
    return params
