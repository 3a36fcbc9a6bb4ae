"""Synthetic department exports with known truth 合成测试数据, for tests and ``hub bench``.

A :class:`Population` of children (with twins, infants screened before they have an ID number,
and retired region codes in ID numbers) is rendered as rows of each source; ``truth`` maps each
row's source reference (``source/key`` as the hub stores it) to the index of the real child,
so a test can score the hub's links. Nothing here is real personal data.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook
from stdnum.cn import ric

from connectors.sources import SOURCES

# Counties of 长治市; 140421 长治县 was retired in 2018 but lives on in ID numbers.
COUNTIES = ("140402", "140403", "140404", "140405", "140406", "140423", "140425", "140426",
            "140427", "140428", "140429", "140430", "140431", "140481")
BIRTH_COUNTIES = (*COUNTIES, "140421", "140421")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文博宇轩涵睿欣怡"
UYGHUR = ("阿依古丽", "买买提", "艾力", "古丽娜尔", "热依拉", "吐尔逊", "阿不都", "努尔")
CATEGORY_WORDS = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")
STAGES = ("学前", "小学", "初中", "高中", "中职")
PLACEMENTS = ("随班就读", "特教班", "特殊教育学校", "送教上门")


def check_digit(body: str) -> str:
    return str(ric.calc_check_digit(body + "0"))


def make_id(region: str, born: date, sequence: int, sex: str) -> str:
    """A valid 18-character resident ID; the 17th digit's parity encodes sex."""
    seq = sequence % 1000
    if (seq % 2 == 1) != (sex == "M"):
        seq = (seq + 1) % 1000
    body = f"{region}{born:%Y%m%d}{seq:03d}"
    return body + check_digit(body)


@dataclass
class TrueChild:
    index: int
    name: str
    sex: str
    born: date
    id_number: str
    mother_id: str
    region: str
    twin_of: int | None = None
    infant: bool = False  # screened before it had an ID number

    @property
    def student_number(self) -> str:
        return f"G{self.id_number}"


@dataclass
class Population:
    children: list[TrueChild] = field(default_factory=list)

    @classmethod
    def generate(cls, size: int, seed: int = 1, twin_share: float = 0.03,
                 infant_share: float = 0.1) -> Population:
        rng = random.Random(seed)  # noqa: S311 - test data, not secrets
        population = cls()
        used: set[str] = set()
        sequence = 0
        while len(population.children) < size:
            sequence += 1
            born = date(2008, 1, 1) + timedelta(days=rng.randrange(16 * 365))
            region = rng.choice(COUNTIES)
            mother_born = born - timedelta(days=rng.randrange(20 * 365, 40 * 365))
            mother = make_id(rng.choice(BIRTH_COUNTIES), mother_born, sequence * 7 + 2, "F")
            twins = 2 if rng.random() < twin_share and len(population.children) + 1 < size else 1
            surname = rng.choice(SURNAMES)
            for _ in range(twins):
                sex = rng.choice("MF")
                id_number = ""
                while not id_number or id_number in used:
                    sequence += 1
                    id_number = make_id(rng.choice(BIRTH_COUNTIES), born, sequence, sex)
                used.add(id_number)
                if rng.random() < 0.02:
                    name = f"{rng.choice(UYGHUR)}·{rng.choice(UYGHUR)}"
                else:
                    name = surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
                child = TrueChild(
                    index=len(population.children), name=name, sex=sex, born=born,
                    id_number=id_number, mother_id=mother, region=region,
                    infant=rng.random() < infant_share,
                )
                if twins == 2 and population.children and population.children[-1].born == born \
                        and population.children[-1].mother_id == mother:
                    child.twin_of = population.children[-1].index
                    # Twins are told apart by name (and sex when it differs).
                    while child.name == population.children[-1].name:
                        child.name = surname + rng.choice(GIVEN) + rng.choice(GIVEN)
                population.children.append(child)
        return population


Rows = list[dict[str, object]]


@dataclass
class Export:
    source: str
    rows: Rows
    truth: dict[str, int]  # the row's key as written in the file → child index

    @property
    def header(self) -> list[str]:
        return list(SOURCES[self.source].columns)


def _school(child: TrueChild) -> tuple[str, str]:
    number = 1 + child.index % 40
    return f"21{child.region[2:6]}{number:04d}", f"第{number}学校"


def edu_status(population: Population, rng: random.Random, share: float = 1.0) -> Export:
    rows: Rows = []
    truth: dict[str, int] = {}
    for child in population.children:
        if child.born.year > 2020 or rng.random() > share:
            continue
        code, school = _school(child)
        rows.append({
            "姓名": child.name, "性别": "男" if child.sex == "M" else "女",
            "出生日期": rng.choice((f"{child.born:%Y-%m-%d}", f"{child.born.year}/"
                                    f"{child.born.month}/{child.born.day}",
                                    f"{child.born:%Y%m%d}")),
            "身份证号": child.id_number, "学籍号": child.student_number, "学校标识码": code,
            "学校名称": school, "学段": rng.choice(STAGES), "年级": "三年级", "班级": "1班",
            "就读方式": rng.choice(PLACEMENTS), "残疾类别": rng.choice(CATEGORY_WORDS),
            "学籍状态": "在读", "入学日期": "2021-09-01", "行政区划代码": child.region,
        })
        truth[child.student_number] = child.index
    return Export("edu-status", rows, truth)


def dpf_certificates(population: Population, rng: random.Random, share: float = 0.7) -> Export:
    rows: Rows = []
    truth: dict[str, int] = {}
    for child in population.children:
        if rng.random() > share:
            continue
        category, grade = 1 + child.index % 7, 1 + child.index % 4
        number = f"{child.id_number}{category}{grade}"
        rows.append({
            "姓名": child.name, "性别": "男" if child.sex == "M" else "女",
            "出生日期": f"{child.born.year}年{child.born.month}月{child.born.day}日",
            "残疾人证号": number, "残疾类别": CATEGORY_WORDS[category - 1] + "残疾",
            "残疾等级": "一二三四"[grade - 1] + "级", "发证日期": "2022.3.2",
            "有效期至": "2032-03-01", "户籍地行政区划代码": child.region,
            "监护人姓名": "监护人", "监护人联系电话": "13800138000",
            "辅具适配": "助听器" if category == 2 else None,
        })
        truth[number] = child.index
    return Export("dpf-certificates", rows, truth)


def health_screening(population: Population, rng: random.Random) -> Export:
    """Infants: one screening without the child's ID, one follow-up with it."""
    rows: Rows = []
    truth: dict[str, int] = {}
    twins = {c.index for c in population.children if c.twin_of is not None}
    twins |= {c.twin_of for c in population.children if c.twin_of is not None}
    for child in population.children:
        if not child.infant:
            continue
        for follow_up in (False, True):
            key = f"SC{child.index:07d}{int(follow_up)}"
            # Unnamed same-mother twins cannot be told apart without an ID (docs/ingest.md).
            named = follow_up or child.index in twins or rng.random() < 0.8
            rows.append({
                "筛查编号": key, "儿童姓名": child.name if named else None,
                "性别": "男" if child.sex == "M" else "女", "出生日期": f"{child.born:%Y-%m-%d}",
                "儿童身份证号": child.id_number if follow_up else None,
                "母亲姓名": "母亲", "母亲身份证号": child.mother_id,
                "筛查日期": f"{child.born + timedelta(days=60 + 300 * follow_up):%Y-%m-%d}",
                "筛查机构": "县妇幼保健院", "筛查结果": "可疑", "诊断": None, "诊断日期": None,
                "转介康复机构": None, "行政区划代码": child.region,
            })
            truth[key] = child.index
    return Export("health-screening", rows, truth)


def civil_welfare(population: Population, rng: random.Random, share: float = 0.2) -> Export:
    rows: Rows = []
    truth: dict[str, int] = {}
    for child in population.children:
        if rng.random() > share:
            continue
        key = f"MZ{child.index:07d}"
        rows.append({
            "档案号": key, "姓名": child.name, "性别": "男" if child.sex == "M" else "女",
            "出生日期": f"{child.born:%Y-%m-%d}", "身份证号": child.id_number.lower(),
            "儿童类别": "困境儿童", "福利机构": None, "救助项目": "基本生活补贴",
            "月救助金额": "800元", "起始日期": "2023-01-01", "终止日期": None,
            "行政区划代码": child.region,
        })
        truth[key] = child.index
    return Export("civil-welfare", rows, truth)


def rehab_sessions(population: Population, rng: random.Random, share: float = 0.3) -> Export:
    rows: Rows = []
    truth: dict[str, int] = {}
    for child in population.children:
        if rng.random() > share:
            continue
        key = f"KF{child.index:07d}"
        use_certificate = rng.random() < 0.5
        rows.append({
            "服务记录号": key, "姓名": child.name,
            "身份证号": None if use_certificate else child.id_number,
            "残疾人证号": f"{child.id_number}{1 + child.index % 7}{1 + child.index % 4}"
            if use_certificate else None,
            "康复机构": "长治市康复中心", "机构代码": "12140400MB0000000R",
            "服务日期": "2024-05-06",
            "服务项目": "言语训练", "课时": "1.5", "康复师": "康复师",
        })
        truth[key] = child.index
    return Export("rehab-sessions", rows, truth)


def home_delivery(population: Population, rng: random.Random, share: float = 0.1) -> Export:
    rows: Rows = []
    truth: dict[str, int] = {}
    for child in population.children:
        if child.born.year > 2020 or rng.random() > share:
            continue
        key = f"SJ{child.index:07d}"
        rows.append({
            "记录编号": key, "学生姓名": child.name, "学籍号": child.student_number,
            "身份证号": None, "负责学校标识码": _school(child)[0], "送教日期": "2024-04-01",
            "课时": "2", "送教内容": "教育、康复", "送教教师": "送教老师", "备注": None,
        })
        truth[key] = child.index
    return Export("home-delivery", rows, truth)


def all_exports(population: Population, seed: int = 1) -> list[Export]:
    rng = random.Random(seed)  # noqa: S311 - test data
    return [edu_status(population, rng), dpf_certificates(population, rng),
            health_screening(population, rng), civil_welfare(population, rng),
            rehab_sessions(population, rng), home_delivery(population, rng)]


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Mapping[str, object]],
              encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if row.get(name) is None else row.get(name) for name in header])
    return path


def write_xlsx(path: Path, header: Sequence[str], rows: Iterable[Mapping[str, object]]) -> Path:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(list(header))
    for row in rows:
        sheet.append([row.get(name) for name in header])
    book.save(path)
    return path


def stored_ref(source: str, key: str, hash_key: Callable[[str], str]) -> str:
    """The sourceRef the hub gives a row: keys that embed an ID number are stored hashed."""
    if source == "dpf-certificates" or (source == "edu-status" and key.startswith("G")):
        return f"{source}/hmac:{hash_key(key)}"
    return f"{source}/{key}"
