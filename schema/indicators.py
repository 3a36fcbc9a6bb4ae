"""Supervision indicators and case lists in GraphQL 督导指标与个案清单.

- ``indicators(region, year)``: every indicator of ``hub.indicators`` for a region subtree and
  school year. Figures are open to every role (they are aggregates); the children behind them
  are only those in the subject's row scope, and only for kinds of fact its role sees — a role
  that sees no child (``figures``, ``auditor``) gets the figures only.
- ``stalledTransitions(region)`` and ``openDropoutCases(region)``: the case lists of the
  departments concerned, compiled with the client's selection like every other query, so row
  scope, fact scope and masking apply.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, cast

import strawberry
from graphql import GraphQLObjectType, get_named_type

from hub import indicators as ind
from hub import regions
from hub.errors import BadUserInput
from hub.indicators.rules import RulesError
from hub.predicates import in_subtree, region_prefix
from schema.fields import CHILD_KEY, First
from schema.queries import (
    HubInfo,
    RootField,
    _compiler,
    _field,
    note_disclosed,
    run_compiled,
)
from schema.scalars import Date
from schema.types import DropoutCase, Transition

# Kinds of fact a family's child list reveals: hidden from roles that do not see them.
REVEALS: dict[str, frozenset[str]] = {
    "roster": frozenset({"Placement"}),
    "placement": frozenset({"Placement"}),
    "homeDelivery": frozenset({"Placement", "ServiceSession"}),
    "hollow": frozenset({"Placement", "ServiceSession"}),
    "classes": frozenset({"Placement"}),
    "funding": frozenset({"Placement"}),
    "transitions": frozenset({"Placement", "Transition"}),
    "dropout": frozenset({"DropoutCase"}),
}


RegionArg = Annotated[
    str, strawberry.argument(description="行政区划代码(含下级) Region code, its subtree included")
]
YearArg = Annotated[
    int, strawberry.argument(description="学年(起始年) School year by its first year: 2025 = "
                             "2025-09-01..2026-08-31")
]
AsOfArg = Annotated[
    Date | None,
    strawberry.argument(description="名单截至日(默认今天;学年教学已结束的取最后教学日,"
                        "默认 7 月 15 日,可按区划配置) Day the live lists are taken (default: "
                        "today, or the year's last teaching day once it has passed: 15 July "
                        "unless the region's rules set its term dates)"),
]

KeysArg = Annotated[
    list[str] | None,
    strawberry.argument(description="只算这些指标(默认全部) Only these indicators, by key "
                        "(default: every one); only their families are computed"),
]
# The fields that need the children behind each figure: without them the report is computed
# for its figures only (the lists are neither collected by the database nor disclosed).
_LIST_FIELDS = frozenset({"childIds", "items"})


@strawberry.enum(description="指标状态 Where an indicator stands against its target")
class IndicatorStatus(Enum):
    MET = strawberry.enum_value("MET", description="达标 Meets its target")
    NOT_MET = strawberry.enum_value("NOT_MET", description="未达标 Does not meet its target")
    NO_DATA = strawberry.enum_value(
        "NO_DATA", description="无数据 No data: the denominator is 0 (e.g. no class, no special "
        "school, no pupil to check) or the value cannot be computed; neither met nor missed")
    NO_TARGET = strawberry.enum_value(
        "NO_TARGET", description="无目标 A figure without a target (a count, a sum)")


assert [m.name for m in IndicatorStatus] == [m.name for m in ind.Status]  # one list, two faces


@strawberry.type(description="指标数值 A named figure of a detail row")
class NamedValue:
    key: str = strawberry.field(description="名称 Name, e.g. hours, visits, pupils")
    value: float | None = strawberry.field(description="数值 Value")


@strawberry.type(description="指标明细行 A detail row: a child, class, school, stage pair …")
class IndicatorItem:
    kind: str = strawberry.field(
        description="类型 Child, SchoolClass, School, StagePair, PlacementType, Band, ClassSize"
    )
    id: strawberry.ID = strawberry.field(description="标识 Id of the child, class, school …")
    label: str = strawberry.field(description="说明 Label")
    flagged: bool = strawberry.field(description="是否不达标或需关注 Whether it breaks the rule")
    values: list[NamedValue] = strawberry.field(description="数值 Figures of the row")


@strawberry.type(description="督导指标 One supervision indicator, with its rule and source")
class Indicator:
    key: str = strawberry.field(description="指标键 Key, e.g. enrolment.compulsory")
    family: str = strawberry.field(description="指标族 Family, e.g. roster, homeDelivery")
    name: str = strawberry.field(description="中文名称 Chinese name (figures: the rules in force)")
    english: str = strawberry.field(
        description="英文名称 English name, e.g. Home delivery: ≥ 120 hours (the region's figure)")
    unit: str = strawberry.field(description="单位 rate, count, yuan or days")
    numerator: float | None = strawberry.field(description="分子 Numerator")
    numerator_unit: str = strawberry.field(
        description="分子单位 count or yuan (funding counts yuan due above the line)")
    denominator: float | None = strawberry.field(description="分母 Denominator (null: none)")
    value: float | None = strawberry.field(description="指标值 Value")
    target: float | None = strawberry.field(description="目标值 The rule's target")
    target_op: str | None = strawberry.field(description="目标比较 >= or <=")
    status: IndicatorStatus = strawberry.field(
        description="状态:达标、未达标、无数据、无目标 MET, NOT_MET, NO_DATA (denominator 0) "
        "or NO_TARGET")
    meets_target: bool | None = strawberry.field(
        description="是否达标(无数据或无目标时为空) Whether it meets it: null when there is no "
        "data or no target (read status)")
    source: str = strawberry.field(description="政策依据 Source clause (seeds file §)")
    definition: str = strawberry.field(
        description="口径(英文) What the numerator counts, with the figures of the rules in force")
    definition_chinese: str = strawberry.field(description="分子口径(中文) … in Chinese")
    denominator_definition: str | None = strawberry.field(
        description="分母口径(英文) What the denominator counts (null: none)")
    denominator_definition_chinese: str | None = strawberry.field(
        description="分母口径(中文) … in Chinese")
    children_are: str = strawberry.field(description="名单口径(英文) Which children the list holds")
    children_are_chinese: str = strawberry.field(description="名单口径(中文) … in Chinese")
    children_visible: bool = strawberry.field(
        description="是否可见名单 Whether the subject may see the children behind it"
    )
    children: strawberry.Private[list[str]]
    detail: strawberry.Private[list[IndicatorItem]]

    @strawberry.field(
        description="相关儿童(仅限可见范围) Children behind it, within the subject's scope"
    )
    def child_ids(self, info: HubInfo) -> list[strawberry.ID]:
        note_disclosed(info.context, [{CHILD_KEY: c} for c in self.children])
        return [strawberry.ID(c) for c in self.children]

    @strawberry.field(description="明细 Detail rows")
    def items(self, info: HubInfo) -> list[IndicatorItem]:
        note_disclosed(info.context, [{CHILD_KEY: i.id} for i in self.detail if i.kind == "Child"])
        return self.detail


@strawberry.type(description="督导指标报告 The indicators of a region and school year")
class IndicatorReport:
    region: str = strawberry.field(description="行政区划代码 Region code")
    region_name: str | None = strawberry.field(description="区划名称 Region name")
    year: int = strawberry.field(description="学年(起始年) School year, by its first year")
    from_: Date = strawberry.field(name="from", description="学年开始 First day (1 Sep)")
    to: Date = strawberry.field(description="学年结束 Last day (31 Aug)")
    census: Date = strawberry.field(description="学籍统计日 Census day of school status")
    as_of: Date = strawberry.field(
        description="名单截至日 Day the live lists are taken (default: see the asOf argument)")
    indicators: list[Indicator] = strawberry.field(description="指标 Indicators")


def _indicator(result: ind.Result, visible: bool) -> Indicator:
    d = result.definition
    return Indicator(
        key=d.key, family=d.family, name=d.chinese, english=d.english, unit=d.unit,
        numerator=result.numerator, numerator_unit=d.numerator_unit,
        denominator=result.denominator, value=result.value,
        target=result.target, target_op=d.op, status=IndicatorStatus(result.status.value),
        meets_target=result.meets_target,
        source=d.source, definition=d.numerator, definition_chinese=d.numerator_zh,
        denominator_definition=d.denominator, denominator_definition_chinese=d.denominator_zh,
        children_are=d.children, children_are_chinese=d.children_zh, children_visible=visible,
        children=list(result.children) if visible else [],
        detail=[
            IndicatorItem(kind=i.kind, id=strawberry.ID(i.id), label=i.label, flagged=i.flagged,
                          values=[NamedValue(key=k, value=v) for k, v in i.values.items()])
            for i in result.items if visible or not i.child
        ],
    )


def _visibility(info: HubInfo) -> ind.Visibility:
    view = info.context.view
    if view is None:
        return ind.Visibility()
    if not view.sees_children:
        return ind.Visibility(sees_children=False)
    scope = info.context.scope
    return ind.Visibility(conditions=scope.child, params=dict(scope.params))


def _keys(keys: list[str] | None) -> tuple[str, ...]:
    """The families to compute for ``keys`` (every family without them)."""
    if keys is None:
        return ind.FAMILIES
    unknown = sorted(set(keys) - set(ind.BY_KEY))
    if unknown:
        named = ", ".join(k[:40] for k in unknown[:3]) + (", …" if len(unknown) > 3 else "")
        raise BadUserInput(f"keys: 不是已知的指标键 not an indicator key: {named}", field="keys")
    return tuple(f for f in ind.FAMILIES if any(ind.BY_KEY[k].family == f for k in keys))


def _asks_lists(info: HubInfo) -> bool:
    """Whether the document selects a field that reads the children behind a figure (fragments
    and ``@skip``/``@include`` read as the executor reads them)."""
    root = RootField.of(info)
    selections = root.compiler()
    report_type = cast(GraphQLObjectType, get_named_type(root.field_def.type))
    indicator_type = cast(GraphQLObjectType, get_named_type(report_type.fields["indicators"].type))
    under = [n.selection_set for n in root.nodes if n.selection_set]
    for field in selections.collect(report_type, under).values():
        if field[0].name.value != "indicators":
            continue
        sets = [n.selection_set for n in field if n.selection_set]
        if any(f[0].name.value in _LIST_FIELDS
               for f in selections.collect(indicator_type, sets).values()):
            return True
    return False


def _region(code: str) -> str:
    if not regions.is_known(code):
        raise BadUserInput("region: 不是已知的行政区划代码 not a known GB/T 2260 region code",
                           field="region")
    return code


async def _run_case_list(
    info: HubInfo, label: str, status: str, region: str, first: int | None
) -> list[object]:
    compiler = _compiler(info)
    field_def, nodes = _field(info)
    c, f = compiler.var(), compiler.var()
    prefix = compiler.params.add(region_prefix(_region(region)))
    wanted = compiler.params.add(status)
    conditions = [in_subtree(c, prefix), f"{f}.status = {wanted}"]
    conditions += compiler.child_where(c) + compiler.fact_where(f, owner=c)
    limit = compiler.params.add(compiler._page_size(first if first is not None else 100))
    projection = compiler.value(get_named_type(field_def.type), f, nodes)
    cypher = (
        f"MATCH ({c}:Child)-[:HAS_FACT]->({f}:{label}) WHERE {' AND '.join(conditions)} "
        f"WITH {c}, {f} ORDER BY {f}.date, {f}.id LIMIT {limit} "
        f"RETURN collect({projection}) AS result"
    )
    return list(await run_compiled(info.context, None, cypher, compiler.params.values) or [])


@strawberry.type(description="督导查询 Supervision queries")
class IndicatorQuery:
    @strawberry.field(
        description="督导指标:某区划(含下级)某学年的全部指标 Every supervision indicator of a "
        "region subtree and school year (2025 = 2025-09-01..2026-08-31)"
    )
    async def indicators(
        self,
        info: HubInfo,
        region: RegionArg,
        year: YearArg,
        as_of: AsOfArg = None,
        keys: KeysArg = None,
    ) -> IndicatorReport:
        code = _region(region)
        families = _keys(keys)
        if not 2000 <= year <= 2100:
            raise BadUserInput("year: 学年应在 2000–2100 之间 year must be 2000–2100",
                               field="year")
        try:
            book = ind.rule_book(info.context.settings.indicator_rules)
        except RulesError as exc:
            raise BadUserInput(f"指标规则文件无效 bad indicator rules: {exc}") from None
        visibility = _visibility(info)
        report = await ind.compute(
            info.context.graph, code, year, as_of=cast(dt.date | None, as_of), book=book,
            visibility=visibility if _asks_lists(info) else ind.Visibility(sees_children=False),
            families=families,
        )
        view = info.context.view
        seen = view.facts if view is not None else None
        out = []
        for result in report.results:
            if keys is not None and result.definition.key not in keys:
                continue
            kinds = REVEALS[result.definition.family]
            visible = visibility.sees_children and (seen is None or kinds <= seen)
            out.append(_indicator(result, visible))
        year_of = report.year
        return IndicatorReport(
            region=code, region_name=report.region_name, year=year,
            from_=Date(year_of.start), to=Date(year_of.end), census=Date(year_of.census),
            as_of=Date(report.as_of), indicators=out,
        )

    @strawberry.field(
        description="中断的转衔(接收方待办) Stalled transitions of the region's children: the "
        "receiving side's list (run `hub transitions check` to raise them)"
    )
    async def stalled_transitions(
        self, info: HubInfo, region: RegionArg, first: First = None
    ) -> list[Transition]:
        found = await _run_case_list(info, "Transition", "STALLED", region, first)
        return cast(list[Transition], found)

    @strawberry.field(
        description="未销号的控辍保学个案 Open dropout cases of the region's children (台账)"
    )
    async def open_dropout_cases(
        self, info: HubInfo, region: RegionArg, first: First = None
    ) -> list[DropoutCase]:
        found = await _run_case_list(info, "DropoutCase", "OPEN", region, first)
        return cast(list[DropoutCase], found)


TYPES: tuple[type, ...] = (IndicatorReport, Indicator, IndicatorItem, NamedValue)
