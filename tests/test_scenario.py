"""A hand-computed scenario of 长治市 140400, loaded only through ``hub ingest``.

Two counties, 潞州区 140403 and 上党区 140404, send the seven department exports as FORMATS.md
describes them (edu-status as GBK CSV snapshots with ``--as-of``, dpf-certificates as xlsx, the
school register as xlsx before the pupils and as CSV after them, …). ``hub dropout check`` and
``hub transitions check`` run as an operator would; then a supervisor of the city reads every
indicator through GraphQL, for each county and for the city, and every figure is asserted with
its arithmetic beside it. 上党区 sets its own figures in the rules file (HUB_INDICATOR_RULES):
100 home-delivery hours instead of 120, and 8,000 yuan a pupil instead of 7,000.

School year 2025: 2025-09-01 – 2026-08-31, ages on 2025-08-31 (compulsory band born
2010-09-01 – 2019-08-31, preschool 2019-09-01 – 2022-08-31, senior 2007-09-01 – 2010-08-31),
census day 2025-09-01, live lists as of 2026-06-30 (stalled: ended before 2026-05-31; hollow:
no evidence after 2026-05-31). Snapshots S1 = 2025-06-20 (end of the 2024 year) and
S2 = 2025-09-10 (after term 2025-09 started), both complete rolls of the schools they list.

潞州区 140403 (schools: 2114030001 实验小学 PRIMARY with a resource room, 2114030002 第一中学
JUNIOR, 2114030003 特殊教育学校 SPECIAL hosting the resource centre that serves both; 2114030009
is the welfare home's class, in no register):

| who | roster evidence | S1 2025-06-20 | S2 2025-09-10 | what it tests |
|---|---|---|---|---|
| a1 a2 a3 | cert a1, a2 | 实验小学 三年级1班 随班就读 | 四年级1班 | a class of exactly 3 |
| b1–b4 | cert b1 | 三年级2班 随班就读 | 四年级2班 | a class of 4: over the limit |
| t | cert | 三年级3班 在读 | 四年级3班 转出 | transferred out after census day |
| d | cert | 三年级1班 在读 | absent | left the roll: dropout case |
| g | cert, born 2010 | 第一中学 初中 毕业 | absent | graduate never in senior: stalled |
| w | welfare (孤儿) + 残疾类别 | 福利机构特教班 | 福利机构特教班 | roster by welfare listing |
| z | cert | – | – | should enrol, not enrolled |
| sp001–sp099 | none | 特殊教育学校 | 特殊教育学校 | 99 pupils, funded as 100 |

上党区 140404 (register loaded after the pupils: 2114040001 第一小学 NINE_YEAR with a resource
room and a special class, 2114040002 第一中学 COMPLETE_SECONDARY, 2114040003 特殊教育学校
SPECIAL hosting the centre serving the other three, 2114040004 第一幼儿园 KINDERGARTEN):

| who | roster evidence | S1 | S2 | what it tests |
|---|---|---|---|---|
| e1, e2 | cert | 第一小学 三年级1班 | 四年级1班 (e2 休学) | a class of 2; 休学 stays |
| n | cert, born 2019 | – | 一年级1班, 入学日期 empty | starts on 2025-09-10 |
| s1 | cert | 特教班 | 特教班 | a special class: not inclusion |
| g2 | cert, born 2010 | 第一中学 初中 毕业 | 高中 from 2025-09-01 | a graduate who moved on |
| h1 | cert | 特教学校 送教上门 | 送教上门 | 36 × 3 h = 108 h: ≥ 100, < 120 |
| h2 | cert | 特教学校 送教上门 | 送教上门 | 21.5 h, a 1.5 h visit, hollow |
| r | cert | 特教学校 远程教育 | 远程教育 | rehab sessions are its evidence |
| k1 | screening 阳性, no ID | – | – | preschool, not enrolled |
| k2 | screening 阳性 | – | 幼儿园 from 2025-09-01 | preschool, enrolled |
| x | cert, born 2007-08-20 | – | – | 18 on 31 August: off the roster |
| y | cert issued 2026-09-20 | – | – | issued after the year: off it |
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from typer.testing import CliRunner, Result

from connectors.sources import SOURCES
from devtools.generate import make_id, write_csv, write_xlsx
from hub.graph import Graph
from hub.indicators import DEFINITIONS
from hub.reference import ensure_regions
from hub.settings import Settings, load_settings
from hub.subject import Subject
from shell.cli import app
from tests.graphql_helpers import execute

YEAR = 2025
AS_OF = dt.date(2026, 6, 30)
S1, S2 = dt.date(2025, 6, 20), dt.date(2025, 9, 10)
LUZHOU, SHANGDANG, CITY = "140403", "140404", "140400"

# Schools by 学校标识码 (10 digits: 21 + county + number).
LZ_P, LZ_J, LZ_S, LZ_W = "2114030001", "2114030002", "2114030003", "2114030009"
SD_P, SD_M, SD_S, SD_K = "2114040001", "2114040002", "2114040003", "2114040004"

# 上党区's own figures, in the rules file a deployment names by HUB_INDICATOR_RULES.
RULES = """\
regions:
  "140404":             # 上党区
    home_delivery_hours: 100
    per_pupil_yuan: 8000
"""


@dataclass(frozen=True)
class Pupil:
    label: str
    name: str
    sex: str  # M / F
    born: dt.date
    region: str  # where the child lives (the exports' 行政区划代码)
    seq: int
    birth_region: str = ""  # where the birth was registered (the ID's first six digits)

    @property
    def id_number(self) -> str:
        return make_id(self.birth_region or self.region, self.born, self.seq, self.sex)

    @property
    def sex_word(self) -> str:
        return "男" if self.sex == "M" else "女"


def _p(label: str, name: str, sex: str, born: str, region: str, seq: int,
       birth_region: str = "") -> Pupil:
    return Pupil(label, name, sex, dt.date.fromisoformat(born), region, seq, birth_region)


NAMED = [
    _p("a1", "李明轩", "M", "2016-03-11", LUZHOU, 11),
    _p("a2", "王雨桐", "F", "2016-05-02", LUZHOU, 12),
    _p("a3", "张浩然", "M", "2016-07-19", LUZHOU, 13),
    _p("b1", "刘思琪", "F", "2016-01-23", LUZHOU, 21),
    _p("b2", "陈子涵", "F", "2016-02-14", LUZHOU, 22),
    _p("b3", "杨博文", "M", "2016-04-30", LUZHOU, 23),
    _p("b4", "赵梓萱", "F", "2016-06-08", LUZHOU, 24),
    _p("t", "黄俊杰", "M", "2016-02-27", LUZHOU, 31),
    _p("d", "周雅琪", "F", "2016-08-15", LUZHOU, 41),
    # Registered in 长治县 140421, retired in 2018: a valid ID, not the child's region.
    _p("g", "吴天宇", "M", "2010-03-15", LUZHOU, 51, birth_region="140421"),
    _p("w", "孙小雨", "F", "2015-04-12", LUZHOU, 61),
    _p("z", "胡文博", "M", "2013-04-04", LUZHOU, 71),
    _p("e1", "马欣怡", "F", "2016-10-09", SHANGDANG, 111),
    _p("e2", "郭子轩", "M", "2016-11-21", SHANGDANG, 112),
    _p("n", "罗一诺", "F", "2019-05-10", SHANGDANG, 121),
    _p("s1", "梁浩宇", "M", "2014-12-01", SHANGDANG, 131),
    _p("g2", "宋佳怡", "F", "2010-05-05", SHANGDANG, 141),
    _p("h1", "郑宇航", "M", "2016-04-04", SHANGDANG, 151),
    _p("h2", "谢雨萱", "F", "2012-02-02", SHANGDANG, 152),
    _p("r", "韩子墨", "M", "2017-01-17", SHANGDANG, 161),
    _p("k1", "王小宝", "M", "2021-03-03", SHANGDANG, 171),
    _p("k2", "唐果果", "F", "2021-06-06", SHANGDANG, 172),
    _p("x", "冯志强", "M", "2007-08-20", SHANGDANG, 181),
    _p("y", "于晓燕", "F", "2015-10-10", SHANGDANG, 191),
]
# The special school's 99 pupils: unique names 郑小嘉 … 曹小阳, born 2014–2017 (compulsory
# age), none on the roster (no certificate, screening or welfare listing came for them).
SPECIAL = [
    _p(f"sp{n + 1:03d}", f"{'郑谢韩唐冯于董萧程曹'[n // 10]}小{'嘉佳家安宁乐欣怡晨阳'[n % 10]}",
       "MF"[n % 2], f"{2014 + n % 4}-0{1 + n % 9}-1{n % 10}", LUZHOU, 300 + 2 * n)
    for n in range(99)
]
PUPILS = {p.label: p for p in NAMED + SPECIAL}
LABEL_OF = {p.name: p.label for p in PUPILS.values()}  # names are unique in the scenario
SP = " ".join(p.label for p in SPECIAL)
MOTHERS = {"k1": make_id("140404", dt.date(1992, 2, 2), 20, "F"),
           "k2": make_id("140404", dt.date(1994, 4, 4), 40, "F")}


# --- the department exports ------------------------------------------------------------------

def edu(label: str, school: str, school_name: str, stage: str, grade: str | None,
        klass: str | None, way: str, status: str = "在读",
        enrolled: str | None = "2022-09-01") -> dict[str, object]:
    p = PUPILS[label]
    return {
        "姓名": p.name, "性别": p.sex_word, "出生日期": f"{p.born:%Y/%-m/%-d}",
        "身份证号": p.id_number, "学籍号": f"G{p.id_number}", "学校标识码": school,
        "学校名称": school_name, "学段": stage, "年级": grade, "班级": klass, "就读方式": way,
        "残疾类别": "智力", "学籍状态": status, "入学日期": enrolled, "行政区划代码": p.region,
    }


def snapshot_s1() -> list[dict[str, object]]:
    """The roll of 2025-06-20, the end of school year 2024."""
    rows = [edu(x, LZ_P, "潞州区实验小学", "小学", "三年级", "1班", "随班就读")
            for x in ("a1", "a2", "a3", "d")]
    rows += [edu(x, LZ_P, "潞州区实验小学", "小学", "三年级", "2班", "随班就读")
             for x in ("b1", "b2", "b3", "b4")]
    rows += [
        edu("t", LZ_P, "潞州区实验小学", "小学", "三年级", "3班", "随班就读"),
        edu("g", LZ_J, "潞州区第一中学", "初中", "九年级", "1班", "随班就读", "毕业"),
        edu("w", LZ_W, "长治市儿童福利院", "小学", "四年级", "1班", "福利机构特教班",
            enrolled="2021-09-01"),
    ]
    rows += [edu(p.label, LZ_S, "潞州区特殊教育学校", "小学", "三年级", f"培智{1 + n % 9}班",
                 "特殊教育学校", enrolled="2020-09-01") for n, p in enumerate(SPECIAL)]
    # 上党区: the register has not come yet; the school names are the school-status system's.
    rows += [edu(x, SD_P, "上党区一小", "小学", "三年级", "1班", "随班就读") for x in ("e1", "e2")]
    rows += [
        edu("s1", SD_P, "上党区一小", "小学", "四年级", "特教1班", "特教班", enrolled="2021-09-01"),
        edu("g2", SD_M, "上党区一中", "初中", "九年级", "1班", "随班就读", "毕业"),
        edu("h1", SD_S, "上党区特校", "小学", "三年级", None, "送教上门", enrolled="2023-09-01"),
        edu("h2", SD_S, "上党区特校", "初中", "七年级", None, "送教上门", enrolled="2023-09-01"),
        edu("r", SD_S, "上党区特校", "小学", "二年级", None, "远程教育", enrolled="2023-09-01"),
    ]
    return rows


N_ROW = 111  # n's 1-based data row in S2 (after 108 rows of 潞州区 and e1, e2)


def snapshot_s2() -> list[dict[str, object]]:
    """The roll of 2025-09-10, after term 2025-09 started: d is no longer on it."""
    rows = [edu(x, LZ_P, "潞州区实验小学", "小学", "四年级", "1班", "随班就读")
            for x in ("a1", "a2", "a3")]
    rows += [edu(x, LZ_P, "潞州区实验小学", "小学", "四年级", "2班", "随班就读")
             for x in ("b1", "b2", "b3", "b4")]
    rows += [
        edu("t", LZ_P, "潞州区实验小学", "小学", "四年级", "3班", "随班就读", "转出"),
        edu("w", LZ_W, "长治市儿童福利院", "小学", "五年级", "1班", "福利机构特教班",
            enrolled="2021-09-01"),
    ]
    rows += [edu(p.label, LZ_S, "潞州区特殊教育学校", "小学", "四年级", f"培智{1 + n % 9}班",
                 "特殊教育学校", enrolled="2020-09-01") for n, p in enumerate(SPECIAL)]
    rows += [
        edu("e1", SD_P, "上党区一小", "小学", "四年级", "1班", "随班就读"),
        edu("e2", SD_P, "上党区一小", "小学", "四年级", "1班", "随班就读", "休学"),
        edu("n", SD_P, "上党区一小", "小学", "一年级", "1班", "随班就读", enrolled=None),
        edu("s1", SD_P, "上党区一小", "小学", "五年级", "特教1班", "特教班", enrolled="2021-09-01"),
        edu("g2", SD_M, "上党区一中", "高中", "高一", "1班", "随班就读", enrolled="2025-09-01"),
        edu("h1", SD_S, "上党区特校", "小学", "四年级", None, "送教上门", enrolled="2023-09-01"),
        edu("h2", SD_S, "上党区特校", "初中", "八年级", None, "送教上门", enrolled="2023-09-01"),
        edu("r", SD_S, "上党区特校", "小学", "三年级", None, "远程教育", enrolled="2023-09-01"),
        edu("k2", SD_K, "上党区一幼", "学前", "中班", "1班", "随班就读", enrolled="2025-09-01"),
    ]
    assert rows[N_ROW - 1]["姓名"] == PUPILS["n"].name
    return rows


CATEGORY_WORDS = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")


def certificate(label: str, category: int, grade: int, issued: dt.date = dt.date(2023, 5, 6),
                device: str | None = None) -> dict[str, object]:
    p = PUPILS[label]
    return {
        "姓名": p.name, "性别": p.sex_word, "出生日期": f"{p.born:%Y年%-m月%-d日}",
        "残疾人证号": f"{p.id_number}{category}{grade}",
        "残疾类别": CATEGORY_WORDS[category - 1] + "残疾", "残疾等级": "一二三四"[grade - 1] + "级",
        # An Excel date cell, as the DPF's system writes it.
        "发证日期": dt.datetime.combine(issued, dt.time()), "有效期至": "2033-05-05",
        "户籍地行政区划代码": p.region, "监护人姓名": p.name[0] + "某",
        "监护人联系电话": "138****8000", "辅具适配": device,
    }


def certificates() -> list[dict[str, object]]:
    return [
        certificate("a1", 5, 3), certificate("a2", 2, 2), certificate("b1", 4, 3),
        certificate("t", 5, 4), certificate("d", 3, 3), certificate("g", 5, 2),
        certificate("z", 6, 2), certificate("e1", 1, 3), certificate("e2", 5, 3),
        certificate("n", 5, 4), certificate("s1", 5, 2), certificate("g2", 2, 3),
        certificate("h1", 7, 1, device="轮椅"), certificate("h2", 4, 1), certificate("r", 4, 2),
        certificate("x", 5, 3), certificate("y", 5, 3, issued=dt.date(2026, 9, 20)),
    ]


def screenings() -> list[dict[str, object]]:
    k1, k2 = PUPILS["k1"], PUPILS["k2"]
    common = {"筛查机构": "上党区妇幼保健院", "筛查结果": "阳性", "行政区划代码": SHANGDANG}
    return [
        # k1 was screened as an infant, before it had an ID: a child of its own, known by
        # its mother's ID and its birth date.
        {**common, "筛查编号": "SC2022001", "儿童姓名": k1.name, "性别": k1.sex_word,
         "出生日期": f"{k1.born}", "儿童身份证号": None, "母亲姓名": "王丽",
         "母亲身份证号": MOTHERS["k1"], "筛查日期": "2022-01-10", "诊断": "F84.0",
         "诊断日期": "2022-03-01", "转介康复机构": "长治市残疾人康复中心"},
        {**common, "筛查编号": "SC2023007", "儿童姓名": k2.name, "性别": k2.sex_word,
         "出生日期": f"{k2.born}", "儿童身份证号": k2.id_number, "母亲姓名": "唐芳",
         "母亲身份证号": MOTHERS["k2"], "筛查日期": "2023-06-01", "诊断": None,
         "诊断日期": None, "转介康复机构": None},
    ]


def welfare() -> list[dict[str, object]]:
    w = PUPILS["w"]
    return [{"档案号": "MZ140403001", "姓名": w.name, "性别": w.sex_word,
             "出生日期": f"{w.born}", "身份证号": w.id_number, "儿童类别": "孤儿",
             "福利机构": "长治市儿童福利院", "救助项目": "孤儿基本生活费", "月救助金额": "1500元",
             "起始日期": "2018-01-01", "终止日期": None, "行政区划代码": LUZHOU}]


REHAB_CODE = "52140404MJ1234567M"  # a valid unified social credit code of 上党区


def rehab() -> list[dict[str, object]]:
    r = PUPILS["r"]
    common = {"姓名": r.name, "康复机构": "长治市残疾人康复中心", "机构代码": REHAB_CODE,
              "服务项目": "运动训练", "课时": "1.5", "康复师": "李康"}
    return [{**common, "服务记录号": "KF2026-0401", "身份证号": r.id_number, "残疾人证号": None,
             "服务日期": "2026-04-01"},
            # By certificate only: digits 1–18 are the ID, 4 肢体, 2 二级.
            {**common, "服务记录号": "KF2026-0610", "身份证号": None,
             "残疾人证号": f"{r.id_number}42", "服务日期": "2026-06-10"}]


H1_VISITS = [dt.date(2025, 10, 7) + dt.timedelta(days=7 * k) for k in range(36)]  # to 06-09
H2_VISITS = [dt.date(2025, 9, 3) + dt.timedelta(days=14 * k) for k in range(11)]  # to 01-21


def visits() -> list[dict[str, object]]:
    def row(key: str, label: str, day: dt.date | str, hours: str, with_id: bool) -> dict[
            str, object]:
        p = PUPILS[label]
        return {"记录编号": key, "学生姓名": p.name, "学籍号": f"G{p.id_number}",
                # Some schools leave 身份证号 empty: the ID inside the 学籍号 finds the child.
                "身份证号": p.id_number if with_id else None, "负责学校标识码": SD_S,
                "送教日期": day, "课时": hours, "送教内容": "教育、康复", "送教教师": "陈老师",
                "备注": None}

    rows = [row(f"SJ-H1-{k:02d}", "h1", day, "3", k % 2 == 0) for k, day in enumerate(H1_VISITS)]
    rows.append(row("SJ-H1-JUNE", "h1", "2025-06-10", "3", True))  # school year 2024
    rows += [row(f"SJ-H2-{k:02d}", "h2", day, "1.5" if k == 10 else "2", k % 2 == 1)
             for k, day in enumerate(H2_VISITS)]
    # 30 February does not exist: rejected, and its 4 hours must count nowhere.
    rows.append(row("SJ-H2-BAD", "h2", "2026-02-30", "4", True))
    return rows


def register(rows: Sequence[tuple[str, str, str, str, str, str, str, str]]) -> list[
        dict[str, object]]:
    header = ("学校标识码", "学校名称", "办学类型", "行政区划代码", "资源教室", "特教班数",
              "指导资源中心", "是否资源中心")
    return [dict(zip(header, row, strict=True)) for row in rows]


REGISTER_LUZHOU = register([
    (LZ_P, "潞州区实验小学", "小学", LUZHOU, "有", "", LZ_S, "否"),
    (LZ_J, "潞州区第一中学", "初级中学", LUZHOU, "无", "", LZ_S, "否"),
    (LZ_S, "潞州区特殊教育学校", "特殊教育学校", LUZHOU, "无", "", "", "是"),
])
REGISTER_SHANGDANG = register([
    (SD_P, "上党区第一小学", "九年一贯制学校", SHANGDANG, "有", "1", SD_S, "否"),
    (SD_M, "上党区第一中学", "完全中学", SHANGDANG, "无", "", SD_S, "否"),
    (SD_S, "上党区特殊教育学校", "特殊教育学校", SHANGDANG, "无", "", "", "是"),
    (SD_K, "上党区第一幼儿园", "幼儿园", SHANGDANG, "无", "", SD_S, "否"),
])


def columns(source: str) -> list[str]:
    return list(SOURCES[source].columns)


# --- loading through the command -------------------------------------------------------------

runner = CliRunner()


async def hub(*args: str) -> Result:
    """The real ``hub`` command. Typer runs its own event loop (asyncio.run), so it runs in a
    thread beside the test's loop, as a separate process would."""
    result = await asyncio.to_thread(runner.invoke, app, list(args))
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result


async def ingest(source: str, path: Path, as_of: dt.date | None = None) -> dict[str, Any]:
    args = ["ingest", source, str(path), "--report", "json"]
    if as_of is not None:
        args += ["--as-of", as_of.isoformat()]
    report: dict[str, Any] = json.loads((await hub(*args)).stdout)
    assert report["rows"] == report["loaded"] + report["rejected"]
    if not SOURCES[source].register:  # a register row writes no child (docs/ingest.md)
        assert report["loaded"] == report["new_children"] + report["linked_children"]
    return report


@dataclass
class Scenario:
    reports: dict[str, dict[str, Any]]
    dropout_output: str
    transitions_output: str
    labels: dict[str, str]  # child id → label
    seconds: float


@pytest.fixture(scope="module")
async def scenario(session_graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """Loads the exports once for the module (each test below only reads)."""
    started = time.perf_counter()
    graph = session_graph
    await graph.empty()
    await ensure_regions(graph)  # the hub's reference data, as a deployment has it
    folder = tmp_path_factory.mktemp("scenario")
    files = {
        "schools-140403": write_xlsx(folder / "学校名录-潞州区.xlsx", columns("schools"),
                                     REGISTER_LUZHOU),
        "s1": write_csv(folder / "学籍-2025-06-20.csv", columns("edu-status"), snapshot_s1(),
                        "gbk"),
        "s2": write_csv(folder / "学籍-2025-09-10.csv", columns("edu-status"), snapshot_s2(),
                        "gbk"),
        "dpf": write_xlsx(folder / "残疾人证.xlsx", columns("dpf-certificates"), certificates()),
        "health": write_csv(folder / "筛查.csv", columns("health-screening"), screenings(),
                            "utf-8-sig"),
        "civil": write_csv(folder / "民政.csv", columns("civil-welfare"), welfare(), "gb18030"),
        "rehab": write_csv(folder / "康复.csv", columns("rehab-sessions"), rehab(), "utf-8"),
        "home": write_csv(folder / "送教.csv", columns("home-delivery"), visits(), "utf-8-sig"),
        "schools-140404": write_csv(folder / "学校名录-上党区.csv", columns("schools"),
                                    REGISTER_SHANGDANG, "utf-8-sig"),
    }
    # 潞州区's register comes before its pupils, 上党区's after them (FORMATS.md: either way).
    reports = {
        "schools-140403": await ingest("schools", files["schools-140403"]),
        "s1": await ingest("edu-status", files["s1"], S1),
        "s2": await ingest("edu-status", files["s2"], S2),
        "dpf": await ingest("dpf-certificates", files["dpf"]),
        "health": await ingest("health-screening", files["health"]),
        "civil": await ingest("civil-welfare", files["civil"]),
        "rehab": await ingest("rehab-sessions", files["rehab"]),
        "home": await ingest("home-delivery", files["home"]),
        "schools-140404": await ingest("schools", files["schools-140404"]),
    }
    dropout = await hub("dropout", "check", "--term", "2025-09")
    transitions = await hub("transitions", "check", "--as-of", AS_OF.isoformat())
    rows = await graph.run("MATCH (c:Child) RETURN c.id AS id, c.name AS name")
    labels = {str(r["id"]): LABEL_OF[r["name"]] for r in rows}
    assert len(labels) == len(PUPILS) == 123, "one child per pupil: every row linked"
    return Scenario(reports, dropout.stdout, transitions.stdout, labels,
                    time.perf_counter() - started)


@pytest.fixture(scope="module")
def rules_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The settings a deployment gets with HUB_INDICATOR_RULES naming the rules file."""
    path = tmp_path_factory.mktemp("rules") / "indicator-rules.yaml"
    path.write_text(RULES, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HUB_INDICATOR_RULES", str(path))
        return load_settings()


# --- what was loaded -------------------------------------------------------------------------

def _counts(report: Mapping[str, Any]) -> tuple[int, int, int, int, int]:
    return (report["rows"], report["loaded"], report["rejected"], report["new_children"],
            report["linked_children"])


async def test_every_file_loads_as_counted(scenario: Scenario) -> None:
    r = scenario.reports
    # (rows, loaded, rejected, new children, linked children)
    assert _counts(r["schools-140403"]) == (3, 3, 0, 0, 0)  # a register writes no child
    # S1: 潞州区 a1–a3, d, b1–b4, t, g, w (11) + 99 special-school pupils + 上党区 e1, e2, s1,
    # g2, h1, h2, r (7) = 117 rows, every child new.
    assert _counts(r["s1"]) == (117, 117, 0, 117, 0)
    assert (r["s1"]["left_roll"], r["s1"]["warnings"]) == (0, [])
    # S2: 117 − d − g (潞州区 108) + 上党区 e1, e2, n, s1, g2, h1, h2, r, k2 (9) = 117 rows;
    # new: n and k2. d is missing from 实验小学's complete roll: 1 left the roll (g's
    # placement had already ended, and 第一中学 of 潞州区 is not in S2 at all).
    assert _counts(r["s2"]) == (117, 117, 0, 2, 115)
    assert r["s2"]["left_roll"] == 1
    assert [(w["row"], w["column"]) for w in r["s2"]["warnings"]] == [(N_ROW, "入学日期")]
    # 17 certificates; z, x and y appear here first.
    assert _counts(r["dpf"]) == (17, 17, 0, 3, 14)
    assert _counts(r["health"]) == (2, 2, 0, 1, 1)  # k1 has no ID yet: a child of its own
    assert _counts(r["civil"]) == (1, 1, 0, 0, 1)
    assert _counts(r["rehab"]) == (2, 2, 0, 0, 2)  # once by ID, once by certificate
    # 36 + 1 visits of h1, 11 of h2 and one dated 30 February (rejected on 送教日期).
    assert _counts(r["home"]) == (49, 48, 1, 0, 48)
    assert [(x["row"], x["column"]) for x in r["home"]["rejects"]] == [(49, "送教日期")]
    assert _counts(r["schools-140404"]) == (4, 4, 0, 0, 0)


async def test_the_register_before_and_after_the_pupils(
    scenario: Scenario, session_graph: Graph
) -> None:
    rows = await session_graph.run(
        "MATCH (s:School) OPTIONAL MATCH (s)-[:HAS_RESOURCE_ROOM]->(room) "
        "OPTIONAL MATCH (centre:ResourceCenter)-[:SERVES]->(s) "
        "RETURN s.code AS code, s.name AS name, s.schoolType AS type, s.regionCode AS region, "
        "room IS NOT NULL AS room, s.specialClasses AS specialClasses, centre.code AS centre "
        "ORDER BY code")
    assert [tuple(r.values()) for r in rows] == [
        (LZ_P, "潞州区实验小学", "PRIMARY", LUZHOU, True, None, LZ_S),
        (LZ_J, "潞州区第一中学", "JUNIOR", LUZHOU, False, None, LZ_S),
        (LZ_S, "潞州区特殊教育学校", "SPECIAL", LUZHOU, False, None, None),
        # The welfare home's class is in no register: no type, so no special school.
        (LZ_W, "长治市儿童福利院", None, LUZHOU, False, None, None),
        # Loaded after the pupils: the register's names and types replace edu-status's.
        (SD_P, "上党区第一小学", "NINE_YEAR", SHANGDANG, True, 1, SD_S),
        (SD_M, "上党区第一中学", "COMPLETE_SECONDARY", SHANGDANG, False, None, SD_S),
        (SD_S, "上党区特殊教育学校", "SPECIAL", SHANGDANG, False, None, None),
        (SD_K, "上党区第一幼儿园", "KINDERGARTEN", SHANGDANG, False, None, SD_S),
    ]
    centres = await session_graph.run(
        "MATCH (c:ResourceCenter) RETURN c.code AS code, c.name AS name ORDER BY code")
    assert centres == [{"code": LZ_S, "name": "潞州区特殊教育学校特殊教育资源中心"},
                       {"code": SD_S, "name": "上党区特殊教育学校特殊教育资源中心"}]


async def test_the_snapshots_end_and_start_placements(
    scenario: Scenario, session_graph: Graph
) -> None:
    rows = await session_graph.run(
        "MATCH (c:Child)-[:HAS_FACT]->(p:Placement)-[:AT]->(s:School) "
        "WHERE c.name IN $names "
        "RETURN c.name AS name, s.code AS school, p.stage AS stage, p.date AS start, "
        "p.endDate AS end, p.endReason AS reason ORDER BY name, start",
        {"names": [PUPILS[x].name for x in ("t", "d", "g", "g2", "n")]})
    found = [(LABEL_OF[r["name"]], r["school"], r["stage"], _day(r["start"]),
              _day(r["end"]), r["reason"]) for r in rows]
    assert sorted(found, key=lambda f: (f[0], str(f[3]))) == [
        # Gone from S2's complete roll: ended on S2's day, nothing deleted.
        ("d", LZ_P, "PRIMARY", dt.date(2022, 9, 1), S2, "LEFT_ROLL"),
        # 毕业 in S1 ends the junior placement on S1's day; g2's senior one starts 09-01.
        ("g", LZ_J, "JUNIOR", dt.date(2022, 9, 1), S1, "GRADUATED"),
        ("g2", SD_M, "JUNIOR", dt.date(2022, 9, 1), S1, "GRADUATED"),
        ("g2", SD_M, "SENIOR", dt.date(2025, 9, 1), None, None),
        # No 入学日期: in force from the snapshot day.
        ("n", SD_P, "PRIMARY", S2, None, None),
        # 转出 in S2: ended on S2's day.
        ("t", LZ_P, "PRIMARY", dt.date(2022, 9, 1), S2, "TRANSFERRED"),
    ]


def _day(value: Any) -> dt.date | None:
    return None if value is None else value.to_native()


async def test_the_checks_report_what_they_found(
    scenario: Scenario, session_graph: Graph
) -> None:
    # Term 2025-09: compared 2025-05-04 – 2025-08-31 with 2025-09-01. Of the compulsory-age
    # pupils (born 2010-09-01 – 2019-08-31) placed before the term, only d holds no status on
    # 09-01: left the roll, last listed 06-20. t was still in force (转出 on 09-10); g is 15
    # (born 2010-03-15); n and k2 started on or after 09-01.
    assert "新立案 1 件" in scenario.dropout_output
    cases = await session_graph.run(
        "MATCH (c:Child)-[:HAS_FACT]->(x:DropoutCase) RETURN c.id AS child, x.date AS day, "
        "x.status AS status")
    assert [(scenario.labels[r["child"]], _day(r["day"]), r["status"]) for r in cases] == [
        ("d", dt.date(2025, 9, 1), "OPEN")]
    # As of 2026-06-30, more than 30 days after their placements ended, with none after:
    # t (转出 09-10), g (毕业 2025-06-20); d left the roll on 09-10, which is his dropout case,
    # not a stalled transition (as 辍学 is not).
    assert "新登记中断 2" in scenario.transitions_output
    stalled = await session_graph.run(
        "MATCH (c:Child)-[:HAS_FACT]->(x:Transition {status: 'STALLED'}) "
        "RETURN c.id AS child, x.fromStage + '→' + x.toStage AS pair")
    assert sorted((scenario.labels[r["child"]], r["pair"]) for r in stalled) == [
        ("g", "JUNIOR→SENIOR"), ("t", "PRIMARY→PRIMARY")]
    assert scenario.seconds < 60, scenario.seconds


# --- every indicator, through GraphQL as the city's supervisor ------------------------------

QUERY = """query ($region: String!, $year: Int!, $asOf: Date) {
  indicators(region: $region, year: $year, asOf: $asOf) {
    asOf
    indicators { key english numerator denominator value target status childIds
      items { kind id label flagged values { key value } } }
  }
}"""

SUPERVISOR = Subject(kind="client", id="scenario-supervisor", department="EDU", region=CITY,
                     roles=frozenset({"supervisor"}))


class E(NamedTuple):
    """An expected figure: numerator, denominator, value, status, the children behind it."""

    numerator: float | None
    denominator: float | None
    value: float | None
    status: str
    children: str = ""  # labels, space-separated


async def read(graph: Graph, settings: Settings, scenario: Scenario, region: str) -> dict[
        str, dict[str, Any]]:
    outcome = await execute(graph, settings, QUERY,
                            {"region": region, "year": YEAR, "asOf": AS_OF.isoformat()},
                            subject=SUPERVISOR)
    assert outcome.errors == []
    data = outcome.data["indicators"]
    assert data["asOf"] == AS_OF.isoformat()
    found = {}
    for i in data["indicators"]:
        i["children"] = sorted(scenario.labels[c] for c in i.pop("childIds"))
        i["items"] = [{**item, "values": {v["key"]: v["value"] for v in item["values"]}}
                      for item in i["items"]]
        found[i["key"]] = i
    return found


def check(found: Mapping[str, Mapping[str, Any]], expected: Mapping[str, E]) -> None:
    assert set(expected) == set(found) == {d.key for d in DEFINITIONS}
    wrong = {}
    for key, want in expected.items():
        got = found[key]
        value = got["value"]
        same_value = (value is None) == (want.value is None) and (
            value is None or value == pytest.approx(want.value, rel=1e-12))
        if not (got["numerator"] == want.numerator and got["denominator"] == want.denominator
                and same_value and got["status"] == want.status
                and got["children"] == sorted(want.children.split())):
            kids = " ".join(k for k in got["children"] if not k.startswith("sp"))
            wrong[key] = (f"got {got['numerator']}/{got['denominator']} = {value} "
                          f"{got['status']} [{kids}], expected {want}")
    assert wrong == {}, "figures that differ from the hand computation:\n" + "\n".join(
        f"{key}: {text}" for key, text in wrong.items())


def items(found: Mapping[str, Mapping[str, Any]], key: str, kind: str) -> dict[str, Any]:
    return {i["label"] if kind in ("School", "SchoolClass") else i["id"]:
            (i["values"], i["flagged"]) for i in found[key]["items"] if i["kind"] == kind}


# 潞州区 140403: the county's rules are the defaults (120 hours, 7,000 yuan).
LUZHOU_EXPECTED = {
    # on the roster: a1 a2 b1 t d g z (certificates) + w (welfare listing with a category);
    # not a3, b2–b4 or the 99 (no evidence).
    "roster.schoolAge": E(8, None, 8, "NO_TARGET", "a1 a2 b1 t d g w z"),
    # compulsory band: a1 a2 b1 t d w z = 7; in force on 09-01: a1 a2 b1 w and t (转出 only on
    # 09-10) = 5; d left the roll and was last listed 06-20 (as the dropout check reads it),
    # z was never placed → 5/7 < 97 %
    "enrolment.compulsory": E(5, 7, 5 / 7, "NOT_MET", "d z"),
    "enrolment.preschool": E(0, 0, None, "NO_DATA"),  # nobody aged 3–5
    # g (15 on 31 August) graduated on 06-20 and is nowhere on 09-01 → 0/1
    "enrolment.senior": E(0, 1, 0.0, "NOT_MET", "g"),
    "enrolment.notEnrolled": E(2, 7, 2, "NOT_MET", "d z"),  # d, z of the 7 → 2 > 0
    # in force on 09-01, stage PRIMARY/JUNIOR: 8 regular (a1–a3, b1–b4, t) + w + the 99 = 108
    "placement.compulsoryPupils": E(108, None, 108, "NO_TARGET", f"a1 a2 a3 b1 b2 b3 b4 t w {SP}"),
    "placement.inclusion": E(8, 108, 8 / 108, "NOT_MET", "a1 a2 a3 b1 b2 b3 b4 t"),  # 7 % < 50 %
    "placement.homeDelivery": E(0, 108, 0.0, "MET"),  # 0/108 ≤ 5 %
    # no home-delivery pupil in the county: nothing to check
    "homeDelivery.hours": E(0, 0, None, "NO_DATA"),
    "homeDelivery.frequency": E(0, 0, None, "NO_DATA"),
    "homeDelivery.visitLength": E(0, 0, None, "NO_DATA"),
    "homeDelivery.subsidy": E(0, None, 0.0, "NO_TARGET"),  # 0 visits × 50
    "hollow.suspects": E(0, 0, 0, "NO_DATA"),  # no home-delivery or remote pupil
    # ordinary classes on 09-01: 四年级1班 a1 a2 a3 (3: allowed), 四年级2班 b1–b4 (4: over),
    # 四年级3班 t (1) → 1 of 3 over the limit of 3 (d, without status, is in no class: his
    # placement still names last year's 三年级1班)
    "classes.overLimit": E(1, 3, 1, "NOT_MET", "b1 b2 b3 b4"),
    # 特殊教育学校: 99 pupils → funded as 100 × 7,000 = 700,000 → 7,000 a funded pupil ≥ 7,000
    "funding.specialSchools": E(700_000, 100, 7000, "MET", SP),
    # 实验小学 8 (a1–a3, b1–b4, t) + the welfare home's class 1 (w) = 9 × 7,000 = 63,000
    "funding.otherPupils": E(63_000, 9, 7000, "MET", "a1 a2 a3 b1 b2 b3 b4 t w"),
    "transitions.open": E(0, None, 0, "NO_TARGET"),  # snapshots record no transition
    "transitions.completed": E(0, None, 0, "NO_TARGET"),
    # t ended 2025-09-10 (293 days), g graduated 06-20 (375) > 30 → 2 (d left the roll: a
    # dropout case, not a stall)
    "transitions.stalled": E(2, None, 2, "NOT_MET", "g t"),
    "dropout.open": E(1, None, 1, "NOT_MET", "d"),  # the case the check opened on 09-01
    "dropout.closed": E(0, None, 0, "NO_TARGET"),
    "dropout.medianDays": E(0, None, None, "NO_DATA"),  # no case closed
}

# 上党区 140404: the county's own figures, 100 hours and 8,000 yuan a pupil.
SHANGDANG_EXPECTED = {
    # e1 e2 n s1 g2 h1 h2 r (certificates) + k1 k2 (positive screenings) = 10; not x (18 on
    # 31 August) nor y (certificate issued 2026-09-20, after the year)
    "roster.schoolAge": E(10, None, 10, "NO_TARGET", "e1 e2 g2 h1 h2 k1 k2 n r s1"),
    # compulsory: e1 e2 n s1 h1 h2 r = 7; n's placement starts 09-10 (no 入学日期) → 6/7
    "enrolment.compulsory": E(6, 7, 6 / 7, "NOT_MET", "n"),
    "enrolment.preschool": E(1, 2, 0.5, "NOT_MET", "k1"),  # k2 from 09-01, k1 never → 1/2
    "enrolment.senior": E(1, 1, 1.0, "MET"),  # g2 in senior from 09-01 → 1/1 ≥ 94 %
    "enrolment.notEnrolled": E(1, 7, 1, "NOT_MET", "n"),
    # PRIMARY/JUNIOR on 09-01: e1 e2 (regular), s1 (special class), h1 h2 (home), r (remote)
    "placement.compulsoryPupils": E(6, None, 6, "NO_TARGET", "e1 e2 h1 h2 r s1"),
    # regular class, every stage: e1 e2 g2 k2 = 4 of 8 (+ s1 h1 h2 r) = 50 % ≥ 50 %: met
    "placement.inclusion": E(4, 8, 0.5, "MET", "e1 e2 g2 k2"),
    "placement.homeDelivery": E(2, 6, 2 / 6, "NOT_MET", "h1 h2"),  # 33 % > 5 %
    # h1: 36 × 3 = 108 h ≥ 100 (the county's figure); h2: 10 × 2 + 1.5 = 21.5 h → 1/2
    "homeDelivery.hours": E(1, 2, 0.5, "NOT_MET", "h2"),
    # h1: 36 visits / 35 weeks = 1.03 a week, one a week at most; h2: 11 / 35 = 0.31 → 1/2
    "homeDelivery.frequency": E(1, 2, 0.5, "NOT_MET", "h2"),
    "homeDelivery.visitLength": E(1, 2, 0.5, "NOT_MET", "h2"),  # h2's 1.5 h visit < 2
    # 36 + 11 visits in the year (h1's June 2025 visit is in school year 2024) × 50 = 2,350
    "homeDelivery.subsidy": E(47, None, 2350.0, "NO_TARGET", "h1 h2"),
    # checked on 06-30: h1, h2 (home delivery), r (remote) = 3; h2's last visit 2026-01-21 is
    # 160 days back > 30; h1 visited 06-09, r had a rehab session 06-10 → 1/3
    "hollow.suspects": E(1, 3, 1, "NOT_MET", "h2"),
    # 第一小学 四年级1班 e1 e2 (2; n's 一年级1班 has nobody yet on 09-01), 第一中学 高一1班 g2
    # (1), 第一幼儿园 中班1班 k2 (1); s1's special class is not ordinary → 0 of 3 over
    "classes.overLimit": E(0, 3, 0, "MET"),
    # 特殊教育学校: h1 h2 r (3 pupils) → funded as 100 × 8,000 = 800,000 → 8,000 ≥ 8,000
    "funding.specialSchools": E(800_000, 100, 8000, "MET", "h1 h2 r"),
    # 第一小学 e1 e2 s1 + 第一中学 g2 + 第一幼儿园 k2 = 5 × 8,000 = 40,000 (n from 09-10)
    "funding.otherPupils": E(40_000, 5, 8000, "MET", "e1 e2 g2 k2 s1"),
    "transitions.open": E(0, None, 0, "NO_TARGET"),
    "transitions.completed": E(0, None, 0, "NO_TARGET"),
    "transitions.stalled": E(0, None, 0, "MET"),  # g2 went on to senior secondary
    "dropout.open": E(0, None, 0, "MET"),
    "dropout.closed": E(0, None, 0, "NO_TARGET"),
    "dropout.medianDays": E(0, None, None, "NO_DATA"),
}

# 长治市 140400: the two counties together, under the city's rules (the defaults); per-pupil
# funding is still resolved per school, by the school's own county.
CITY_EXPECTED = {
    "roster.schoolAge": E(18, None, 18, "NO_TARGET",  # 8 + 10
                          "a1 a2 b1 t d g w z e1 e2 g2 h1 h2 k1 k2 n r s1"),
    "enrolment.compulsory": E(11, 14, 11 / 14, "NOT_MET", "d n z"),  # (5 + 6) / (7 + 7)
    "enrolment.preschool": E(1, 2, 0.5, "NOT_MET", "k1"),  # 0/0 + 1/2
    "enrolment.senior": E(1, 2, 0.5, "NOT_MET", "g"),  # 0/1 + 1/1
    "enrolment.notEnrolled": E(3, 14, 3, "NOT_MET", "d n z"),
    "placement.compulsoryPupils": E(114, None, 114, "NO_TARGET",  # 108 + 6
                                    f"a1 a2 a3 b1 b2 b3 b4 t w {SP} e1 e2 h1 h2 r s1"),
    "placement.inclusion": E(12, 116, 12 / 116, "NOT_MET",  # (8 + 4) / (108 + 8)
                             "a1 a2 a3 b1 b2 b3 b4 t e1 e2 g2 k2"),
    "placement.homeDelivery": E(2, 114, 2 / 114, "MET", "h1 h2"),  # 1.8 % ≤ 5 %
    # the city's figure is 120 hours: h1's 108 h fall short here though the county's 100 do not
    "homeDelivery.hours": E(0, 2, 0.0, "NOT_MET", "h1 h2"),
    "homeDelivery.frequency": E(1, 2, 0.5, "NOT_MET", "h2"),
    "homeDelivery.visitLength": E(1, 2, 0.5, "NOT_MET", "h2"),
    "homeDelivery.subsidy": E(47, None, 2350.0, "NO_TARGET", "h1 h2"),
    "hollow.suspects": E(1, 3, 1, "NOT_MET", "h2"),
    "classes.overLimit": E(1, 6, 1, "NOT_MET", "b1 b2 b3 b4"),  # 1 of 3 + 3
    # 潞州区 100 × 7,000 + 上党区 100 × 8,000 = 1,500,000 over 200 → 7,500 ≥ 7,000
    "funding.specialSchools": E(1_500_000, 200, 7500, "MET", f"{SP} h1 h2 r"),
    # 9 × 7,000 + 5 × 8,000 = 103,000 over 14 → 7,357.14 ≥ 7,000
    "funding.otherPupils": E(103_000, 14, 103_000 / 14, "MET",
                             "a1 a2 a3 b1 b2 b3 b4 t w e1 e2 g2 k2 s1"),
    "transitions.open": E(0, None, 0, "NO_TARGET"),
    "transitions.completed": E(0, None, 0, "NO_TARGET"),
    "transitions.stalled": E(2, None, 2, "NOT_MET", "g t"),
    "dropout.open": E(1, None, 1, "NOT_MET", "d"),
    "dropout.closed": E(0, None, 0, "NO_TARGET"),
    "dropout.medianDays": E(0, None, None, "NO_DATA"),
}


async def test_luzhou(scenario: Scenario, session_graph: Graph, rules_settings: Settings) -> None:
    found = await read(session_graph, rules_settings, scenario, LUZHOU)
    check(found, LUZHOU_EXPECTED)
    bands = items(found, "roster.schoolAge", "Band")
    assert bands == {
        "PRESCHOOL": ({"roster": 0, "enrolled": 0, "rate": None}, False),
        "COMPULSORY": ({"roster": 7, "enrolled": 5, "rate": 5 / 7}, False),
        "SENIOR": ({"roster": 1, "enrolled": 0, "rate": 0.0}, False),
    }
    shares = {k: v["pupils"] for k, (v, _) in
              items(found, "placement.compulsoryPupils", "PlacementType").items()}
    assert shares == {"REGULAR_CLASS": 8, "SPECIAL_CLASS": 0, "SPECIAL_SCHOOL": 99,
                      "HOME_DELIVERY": 0, "REMOTE": 0, "WELFARE_CLASS": 1}
    # The flagged class and the sizes of the others (1: t's class, 3: a1–a3's).
    assert items(found, "classes.overLimit", "SchoolClass") == {
        "潞州区实验小学 2班": ({"inclusionPupils": 4, "limit": 3}, True)}
    sizes = {k: v["classes"] for k, (v, _) in items(found, "classes.overLimit",
                                                   "ClassSize").items()}
    assert sizes == {"1": 1, "2": 0, "3": 1}
    assert items(found, "funding.specialSchools", "School") == {
        "潞州区特殊教育学校": ({"pupils": 99, "fundedPupils": 100, "perPupilYuan": 7000,
                          "dueYuan": 700_000}, True)}  # flagged: under 100
    stalled = {k: v["children"] for k, (v, _) in
               items(found, "transitions.stalled", "StagePair").items()}
    # t stays expected in primary school; g, a junior graduate, in senior secondary.
    assert stalled == {"PRIMARY→PRIMARY": 1, "JUNIOR→SENIOR": 1}
    days = {scenario.labels[k]: v["daysSinceEnd"] for k, (v, _) in
            items(found, "transitions.stalled", "Child").items()}
    assert days == {"t": 293, "g": 375}  # to 2026-06-30 from 09-10 and 06-20
    english = {k: i["english"] for k, i in found.items()}
    assert english["homeDelivery.hours"] == "Home delivery: ≥ 120 hours"


async def test_shangdang_with_its_own_figures(
    scenario: Scenario, session_graph: Graph, rules_settings: Settings
) -> None:
    found = await read(session_graph, rules_settings, scenario, SHANGDANG)
    check(found, SHANGDANG_EXPECTED)
    assert found["homeDelivery.hours"]["english"] == "Home delivery: ≥ 100 hours"
    assert found["funding.specialSchools"]["target"] == 8000  # the county's per-pupil figure
    children = {scenario.labels[k]: (v, flagged) for k, (v, flagged) in
                items(found, "homeDelivery.hours", "Child").items()}
    assert children == {
        # 36 visits from 2025-10-07 to 2026-06-09, one a week, 3 h each; the placement covers
        # the whole year, so 100 × 1 hours are due; 36 × 50 yuan.
        "h1": ({"hours": 108, "requiredHours": 100, "visits": 36,
                "visitsPerWeek": pytest.approx(36 / 35), "mostVisitsInAWeek": 1,
                "shortestVisit": 3, "longestVisit": 3, "partOfYear": 1, "subsidyYuan": 1800},
               False),
        # 11 visits a fortnight apart from 2025-09-03: 10 × 2 h + 1.5 h (the last) = 21.5 h
        "h2": ({"hours": 21.5, "requiredHours": 100, "visits": 11,
                "visitsPerWeek": pytest.approx(11 / 35), "mostVisitsInAWeek": 1,
                "shortestVisit": 1.5, "longestVisit": 2, "partOfYear": 1, "subsidyYuan": 550},
               True),
    }
    hollow = {scenario.labels[k]: v for k, (v, _) in
              items(found, "hollow.suspects", "Child").items()}
    assert hollow == {"h2": {"daysWithoutEvidence": 160, "window": 30}}  # 01-21 → 06-30
    shares = {k: v["pupils"] for k, (v, _) in
              items(found, "placement.compulsoryPupils", "PlacementType").items()}
    assert shares == {"REGULAR_CLASS": 2, "SPECIAL_CLASS": 1, "SPECIAL_SCHOOL": 0,
                      "HOME_DELIVERY": 2, "REMOTE": 1, "WELFARE_CLASS": 0}
    sizes = {k: v["classes"] for k, (v, _) in items(found, "classes.overLimit",
                                                   "ClassSize").items()}
    assert sizes == {"1": 2, "2": 1, "3": 0}  # g2's and k2's classes; e1 + e2
    assert items(found, "funding.specialSchools", "School") == {
        "上党区特殊教育学校": ({"pupils": 3, "fundedPupils": 100, "perPupilYuan": 8000,
                          "dueYuan": 800_000}, True)}


async def test_the_city(scenario: Scenario, session_graph: Graph,
                        rules_settings: Settings) -> None:
    found = await read(session_graph, rules_settings, scenario, CITY)
    check(found, CITY_EXPECTED)
    assert found["homeDelivery.hours"]["english"] == "Home delivery: ≥ 120 hours"
    hours = {scenario.labels[k]: (v["hours"], v["requiredHours"], flagged) for k, (v, flagged)
             in items(found, "homeDelivery.hours", "Child").items()}
    assert hours == {"h1": (108, 120, True), "h2": (21.5, 120, True)}
    # Each special school at its own county's rate.
    assert items(found, "funding.specialSchools", "School") == {
        "潞州区特殊教育学校": ({"pupils": 99, "fundedPupils": 100, "perPupilYuan": 7000,
                          "dueYuan": 700_000}, True),
        "上党区特殊教育学校": ({"pupils": 3, "fundedPupils": 100, "perPupilYuan": 8000,
                          "dueYuan": 800_000}, True),
    }
    sizes = {k: v["classes"] for k, (v, _) in items(found, "classes.overLimit",
                                                   "ClassSize").items()}
    assert sizes == {"1": 3, "2": 1, "3": 1}
