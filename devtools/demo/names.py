"""What the demo city's people, places and records are called 名称与文字: surnames and given
names, towns, schools and classes, and the short texts staff write (assessment summaries, IEP
goals, visit notes). Only words and how they combine; no randomness of its own (the caller's
``random.Random`` is passed in), so the city stays one function of its seed."""

from __future__ import annotations

import random

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


def person_name(rng: random.Random, surname: str | None = None, male: bool = True,
                adult: bool = False) -> str:
    family = surname or rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]
    if adult:
        return family + rng.choice(ADULT_MALE if male else ADULT_FEMALE)
    chars = BOY_CHARS if male else GIRL_CHARS
    given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.8 else "")
    return family + given


def minority_name(rng: random.Random, male: bool) -> str:
    """A name with the middle dot (阿依古丽·买买提): the father's name comes second."""
    return (rng.choice(MINORITY_MALE if male else MINORITY_FEMALE) + "·"
            + rng.choice(MINORITY_FATHER))


def town_names(rng: random.Random, count: int) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        name = (rng.choice(TOWN_FIRST) + rng.choice(TOWN_SECOND)
                + ("镇" if rng.random() < 0.7 else "乡"))
        if name not in names:
            names.append(name)
    return names


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


def unique(names: set[str], name: str) -> str:
    """``name``, or a numbered variant of it when the county already has a school so called."""
    candidate, n = name, 1
    while candidate in names:
        n += 1
        candidate = f"{name.removesuffix('学校').removesuffix('学')}{CN_DIGITS[n % 10]}校"
    names.add(candidate)
    return candidate


def class_name(kind: str, year: int, grade: int | None, level: int | None, section: int) -> str:
    """The name staff use in school year ``year``: 小二班, 三年级2班, 高一3班, 2024级电子商务1班.

    ``level`` is a kindergarten's year group (1 小班 – 3 大班); ``section`` which class of it.
    """
    if kind == "KINDERGARTEN":
        return f"{'小中大'[(level or 1) - 1]}{CN_DIGITS[section % 10]}班"
    assert grade is not None
    if kind in ("PRIMARY", "JUNIOR"):
        return f"{CN_DIGITS[grade]}年级{section}班"
    if kind == "SENIOR":
        return f"高{CN_DIGITS[grade - 9]}{section}班"
    # Vocational classes are named by the year their cohort entered (grade 10).
    return f"{year - (grade - 10)}级{MAJORS[section % len(MAJORS)]}{section}班"


def special_school_class(kind: str, stage: str, grade: int | None) -> str:
    """The class of a special school's pupil: by grade, or its pre-school, vocational or
    home-delivery class."""
    if kind in ("HOME_DELIVERY", "REMOTE"):
        return "送教上门班"
    if stage == "PRESCHOOL" or grade is None:
        return "学前康复班"
    if grade > 9:
        return "职业教育班"
    return f"培智{CN_DIGITS[grade]}年级班"


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
# 服务项目 of a rehabilitation session by disability category (autism has its own).
REHAB_ITEMS = {1: "视功能训练", 2: "言语训练", 3: "言语训练", 4: "运动训练", 5: "认知训练",
               6: "孤独症干预", 7: "运动训练"}
DROPOUT_REASONS = ("家长不愿送学", "病情加重需长期治疗", "随父母外出务工", "转学后未报到",
                   "学校无法提供支持")
DROPOUT_ACTIONS = ("入户劝返", "专家委员会评估", "安排送教上门", "联系残联康复",
                   "协调资源教室支持")
DROPOUT_RESOLUTIONS = ("已劝返复学", "转为送教上门", "转入特殊教育学校")
AID: dict[str, tuple[str, int]] = {
    "ORPHAN": ("孤儿基本生活保障", 1250),
    "DE_FACTO_UNSUPPORTED": ("事实无人抚养儿童保障", 1250),
    "IN_DIFFICULTY": ("困境儿童分类保障", 400),
    "SUBSISTENCE_FAMILY": ("城乡最低生活保障", 520),
}
