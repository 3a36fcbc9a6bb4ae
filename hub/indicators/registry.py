"""Every indicator, defined once 指标定义: ``docs/indicators.md`` is generated from this list.

Sources are cited as ``shared/DOMAIN.md`` does: file number of ``shared/seeds`` and section.
Targets are the defaults; ``HUB_INDICATOR_RULES`` may set others per region (``rules.py``).
Terms used below:

- *roster* 名册: children with a disability certificate issued by the end of the school year,
  or a screening dated by then that is POSITIVE or carries a diagnosis, or a welfare status
  in force in the year while the child has a disability category or a special need;
- *age band* on 31 August of the year: preschool 3–5, compulsory 6–14 (so 6–15 during the
  year: nine years from the September after the sixth birthday), senior secondary 15–17;
- *school status* 学籍: a placement in force on the census day (1 September of the year):
  started on or before it and ended after it, or not ended and ACTIVE or SUSPENDED (home
  delivery and welfare-institution classes included, as 000 一(四) requires);
- *as-of day*: the day the live lists (hollow enrolment, stalled transitions, open cases)
  are taken, by default the earlier of today and the year's last day.
"""

from __future__ import annotations

from hub.indicators.model import Definition

DEFINITIONS: tuple[Definition, ...] = (
    # --- roster and enrolment ------------------------------------------------------------------
    Definition(
        "roster.schoolAge", "roster", "适龄残疾儿童少年名册", "School-age disabled children",
        "count", "roster children aged 3–17 on 31 August, living in the region", None,
        "every child on the roster", "000 一(一); 001 §1",
    ),
    Definition(
        "enrolment.compulsory", "roster", "义务教育入学率", "Compulsory-stage enrolment rate",
        "rate", "roster children of compulsory age (6–14) with school status",
        "roster children of compulsory age", "those without school status",
        "000 一(一); 001 一", 0.97, ">=", "Hangzhou's target is 99 % (003 一)",
    ),
    Definition(
        "enrolment.preschool", "roster", "学前教育入园率", "Preschool enrolment rate",
        "rate", "roster children aged 3–5 with school status", "roster children aged 3–5",
        "those without school status", "003 一", 0.96, ">=",
    ),
    Definition(
        "enrolment.senior", "roster", "高中阶段入学率", "Senior-secondary enrolment rate",
        "rate", "roster children aged 15–17 with school status", "roster children aged 15–17",
        "those without school status", "003 一", 0.94, ">=",
        "Jinshan's target is 75 % (002 二)",
    ),
    Definition(
        "enrolment.notEnrolled", "roster", "应入学未入学", "Should enrol, not enrolled",
        "count", "roster children of compulsory age without school status",
        "roster children of compulsory age (none: no data)", "those children", "000 一(五)", 0,
        "<=",
    ),
    # --- placement -----------------------------------------------------------------------------
    Definition(
        "placement.compulsoryPupils", "placement", "义务教育阶段在读残疾学生",
        "Compulsory-stage disabled pupils", "count",
        "children of the region whose placement in force on the census day is PRIMARY or "
        "JUNIOR stage (rows: the share of each placement type)", None, "those pupils",
        "000 一(一); 001 §3–5",
    ),
    Definition(
        "placement.inclusion", "placement", "融合教育(随班就读)占比", "Inclusion share",
        "rate", "pupils in regular-class inclusion (REGULAR_CLASS)",
        "pupils of every stage with school status", "the pupils in inclusion", "003 一",
        0.5, ">=", "special classes in ordinary schools are not counted as inclusion",
    ),
    Definition(
        "placement.homeDelivery", "placement", "送教上门占比", "Home-delivery share",
        "rate", "compulsory-stage pupils placed in home delivery",
        "compulsory-stage pupils", "the home-delivery pupils",
        "002 附件2; 003 二(一); 004 §(三)", 0.05, "<=",
    ),
    # --- home delivery -------------------------------------------------------------------------
    Definition(
        "homeDelivery.hours", "homeDelivery", "送教课时达标率", "Home delivery: ≥ 120 hours",
        "rate",
        "home-delivery pupils whose HOME_DELIVERY sessions in the year total at least 120 "
        "hours (pro rata to the part of the year their placement covered)",
        "children with a home-delivery placement in force at any time in the year",
        "those below the hours", "000 一(三)", 1.0, ">=",
    ),
    Definition(
        "homeDelivery.frequency", "homeDelivery", "送教频次达标率",
        "Home delivery: 1–2 visits a week", "rate",
        "home-delivery pupils whose visits ÷ teaching weeks covered (35 a year, pro rata) lie "
        "in 1–2 and who had no week with more than 2 visits",
        "home-delivery pupils", "those outside the frequency", "000 一(三)", 1.0, ">=",
        "remote areas may make 1 visit a week: the check does not know which areas are remote",
    ),
    Definition(
        "homeDelivery.visitLength", "homeDelivery", "每次送教课时达标率",
        "Home delivery: 2–4 hours a visit", "rate",
        "home-delivery pupils with visits, every visit lasting 2–4 hours",
        "home-delivery pupils with at least one visit", "those with a shorter or longer visit",
        "000 一(三)", 1.0, ">=",
    ),
    Definition(
        "homeDelivery.subsidy", "homeDelivery", "送教交通补助", "Home-delivery transport subsidy",
        "yuan", "HOME_DELIVERY visits in the year × 50 yuan", None,
        "the home-delivery pupils visited", "001 §12",
        note="the value is the subsidy due in yuan; the numerator counts the visits",
    ),
    # --- hollow enrolment ----------------------------------------------------------------------
    Definition(
        "hollow.suspects", "hollow", "疑似空挂学籍", "Hollow-enrolment suspects", "count",
        "children whose ACTIVE placement of a checked type (default: home delivery, remote) "
        "began before the window and who have no evidence in the last N days before the as-of "
        "day (home delivery: a HOME_DELIVERY session; remote: any session; N = 30 by default)",
        "children with an ACTIVE placement of a checked type on the as-of day",
        "the suspects", "000 一(四)", 0, "<=",
        "the hub holds no attendance register, so pupils who attend a school are not checked",
    ),
    # --- classes -------------------------------------------------------------------------------
    Definition(
        "classes.overLimit", "classes", "随班就读超额班级",
        "Ordinary classes over 3 inclusion pupils", "count",
        "ordinary classes (not special, in a school that is not a special school, of the "
        "region) with more than 3 REGULAR_CLASS pupils on the census day",
        "ordinary classes with at least one inclusion pupil", "the pupils of those classes",
        "000 一(二)", 0, "<=", "1–2 a class is advised; exactly 3 is allowed",
    ),
    # --- funding -------------------------------------------------------------------------------
    Definition(
        "funding.specialSchools", "funding", "特殊教育学校生均公用经费",
        "Special-school per-pupil funding due", "yuan",
        "yuan due: Σ over the region's special schools of max(pupils, 100) × per-pupil figure "
        "of the school's region",
        "funded pupils (a school under 100 counted as 100)", "the schools' pupils",
        "000 三(三); 001 §11; 003 五(一)", 7000.0, ">=",
        "the value is yuan per funded pupil; pupils = placements of any type and stage in "
        "force at the school on the census day",
    ),
    Definition(
        "funding.otherPupils", "funding", "随班就读等学生生均公用经费",
        "Per-pupil funding due outside special schools", "yuan",
        "yuan due: pupils with school status at the region's other schools and institutions "
        "(inclusion, special class, home delivery, welfare class) × per-pupil figure",
        "those pupils", "those pupils", "001 §11", 7000.0, ">=",
        "the value is yuan per pupil",
    ),
    # --- transitions ---------------------------------------------------------------------------
    Definition(
        "transitions.open", "transitions", "进行中的转衔", "Transitions in progress", "count",
        "transitions PLANNED or HANDED_OVER of the region's children (rows: by stage pair)",
        None, "those children", "002 四(四)1",
    ),
    Definition(
        "transitions.completed", "transitions", "本学年完成的转衔", "Transitions completed",
        "count", "transitions COMPLETED with a completion day in the year (rows: by stage pair)",
        None, "those children", "002 四(四)1",
    ),
    Definition(
        "transitions.stalled", "transitions", "中断的转衔", "Stalled transitions", "count",
        "children under 18 whose latest placement ended more than N days (default 30) before "
        "the as-of day with no placement after it; a graduation from senior secondary or a "
        "death is not a stall (rows: by stage pair, the next stage expected)",
        None, "those children", "002 四(四)1", 0, "<=",
    ),
    # --- dropout -------------------------------------------------------------------------------
    Definition(
        "dropout.open", "dropout", "未销号控辍个案", "Open dropout cases", "count",
        "dropout cases OPEN on the as-of day, children of the region", None,
        "children with an open case", "000 一(五)", 0, "<=",
    ),
    Definition(
        "dropout.closed", "dropout", "本学年销号个案", "Dropout cases closed", "count",
        "dropout cases CLOSED with a closing day in the year", None,
        "children whose case closed", "000 一(五)",
    ),
    Definition(
        "dropout.medianDays", "dropout", "销号中位天数", "Median days to close a case", "days",
        "median of (closing day − opening day) over the cases closed in the year", None,
        "children whose case closed", "000 一(五)",
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
        "One Cypher aggregation per family (roster, placement, home delivery, hollow enrolment,",
        "classes, funding, transitions, dropout), values as parameters only; the families run",
        "concurrently. Every indicator returns numerator, denominator, value, target and source,",
        "the children behind it (only those in the subject's row scope; none for roles that see",
        "no child, who get the figures only) and detail rows (per child, class, school, stage",
        "pair or placement type; rows about one child are hidden like the children).",
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
        "Configurable (`HUB_INDICATOR_RULES`, per region): per-pupil funding, the 100-pupil",
        "floor, days before a transition counts as stalled, hollow-enrolment windows per",
        "placement type, the home-delivery norms, teaching weeks a year, targets.",
        "",
    ]
    for family in FAMILIES:
        lines += [f"## {family}", ""]
        for d in DEFINITIONS:
            if d.family != family:
                continue
            target = f"{d.op} {d.target:g}" if d.op and d.target is not None else "—"
            lines += [
                f"### `{d.key}` {d.chinese} {d.english}",
                "",
                f"- unit: {d.unit}; target: {target}; source: {d.source}",
                f"- numerator: {d.numerator}",
                f"- denominator: {d.denominator or '—'}",
                f"- children behind it: {d.children}",
            ]
            if d.note:
                lines.append(f"- note: {d.note}")
            lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m hub.indicators.registry > docs/indicators.md
    print(markdown())
