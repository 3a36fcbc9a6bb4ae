"""A synthetic city for demos, tests and benchmarks 演示数据: 长治市 and its counties.

`generate` is pure and deterministic (one ``random.Random(seed)``, ids from counters, a fixed
"today"), so a seed names one city exactly; `write` puts it into the graph with idempotent
UNWIND/MERGE batches, so writing a city twice changes nothing. The shares follow
``shared/DOMAIN.md``: placements are handed out by quota rather than by independent draws, so
even a few hundred children show the ladder's proportions.

Resident ID numbers exist in clear only inside the `City` object in memory; `write` stores
their keyed hash, ciphertext and masked form (``hub.identity``). Numbers that embed an ID are
stored as the connectors store them (docs/ingest.md), so a lookup finds either: a certificate
number as ``numberHash``/``numberMasked``, the school-status number 学籍号 ("G" + the ID number)
as ``studentNumber`` = ``hmac:<keyed hash>`` and ``studentNumberMasked``.

`write_via_files` is the demo's real path: it writes the city's department exports
(FORMATS.md) and loads them through the connectors; only what no export carries is written
directly.
"""

from __future__ import annotations

import asyncio
import gc
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from itertools import pairwise
from pathlib import Path
from typing import Any, LiteralString, TypeVar

import typer
from stdnum.cn import ric

from hub import commandline as cli
from hub import regions
from hub.facts import BY_LABEL
from hub.graph import Graph
from hub.identity import IdProtector, mask
from hub.reference import BATCH, batches, ensure_departments, ensure_regions
from hub.settings import Settings

# --- fixed reference points: no wall clock, so a seed always gives the same city -------------

TODAY = date(2026, 9, 1)  # the first day of the 2026–27 school year
SCHOOL_YEAR = (date(2025, 9, 1), date(2026, 7, 10))  # the year whose services are on record
WINTER_BREAK = (date(2026, 1, 17), date(2026, 2, 28))
TERMS = ((date(2025, 9, 1), date(2026, 1, 16)), (date(2026, 3, 1), date(2026, 7, 10)))
SOURCE = "demo"

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
HOME_DELIVERY_NORM_HOURS = 120.0

Progress = Callable[[int, str], None]  # (rows just written, what is being written)
T = TypeVar("T")
PARALLEL = 2  # batches in flight per statement kind (this machine has two cores)


# --- the city, as plain immutable data ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Organisation:
    id: str
    kind: str  # label beside Organisation: School, ResourceCenter, RehabInstitution, …
    name: str
    region_code: str
    props: dict[str, Any]  # kind-specific: code, schoolType, level, designated


@dataclass(frozen=True, slots=True)
class SchoolClass:
    id: str
    organisation: str
    name: str
    grade: int | None
    special: bool


@dataclass(frozen=True, slots=True)
class ResourceRoom:
    id: str
    school: str
    teachers: int


@dataclass(frozen=True, slots=True)
class Child:
    id: str
    name: str
    sex: str
    birth_date: date
    id_number: str  # in memory only: write() stores hash, cipher and mask
    mother_id_number: str | None
    region_code: str
    disability_category: int | None
    disability_grade: int | None
    special_needs: str | None


@dataclass(frozen=True, slots=True)
class Fact:
    kind: str
    id: str
    child: str
    props: dict[str, Any]  # provenance and kind properties, ready for the graph
    # A number embedding an ID (certificate number, 学籍号): write() stores its hash and mask.
    secret: str | None = None


@dataclass(frozen=True, slots=True)
class Link:
    rel: str  # AT, BY, RECEIVING, IN_CLASS, FROM_PLACEMENT, TO_PLACEMENT
    source: str  # a fact id
    target: str


@dataclass(frozen=True)
class City:
    seed: int
    region_codes: tuple[str, ...]  # the city and its counties: departments are made for these
    organisations: tuple[Organisation, ...]
    classes: tuple[SchoolClass, ...]
    resource_rooms: tuple[ResourceRoom, ...]
    serves: tuple[tuple[str, str], ...]  # (resource centre id, school id)
    children: tuple[Child, ...]
    facts: tuple[Fact, ...]
    links: tuple[Link, ...]

    @property
    def rows(self) -> int:
        """Everything `write` sends, for a progress bar's total."""
        return (
            len(self.organisations) + len(self.classes) + len(self.resource_rooms)
            + len(self.serves) + len(self.children) + len(self.facts) + len(self.links)
        )

    def fact_counts(self) -> Counter[str]:
        return Counter(fact.kind for fact in self.facts)


# --- names ------------------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡"
    "贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
    "雷钱汤尹常武乔贺申牛栗暴郜靳原"
)
# Shanxi's most frequent surnames first get extra weight.
SURNAME_WEIGHTS = tuple(8 if i < 10 else 3 if i < 40 else 1 for i in range(len(SURNAMES)))
BOY_CHARS = "浩宇轩子博文俊杰鹏昊泽睿辰一铭晨阳磊强伟明凯嘉航旭思毅天乐豪晟瑞鑫宏志"
GIRL_CHARS = "梓涵欣怡雨萱诗琪佳思雅婷梦瑶可馨悦彤晴丽娜静慧艺若语嘉佳妍蕊雪"
ADULT_MALE = ("建国", "海军", "志强", "俊峰", "建军", "红兵", "永刚", "晓东", "国庆", "文斌")
ADULT_FEMALE = ("红梅", "丽萍", "秀英", "晓燕", "海燕", "春花", "丽娟", "慧芳", "玉兰", "艳红")
MINORITY_MALE = ("艾力", "买买提", "阿不都", "努尔艾力", "亚森", "吐尔逊", "库尔班", "艾克拜尔")
MINORITY_FEMALE = ("阿依古丽", "古丽娜尔", "迪丽努尔", "热依拉", "帕提古丽", "米热古丽", "再努尔")
MINORITY_FATHER = ("买买提", "吐尔逊", "艾买提", "阿不都", "托合提", "库尔班", "热合曼", "司马义")
TOWN_FIRST = "东西南北上下大小高石河黄柳杨马王李韩苏荫贾郝八龙凤金新古长平安中庙"
TOWN_SECOND = ("村", "庄", "河", "坪", "沟", "峪", "岭", "头", "店", "堡", "寨", "关", "口", "营",
               "泉", "湾", "阳", "川", "家庄", "底")
CN_DIGITS = "〇一二三四五六七八九十"
MAJORS = ("计算机应用", "电子商务", "机电技术应用", "幼儿保育", "汽车运用与维修", "中餐烹饪")

# Screening diagnoses (ICD-10) by category digit or special need.
DIAGNOSES: dict[str, tuple[str, ...]] = {
    "1": ("H54.0", "H54.2", "H47.2"),
    "2": ("H90.3", "H90.5", "H91.9"),
    "3": ("F80.1", "F80.2"),
    "4": ("G80.0", "G80.1", "Q05.9", "G71.0"),
    "5": ("F70", "F71", "F72", "F79", "Q90.9"),
    "6": ("F84.0", "F84.1", "F20.9"),
    "7": ("Q90.9", "G80.9", "F72"),
    "AUTISM": ("F84.0",),
    "ADHD": ("F90.0",),
    "LEARNING": ("F81.9",),
    "EMOTIONAL": ("F93.9",),
}
DEVICES: dict[int, tuple[str, ...]] = {
    1: ("助视器", "盲杖", "读屏软件"),
    2: ("助听器", "人工耳蜗言语处理器"),
    3: ("沟通板",),
    4: ("轮椅", "矫形器", "助行器"),
    5: ("坐姿椅", "认知训练软件"),
    6: ("感统训练器材",),
    7: ("轮椅", "坐姿椅", "站立架"),
}


# --- the builder --------------------------------------------------------------------------------


@dataclass
class _School:
    id: str
    kind: str  # schoolType
    classes: dict[str, list[str]] = field(default_factory=dict)  # class key → class ids
    special_class: str | None = None
    centre: str = ""  # the resource centre that serves it


@dataclass
class _County:
    code: str
    name: str
    towns: list[str]
    schools: dict[str, list[_School]] = field(default_factory=dict)
    special_school: _School | None = None
    committee: str = ""
    rehab: list[str] = field(default_factory=list)


@dataclass
class _Person:
    """A child while the city is built: the Child plus what its facts depend on."""

    child: Child
    age: int
    certified: bool
    severity: float
    placement: str | None = None  # type of the current placement, None = not enrolled
    orphan_in_care: bool = False


class _Builder:
    def __init__(self, children: int, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible on purpose
        self.n = children
        self.seed = seed
        self.organisations: list[Organisation] = []
        self.classes: list[SchoolClass] = []
        self.rooms: list[ResourceRoom] = []
        self.serves: list[tuple[str, str]] = []
        self.facts: list[Fact] = []
        self.links: list[Link] = []
        self.counters: Counter[str] = Counter()
        self.class_load: Counter[str] = Counter()
        self.used_ids: set[str] = set()
        self.counties: list[_County] = []
        self.county_by_code: dict[str, _County] = {}
        self.class_name: dict[str, str] = {}
        self.centre_by_school: dict[str, str] = {}
        self.city_centre = ""
        self.unenrolled = 0
        self.welfare = ""
        self.welfare_class = ""

    # -- helpers --

    def next_id(self, prefix: str) -> str:
        self.counters[prefix] += 1
        return f"{prefix}_{self.counters[prefix]:08d}"

    def day_between(self, start: date, end: date) -> date:
        if end <= start:
            return start
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    def person_name(
        self, surname: str | None = None, male: bool = True, adult: bool = False
    ) -> str:
        rng = self.rng
        family = surname or rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]
        if adult:
            return family + rng.choice(ADULT_MALE if male else ADULT_FEMALE)
        chars = BOY_CHARS if male else GIRL_CHARS
        given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.8 else "")
        return family + given

    def fact(
        self, kind: str, person: _Person, day: date, department: str, key_props: dict[str, Any],
        secret: str | None = None,
    ) -> str:
        prefix = BY_LABEL[kind].prefix
        fact_id = self.next_id(prefix)
        source_key = f"{kind}/{fact_id}"
        recorded = datetime.combine(min(day + timedelta(days=1), TODAY), clock(1, 0), UTC)
        props = {
            "id": fact_id,
            "date": day,
            "recordedBy": department,
            "recordedIn": person.child.region_code,
            "source": SOURCE,
            "sourceKey": source_key,
            "sourceRef": f"{SOURCE}/{source_key}",
            "sourceFile": None,
            "recordedAt": recorded,
            **key_props,
        }
        self.facts.append(Fact(kind, fact_id, person.child.id, props, secret))
        return fact_id

    def link(self, rel: str, source: str, target: str) -> None:
        self.links.append(Link(rel, source, target))

    # -- organisations --

    def organisation(
        self, prefix: str, kind: str, name: str, region: str, **props: Any
    ) -> str:
        self.counters[prefix] += 1
        org_id = f"{prefix}_{region}_{self.counters[prefix]:04d}"
        self.organisations.append(Organisation(org_id, kind, name, region, props))
        return org_id

    def school_class(self, school: _School, key: str, name: str, grade: int | None,
                     special: bool) -> str:
        class_id = self.next_id("cls")
        self.classes.append(SchoolClass(class_id, school.id, name, grade, special))
        self.class_name[class_id] = name
        school.classes.setdefault(key, []).append(class_id)
        return class_id

    def build_organisations(self) -> None:
        total_weight = sum(COUNTY_WEIGHTS.values())
        self.city_centre = self.organisation(
            "rsc", "ResourceCenter", "长治市特殊教育资源中心", CITY_CODE, level="CITY"
        )
        # Civil-affairs exports name the institution only; the connector keys it by region and
        # name, so the demo's institution carries that key as its code.
        from connectors.sources.civil_welfare import institution_code

        self.welfare = self.organisation(
            "wfi", "WelfareInstitution", WELFARE_NAME, CITY_CODE,
            code=institution_code(WELFARE_NAME, CITY_CODE),
        )
        welfare_class = SchoolClass(self.next_id("cls"), self.welfare, "福利院特教班", None, True)
        self.classes.append(welfare_class)
        self.class_name[welfare_class.id] = welfare_class.name
        self.welfare_class = welfare_class.id
        for code in county_codes():
            expected = self.n * COUNTY_WEIGHTS[code] / total_weight
            self.counties.append(self.build_county(code, expected))

    def town_names(self, count: int) -> list[str]:
        names: list[str] = []
        while len(names) < count:
            name = (self.rng.choice(TOWN_FIRST) + self.rng.choice(TOWN_SECOND)
                    + ("镇" if self.rng.random() < 0.7 else "乡"))
            if name not in names:
                names.append(name)
        return names

    def build_county(self, code: str, expected: float) -> _County:
        rng = self.rng
        region = regions.lookup(code)
        assert region is not None  # county_codes() only yields known codes
        county = _County(code, region.name, self.town_names(_clamp(expected / 300, 6, 18)))
        county.committee = self.organisation(
            "exc", "ExpertCommittee", f"{county.name}残疾人教育专家委员会", code
        )
        county_centre = self.organisation(
            "rsc", "ResourceCenter", f"{county.name}特殊教育资源中心", code, level="COUNTY"
        )
        township_centres = {
            town: self.organisation(
                "rsc", "ResourceCenter", f"{county.name}{town}特殊教育资源中心", code,
                level="TOWNSHIP",
            )
            for town in county.towns[: _clamp(expected / 1500, 2, 5)]
        }
        for n in range(_clamp(expected / 2500, 1, 3)):
            designated = n == 0 or rng.random() < 0.5
            name = (f"{county.name}残疾人康复中心" if n == 0
                    else f"{county.name}{rng.choice(county.towns)}儿童康复中心")
            county.rehab.append(self.organisation(
                "rhb", "RehabInstitution", name, code, code=credit_code(code, n + 1),
                designated=designated,
            ))

        counts = {
            "KINDERGARTEN": _clamp(expected / 60, 2, 80),
            "PRIMARY": _clamp(expected / 50, 3, 120),
            "JUNIOR": _clamp(expected / 120, 2, 50),
            "SENIOR": _clamp(expected / 600, 1, 8),
            "VOCATIONAL": _clamp(expected / 1500, 1, 4),
        }
        sequence = 0
        names: set[str] = set()
        for kind, count in counts.items():
            county.schools[kind] = []
            for n in range(count):
                sequence += 1
                town = None if n < max(1, count // 4) else rng.choice(county.towns)
                name = self.unique(names, school_name(kind, county.name, town, n, rng))
                school = self.build_school(kind, code, sequence, name)
                centre = township_centres.get(town, county_centre) if town else county_centre
                school.centre = centre
                self.centre_by_school[school.id] = centre
                self.serves.append((centre, school.id))
                county.schools[kind].append(school)
        # A special class in about a third of primary and junior schools, at least one each.
        for kind in ("PRIMARY", "JUNIOR"):
            for n, school in enumerate(county.schools[kind]):
                if n == 0 or rng.random() < 0.33:
                    school.special_class = self.school_class(school, "special", "特教班", None,
                                                             True)
        sequence += 1
        special = self.build_school("SPECIAL", code, sequence, f"{county.name}特殊教育学校")
        self.serves.append((self.city_centre, special.id))
        self.centre_by_school[special.id] = self.city_centre
        county.special_school = special
        return county

    @staticmethod
    def unique(names: set[str], name: str) -> str:
        candidate, n = name, 1
        while candidate in names:
            n += 1
            candidate = f"{name.removesuffix('学校').removesuffix('学')}{CN_DIGITS[n % 10]}校"
        names.add(candidate)
        return candidate

    def build_school(self, kind: str, county: str, sequence: int, name: str) -> _School:
        rng = self.rng
        code = f"2{county}{sequence:03d}"  # 10-digit 学校标识码: 2 + county + sequence
        school = _School(f"sch_{code}", kind)
        self.organisations.append(Organisation(
            school.id, "School", name, county, {"code": code, "schoolType": kind}
        ))
        if kind == "SPECIAL":
            self.school_class(school, "pre", "学前康复班", None, True)
            for grade in range(1, 10):
                self.school_class(school, str(grade), f"培智{CN_DIGITS[grade]}年级班", grade, True)
            self.school_class(school, "voc", "职业教育班", 10, True)
            self.school_class(school, "hd", "送教上门班", None, True)
            return school
        big = name.endswith(("实验小学", "实验中学", "实验幼儿园")) or "第" in name
        per_grade = rng.randint(3, 5) if big else rng.randint(1, 3)
        for year_grade, key in class_layout(kind):
            for k in range(1, per_grade + 1):
                self.school_class(school, key, class_label(kind, key, year_grade, k), year_grade,
                                  False)
        if rng.random() < 0.5:
            self.rooms.append(ResourceRoom(f"rrm_{code}", school.id, rng.randint(1, 3)))
        return school

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
            mother = None
            if age < 3:
                mother_birth = self.day_between(
                    date(birth.year - 38, 1, 1), date(birth.year - 22, 12, 31)
                )
                mother = self.id_number(county, mother_birth, male=False)
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
            if rng.random() < 0.015:
                name = (rng.choice(MINORITY_MALE if male else MINORITY_FEMALE) + "·"
                        + rng.choice(MINORITY_FATHER))
            else:
                name = self.person_name(male=male)
            child = Child(
                id=f"ch_{n:07d}", name=name, sex="M" if male else "F", birth_date=birth,
                id_number=number, mother_id_number=mother, region_code=county,
                disability_category=category, disability_grade=grade, special_needs=needs,
            )
            people.append(_Person(child, age, certified, severity(category, grade, rng)))
        return people

    def id_number(self, county: str, birth: date, male: bool) -> str:
        """A valid GB 11643 number whose place code was in use in the birth year."""
        rng = self.rng
        place = county
        if county in PREDECESSORS and (
            birth.year < REFORM_YEAR or (birth.year == REFORM_YEAR and rng.random() < 0.5)
        ):
            place = rng.choice(PREDECESSORS[county])
        while True:
            sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)  # odd = male
            body = f"{place}{birth:%Y%m%d}{sequence:03d}"
            number = body + ric.calc_check_digit(body + "0")
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

    # -- a child's record --

    def build_record(self, person: _Person) -> None:
        rng = self.rng
        county = self.county_by_code[person.child.region_code]
        if person.certified:
            self.certificate(person)
        if person.age <= 6 and rng.random() < 0.9:
            self.screening(person, county)
        placed = self.placements(person, county)
        self.transitions(person, county, placed)
        self.dropout_cases(person, placed)
        self.assessments(person, county, placed)
        self.plans(person, placed)
        self.services(person, county, placed)
        if person.orphan_in_care or rng.random() < 0.075:
            self.welfare_status(person)
        if person.certified and person.age >= 1 and rng.random() < 0.12:
            self.device_fitting(person, county)

    def certificate(self, person: _Person) -> None:
        rng = self.rng
        child = person.child
        category, grade = child.disability_category, child.disability_grade
        assert category is not None and grade is not None
        issued = self.day_between(
            max(child.birth_date + timedelta(days=180), date(2012, 1, 1)),
            TODAY - timedelta(days=7),
        )
        if "·" in child.name:  # the father's name is the second part of the child's
            guardian = child.name.split("·")[1]
        else:
            father = rng.random() < 0.55
            guardian = self.person_name(child.name[0] if father else None, male=father,
                                        adult=True)
        # Exports carry the guardian's mobile already masked; keep that shape.
        phone = f"1{rng.choice('3578')}{rng.randint(0, 9)}****{rng.randint(0, 9999):04d}"
        self.fact("DisabilityCertificate", person, issued, "DPF", {
            "category": category,
            "grade": grade,
            "validUntil": issued + timedelta(days=365 * 10),
            "guardianName": guardian,
            "guardianPhone": phone,
        }, secret=f"{child.id_number}{category}{grade}")

    def screening(self, person: _Person, county: _County) -> None:
        rng = self.rng
        child = person.child
        day = self.day_between(child.birth_date + timedelta(days=3),
                               min(child.birth_date + timedelta(days=900), TODAY - ONE_DAY))
        result = rng.choices(("POSITIVE", "SUSPECTED", "NEGATIVE"), (55, 25, 20))[0]
        key = str(child.disability_category) if child.disability_category else child.special_needs
        props: dict[str, Any] = {
            "screeningNo": f"SC{child.region_code}{day.year}{self.counters['scr'] + 1:07d}",
            "institution": rng.choice((f"{county.name}妇幼保健院", "长治市妇幼保健院",
                                       "长治市人民医院")),
            "result": result,
            "diagnosis": None,
            "diagnosedOn": None,
            "referral": None,
        }
        if result == "POSITIVE" and key is not None:
            props["diagnosis"] = rng.choice(DIAGNOSES[key])
            props["diagnosedOn"] = min(day + timedelta(days=rng.randint(14, 60)), TODAY)
        if result != "NEGATIVE":
            props["referral"] = f"转介{county.name}残疾人康复中心"
        self.fact("Screening", person, day, "HEALTH", props)

    def stints(self, person: _Person) -> list[_Stint]:
        """The child's placement history, oldest first (facts not yet made)."""
        rng = self.rng
        age, current = person.age, person.placement
        if current is not None:
            stage, grade = stage_of(age, current, rng)
            years_in = age - 3 if stage == "PRESCHOOL" else (grade or 0) - FIRST_GRADE[stage]
            year = TODAY.year - years_in
            key = kindergarten_key(age) if stage == "PRESCHOOL" else class_key(stage, grade)
            history = [_Stint(stage, current, grade, key, date(year, 9, 1))]
            kind = current
            # Earlier stages, latest first, until the record has a gap (older files are
            # patchier, kindergarten most of all).
            while (prior := PREVIOUS_STAGE.get(stage)) and rng.random() < (
                0.55 if prior == "PRESCHOOL" else 0.9
            ):
                kind = prior_type(prior, kind, rng)
                start_year = year - STAGE_YEARS[prior]
                history.append(_Stint(
                    prior, kind, LAST_GRADE[prior], class_key(prior, LAST_GRADE[prior]),
                    date(start_year, 9, 1), date(year, 7, rng.randint(1, 10)), "GRADUATED",
                    f"{STAGE_LABELS[prior]}毕业",
                ))
                stage, year = prior, start_year
            history.reverse()
            return history
        # Not enrolled now. Some were, and left; the rest never had school status.
        if 6 <= age <= 14 and rng.random() < 0.45:
            left = self.day_between(SCHOOL_YEAR[0] + timedelta(days=20), SCHOOL_YEAR[1])
            status = rng.choice(("DROPPED_OUT", "TRANSFERRED"))
            reason = "辍学" if status == "DROPPED_OUT" else "转学后未报到"
            if age <= 7:
                start, stage, grade = date(TODAY.year - age + 3, 9, 1), "PRESCHOOL", None
                left, status, reason = date(TODAY.year - age + 6, 7, 5), "GRADUATED", "幼儿园毕业"
            elif age <= 12:
                start, stage, grade = date(TODAY.year - age + 6, 9, 1), "PRIMARY", age - 6
            else:
                start, stage, grade = date(TODAY.year - age + 12, 9, 1), "JUNIOR", age - 6
            kind = "REGULAR_CLASS" if person.severity < 2.2 else "SPECIAL_SCHOOL"
            return [_Stint(stage, kind, grade, class_key(stage, grade), start, left, status,
                           reason)]
        if age >= 15 and rng.random() < 0.8:
            kind = "REGULAR_CLASS" if person.severity < 2.2 else "SPECIAL_SCHOOL"
            return [_Stint("JUNIOR", kind, 9, "9", date(TODAY.year - age + 12, 9, 1),
                           date(TODAY.year - age + 15, 7, 5), "GRADUATED", "初中毕业")]
        return []

    def placements(self, person: _Person, county: _County) -> list[_Placed]:
        """Makes the Placement facts; returns them oldest first."""
        placed = []
        for stint in self.stints(person):
            current = stint.end is None
            org, class_id, class_name = self.seat(county, stint, current)
            plc = self.fact("Placement", person, stint.start,
                            "CIVIL" if stint.kind == "WELFARE_CLASS" else "EDU", {
                                "type": stint.kind,
                                "stage": stint.stage,
                                "grade": stint.grade,
                                "className": class_name,
                                "status": stint.status,
                                "endDate": stint.end,
                                "endReason": stint.reason,
                            },
                            # 学籍号 is "G" + the ID number: stored as the connectors store it.
                            secret=student_number(person.child.id_number))
            self.link("AT", plc, org)
            if current and class_id is not None:
                self.link("IN_CLASS", plc, class_id)
            placed.append(_Placed(plc, stint, org))
        return placed

    def seat(self, county: _County, stint: _Stint, current: bool) -> tuple[str, str | None, str]:
        """(organisation, class id, class name) for a placement of this type and stage."""
        rng = self.rng
        special = county.special_school
        assert special is not None
        kind = stint.kind
        if kind == "WELFARE_CLASS":
            return self.welfare, self.welfare_class, self.class_name[self.welfare_class]
        if kind in ("HOME_DELIVERY", "REMOTE"):
            class_id = special.classes["hd"][0]
        elif kind == "SPECIAL_SCHOOL":
            key = ("pre" if stint.stage == "PRESCHOOL"
                   else "voc" if (stint.grade or 0) > 9 else str(stint.grade))
            class_id = special.classes[key][0]
        else:
            schools = county.schools[STAGE_SCHOOL[stint.stage]]
            if kind == "SPECIAL_CLASS":
                school = rng.choice([s for s in schools if s.special_class is not None])
                assert school.special_class is not None
                return school.id, school.special_class, self.class_name[school.special_class]
            school = rng.choice(schools)
            options = school.classes[stint.class_key]
            if current:
                # The class with the fewest inclusion pupils: the norm is 1–2, at most 3.
                class_id = min(options, key=lambda k: (self.class_load[k], rng.random()))
                self.class_load[class_id] += 1
            else:
                class_id = rng.choice(options)
            return school.id, class_id, self.class_name[class_id]
        return special.id, class_id, self.class_name[class_id]

    def transitions(self, person: _Person, county: _County, placed: list[_Placed]) -> None:
        rng = self.rng
        for old, new in pairwise(placed):
            ended = old.stint.end
            assert ended is not None
            trn = self.fact("Transition", person, ended - timedelta(days=rng.randint(30, 60)),
                            "EDU", {
                                "fromStage": old.stint.stage, "toStage": new.stint.stage,
                                "fromType": old.stint.kind, "toType": new.stint.kind,
                                "status": "COMPLETED",
                                "handedOverOn": ended + timedelta(days=rng.randint(1, 20)),
                                "completedOn": new.stint.start,
                            })
            self.link("FROM_PLACEMENT", trn, old.id)
            self.link("TO_PLACEMENT", trn, new.id)
            self.link("RECEIVING", trn, new.org)
        if not placed:
            return
        last = placed[-1]
        ended = last.stint.end
        if ended is not None:
            if rng.random() >= (0.3 if person.age >= 15 else 0.6):
                return
            # Left one placement and never appeared in the next: the case to chase.
            to_stage = NEXT_STAGE[last.stint.stage]
            same = last.stint.status != "GRADUATED"  # a transfer stays in its stage
            to_stage = last.stint.stage if same else to_stage
            receiving = rng.choice(county.schools[STAGE_SCHOOL[to_stage]]).id
            trn = self.fact("Transition", person, ended - timedelta(days=rng.randint(20, 60)),
                            "EDU", {
                                "fromStage": last.stint.stage, "toStage": to_stage,
                                "fromType": last.stint.kind, "toType": last.stint.kind,
                                "status": "STALLED",
                                "handedOverOn": ended + timedelta(days=rng.randint(1, 20)),
                                "completedOn": None,
                            })
            self.link("FROM_PLACEMENT", trn, last.id)
            self.link("RECEIVING", trn, receiving)
        elif rng.random() < 0.02 and last.stint.kind in LADDER_UP:
            # An open move up the ladder (e.g. special school → special class), under way.
            status = rng.choice(("PLANNED", "PLANNED", "HANDED_OVER"))
            to_type = LADDER_UP[last.stint.kind]
            stage = last.stint.stage
            special = county.special_school
            assert special is not None
            candidates = county.schools[STAGE_SCHOOL[stage]]
            if to_type == "SPECIAL_CLASS":
                candidates = [s for s in candidates if s.special_class is not None] or candidates
            target = special.id if to_type == "SPECIAL_SCHOOL" else rng.choice(candidates).id
            planned = self.day_between(date(2026, 5, 1), date(2026, 8, 20))
            trn = self.fact("Transition", person, planned, "EDU", {
                "fromStage": stage, "toStage": stage, "fromType": last.stint.kind,
                "toType": to_type, "status": status,
                "handedOverOn": (self.day_between(planned, TODAY - ONE_DAY)
                                 if status == "HANDED_OVER" else None),
                "completedOn": None,
            })
            self.link("FROM_PLACEMENT", trn, last.id)
            self.link("RECEIVING", trn, target)

    def dropout_cases(self, person: _Person, placed: list[_Placed]) -> None:
        rng = self.rng
        if person.placement is None and 6 <= person.age <= 14:
            # Every other out-of-school child has an open case (alternating rather than drawn,
            # so even a small city shows one); the rest are still to be found by the roster.
            self.unenrolled += 1
            if self.unenrolled % 2 == 1:
                self.dropout(person, open_case=True)
        elif person.placement is not None and rng.random() < 0.004:
            self.dropout(person, open_case=False)

    def dropout(self, person: _Person, open_case: bool) -> None:
        rng = self.rng
        reason = rng.choice(("家长不愿送学", "病情加重需长期治疗", "随父母外出务工",
                             "转学后未报到", "学校无法提供支持"))
        actions = rng.sample(("入户劝返", "专家委员会评估", "安排送教上门", "联系残联康复",
                              "协调资源教室支持"), rng.randint(1, 3))
        props: dict[str, Any]
        if open_case:
            opened = self.day_between(date(2026, 3, 1), date(2026, 8, 30))
            props = {"status": "OPEN", "closedOn": None, "resolution": None}
        else:  # flagged at term start, then the child came back: marked, ledgered, closed
            opened = self.day_between(date(2025, 9, 5), date(2025, 10, 31))
            props = {"status": "CLOSED",
                     "closedOn": opened + timedelta(days=rng.randint(10, 60)),
                     "resolution": rng.choice(("已劝返复学", "转为送教上门", "转入特殊教育学校"))}
        self.fact("DropoutCase", person, opened, "EDU",
                  {"reason": reason, "actions": actions, **props})

    def assessments(self, person: _Person, county: _County, placed: list[_Placed]) -> None:
        rng = self.rng
        if person.age < 3:
            return
        birth = person.child.birth_date
        if placed:
            entry_day = max(placed[0].stint.start - timedelta(days=rng.randint(20, 80)),
                            birth + timedelta(days=365 * 2))
            entry_type = placed[0].stint.kind
        else:
            entry_day = self.day_between(birth + timedelta(days=365 * 3), TODAY - ONE_DAY)
            entry_type = "HOME_DELIVERY" if person.severity > 3 else "SPECIAL_SCHOOL"
        asm = self.fact("Assessment", person, entry_day, "EDU", {
            "kind": "ENTRY", "recommendation": entry_type, "summary": SUMMARIES[entry_type],
        })
        self.link("BY", asm, county.committee)
        if (len(placed) > 1 or rng.random() < 0.35) and entry_day + timedelta(days=60) < TODAY:
            later = self.day_between(entry_day + timedelta(days=60), TODAY - ONE_DAY)
            recommendation = placed[-1].stint.kind if placed else entry_type
            asm = self.fact("Assessment", person, later, "EDU", {
                "kind": "TRANSITION" if len(placed) > 1 else "PERIODIC",
                "recommendation": recommendation, "summary": SUMMARIES[recommendation],
            })
            self.link("BY", asm, county.committee)

    def plans(self, person: _Person, placed: list[_Placed]) -> None:
        rng = self.rng
        if not placed or placed[-1].stint.end is not None:
            return
        versions = rng.choices((1, 2, 3), (5, 3, 2))[0]
        days = [min(placed[-1].stint.start + timedelta(days=20), TODAY)]
        for _ in range(versions - 1):
            following = days[-1] + timedelta(days=rng.randint(120, 200))
            if following > TODAY:
                break
            days.append(following)
        category = person.child.disability_category or 0
        for version, day in enumerate(days, start=1):
            self.fact("Plan", person, day, "EDU", {
                "version": version,
                "goals": "；".join(rng.sample(GOALS, 3)),
                "rehabilitationPlan": REHAB_PLANS.get(category, "每周一次感统与注意力训练"),
                "healthCarePlan": rng.choice(HEALTH_PLANS),
                "current": version == len(days),
            })

    def services(self, person: _Person, county: _County, placed: list[_Placed]) -> None:
        start, end = SCHOOL_YEAR
        for item in placed:
            begin = max(start, item.stint.start)
            finish = min(end, item.stint.end or end)
            if begin >= finish:
                continue
            if item.stint.kind == "HOME_DELIVERY":
                self.home_delivery(person, item.org, begin, finish)
            elif item.stint.kind == "REGULAR_CLASS":
                self.itinerant(person, self.centre_by_school[item.org], begin, finish)
        self.rehabilitation(person, county)

    def home_delivery(self, person: _Person, school: str, begin: date, finish: date) -> None:
        rng = self.rng
        remote = rng.random() < 0.25  # remote villages: one visit a week, so often < 120 h
        teacher = self.person_name(male=rng.random() < 0.3, adult=True)
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
                    svc = self.fact("ServiceSession", person, day, "EDU", {
                        "kind": "HOME_DELIVERY", "hours": hours, "content": content,
                        "provider": teacher, "notes": rng.choice(HD_NOTES),
                    })
                    self.link("BY", svc, school)
            week += timedelta(days=7)

    def itinerant(self, person: _Person, centre: str, begin: date, finish: date) -> None:
        rng = self.rng
        teacher = self.person_name(male=rng.random() < 0.3, adult=True)
        for term_start, term_end in TERMS:
            low, high = max(begin, term_start), min(finish, term_end)
            if low >= high:
                continue
            for _ in range(rng.randint(1, 3)):
                svc = self.fact("ServiceSession", person, self.day_between(low, high), "EDU", {
                    "kind": "ITINERANT_GUIDANCE", "hours": rng.choice((1.0, 1.5, 2.0)),
                    "content": ["EDUCATION"], "provider": teacher,
                    "notes": rng.choice(GUIDANCE_NOTES),
                })
                self.link("BY", svc, centre)

    def rehabilitation(self, person: _Person, county: _County) -> None:
        rng = self.rng
        child = person.child
        if person.age <= 6 and (person.certified or child.special_needs is not None):
            per_month, attended = 3, 0.85  # DPF's rescue rehabilitation for 0–6
        elif person.certified and rng.random() < 0.25:
            per_month, attended = 2, 0.8
        else:
            return
        institution = county.rehab[0] if rng.random() < 0.75 else rng.choice(county.rehab)
        therapist = self.person_name(male=rng.random() < 0.25, adult=True)
        begin = max(child.birth_date + timedelta(days=180), TODAY - timedelta(days=365))
        months = max(0, (TODAY - begin).days // 30)
        days = sorted(self.day_between(begin, TODAY - ONE_DAY)
                      for _ in range(months * per_month) if rng.random() < attended)
        for day in days:
            svc = self.fact("ServiceSession", person, day, "DPF", {
                "kind": "REHABILITATION", "hours": rng.choice((1.0, 1.5, 2.0)),
                "content": ["REHABILITATION"], "provider": therapist,
                "notes": rng.choice(REHAB_NOTES),
            })
            self.link("BY", svc, institution)

    def welfare_status(self, person: _Person) -> None:
        rng = self.rng
        category = "ORPHAN" if person.orphan_in_care else rng.choices(
            ("ORPHAN", "DE_FACTO_UNSUPPORTED", "IN_DIFFICULTY", "SUBSISTENCE_FAMILY"),
            (8, 15, 30, 47),
        )[0]
        in_care = person.orphan_in_care or (category == "ORPHAN" and rng.random() < 0.5)
        programme, aid = AID[category]
        since = self.day_between(person.child.birth_date + timedelta(days=7), TODAY - ONE_DAY)
        wel = self.fact("WelfareStatus", person, since, "CIVIL", {
            "fileNo": f"MZ{person.child.region_code}{self.counters['wel'] + 1:07d}",
            "category": category, "aidProgramme": programme,
            "monthlyAid": 1700 if in_care else aid,  # institutional care is paid at a higher rate
            "endDate": None,
        })
        if in_care:
            self.link("AT", wel, self.welfare)

    def device_fitting(self, person: _Person, county: _County) -> None:
        rng = self.rng
        category = person.child.disability_category
        assert category is not None
        day = self.day_between(person.child.birth_date + timedelta(days=365), TODAY - ONE_DAY)
        self.fact("DeviceFitting", person, day, "DPF", {
            "device": rng.choice(DEVICES[category]),
            "provider": rng.choice(
                ("长治市残疾人辅助器具服务中心", f"{county.name}残联辅具服务站")
            ),
        })

    def build(self) -> City:
        self.build_organisations()
        self.county_by_code = {county.code: county for county in self.counties}
        people = self.build_children()
        self.allocate_placements(people)
        for person in people:
            self.build_record(person)
        return City(
            seed=self.seed,
            region_codes=(CITY_CODE, *county_codes()),
            organisations=tuple(self.organisations),
            classes=tuple(self.classes),
            resource_rooms=tuple(self.rooms),
            serves=tuple(self.serves),
            children=tuple(p.child for p in people),
            facts=tuple(self.facts),
            links=tuple(self.links),
        )


@dataclass(frozen=True, slots=True)
class _Stint:
    """One placement before it becomes a fact."""

    stage: str
    kind: str
    grade: int | None
    class_key: str
    start: date
    end: date | None = None
    status: str = "ACTIVE"
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class _Placed:
    id: str
    stint: _Stint
    org: str


# --- school years, stages and names -----------------------------------------------------------

ONE_DAY = timedelta(days=1)
STAGE_SCHOOL = {"PRESCHOOL": "KINDERGARTEN", "PRIMARY": "PRIMARY", "JUNIOR": "JUNIOR",
                "SENIOR": "SENIOR", "VOCATIONAL": "VOCATIONAL"}
STAGE_LABELS = {"PRESCHOOL": "幼儿园", "PRIMARY": "小学", "JUNIOR": "初中", "SENIOR": "高中",
                "VOCATIONAL": "中职"}
STAGE_YEARS = {"PRESCHOOL": 3, "PRIMARY": 6, "JUNIOR": 3, "SENIOR": 3, "VOCATIONAL": 3}
FIRST_GRADE = {"PRIMARY": 1, "JUNIOR": 7, "SENIOR": 10, "VOCATIONAL": 10}
LAST_GRADE: dict[str, int | None] = {"PRESCHOOL": None, "PRIMARY": 6, "JUNIOR": 9,
                                     "SENIOR": 12, "VOCATIONAL": 12}
PREVIOUS_STAGE = {"PRIMARY": "PRESCHOOL", "JUNIOR": "PRIMARY", "SENIOR": "JUNIOR",
                  "VOCATIONAL": "JUNIOR"}
NEXT_STAGE = {"PRESCHOOL": "PRIMARY", "PRIMARY": "JUNIOR", "JUNIOR": "VOCATIONAL",
              "SENIOR": "SENIOR", "VOCATIONAL": "VOCATIONAL"}
LADDER_UP = {"SPECIAL_SCHOOL": "SPECIAL_CLASS", "SPECIAL_CLASS": "REGULAR_CLASS",
             "HOME_DELIVERY": "SPECIAL_SCHOOL"}
HD_CONTENT = ("EDUCATION", "REHABILITATION", "HEALTH")

SUMMARIES = {
    "REGULAR_CLASS": "能适应普通班级学习，建议随班就读，配备资源教室支持",
    "SPECIAL_CLASS": "需较多个别化支持，建议在普通学校特教班就读",
    "SPECIAL_SCHOOL": "需系统的特殊教育与康复，建议入读特殊教育学校",
    "HOME_DELIVERY": "身体状况不能到校，需长期照护，建议送教上门",
    "REMOTE": "不能到校，具备网络条件，建议远程教育并定期家访",
    "WELFARE_CLASS": "在福利机构养育，建议在福利机构特教班就读",
}
GOALS = (
    "生活自理：独立进餐与如厕", "沟通：用短句表达需求", "认知：认读常用汉字 50 个",
    "数学：10 以内加减", "社会交往：参与小组活动 10 分钟", "情绪：学会用语言表达不满",
    "运动：独立上下楼梯", "注意力：专注完成任务 15 分钟", "安全：认识常见交通标志",
    "职业准备：完成简单分拣任务",
)
REHAB_PLANS = {
    1: "定向行走训练，每周两次", 2: "听觉言语康复训练，每周三次", 3: "言语语言训练，每周两次",
    4: "运动功能训练与作业治疗，每周三次", 5: "认知与生活技能训练，每周两次",
    6: "行为干预与情绪调节训练，每周两次", 7: "综合康复训练（运动、言语、认知），每周三次",
}
HEALTH_PLANS = ("每学期体检一次，关注视力与营养", "癫痫发作应急预案，按时服药",
                "定期随访康复医生，预防压疮", "饮食与睡眠记录，每月家校沟通")
HD_NOTES = ("完成本周教学计划", "家长参与训练", "孩子情绪稳定，配合良好", "复习上周内容",
            "进行了精细动作训练", "指导家长居家康复")
GUIDANCE_NOTES = ("课堂观察并指导班主任调整教学目标", "指导资源教室个别化训练",
                  "与家长沟通个别化教育计划", "组织同伴支持活动")
REHAB_NOTES = ("完成训练计划", "进步明显", "配合度一般，调整训练内容", "家长陪同训练")
AID: dict[str, tuple[str, int]] = {
    "ORPHAN": ("孤儿基本生活保障", 1250),
    "DE_FACTO_UNSUPPORTED": ("事实无人抚养儿童保障", 1250),
    "IN_DIFFICULTY": ("困境儿童分类保障", 400),
    "SUBSISTENCE_FAMILY": ("城乡最低生活保障", 520),
}


WELFARE_NAME = "长治市儿童福利院"
DEMO_FOLDER = Path("var/demo")  # where `hub demo-data` writes the departments' exports


def credit_code(region: str, sequence: int) -> str:
    """An 18-character unified social credit code 统一社会信用代码 for a public institution
    (12…): characters 3–8 are the registering region, as the rehab connector reads them."""
    from stdnum.cn import uscc

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
        severe = later in ("SPECIAL_SCHOOL", "HOME_DELIVERY", "REMOTE")
        return "SPECIAL_SCHOOL" if severe and rng.random() < 0.6 else "REGULAR_CLASS"
    if rng.random() < 0.8:
        return later
    # Children mostly move up the ladder over the years, so the earlier rung is lower.
    return {"REGULAR_CLASS": "SPECIAL_CLASS", "SPECIAL_CLASS": "SPECIAL_SCHOOL",
            "SPECIAL_SCHOOL": "HOME_DELIVERY"}.get(later, later)


def kindergarten_key(age: int) -> str:
    return f"K{min(max(age - 2, 1), 3)}"


def class_key(stage: str, grade: int | None) -> str:
    return "K3" if stage == "PRESCHOOL" else str(grade)


def class_layout(kind: str) -> list[tuple[int | None, str]]:
    """(grade, class key) for each year group of an ordinary school."""
    if kind == "KINDERGARTEN":
        return [(None, "K1"), (None, "K2"), (None, "K3")]
    grades = {"PRIMARY": range(1, 7), "JUNIOR": range(7, 10)}.get(kind, range(10, 13))
    return [(grade, str(grade)) for grade in grades]


def class_label(kind: str, key: str, grade: int | None, k: int) -> str:
    """The name staff use: 小二班, 三年级2班, 高一3班, 2026级电子商务1班."""
    if kind == "KINDERGARTEN":
        return f"{'小中大'[int(key[1]) - 1]}{CN_DIGITS[k % 10]}班"
    assert grade is not None
    if kind in ("PRIMARY", "JUNIOR"):
        return f"{CN_DIGITS[grade]}年级{k}班"
    if kind == "SENIOR":
        return f"高{CN_DIGITS[grade - 9]}{k}班"
    return f"{TODAY.year - (grade - 10)}级{MAJORS[k % len(MAJORS)]}{k}班"


def school_name(kind: str, county: str, town: str | None, n: int, rng: random.Random) -> str:
    """County-seat schools first (实验, 第N), then township and village schools."""
    ordinal = f"第{CN_DIGITS[(n % 9) + 1]}"
    village = rng.choice(TOWN_FIRST) + rng.choice(TOWN_SECOND)
    if kind == "KINDERGARTEN":
        if town is None:
            return f"{county}实验幼儿园" if n == 0 else f"{county}{ordinal}幼儿园"
        return f"{town}中心幼儿园" if rng.random() < 0.5 else f"{town}{village}幼儿园"
    if kind == "PRIMARY":
        if town is None:
            return f"{county}实验小学" if n == 0 else f"{county}{ordinal}小学"
        return f"{town}中心小学" if rng.random() < 0.4 else f"{town}{village}小学"
    if kind == "JUNIOR":
        if town is None:
            return f"{county}实验中学" if n == 0 else f"{county}{ordinal}中学"
        return f"{town}中学" if rng.random() < 0.5 else f"{town}{village}中学"
    if kind == "SENIOR":
        return f"{county}第{CN_DIGITS[n + 1]}中学" if n < 9 else f"{county}高级中学"
    return f"{county}职业技术学校" if n == 0 else f"{county}{ordinal}职业中学"


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


# --- writing ------------------------------------------------------------------------------------

# Organisations carry Organisation and their kind's label; labels cannot be parameters, so
# there is one literal statement per kind (values still travel only as parameters).
_ORG_HEAD: LiteralString = (
    "UNWIND $rows AS row MATCH (r:Region {code: row.regionCode}) "
    "MERGE (o:Organisation {id: row.id}) "
)
_ORG_TAIL: LiteralString = (
    ", o.name = row.name, o.regionCode = row.regionCode, o += row.props "
    "MERGE (o)-[:IN_REGION]->(r)"
)
_ORGANISATIONS: dict[str, LiteralString] = {
    "School": _ORG_HEAD + "SET o:School" + _ORG_TAIL,
    "ResourceCenter": _ORG_HEAD + "SET o:ResourceCenter" + _ORG_TAIL,
    "RehabInstitution": _ORG_HEAD + "SET o:RehabInstitution" + _ORG_TAIL,
    "WelfareInstitution": _ORG_HEAD + "SET o:WelfareInstitution" + _ORG_TAIL,
    "ExpertCommittee": _ORG_HEAD + "SET o:ExpertCommittee" + _ORG_TAIL,
}
_CLASSES: LiteralString = (
    "UNWIND $rows AS row MATCH (o:Organisation {id: row.organisation}) "
    "MERGE (k:SchoolClass {id: row.id}) "
    "SET k.name = row.name, k.grade = row.grade, k.special = row.special "
    "MERGE (o)-[:HAS_CLASS]->(k)"
)
_ROOMS: LiteralString = (
    "UNWIND $rows AS row MATCH (s:School {id: row.school}) "
    "MERGE (r:ResourceRoom {id: row.id}) SET r.teachers = row.teachers "
    "MERGE (s)-[:HAS_RESOURCE_ROOM]->(r)"
)
_SERVES: LiteralString = (
    "UNWIND $rows AS row MATCH (c:ResourceCenter {id: row.centre}) "
    "MATCH (s:School {id: row.school}) MERGE (c)-[:SERVES]->(s)"
)
# The ciphertext has a random nonce: set it only on creation, so a rewrite changes nothing.
_CHILDREN: LiteralString = (
    "UNWIND $rows AS row MATCH (r:Region {code: row.props.regionCode}) "
    "MERGE (c:Child {id: row.id}) ON CREATE SET c.idCipher = row.idCipher "
    "SET c += row.props MERGE (c)-[:LIVES_IN]->(r)"
)
_FACT_HEAD: LiteralString = (
    "UNWIND $rows AS row MATCH (c:Child {id: row.child}) MERGE (f:Fact {id: row.id}) "
)
_FACT_TAIL: LiteralString = ", f += row.props MERGE (c)-[:HAS_FACT]->(f)"
_FACTS: dict[str, LiteralString] = {
    "DisabilityCertificate": _FACT_HEAD + "SET f:DisabilityCertificate" + _FACT_TAIL,
    "Screening": _FACT_HEAD + "SET f:Screening" + _FACT_TAIL,
    "Assessment": _FACT_HEAD + "SET f:Assessment" + _FACT_TAIL,
    "Placement": _FACT_HEAD + "SET f:Placement" + _FACT_TAIL,
    "ServiceSession": _FACT_HEAD + "SET f:ServiceSession" + _FACT_TAIL,
    "Plan": _FACT_HEAD + "SET f:Plan" + _FACT_TAIL,
    "Transition": _FACT_HEAD + "SET f:Transition" + _FACT_TAIL,
    "DropoutCase": _FACT_HEAD + "SET f:DropoutCase" + _FACT_TAIL,
    "WelfareStatus": _FACT_HEAD + "SET f:WelfareStatus" + _FACT_TAIL,
    "DeviceFitting": _FACT_HEAD + "SET f:DeviceFitting" + _FACT_TAIL,
}
_LINK_TO_ORG: LiteralString = (
    "UNWIND $rows AS row MATCH (f:Fact {id: row.source}) "
    "MATCH (o:Organisation {id: row.target}) "
)
_LINK_TO_FACT: LiteralString = (
    "UNWIND $rows AS row MATCH (f:Fact {id: row.source}) MATCH (o:Fact {id: row.target}) "
)
_LINKS: dict[str, LiteralString] = {
    "AT": _LINK_TO_ORG + "MERGE (f)-[:AT]->(o)",
    "BY": _LINK_TO_ORG + "MERGE (f)-[:BY]->(o)",
    "RECEIVING": _LINK_TO_ORG + "MERGE (f)-[:RECEIVING]->(o)",
    "IN_CLASS": (
        "UNWIND $rows AS row MATCH (f:Fact {id: row.source}) "
        "MATCH (o:SchoolClass {id: row.target}) MERGE (f)-[:IN_CLASS]->(o)"
    ),
    "FROM_PLACEMENT": _LINK_TO_FACT + "MERGE (f)-[:FROM_PLACEMENT]->(o)",
    "TO_PLACEMENT": _LINK_TO_FACT + "MERGE (f)-[:TO_PLACEMENT]->(o)",
}


async def _send(
    graph: Graph,
    cypher: LiteralString,
    items: Sequence[T],
    row: Callable[[T], dict[str, Any]],
    progress: Progress | None,
    label: str,
    parallel: int = PARALLEL,
) -> None:
    """One transaction per batch, up to `parallel` batches in flight.

    Neo4j runs each transaction on one core, so a second one in flight keeps both cores busy
    while Python builds the next batch's rows. Batches of one kind cover disjoint children
    (facts are in child order), so they rarely contend; a deadlock is transient and the
    driver retries it. Rows are built per batch so 2 M facts never sit in memory as dicts.
    """
    pending: set[asyncio.Task[Any]] = set()
    for batch in batches(items, BATCH):
        if len(pending) >= parallel:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()  # re-raises a failed batch
        rows = [row(item) for item in batch]
        pending.add(asyncio.create_task(_write_batch(graph, cypher, rows, progress, label)))
    if pending:
        await asyncio.gather(*pending)


async def _write_batch(
    graph: Graph,
    cypher: LiteralString,
    rows: list[dict[str, Any]],
    progress: Progress | None,
    label: str,
) -> None:
    await graph.write(cypher, {"rows": rows})
    if progress is not None:
        progress(len(rows), label)


def _grouped(items: Sequence[T], key: Callable[[T], str]) -> dict[str, list[T]]:
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


async def write(
    graph: Graph, city: City, settings: Settings, progress: Progress | None = None
) -> None:
    """Writes `city` with idempotent MERGEs: organisations, children, facts, relationships.

    The regions (and departments) must exist first: :func:`hub.reference.ensure_regions`.
    """
    await write_reference(graph, city, settings, progress)
    await write_facts(graph, city.facts, city.links, settings, progress)


async def write_reference(
    graph: Graph, city: City, settings: Settings, progress: Progress | None = None
) -> None:
    """Organisations, classes, resource rooms, who serves whom, and the children."""
    protector = IdProtector(settings)

    def organisation(org: Organisation) -> dict[str, Any]:
        return {"id": org.id, "name": org.name, "regionCode": org.region_code,
                "props": org.props}

    def child(item: Child) -> dict[str, Any]:
        protected = protector.protect(item.id_number)
        mother = item.mother_id_number
        return {
            "id": item.id,
            "idCipher": protected.cipher,
            "props": {
                "id": item.id,
                "name": item.name,
                "sex": item.sex,
                "birthDate": item.birth_date,
                "idHash": protected.hash,
                "idMasked": protected.masked,
                "motherIdHash": protector.hash(mother) if mother else None,
                "regionCode": item.region_code,
                "disabilityCategory": item.disability_category,
                "disabilityGrade": item.disability_grade,
                "specialNeeds": [item.special_needs] if item.special_needs else [],
            },
        }

    def school_class(k: SchoolClass) -> dict[str, Any]:
        return {"id": k.id, "organisation": k.organisation, "name": k.name, "grade": k.grade,
                "special": k.special}

    def room(r: ResourceRoom) -> dict[str, Any]:
        return {"id": r.id, "school": r.school, "teachers": r.teachers}

    def serves(pair: tuple[str, str]) -> dict[str, Any]:
        return {"centre": pair[0], "school": pair[1]}

    for kind, orgs in _grouped(city.organisations, _org_kind).items():
        await _send(graph, _ORGANISATIONS[kind], orgs, organisation, progress, "organisations")
    await _send(graph, _CLASSES, city.classes, school_class, progress, "classes")
    await _send(graph, _ROOMS, city.resource_rooms, room, progress, "resource rooms")
    await _send(graph, _SERVES, city.serves, serves, progress, "resource centres")
    await _send(graph, _CHILDREN, city.children, child, progress, "children")


async def write_facts(
    graph: Graph, facts: Sequence[Fact], links: Sequence[Link], settings: Settings,
    progress: Progress | None = None,
) -> None:
    """Facts on children already written, then their relationships (by node id)."""
    protector = IdProtector(settings)

    def fact(item: Fact) -> dict[str, Any]:
        return {"id": item.id, "child": item.child, "props": fact_props(item, protector)}

    def link(item: Link) -> dict[str, Any]:
        return {"source": item.source, "target": item.target}

    for kind, group in _grouped(facts, _fact_kind).items():
        await _send(graph, _FACTS[kind], group, fact, progress, kind)
    for rel, group_links in _grouped(links, _link_rel).items():
        # One at a time: links converge on a few dense organisation nodes (a county's rehab
        # centre has tens of thousands of sessions), where parallel batches deadlock.
        await _send(graph, _LINKS[rel], group_links, link, progress, rel, parallel=1)


def fact_props(item: Fact, protector: IdProtector) -> dict[str, Any]:
    """A fact's graph properties: a number embedding an ID is kept as hash and mask only."""
    if item.secret is None:
        return item.props
    if item.kind == "Placement":  # 学籍号, stored exactly as the edu-status connector does
        return {**item.props, "studentNumber": f"hmac:{protector.hash(item.secret)}",
                "studentNumberMasked": mask(item.secret)}
    return {**item.props, "numberHash": protector.hash(item.secret),
            "numberMasked": mask(item.secret)}


# --- the real path: department exports through the connectors ----------------------------------

EXPORT_FILES: tuple[tuple[str, str, str], ...] = (  # source, file, encoding (FORMATS.md)
    ("edu-status", "edu-status.csv", "gbk"),
    ("dpf-certificates", "dpf-certificates.xlsx", ""),
    ("health-screening", "health-screening.csv", "utf-8-sig"),
    ("civil-welfare", "civil-welfare.csv", "utf-8-sig"),
    ("rehab-sessions", "rehab-sessions.csv", "utf-8-sig"),
    ("home-delivery", "home-delivery.csv", "utf-8-sig"),
)
REHAB_ITEMS = {1: "视功能训练", 2: "言语训练", 3: "言语训练", 4: "运动训练", 5: "认知训练",
               6: "孤独症干预", 7: "运动训练"}
CATEGORY_LABELS = {1: "视力", 2: "听力", 3: "言语", 4: "肢体", 5: "智力", 6: "精神", 7: "多重"}
GRADE_LABELS = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}


@dataclass
class Exports:
    """The city's department exports: rows per source, and which facts they carry.

    ``refs`` maps the id of every fact an export carries to the ``sourceRef`` the connector
    gives it, so relationships the exports do not carry can be attached afterwards.
    """

    rows: dict[str, list[dict[str, object]]]
    refs: dict[str, str]


def exports(city: City, protector: IdProtector) -> Exports:
    """What each department's system would export for this city (FORMATS.md).

    Exported: current placements at a school (edu-status), certificates with their device
    fittings (dpf-certificates), screenings, welfare statuses, rehabilitation and home-delivery
    sessions. An infant screened before its first birthday appears without its own ID number,
    linked by its mother's. Everything else has no export and is written directly.
    """
    from connectors.sources.edu_status import placement_ref
    from hub.vocabulary import (
        ChildCategory,
        HomeDeliveryContent,
        PlacementType,
        ScreeningResult,
        Stage,
    )

    children = {child.id: child for child in city.children}
    orgs = {org.id: org for org in city.organisations}
    targets = {(link.rel, link.source): link.target for link in city.links
               if link.rel in ("AT", "BY")}
    devices = {fact.child: fact for fact in city.facts if fact.kind == "DeviceFitting"}
    rows: dict[str, list[dict[str, object]]] = {source: [] for source, _, _ in EXPORT_FILES}
    refs: dict[str, str] = {}

    def person(child: Child, sex_digit: bool = False) -> dict[str, object]:
        sex = ("1" if child.sex == "M" else "2") if sex_digit else (
            "男" if child.sex == "M" else "女")
        return {"姓名": child.name, "性别": sex}

    def hashed(source: str, number: str) -> str:
        return f"{source}/hmac:{protector.hash(number)}"

    for fact in city.facts:
        child = children[fact.child]
        props = fact.props
        if fact.kind == "Placement" and props["endDate"] is None \
                and props["type"] != "WELFARE_CLASS":
            school = orgs[targets[("AT", fact.id)]]
            number = student_number(child.id_number)
            rows["edu-status"].append({
                **person(child), "出生日期": f"{child.birth_date:%Y-%m-%d}",
                "身份证号": child.id_number, "学籍号": number,
                "学校标识码": school.props["code"], "学校名称": school.name,
                "学段": Stage(props["stage"]).label,
                "年级": f"{props['grade']}年级" if props["grade"] else None,
                "班级": props["className"], "就读方式": PlacementType(props["type"]).label,
                "残疾类别": CATEGORY_LABELS.get(child.disability_category or 0),
                "学籍状态": "在读", "入学日期": f"{props['date']:%Y/%m/%d}",
                "行政区划代码": child.region_code,
            })
            refs[fact.id] = placement_ref(
                f"hmac:{protector.hash(number)}", str(school.props["code"]), props["stage"],
                props["type"])
        elif fact.kind == "DisabilityCertificate":
            assert fact.secret is not None
            category, grade = props["category"], props["grade"]
            device = devices.get(child.id)
            rows["dpf-certificates"].append({
                **person(child, sex_digit=True), "出生日期": child.birth_date,
                "残疾人证号": fact.secret, "残疾类别": CATEGORY_LABELS[category] + "残疾",
                "残疾等级": GRADE_LABELS[grade], "发证日期": props["date"],
                "有效期至": props["validUntil"], "户籍地行政区划代码": child.region_code,
                "监护人姓名": props["guardianName"], "监护人联系电话": props["guardianPhone"],
                "辅具适配": device.props["device"] if device else None,
            })
            refs[fact.id] = hashed("dpf-certificates", fact.secret)
            if device:
                refs[device.id] = refs[fact.id] + "#device"
        elif fact.kind == "Screening":
            infant = child.mother_id_number and (props["date"] - child.birth_date).days < 365
            rows["health-screening"].append({
                "筛查编号": props["screeningNo"], "儿童姓名": child.name,
                "性别": "男" if child.sex == "M" else "女",
                "出生日期": f"{child.birth_date.year}年{child.birth_date.month}月"
                            f"{child.birth_date.day}日",
                "儿童身份证号": None if infant else child.id_number,
                "母亲姓名": None, "母亲身份证号": child.mother_id_number,
                "筛查日期": f"{props['date']:%Y-%m-%d}", "筛查机构": props["institution"],
                "筛查结果": ScreeningResult(props["result"]).label, "诊断": props["diagnosis"],
                "诊断日期": props["diagnosedOn"], "转介康复机构": props["referral"],
                "行政区划代码": child.region_code,
            })
            refs[fact.id] = f"health-screening/{props['screeningNo']}"
        elif fact.kind == "WelfareStatus":
            home = orgs.get(targets.get(("AT", fact.id), ""))
            rows["civil-welfare"].append({
                "档案号": props["fileNo"], **person(child),
                "出生日期": f"{child.birth_date:%Y.%m.%d}", "身份证号": child.id_number,
                "儿童类别": ChildCategory(props["category"]).label,
                "福利机构": home.name if home else None, "救助项目": props["aidProgramme"],
                "月救助金额": f"{props['monthlyAid']}元", "起始日期": props["date"],
                "终止日期": props["endDate"],
                # The institution keeps the file: its region, which keys it (civil_welfare).
                "行政区划代码": home.region_code if home else child.region_code,
            })
            refs[fact.id] = f"civil-welfare/{props['fileNo']}"
        elif fact.kind == "ServiceSession" and props["kind"] == "REHABILITATION":
            institution = orgs[targets[("BY", fact.id)]]
            key = "KF" + fact.id.removeprefix("svc_")
            certificate = None
            if child.disability_category and int(fact.id[-1]) % 2:
                certificate = (f"{child.id_number}{child.disability_category}"
                               f"{child.disability_grade}")
            rows["rehab-sessions"].append({
                "服务记录号": key, "姓名": child.name,
                "身份证号": None if certificate else child.id_number,
                "残疾人证号": certificate, "康复机构": institution.name,
                "机构代码": institution.props["code"], "服务日期": props["date"],
                "服务项目": REHAB_ITEMS.get(child.disability_category or 0, "认知训练")
                if child.special_needs != "AUTISM" else "孤独症干预",
                "课时": props["hours"], "康复师": props["provider"],
            })
            refs[fact.id] = f"rehab-sessions/{key}"
        elif fact.kind == "ServiceSession" and props["kind"] == "HOME_DELIVERY":
            school = orgs[targets[("BY", fact.id)]]
            key = "SJ" + fact.id.removeprefix("svc_")
            rows["home-delivery"].append({
                "记录编号": key, "学生姓名": child.name,
                "学籍号": student_number(child.id_number), "身份证号": None,
                "负责学校标识码": school.props["code"], "送教日期": props["date"],
                "课时": f"{props['hours']}课时",
                "送教内容": "、".join(HomeDeliveryContent(c).label for c in props["content"]),
                "送教教师": props["provider"], "备注": props["notes"],
            })
            refs[fact.id] = f"home-delivery/{key}"
    return Exports(rows, refs)


def write_export_files(folder: Path, found: Exports) -> dict[str, Path]:
    """Writes each source's export as its department would: GBK, xlsx, UTF-8 with BOM."""
    from connectors import generate
    from connectors.sources import SOURCES

    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for source, name, encoding in EXPORT_FILES:
        header = list(SOURCES[source].columns)
        if name.endswith(".xlsx"):
            paths[source] = generate.write_xlsx(folder / name, header, found.rows[source])
        else:
            paths[source] = generate.write_csv(folder / name, header, found.rows[source],
                                               encoding)
    return paths


_FACT_IDS: LiteralString = (
    "UNWIND $refs AS ref MATCH (f:Fact {sourceRef: ref}) RETURN ref, f.id AS id"
)


async def write_via_files(
    graph: Graph, city: City, settings: Settings, folder: Path,
    report: Callable[[str], None] | None = None,
) -> list[Any]:
    """The demo through the real path; returns the connectors' load reports.

    Organisations and children are written first (a register the exports link to), then the
    exports are written under ``folder`` and loaded with the connectors' pipeline, then the
    facts no export carries and the relationships the connectors do not make (a placement's
    class, a transition's placements) are written directly, pointing at the loaded facts.
    """
    from connectors.pipeline import load
    from connectors.sources import SOURCES

    protector = IdProtector(settings)
    found = exports(city, protector)
    paths = write_export_files(folder, found)
    await write_reference(graph, city, settings)
    loaded = []
    for source, _, _ in EXPORT_FILES:
        # The school-status export is a snapshot of the city's "today" (FORMATS.md --as-of).
        result = await load(graph, SOURCES[source], paths[source], protector, as_of=TODAY)
        loaded.append(result)
        if report:
            report(f"{source:18} {paths[source].name:24} {result.rows:>7} 行 rows, "
                   f"{result.loaded} 已导入 loaded, {result.rejected} 拒绝 rejected")
    rows = await graph.run(_FACT_IDS, {"refs": sorted(set(found.refs.values()))})
    loaded_ids = {row["ref"]: row["id"] for row in rows}
    ids = {fact_id: loaded_ids[ref] for fact_id, ref in found.refs.items() if ref in loaded_ids}
    rest = [fact for fact in city.facts if fact.id not in found.refs]
    links = [
        Link(link.rel, ids.get(link.source, link.source), ids.get(link.target, link.target))
        for link in city.links
        # AT and BY of a loaded fact are the connector's own (school, institution), and so is
        # the class of a placement loaded from edu-status (年级/班级, per school year).
        if not (link.source in found.refs and link.rel in ("AT", "BY", "IN_CLASS"))
    ]
    await write_facts(graph, rest, links, settings)
    return loaded


def _org_kind(org: Organisation) -> str:
    return org.kind


def _fact_kind(fact: Fact) -> str:
    return fact.kind


def _link_rel(link: Link) -> str:
    return link.rel


async def has_children(graph: Graph) -> bool:
    rows = await graph.run("MATCH (c:Child) RETURN c.id AS id LIMIT 1")
    return bool(rows)


# --- the command --------------------------------------------------------------------------------


def demo_data_command(
    children: int = typer.Option(400, "--children", min=0, help="儿童人数 number of children"),
    seed: int = typer.Option(1, "--seed", help="随机种子 seed: the same seed, the same city"),
    if_empty: bool = typer.Option(
        False, "--if-empty", help="已有儿童时跳过 do nothing when any child exists"
    ),
    via_files: str = typer.Option(
        str(DEMO_FOLDER), "--via-files",
        help="部门导出文件写到此目录并经连接器导入 write the departments' exports here and load "
             "them through the connectors",
    ),
    direct: bool = typer.Option(
        False, "--direct", help="不经导出文件，直接写入（基准测试用） write straight to the graph "
                                "(faster, for benchmarks)",
    ),
) -> None:
    """生成演示数据 Write a deterministic synthetic city (长治市) for demos and benchmarks.

    By default the city's department exports are written under --via-files and loaded through
    the connectors (``hub ingest``'s path); what no export carries is written directly.
    """
    conf = cli.settings()

    async def work(graph: Graph) -> tuple[City, float] | None:
        if if_empty and await has_children(graph):
            return None
        started = time.perf_counter()
        typer.echo(f"正在生成 generating {children:,} children (seed {seed}) ...")
        city = generate(children, seed)
        await ensure_regions(graph)
        await ensure_departments(graph, city.region_codes)
        if direct:
            await _write_with_progress(graph, city, conf)
        else:
            typer.echo(f"经连接器导入部门导出文件 loading department exports from {via_files}/")
            await write_via_files(graph, city, conf, Path(via_files), report=typer.echo)
        return city, time.perf_counter() - started

    result = cli.with_graph(work)
    if result is None:
        typer.echo("已有儿童数据，跳过 children already present: nothing written (--if-empty)")
        return
    city, seconds = result
    typer.echo(
        f"已写入 {len(city.children):,} 名儿童、{len(city.facts):,} 条事实，用时 {seconds:.1f} 秒; "
        f"wrote {len(city.children):,} children and {len(city.facts):,} facts "
        f"in {seconds:.1f} s"
    )


async def _write_with_progress(graph: Graph, city: City, conf: Settings) -> None:
    import sys

    if not sys.stderr.isatty():
        await write(graph, city, conf)
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description:<24}"), BarColumn(), TextColumn("{task.completed:,}"),
        TimeRemainingColumn(), transient=True,
    ) as bar:
        task = bar.add_task("写入 writing", total=city.rows)

        def advance(rows: int, label: str) -> None:
            bar.update(task, advance=rows, description=f"写入 writing {label}")

        await write(graph, city, conf, advance)
