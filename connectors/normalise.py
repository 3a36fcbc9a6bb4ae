"""Value normalisers shared by every connector 字段规范化.

Each function takes a raw cell (a string from CSV, or whatever openpyxl returns for an xlsx
cell) and returns the hub's canonical value, or raises `NormaliseError` with a message a
clerk can act on: Chinese first, English after it. Messages never repeat identity numbers,
names, phones or dates back: load reports are read and stored by more people than the data.
"""

from __future__ import annotations

import math
import re
import time
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import TypeVar

from stdnum.cn import ric

from hub import regions
from hub.vocabulary import (
    ChildCategory,
    DisabilityCategory,
    HomeDeliveryContent,
    PlacementType,
    SchoolStatus,
    SchoolType,
    ScreeningResult,
    Sex,
    Stage,
    Vocabulary,
)

__all__ = [
    "NormaliseError",
    "birth_date_from_id",
    "certificate_number",
    "child_category",
    "child_name",
    "count",
    "decimal_hours",
    "disability_category",
    "disability_grade",
    "home_delivery_content",
    "icd10",
    "is_newborn_placeholder",
    "money",
    "parse_date",
    "person_name",
    "phone",
    "placement_type",
    "region_code",
    "resident_id",
    "school_type",
    "screening_result",
    "sex",
    "sex_from_id",
    "stage",
    "status",
    "student_number",
    "yes_no",
]


class NormaliseError(ValueError):
    """A cell value that cannot be turned into the hub's form; str() is the message to show."""


E = TypeVar("E", bound=Vocabulary)

MIN_YEAR = 1900
MAX_YEAR = 2100


# --- text helpers -------------------------------------------------------------


def _fold(text: str) -> str:
    """Full-width digits, letters and spaces to ASCII (NFKC), as typed with a Chinese IME."""
    return unicodedata.normalize("NFKC", text)


def _squeeze(text: str) -> str:
    """Fold and drop every kind of whitespace, for codes where spaces are never meaningful."""
    return "".join(_fold(text).split())


def _text(value: object, what: str) -> str:
    """The cell as text; numbers from xlsx cells are accepted when they are whole."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise NormaliseError(f"{what}格式无效 invalid {_english(what)}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not value.is_integer():
            raise NormaliseError(f"{what}格式无效 invalid {_english(what)}")
        return str(int(value))
    if isinstance(value, str):
        return value
    raise NormaliseError(f"{what}格式无效 invalid {_english(what)}")


_ENGLISH = {
    "学籍号": "student number",
    "行政区划代码": "region code",
    "性别": "sex",
    "电话号码": "phone number",
    "诊断编码": "ICD-10 code",
    "残疾类别": "disability category",
    "残疾等级": "disability grade",
    "课时": "hours",
    "金额": "amount",
    "姓名": "name",
    "日期": "date",
    "学段": "stage",
    "就读方式": "placement type",
    "学籍状态": "school status",
    "筛查结果": "screening result",
    "儿童类别": "child category",
    "送教内容": "home-delivery content",
    "办学类型": "school type",
    "资源教室": "resource room (有/无)",
    "是否资源中心": "resource-centre host (是/否)",
    "特教班数": "number of special classes",
}


def _english(what: str) -> str:
    return _ENGLISH.get(what, "value")


def _required(value: object, what: str) -> str:
    text = _fold(_text(value, what)).strip()
    if not text:
        raise NormaliseError(f"{what}为空 {_english(what)} is empty")
    return text


# --- resident ID numbers ------------------------------------------------------

_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_EXCEL_NUMBER = re.compile(r"[0-9.]+E\+?[0-9]+")
_EXCEL_LOST_DIGITS = (
    "被 Excel 存成了数字，后几位已丢失，请把该列设为文本后重新导出 "
    "stored as a number by Excel, trailing digits are lost; format the column as text"
)


def _id_text(value: object, what: str) -> str:
    """Spelling-normalised ID-like text; rejects the numbers Excel has already mangled."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        # 17+ digit numbers exceed Excel's 15 significant digits: the value is already wrong.
        raise NormaliseError(f"{what}{_EXCEL_LOST_DIGITS}")
    text = _squeeze(_text(value, what)).upper()
    if _EXCEL_NUMBER.fullmatch(text):
        raise NormaliseError(f"{what}{_EXCEL_LOST_DIGITS}")
    return text


def resident_id(value: object) -> str:
    """An 18-character resident ID number 身份证号 (GB 11643), normalised and validated.

    The first six digits may be a retired GB/T 2260 code: they record where the person was
    first registered, and IDs keep that code for life.
    """
    text = _id_text(value, "身份证号")
    if not text:
        raise NormaliseError("身份证号为空 ID number is empty")
    _check_resident_id(text, "身份证号")
    return text


_VALID_IDS: dict[str, None] = {}  # recently accepted numbers (学籍号 repeats 身份证号)
_TODAY: list[tuple[float, date]] = []


def _today() -> date:
    """date.today(), read at most once a minute: it is asked once per ID number."""
    now = time.monotonic()
    if not _TODAY or now - _TODAY[0][0] > 60:
        _TODAY[:] = [(now, date.today())]
    return _TODAY[0][1]


def _check_resident_id(text: str, what: str) -> None:
    if text in _VALID_IDS:
        return
    _check_new_resident_id(text, what)
    if len(_VALID_IDS) >= 10_000:
        _VALID_IDS.clear()
    _VALID_IDS[text] = None


def _check_new_resident_id(text: str, what: str) -> None:
    if len(text) != 18:
        raise NormaliseError(
            f"{what}应为 18 位，实际 {len(text)} 位 must have 18 characters, found {len(text)}"
        )
    if not _ID_SHAPE.fullmatch(text):
        raise NormaliseError(
            f"{what}只能含数字，末位可为 X must be 17 digits followed by a digit or X"
        )
    # stdnum's checksum and date parsing are used, but not ric.validate(): it rejects a region
    # code outside the years it was in use at the birth year, which real IDs break (an adult
    # born 1980 got the code created in 1985 when IDs were first issued), and it raises
    # KeyError instead of InvalidComponent for an unknown county under a known province.
    if text[-1] != ric.calc_check_digit(text):
        raise NormaliseError(f"{what}校验位错误 wrong check digit")
    _check_birth_date(text, what)
    if not regions.is_known(text[:6]):
        raise NormaliseError(
            f"{what}前 6 位不是行政区划代码 first six digits are not a GB/T 2260 region code"
        )


def _check_birth_date(text: str, what: str) -> None:
    # What ric.get_birth_date does, without its per-character clean-up: the shape of ``text``
    # is already checked (17 digits and a digit or X).
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise NormaliseError(f"{what}中的出生日期无效 invalid birth date in ID number") from None
    if born.year < MIN_YEAR or born > _today():
        raise NormaliseError(f"{what}中的出生日期无效 invalid birth date in ID number")


def birth_date_from_id(number: str) -> date:
    """The birth date encoded in a resident ID number (validated first)."""
    return ric.get_birth_date(resident_id(number))


def sex_from_id(number: str) -> Sex:
    """The sex encoded in a resident ID number: odd 17th digit = male."""
    return "M" if int(resident_id(number)[16]) % 2 == 1 else "F"


def certificate_number(value: object) -> tuple[str, int, int]:
    """A 20-character disability certificate number 残疾人证号 → (resident ID, category, grade)."""
    text = _id_text(value, "残疾人证号")
    if not text:
        raise NormaliseError("残疾人证号为空 certificate number is empty")
    if len(text) != 20:
        raise NormaliseError(
            f"残疾人证号应为 20 位，实际 {len(text)} 位 must have 20 characters, found {len(text)}"
        )
    _check_resident_id(text[:18], "残疾人证号中的身份证号")
    category, grade = text[18], text[19]
    if category not in "1234567":
        raise NormaliseError("残疾人证号第 19 位（残疾类别）应为 1–7 category digit must be 1–7")
    if grade not in "1234":
        raise NormaliseError("残疾人证号第 20 位（残疾等级）应为 1–4 grade digit must be 1–4")
    return text[:18], int(category), int(grade)


_STUDENT_NUMBER = re.compile(r"[0-9A-Z]{1,32}")
_EMBEDDED_ID = re.compile(r"[A-Z]{1,2}([0-9]{17}[0-9X])")


def student_number(value: object) -> tuple[str, str | None]:
    """A school-status number 学籍号 → (number, the resident ID it embeds or None).

    National numbers are usually a letter (G, L, J) followed by the child's ID number; the
    embedded ID is returned only when it is a valid one, as a linking hint.
    """
    text = _squeeze(_text(value, "学籍号")).upper()
    if not text:
        raise NormaliseError("学籍号为空 student number is empty")
    if not _STUDENT_NUMBER.fullmatch(text):
        raise NormaliseError("学籍号只能含字母和数字 student number must be letters and digits")
    return text, _embedded_id(text)


def _embedded_id(number: str) -> str | None:
    match = _EMBEDDED_ID.fullmatch(number)
    candidate = match[1] if match else number if len(number) == 18 else None
    if candidate is None:
        return None
    try:
        _check_resident_id(candidate, "学籍号")
    except NormaliseError:
        return None
    return candidate


# --- dates --------------------------------------------------------------------

_DATE_SEPARATED = re.compile(
    r"(?P<y>[0-9]{4})(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})"
    r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?"
)
_DATE_CHINESE = re.compile(r"(?P<y>[0-9]{4})年(?P<m>[0-9]{1,2})月(?P<d>[0-9]{1,2})[日号]?")
_DATE_COMPACT = re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})")
_SERIAL = re.compile(r"[0-9]{1,5}(?:\.[0-9]+)?")

# Excel's 1900 date system counts 1900-02-29, a day that never existed (Lotus 1-2-3 compat).
_EXCEL_EPOCH_BEFORE_LEAP_BUG = date(1899, 12, 31)
_EXCEL_EPOCH_AFTER_LEAP_BUG = date(1899, 12, 30)
_EXCEL_FAKE_LEAP_DAY = 60


def parse_date(value: object) -> date:
    """A date from a cell: ISO, slashes, dots, 年月日, YYYYMMDD, date cells or Excel serials.

    Serials use Excel's 1900 system. Whole numbers 1900–2100 are refused as a year typed
    alone rather than read as days in 1905; 8-digit numbers are read as YYYYMMDD.
    """
    if isinstance(value, datetime):
        return _in_range(value.date())
    if isinstance(value, date):
        return _in_range(value)
    if isinstance(value, bool):
        raise NormaliseError("日期格式无法识别 unrecognised date")
    if isinstance(value, int | float):
        return _from_number(value)
    if value is None:
        raise NormaliseError("日期为空 date is empty")
    if not isinstance(value, str):
        raise NormaliseError("日期格式无法识别 unrecognised date")
    return _from_text(_squeeze_date(value))


_WHITESPACE = re.compile(r"\s")
_AROUND_SEPARATOR = re.compile(r"\s*([年月日/.\-])\s*")
_RUN_OF_SPACE = re.compile(r"\s+")


def _squeeze_date(text: str) -> str:
    # Keep one space between date and time, drop the rest (e.g. "2015 年 3 月 2 日").
    folded = _fold(text).strip()
    if _WHITESPACE.search(folded) is None:
        # Most cells have no space: the substitutions would change nothing, and expanding the
        # template for every separator cost ≈ 25 µs a row (birth dates are too many to memoise).
        return folded
    return _RUN_OF_SPACE.sub(" ", _AROUND_SEPARATOR.sub(r"\1", folded))


def _from_text(text: str) -> date:
    if not text:
        raise NormaliseError("日期为空 date is empty")
    for pattern in (_DATE_SEPARATED, _DATE_CHINESE, _DATE_COMPACT):
        match = pattern.fullmatch(text)
        if match:
            return _make_date(int(match["y"]), int(match["m"]), int(match["d"]))
    if _SERIAL.fullmatch(text):
        return _from_number(float(text))
    raise NormaliseError(
        "日期格式无法识别，请用 2015-03-02 或 2015年3月2日 unrecognised date, use 2015-03-02"
    )


def _from_number(number: float) -> date:
    if not math.isfinite(number):
        raise NormaliseError("日期格式无法识别 unrecognised date")
    # Serials 1900–2100 are days in 1905; in these files they are a year typed alone.
    if MIN_YEAR <= number <= MAX_YEAR and float(number).is_integer():
        raise NormaliseError("日期只有年份，缺少月和日 only a year given, month and day missing")
    # A number cell holding 20150302 is a date typed without separators, not a serial.
    if number >= 10_000_000 and float(number).is_integer():
        return _from_text(str(int(number)))
    return _from_serial(float(number))


def _from_serial(serial: float) -> date:
    day = math.floor(serial)  # the fraction is the time of day
    if day == _EXCEL_FAKE_LEAP_DAY:
        raise NormaliseError(
            "Excel 日期序号 60 表示不存在的 1900-02-29 "
            "Excel serial 60 is the nonexistent 1900-02-29"
        )
    if day < 1:
        raise NormaliseError("Excel 日期序号应从 1 开始 Excel date serials start at 1")
    epoch = (
        _EXCEL_EPOCH_BEFORE_LEAP_BUG if day < _EXCEL_FAKE_LEAP_DAY else _EXCEL_EPOCH_AFTER_LEAP_BUG
    )
    try:
        return _in_range(epoch + timedelta(days=day))
    except OverflowError:
        raise NormaliseError(_YEAR_RANGE) from None


_YEAR_RANGE = f"年份应在 {MIN_YEAR}–{MAX_YEAR} 之间 year must be between {MIN_YEAR} and {MAX_YEAR}"


def _make_date(year: int, month: int, day: int) -> date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise NormaliseError(_YEAR_RANGE)
    try:
        return date(year, month, day)
    except ValueError:
        raise NormaliseError("日期不存在（如 2 月 30 日） no such date, e.g. 30 February") from None


def _in_range(day: date) -> date:
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise NormaliseError(_YEAR_RANGE)
    return day


# --- names and simple codes ---------------------------------------------------

_MIDDLE_DOT = "·"
# Before NFKC folding: it turns the full-width full stop ． into "." and ･ into ・.
_DOT_VARIANTS = str.maketrans(dict.fromkeys("･•‧・∙⋅⸱．･", _MIDDLE_DOT))
_HAN = "\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
_SPACE_NEAR_CJK = re.compile(f" (?=[{_HAN}·])|(?<=[{_HAN}·]) ")
_STOP_BETWEEN_HAN = re.compile(f"(?<=[{_HAN}]) *\\. *(?=[{_HAN}])")  # 阿依古丽.买买提


def person_name(value: object) -> str:
    """A person's name 姓名: trimmed, alignment spaces dropped, middle dots unified to ·
    (``•``, ``・``, ``．``, ``‧`` and a full stop between Chinese characters)."""
    if not isinstance(value, str | None):
        raise NormaliseError("姓名格式无效 invalid name")
    text = _STOP_BETWEEN_HAN.sub(_MIDDLE_DOT, _fold((value or "").translate(_DOT_VARIANTS)))
    text = text.translate(_DOT_VARIANTS)
    # Rosters pad two-character names (张　三) to line up columns: spaces next to Chinese
    # characters are layout, not part of the name; spaces between Latin words are kept.
    text = _SPACE_NEAR_CJK.sub("", " ".join(text.split()))
    if not text:
        raise NormaliseError("姓名为空 name is empty")
    if any(char.isdigit() for char in text):
        raise NormaliseError("姓名不能含数字 name must not contain digits")
    if (
        not any(char.isalpha() for char in text)
        or text[0] == _MIDDLE_DOT
        or text[-1] == _MIDDLE_DOT
    ):
        raise NormaliseError("姓名格式无效 invalid name")
    return text


# A newborn not yet named is recorded as the mother's name + 之子 (son) or 之女 (daughter):
# 李娜之女. That is no name of the child's own (FORMATS.md).
_NEWBORN = re.compile(r"之(?:长|次|[一二三四])?[子女]$")


def is_newborn_placeholder(name: str) -> bool:
    """True for "<mother>之子/之女" (also 之长女, 之次子 …): not the child's own name."""
    return bool(_NEWBORN.search(name)) and len(name) > 2


def child_name(value: object) -> str | None:
    """A child's name 姓名, or None when the cell holds the newborn convention <mother>之子/之女
    (the child then links like a child without a name, and no real name is overwritten)."""
    name = person_name(value)
    return None if is_newborn_placeholder(name) else name


_SEX: Mapping[str, Sex] = {
    "男": "M", "男性": "M", "1": "M", "M": "M", "MALE": "M",
    "女": "F", "女性": "F", "2": "F", "F": "F", "FEMALE": "F",
}  # fmt: skip


def sex(value: object) -> Sex:
    """Sex 性别 from 男/女, the GB/T 2261.1 digits 1/2, or M/F."""
    text = _required(value, "性别").upper()
    try:
        return _SEX[text]
    except KeyError:
        raise NormaliseError("性别应为 男/女/1/2 sex must be 男, 女, 1 or 2") from None


_CATEGORY_WORDS: Mapping[str, DisabilityCategory] = {
    "视力": DisabilityCategory.VISION,
    "听力": DisabilityCategory.HEARING,
    "言语": DisabilityCategory.SPEECH,
    "语言": DisabilityCategory.SPEECH,  # the pre-2006 standard's word for speech disability
    "肢体": DisabilityCategory.PHYSICAL,
    "智力": DisabilityCategory.INTELLECTUAL,
    "精神": DisabilityCategory.MENTAL,
    "多重": DisabilityCategory.MULTIPLE,
}


def disability_category(value: object) -> int:
    """Disability category 残疾类别 as its digit 1–7, from the digit or the Chinese word."""
    text = _squeeze(_required(value, "残疾类别")).upper()
    word = text.removesuffix("残疾").removesuffix("残")
    if word in _CATEGORY_WORDS:
        return int(_CATEGORY_WORDS[word])
    if text in DisabilityCategory.__members__:
        return int(DisabilityCategory[text])
    if text in {"1", "2", "3", "4", "5", "6", "7"}:
        return int(text)
    raise NormaliseError(
        "残疾类别应为 1–7 或 视力/听力/言语/肢体/智力/精神/多重 "
        "disability category must be 1–7 or its Chinese name"
    )


_GRADE_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def disability_grade(value: object) -> int:
    """Disability grade 残疾等级 1 (most severe) – 4, from 1–4, 一级…四级 or 一…四."""
    text = _squeeze(_required(value, "残疾等级"))
    word = text.removesuffix("残疾").removesuffix("级")
    if word in _GRADE_WORDS:
        return _GRADE_WORDS[word]
    raise NormaliseError("残疾等级应为 1–4 或 一级…四级 disability grade must be 1–4")


def region_code(value: object) -> str:
    """A six-digit GB/T 2260 region code 行政区划代码 (current or retired)."""
    text = _squeeze(_required(value, "行政区划代码"))
    # Statistical division codes pad the county code to 12 digits with zeros.
    if re.fullmatch(r"[0-9]{6}0{6}", text):
        text = text[:6]
    if not re.fullmatch(r"[0-9]{6}", text):
        raise NormaliseError("行政区划代码应为 6 位数字 region code must be 6 digits")
    if not regions.is_known(text):
        raise NormaliseError(f"行政区划代码 {text} 不存在 region code {text} is not in GB/T 2260")
    return text


# --- vocabularies -------------------------------------------------------------

_STAGE_ALIASES = {
    "学前教育": Stage.PRESCHOOL,
    "幼儿园": Stage.PRESCHOOL,
    "普通高中": Stage.SENIOR,
    "中等职业教育": Stage.VOCATIONAL,
}
_PLACEMENT_ALIASES = {
    "特教学校": PlacementType.SPECIAL_SCHOOL,
    "特殊教育班": PlacementType.SPECIAL_CLASS,
    "送教": PlacementType.HOME_DELIVERY,
}


def _vocabulary(
    kind: type[E], value: object, what: str, aliases: Mapping[str, E] | None = None
) -> E:
    text = _squeeze(_required(value, what))
    member = kind.from_label(text) or (aliases or {}).get(text)
    if member is None and text.upper() in kind.__members__:
        member = kind[text.upper()]
    if member is None:
        labels = "/".join(m.label for m in kind)
        raise NormaliseError(f"{what}应为 {labels} unknown {_english(what)}")
    return member


def stage(value: object) -> Stage:
    """Education stage 学段."""
    return _vocabulary(Stage, value, "学段", _STAGE_ALIASES)


def placement_type(value: object) -> PlacementType:
    """Placement type 就读方式."""
    return _vocabulary(PlacementType, value, "就读方式", _PLACEMENT_ALIASES)


def status(value: object) -> SchoolStatus:
    """School-status state 学籍状态."""
    return _vocabulary(SchoolStatus, value, "学籍状态")


# The school register's 办学类型 words (FORMATS.md) beside SchoolType's own labels.
_SCHOOL_TYPE_ALIASES = {
    "初级中学": SchoolType.JUNIOR,
    "高级中学": SchoolType.SENIOR,
    "特教学校": SchoolType.SPECIAL,
}


def school_type(value: object) -> SchoolType:
    """School type 办学类型 (the school register)."""
    return _vocabulary(SchoolType, value, "办学类型", _SCHOOL_TYPE_ALIASES)


_YES = frozenset({"有", "是", "Y", "YES", "TRUE", "1"})
_NO = frozenset({"无", "没有", "否", "N", "NO", "FALSE", "0"})


def yes_no(what: str) -> Callable[[object], bool]:
    """A 有/无 or 是/否 column: True or False."""

    def parse(value: object) -> bool:
        text = _squeeze(_required(value, what)).upper()
        if text in _YES:
            return True
        if text in _NO:
            return False
        raise NormaliseError(f"{what}应为 有/无 或 是/否 {_english(what)} must be yes or no")

    return parse


def count(value: object) -> int:
    """A small whole number (特教班数): 0–999."""
    number = _number(value, "特教班数", ("个", "班"))
    if not number.is_integer() or not 0 <= number <= 999:
        raise NormaliseError("特教班数应为 0–999 的整数 number of special classes must be a "
                             "whole number 0–999")
    return int(number)


def screening_result(value: object) -> ScreeningResult:
    """Screening result 筛查结果."""
    return _vocabulary(ScreeningResult, value, "筛查结果")


def child_category(value: object) -> ChildCategory:
    """Civil-affairs child category 儿童类别."""
    return _vocabulary(ChildCategory, value, "儿童类别")


_CONTENT_SEPARATORS = re.compile(r"[、,，;；/]")


def home_delivery_content(value: object) -> tuple[HomeDeliveryContent, ...]:
    """Home-delivery content 送教内容: one or several of 教育/康复/保健, in order, no repeats."""
    text = _required(value, "送教内容")
    parts = [part for part in _CONTENT_SEPARATORS.split(text) if part.strip()]
    found: list[HomeDeliveryContent] = []
    for part in parts:
        item = _vocabulary(HomeDeliveryContent, part, "送教内容")
        if item not in found:
            found.append(item)
    if not found:
        raise NormaliseError("送教内容为空 home-delivery content is empty")
    return tuple(found)


# --- quantities ---------------------------------------------------------------


def _number(value: object, what: str, units: tuple[str, ...]) -> float:
    if isinstance(value, bool):
        raise NormaliseError(f"{what}应为数字 {_english(what)} must be a number")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = _squeeze(_required(value, what)).replace(",", "")
        for unit in units:
            text = text.removesuffix(unit).removeprefix(unit)
        try:
            number = float(text)
        except ValueError:
            raise NormaliseError(f"{what}应为数字 {_english(what)} must be a number") from None
    if not math.isfinite(number):
        raise NormaliseError(f"{what}应为数字 {_english(what)} must be a number")
    return number


def decimal_hours(value: object) -> float:
    """Class or session hours 课时: more than 0, at most 24."""
    hours = _number(value, "课时", ("课时", "小时", "学时", "H"))
    if not 0 < hours <= 24:
        raise NormaliseError("课时应大于 0 且不超过 24 hours must be more than 0 and at most 24")
    return hours


def money(value: object) -> int | float:
    """An amount in yuan 金额, at least 0; whole amounts come back as int."""
    amount = _number(value, "金额", ("元", "¥", "￥", "RMB", "CNY"))
    if amount < 0:
        raise NormaliseError("金额不能为负数 amount must not be negative")
    cents = round(amount, 2)  # amounts are kept to the fen
    return int(cents) if cents.is_integer() else cents


_ICD10 = re.compile(r"[A-Z][0-9]{2}(?:\.[0-9A-Z]{1,4}(?:X[0-9]{3})?)?")


def icd10(value: object) -> str:
    """An ICD-10 diagnosis code 诊断编码 such as F84.0, H90 or Q90.9 (dot added if missing)."""
    text = _squeeze(_required(value, "诊断编码")).upper()
    # Exports often drop the dot (F840); the dot always follows the three-character category.
    if len(text) > 3 and "." not in text:
        text = f"{text[:3]}.{text[3:]}"
    if not _ICD10.fullmatch(text):
        raise NormaliseError("诊断编码不是 ICD-10 格式（如 F84.0） not an ICD-10 code, e.g. F84.0")
    # The national clinical edition spells its extension with a lower-case x (Q90.900x001).
    return re.sub(r"X([0-9]{3})$", r"x\1", text)


_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_MASKED_MOBILE = re.compile(r"1[3-9][0-9]\*{4}[0-9]{4}")
_LANDLINE = re.compile(r"(0(?:[12][0-9]|[3-9][0-9]{2}))([2-9][0-9]{6,7})")


def phone(value: object) -> str:
    """A mainland phone 电话号码: 11-digit mobile (or one masked as 138****8000), or landline
    as area-local (0351-1234567)."""
    text = re.sub(r"[\s\-()（）]", "", _fold(_text(value, "电话号码")))
    if not text:
        raise NormaliseError("电话号码为空 phone number is empty")
    text = re.sub(r"^(?:\+86|0086)", "", text)
    if len(text) == 13 and text.startswith("86"):
        text = text[2:]
    if _MOBILE.fullmatch(text) or _MASKED_MOBILE.fullmatch(text):
        return text  # a mobile the exporting system already masked (138****8000) stays so
    match = _LANDLINE.fullmatch(text)
    if match:
        return f"{match[1]}-{match[2]}"
    raise NormaliseError(
        "电话号码应为 11 位手机号或带区号的固定电话 "
        "phone must be an 11-digit mobile or a landline with area code"
    )
