"""Trusted documents 受信任的操作文档: registering a client's operations, and admitting a request
from a client that has them (the list itself is auth's: ``auth/trusted.py``).

Registering: a file of operations — a ``.graphql`` file of named operations (each becomes one
document with the fragments it uses, printed canonically), or a JSON manifest as persisted-
document tooling writes it (GraphQL Codegen's client preset ``{hash: document}``, Apollo's
``apollo-persisted-query-manifest``) — is parsed and validated against the schema with the
hub's own rules and limits; each document's greatest cost is fixed (``schema/cost.py``
``greatest``) and must fit the client's budget. One bad document refuses the whole file, naming
it, and nothing is written.

Admitting (before any GraphQL runs, ``schema/endpoint.py``): a request names a document by its
hash — ``documentId: "sha256:<hex>"`` (the GraphQL-over-HTTP persisted-documents appendix; a
bare hex is taken too) in the body or a GET's parameters, or Apollo's
``extensions.persistedQuery.sha256Hash`` — or sends its full text. A client with a list runs
only documents on it: a hash not on it is 404 ``PERSISTED_DOCUMENT_NOT_FOUND``, a text not on it
403 ``PERSISTED_DOCUMENT_NOT_ALLOWED``. A client without a list sends text as before; a hash
alone from it is 400 ``PERSISTED_QUERY_NOT_SUPPORTED`` (Apollo's code: its link then sends the
text). Each refusal is on the request's audit record with its code and the document's hash.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import strawberry
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    OperationDefinitionNode,
    Visitor,
    parse,
    print_ast,
    specified_rules,
    visit,
)
from graphql.validation import ASTValidationRule
from strawberry.extensions import AddValidationRules, SchemaExtension
from strawberry.schema.schema import validate_document

from audit.service import AuditRecord
from auth.policy import Policy
from auth.trusted import (
    AllowList,
    AllowLists,
    DocumentReader,
    TrustedDocument,
    document_hash,
)
from hub.errors import DATABASE_UNAVAILABLE, BadUserInput, QueryTimeout
from hub.graph import DB_ERRORS, Graph
from hub.settings import Settings
from hub.subject import Subject
from schema import http
from schema.console import MAX_IDS  # the longest list of ids the schema takes (childrenByIds)
from schema.cost import FixedCostError, greatest

_HEX = re.compile(r"[0-9a-f]{64}")
_UNREADABLE: tuple[type[Exception], ...] = (*DB_ERRORS, QueryTimeout)
APOLLO_MANIFEST = "apollo-persisted-query-manifest"


# --- registering ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Entry:
    """One document of a file, before it is checked: where it came from, and its text."""

    label: str  # what an error names: the operation's name, or the manifest's key
    text: str
    declared_hash: str | None = None  # the hash a manifest gives it


def read_file(path: Path) -> list[Entry]:
    """The documents of a ``.graphql`` file or a JSON manifest (BadUserInput naming what is
    wrong)."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadUserInput(f"documents: 无法读取 cannot read {path}: {exc}",
                           field="documents") from None
    if path.suffix.lower() == ".json":
        return _manifest(raw, path)
    return _operations(raw, path)


def _operations(raw: str, path: Path) -> list[Entry]:
    try:
        document = parse(raw)
    except GraphQLError as exc:
        raise BadUserInput(f"documents: {path.name} 语法错误 does not parse: {exc.message} "
                           f"{_where(exc)}", field="documents") from None
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    entries = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if definition.name is None:
            raise BadUserInput(f"documents: {path.name} 中的操作须有名称 every operation of a "
                               ".graphql file must be named", field="documents")
        own = DocumentNode(definitions=(definition, *_used(definition, fragments)))
        entries.append(Entry(definition.name.value, print_ast(own)))
    if not entries:
        raise BadUserInput(f"documents: {path.name} 中没有操作 holds no operation",
                           field="documents")
    return entries


def _used(operation: OperationDefinitionNode,
          fragments: dict[str, FragmentDefinitionNode]) -> list[FragmentDefinitionNode]:
    """The fragments an operation spreads, recursively, in the file's order."""
    wanted: set[str] = set()
    todo: list[Any] = [operation]

    class Spreads(Visitor):
        def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
            name = node.name.value
            if name not in wanted and name in fragments:
                wanted.add(name)
                todo.append(fragments[name])

    while todo:
        visit(todo.pop(), Spreads())
    return [f for name, f in fragments.items() if name in wanted]


def _manifest(raw: str, path: Path) -> list[Entry]:
    try:
        data = json.loads(raw)
    except ValueError:
        raise BadUserInput(f"documents: {path.name} 不是有效的 JSON is not valid JSON",
                           field="documents") from None
    pairs: list[tuple[str, Any]]
    if isinstance(data, dict) and data.get("format") == APOLLO_MANIFEST:
        operations = data.get("operations")
        if not isinstance(operations, list):
            raise BadUserInput("documents: operations 须为列表 must be a list",
                               field="documents")
        pairs = [(str(o.get("id")) if isinstance(o, dict) else "?",
                  o.get("body") if isinstance(o, dict) else None) for o in operations]
    elif isinstance(data, dict):
        pairs = list(data.items())  # GraphQL Codegen: {hash: document}
    else:
        raise BadUserInput(f"documents: {path.name} 须为 {{hash: document}} 或 Apollo 清单 "
                           "must be a {hash: document} map or an Apollo manifest",
                           field="documents")
    entries = []
    for key, text in pairs:
        if not isinstance(text, str) or not text.strip():
            raise BadUserInput(f"documents: {key} 的文档不是字符串 the document of {key} is not "
                               "a string", field="documents")
        declared = key.removeprefix("sha256:")
        entries.append(Entry(key, text, declared))
    if not entries:
        raise BadUserInput(f"documents: {path.name} 中没有文档 holds no document",
                           field="documents")
    return entries


def _where(error: GraphQLError) -> str:
    if error.locations:
        location = error.locations[0]
        return f"(line {location.line}, column {location.column})"
    return ""


def validation_rules(schema: strawberry.Schema) -> tuple[type[ASTValidationRule], ...]:
    """The rules a request's document is validated with: graphql's own and those the schema's
    extensions add (depth, aliases, introspection off: ``schema/api.py``)."""
    rules: list[type[ASTValidationRule]] = list(specified_rules)
    for extension in schema.extensions:
        made = extension if isinstance(extension, SchemaExtension) else extension()
        if isinstance(made, AddValidationRules):
            rules.extend(made.validation_rules)
    return tuple(rules)


def prepare(schema: strawberry.Schema, settings: Settings, policy: Policy, client: Subject,
            entries: Sequence[Entry]) -> list[TrustedDocument]:
    """Each entry checked as a request's document would be, with its greatest cost fixed;
    BadUserInput naming the first that fails (nothing is then written)."""
    rules = validation_rules(schema)
    budget = policy.view(client).cost_budget
    documents: list[TrustedDocument] = []
    for entry in entries:
        documents.append(_checked(schema, settings, rules, budget, entry))
    return documents


def _refused(entry: Entry, why: str) -> BadUserInput:
    return BadUserInput(f"documents: 操作 {entry.label} 不能登记 cannot be registered: {why}",
                        field="documents")


def _checked(schema: strawberry.Schema, settings: Settings,
             rules: tuple[type[ASTValidationRule], ...], budget: int, entry: Entry
             ) -> TrustedDocument:
    digest = document_hash(entry.text)
    if entry.declared_hash is not None and entry.declared_hash.lower() != digest:
        raise _refused(entry, f"清单中的哈希与文档不符 the manifest's hash is not the sha256 of "
                              f"its document ({digest})")
    try:
        document = parse(entry.text, max_tokens=settings.max_query_tokens)
    except GraphQLError as exc:
        raise _refused(entry, f"{exc.message} {_where(exc)}") from None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:
        raise _refused(entry, "一个文档须恰有一个操作 a document must hold exactly one operation")
    errors = validate_document(schema._schema, document, rules)
    if errors:
        raise _refused(entry, f"{errors[0].message} {_where(errors[0])}")
    try:
        cost = greatest(document, schema._schema, settings.max_page_size, MAX_IDS)
    except FixedCostError as exc:
        raise _refused(entry, str(exc)) from None
    if cost > budget:
        raise _refused(entry, f"最大代价 {cost} 超过该客户端的上限 {budget} its greatest cost "
                              f"{cost} exceeds the client's budget {budget}; bound its pages")
    operation = operations[0]
    return TrustedDocument(
        hash=digest, text=entry.text,
        operation_name=operation.name.value if operation.name else None,
        operation_type=operation.operation.value, cost=cost,
        canonical=document_hash(print_ast(document)),
    )


def reader(settings: Settings, policy: Policy) -> DocumentReader:
    """What ``hub clients`` is given to turn a file into a client's documents: the schema is
    built once, when a file is first read (auth/commands.py cannot import this folder)."""
    built: list[strawberry.Schema] = []

    def read(path: Path, client: Subject) -> list[TrustedDocument]:
        if not built:
            from schema.api import build_schema

            built.append(build_schema(settings))
        return prepare(built[0], settings, policy, client, read_file(path))

    return read


# --- admitting -----------------------------------------------------------------------------

class TrustedGate:
    """Admits a request's document for its subject, before any GraphQL runs."""

    def __init__(self, graph: Graph, settings: Settings) -> None:
        self.lists = AllowLists(graph, settings.token_status_cache_seconds)
        self.max_tokens = settings.max_query_tokens

    async def admit(self, params: http.Params, subject: Subject | None,
                    record: AuditRecord | None) -> http.Params:
        """The parameters to run: the registered text put in when a hash named it. Raises
        RequestProblem (coded, audited) when the subject may not send this document."""
        named = _named_hash(params)
        allow: AllowList | None = None
        if subject is not None and subject.kind == "client":
            try:
                allow = await self.lists.of(subject.id)
            except _UNREADABLE:
                # Which documents the client may send cannot be read: refused, as passing.
                raise http.RequestProblem(503, DATABASE_UNAVAILABLE, "UNAVAILABLE",
                                          [(b"retry-after", b"5")]) from None
        if named is not None and params.query:
            if named != document_hash(params.query):
                raise _problem(record, named, 400, "BAD_USER_INPUT",
                               "documentId 与 query 的 sha256 不符 the document id is not the "
                               "sha256 of the query sent with it")
            named = None  # the text, checked as text below
        if allow is None:
            if named is not None:
                raise _problem(record, named, 400, "PERSISTED_QUERY_NOT_SUPPORTED",
                               "此客户端未登记操作文档,请发送 query 全文 this client has no "
                               "registered documents: send the query text")
            return params
        if named is not None:
            found = allow.by_hash.get(named)
            if found is None:
                raise _problem(record, named, 404, "PERSISTED_DOCUMENT_NOT_FOUND",
                               f"sha256:{named} 不在此客户端登记的操作中 is not among this "
                               "client's registered documents")
            return dataclasses.replace(params, query=found.text)
        digest = document_hash(params.query)
        found = allow.by_hash.get(digest)
        if found is None:  # the same document spaced or commented otherwise
            canonical = _canonical(params.query, self.max_tokens)
            found = allow.by_canonical.get(canonical) if canonical else None
        if found is None:
            raise _problem(record, digest, 403, "PERSISTED_DOCUMENT_NOT_ALLOWED",
                           "此客户端只能发送登记过的操作 this client may send only its registered "
                           "documents (by documentId or in full)")
        return dataclasses.replace(params, query=found.text)


def _named_hash(params: http.Params) -> str | None:
    """The sha256 a request names its document by, if any (BAD_USER_INPUT when malformed)."""
    named = params.document_id
    if named is None:
        persisted = (params.extensions or {}).get("persistedQuery")
        if persisted is None:
            return None
        named = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if not isinstance(named, str):
            raise http.RequestProblem(400, "extensions.persistedQuery.sha256Hash 须为字符串 "
                                      "must be a string")
    prefix, colon, rest = named.partition(":")
    value = (rest if colon and prefix == "sha256" else named).lower()
    if not _HEX.fullmatch(value):
        raise http.RequestProblem(
            400, "documentId 须为 sha256:<64 位十六进制> the document id must be "
                 "sha256:<64 hex digits>")
    return value


def _canonical(text: str, max_tokens: int) -> str | None:
    try:  # bounded as the executor's parse is (MaxTokensLimiter)
        return document_hash(print_ast(parse(text, no_location=True, max_tokens=max_tokens)))
    except GraphQLError:
        return None


def _problem(record: AuditRecord | None, digest: str, status: int, code: str, message: str
             ) -> http.RequestProblem:
    if record is not None:
        record.document_hash = digest  # which document was refused, for the auditor
    return http.RequestProblem(status, message, code)
