"""Audit events: their fields, canonical form and hash.

An event is a flat map of strings, numbers, booleans and lists of strings, so it is stored as
the properties of one ``(:AuditEvent)`` node and reads back exactly as written: the canonical
JSON (sorted keys, no spaces, absent = null = left out) is then the same online and in an
archive, and ``hash = sha256(prevHash + canonical)`` can be checked anywhere.

Events hold ids and digests only: never a name, an ID number or a variable's value (variables
are kept as a keyed HMAC, so even a guessable value cannot be recovered without the key).
Modelled on FHIR AuditEvent / IHE basic audit: ``action`` is FHIR's C R U D E code, ``kind``
the event type, ``outcome`` a plain word.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from hub.settings import Settings

GENESIS = "0" * 64
# Not part of the hashed content: the link itself.
LINK_FIELDS = ("hash", "prevHash")

KINDS = ("graphql", "token", "ingest", "export", "policy", "audit", "webhook")
OUTCOMES = ("ok", "forbidden", "not_found", "error", "unauthenticated", "rate_limited")
# Outcomes that are refusals: counted by the "bursts of denials" flag.
DENIALS = frozenset({"forbidden", "not_found", "unauthenticated", "rate_limited"})

_ID = re.compile(r"^[A-Za-z0-9_.:@\-]{1,64}$")
# Field paths are deduplicated without indices, so this cap is only reached by odd documents;
# child ids are never capped (every disclosed child must be on the record).
MAX_LIST = 500


def now_iso() -> str:
    """UTC with microseconds and a fixed width, so strings sort as instants do."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_id() -> str:
    return "aud_" + uuid.uuid4().hex[:20]


def canonical(event: Mapping[str, Any]) -> str:
    content = {k: v for k, v in event.items() if k not in LINK_FIELDS and v is not None}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, event: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(event)).encode()).hexdigest()


def audit_key(settings: Settings) -> bytes:
    key = settings.audit_key or settings.id_hmac_key
    return key.get_secret_value().encode()


def variables_digest(settings: Settings, variables: Mapping[str, Any] | None) -> str | None:
    """A keyed digest of the variables: equal requests match, values stay unreadable."""
    if not variables:
        return None
    text = json.dumps(variables, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)
    return hmac.new(audit_key(settings), text.encode(), hashlib.sha256).hexdigest()


def document_hash(document: str | None) -> str | None:
    return hashlib.sha256(document.encode()).hexdigest() if document else None


def safe_id(settings: Settings, value: str | None) -> str | None:
    """An identifier as given when it looks like one; else its keyed digest (a client may put
    anything in a client_id field, even a person's name)."""
    if not value:
        return None
    if _ID.match(value):
        return value
    return "hmac:" + hmac.new(audit_key(settings), value.encode(), hashlib.sha256).hexdigest()[:32]


def strip_indices(paths: Iterable[str]) -> list[str]:
    """``child.screenings.0.diagnosis`` → ``child.screenings.diagnosis``, deduplicated."""
    seen = {".".join(p for p in path.split(".") if not p.isdigit()) for path in paths}
    return sorted(seen)[:MAX_LIST]


def field_paths(data: Any, prefix: str = "") -> list[str]:
    """The leaf paths of a response (list indices dropped): what was disclosed."""
    found: set[str] = set()

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            for item in value:
                walk(item, path)
        elif path and value is not None:
            found.add(path)

    walk(data, prefix)
    return sorted(found)[:MAX_LIST]


def clean(event: dict[str, Any]) -> dict[str, Any]:
    """Drops nulls and makes lists plain sorted string lists: what Neo4j will give back."""
    out: dict[str, Any] = {}
    for key, value in event.items():
        if value is None:
            continue
        if isinstance(value, list | tuple | set | frozenset):
            value = sorted({str(v) for v in value})
        out[key] = value
    return out
