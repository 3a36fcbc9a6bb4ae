"""The city's department files 部门导出文件: what each department's system exports (FORMATS.md).

Seven sources, in the order a department would load them: the school register (`schools`), one
complete school-status snapshot per school year (`edu-status`, loaded ``--as-of`` its day), then
certificates with device fittings, screenings, welfare files, rehabilitation sessions and
home-delivery visits. Encodings are the departments' own: GBK and GB18030 from Excel in China,
xlsx, UTF-8 with BOM.

The snapshot of school year Y lists every pupil on a school's roll on its first day: 在读 with the
class of that year, or 毕业/转出/辍学 in the year the pupil moved on (and at the new school the same
day); a pupil who stopped coming is simply missing from it. A newborn screened before its ID
number was issued is named after its mother ("<mother>之子/之女") with her ID number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from connectors.sources import SOURCES
from devtools.demo import names
from devtools.demo.city import LEFT, City, Fact, Stint, snapshot_day, student_number
from devtools.generate import write_csv, write_xlsx
from hub.vocabulary import (
    ChildCategory,
    HomeDeliveryContent,
    PlacementType,
    SchoolStatus,
    ScreeningResult,
    Stage,
)

CATEGORY_LABELS = {1: "视力", 2: "听力", 3: "言语", 4: "肢体", 5: "智力", 6: "精神", 7: "多重"}
GRADE_LABELS = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}
# 办学类型 in the register's own words (FORMATS.md), which are not always SchoolType's labels.
SCHOOL_TYPES = {"KINDERGARTEN": "幼儿园", "PRIMARY": "小学", "JUNIOR": "初级中学",
                "SENIOR": "高级中学", "VOCATIONAL": "中等职业学校", "SPECIAL": "特殊教育学校"}
Row = dict[str, object]


@dataclass(frozen=True)
class ExportFile:
    source: str
    name: str
    encoding: str  # of a CSV file; "" for xlsx
    rows: list[Row]
    as_of: date | None = None  # the day an edu-status snapshot describes


def export_files(city: City) -> list[ExportFile]:
    """Every file, in load order; a snapshot year with nobody on a roll has no file."""
    snapshots = [
        ExportFile("edu-status", f"edu-status-{snapshot_day(year)}.csv", "gbk", rows,
                   snapshot_day(year))
        for year in city.snapshot_years if (rows := snapshot(city, year))
    ]
    return [
        ExportFile("schools", "schools.csv", "gb18030", register(city)),
        *snapshots,
        ExportFile("dpf-certificates", "dpf-certificates.xlsx", "", certificates(city)),
        ExportFile("health-screening", "health-screening.csv", "utf-8-sig", screenings(city)),
        ExportFile("civil-welfare", "civil-welfare.csv", "utf-8-sig", welfare(city)),
        ExportFile("rehab-sessions", "rehab-sessions.csv", "utf-8-sig", rehabilitation(city)),
        ExportFile("home-delivery", "home-delivery.csv", "utf-8-sig", home_delivery(city)),
    ]


def write_files(folder: Path, files: list[ExportFile]) -> list[Path]:
    """Writes each file under ``folder`` with its source's columns; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for export in files:
        header = list(SOURCES[export.source].columns)
        path = folder / export.name
        paths.append(write_xlsx(path, header, export.rows) if not export.encoding
                     else write_csv(path, header, export.rows, export.encoding))
    return paths


def _yes(value: bool, yes: str = "是", no: str = "否") -> str:
    return yes if value else no


def register(city: City) -> list[Row]:
    rows: list[Row] = [{
        "学校标识码": s.code, "学校名称": s.name, "办学类型": SCHOOL_TYPES[s.kind],
        "行政区划代码": s.region_code, "资源教室": _yes(s.resource_room, "有", "无"),
        "特教班数": s.special_classes, "指导资源中心": s.centre,
        "是否资源中心": _yes(s.hosts_centre),
    } for s in city.schools]
    return rows


def snapshot(city: City, year: int) -> list[Row]:
    """The roll of every school on the first day of school year ``year``."""
    children = {child.key: child for child in city.children}
    schools = {school.code: school for school in city.schools}
    rows: list[Row] = []
    for stint in listed(city, year):
        klass: str | None
        if year <= stint.last_year:
            status, grade = SchoolStatus.ACTIVE, stint.grade(year)
            klass = stint.class_names[year - stint.first_year]
        else:  # the year it moved on: no class of the new year, the last grade attended
            assert stint.ending is not None
            status, grade, klass = SchoolStatus(stint.ending), stint.grade(stint.last_year), None
        child = children[stint.child]
        rows.append({
            "姓名": child.name, "性别": "男" if child.sex == "M" else "女",
            "出生日期": f"{child.birth_date:%Y-%m-%d}", "身份证号": child.id_number,
            "学籍号": student_number(child.id_number), "学校标识码": stint.school,
            "学校名称": schools[stint.school].name, "学段": Stage(stint.stage).label,
            "年级": f"{grade}年级" if grade else None, "班级": klass,
            "就读方式": PlacementType(stint.kind).label,
            "残疾类别": CATEGORY_LABELS.get(child.disability_category or 0),
            "学籍状态": status.label,
            "入学日期": f"{stint.start:%Y/%m/%d}" if stint.dated else None,
            "行政区划代码": child.region_code,
        })
    return rows


def certificates(city: City) -> list[Row]:
    children = {child.key: child for child in city.children}
    devices = {fact.child: fact for fact in city.facts if fact.kind == "DeviceFitting"}
    rows: list[Row] = []
    for fact in _of_kind(city, "DisabilityCertificate"):
        child = children[fact.child]
        category, grade = child.disability_category, child.disability_grade
        assert category is not None and grade is not None
        device = devices.get(child.key)
        rows.append({
            "姓名": child.name, "性别": "1" if child.sex == "M" else "2",
            "出生日期": child.birth_date, "残疾人证号": certificate_number(child.id_number,
                                                                        category, grade),
            "残疾类别": CATEGORY_LABELS[category] + "残疾", "残疾等级": GRADE_LABELS[grade],
            "发证日期": fact.date, "有效期至": fact.props["validUntil"],
            "户籍地行政区划代码": child.region_code, "监护人姓名": fact.props["guardianName"],
            "监护人联系电话": fact.props["guardianPhone"],
            "辅具适配": device.props["device"] if device else None,
        })
    return rows


def screenings(city: City) -> list[Row]:
    children = {child.key: child for child in city.children}
    rows: list[Row] = []
    for fact in _of_kind(city, "Screening"):
        child = children[fact.child]
        props = fact.props
        infant = props["infant"]
        son = "之子" if child.sex == "M" else "之女"
        rows.append({
            "筛查编号": props["screeningNo"],
            "儿童姓名": f"{child.mother_name}{son}" if infant else child.name,
            "性别": "男" if child.sex == "M" else "女",
            "出生日期": f"{child.birth_date.year}年{child.birth_date.month}月"
                        f"{child.birth_date.day}日",
            "儿童身份证号": None if infant else child.id_number,
            "母亲姓名": child.mother_name, "母亲身份证号": child.mother_id_number,
            "筛查日期": f"{fact.date:%Y-%m-%d}", "筛查机构": props["institution"],
            "筛查结果": ScreeningResult(props["result"]).label, "诊断": props["diagnosis"],
            "诊断日期": props["diagnosedOn"], "转介康复机构": props["referral"],
            "行政区划代码": child.region_code,
        })
    return rows


def welfare(city: City) -> list[Row]:
    children = {child.key: child for child in city.children}
    home = city.welfare_institution
    rows: list[Row] = []
    for fact in _of_kind(city, "WelfareStatus"):
        child = children[fact.child]
        props = fact.props
        in_care = fact.org is not None
        rows.append({
            "档案号": props["fileNo"], "姓名": child.name,
            "性别": "男" if child.sex == "M" else "女",
            "出生日期": f"{child.birth_date:%Y.%m.%d}", "身份证号": child.id_number,
            "儿童类别": ChildCategory(props["category"]).label,
            "福利机构": home.name if in_care else None, "救助项目": props["aidProgramme"],
            "月救助金额": f"{props['monthlyAid']}元", "起始日期": fact.date,
            "终止日期": props["endDate"],
            # The institution keeps the file: its region, which keys it (civil_welfare).
            "行政区划代码": home.region_code if in_care else child.region_code,
        })
    return rows


def rehabilitation(city: City) -> list[Row]:
    children = {child.key: child for child in city.children}
    institutions = {i.code: i for i in city.rehab_institutions}
    rows: list[Row] = []
    for fact in _of_kind(city, "ServiceSession"):
        if fact.props["kind"] != "REHABILITATION":
            continue
        child = children[fact.child]
        assert fact.org is not None
        institution = institutions[fact.org]
        category, grade = child.disability_category, child.disability_grade
        # Institutions name the child by ID number or, every other record, by certificate.
        certificate = (certificate_number(child.id_number, category, grade)
                       if category and grade and int(fact.id[-1]) % 2 else None)
        rows.append({
            "服务记录号": "KF" + fact.id.removeprefix("svc_"), "姓名": child.name,
            "身份证号": None if certificate else child.id_number, "残疾人证号": certificate,
            "康复机构": institution.name, "机构代码": institution.code, "服务日期": fact.date,
            "服务项目": (names.REHAB_ITEMS.get(category or 0, "认知训练")
                         if child.special_needs != "AUTISM" else "孤独症干预"),
            "课时": fact.props["hours"], "康复师": fact.props["provider"],
        })
    return rows


def home_delivery(city: City) -> list[Row]:
    children = {child.key: child for child in city.children}
    rows: list[Row] = []
    for fact in _of_kind(city, "ServiceSession"):
        props = fact.props
        if props["kind"] != "HOME_DELIVERY":
            continue
        child = children[fact.child]
        rows.append({
            "记录编号": "SJ" + fact.id.removeprefix("svc_"), "学生姓名": child.name,
            "学籍号": student_number(child.id_number), "身份证号": None,
            "负责学校标识码": fact.org, "送教日期": fact.date, "课时": f"{props['hours']}课时",
            "送教内容": "、".join(HomeDeliveryContent(c).label for c in props["content"]),
            "送教教师": props["provider"], "备注": props["notes"],
        })
    return rows


def certificate_number(id_number: str, category: int | None, grade: int | None) -> str:
    """残疾人证号: the 18-digit ID number, then the category and grade digits."""
    return f"{id_number}{category}{grade}"


def _of_kind(city: City, kind: str) -> list[Fact]:
    return [fact for fact in city.facts if fact.kind == kind]


def listed(city: City, year: int) -> list[Stint]:
    """The stints the snapshot of ``year`` lists: those in force that year, and those that end
    with a status in it (a leaver, LEFT, is not listed; the welfare institution is no school)."""
    return [s for s in city.stints if s.kind != "WELFARE_CLASS" and (
        s.first_year <= year <= s.last_year
        or (year == s.last_year + 1 and s.ending not in (None, LEFT)))]
