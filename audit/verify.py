"""Checking the log: the hash chain, the sequence and the signed checkpoints.

The same check runs on the database (``hub audit verify``) and on an export
(``hub audit verify --archive FILE``, needing only the public key). It walks the events in
their order (by ``seq`` online, by line in a file) and names the first that was altered,
deleted, inserted or reordered:

* every event must hash to its stored hash from its stored ``prevHash`` and content; one
  that does not was altered — unless it verifies with another ``seq``, which means it was
  moved (reordered), or events before it were removed or added (the numbers shifted);
* numbers run without gaps or repeats from the anchor (genesis, or the signed checkpoint left
  by an archive); a missing number is a deletion, a repeated one an insertion;
* each event's ``prevHash`` is the hash of the one before it;
* every checkpoint's signature verifies and its root is the hash of the event at its size, so
  a chain rewritten from some event on (all hashes recomputed) is still caught.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from audit import signing
from audit.events import GENESIS, chain_hash

_SEARCH = 64  # how far a moved event's original number is looked for


@dataclass(frozen=True)
class Problem:
    kind: str  # altered, deleted, inserted, reordered, checkpoint
    seq: int
    event_id: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.kind} at seq {self.seq}" + (
            f" (event {self.event_id})" if self.event_id else "") + f": {self.message}"


@dataclass(frozen=True)
class Report:
    events: int
    checkpoints: int
    first_seq: int
    last_seq: int
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _valid(event: Mapping[str, Any], seq: int | None = None) -> bool:
    content = dict(event) if seq is None else {**event, "seq": seq}
    return chain_hash(str(event.get("prevHash", "")), content) == event.get("hash")


def _original_seq(event: Mapping[str, Any], by_hash: dict[str, Mapping[str, Any]],
                  anchor_hash: str, anchor_seq: int) -> int | None:
    """The number an altered-looking event verifies with, if only its number was changed."""
    candidates: list[int] = []
    prev = str(event.get("prevHash", ""))
    if prev == anchor_hash:
        candidates.append(anchor_seq + 1)
    predecessor = by_hash.get(prev)
    if predecessor is not None:
        candidates.append(int(predecessor["seq"]) + 1)
    seq = int(event["seq"])
    candidates += [seq + d for d in range(-_SEARCH, _SEARCH + 1) if d]
    for candidate in candidates:
        if candidate != seq and candidate > anchor_seq and _valid(event, candidate):
            return candidate
    return None


def check_chain(events: Sequence[Mapping[str, Any]], anchor_seq: int = 0,
                anchor_hash: str = GENESIS, head_seq: int | None = None) -> Problem | None:
    """The first problem in events that should run anchor_seq+1, anchor_seq+2, … ."""
    by_hash = {str(e.get("hash")): e for e in events}
    counts = Counter(int(e["seq"]) for e in events)
    later: Counter[int] = Counter(counts)
    expected, prev = anchor_seq + 1, anchor_hash

    def eid(event: Mapping[str, Any]) -> str | None:
        return str(event["id"]) if event.get("id") else None

    for index, event in enumerate(events):
        seq = int(event["seq"])
        later[seq] -= 1
        following = events[index + 1] if index + 1 < len(events) else None
        if seq != expected:
            if seq > expected:
                if later[expected] > 0:
                    return Problem("reordered", seq, eid(event),
                                   f"event {seq} comes before event {expected}")
                missing = f"{expected}" if seq == expected + 1 else f"{expected}–{seq - 1}"
                return Problem("deleted", expected, None,
                               f"event(s) {missing} missing before event {seq}")
            if counts[seq] > 1:
                # Two events claim one number: the intruder is the one the chain skips.
                twins = [e for e in events if int(e["seq"]) == seq]
                nxt = next((e for e in events if int(e["seq"]) == seq + 1), None)
                genuine = [e for e in twins if _valid(e) and nxt is not None
                           and nxt.get("prevHash") == e.get("hash")]
                intruder = next((e for e in twins if e not in genuine), event)
                return Problem("inserted", seq, eid(intruder),
                               f"a second event claims number {seq}")
            return Problem("reordered", seq, eid(event),
                           f"event {seq} comes after event {expected - 1}")
        if not _valid(event):
            original = _original_seq(event, by_hash, anchor_hash, anchor_seq)
            if original is not None and original > seq:
                if any(_original_seq(e, by_hash, anchor_hash, anchor_seq) == seq
                       for e in events if e is not event and not _valid(e)):
                    return Problem("reordered", seq, eid(event),
                                   f"event written as number {original} now stands at {seq}")
                return Problem("deleted", seq, None,
                               f"event(s) {seq}–{original - 1} removed and the rest renumbered")
            if original is not None and original < seq:
                intruder = next((e for e in events if int(e["seq"]) == original), event)
                return Problem("inserted", original, eid(intruder),
                               f"event(s) added at {original}; later events renumbered")
            if following is not None and following.get("prevHash") == prev:
                return Problem("inserted", seq, eid(event),
                               "this event is not in the chain: the next one follows the "
                               "one before it")
            return Problem("altered", seq, eid(event),
                           "its content no longer matches its hash")
        if event.get("prevHash") != prev:
            earlier = by_hash.get(str(event.get("prevHash")))
            if earlier is not None and earlier is not event:
                return Problem("reordered", seq, eid(event),
                               f"it was written after event {earlier['seq']}")
            if index == 0:
                return Problem("deleted", seq, eid(event),
                               "the chain does not start at its anchor: earlier events removed")
            before = events[index - 1]
            return Problem("altered", int(before["seq"]), eid(before),
                           "its hash was rewritten: the next event does not follow it")
        prev = str(event["hash"])
        expected += 1
    if head_seq is not None and head_seq > expected - 1:
        last = f"{expected}" if head_seq == expected else f"{expected}–{head_seq}"
        return Problem("deleted", expected, None,
                       f"event(s) {last} missing at the end (the head says {head_seq})")
    return None


def check_checkpoints(events: Sequence[Mapping[str, Any]],
                      checkpoints: Sequence[Mapping[str, Any]],
                      public: Ed25519PublicKey, last_seq: int,
                      anchor_seq: int = 0) -> Problem | None:
    by_seq = {int(e["seq"]): e for e in events}
    ordered = sorted(checkpoints, key=lambda c: int(c["size"]))
    previous = anchor_seq
    for checkpoint in ordered:
        size = int(checkpoint["size"])
        if not signing.verify(public, checkpoint):
            return Problem("checkpoint", size, None,
                           "checkpoint signature does not verify (altered or another key)")
        if size > last_seq:
            return Problem("deleted", last_seq + 1, None,
                           f"a signed checkpoint covers {size} events but the log ends at "
                           f"{last_seq}")
        event = by_seq.get(size)
        if event is not None and event.get("hash") != checkpoint["root"]:
            first = by_seq.get(previous + 1)
            return Problem("altered", previous + 1, str(first["id"]) if first else None,
                           f"events {previous + 1}–{size} were rewritten: the chain no longer "
                           f"ends at the root signed for {size}")
        if event is not None:
            previous = size
    return None


def verify(events: Sequence[Mapping[str, Any]], checkpoints: Sequence[Mapping[str, Any]],
           public: Ed25519PublicKey, anchor_seq: int = 0, anchor_hash: str = GENESIS,
           head_seq: int | None = None) -> Report:
    problem = check_chain(events, anchor_seq, anchor_hash, head_seq)
    last = int(events[-1]["seq"]) if events else anchor_seq
    if problem is None:
        problem = check_checkpoints(events, checkpoints, public,
                                    max(last, head_seq or 0), anchor_seq)
    return Report(len(events), len(checkpoints), anchor_seq + 1, last, problem)
