"""Every indicator, defined once 指标定义: ``docs/indicators.md`` is generated from this list.

Sources are cited as ``shared/DOMAIN.md`` does: file number of ``shared/seeds`` and section.
Targets are the defaults; ``HUB_INDICATOR_RULES`` may set others per region (``rules.py``).
Terms used below:

- *roster* 名册: children with a disability certificate issued by the end of the school year
  (one without its issue date counts from the day it was loaded), or a screening dated by
  then that is POSITIVE or carries a diagnosis, or a welfare status
  in force in the year while the child has a disability category or a special need;
- *age band* on 31 August of the year: preschool 3–5, compulsory 6–14 (so 6–15 during the
  year: nine years from the September after the sixth birthday), senior secondary 15–17;
- *school status* 学籍: a placement in force on the census day (1 September of the year):
  started on or before it and not ended by it (home delivery and welfare-institution classes
  included, as 000 一(四) requires; 休学 suspended pupils keep their status), unless the
  pupil left the roll (a later complete edu-status snapshot no longer lists him) and was last
  listed before the census day: he was not on the roll when the year began, as
  `hub dropout check` reads a term's first day;
- *as-of day*: the day the live lists (hollow enrolment, stalled transitions, open cases)
  are taken, by default the earlier of today and the year's last teaching day 最后教学日 (the
  end of the spring term: 15 July unless the region's rules set ``spring_term_ends`` or an
  exact day in ``last_teaching_days``), so a year already over is looked at as it stood when
  teaching ended, not in the summer holiday. No plan in ``shared/seeds`` sets term dates; 15
  July is an assumption.
"""

from __future__ import annotations

from hub.indicators.model import Definition
from hub.indicators.rules import Rules

DEFINITIONS: tuple[Definition, ...] = (
    # --- roster and enrolment ------------------------------------------------------------------
    Definition(
        "roster.schoolAge", "roster", "适龄残疾儿童少年名册", "School-age disabled children",
        "count", "roster children aged 3–17 on 31 August, living in the region", None,
        "every child on the roster", "000 一(一); 001 §1",
        numerator_zh="8 月 31 日年满 3–17 周岁、居住在本区划的名册儿童",
        children_zh="名册上的全部儿童",
    ),
    Definition(
        "enrolment.compulsory", "roster", "义务教育入学率", "Compulsory-stage enrolment rate",
        "rate", "roster children of compulsory age (6–14) with school status",
        "roster children of compulsory age", "those without school status",
        "000 一(一); 001 一", 0.97, ">=", "Hangzhou's target is 99 % (003 一)",
        numerator_zh="有学籍的义务教育适龄(6–14 周岁)名册儿童",
        denominator_zh="义务教育适龄名册儿童", children_zh="无学籍者",
        note_zh="杭州的目标为 99 %(003 一)",
    ),
    Definition(
        "enrolment.preschool", "roster", "学前教育入园率", "Preschool enrolment rate",
        "rate", "roster children aged 3–5 with school status", "roster children aged 3–5",
        "those without school status", "003 一", 0.96, ">=",
        numerator_zh="有学籍的 3–5 周岁名册儿童", denominator_zh="3–5 周岁名册儿童",
        children_zh="无学籍者",
    ),
    Definition(
        "enrolment.senior", "roster", "高中阶段入学率", "Senior-secondary enrolment rate",
        "rate", "roster children aged 15–17 with school status", "roster children aged 15–17",
        "those without school status", "003 一", 0.94, ">=",
        "Jinshan's target is 75 % (002 二)",
        numerator_zh="有学籍的 15–17 周岁名册儿童", denominator_zh="15–17 周岁名册儿童",
        children_zh="无学籍者", note_zh="金山的目标为 75 %(002 二)",
    ),
    Definition(
        "enrolment.notEnrolled", "roster", "应入学未入学", "Should enrol, not enrolled",
        "count", "roster children of compulsory age without school status",
        "roster children of compulsory age (none: no data)", "those children", "000 一(五)", 0,
        "<=",
        numerator_zh="无学籍的义务教育适龄名册儿童",
        denominator_zh="义务教育适龄名册儿童(为 0 时无数据)", children_zh="这些儿童",
    ),
    # --- placement -----------------------------------------------------------------------------
    Definition(
        "placement.compulsoryPupils", "placement", "义务教育阶段在读残疾学生",
        "Compulsory-stage disabled pupils", "count",
        "children of the region whose placement in force on the census day is PRIMARY or "
        "JUNIOR stage (rows: the share of each placement type)", None, "those pupils",
        "000 一(一); 001 §3–5",
        numerator_zh="学籍统计日在籍安置为小学或初中阶段的本区划儿童(明细:各安置方式占比)",
        children_zh="这些学生",
    ),
    Definition(
        "placement.inclusion", "placement", "融合教育(随班就读)占比", "Inclusion share",
        "rate", "pupils in regular-class inclusion (REGULAR_CLASS)",
        "pupils of every stage with school status", "the pupils in inclusion", "003 一",
        0.5, ">=", "special classes in ordinary schools are not counted as inclusion",
        numerator_zh="随班就读(REGULAR_CLASS)学生", denominator_zh="各学段有学籍的学生",
        children_zh="随班就读学生", note_zh="普通学校的特教班不计入随班就读",
    ),
    Definition(
        "placement.homeDelivery", "placement", "送教上门占比", "Home-delivery share",
        "rate", "compulsory-stage pupils placed in home delivery",
        "compulsory-stage pupils", "the home-delivery pupils",
        "002 附件2; 003 二(一); 004 §(三)", 0.05, "<=",
        numerator_zh="安置为送教上门的义务教育阶段学生", denominator_zh="义务教育阶段学生",
        children_zh="送教上门学生",
    ),
    # --- home delivery -------------------------------------------------------------------------
    Definition(
        "homeDelivery.hours", "homeDelivery", "送教课时达标率",
        "Home delivery: ≥ {hours} hours", "rate",
        "home-delivery pupils whose HOME_DELIVERY sessions in the year total at least {hours} "
        "hours (pro rata to the part of the year their placement covered)",
        "children with a home-delivery placement in force at any time in the year",
        "those below the hours", "000 一(三)", 1.0, ">=",
        numerator_zh="学年内送教课时累计不少于 {hours} 课时的送教学生(按安置覆盖的学年比例折算)",
        denominator_zh="学年内任何时候有送教上门安置的儿童", children_zh="课时不足者",
    ),
    Definition(
        "homeDelivery.frequency", "homeDelivery", "送教频次达标率",
        "Home delivery: {visits_lo}–{visits_hi} visits a week", "rate",
        "home-delivery pupils whose visits ÷ teaching weeks covered ({weeks} a year, pro rata) "
        "lie in {visits_lo}–{visits_hi} and who had no week with more than {visits_hi} visits",
        "home-delivery pupils", "those outside the frequency", "000 一(三)", 1.0, ">=",
        "remote areas may make 1 visit a week: the check does not know which areas are remote",
        numerator_zh="送教次数 ÷ 覆盖的教学周数(每学年 {weeks} 周,按比例折算)在 "
        "{visits_lo}–{visits_hi} 之间、且没有一周超过 {visits_hi} 次的送教学生",
        denominator_zh="送教上门学生", children_zh="频次不符者",
        note_zh="偏远地区可每周 1 次:本检查不区分偏远地区",
    ),
    Definition(
        "homeDelivery.visitLength", "homeDelivery", "每次送教课时达标率",
        "Home delivery: {visit_lo}–{visit_hi} hours a visit", "rate",
        "home-delivery pupils with visits, every visit lasting {visit_lo}–{visit_hi} hours",
        "home-delivery pupils with at least one visit", "those with a shorter or longer visit",
        "000 一(三)", 1.0, ">=",
        numerator_zh="有送教记录且每次送教 {visit_lo}–{visit_hi} 课时的送教学生",
        denominator_zh="至少有一次送教的送教学生", children_zh="有过短或过长送教者",
    ),
    Definition(
        "homeDelivery.subsidy", "homeDelivery", "送教交通补助", "Home-delivery transport subsidy",
        "yuan", "HOME_DELIVERY visits in the year × {subsidy} yuan", None,
        "the home-delivery pupils visited", "001 §12",
        note="the value is the subsidy due in yuan; the numerator counts the visits",
        numerator_zh="学年内送教次数 × {subsidy} 元", children_zh="有送教记录的送教学生",
        note_zh="值为应发补助(元);分子为送教次数",
    ),
    # --- hollow enrolment ----------------------------------------------------------------------
    Definition(
        "hollow.suspects", "hollow", "疑似空挂学籍", "Hollow-enrolment suspects", "count",
        "children whose ACTIVE placement of a checked type ({hollow_types}) began before the "
        "window and who have no evidence in the last N days before the as-of day (home "
        "delivery: a HOME_DELIVERY session; other types: any session; N: {hollow_days})",
        "children with an ACTIVE placement of a checked type on the as-of day (none: no data)",
        "the suspects", "000 一(四)", 0, "<=",
        "the hub holds no attendance register, so pupils who attend a school are not checked",
        numerator_zh="受检安置方式({hollow_types_zh})的在读安置早于检查期开始、且截至日前 N 天"
        "内没有服务记录的儿童(送教上门看送教记录,其他方式看任何服务记录;N:{hollow_days_zh})",
        denominator_zh="截至日有受检安置方式在读安置的儿童(为 0 时无数据)",
        children_zh="疑似空挂者", note_zh="平台没有考勤记录,到校就读的学生不在检查之列",
    ),
    # --- classes -------------------------------------------------------------------------------
    Definition(
        "classes.overLimit", "classes", "随班就读超额班级",
        "Ordinary classes over {per_class} inclusion pupils", "count",
        "ordinary classes (not special, in a school that is not a special school, of the "
        "region) with more than {per_class} REGULAR_CLASS pupils on the census day",
        "ordinary classes with at least one inclusion pupil (none: no data)",
        "the pupils of those classes", "000 一(二)", 0, "<=",
        "1–2 a class is advised; exactly {per_class} is allowed",
        numerator_zh="学籍统计日随班就读学生超过 {per_class} 人的本区划普通班级"
        "(非特教班,所在学校不是特殊教育学校)",
        denominator_zh="至少有一名随班就读学生的普通班级(为 0 时无数据)",
        children_zh="这些班级的随班就读学生", note_zh="每班建议 1–2 人;恰好 {per_class} 人不超额",
    ),
    # --- funding -------------------------------------------------------------------------------
    Definition(
        "funding.specialSchools", "funding", "特殊教育学校生均公用经费",
        "Special-school per-pupil funding due", "yuan",
        "yuan due: Σ over the region's special schools of max(pupils, {floor}) × per-pupil "
        "figure of the school's region",
        "funded pupils (a school under {floor} counted as {floor}; none: no data)",
        "the schools' pupils", "000 三(三); 001 §11; 003 五(一)", 7000.0, ">=",
        "the value is yuan per funded pupil; pupils = placements of any type and stage in "
        "force at the school on the census day; the target is the region's per-pupil figure",
        numerator_zh="应拨经费(元):本区划各特殊教育学校 max(在校生数, {floor}) × "
        "学校所在区划生均标准之和",
        denominator_zh="核定学生数(不足 {floor} 人的学校按 {floor} 人计;为 0 时无数据)",
        children_zh="这些学校的学生",
        note_zh="值为每名核定学生的经费(元);在校生为学籍统计日在该校在籍的各类安置、各学段学生;"
        "目标为本区划的生均标准",
        numerator_unit="yuan",
    ),
    Definition(
        "funding.otherPupils", "funding", "随班就读等学生生均公用经费",
        "Per-pupil funding due outside special schools", "yuan",
        "yuan due: pupils with school status at the region's other schools and institutions "
        "(inclusion, special class, home delivery, welfare class) × per-pupil figure",
        "those pupils (none: no data)", "those pupils", "001 §11", 7000.0, ">=",
        "the value is yuan per pupil; the target is the region's per-pupil figure",
        numerator_zh="应拨经费(元):本区划其他学校和机构有学籍的学生"
        "(随班就读、特教班、送教上门、福利机构班)× 生均标准",
        denominator_zh="这些学生(为 0 时无数据)", children_zh="这些学生",
        note_zh="值为生均经费(元);目标为本区划的生均标准", numerator_unit="yuan",
    ),
    # --- transitions ---------------------------------------------------------------------------
    Definition(
        "transitions.open", "transitions", "进行中的转衔", "Transitions in progress", "count",
        "transitions PLANNED or HANDED_OVER of the region's children (rows: by stage pair)",
        None, "those children", "002 四(四)1",
        numerator_zh="本区划儿童已计划或已交接的转衔(明细:按学段对)", children_zh="这些儿童",
    ),
    Definition(
        "transitions.completed", "transitions", "本学年完成的转衔", "Transitions completed",
        "count", "transitions COMPLETED with a completion day in the year (rows: by stage pair)",
        None, "those children", "002 四(四)1",
        numerator_zh="完成日在本学年内的已完成转衔(明细:按学段对)", children_zh="这些儿童",
    ),
    Definition(
        "transitions.stalled", "transitions", "中断的转衔", "Stalled transitions", "count",
        "children under 18 whose latest placement ended more than {stalled_days} days before "
        "the as-of day with no placement after it; a graduation from senior secondary or a "
        "death is not a stall (rows: by stage pair, the next stage expected)",
        None, "those children", "002 四(四)1", 0, "<=",
        numerator_zh="未满 18 周岁、最近一次安置在截至日前超过 {stalled_days} 天结束且此后没有"
        "新安置的儿童;高中阶段毕业或死亡不算中断(明细:按学段对,后者为应转入的学段)",
        children_zh="这些儿童",
    ),
    # --- dropout -------------------------------------------------------------------------------
    Definition(
        "dropout.open", "dropout", "未销号控辍个案", "Open dropout cases", "count",
        "dropout cases OPEN on the as-of day, children of the region", None,
        "children with an open case", "000 一(五)", 0, "<=",
        numerator_zh="截至日未销号的本区划儿童控辍个案", children_zh="有未销号个案的儿童",
    ),
    Definition(
        "dropout.closed", "dropout", "本学年销号个案", "Dropout cases closed", "count",
        "dropout cases CLOSED with a closing day in the year", None,
        "children whose case closed", "000 一(五)",
        numerator_zh="销号日在本学年内的个案", children_zh="个案已销号的儿童",
    ),
    Definition(
        "dropout.medianDays", "dropout", "销号中位天数", "Median days to close a case", "days",
        "median of (closing day − opening day) over the cases closed in the year", None,
        "children whose case closed", "000 一(五)",
        numerator_zh="本学年销号个案(销号日 − 立案日)的中位数", children_zh="个案已销号的儿童",
    ),
)

BY_KEY: dict[str, Definition] = {d.key: d for d in DEFINITIONS}
FAMILIES: tuple[str, ...] = tuple(dict.fromkeys(d.family for d in DEFINITIONS))


def markdown() -> str:
    """The page ``docs/indicators.md``: each definition with the clause it implements."""
    from hub.indicators import registry

    lines = [
        "# 督导指标 Supervision indicators",
        "",
        "Generated from `hub/indicators/registry.py` by `python -m hub.indicators.registry`",
        "(a test keeps the two equal): edit the registry, not this page. Sources are sections",
        "of the plans in `shared/seeds/`, cited as `shared/DOMAIN.md` does.",
        "",
        "## Terms",
        "",
        (registry.__doc__ or "").split("Terms used below:", 1)[1].strip(),
        "",
        "## How they are computed",
        "",
        "Cypher aggregations, values as parameters only. The four families that count the",
        "pupils holding school status on the census day (roster, placement, funding, classes)",
        "are computed in two *census-day passes* (roster and classes; placement and funding),",
        "each reading those placements once, each with its child (the open ones by the label",
        "`OpenPlacement` kept on every placement without an end date, the ended ones by an index",
        "on their end day; migration 0023), and each family adding a subquery over them (each",
        "used to walk the placements of the province on its own); two passes of equal work",
        "share the server's cores. Home delivery, hollow enrolment, transitions and dropout send",
        "one query each; the passes and those queries run concurrently. Home-delivery sessions",
        "of the year are found by an index on their kind and day (migration 0023). Transitions",
        "open or completed in the year are found by indexes on their status and completion day",
        "(migration 0015);",
        "stalled ones only among children without a current placement. Every indicator returns",
        "numerator, denominator, value, target and source, the children behind it (only those",
        "in the subject's row scope; none for roles that see no child, who get the figures",
        "only) and detail rows (per child, class, school, stage pair or placement type; rows",
        "about one child are hidden like the children).",
        "",
        "Over GraphQL the lists are collected only when the document reads them (`childIds`",
        "or `items`): a report of figures alone is computed without them, so the province's",
        "ids neither leave the database nor are named on the audit record of someone who read",
        "figures. `keys` computes only the families of the indicators named; the console",
        "reads the figures, then one indicator's list when it is opened.",
        "",
        "## Status 指标状态",
        "",
        "Every indicator has a status (GraphQL `status`, the reports' 状态 Status column):",
        "",
        "- `MET` 达标 and `NOT_MET` 未达标: the value against the target of the rules in force;",
        "- `NO_DATA` 无数据: the indicator is defined over a denominator and that denominator is 0",
        "  (no ordinary class with an inclusion pupil, no special school, no home-delivery pupil",
        "  to check, no compulsory-age child on the roster), or the value cannot be computed",
        "  (no case closed for a median). Such an indicator is neither met nor missed: 0 classes",
        "  over the limit out of 0 classes says nothing about the rule;",
        "- `NO_TARGET` 无目标: a figure without a target (a count or a sum).",
        "",
        "`meetsTarget` is kept for older clients: true for `MET`, false for `NOT_MET`, null",
        "otherwise.",
        "",
        "## Reports 报告",
        "",
        "`hub report` writes a workbook (xlsx), a page (html) or JSON; the console exports the",
        "same workbook. In the workbook every figure is a number with a number format, never",
        "text: rates as percentages (`0.0%`), counts as integers (`#,##0`), yuan with two",
        "decimals and thousands separators (`#,##0.00 元`), days with one decimal (`0.0 天`);",
        "class hours and visits a week with one decimal. The comparison (≥, ≤) has its own",
        "column so the target stays a number. A figure that does not exist is an empty cell and",
        "the status says 无数据 no data. Definitions are in Chinese and English, a column",
        "each (overview: what the numerator counts; each indicator's sheet: numerator,",
        "denominator, children listed and note).",
        "",
        "## Rules in force 规则参数",
        "",
        "Configurable (`HUB_INDICATOR_RULES`, per region): per-pupil funding, the 100-pupil",
        "floor, days before a transition counts as stalled, hollow-enrolment windows per",
        "placement type, the home-delivery norms, teaching weeks a year, targets, and the term",
        "dates that give a past year's as-of day: `spring_term_ends` (`\"MM-DD\"`, default",
        "`\"07-15\"`, an assumption: no plan sets it) and `last_teaching_days` (exact days by",
        "school year, e.g. `{2025: 2026-07-03}`). The school year (1 September – 31 August),",
        "the age day (31 August) and the census day (1 September) are fixed in",
        "`hub/indicators/model.py`.",
        "",
        "Names and definitions that state a figure take it from the rules of the report's",
        "region: the registry writes `{hours}`, not 120, so a region that sets",
        "`home_delivery_hours: 100` reads \"Home delivery: ≥ 100 hours\" in GraphQL, the",
        "workbook and the page. This page shows the default figures. The funding targets are",
        "the region's `per_pupil_yuan` (7,000 by default, Jinshan 10,000) unless `targets`",
        "sets them.",
        "",
    ]
    figures = Rules().figures()
    for family in FAMILIES:
        lines += [f"## {family}", ""]
        for d in (d.resolve(figures) for d in DEFINITIONS if d.family == family):
            target = f"{d.op} {d.target:g}" if d.op and d.target is not None else "—"
            lines += [
                f"### `{d.key}` {d.chinese} {d.english}",
                "",
                f"- unit: {d.unit}; target: {target}; source: {d.source}",
                f"- numerator: {d.numerator}",
                f"- 分子: {d.numerator_zh}",
                f"- denominator: {d.denominator or '—'}",
                f"- 分母: {d.denominator_zh or '—'}",
                f"- children behind it: {d.children}",
                f"- 名单: {d.children_zh}",
            ]
            if d.note:
                lines += [f"- note: {d.note}", f"- 说明: {d.note_zh}"]
            lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m hub.indicators.registry > docs/indicators.md
    print(markdown())
