"""Field factories for the hub's types: each field reads its value from the compiled result.

A top-level resolver runs one Cypher query that returns the whole response tree as nested maps
keyed by response key (alias or field name). Every nested field then only looks its key up;
the graph mapping it was compiled from rides along in the field's metadata.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from hub.errors import BadUserInput
from schema.mapping import Connection, Prop, Related


def response_path(info: Info) -> str:
    return ".".join(str(key) for key in info.path.as_list())


def _is_masked(info: Info) -> bool:
    masked = info.context.masked
    return bool(masked) and (_parent_name(info), info.field_name) in masked


# The compiler puts, in the map of every child, fact, edge and page end, the id of the child it
# discloses, selected or not, so the audit knows which children a response disclosed. Not a
# GraphQL name: no alias can collide with it.
CHILD_KEY = "audit.childId"


def _parent_name(info: Info) -> str:
    # Called with strawberry's Info or, on the fast path, graphql-core's own resolve info.
    raw: Any = getattr(info, "_raw_info", info)
    return str(raw.parent_type.name)


def _note_redacted(info: Info) -> None:
    # The compiled query already returned nothing for it; say where (and which field, whatever
    # its alias), so clients can tell "hidden" from "empty".
    info.context.redacted.append(response_path(info))
    info.context.hidden.add((_parent_name(info), info.field_name))


def lookup(root: Any, info: Info) -> Any:
    value = root.get(info.path.key)
    if _is_masked(info):
        _note_redacted(info)
    return value


def reveal_id(root: Any, info: Info) -> Any:
    """The resident ID number: its masked form, or decrypted for roles allowed to reveal it."""
    value = root.get(info.path.key)
    if _is_masked(info) or info.context.protector is None:
        _note_redacted(info)
        return value
    return None if value is None else info.context.protector.reveal(value)


def prop(expr: str, description: str, masked: str | None = None) -> Any:
    return strawberry.field(resolver=lookup, description=description,
                            metadata={"graph": Prop(expr, masked)})


def related(description: str, pattern: str, **options: Any) -> Any:
    return strawberry.field(resolver=lookup, description=description,
                            metadata={"graph": Related(pattern, **options)})


First = Annotated[
    int | None, strawberry.argument(description="最多返回条数 At most this many items")
]
After = Annotated[
    str | None, strawberry.argument(description="从该游标之后开始 Start after this cursor")
]


def lookup_page(root: Any, info: Info, first: First = None, after: After = None) -> Any:
    return root.get(info.path.key)


def connection(description: str, pattern: str, where: str | None = None,
               reveals: frozenset[str] = frozenset()) -> Any:
    return strawberry.field(resolver=lookup_page, description=description,
                            metadata={"graph": Connection(pattern, where, reveals)})


# Cursors are opaque to clients; inside they are the last row's sort key (keyset paging).
_CURSOR_PREFIX = "k1:"


def encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode((_CURSOR_PREFIX + key).encode()).decode()


def decode_cursor(cursor: str) -> str:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        text = ""
    if not text.startswith(_CURSOR_PREFIX):
        raise BadUserInput("after 游标无效 the cursor in `after` is not one this API gave out",
                           field="after")
    return text.removeprefix(_CURSOR_PREFIX)


def lookup_cursor(root: Any, info: Info) -> Any:
    key = root.get(info.path.key)
    return None if key is None else encode_cursor(str(key))


# How a field's value is read from the compiled map, by its resolver: the fast path below and
# the direct answer (schema/direct.py) both go by this.
LOOKUP, CURSOR, ID_NUMBER = "lookup", "cursor", "idNumber"


def reading(field_def: Any) -> str | None:
    """How the field reads its value from the map (LOOKUP, CURSOR or ID_NUMBER), or None when
    its resolver does something else."""
    definition = (field_def.extensions or {}).get("strawberry-definition")
    resolver = getattr(definition, "base_resolver", None)
    func = getattr(resolver, "wrapped_func", None)
    if func is lookup_cursor:
        return CURSOR
    if func is reveal_id:
        return ID_NUMBER
    if func in (lookup, lookup_page) or func in _EXTRA_FAST:
        return LOOKUP
    return None


def install_fast_path(schema: strawberry.Schema, maskable: frozenset[tuple[str, str]]) -> None:
    """Lets graphql-core call the look-up resolvers directly, without strawberry's per-field
    wrapper: these fields take no input of their own (their arguments were compiled into the
    query), so the wrapper's argument conversion and Info object are pure overhead on every
    field of every response.

    A field that no policy can mask (``maskable``: every field the policy names) needs no check
    at all: it gets the bare look-up."""
    for named in schema._schema.type_map.values():
        fields = getattr(named, "fields", None)
        if not isinstance(fields, dict) or not hasattr(named, "is_type_of"):
            continue
        for name, field_def in fields.items():
            how = reading(field_def)
            if how is None:
                continue
            if how == LOOKUP and (named.name, name) not in maskable:
                field_def.resolve = _bare_lookup
            else:
                definition = field_def.extensions["strawberry-definition"]
                field_def.resolve = _direct(definition.base_resolver.wrapped_func)


def _bare_lookup(root: Any, info: Any, **_: Any) -> Any:
    return root.get(info.path.key)


_EXTRA_FAST: set[Any] = set()


def fast_resolver(func: Any) -> Any:
    """Marks another pass-through resolver (one that ignores its arguments) for the fast path."""
    _EXTRA_FAST.add(func)
    return func


def _direct(func: Any) -> Any:
    def resolve(root: Any, info: Any, **_: Any) -> Any:
        return func(root, info)

    return resolve
