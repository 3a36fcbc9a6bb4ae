"""What the departments record through the API 经接口记录: what no department file carries.

Assessments, IEP versions, itinerant-guidance visits, transitions (planned, handed over,
completed), dropout cases (opened, closed) and the placements in the welfare institution's class
(the school-status export names schools only, and the institution is none) are recorded with the
kernel's recording services (``hub.services``), the functions the GraphQL mutations call, as a
system subject of the department whose duty it is (recordedBy) in the child's county
(recordedIn). Nothing is written any other way.

The services are called as a department would call them, in the order things happen: a
transition is planned and handed over while the pupil is still on the old school's roll (after
that year's snapshot is loaded), and completed once a later snapshot shows the pupil at the new
school. Many calls share one transaction (``BATCH``); several transactions run at a time, each for
its own counties (``LANES``), so they never touch the same child, centre, committee or school.
Every call
carries an idempotency key made of the seed, the size and the record, so loading the same city
again records nothing twice.

Children and organisations are found by what the departments know: a child by the keyed hash
of its ID number, a school or resource centre by its 学校标识码, the welfare institution by its
name and region (the connector's key), an expert committee by its county
(``hub.reference.committee_id``).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from connectors.sources.civil_welfare import institution_code
from devtools.demo.city import Child, City, Fact, Stint
from hub.graph import Graph, Transaction
from hub.identity import IdProtector
from hub.reference import batches, committee_id
from hub.services import (
    CloseDropoutCase,
    OpenDropoutCase,
    PlaceChild,
    RecordAssessment,
    RecordServiceSession,
    StartTransition,
    TransitionStep,
    UpdatePlan,
    close_dropout_case,
    complete_transition,
    hand_over_transition,
    open_dropout_case,
    place_child,
    record_assessment,
    record_service_session,
    start_transition,
    update_plan,
)
from hub.subject import Subject
from hub.vocabulary import AssessmentKind, PlacementType, ServiceKind, Stage

SUBJECT_ID = "demo-data"
BATCH = 200  # service calls per transaction
# Transactions at a time. A call is a few statements, each a round trip that mostly waits, so
# four in flight keep two cores busy (measured: 1 → 6.7, 2 → 4.9, 4 → 4.0 ms a call).
LANES = 4

Step = Callable[[Transaction, str], Awaitable[object]]  # (transaction, the child's node id)


@dataclass(frozen=True)
class _Call:
    child: Child
    lane: str  # calls of one lane run in order; lanes never share a node they write
    step: Step


@dataclass
class Recorder:
    graph: Graph
    city: City
    protector: IdProtector
    counts: Counter[str] = field(default_factory=Counter)  # calls per service
    seconds: float = 0.0
    _children: dict[str, str] = field(default_factory=dict)  # child key → node id
    _organisations: dict[str, str] = field(default_factory=dict)  # code → node id
    _transitions: dict[str, str] = field(default_factory=dict)  # city fact id → node id

    def __post_init__(self) -> None:
        city = self.city
        self.tag = f"demo/{city.seed}/{len(city.children)}"
        self._child = {child.key: child for child in city.children}
        self._stint = {stint.id: stint for stint in city.stints}
        self._centre = {school.code: school.centre for school in city.schools}
        self._departing: dict[int, list[Fact]] = defaultdict(list)
        self._arriving: dict[int, list[Fact]] = defaultdict(list)
        for fact in city.facts:
            if fact.kind != "Transition" or fact.props["open"]:
                continue
            self._departing[self._stint[fact.props["from"]].last_year].append(fact)
            if fact.props["to"] is not None:
                self._arriving[self._stint[fact.props["to"]].first_year].append(fact)

    # -- what is recorded when --

    async def after_snapshot(self, year: int) -> int:
        """Transitions: those whose pupil the snapshot of ``year`` shows at the new school are
        completed; those whose pupil moves on at the next one are planned and handed over."""
        if not self._organisations:
            await self._find_organisations()
        calls = [self._complete(fact) for fact in self._arriving.get(year, [])]
        calls += [self._start(fact) for fact in self._departing.get(year, [])]
        return await self._run(calls)

    async def welfare_placements(self) -> int:
        """Civil affairs place the children of the welfare institution's class, stage by stage
        (each later placement closes the one before and records the transition)."""
        await self._find_organisations()
        calls = [self._place(stint) for stint in self.city.stints
                 if stint.kind == "WELFARE_CLASS"]
        return await self._run(calls)

    async def rest(self) -> int:
        """Assessments, plans, itinerant guidance, dropout cases, moves under way."""
        await self._find_organisations()
        calls: list[_Call] = []
        for fact in self.city.facts:
            if fact.kind == "Assessment":
                calls.append(self._assessment(fact))
            elif fact.kind == "Plan":
                calls.append(self._plan(fact))
            elif fact.kind == "ServiceSession" and fact.props["kind"] == "ITINERANT_GUIDANCE":
                calls.append(self._itinerant(fact))
            elif fact.kind == "DropoutCase":
                calls.append(self._dropout(fact))
            elif fact.kind == "Transition" and fact.props["open"]:
                calls.append(self._start(fact))
        return await self._run(calls)

    # -- one call each --

    def _subject(self, child: Child, department: str) -> Subject:
        return Subject(kind="system", id=SUBJECT_ID, department=department,
                       region=child.region_code, roles=frozenset({"system"}))

    def _key(self, record: str) -> str:
        return f"{self.tag}/{record}"

    def _call(self, fact: Fact, step: Step, lane: str | None = None) -> _Call:
        child = self._child[fact.child]
        return _Call(child, lane or child.region_code, step)

    def _start(self, fact: Fact) -> _Call:
        child = self._child[fact.child]
        props = fact.props
        edu = self._subject(child, "EDU")
        start = StartTransition(
            child_id="-", to_stage=Stage(props["toStage"]), to_type=PlacementType(props["toType"]),
            receiving_organisation_id=self._org(fact.org), planned_date=fact.date)

        async def step(tx: Transaction, child_id: str) -> None:
            data = start.model_copy(update={"child_id": child_id})
            found = await start_transition(tx, edu, data, self._key(fact.id))
            self._transitions[fact.id] = found
            self.counts["startTransition"] += 1
            if props["handedOverOn"] is not None:
                await hand_over_transition(tx, edu, TransitionStep(
                    id=found, date=props["handedOverOn"]), self._key(fact.id))
                self.counts["handOverTransition"] += 1

        return self._call(fact, step)

    def _complete(self, fact: Fact) -> _Call:
        edu = self._subject(self._child[fact.child], "EDU")

        async def step(tx: Transaction, child_id: str) -> None:
            await complete_transition(tx, edu, TransitionStep(
                id=self._transitions[fact.id], date=fact.props["completedOn"]),
                self._key(fact.id))
            self.counts["completeTransition"] += 1

        return self._call(fact, step)

    def _place(self, stint: Stint) -> _Call:
        child = self._child[stint.child]
        civil = self._subject(child, "CIVIL")
        grade = stint.grade(stint.last_year)
        place = PlaceChild(
            child_id="-", organisation_id=self._organisations["welfare"],
            placement_type=PlacementType(stint.kind), stage=Stage(stint.stage),
            grade=f"{grade}年级" if grade else None, start_date=stint.start)

        async def step(tx: Transaction, child_id: str) -> None:
            data = place.model_copy(update={"child_id": child_id})
            await place_child(tx, civil, data, self._key(stint.id))
            self.counts["placeChild"] += 1

        # One institution for the whole city: its calls keep to one lane.
        return _Call(child, "welfare", step)

    def _assessment(self, fact: Fact) -> _Call:
        props = fact.props
        edu = self._subject(self._child[fact.child], "EDU")
        assert fact.org is not None
        record = RecordAssessment(
            child_id="-", date=fact.date, kind=AssessmentKind(props["kind"]),
            recommendation=PlacementType(props["recommendation"]), summary=props["summary"],
            committee_id=committee_id(fact.org))
        return self._call(fact, self._simple(
            record_assessment, edu, record, fact.id, "recordAssessment"))

    def _plan(self, fact: Fact) -> _Call:
        props = fact.props
        edu = self._subject(self._child[fact.child], "EDU")
        plan = UpdatePlan(child_id="-", date=fact.date, goals=props["goals"],
                          rehabilitation_plan=props["rehabilitationPlan"],
                          health_care_plan=props["healthCarePlan"])
        return self._call(fact, self._simple(update_plan, edu, plan, fact.id, "updatePlan"))

    def _itinerant(self, fact: Fact) -> _Call:
        props = fact.props
        edu = self._subject(self._child[fact.child], "EDU")
        centre = self._centre[self._stint[props["stint"]].school]
        session = RecordServiceSession(
            child_id="-", kind=ServiceKind(props["kind"]), date=fact.date, hours=props["hours"],
            content=tuple(props["content"]), provider=props["provider"],
            organisation_id=self._org(centre, "centre"), notes=props["notes"])
        return self._call(fact, self._simple(
            record_service_session, edu, session, fact.id, "recordServiceSession"))

    def _dropout(self, fact: Fact) -> _Call:
        props = fact.props
        edu = self._subject(self._child[fact.child], "EDU")
        opening = OpenDropoutCase(child_id="-", date=fact.date, reason=props["reason"],
                                  actions=tuple(props["actions"]))

        async def step(tx: Transaction, child_id: str) -> None:
            data = opening.model_copy(update={"child_id": child_id})
            case = await open_dropout_case(tx, edu, data, self._key(fact.id))
            self.counts["openDropoutCase"] += 1
            if props["closedOn"] is not None:
                await close_dropout_case(tx, edu, CloseDropoutCase(
                    id=case, date=props["closedOn"], resolution=props["resolution"]),
                    self._key(fact.id))
                self.counts["closeDropoutCase"] += 1

        return self._call(fact, step)

    def _simple(self, service: Callable[..., Awaitable[str]], subject: Subject, data: Any,
                record: str, operation: str) -> Step:
        """One service call about the child, its input completed with the child's node id."""

        async def step(tx: Transaction, child_id: str) -> None:
            await service(tx, subject, data.model_copy(update={"child_id": child_id}),
                          self._key(record))
            self.counts[operation] += 1

        return step

    # -- finding nodes, running calls --

    def _org(self, code: str | None, kind: str = "school") -> str:
        assert code is not None
        return self._organisations[f"{kind}/{code}"]

    async def _find_organisations(self) -> None:
        rows = await self.graph.run(
            "MATCH (s:School) WHERE s.code IS NOT NULL "
            "RETURN 'school/' + s.code AS key, s.id AS id "
            "UNION ALL MATCH (c:ResourceCenter) WHERE c.code IS NOT NULL "
            "RETURN 'centre/' + c.code AS key, c.id AS id "
            "UNION ALL MATCH (w:WelfareInstitution {code: $welfare}) "
            "RETURN 'welfare' AS key, w.id AS id",
            {"welfare": institution_code(self.city.welfare_institution.name,
                                         self.city.welfare_institution.region_code)})
        self._organisations.update({row["key"]: row["id"] for row in rows})

    async def _find_children(self, children: list[Child]) -> None:
        wanted = {c.key: self.protector.hash(c.id_number) for c in children
                  if c.key not in self._children}
        if not wanted:
            return
        rows = await self.graph.run(
            "UNWIND $rows AS row MATCH (c:Child {idHash: row.hash}) "
            "RETURN row.key AS key, c.id AS id",
            {"rows": [{"key": key, "hash": digest} for key, digest in wanted.items()]})
        self._children.update({row["key"]: row["id"] for row in rows})
        missing = sorted(set(wanted) - self._children.keys())
        if missing:
            raise LookupError(f"{len(missing)} children of the demo city are not in the hub "
                              f"(first: {missing[0]}): a department file should have named them")

    async def _run(self, calls: list[_Call]) -> int:
        if not calls:
            return 0
        started = time.perf_counter()
        await self._find_children([call.child for call in calls])
        by_lane: dict[str, list[_Call]] = defaultdict(list)
        for call in calls:
            by_lane[call.lane].append(call)
        lanes: list[list[_Call]] = [[] for _ in range(LANES)]
        for group in sorted(by_lane.values(), key=len, reverse=True):
            min(lanes, key=len).extend(group)
        await asyncio.gather(*(self._lane(lane) for lane in lanes if lane))
        self.seconds += time.perf_counter() - started
        return len(calls)

    async def _lane(self, calls: list[_Call]) -> None:
        for batch in batches(calls, BATCH):
            async with self.graph.transaction() as tx:
                for call in batch:
                    await call.step(tx, self._children[call.child.key])
