"""Identity resolution 身份关联: which child a department's record is about.

The rules, strongest first (docs/ingest.md has the reasoning):

1. The resident ID number's keyed hash (``idHash``), wherever the ID came from: its own column,
   the first 18 characters of a disability certificate number, a student number that embeds it.
2. No ID number: the mother's ID hash + birth date, with sex and name to tell twins apart. Two
   candidates left means the record cannot be placed: it gets a child of its own and a review
   item per candidate — never a guess.
3. A record bringing both the child's ID and the mother's ID bridges the two: the child known by
   mother + birth date (+ sex, name) without an ID takes the ID hash, or, when a child with that
   hash already exists, is folded into it. So the links do not depend on file or row order.

Near matches (same name and birth date, and an ID one digit apart or a missing ID in a nearby
region) are never merged automatically: they become ``DuplicateCandidate`` review items, which a
person merges (reversibly) or rejects (the review queue, ``hub/services/duplicates.py``).

Resolution runs per batch: :meth:`Linker.prefetch` loads every child the batch could touch in a
few UNWIND queries, then rows are resolved in memory in file order, then :meth:`Linker.settle`
looks for near matches (one more read) and returns what to write, which
:func:`write_links` writes inside the batch's transaction (:meth:`Linker.flush` does both).

The reads of a batch may run while the previous batch's transaction is still being written
(connectors.pipeline overlaps them): ``prefetch`` is then given that batch's children
(``carried``), which take precedence over what the graph returns, so the result is the same as
if the reads had waited for the previous commit.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, LiteralString, Protocol

from hub.current import sync_current
from hub.graph import Transaction, native
from hub.identity import IdProtector
from hub.names import derived, name_key, simplified
from hub.outbox import EventKind, emit
from hub.vocabulary import Sex

__all__ = [
    "ChildState",
    "Identity",
    "LinkWrites",
    "Linker",
    "Reader",
    "Resolution",
    "name_key",
    "new_id",
    "same_name",
    "write_links",
]

REASON_AMBIGUOUS = "AMBIGUOUS_MOTHER_BIRTH"  # mother + birth date (+ sex, name) fits several
REASON_ONE_DIGIT = "ID_ONE_DIGIT_APART"  # same name and birth date, IDs differ in one digit
REASON_NO_ID_NEARBY = "SAME_NAME_BIRTH_NEARBY"  # same name and birth date, one has no ID


def same_name(first: str | None, second: str | None) -> bool:
    return first is not None and second is not None and name_key(first) == name_key(second)


def new_id(prefix: str) -> str:
    """A node id: short, random, its prefix naming the kind (``ch_``, ``plc_`` …)."""
    return f"{prefix}_{secrets.token_hex(8)}"


@dataclass(frozen=True)
class Identity:
    """What a record says about who the child is; plaintext IDs live only in memory."""

    id_number: str | None = None
    name: str | None = None
    sex: Sex | None = None
    birth_date: date | None = None
    mother_id: str | None = None
    region_code: str | None = None
    # Link through an existing placement's student number only (home delivery without ID).
    student_key: str | None = None
    disability_category: int | None = None
    disability_grade: int | None = None
    # A certificate states category and grade with authority; other sources only fill gaps.
    authoritative_disability: bool = False


# Graph property ↔ ChildState attribute; the order is the order written.
_PROPS: tuple[tuple[str, str], ...] = (
    ("name", "name"),
    ("sex", "sex"),
    ("birthDate", "birth_date"),
    ("idHash", "id_hash"),
    ("idCipher", "id_cipher"),
    ("idMasked", "id_masked"),
    ("motherIdHash", "mother_hash"),
    ("regionCode", "region_code"),
    ("disabilityCategory", "disability_category"),
    ("disabilityGrade", "disability_grade"),
)


@dataclass(eq=False)
class ChildState:
    """A child as the batch sees it: loaded from the graph or created by an earlier row."""

    id: str
    name: str | None = None
    sex: str | None = None
    birth_date: date | None = None
    id_hash: str | None = None
    id_cipher: str | None = None
    id_masked: str | None = None
    mother_hash: str | None = None
    region_code: str | None = None
    disability_category: int | None = None
    disability_grade: int | None = None
    new: bool = False
    dirty: set[str] = field(default_factory=set)
    absorbed_into: ChildState | None = None  # folded into another child by rule 3
    # The fold has been handed to a settle: the batch that made it writes it (or, for a child
    # never written, needs nothing), so later batches neither repeat it nor carry the child.
    fold_settled: bool = False

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> ChildState:
        values = {attr: native(record.get(prop)) for prop, attr in _PROPS}
        return cls(id=record["id"], **values)

    def final(self) -> ChildState:
        child = self
        while child.absorbed_into is not None:
            child = child.absorbed_into
        return child

    def set(self, attr: str, value: object) -> None:
        if value is not None and getattr(self, attr) != value:
            setattr(self, attr, value)
            self.dirty.add(attr)

    def fill(self, attr: str, value: object) -> None:
        """Set only when unknown: the first source to say it keeps it, whatever the order."""
        if getattr(self, attr) is None:
            self.set(attr, value)

    def changes(self) -> dict[str, Any]:
        attrs = {attr for _, attr in _PROPS} if self.new else self.dirty
        found = {prop: getattr(self, attr) for prop, attr in _PROPS
                 if attr in attrs and getattr(self, attr) is not None}
        if "name" in found:  # the matching key and the search text go with the name
            found.update(derived(found["name"]))
        return found



@dataclass(frozen=True)
class Resolution:
    child: ChildState
    created: bool  # the child did not exist before this row


@dataclass(frozen=True)
class Review:
    reason: str
    first: ChildState
    second: ChildState


class Reader(Protocol):
    """What the linker reads through: a Graph (its own read transactions) or a Transaction."""

    async def run(
        self, cypher: LiteralString, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class LinkWrites:
    """A batch's linkage outcome as statement parameters, ready for :func:`write_links`."""

    created: list[dict[str, Any]]
    changed: list[dict[str, Any]]
    folds: list[dict[str, Any]]
    reviews: list[dict[str, Any]]


class Linker:
    """Resolves a batch's identities against the graph and the batch's own earlier rows."""

    def __init__(self, protector: IdProtector) -> None:
        self._protector = protector
        self._hash_cache: dict[str, str] = {}
        self.reset()

    def reset(self) -> None:
        self._by_id: dict[str, ChildState] = {}
        self._by_hash: dict[str, ChildState] = {}
        self._alias: dict[str, str] = {}  # idHash of a child merged away → the child kept
        self._by_mother: dict[tuple[str, date], list[ChildState]] = {}
        self._by_student: dict[str, ChildState] = {}
        self._reviews: list[Review] = []
        self._recheck: list[ChildState] = []  # new or re-identified: look for near matches
        self._written: list[ChildState] = []

    def hash(self, number: str) -> str:
        found = self._hash_cache.get(number)
        if found is None:
            found = self._protector.hash(number)
            if len(self._hash_cache) > 200_000:  # bound memory on very large loads
                self._hash_cache.clear()
            self._hash_cache[number] = found
        return found

    # --- prefetch -------------------------------------------------------------

    async def prefetch(
        self,
        tx: Reader,
        identities: Iterable[Identity],
        fact_children: Iterable[str],
        carried: Iterable[ChildState] = (),
    ) -> None:
        """Loads, in a few UNWIND queries, every child this batch's rows could resolve to.

        ``carried`` are the children of the batch before, whose writes the graph may not show
        yet: they are known first, so a stale copy the reads return is ignored.
        """
        self.reset()
        for child in carried:
            if child.id not in self._by_id:
                self._index(child)
        hashes: set[str] = set()
        pairs: set[tuple[str, date]] = set()
        students: set[str] = set()
        for identity in identities:
            if identity.id_number:
                hashes.add(self.hash(identity.id_number))
            if identity.mother_id and identity.birth_date:
                pairs.add((self.hash(identity.mother_id), identity.birth_date))
            if identity.student_key:
                students.add(identity.student_key)
        if hashes:
            [found] = await tx.run(_BY_HASH, {"hashes": sorted(hashes)})
            self._alias = {row["hash"]: row["into"] for row in found["aliases"]}
            self._load(found["children"])
        if pairs:
            params = [{"m": m, "b": b} for m, b in sorted(pairs)]
            [found] = await tx.run(_BY_MOTHER, {"pairs": params})
            self._load(found["children"])
        if students:
            [found] = await tx.run(_BY_STUDENT, {"keys": sorted(students)})
            for key, record in found["children"]:  # several on one number: the first, until
                self._by_student.setdefault(key, self._load_one(record))  # reviewed
        ids = sorted((set(fact_children) | set(self._alias.values())) - self._by_id.keys())
        if ids:
            [found] = await tx.run(_BY_ID, {"ids": ids})
            self._load(found["children"])

    def _load(self, records: Iterable[dict[str, Any]]) -> None:
        for record in records:
            self._load_one(record)

    def _load_one(self, record: dict[str, Any]) -> ChildState:
        known = self._by_id.get(record["id"])
        if known is not None:
            return known
        child = ChildState.from_record(record)
        self._index(child)
        return child

    def _index(self, child: ChildState) -> None:
        self._by_id[child.id] = child
        if child.id_hash:
            self._by_hash[child.id_hash] = child
        if child.mother_hash and child.birth_date:
            self._by_mother.setdefault((child.mother_hash, child.birth_date), []).append(child)

    def known(self, child_id: str) -> ChildState | None:
        child = self._by_id.get(child_id)
        return child.final() if child else None

    def written(self) -> list[ChildState]:
        """The children the last :meth:`settle` wrote (created, changed or folded away, and
        the children these were folded into), for the next batch's ``prefetch(carried=...)``.
        """
        return list(self._written)

    # --- resolution -----------------------------------------------------------

    def resolve(self, identity: Identity, current: ChildState | None = None) -> Resolution | None:
        """The child a record belongs to; None when it names no child the hub can find.

        ``current`` is the child the record's fact already hangs on (a re-load): records
        without an ID number stay where they are rather than being resolved again.
        """
        id_hash = self.hash(identity.id_number) if identity.id_number else None
        mother = self.hash(identity.mother_id) if identity.mother_id else None
        if id_hash:
            resolution = self._by_id_hash(identity, id_hash, mother)
        elif current is not None:
            resolution = Resolution(current.final(), created=False)
        elif mother and identity.birth_date:
            resolution = self._by_mother_only(identity, mother)
        elif identity.student_key:
            found = self._by_student.get(identity.student_key)
            if found is None:
                return None
            resolution = Resolution(found.final(), created=False)
        else:
            resolution = Resolution(self._create(identity, None, None), created=True)
        self._absorb_facts(resolution.child, identity, mother)
        return resolution

    def _by_id_hash(self, identity: Identity, id_hash: str, mother: str | None) -> Resolution:
        child = self._by_hash.get(id_hash)
        if child is None and id_hash in self._alias:
            kept = self._by_id.get(self._alias[id_hash])
            child = kept.final() if kept else None
        candidates = self._mother_candidates(identity, mother, without_id=True)
        if child is not None:
            child = child.final()
            candidates = [c for c in candidates if c is not child]
            chosen = _pick(candidates, identity)
            if chosen is not None:
                self._fold(chosen, child)
            else:
                self._review_all(child, candidates)
            return Resolution(child, created=False)
        chosen = _pick(candidates, identity)
        if chosen is not None:  # the infant known by its mother gets its own ID number
            self._give_id(chosen, identity.id_number or "", id_hash)
            return Resolution(chosen, created=False)
        created = self._create(identity, id_hash, mother)
        self._review_all(created, candidates)
        return Resolution(created, created=True)

    def _by_mother_only(self, identity: Identity, mother: str) -> Resolution:
        candidates = self._mother_candidates(identity, mother, without_id=False)
        chosen = _pick(candidates, identity)
        if chosen is not None:
            return Resolution(chosen, created=False)
        created = self._create(identity, None, mother)
        self._review_all(created, candidates)
        return Resolution(created, created=True)

    def _mother_candidates(
        self, identity: Identity, mother: str | None, *, without_id: bool
    ) -> list[ChildState]:
        if mother is None or identity.birth_date is None:
            return []
        found = self._by_mother.get((mother, identity.birth_date), [])
        return [
            c for c in found
            if c.absorbed_into is None
            and not (without_id and c.id_hash)
            and _compatible(c.sex, identity.sex)
            and _compatible(name_key(c.name), name_key(identity.name))
        ]

    def _create(self, identity: Identity, id_hash: str | None, mother: str | None) -> ChildState:
        child = ChildState(id=new_id("ch"), new=True)
        if identity.id_number and id_hash:
            protected = self._protector.protect(identity.id_number)
            child.id_hash, child.id_cipher = id_hash, protected.cipher
            child.id_masked = protected.masked
        child.mother_hash = mother
        child.birth_date = identity.birth_date
        self._index(child)
        self._recheck.append(child)
        return child

    def _give_id(self, child: ChildState, number: str, id_hash: str) -> None:
        protected = self._protector.protect(number)
        child.set("id_hash", id_hash)
        child.set("id_cipher", protected.cipher)
        child.set("id_masked", protected.masked)
        self._by_hash[id_hash] = child
        self._recheck.append(child)

    def _fold(self, absorbed: ChildState, kept: ChildState) -> None:
        """Rule 3: the ID-less child and the child with the ID are one; keep the latter."""
        absorbed.absorbed_into = kept
        for attr in ("name", "sex", "birth_date", "mother_hash", "region_code",
                     "disability_category", "disability_grade"):
            kept.fill(attr, getattr(absorbed, attr))

    def _absorb_facts(self, child: ChildState, identity: Identity, mother: str | None) -> None:
        had_name = child.name
        child.fill("name", identity.name)
        child.fill("sex", identity.sex)
        child.fill("birth_date", identity.birth_date)
        child.fill("region_code", identity.region_code)
        if mother and child.mother_hash is None and child.birth_date:
            child.set("mother_hash", mother)
            self._by_mother.setdefault((mother, child.birth_date), []).append(child)
        if identity.authoritative_disability:
            child.set("disability_category", identity.disability_category)
            child.set("disability_grade", identity.disability_grade)
        else:
            child.fill("disability_category", identity.disability_category)
            child.fill("disability_grade", identity.disability_grade)
        if had_name is None and child.name is not None and not child.new:
            self._recheck.append(child)

    def _review_all(self, child: ChildState, candidates: Sequence[ChildState]) -> None:
        for other in candidates:
            self._reviews.append(Review(REASON_AMBIGUOUS, child, other))

    # --- writing --------------------------------------------------------------

    async def flush(self, tx: Transaction, recorded_at: datetime) -> int:
        """Writes the batch's children, folds and review items; returns review items made."""
        return await write_links(tx, await self.settle(tx), recorded_at)

    async def settle(self, reader: Reader) -> LinkWrites:
        """Finds near matches (one read) and returns what the batch's linkage writes.

        Afterwards the children count as written: the next batch may carry them.
        """
        reviews = self._reviews + await self._near_matches(reader)
        live = [c for c in self._by_id.values() if c.absorbed_into is None]
        writes = LinkWrites(
            created=[{**c.changes(), "id": c.id} for c in live if c.new],
            changed=[{"id": c.id, "props": c.changes()} for c in live
                     if not c.new and c.dirty],
            folds=[{"from": c.id, "into": c.final().id} for c in self._by_id.values()
                   if c.absorbed_into is not None and not c.new and not c.fold_settled],
            reviews=_review_items(reviews),
        )
        # A child folded by an earlier batch is carried into the next batch only (whose reads
        # may still see it); re-listing it in every later batch made the carried children and
        # the fold statement grow with each batch, folding children already deleted.
        written = {c.id: c for c in self._by_id.values()
                   if c.new or c.dirty or (c.absorbed_into is not None and not c.fold_settled)}
        for child in list(written.values()):
            kept = child.final()
            written.setdefault(kept.id, kept)
        for child in self._by_id.values():
            child.new = False
            child.dirty = set()
            if child.absorbed_into is not None:
                child.fold_settled = True
        self._written = list(written.values())
        return writes

    async def _near_matches(self, reader: Reader) -> list[Review]:
        """Same name and birth date: children in the graph, and those this batch knows.

        The graph is read before the batch writes, so children the batch (or the one before)
        created or changed are matched in memory; a child folded away is no candidate.
        """
        checks = {c.final().id: c.final() for c in self._recheck}
        checks = {k: c for k, c in checks.items() if c.name and c.birth_date}
        if not checks:
            return []
        rows = await reader.run(_SAME_NAME_BIRTH, {"checks": [
            {"id": k, "name": c.name, "key": name_key(c.name), "birthDate": c.birth_date}
            for k, c in sorted(checks.items())
        ]})
        found: list[Review] = []
        for row in rows:
            known = self._by_id.get(row["o"]["id"])
            if known is not None and known.absorbed_into is not None:
                continue
            self._review_near(found, checks[row["id"]], self._load_one(row["o"]))
        same: dict[tuple[str, date], list[ChildState]] = {}
        for child in self._by_id.values():
            if child.absorbed_into is None and child.name and child.birth_date:
                same.setdefault((simplified(child.name), child.birth_date), []).append(child)
        for child in checks.values():
            assert child.name and child.birth_date
            for other in same.get((simplified(child.name), child.birth_date), ()):
                self._review_near(found, child, other)
        return found

    def _review_near(self, found: list[Review], child: ChildState, other: ChildState) -> None:
        other = other.final()
        if other is child:
            return
        reason = self._near(child, other)
        if reason:
            found.append(Review(reason, child, other))

    def _near(self, child: ChildState, other: ChildState) -> str | None:
        if child.id_cipher and other.id_cipher:
            # Plaintexts exist only here, in memory, to count differing digits.
            mine = self._protector.reveal(child.id_cipher)
            theirs = self._protector.reveal(other.id_cipher)
            differing = sum(a != b for a, b in zip(mine[:17], theirs[:17], strict=True))
            return REASON_ONE_DIGIT if differing == 1 else None
        if child.mother_hash and other.mother_hash and child.mother_hash != other.mother_hash:
            return None
        if not _compatible(child.sex, other.sex):
            return None
        if _nearby(child.region_code, other.region_code):
            return REASON_NO_ID_NEARBY
        return None


def _compatible(known: object, given: object) -> bool:
    return known is None or given is None or known == given


def _nearby(first: str | None, second: str | None) -> bool:
    """Same prefecture (first four digits), or a region unknown on either side."""
    return first is None or second is None or first[:4] == second[:4]


def _pick(candidates: Sequence[ChildState], identity: Identity) -> ChildState | None:
    """The one candidate the record fits; None when there are none or several (no guessing)."""
    if len(candidates) == 1:
        return candidates[0]
    if identity.name:
        named = [c for c in candidates if same_name(c.name, identity.name)]
        if len(named) == 1:
            return named[0]
    return None


def _pair(first: str, second: str) -> str:
    return "|".join(sorted((first, second)))


async def write_links(tx: Transaction, writes: LinkWrites, recorded_at: datetime) -> int:
    """Writes a batch's children, folds and review items; returns review items made."""
    if writes.created:
        await tx.run(_CREATE_CHILDREN, {"children": writes.created})
    if writes.changed:
        await tx.run(_UPDATE_CHILDREN, {"children": writes.changed})
    if writes.folds:
        await tx.run(_FOLD, {"folds": writes.folds})
        # The kept child may have been given placements, and the current one among them.
        await sync_current(tx, [fold["into"] for fold in writes.folds])
    if not writes.reviews:
        return 0
    rows = await tx.run(_REVIEWS, {"items": writes.reviews, "at": recorded_at})
    return int(rows[0]["created"]) if rows else 0


def _review_items(reviews: Sequence[Review]) -> list[dict[str, Any]]:
    items: dict[str, dict[str, Any]] = {}
    for review in reviews:
        first, second = review.first.final(), review.second.final()
        if first is second:
            continue
        pair = _pair(first.id, second.id)
        digest = hashlib.sha256(pair.encode()).hexdigest()[:16]
        items.setdefault(pair, {
            "pair": pair, "id": f"dup_{digest}", "reason": review.reason,
            "first": first.id, "second": second.id,
        })
    return list(items.values())


_CHILD_FIELDS: LiteralString = (
    "c {.id, .name, .sex, .birthDate, .idHash, .idCipher, .idMasked, .motherIdHash, "
    ".regionCode, .disabilityCategory, .disabilityGrade}"
)
# Children by ID hash, and children merged away by a reviewer whose hash now means another.
_BY_HASH: LiteralString = (
    "CALL () { UNWIND $hashes AS h MATCH (c:Child {idHash: h}) "
    "RETURN collect(" + _CHILD_FIELDS + ") AS children } "
    "CALL () { MATCH (m:MergedChild) WHERE m.idHash IN $hashes "
    "RETURN collect({hash: m.idHash, into: m.mergedInto}) AS aliases } "
    "RETURN children, aliases"
)
# Each read answers in one record (a list): the async driver reads every record as a message
# of its own through the event loop, ≈ 70 µs of Python a record (pipeline._EXISTING).
_BY_ID: LiteralString = (
    "UNWIND $ids AS i MATCH (c:Child {id: i}) RETURN collect(" + _CHILD_FIELDS + ") AS children"
)
_BY_MOTHER: LiteralString = (
    "UNWIND $pairs AS p MATCH (c:Child {motherIdHash: p.m}) WHERE c.birthDate = p.b "
    "RETURN collect(" + _CHILD_FIELDS + ") AS children"
)
_BY_STUDENT: LiteralString = (
    "UNWIND $keys AS k MATCH (c:Child)-[:HAS_FACT]->(:Placement {studentNumber: k}) "
    "WITH k, c ORDER BY c.id "
    "RETURN collect([k, " + _CHILD_FIELDS + "]) AS children"
)
# Same name as written, or the same matching key (a traditional form): two index seeks, on the
# composite indexes (migrations 0008, 0012). The hints keep them seeks: on statistics taken
# while the graph was being emptied or filled the planner was seen choosing a label scan
# (≈ 1,400 db hits a check instead of 2, issue 14).
_SAME_NAME_BIRTH: LiteralString = (
    "UNWIND $checks AS k CALL (k) { "
    "MATCH (c:Child {name: k.name}) USING INDEX c:Child(name, birthDate) "
    "WHERE c.birthDate = k.birthDate AND c.id <> k.id RETURN c "
    "UNION "
    "MATCH (c:Child {nameKey: k.key}) USING INDEX c:Child(nameKey, birthDate) "
    "WHERE c.birthDate = k.birthDate AND c.id <> k.id RETURN c "
    "} RETURN k.id AS id, " + _CHILD_FIELDS + " AS o"
)
_CREATE_CHILDREN: LiteralString = """
UNWIND $children AS props
CREATE (c:Child)
SET c = props
WITH c WHERE c.regionCode IS NOT NULL
MATCH (r:Region {code: c.regionCode})
CREATE (c)-[:LIVES_IN]->(r)
"""
_UPDATE_CHILDREN: LiteralString = """
UNWIND $children AS ch
MATCH (c:Child {id: ch.id})
SET c += ch.props
WITH c, ch WHERE ch.props.regionCode IS NOT NULL
CALL (c, ch) {
  MATCH (r:Region {code: ch.props.regionCode})
  OPTIONAL MATCH (c)-[old:LIVES_IN]->(o:Region) WHERE o <> r
  DELETE old
  MERGE (c)-[:LIVES_IN]->(r)
}
"""
# Rule 3 folds: facts and open review items move to the kept child, the ID-less one goes.
_FOLD: LiteralString = """
UNWIND $folds AS fold
MATCH (gone:Child {id: fold.from}), (kept:Child {id: fold.into})
CALL (gone, kept) {
  MATCH (gone)-[r:HAS_FACT]->(f)
  MERGE (kept)-[:HAS_FACT]->(f)
  DELETE r
}
CALL (gone, kept) {
  MATCH (d:DuplicateCandidate)-[r:CANDIDATE]->(gone)
  MERGE (d)-[:CANDIDATE]->(kept)
  DELETE r
}
DETACH DELETE gone
"""
_REVIEWS: LiteralString = """
UNWIND $items AS item
MATCH (a:Child {id: item.first}), (b:Child {id: item.second})
MERGE (d:DuplicateCandidate {pair: item.pair})
ON CREATE SET d.id = item.id, d.reason = item.reason, d.status = 'OPEN', d.createdAt = $at,
              d.isNew = true
MERGE (d)-[:CANDIDATE]->(a)
MERGE (d)-[:CANDIDATE]->(b)
WITH d, a, b, coalesce(d.isNew, false) AS created
REMOVE d.isNew
WITH d, a, b, created
FOREACH (_ IN CASE WHEN created THEN [1] ELSE [] END |
  """ + emit(EventKind.DUPLICATE_CANDIDATE_OPENED, "[a.id, b.id]", "d.id", "[]",
             "[a.regionCode, b.regionCode]") + """)
RETURN count(CASE WHEN created THEN 1 END) AS created
"""
