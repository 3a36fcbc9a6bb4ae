"""Value normalisers: every rule of FORMATS.md with the messy spellings departments send."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.cn import ric

from connectors import normalise as n
from connectors.normalise import NormaliseError
from hub import regions
from hub.vocabulary import (
    ChildCategory,
    HomeDeliveryContent,
    PlacementType,
    SchoolStatus,
    ScreeningResult,
    Stage,
)

# --- helpers ------------------------------------------------------------------


def make_id(region: str = "110101", born: str = "20100302", sequence: str = "123") -> str:
    """A valid resident ID number with its GB 11643 check digit computed."""
    body = region + born + sequence
    return body + ric.calc_check_digit(body + "0")


def full_width(text: str) -> str:
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


def wrong_check_digit(number: str) -> str:
    digit = "0" if number[-1] != "0" else "1"
    return number[:-1] + digit


BOY = make_id(sequence="123")  # odd 17th digit
GIRL = make_id(sequence="124")
WITH_X = next(
    make_id(sequence=f"{s:03d}") for s in range(1000) if make_id(sequence=f"{s:03d}")[-1] == "X"
)
RETIRED = make_id(region="140421", born="20100101")  # 长治县, retired 2018


def message(call: object) -> str:
    with pytest.raises(NormaliseError) as caught:
        assert callable(call)
        call()
    return str(caught.value)


# --- resident IDs -------------------------------------------------------------


def test_valid_id_is_returned_unchanged() -> None:
    assert n.resident_id(BOY) == BOY


@pytest.mark.parametrize(
    "spelling",
    [
        lambda x: x.lower(),
        lambda x: f"  {x}\t",
        lambda x: f"{x[:6]} {x[6:14]} {x[14:]}",
        lambda x: f"\u3000{x[:6]}\u3000{x[6:]}\u3000",
        full_width,
        lambda x: full_width(x.lower()),
    ],
    ids=["lower-x", "padded", "spaces", "full-width-spaces", "full-width", "full-width-lower-x"],
)
def test_id_spellings_are_normalised(spelling: object) -> None:
    assert callable(spelling)
    assert n.resident_id(spelling(WITH_X)) == WITH_X


def test_wrong_check_digit_is_an_error_without_the_number() -> None:
    bad = wrong_check_digit(BOY)
    text = message(lambda: n.resident_id(bad))
    assert "校验位" in text and "check digit" in text
    assert bad[:17] not in text


def test_retired_region_code_is_valid() -> None:
    region = regions.lookup("140421")
    assert region is not None and not region.current
    assert n.resident_id(RETIRED) == RETIRED


def test_retired_code_valid_whatever_the_birth_year() -> None:
    # stdnum rejects 140423 (襄垣县, "[1985-]") for someone born 1980, yet IDs were first
    # issued in 1985: adults born earlier got the code current at issue.
    adult = make_id(region="140423", born="19800101")
    assert not ric.is_valid(adult)
    assert n.resident_id(adult) == adult
    assert n.resident_id(make_id(region="140421", born="20200101"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "为空"),
        (None, "为空"),
        ("1234", "18 位"),
        (BOY + "1", "18 位"),
        (BOY[:10] + "A" + BOY[11:], "X"),
        (make_id(region="999999"), "行政区划"),
        (make_id(region="140499"), "行政区划"),
        (make_id(born="20150230"), "出生日期"),
        (make_id(born="20990101"), "出生日期"),
        (make_id(born="18990101"), "出生日期"),
        (1.40421201001e17, "Excel"),
        (140421201001010000, "Excel"),
        ("1.40421E+17", "Excel"),
    ],
)
def test_bad_ids_are_rejected_with_a_reason(value: object, expected: str) -> None:
    text = message(lambda: n.resident_id(value))
    assert expected in text
    if isinstance(value, str) and len(value) > 10:
        assert value[:10] not in text


def test_birth_date_and_sex_from_id() -> None:
    assert n.birth_date_from_id(BOY) == date(2010, 3, 2)
    assert n.sex_from_id(BOY) == "M"
    assert n.sex_from_id(GIRL) == "F"
    assert n.sex_from_id(WITH_X.lower()) in ("M", "F")


def test_birth_date_from_id_validates_first() -> None:
    assert "校验位" in message(lambda: n.birth_date_from_id(wrong_check_digit(BOY)))


county_codes = sorted(code for code, r in regions.regions().items() if r.level == "county")


@st.composite
def valid_ids(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(county_codes))
    born = draw(st.dates(min_value=date(1930, 1, 1), max_value=date.today()))
    sequence = draw(st.integers(0, 999))
    return make_id(region, born.strftime("%Y%m%d"), f"{sequence:03d}")


@st.composite
def respelled(draw: st.DrawFn, number: str) -> str:
    chars = []
    for char in number:
        if draw(st.booleans()):
            char = full_width(char)
        if char in "Xx" and draw(st.booleans()):
            char = char.lower()
        chars.append(char + draw(st.sampled_from(["", "", " ", "\u3000", "\t"])))
    return draw(st.sampled_from(["", " ", "\u3000"])) + "".join(chars)


@given(st.data())
def test_any_valid_id_survives_respelling(data: st.DataObject) -> None:
    number = data.draw(valid_ids())
    spelled = data.draw(respelled(number))
    assert n.resident_id(spelled) == number
    assert n.birth_date_from_id(spelled).strftime("%Y%m%d") == number[6:14]


@given(valid_ids(), st.integers(0, 9))
def test_any_changed_check_digit_is_rejected(number: str, digit: int) -> None:
    assume(str(digit) != number[-1])
    with pytest.raises(NormaliseError, match="校验位"):
        n.resident_id(number[:-1] + str(digit))


# --- certificate and student numbers ------------------------------------------


def test_certificate_number_splits_id_category_grade() -> None:
    assert n.certificate_number(BOY + "52") == (BOY, 5, 2)
    assert n.certificate_number(full_width(WITH_X.lower() + "71")) == (WITH_X, 7, 1)
    assert n.certificate_number(f" {RETIRED[:6]} {RETIRED[6:]}\u300014 ") == (RETIRED, 1, 4)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (BOY + "5", "20 位"),
        (BOY + "82", "1–7"),
        (BOY + "02", "1–7"),
        (BOY + "55", "1–4"),
        (BOY + "50", "1–4"),
        (wrong_check_digit(BOY) + "52", "校验位"),
        ("", "为空"),
    ],
)
def test_bad_certificate_numbers(value: str, expected: str) -> None:
    text = message(lambda: n.certificate_number(value))
    assert expected in text
    assert BOY[:17] not in text


def test_student_number_embeds_id() -> None:
    assert n.student_number("G" + BOY) == ("G" + BOY, BOY)
    assert n.student_number(" g" + full_width(WITH_X.lower())) == ("G" + WITH_X, WITH_X)
    assert n.student_number("L" + BOY) == ("L" + BOY, BOY)


def test_student_number_without_valid_id() -> None:
    bad = wrong_check_digit(BOY)
    assert n.student_number("G" + bad) == ("G" + bad, None)
    assert n.student_number("L20150302001") == ("L20150302001", None)
    assert n.student_number(12345678) == ("12345678", None)


@pytest.mark.parametrize("value", ["", None, "G-123", "学籍123"])
def test_bad_student_numbers(value: object) -> None:
    message(lambda: n.student_number(value))


# --- dates --------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2015-03-02",
        "2015/3/2",
        "2015/03/02",
        "2015.3.2",
        "2015年3月2日",
        "2015年03月02日",
        " 2015 年 3 月 2 日 ",
        "２０１５年３月２日",
        "20150302",
        "2015-03-02 00:00:00",
        "2015/3/2 8:30",
        date(2015, 3, 2),
        datetime(2015, 3, 2, 0, 0),
        datetime(2015, 3, 2, 17, 45),
        42065,
        42065.0,
        42065.75,
        "42065",
        "42065.0",
        20150302,
    ],
)
def test_date_styles(value: object) -> None:
    assert n.parse_date(value) == date(2015, 3, 2)


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        (1, date(1900, 1, 1)),
        (59, date(1900, 2, 28)),
        (61, date(1900, 3, 1)),
        ("61", date(1900, 3, 1)),
        (25569, date(1970, 1, 1)),
        (36526, date(2000, 1, 1)),
        (73415, date(2100, 12, 31)),
    ],
)
def test_excel_serials_follow_the_1900_leap_year_bug(serial: object, expected: date) -> None:
    assert n.parse_date(serial) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (60, "1900-02-29"),
        ("60", "1900-02-29"),
        (0, "从 1 开始"),
        (-5, "从 1 开始"),
        (73416, "1900–2100"),
        ("2015-02-30", "日期不存在"),
        ("2015年2月29日", "日期不存在"),
        ("20151301", "日期不存在"),
        ("1899-12-31", "1900–2100"),
        ("2101/1/1", "1900–2100"),
        (date(1899, 1, 1), "1900–2100"),
        ("2015", "只有年份"),
        (2015, "只有年份"),
        ("2015-3/2", "无法识别"),
        ("3/2/2015", "无法识别"),
        ("明天", "无法识别"),
        ("", "为空"),
        (None, "为空"),
        (True, "无法识别"),
        (float("nan"), "无法识别"),
    ],
)
def test_bad_dates(value: object, expected: str) -> None:
    assert expected in message(lambda: n.parse_date(value))


def _excel_serial(day: date) -> int:
    return (day - date(1899, 12, 30)).days


STYLES = [
    lambda d: d.isoformat(),
    lambda d: f"{d.year}/{d.month}/{d.day}",
    lambda d: f"{d.year}.{d.month}.{d.day}",
    lambda d: f"{d.year}年{d.month}月{d.day}日",
    lambda d: d.strftime("%Y%m%d"),
]


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
    st.sampled_from(STYLES),
)
def test_any_date_in_any_style_parses_back(day: date, style: object) -> None:
    assert callable(style)
    assert n.parse_date(style(day)) == day


@given(st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 12, 31)), st.booleans())
def test_any_excel_serial_parses_back(day: date, as_text: bool) -> None:
    serial = _excel_serial(day)
    assume(not 1900 <= serial <= 2100)  # those are rejected as a year typed alone
    assert n.parse_date(str(serial) if as_text else serial) == day


def test_serials_before_the_fake_leap_day() -> None:
    for serial in range(1, 60):
        assert n.parse_date(serial) == date(1900, 1, 1) + timedelta(days=serial - 1)


# --- names --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("张三", "张三"),
        ("  张三\u3000", "张三"),
        ("张\u3000三", "张三"),
        ("阿依古丽·买买提", "阿依古丽·买买提"),
        ("阿依古丽・买买提", "阿依古丽·买买提"),
        ("阿依古丽･买买提", "阿依古丽·买买提"),
        ("阿依古丽‧买买提", "阿依古丽·买买提"),
        ("阿依古丽•买买提", "阿依古丽·买买提"),
        ("阿依古丽 · 买买提", "阿依古丽·买买提"),
        ("\u3000阿依古丽\u00b7买买提 ", "阿依古丽·买买提"),
        ("Ｊｏｈｎ  Smith", "John Smith"),
    ],
)
def test_names(value: str, expected: str) -> None:
    assert n.person_name(value) == expected


@pytest.mark.parametrize("value", ["", "  ", "\u3000", None, "张3", "李四２", "·", "王·", 123])
def test_bad_names(value: object) -> None:
    message(lambda: n.person_name(value))


# --- codes --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("男", "M"), ("女", "F"), (" 男 ", "M"), ("1", "M"), ("2", "F"), (1, "M"), (2.0, "F"),
     ("M", "M"), ("f", "F"), ("男性", "M"), ("１", "M")],
)  # fmt: skip
def test_sex(value: object, expected: str) -> None:
    assert n.sex(value) == expected


@pytest.mark.parametrize("value", ["", None, "0", "9", "未知", "X"])
def test_bad_sex(value: object) -> None:
    message(lambda: n.sex(value))


CATEGORIES = ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"]


@pytest.mark.parametrize(("digit", "word"), list(enumerate(CATEGORIES, start=1)))
def test_disability_category_words_and_digits(digit: int, word: str) -> None:
    assert n.disability_category(word) == digit
    assert n.disability_category(word + "残疾") == digit
    assert n.disability_category(f" {word}残疾\u3000") == digit
    assert n.disability_category(str(digit)) == digit
    assert n.disability_category(digit) == digit
    assert n.disability_category(float(digit)) == digit


def test_disability_category_aliases() -> None:
    assert n.disability_category("语言残疾") == 3
    assert n.disability_category("intellectual") == 5
    assert n.disability_category("５") == 5


@pytest.mark.parametrize("value", ["0", "8", "", None, "孤独症", 5.5, "智"])
def test_bad_disability_category(value: object) -> None:
    message(lambda: n.disability_category(value))


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", 1), (4, 4), ("一级", 1), ("二级", 2), ("三", 3), ("四级", 4), ("2级", 2),
     ("一级残疾", 1), (" 三级 ", 3), ("４", 4)],
)  # fmt: skip
def test_disability_grade(value: object, expected: int) -> None:
    assert n.disability_grade(value) == expected


@pytest.mark.parametrize("value", ["0", "5", "五级", "", None, "重度"])
def test_bad_disability_grade(value: object) -> None:
    message(lambda: n.disability_grade(value))


def test_region_codes() -> None:
    assert n.region_code("140421") == "140421"  # retired
    assert n.region_code(" 140404 ") == "140404"
    assert n.region_code(110101) == "110101"
    assert n.region_code("140421000000") == "140421"
    for bad in ("999999", "14042", "1404211", "abcdef", "", None):
        message(lambda bad=bad: n.region_code(bad))


# --- vocabularies -------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "pairs"),
    [
        (n.stage, {"学前": Stage.PRESCHOOL, "小学": Stage.PRIMARY, "初中": Stage.JUNIOR,
                   "高中": Stage.SENIOR, "中职": Stage.VOCATIONAL}),
        (n.placement_type, {"随班就读": PlacementType.REGULAR_CLASS,
                            "特教班": PlacementType.SPECIAL_CLASS,
                            "特殊教育学校": PlacementType.SPECIAL_SCHOOL,
                            "送教上门": PlacementType.HOME_DELIVERY,
                            "远程教育": PlacementType.REMOTE,
                            "福利机构特教班": PlacementType.WELFARE_CLASS}),
        (n.status, {"在读": SchoolStatus.ACTIVE, "休学": SchoolStatus.SUSPENDED,
                    "转出": SchoolStatus.TRANSFERRED, "毕业": SchoolStatus.GRADUATED,
                    "辍学": SchoolStatus.DROPPED_OUT, "死亡": SchoolStatus.DECEASED}),
        (n.screening_result, {"阴性": ScreeningResult.NEGATIVE, "可疑": ScreeningResult.SUSPECTED,
                              "阳性": ScreeningResult.POSITIVE}),
        (n.child_category, {"孤儿": ChildCategory.ORPHAN,
                            "事实无人抚养儿童": ChildCategory.DE_FACTO_UNSUPPORTED,
                            "困境儿童": ChildCategory.IN_DIFFICULTY,
                            "低保家庭儿童": ChildCategory.SUBSISTENCE_FAMILY}),
    ],
)  # fmt: skip
def test_vocabularies(function: object, pairs: dict[str, object]) -> None:
    assert callable(function)
    for word, member in pairs.items():
        assert function(word) == member
        assert function(f" {word}\u3000") == member
        assert function(str(member).lower()) == member  # the English code works too
        assert member.label == word  # type: ignore[attr-defined]
    with pytest.raises(NormaliseError, match="应为"):
        function("其他")
    with pytest.raises(NormaliseError, match="为空"):
        function("")


def test_vocabulary_values_are_english_codes() -> None:
    assert Stage.PRIMARY == "PRIMARY"
    assert Stage.from_label("小学") is Stage.PRIMARY
    assert Stage.from_label("大学") is None


def test_home_delivery_content() -> None:
    content = HomeDeliveryContent
    assert n.home_delivery_content("教育") == (content.EDUCATION,)
    assert n.home_delivery_content("教育、康复") == (content.EDUCATION, content.REHABILITATION)
    assert n.home_delivery_content("保健,教育，康复") == (
        content.HEALTH,
        content.EDUCATION,
        content.REHABILITATION,
    )
    assert n.home_delivery_content(" 康复 、 康复、") == (content.REHABILITATION,)
    for bad in ("", "、", "教育、游戏", None):
        message(lambda bad=bad: n.home_delivery_content(bad))


# --- quantities, ICD-10, phones -----------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2", 2.0), ("1.5", 1.5), (0.5, 0.5), (24, 24.0), ("２课时", 2.0), ("1.5小时", 1.5)],
)
def test_decimal_hours(value: object, expected: float) -> None:
    assert n.decimal_hours(value) == expected


@pytest.mark.parametrize("value", ["0", 0, -1, "24.5", "两", "", None, True, float("inf")])
def test_bad_hours(value: object) -> None:
    message(lambda: n.decimal_hours(value))


@pytest.mark.parametrize(
    ("value", "expected"),
    [("300", 300), (300, 300), ("1,200.50", 1200.5), ("¥800", 800), ("800元", 800), (0, 0),
     ("１２００", 1200), (99.999, 100)],
)  # fmt: skip
def test_money(value: object, expected: float) -> None:
    result = n.money(value)
    assert result == expected
    assert isinstance(result, int) == float(expected).is_integer()


@pytest.mark.parametrize("value", ["-1", -0.5, "abc", "", None, float("nan")])
def test_bad_money(value: object) -> None:
    message(lambda: n.money(value))


@pytest.mark.parametrize(
    ("value", "expected"),
    [("F84.0", "F84.0"), ("H90", "H90"), ("Q90.9", "Q90.9"), ("f84.0", "F84.0"),
     ("F840", "F84.0"), (" H90.3 ", "H90.3"), ("Q90.900x001", "Q90.900x001")],
)  # fmt: skip
def test_icd10(value: str, expected: str) -> None:
    assert n.icd10(value) == expected


@pytest.mark.parametrize("value", ["", None, "84.0", "F8", "FF4.0", "孤独症", "F84.00000"])
def test_bad_icd10(value: object) -> None:
    message(lambda: n.icd10(value))


@pytest.mark.parametrize(
    ("value", "expected"),
    [("13812345678", "13812345678"), ("138 1234 5678", "13812345678"),
     ("138-1234-5678", "13812345678"), ("+86 13812345678", "13812345678"),
     ("8613812345678", "13812345678"), (13812345678, "13812345678"),
     ("１３８１２３４５６７８", "13812345678"), ("0351-7654321", "0351-7654321"),
     ("(0351)7654321", "0351-7654321"), ("03517654321", "0351-7654321"),
     ("010-87654321", "010-87654321"), ("021 6543 2100", "021-65432100")],
)  # fmt: skip
def test_phone(value: object, expected: str) -> None:
    assert n.phone(value) == expected


@pytest.mark.parametrize(
    "value", ["", None, "12345678901", "1381234567", "7654321", "0351-1234", "电话", 3517654321]
)
def test_bad_phone(value: object) -> None:
    text = message(lambda: n.phone(value))
    if isinstance(value, str) and value.isdigit():
        assert value not in text


@given(valid_ids())
def test_everything_stdnum_accepts_is_accepted(number: str) -> None:
    # The hub only loosens stdnum (region years); it must never reject what stdnum accepts.
    if ric.is_valid(number):
        assert n.resident_id(number) == number


@pytest.mark.parametrize(
    "kind",
    [Stage, PlacementType, SchoolStatus, ScreeningResult, ChildCategory, HomeDeliveryContent],
)
def test_every_vocabulary_member_has_a_label(kind: type[Stage]) -> None:
    labels = [member.label for member in kind]
    assert all(labels) and len(set(labels)) == len(labels)
