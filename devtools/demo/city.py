"""The demo city 演示城市: 长治市 and its counties as plain data, one function of a seed.

`generate(children, seed)` is pure and deterministic (one ``random.Random(seed)``, ids from
counters, a fixed "today"), so a seed names one city exactly. The shares follow
``shared/DOMAIN.md``: placements are handed out by quota rather than by independent draws, so even
a few hundred children show the ladder's proportions.

The city is what the departments know, not graph nodes: schools are rows of the school register
(keyed by 学校标识码), a placement is a :class:`Stint` on the school-status roll school year by
school year, and every other record (:class:`Fact`) names its child by the generator's key and its
organisation by the code the departments use (学校标识码, credit code, county code). Which of these
reach the hub through a department file and which through the recording services is decided by
``exports`` and ``records``; node ids are the hub's own.

Resident ID numbers exist in clear only here, in memory, and in the export files, as the
departments' systems export them.
"""

from __future__ import annotations

import dataclasses
import gc
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

from stdnum.cn import ric, uscc

from devtools.demo import names
from hub import regions
from hub.facts import BY_LABEL
from hub.indicators.model import SchoolYear

# --- fixed reference points: no wall clock, so a seed always gives the same city -------------

TODAY = date(2026, 9, 1)  # the first day of the 2026–27 school year: the last snapshot's day
THIS_YEAR = TODAY.year  # the school year that starts today
SCHOOL_YEAR = (date(2025, 9, 1), date(2026, 7, 10))  # the year whose services are on record
WINTER_BREAK = (date(2026, 1, 17), date(2026, 2, 28))
TERMS = ((date(2025, 9, 1), date(2026, 1, 16)), (date(2026, 3, 1), date(2026, 7, 10)))
ONE_DAY = timedelta(days=1)

CITY_CODE = "140400"  # 长治市, Shanxi
# Relative population of the counties (潞州区 is the urban core); 上党区's weight also sets
# the share of children whose ID carries the retired code 140421 长治县 (≈ 5 %).
COUNTY_WEIGHTS: dict[str, float] = {
    "140403": 2.6, "140404": 1.0, "140405": 0.9, "140406": 0.8, "140423": 0.9, "140425": 0.5,
    "140426": 0.5, "140427": 0.8, "140428": 1.0, "140429": 0.6, "140430": 0.5, "140431": 0.5,
}
# The districts created in 2018 replaced these codes; an ID number keeps the code that was
# valid in its birth year (python-stdnum checks exactly that), so older children carry them.
PREDECESSORS: dict[str, tuple[str, ...]] = {
    "140403": ("140402", "140411"),  # 城区, 郊区
    "140404": ("140421",),  # 长治县
    "140405": ("140424",),  # 屯留县
    "140406": ("140481",),  # 潞城市
}
REFORM_YEAR = 2018

# Ages 0–17: fewer infants because most disabilities are identified later.
AGE_WEIGHTS = (2, 3, 4, 5, 5, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7)
# Category digit → weight among certified children (intellectual first, then multiple …).
CATEGORY_WEIGHTS = {5: 34, 7: 17, 4: 16, 2: 11, 6: 10, 1: 7, 3: 5}
GRADE_WEIGHTS = {1: 20, 2: 30, 3: 28, 4: 22}

# Compulsory stage (ages 6–14): not enrolled among school-age children, then placement types
# among those enrolled. Regular class takes what remains (≈ 53.5 %).
NOT_ENROLLED_SHARE = 0.025
COMPULSORY_SHARES = {
    "WELFARE_CLASS": 0.01,
    "HOME_DELIVERY": 0.045,
    "REMOTE": 0.005,
    "SPECIAL_SCHOOL": 0.30,
    "SPECIAL_CLASS": 0.10,
}
WELFARE_NAME = "长治市儿童福利院"
CITY_SPECIAL_SCHOOL = f"2{CITY_CODE}001"  # hosts the city's resource centre

# How a stint ends (None: it is current). GRADUATED, TRANSFERRED and DROPPED_OUT are what the
# school-status system says (毕业, 转出, 辍学) in the snapshot of the school year after the last
# one attended; LEFT is a pupil who stopped coming: simply missing from that snapshot.
LEFT = "LEFT"
ENDINGS = ("GRADUATED", "TRANSFERRED", "DROPPED_OUT", LEFT)

STAGE_SCHOOL = {"PRESCHOOL": "KINDERGARTEN", "PRIMARY": "PRIMARY", "JUNIOR": "JUNIOR",
                "SENIOR": "SENIOR", "VOCATIONAL": "VOCATIONAL"}
STAGE_YEARS = {"PRESCHOOL": 3, "PRIMARY": 6, "JUNIOR": 3, "SENIOR": 3, "VOCATIONAL": 3}
FIRST_GRADE: dict[str, int | None] = {"PRESCHOOL": None, "PRIMARY": 1, "JUNIOR": 7,
                                      "SENIOR": 10, "VOCATIONAL": 10}
PREVIOUS_STAGE = {"PRIMARY": "PRESCHOOL", "JUNIOR": "PRIMARY", "SENIOR": "JUNIOR",
                  "VOCATIONAL": "JUNIOR"}
NEXT_STAGE = {"PRESCHOOL": "PRIMARY", "PRIMARY": "JUNIOR", "JUNIOR": "VOCATIONAL",
              "SENIOR": "SENIOR", "VOCATIONAL": "VOCATIONAL"}
LADDER_UP = {"SPECIAL_SCHOOL": "SPECIAL_CLASS", "SPECIAL_CLASS": "REGULAR_CLASS",
             "HOME_DELIVERY": "SPECIAL_SCHOOL"}
AT_SPECIAL_SCHOOL = ("SPECIAL_SCHOOL", "HOME_DELIVERY", "REMOTE")
HD_CONTENT = ("EDUCATION", "REHABILITATION", "HEALTH")


def snapshot_day(year: int) -> date:
    """The day of school year ``year``'s school-status snapshot: its first day, the census day
    of 学籍 (``SchoolYear.census``), on which the year's moves show."""
    return SchoolYear(year).census


# --- the city, as plain immutable data ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class School:
    """A row of the school register 学校名录."""

    code: str  # 学校标识码
    name: str
    kind: str  # SchoolType
    region_code: str
    resource_room: bool
    special_classes: int | None
    centre: str | None  # 学校标识码 of the school whose resource centre guides this one
    hosts_centre: bool


@dataclass(frozen=True, slots=True)
class Institution:
    """A rehabilitation institution (``code``: its credit code) or the welfare institution
    (no code: civil affairs name it only)."""

    code: str
    name: str
    region_code: str


@dataclass(frozen=True, slots=True)
class Child:
    key: str  # the generator's own, never written
    name: str
    sex: str
    birth_date: date
    id_number: str
    mother_id_number: str | None
    mother_name: str | None
    region_code: str
    disability_category: int | None
    disability_grade: int | None
    special_needs: str | None


@dataclass(frozen=True, slots=True)
class Stint:
    """One placement: a pupil at a school, stage and placement type, school year after school
    year (``first_year``..``last_year``, each listed in that year's snapshot)."""

    id: str
    child: str
    stage: str
    kind: str  # PlacementType
    school: str  # 学校标识码; empty at the welfare institution
    first_year: int
    last_year: int
    first_grade: int | None
    class_names: tuple[str, ...]  # 班级 per school year, first_year first
    ending: str | None = None  # ENDINGS; None while current
    dated: bool = True  # the export fills 入学日期 in (a few leave it empty)

    @property
    def start(self) -> date:
        return snapshot_day(self.first_year)

    @property
    def end(self) -> date | None:
        """The day the placement ends in the hub: the snapshot that no longer has it in force."""
        return None if self.ending is None else snapshot_day(self.last_year + 1)

    def grade(self, year: int) -> int | None:
        return None if self.first_grade is None else self.first_grade + year - self.first_year


@dataclass(frozen=True, slots=True)
class Fact:
    """Any other record about a child. ``org`` is the organisation's code as the departments
    know it: a 学校标识码 (school, or the school hosting a resource centre), a rehabilitation
    institution's credit code, the county of an expert committee, the welfare institution's
    name; ``props`` hold the record's values (and, for a transition, the stints it joins)."""

    kind: str
    id: str
    child: str
    date: date
    props: dict[str, Any]
    org: str | None = None


@dataclass(frozen=True)
class City:
    seed: int
    region_codes: tuple[str, ...]  # the city and its counties: departments are made for these
    schools: tuple[School, ...]
    rehab_institutions: tuple[Institution, ...]
    welfare_institution: Institution
    children: tuple[Child, ...]
    stints: tuple[Stint, ...]
    facts: tuple[Fact, ...]
    on_file: frozenset[str]  # children some department file names (the others are unknown)

    @property
    def snapshot_years(self) -> range:
        """School years from the oldest placement on record to this one."""
        first = min((s.first_year for s in self.stints), default=THIS_YEAR)
        return range(first, THIS_YEAR + 1)

    def fact_counts(self) -> Counter[str]:
        counts = Counter(fact.kind for fact in self.facts)
        counts["Placement"] = len(self.stints)
        return counts


# --- the builder --------------------------------------------------------------------------------


@dataclass
class _School:
    code: str
    kind: str
    town: str | None
    sections: int  # classes per year group
    special_class: bool = False


@dataclass
class _County:
    code: str
    name: str
    towns: list[str]
    schools: dict[str, list[_School]] = field(default_factory=dict)
    special_school: str = ""
    rehab: list[str] = field(default_factory=list)  # credit codes


@dataclass
class _Person:
    """A child while the city is built: the Child plus what its records depend on."""

    child: Child
    age: int
    certified: bool
    severity: float
    placement: str | None = None  # type of the current placement, None = not enrolled
    orphan_in_care: bool = False
    stints: list[Stint] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Span:
    """A stint before it has a school."""

    stage: str
    kind: str
    first_year: int
    last_year: int
    ending: str | None


class _Builder:
    def __init__(self, children: int, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible on purpose
        self.n = children
        self.seed = seed
        self.schools: list[School] = []
        self.rehab: list[Institution] = []
        self.stints: list[Stint] = []
        self.facts: list[Fact] = []
        self.counters: Counter[str] = Counter()
        self.class_load: Counter[tuple[str, int | None, int]] = Counter()
        self.used_ids: set[str] = set()
        self.counties: dict[str, _County] = {}
        self.on_file: set[str] = set()
        self.unenrolled = 0

    # -- helpers --

    def next_id(self, prefix: str) -> str:
        self.counters[prefix] += 1
        return f"{prefix}_{self.counters[prefix]:08d}"

    def day_between(self, start: date, end: date) -> date:
        if end <= start:
            return start
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    def fact(self, kind: str, person: _Person, day: date, props: dict[str, Any],
             org: str | None = None) -> Fact:
        fact = Fact(kind, self.next_id(BY_LABEL[kind].prefix), person.child.key, day, props, org)
        self.facts.append(fact)
        return fact

    # -- organisations --

    def build_organisations(self) -> None:
        self.schools.append(School(
            CITY_SPECIAL_SCHOOL, "长治市特殊教育学校", "SPECIAL", CITY_CODE, resource_room=False,
            special_classes=None, centre=None, hosts_centre=True,
        ))
        total_weight = sum(COUNTY_WEIGHTS.values())
        for code in county_codes():
            self.counties[code] = self.build_county(code, self.n * COUNTY_WEIGHTS[code]
                                                    / total_weight)

    def build_county(self, code: str, expected: float) -> _County:
        rng = self.rng
        region = regions.lookup(code)
        assert region is not None  # county_codes() only yields known codes
        county = _County(code, region.name, names.town_names(rng, _clamp(expected / 300, 6, 18)))
        for n in range(_clamp(expected / 2500, 1, 3)):
            name = (f"{county.name}残疾人康复中心" if n == 0
                    else f"{county.name}{rng.choice(county.towns)}儿童康复中心")
            self.rehab.append(Institution(credit_code(code, n + 1), name, code))
            county.rehab.append(self.rehab[-1].code)
        counts = {
            "KINDERGARTEN": _clamp(expected / 60, 2, 80),
            "PRIMARY": _clamp(expected / 50, 3, 120),
            "JUNIOR": _clamp(expected / 120, 2, 50),
            "SENIOR": _clamp(expected / 600, 1, 8),
            "VOCATIONAL": _clamp(expected / 1500, 1, 4),
        }
        sequence = 0
        taken: set[str] = set()
        school_names: dict[str, str] = {}
        for kind, count in counts.items():
            county.schools[kind] = []
            for n in range(count):
                sequence += 1
                town = None if n < max(1, count // 4) else rng.choice(county.towns)
                name = names.unique(taken, names.school_name(kind, county.name, town, n, rng))
                big = name.endswith(("实验小学", "实验中学", "实验幼儿园")) or "第" in name
                school = _School(f"2{code}{sequence:03d}", kind, town,
                                 rng.randint(3, 5) if big else rng.randint(1, 3))
                # A special class in about a third of primary and junior schools, at least one.
                school.special_class = kind in ("PRIMARY", "JUNIOR") and (
                    n == 0 or rng.random() < 0.33)
                county.schools[kind].append(school)
                school_names[school.code] = name
        sequence += 1
        county.special_school = f"2{code}{sequence:03d}"
        # The county centre sits in the special school; a township centre in the first primary
        # school of each of the first few towns that have one. A school is guided by its town's
        # centre, else by the county's; the special schools by the city's.
        hosts = {}
        for town in county.towns[: _clamp(expected / 1500, 2, 5)]:
            host = next((s for s in county.schools["PRIMARY"] if s.town == town), None)
            if host is not None:
                hosts[town] = host.code
        for school in (s for group in county.schools.values() for s in group):
            centre = hosts.get(school.town or "", county.special_school)
            self.schools.append(School(
                school.code, school_names[school.code], school.kind, code,
                resource_room=rng.random() < 0.5,
                special_classes=1 if school.special_class else 0, centre=centre,
                hosts_centre=school.code in hosts.values(),
            ))
        self.schools.append(School(
            county.special_school, f"{county.name}特殊教育学校", "SPECIAL", code,
            resource_room=False, special_classes=None, centre=CITY_SPECIAL_SCHOOL,
            hosts_centre=True,
        ))
        return county

    # -- children --

    def build_children(self) -> list[_Person]:
        rng = self.rng
        codes = county_codes()
        weights = [COUNTY_WEIGHTS[code] for code in codes]
        people = []
        for n in range(1, self.n + 1):
            county = rng.choices(codes, weights)[0]
            age = rng.choices(range(18), AGE_WEIGHTS)[0]
            male = rng.random() < 0.6  # disabled children are more often boys
            birth = self.day_between(
                date(TODAY.year - age - 1, 9, 2),
                min(date(TODAY.year - age, 9, 1), TODAY - timedelta(days=20)),
            )
            number = self.id_number(county, birth, male)
            mother = mother_name = None
            if age < 3:
                mother_birth = self.day_between(
                    date(birth.year - 38, 1, 1), date(birth.year - 22, 12, 31)
                )
                mother = self.id_number(county, mother_birth, male=False)
                mother_name = names.person_name(rng, male=False, adult=True)
            certified = rng.random() < (0.15, 0.45, 0.6)[age] if age < 3 else rng.random() < 0.86
            # A certificate needs a few months of observation first.
            certified = certified and birth + timedelta(days=190) < TODAY
            category: int | None = None
            grade: int | None = None
            needs: str | None = None
            if certified:
                category = rng.choices(list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values()))[0]
                grade = rng.choices(list(GRADE_WEIGHTS), list(GRADE_WEIGHTS.values()))[0]
            elif rng.random() < 0.7:
                needs = rng.choices(("AUTISM", "ADHD", "LEARNING", "EMOTIONAL"), (4, 3, 3, 2))[0]
            name = (names.minority_name(rng, male) if rng.random() < 0.015
                    else names.person_name(rng, male=male))
            child = Child(
                key=f"ch_{n:07d}", name=name, sex="M" if male else "F", birth_date=birth,
                id_number=number, mother_id_number=mother, mother_name=mother_name,
                region_code=county, disability_category=category, disability_grade=grade,
                special_needs=needs,
            )
            people.append(_Person(child, age, certified, severity(category, grade, rng)))
        return people

    def id_number(self, county: str, birth: date, male: bool) -> str:
        """A valid GB 11643 number whose place code was in use in the birth year.

        Usually the county's code, or the code it had before the 2018 reform; a code too young
        for the birth year (a mother born before 潞城市 was made in 1994) gives way to another
        of the county's codes, else to the first of the city's then in use (born elsewhere).
        """
        rng = self.rng
        place = county
        if county in PREDECESSORS and (
            birth.year < REFORM_YEAR or (birth.year == REFORM_YEAR and rng.random() < 0.5)
        ):
            place = rng.choice(PREDECESSORS[county])
        places = (place, county, *PREDECESSORS.get(county, ()),
                  *(code for codes in PREDECESSORS.values() for code in codes))
        while True:
            sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)  # odd = male
            for candidate in places:
                body = f"{candidate}{birth:%Y%m%d}{sequence:03d}"
                number = body + ric.calc_check_digit(body + "0")
                if ric.is_valid(number):
                    break
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def allocate_placements(self, people: list[_Person]) -> None:
        """Current placement type per child: by quota for the compulsory stage, by draw else."""
        rng = self.rng
        compulsory = [p for p in people if 6 <= p.age <= 14]
        order = list(range(len(compulsory)))
        rng.shuffle(order)
        not_enrolled = round(len(compulsory) * NOT_ENROLLED_SHARE)
        enrolled = [compulsory[i] for i in order[not_enrolled:]]
        welfare_count = round(len(enrolled) * COMPULSORY_SHARES["WELFARE_CLASS"])
        for person in enrolled[:welfare_count]:
            person.placement = "WELFARE_CLASS"
            person.orphan_in_care = True
        # The most severely affected go furthest down the ladder; noise in severity keeps
        # every type a mix of categories and grades, as in real rosters.
        rest = sorted(enrolled[welfare_count:], key=lambda p: -p.severity)
        ladder: list[str] = []
        for kind in ("HOME_DELIVERY", "REMOTE", "SPECIAL_SCHOOL", "SPECIAL_CLASS"):
            ladder += [kind] * round(len(enrolled) * COMPULSORY_SHARES[kind])
        for n, person in enumerate(rest):
            person.placement = ladder[n] if n < len(ladder) else "REGULAR_CLASS"
        for person in people:
            if 3 <= person.age <= 5 and rng.random() < 0.85:
                special = person.severity > 2.6 and rng.random() < 0.7
                person.placement = "SPECIAL_SCHOOL" if special else "REGULAR_CLASS"
            elif person.age >= 15 and rng.random() < 0.78:
                special = person.severity > 2.6 and rng.random() < 0.6
                person.placement = "SPECIAL_SCHOOL" if special else "REGULAR_CLASS"

    # -- a child's record: first what department files carry, then what is recorded --

    def build_record(self, person: _Person) -> None:
        rng = self.rng
        county = self.counties[person.child.region_code]
        key = person.child.key
        if person.certified:
            self.certificate(person)
        # Most young children are screened; one with a special need surely was, since that
        # screening is what referred it to rehabilitation (and what tells its region).
        screened = person.age <= 6 and (rng.random() < 0.9
                                        or person.child.special_needs is not None)
        screening = self.screening(person, county) if screened else None
        person.stints = [self.seat(person, county, span) for span in self.spans(person)]
        welfare = person.orphan_in_care or rng.random() < 0.075
        if welfare:
            self.welfare_status(person)
        if person.certified and person.age >= 1 and rng.random() < 0.12:
            self.device_fitting(person, county)
        for stint in person.stints:
            if stint.kind == "HOME_DELIVERY":
                self.home_delivery(person, stint)
        rehab = self.rehabilitation(person, county)
        # A record with the child's own ID number: a certificate, the school roll, a welfare
        # file, a rehabilitation session, a screening after the ID was issued.
        identified = (person.certified or bool(person.stints) or welfare or rehab
                      or (screening is not None and not screening.props["infant"]))
        if screening is not None:
            self.on_file.add(key)
            if screening.props["infant"] and identified:
                self.follow_up(person, screening)
        if not identified:
            return  # no record with the child's ID number: nothing else can name the child
        self.on_file.add(key)
        self.transitions(person, county)
        self.dropout_cases(person)
        self.assessments(person)
        self.plans(person)
        self.itinerant(person)

    def certificate(self, person: _Person) -> None:
        rng = self.rng
        child = person.child
        issued = self.day_between(
            max(child.birth_date + timedelta(days=180), date(2012, 1, 1)),
            TODAY - timedelta(days=7),
        )
        if "·" in child.name:  # the father's name is the second part of the child's
            guardian = child.name.split("·")[1]
        else:
            father = rng.random() < 0.55
            guardian = names.person_name(rng, child.name[0] if father else None, male=father,
                                         adult=True)
        # Exports carry the guardian's mobile already masked; keep that shape.
        phone = f"1{rng.choice('3578')}{rng.randint(0, 9)}****{rng.randint(0, 9999):04d}"
        self.fact("DisabilityCertificate", person, issued, {
            "validUntil": issued + timedelta(days=365 * 10), "guardianName": guardian,
            "guardianPhone": phone,
        })

    def screening(self, person: _Person, county: _County) -> Fact:
        child = person.child
        day = self.day_between(child.birth_date + timedelta(days=3),
                               min(child.birth_date + timedelta(days=900), TODAY - ONE_DAY))
        # Screened before the first birthday, often before the ID number is issued: the record
        # names the baby by the mother (FORMATS.md, "<mother>之子").
        infant = child.mother_id_number is not None and (day - child.birth_date).days < 365
        return self.screening_fact(person, county, day, infant)

    def screening_fact(self, person: _Person, county: _County, day: date, infant: bool) -> Fact:
        rng = self.rng
        child = person.child
        result = rng.choices(("POSITIVE", "SUSPECTED", "NEGATIVE"), (55, 25, 20))[0]
        key = str(child.disability_category) if child.disability_category else child.special_needs
        props: dict[str, Any] = {
            "screeningNo": f"SC{child.region_code}{day.year}{self.counters['scr'] + 1:07d}",
            "institution": rng.choice((f"{county.name}妇幼保健院", "长治市妇幼保健院",
                                       "长治市人民医院")),
            "result": result, "diagnosis": None, "diagnosedOn": None, "referral": None,
            "infant": infant,
        }
        if result == "POSITIVE" and key is not None:
            props["diagnosis"] = rng.choice(names.DIAGNOSES[key])
            props["diagnosedOn"] = min(day + timedelta(days=rng.randint(14, 60)), TODAY)
        if result != "NEGATIVE":
            props["referral"] = f"转介{county.name}残疾人康复中心"
        return self.fact("Screening", person, day, props)

    def follow_up(self, person: _Person, first: Fact) -> None:
        """A later screening with both ID numbers: the health record that joins the baby
        screened under its mother's name to the child the other departments know."""
        county = self.counties[person.child.region_code]
        day = self.day_between(first.date + ONE_DAY, TODAY - ONE_DAY)
        self.screening_fact(person, county, day, infant=False)

    def spans(self, person: _Person) -> list[_Span]:
        """The child's placement history, oldest first (schools not yet chosen)."""
        rng = self.rng
        age, current = person.age, person.placement
        if current is not None:
            stage, grade = stage_of(age, current, rng)
            first_grade = FIRST_GRADE[stage]
            years_in = age - 3 if first_grade is None else (grade or 0) - first_grade
            first = THIS_YEAR - years_in
            history = [_Span(stage, current, first, THIS_YEAR, None)]
            kind = current
            # Earlier stages, latest first, until the record has a gap (older files are
            # patchier, kindergarten most of all).
            while (prior := PREVIOUS_STAGE.get(stage)) and rng.random() < (
                0.55 if prior == "PRESCHOOL" else 0.9
            ):
                kind = prior_type(prior, kind, rng)
                history.append(_Span(prior, kind, first - STAGE_YEARS[prior], first - 1,
                                     "GRADUATED"))
                stage, first = prior, first - STAGE_YEARS[prior]
            history.reverse()
            return history
        kind = "REGULAR_CLASS" if person.severity < 2.2 else "SPECIAL_SCHOOL"
        # Not enrolled now. Some were, and left in the year just ended; the rest never had
        # school status.
        if 6 <= age <= 14 and rng.random() < 0.6:
            if age <= 7:  # finished kindergarten and never started school
                first = THIS_YEAR - age + 3
                return [_Span("PRESCHOOL", kind, first, first + 2, "GRADUATED")]
            stage, first = (("PRIMARY", THIS_YEAR - age + 6) if age <= 12
                            else ("JUNIOR", THIS_YEAR - age + 12))
            ending = rng.choices((LEFT, "TRANSFERRED", "DROPPED_OUT"), (7, 2, 1))[0]
            return [_Span(stage, kind, first, THIS_YEAR - 1, ending)]
        if age >= 15 and rng.random() < 0.8:
            first = THIS_YEAR - age + 12
            return [_Span("JUNIOR", kind, first, first + 2, "GRADUATED")]
        return []

    def seat(self, person: _Person, county: _County, span: _Span) -> Stint:
        """The school (and class, year by year) of a placement of this type and stage."""
        rng = self.rng
        kind, stage = span.kind, span.stage
        first_grade = FIRST_GRADE[stage]
        school_code, school_kind, section = "", "", 1
        if kind in AT_SPECIAL_SCHOOL:
            school_code, school_kind = county.special_school, "SPECIAL"
        elif kind in ("REGULAR_CLASS", "SPECIAL_CLASS"):
            schools = county.schools[STAGE_SCHOOL[stage]]
            if kind == "SPECIAL_CLASS":
                schools = [s for s in schools if s.special_class]
            school = rng.choice(schools)
            school_code, school_kind = school.code, school.kind
            sections = range(1, school.sections + 1)
            if span.ending is None:
                # This year's class with the fewest inclusion pupils: the norm is 1–2, at most 3.
                level = (first_grade + THIS_YEAR - span.first_year if first_grade is not None
                         else THIS_YEAR - span.first_year)
                section = min(sections, key=lambda k: (self.class_load[(school.code, level, k)],
                                                       rng.random()))
                self.class_load[(school.code, level, section)] += 1
            else:
                section = rng.choice(sections)
        stint = Stint(
            self.next_id("plc"), person.child.key, stage, kind, school_code, span.first_year,
            span.last_year, first_grade,
            class_names(kind, stage, school_kind, span.first_year, span.last_year, section),
            span.ending,
            dated=rng.random() > 0.02,
        )
        self.stints.append(stint)
        return stint

    def welfare_status(self, person: _Person) -> None:
        rng = self.rng
        category = "ORPHAN" if person.orphan_in_care else rng.choices(
            ("ORPHAN", "DE_FACTO_UNSUPPORTED", "IN_DIFFICULTY", "SUBSISTENCE_FAMILY"),
            (8, 15, 30, 47),
        )[0]
        in_care = person.orphan_in_care or (category == "ORPHAN" and rng.random() < 0.5)
        programme, aid = names.AID[category]
        since = self.day_between(person.child.birth_date + timedelta(days=7), TODAY - ONE_DAY)
        self.fact("WelfareStatus", person, since, {
            "fileNo": f"MZ{person.child.region_code}{self.counters['wel'] + 1:07d}",
            "category": category, "aidProgramme": programme,
            "monthlyAid": 1700 if in_care else aid,  # institutional care is paid at a higher rate
            "endDate": None,
        }, org=WELFARE_NAME if in_care else None)

    def device_fitting(self, person: _Person, county: _County) -> None:
        rng = self.rng
        category = person.child.disability_category
        assert category is not None
        day = self.day_between(person.child.birth_date + timedelta(days=365), TODAY - ONE_DAY)
        self.fact("DeviceFitting", person, day, {
            "device": rng.choice(names.DEVICES[category]),
            "provider": rng.choice(("长治市残疾人辅助器具服务中心",
                                    f"{county.name}残联辅具服务站")),
        })

    def in_service_year(self, stint: Stint) -> tuple[date, date] | None:
        """The part of the recorded service year the stint was in force, if any."""
        begin = max(SCHOOL_YEAR[0], stint.start)
        finish = min(SCHOOL_YEAR[1], stint.end or SCHOOL_YEAR[1])
        return (begin, finish) if begin < finish else None

    def home_delivery(self, person: _Person, stint: Stint) -> None:
        rng = self.rng
        window = self.in_service_year(stint)
        if window is None:
            return
        begin, finish = window
        remote = rng.random() < 0.25  # remote villages: one visit a week, so often < 120 h
        teacher = names.person_name(rng, male=rng.random() < 0.3, adult=True)
        week = begin - timedelta(days=begin.weekday())
        while week <= finish:
            in_break = WINTER_BREAK[0] <= week <= WINTER_BREAK[1]
            if not in_break and rng.random() > 0.08:
                visits = 1 if remote else rng.choice((1, 2))
                for weekday in sorted(rng.sample(range(5), visits)):
                    day = week + timedelta(days=weekday)
                    if not begin <= day <= finish:
                        continue
                    hours = rng.choice((2.0, 2.5, 3.0) if remote else (2.0, 2.5, 3.0, 3.5, 4.0))
                    content = sorted(rng.sample(HD_CONTENT, rng.randint(1, 3)))
                    self.fact("ServiceSession", person, day, {
                        "kind": "HOME_DELIVERY", "hours": hours, "content": content,
                        "provider": teacher, "notes": rng.choice(names.HD_NOTES),
                    }, org=stint.school)
            week += timedelta(days=7)

    def rehabilitation(self, person: _Person, county: _County) -> bool:
        rng = self.rng
        child = person.child
        if person.age <= 6 and (person.certified or child.special_needs is not None):
            per_month, attended = 3, 0.85  # DPF's rescue rehabilitation for 0–6
        elif person.certified and rng.random() < 0.25:
            per_month, attended = 2, 0.8
        else:
            return False
        institution = county.rehab[0] if rng.random() < 0.75 else rng.choice(county.rehab)
        therapist = names.person_name(rng, male=rng.random() < 0.25, adult=True)
        begin = max(child.birth_date + timedelta(days=180), TODAY - timedelta(days=365))
        months = max(0, (TODAY - begin).days // 30)
        days = sorted(self.day_between(begin, TODAY - ONE_DAY)
                      for _ in range(months * per_month) if rng.random() < attended)
        for day in days:
            self.fact("ServiceSession", person, day, {
                "kind": "REHABILITATION", "hours": rng.choice((1.0, 1.5, 2.0)),
                "content": ["REHABILITATION"], "provider": therapist,
                "notes": rng.choice(names.REHAB_NOTES),
            }, org=institution)
        return bool(days)

    # -- what only the recording services carry --

    def transitions(self, person: _Person, county: _County) -> None:
        """Each move between placements was planned and handed over before the pupil arrived;
        a welfare-institution class's moves are recorded with the placements themselves."""
        rng = self.rng
        stints = person.stints
        for old, new in pairwise(stints):
            if old.kind == "WELFARE_CLASS":
                continue
            self.transition(person, old, new.stage, new.kind, new.school, new)
        if not stints:
            return
        last = stints[-1]
        if last.ending in ("GRADUATED", "TRANSFERRED"):
            if rng.random() >= (0.3 if person.age >= 15 else 0.6):
                return
            # Left one placement and never appeared in the next: the case to chase.
            to_stage = NEXT_STAGE[last.stage] if last.ending == "GRADUATED" else last.stage
            receiving = rng.choice(county.schools[STAGE_SCHOOL[to_stage]]).code
            self.transition(person, last, to_stage, last.kind, receiving, None)
        elif last.ending is None and last.kind in LADDER_UP and last.first_year < THIS_YEAR \
                and rng.random() < 0.02:
            # An open move up the ladder (e.g. special school → special class), under way.
            to_type = LADDER_UP[last.kind]
            candidates = county.schools[STAGE_SCHOOL[last.stage]]
            if to_type == "SPECIAL_CLASS":
                candidates = [s for s in candidates if s.special_class] or candidates
            target = (county.special_school if to_type == "SPECIAL_SCHOOL"
                      else rng.choice(candidates).code)
            planned = self.day_between(date(2026, 5, 1), date(2026, 8, 20))
            handed = (self.day_between(planned, TODAY - ONE_DAY) if rng.random() < 0.33
                      else None)
            self.fact("Transition", person, planned, {
                "from": last.id, "to": None, "toStage": last.stage, "toType": to_type,
                "handedOverOn": handed, "completedOn": None, "open": True,
            }, org=target)

    def transition(self, person: _Person, old: Stint, to_stage: str, to_type: str,
                   receiving: str, new: Stint | None) -> None:
        moving = old.last_year + 1  # the school year whose snapshot shows the move
        self.fact("Transition", person, self.day_between(date(moving, 4, 1), date(moving, 6, 20)),
                  {"from": old.id, "to": None if new is None else new.id, "toStage": to_stage,
                   "toType": to_type,
                   "handedOverOn": self.day_between(date(moving, 7, 10), date(moving, 8, 25)),
                   "completedOn": None if new is None else new.start, "open": False},
                  org=receiving)

    def dropout_cases(self, person: _Person) -> None:
        rng = self.rng
        if person.placement is None and 6 <= person.age <= 14:
            last = person.stints[-1] if person.stints else None
            if last is not None and last.ending == LEFT:
                return  # nobody knows yet: `hub dropout check` finds the pupil off the roll
            # Every other out-of-school child has an open case (alternating rather than drawn,
            # so even a small city shows one); the rest are still to be found by the roster.
            self.unenrolled += 1
            if self.unenrolled % 2 == 1:
                opened = (last.end if last is not None and last.end is not None
                          else self.day_between(date(2026, 3, 1), date(2026, 8, 30)))
                self.dropout(person, opened, closed=False)
        elif person.placement is not None and rng.random() < 0.004:
            # Flagged at term start, then the child came back: marked, ledgered, closed.
            self.dropout(person, self.day_between(date(2025, 9, 5), date(2025, 10, 31)),
                         closed=True)

    def dropout(self, person: _Person, opened: date, closed: bool) -> None:
        rng = self.rng
        actions = rng.sample(names.DROPOUT_ACTIONS, rng.randint(1, 3))
        props: dict[str, Any] = {"reason": rng.choice(names.DROPOUT_REASONS),
                                 "actions": actions, "closedOn": None, "resolution": None}
        if closed:
            props |= {"closedOn": opened + timedelta(days=rng.randint(10, 60)),
                      "resolution": rng.choice(names.DROPOUT_RESOLUTIONS)}
        self.fact("DropoutCase", person, opened, props)

    def assessments(self, person: _Person) -> None:
        rng = self.rng
        if person.age < 3:
            return
        birth = person.child.birth_date
        county = person.child.region_code
        stints = person.stints
        if stints:
            entry_day = max(stints[0].start - timedelta(days=rng.randint(20, 80)),
                            birth + timedelta(days=365 * 2))
            entry_type = stints[0].kind
        else:
            entry_day = self.day_between(birth + timedelta(days=365 * 3), TODAY - ONE_DAY)
            entry_type = "HOME_DELIVERY" if person.severity > 3 else "SPECIAL_SCHOOL"
        self.fact("Assessment", person, entry_day, {
            "kind": "ENTRY", "recommendation": entry_type, "summary": names.SUMMARIES[entry_type],
        }, org=county)
        if (len(stints) > 1 or rng.random() < 0.35) and entry_day + timedelta(days=60) < TODAY:
            later = self.day_between(entry_day + timedelta(days=60), TODAY - ONE_DAY)
            recommendation = stints[-1].kind if stints else entry_type
            self.fact("Assessment", person, later, {
                "kind": "TRANSITION" if len(stints) > 1 else "PERIODIC",
                "recommendation": recommendation, "summary": names.SUMMARIES[recommendation],
            }, org=county)

    def plans(self, person: _Person) -> None:
        rng = self.rng
        if not person.stints or person.stints[-1].ending is not None:
            return
        versions = rng.choices((1, 2, 3), (5, 3, 2))[0]
        days = [min(person.stints[-1].start + timedelta(days=20), TODAY)]
        for _ in range(versions - 1):
            following = days[-1] + timedelta(days=rng.randint(120, 200))
            if following > TODAY:
                break
            days.append(following)
        category = person.child.disability_category or 0
        for version, day in enumerate(days, start=1):
            self.fact("Plan", person, day, {
                "version": version,
                "goals": "；".join(rng.sample(names.GOALS, 3)),
                "rehabilitationPlan": names.REHAB_PLANS.get(category, "每周一次感统与注意力训练"),
                "healthCarePlan": rng.choice(names.HEALTH_PLANS),
            })

    def itinerant(self, person: _Person) -> None:
        """Resource-centre teachers visit inclusion pupils 巡回指导, a few times a term."""
        rng = self.rng
        for stint in person.stints:
            window = self.in_service_year(stint) if stint.kind == "REGULAR_CLASS" else None
            if window is None:
                continue
            teacher = names.person_name(rng, male=rng.random() < 0.3, adult=True)
            for term_start, term_end in TERMS:
                low, high = max(window[0], term_start), min(window[1], term_end)
                if low >= high:
                    continue
                for _ in range(rng.randint(1, 3)):
                    self.fact("ServiceSession", person, self.day_between(low, high), {
                        "kind": "ITINERANT_GUIDANCE", "hours": rng.choice((1.0, 1.5, 2.0)),
                        "content": ["EDUCATION"], "provider": teacher,
                        "notes": rng.choice(names.GUIDANCE_NOTES),
                        # The centre guiding the pupil's school (the register says which).
                        "stint": stint.id,
                    })

    def checked_leavers(self) -> list[Stint]:
        """The stints, each leaver (LEFT) at a school the next snapshot lists.

        A snapshot is complete per school it lists, so a pupil of a school it does not list
        cannot be seen to leave. A leaver seated at such a school moves to another school of
        its kind in the county that is listed (the city is only its disabled pupils, so many
        schools have none in a year); failing that, the school-status system says 辍学.
        """
        listed: set[tuple[int, str]] = set()
        for stint in self.stints:
            if stint.kind == "WELFARE_CLASS":
                continue
            listed.update((year, stint.school) for year in range(stint.first_year,
                                                                  stint.last_year + 1))
            if stint.ending not in (None, LEFT):
                listed.add((stint.last_year + 1, stint.school))
        checked = []
        for stint in self.stints:
            seen = stint.last_year + 1
            if stint.ending == LEFT and (seen, stint.school) not in listed:
                county = self.counties[stint.school[1:7]]  # 2 + county code + sequence
                others = [s for s in county.schools.get(STAGE_SCHOOL[stint.stage], [])
                          if (seen, s.code) in listed
                          and (s.special_class or stint.kind != "SPECIAL_CLASS")]
                if stint.kind in ("REGULAR_CLASS", "SPECIAL_CLASS") and others:
                    school = others[0]
                    stint = dataclasses.replace(stint, school=school.code, class_names=class_names(
                        stint.kind, stint.stage, school.kind, stint.first_year, stint.last_year,
                        1))
                else:
                    stint = dataclasses.replace(stint, ending="DROPPED_OUT")
            checked.append(stint)
        return checked

    def build(self) -> City:
        self.build_organisations()
        people = self.build_children()
        self.allocate_placements(people)
        for person in people:
            self.build_record(person)
        return City(
            seed=self.seed,
            region_codes=(CITY_CODE, *county_codes()),
            schools=tuple(self.schools),
            rehab_institutions=tuple(self.rehab),
            welfare_institution=Institution("", WELFARE_NAME, CITY_CODE),
            children=tuple(p.child for p in people),
            stints=tuple(self.checked_leavers()),
            facts=tuple(self.facts),
            on_file=frozenset(self.on_file),
        )


# --- small rules -------------------------------------------------------------------------------


def class_names(kind: str, stage: str, school_kind: str, first_year: int, last_year: int,
                section: int) -> tuple[str, ...]:
    """班级 of a placement in each school year it runs: the pupil moves up with the class."""
    first_grade = FIRST_GRADE[stage]
    found = []
    for year in range(first_year, last_year + 1):
        grade = None if first_grade is None else first_grade + year - first_year
        if kind in AT_SPECIAL_SCHOOL:
            found.append(names.special_school_class(kind, stage, grade))
        elif kind == "SPECIAL_CLASS":
            found.append("特教班")
        elif kind == "WELFARE_CLASS":
            found.append("")
        else:
            level = min(year - first_year + 1, 3)
            found.append(names.class_name(school_kind, year, grade, level, section))
    return tuple(found)


def credit_code(region: str, sequence: int) -> str:
    """An 18-character unified social credit code 统一社会信用代码 for a public institution
    (12…): characters 3–8 are the registering region, as the rehab connector reads them."""
    body = f"12{region}MB{sequence:07d}"
    return body + uscc.calc_check_digit(body)


def student_number(id_number: str) -> str:
    """The national school-status number 学籍号: "G" + the resident ID number."""
    return f"G{id_number}"


def county_codes() -> tuple[str, ...]:
    """The current counties of 长治市 as hub.regions knows them (placeholders left out)."""
    return tuple(
        code for code, region in sorted(regions.regions().items())
        if code.startswith(CITY_CODE[:4]) and region.level == "county" and region.current
        and region.name != "市辖区" and code in COUNTY_WEIGHTS
    )


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def severity(category: int | None, grade: int | None, rng: random.Random) -> float:
    """How far down the placement ladder a child tends to go; noise keeps types mixed."""
    base = {1: 3.0, 2: 2.0, 3: 1.0, 4: 0.3}.get(grade or 0, 0.2)
    extra = {7: 1.0, 5: 0.5, 2: 0.4, 1: 0.4, 6: 0.3, 4: 0.0, 3: -0.3}.get(category or 0, 0.0)
    return base + extra + rng.gauss(0.0, 0.8)


def stage_of(age: int, kind: str, rng: random.Random) -> tuple[str, int | None]:
    if age <= 5:
        return "PRESCHOOL", None
    if age <= 11:
        return "PRIMARY", age - 5
    if age <= 14:
        return "JUNIOR", age - 5
    if kind == "SPECIAL_SCHOOL" or rng.random() < 0.55:
        return "VOCATIONAL", age - 5
    return "SENIOR", age - 5


def prior_type(stage: str, later: str, rng: random.Random) -> str:
    """The placement type a child had in an earlier stage, given the later one."""
    if later == "WELFARE_CLASS":
        return later
    if stage == "PRESCHOOL":
        severe = later in AT_SPECIAL_SCHOOL
        return "SPECIAL_SCHOOL" if severe and rng.random() < 0.6 else "REGULAR_CLASS"
    if rng.random() < 0.8:
        return later
    # Children mostly move up the ladder over the years, so the earlier rung is lower.
    return {"REGULAR_CLASS": "SPECIAL_CLASS", "SPECIAL_CLASS": "SPECIAL_SCHOOL",
            "SPECIAL_SCHOOL": "HOME_DELIVERY"}.get(later, later)


def generate(children: int, seed: int) -> City:
    """The demo city with `children` children; the same arguments give an identical City."""
    if children < 0:
        raise ValueError("children must be ≥ 0")
    # Millions of small, acyclic objects: the cyclic collector would rescan them again and
    # again as they accumulate (about half the time at 100,000 children) and find nothing.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _Builder(children, seed).build()
    finally:
        if enabled:
            gc.enable()
