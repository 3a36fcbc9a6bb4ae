"""Idempotency keys 幂等键: a retried mutation with the same key is a no-op returning the same node.

In the mutation's own transaction the service MERGEs ``(:IdempotencyKey {key})``, the key being
``subject id : operation : client key``. The uniqueness constraint on ``key`` makes a concurrent
call with the same key wait for the first one's transaction, then find its result.

- a new key: the operation runs, and the key stores the id of the node it wrote (``result``)
  and a fingerprint of the input;
- a key that already has a result and the same fingerprint: nothing is written, the stored id
  is returned;
- the same key with a different input: CONFLICT.

The key is written in the same transaction as the operation, so a failed operation leaves no key
and its retry runs again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Annotated

from pydantic import BaseModel, StringConstraints, TypeAdapter, ValidationError

from hub.errors import BadUserInput, Conflict
from hub.graph import Transaction
from hub.subject import Subject

ClientKey = Annotated[str, StringConstraints(min_length=1, max_length=200)]
_client_key: TypeAdapter[str] = TypeAdapter(ClientKey)


def fingerprint(operation: str, data: BaseModel | dict[str, object]) -> str:
    values = data.model_dump(mode="json") if isinstance(data, BaseModel) else data
    text = json.dumps([operation, values], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def scoped_key(subject: Subject, operation: str, client_key: str) -> str:
    try:
        key = _client_key.validate_python(client_key)
    except ValidationError:
        raise BadUserInput(
            "idempotencyKey: 幂等键长度应为 1–200 the idempotency key must be 1–200 characters",
            field="idempotencyKey",
        ) from None
    return f"{subject.id}:{operation}:{key}"


async def once(
    tx: Transaction,
    subject: Subject,
    operation: str,
    client_key: str | None,
    data: BaseModel | dict[str, object],
    action: Callable[[], Awaitable[str]],
) -> str:
    """Runs ``action`` (which returns the id of the node it wrote) at most once per key."""
    if client_key is None:
        return await action()
    key = scoped_key(subject, operation, client_key)
    digest = fingerprint(operation, data)
    rows = await tx.run(
        "MERGE (k:IdempotencyKey {key: $key}) "
        "ON CREATE SET k.operation = $operation, k.fingerprint = $fingerprint, "
        "k.subject = $subject, k.createdAt = datetime() "
        "RETURN k.result AS result, k.fingerprint AS fingerprint",
        {"key": key, "operation": operation, "fingerprint": digest, "subject": subject.id},
    )
    stored, stored_print = rows[0]["result"], rows[0]["fingerprint"]
    if stored_print != digest:
        raise Conflict(
            "该幂等键已用于不同的请求 this idempotencyKey was already used with a different "
            "input; use a new key for a new request",
            field="idempotencyKey",
        )
    if stored is not None:
        return str(stored)
    result = await action()
    await tx.run(
        "MATCH (k:IdempotencyKey {key: $key}) SET k.result = $result",
        {"key": key, "result": result},
    )
    return result
