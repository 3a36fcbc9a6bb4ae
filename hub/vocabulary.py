"""Domain vocabulary 领域词汇: the coded values shared by connectors, the graph and GraphQL.

Every enumeration stores the English code as its value (what goes into Neo4j and over GraphQL)
and carries the Chinese label staff read (`member.label`). The Chinese words found in the
departments' exports are matched by `connectors.normalise`, which also knows spelling variants;
this module keeps only the one official label per code so the console can show it back.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Literal, Self

Sex = Literal["M", "F"]

SEX_LABELS: dict[Sex, str] = {"M": "男", "F": "女"}


class Vocabulary(StrEnum):
    """A coded value with a Chinese label; subclasses list their members and labels."""

    @property
    def label(self) -> str:
        """The Chinese term shown to staff 中文名称."""
        return _LABELS[type(self)][self.value]

    @classmethod
    def from_label(cls, text: str) -> Self | None:
        """The member whose Chinese label is exactly `text`, else None."""
        for member in cls:
            if member.label == text:
                return member
        return None


class Stage(Vocabulary):
    """Education stage 学段."""

    PRESCHOOL = "PRESCHOOL"
    PRIMARY = "PRIMARY"
    JUNIOR = "JUNIOR"
    SENIOR = "SENIOR"
    VOCATIONAL = "VOCATIONAL"


class PlacementType(Vocabulary):
    """Placement type 就读方式 / 安置方式, in the policy's order of preference."""

    REGULAR_CLASS = "REGULAR_CLASS"
    SPECIAL_CLASS = "SPECIAL_CLASS"
    SPECIAL_SCHOOL = "SPECIAL_SCHOOL"
    HOME_DELIVERY = "HOME_DELIVERY"
    REMOTE = "REMOTE"
    WELFARE_CLASS = "WELFARE_CLASS"


class SchoolStatus(Vocabulary):
    """School-status state 学籍状态."""

    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    TRANSFERRED = "TRANSFERRED"
    GRADUATED = "GRADUATED"
    DROPPED_OUT = "DROPPED_OUT"
    DECEASED = "DECEASED"


class PlacementEnding(Vocabulary):
    """What ended a placement 结束依据 (``endedBy``): the next placement starting, a school-status
    snapshot (a status other than 在读/休学, or the pupil gone from the roll), or the API."""

    NEXT_PLACEMENT = "NEXT_PLACEMENT"
    SNAPSHOT = "SNAPSHOT"
    API = "API"


class ScreeningResult(Vocabulary):
    """Result of a 0–6 screening 筛查结果."""

    NEGATIVE = "NEGATIVE"
    SUSPECTED = "SUSPECTED"
    POSITIVE = "POSITIVE"


class ChildCategory(Vocabulary):
    """Civil-affairs child category 儿童类别."""

    ORPHAN = "ORPHAN"
    DE_FACTO_UNSUPPORTED = "DE_FACTO_UNSUPPORTED"
    IN_DIFFICULTY = "IN_DIFFICULTY"
    SUBSISTENCE_FAMILY = "SUBSISTENCE_FAMILY"


class HomeDeliveryContent(Vocabulary):
    """What a home-delivery visit provided 送教内容."""

    EDUCATION = "EDUCATION"
    REHABILITATION = "REHABILITATION"
    HEALTH = "HEALTH"


class ServiceKind(Vocabulary):
    """Kind of service session 服务类型."""

    HOME_DELIVERY = "HOME_DELIVERY"
    REHABILITATION = "REHABILITATION"
    ITINERANT_GUIDANCE = "ITINERANT_GUIDANCE"
    HEALTH = "HEALTH"


class AssessmentKind(Vocabulary):
    """Why an assessment was made 评估类型."""

    ENTRY = "ENTRY"
    PERIODIC = "PERIODIC"
    TRANSITION = "TRANSITION"


class TransitionStatus(Vocabulary):
    """Where a transition stands 转衔状态: planned, handed over, completed, or stalled."""

    PLANNED = "PLANNED"
    HANDED_OVER = "HANDED_OVER"
    COMPLETED = "COMPLETED"
    STALLED = "STALLED"


class CaseStatus(Vocabulary):
    """Dropout case ledger status 台账状态."""

    OPEN = "OPEN"
    CLOSED = "CLOSED"


class SchoolType(Vocabulary):
    """Kind of school 学校类型."""

    KINDERGARTEN = "KINDERGARTEN"
    PRIMARY = "PRIMARY"
    JUNIOR = "JUNIOR"
    NINE_YEAR = "NINE_YEAR"
    SENIOR = "SENIOR"
    COMPLETE_SECONDARY = "COMPLETE_SECONDARY"
    TWELVE_YEAR = "TWELVE_YEAR"
    VOCATIONAL = "VOCATIONAL"
    SPECIAL = "SPECIAL"


class CenterLevel(Vocabulary):
    """Level of a special-education resource centre 资源中心层级."""

    CITY = "CITY"
    COUNTY = "COUNTY"
    TOWNSHIP = "TOWNSHIP"
    SCHOOL = "SCHOOL"


class SpecialNeed(Vocabulary):
    """Special need without a disability certificate 特殊需要."""

    AUTISM = "AUTISM"
    ADHD = "ADHD"
    LEARNING = "LEARNING"
    EMOTIONAL = "EMOTIONAL"


class DisabilityCategory(IntEnum):
    """Disability category 残疾类别; the value is the digit used in certificate numbers."""

    VISION = 1
    HEARING = 2
    SPEECH = 3
    PHYSICAL = 4
    INTELLECTUAL = 5
    MENTAL = 6
    MULTIPLE = 7

    @property
    def label(self) -> str:
        """The Chinese term shown to staff, e.g. 智力残疾."""
        return DISABILITY_CATEGORY_LABELS[self]


DISABILITY_CATEGORY_LABELS: dict[DisabilityCategory, str] = {
    DisabilityCategory.VISION: "视力残疾",
    DisabilityCategory.HEARING: "听力残疾",
    DisabilityCategory.SPEECH: "言语残疾",
    DisabilityCategory.PHYSICAL: "肢体残疾",
    DisabilityCategory.INTELLECTUAL: "智力残疾",
    DisabilityCategory.MENTAL: "精神残疾",
    DisabilityCategory.MULTIPLE: "多重残疾",
}

# Grade 1 is the most severe; labels as printed on the certificate.
DISABILITY_GRADE_LABELS: dict[int, str] = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}

# Labels live outside the class bodies because Enum would turn a class-level dict into a
# member; they are keyed by class too, since StrEnum members with equal values compare equal.
_LABELS: dict[type[Vocabulary], dict[str, str]] = {
    Stage: {
        "PRESCHOOL": "学前",
        "PRIMARY": "小学",
        "JUNIOR": "初中",
        "SENIOR": "高中",
        "VOCATIONAL": "中职",
    },
    PlacementType: {
        "REGULAR_CLASS": "随班就读",
        "SPECIAL_CLASS": "特教班",
        "SPECIAL_SCHOOL": "特殊教育学校",
        "HOME_DELIVERY": "送教上门",
        "REMOTE": "远程教育",
        "WELFARE_CLASS": "福利机构特教班",
    },
    SchoolStatus: {
        "ACTIVE": "在读",
        "SUSPENDED": "休学",
        "TRANSFERRED": "转出",
        "GRADUATED": "毕业",
        "DROPPED_OUT": "辍学",
        "DECEASED": "死亡",
    },
    PlacementEnding: {"NEXT_PLACEMENT": "新安置开始", "SNAPSHOT": "学籍快照", "API": "接口登记"},
    ScreeningResult: {"NEGATIVE": "阴性", "SUSPECTED": "可疑", "POSITIVE": "阳性"},
    ChildCategory: {
        "ORPHAN": "孤儿",
        "DE_FACTO_UNSUPPORTED": "事实无人抚养儿童",
        "IN_DIFFICULTY": "困境儿童",
        "SUBSISTENCE_FAMILY": "低保家庭儿童",
    },
    HomeDeliveryContent: {"EDUCATION": "教育", "REHABILITATION": "康复", "HEALTH": "保健"},
    ServiceKind: {
        "HOME_DELIVERY": "送教上门",
        "REHABILITATION": "康复训练",
        "ITINERANT_GUIDANCE": "巡回指导",
        "HEALTH": "医疗保健",
    },
    AssessmentKind: {"ENTRY": "入学评估", "PERIODIC": "定期评估", "TRANSITION": "转衔评估"},
    TransitionStatus: {
        "PLANNED": "已计划",
        "HANDED_OVER": "已交接",
        "COMPLETED": "已完成",
        "STALLED": "中断",
    },
    CaseStatus: {"OPEN": "未销号", "CLOSED": "已销号"},
    SchoolType: {
        "KINDERGARTEN": "幼儿园",
        "PRIMARY": "小学",
        "JUNIOR": "初中",
        "NINE_YEAR": "九年一贯制学校",
        "SENIOR": "普通高中",
        "COMPLETE_SECONDARY": "完全中学",
        "TWELVE_YEAR": "十二年一贯制学校",
        "VOCATIONAL": "中等职业学校",
        "SPECIAL": "特殊教育学校",
    },
    CenterLevel: {"CITY": "市级", "COUNTY": "县级", "TOWNSHIP": "乡镇级", "SCHOOL": "校级"},
    SpecialNeed: {
        "AUTISM": "孤独症",
        "ADHD": "注意缺陷多动障碍",
        "LEARNING": "学习障碍",
        "EMOTIONAL": "情绪与行为障碍",
    },
}
