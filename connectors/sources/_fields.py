"""Pydantic field types for row models: each calls a `connectors.normalise` function.

A required column's empty cell fails with the normaliser's own "为空 is empty" message; an
optional column's empty cell is None. Errors are located by the column's Chinese header (the
model's alias), which is what the load report names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError

from connectors import normalise
from connectors.normalise import NormaliseError
from hub.vocabulary import (
    ChildCategory,
    HomeDeliveryContent,
    PlacementType,
    SchoolStatus,
    ScreeningResult,
    Sex,
    Stage,
)

T = TypeVar("T")


class RowModel(BaseModel):
    """Fields are named in English and aliased to the export's Chinese header."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=False)


def optional(normaliser: Callable[[Any], T]) -> Callable[[Any], T | None]:
    def run(value: Any) -> T | None:
        return None if value is None else normaliser(value)

    return run


def text(value: object) -> str:
    """Free text (a school's or a teacher's name): folded, trimmed, inner spaces squeezed."""
    if value is None:
        raise NormaliseError("内容为空 value is empty")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    folded = " ".join(unicodedata.normalize("NFKC", str(value)).split())
    if not folded:
        raise NormaliseError("内容为空 value is empty")
    return folded


_SCHOOL_CODE = re.compile(r"[0-9]{10}")


def school_code(value: object) -> str:
    """学校标识码: the ten digits the education ministry gives every school."""
    code = "".join(normalise_code(value))
    if not _SCHOOL_CODE.fullmatch(code):
        raise NormaliseError("学校标识码应为 10 位数字 school code must be 10 digits")
    return code


def credit_code(value: object) -> str:
    """机构代码: the institution's 18-character unified social credit code 统一社会信用代码
    (GB 32100), its check character verified (python-stdnum ``cn.uscc``)."""
    code = normalise_code(value).replace("-", "")
    if len(code) != 18:
        raise NormaliseError("机构代码应为 18 位统一社会信用代码 institution code must be the "
                             "18-character unified social credit code")
    try:
        uscc.validate(code)
    except uscc.InvalidChecksum:
        raise NormaliseError("统一社会信用代码校验位错误 the credit code's check character is "
                             "wrong") from None
    except ValidationError:
        raise NormaliseError("统一社会信用代码格式无效 invalid unified social credit code "
                             "(GB 32100)") from None
    return code


def normalise_code(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if value is None:
        raise NormaliseError("代码为空 code is empty")
    return "".join(unicodedata.normalize("NFKC", str(value)).split()).upper()


def record_key(value: object) -> str:
    """A source system's record number: letters, digits and - _ / only."""
    key = normalise_code(value)
    if not key:
        raise NormaliseError("编号为空 record number is empty")
    if not re.fullmatch(r"[0-9A-Z_\-/.]{1,64}", key):
        raise NormaliseError("编号只能含字母、数字和 -_/. record number has invalid characters")
    return key


_MEMO_SIZE = 20_000  # distinct cells remembered per column type before starting afresh


def memo(normaliser: Callable[[Any], T]) -> Callable[[Any], T]:
    """The normaliser with its answers remembered per distinct cell.

    Most columns repeat a handful of values (sex, stage, region, school, dates), so a large
    file normalises each distinct cell once. Normalisers are pure and return immutable values;
    a failure is remembered as its message and raised afresh each time.
    """
    answers: dict[tuple[type, object], T | NormaliseError] = {}

    def run(value: Any) -> T:
        key = (type(value), value)
        try:
            found = answers.get(key)
        except TypeError:  # an unhashable cell: nothing to remember
            return normaliser(value)
        if found is None:
            try:
                found = normaliser(value)
            except NormaliseError as error:
                found = error
            if len(answers) >= _MEMO_SIZE:
                answers.clear()
            answers[key] = found
        if isinstance(found, NormaliseError):
            raise NormaliseError(str(found))
        return found

    return run


def v(normaliser: Callable[[Any], Any]) -> BeforeValidator:
    """A field validator calling ``normaliser`` (remembered per distinct cell)."""
    return BeforeValidator(memo(normaliser))


_v = v


Name = Annotated[str, _v(normalise.person_name)]
OptName = Annotated[str | None, _v(optional(normalise.person_name))]
# A child's own name: None for the newborn convention <mother>之子/之女 (normalise.child_name).
ChildName = Annotated[str | None, _v(normalise.child_name)]
OptChildName = Annotated[str | None, _v(optional(normalise.child_name))]
SexCode = Annotated[str, _v(normalise.sex)]
OptSexCode = Annotated[str | None, _v(optional(normalise.sex))]
Day = Annotated[date, _v(normalise.parse_date)]
OptDay = Annotated[date | None, _v(optional(normalise.parse_date))]
IdNumber = Annotated[str, _v(normalise.resident_id)]
OptIdNumber = Annotated[str | None, _v(optional(normalise.resident_id))]
Certificate = Annotated[tuple[str, int, int], _v(normalise.certificate_number)]
OptCertificate = Annotated[tuple[str, int, int] | None, _v(optional(normalise.certificate_number))]
StudentNumber = Annotated[tuple[str, str | None], _v(normalise.student_number)]
OptStudentNumber = Annotated[
    tuple[str, str | None] | None, _v(optional(normalise.student_number))
]
Region = Annotated[str, _v(normalise.region_code)]
Category = Annotated[int, _v(normalise.disability_category)]
OptCategory = Annotated[int | None, _v(optional(normalise.disability_category))]
Grade = Annotated[int, _v(normalise.disability_grade)]
Text = Annotated[str, _v(text)]
OptText = Annotated[str | None, _v(optional(text))]
Key = Annotated[str, _v(record_key)]
SchoolCode = Annotated[str, _v(school_code)]
OptSchoolCode = Annotated[str | None, _v(optional(school_code))]
CreditCode = Annotated[str, _v(credit_code)]
Hours = Annotated[float, _v(normalise.decimal_hours)]
Money = Annotated[float, _v(normalise.money)]
Phone = Annotated[str | None, _v(optional(normalise.phone))]
Icd10 = Annotated[str | None, _v(optional(normalise.icd10))]
StageCode = Annotated[Stage, _v(normalise.stage)]
PlacementCode = Annotated[PlacementType, _v(normalise.placement_type)]
StatusCode = Annotated[SchoolStatus, _v(normalise.status)]
ResultCode = Annotated[ScreeningResult, _v(normalise.screening_result)]
ChildCategoryCode = Annotated[ChildCategory, _v(normalise.child_category)]
Contents = Annotated[tuple[HomeDeliveryContent, ...], _v(normalise.home_delivery_content)]


def check_against_id(
    number: str | None, sex: str | None, born: date | None,
    sex_column: str = "性别", birth_column: str = "出生日期",
) -> None:
    """A row whose sex or birth date contradicts its ID number is rejected, not guessed at."""
    from connectors.pipeline import RowError

    if number is None:
        return
    if sex is not None and sex_of(number) != sex:
        raise RowError(sex_column, "性别与身份证号不一致 sex does not match the ID number")
    if born is not None and born_on(number) != born:
        raise RowError(
            birth_column, "出生日期与身份证号不一致 birth date does not match the ID number"
        )


def region_of_credit_code(code: str) -> str | None:
    """Characters 3–8 of a unified social credit code are the issuing region."""
    from hub import regions

    if len(code) == 18 and code[2:8].isdigit() and regions.is_known(code[2:8]):
        return code[2:8]
    return None


def sex_of(number: str) -> Sex:
    """Sex from an already validated ID number: odd 17th digit = male."""
    return "M" if int(number[16]) % 2 else "F"


def born_on(number: str) -> date:
    """Birth date from an already validated ID number."""
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
