"""Every indicator against the hand-computed graph of ``test_indicators_graph`` (read its table)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from hub import indicators
from hub.current import sync_all
from hub.graph import Graph
from hub.indicators import RuleBook, Status
from hub.indicators.common import holding_status, holds_status
from hub.indicators.registry import DEFINITIONS, markdown
from hub.indicators.rules import RulesFile
from hub.services.placements import LEFT_ROLL
from hub.settings import Settings
from hub.subject import Subject
from tests.auth_helpers import gql, register, token_for
from tests.graphql_helpers import execute
from tests.test_audit import audit_settings, events, serve  # noqa: F401 (a fixture)
from tests.test_indicators_graph import AS_OF, YEAR, load

SPECIAL_PUPILS = [f"sp_{n:03d}" for n in range(1, 98)]


@pytest.fixture
async def loaded(graph: Graph) -> Graph:
    await load(graph)
    return graph


async def _report(graph: Graph, region: str = "140404", **kwargs: Any) -> dict[str, Any]:
    report = await indicators.compute(graph, region, YEAR, as_of=AS_OF, **kwargs)
    return {r.definition.key: r for r in report.results}


async def test_roster_and_enrolment(loaded: Graph) -> None:
    r = await _report(loaded)
    roster = r["roster.schoolAge"]
    # ch_x is 18 on 31 August; ch_z lives in another county; the others have no evidence.
    assert roster.children == ["ch_a", "ch_b", "ch_c", "ch_d", "ch_e", "ch_f", "ch_g",
                               "ch_n", "ch_q", "ch_r"]
    assert roster.numerator == 10 and roster.value == 10
    bands = {i.id: i.values for i in roster.items}
    # ch_a turns 6 on 31 August: compulsory; ch_b a day later: still preschool.
    assert bands["COMPULSORY"]["roster"] == 7 and bands["PRESCHOOL"]["roster"] == 1
    compulsory = r["enrolment.compulsory"]
    assert (compulsory.numerator, compulsory.denominator) == (6, 7)
    assert compulsory.value == pytest.approx(6 / 7)
    assert compulsory.target == 0.97 and compulsory.meets_target is False
    assert compulsory.children == ["ch_n"]
    preschool = r["enrolment.preschool"]
    assert (preschool.numerator, preschool.denominator, preschool.children) == (0, 1, ["ch_b"])
    senior = r["enrolment.senior"]
    assert (senior.numerator, senior.denominator, senior.children) == (1, 2, ["ch_q"])
    missing = r["enrolment.notEnrolled"]
    assert (missing.value, missing.children, missing.meets_target) == (1, ["ch_n"], False)
    assert missing.definition.source == "000 一(五)"


async def test_placement_shares(loaded: Graph) -> None:
    r = await _report(loaded)
    pupils = r["placement.compulsoryPupils"]
    # 9 regular class (a, h–m, f, g) + 2 home delivery + 1 welfare class + 97 special school
    assert pupils.numerator == 109
    shares = {i.id: i.values["pupils"] for i in pupils.items}
    assert shares == {"REGULAR_CLASS": 9, "SPECIAL_CLASS": 0, "SPECIAL_SCHOOL": 97,
                      "HOME_DELIVERY": 2, "REMOTE": 0, "WELFARE_CLASS": 1}
    inclusion = r["placement.inclusion"]
    assert (inclusion.numerator, inclusion.denominator) == (10, 110)  # + ch_r, senior
    assert inclusion.meets_target is False
    home = r["placement.homeDelivery"]
    assert (home.numerator, home.denominator) == (2, 109)
    assert home.value == pytest.approx(2 / 109) and home.meets_target is True
    assert home.children == ["ch_c", "ch_d"]


async def test_home_delivery_compliance(loaded: Graph) -> None:
    r = await _report(loaded)
    rows = {i.id: i for i in r["homeDelivery.hours"].items}
    assert rows["ch_c"].values["hours"] == 120.0  # exactly 120: meets the rule
    assert rows["ch_c"].values["visits"] == 40 and not rows["ch_c"].flagged
    assert rows["ch_c"].values["visitsPerWeek"] == pytest.approx(40 / 35)
    assert rows["ch_d"].values["hours"] == 112.5 and rows["ch_d"].flagged
    assert rows["ch_d"].values["shortestVisit"] == 1.5
    hours = r["homeDelivery.hours"]
    assert (hours.numerator, hours.denominator, hours.children) == (1, 2, ["ch_d"])
    frequency = r["homeDelivery.frequency"]
    assert (frequency.numerator, frequency.denominator, frequency.children) == (2, 2, [])
    length = r["homeDelivery.visitLength"]
    assert (length.numerator, length.denominator, length.children) == (1, 2, ["ch_d"])
    subsidy = r["homeDelivery.subsidy"]
    assert subsidy.numerator == 78 and subsidy.value == 78 * 50.0
    assert subsidy.definition.source == "001 §12"


async def test_home_delivery_more_than_two_visits_a_week(loaded: Graph) -> None:
    await loaded.write(
        "MATCH (c:Child {id: 'ch_c'}) UNWIND [1, 2] AS n "
        "CREATE (c)-[:HAS_FACT]->(:Fact:ServiceSession {id: 'svc_extra' + n, "
        "kind: 'HOME_DELIVERY', date: date('2025-09-03') + duration({days: n}), hours: 2.0, "
        "source: 't', sourceKey: 'x' + n, sourceRef: 't/x' + n})"
    )
    r = await _report(loaded)
    assert r["homeDelivery.frequency"].children == ["ch_c"]  # 3 visits in the first week


async def test_hollow_enrolment(loaded: Graph) -> None:
    r = await _report(loaded)
    hollow = r["hollow.suspects"]
    # ch_d's last visit was 30 days before the as-of day: 30 days without a visit.
    assert (hollow.numerator, hollow.denominator, hollow.children) == (1, 2, ["ch_d"])
    assert hollow.items[0].values["daysWithoutEvidence"] == 30
    book = RuleBook(RulesFile(regions={"140404": {"hollow_window_days": {"HOME_DELIVERY": 31}}}))
    r = await _report(loaded, book=book)
    assert r["hollow.suspects"].children == []


async def test_inclusion_pupils_per_class(loaded: Graph) -> None:
    r = await _report(loaded)
    classes = r["classes.overLimit"]
    # cls_1 has exactly 3 (allowed), cls_2 has 4 (flagged).
    assert (classes.numerator, classes.denominator) == (1, 2)
    assert classes.children == ["ch_j", "ch_k", "ch_l", "ch_m"]
    flagged = [i for i in classes.items if i.kind == "SchoolClass"]
    assert [(i.id, i.values["inclusionPupils"]) for i in flagged] == [("cls_2", 4)]
    sizes = {i.id: i.values["classes"] for i in classes.items if i.kind == "ClassSize"}
    assert sizes == {"1": 0, "2": 0, "3": 1}


async def test_funding(loaded: Graph) -> None:
    r = await _report(loaded)
    special = r["funding.specialSchools"]
    # sch_s has 99 pupils (97 + two home-delivery pupils it holds): funded as 100.
    (school,) = special.items
    assert school.values == {"pupils": 99, "fundedPupils": 100, "perPupilYuan": 7000.0,
                             "dueYuan": 700000.0}
    assert school.flagged
    assert (special.numerator, special.denominator, special.value) == (700000.0, 100.0, 7000.0)
    assert special.meets_target is True
    others = r["funding.otherPupils"]
    assert (others.numerator, others.denominator) == (77000.0, 11.0)  # 7 + 3 + 1 pupils
    # Per-pupil funding set for the county (e.g. Jinshan's 10,000, 002 七1).
    book = RuleBook(RulesFile(regions={"140404": {"per_pupil_yuan": 10000}}))
    r = await _report(loaded, "140400", book=book)
    assert r["funding.specialSchools"].numerator == 1_000_000.0


# A county whose school came from a file: no type, no class (issue 13). Its two inclusion
# pupils have school status, but there is no class to count them in and no special school.
FILE_SCHOOL = """
MATCH (k:Region {code: '140406'})
CREATE (o:Organisation:School {id: 'sch_f', name: '潞城区第一小学', regionCode: '140406'})
WITH o, k UNWIND ['ch_y1', 'ch_y2'] AS id
CREATE (c:Child {id: id, name: '测试' + id, birthDate: date('2017-05-05'),
        regionCode: '140406'})-[:LIVES_IN]->(k)
CREATE (c)-[:HAS_FACT]->(:Fact:Placement {id: 'plc_' + id, type: 'REGULAR_CLASS',
        stage: 'PRIMARY', date: date('2024-09-01'), status: 'ACTIVE', recordedBy: 'EDU',
        source: 't', sourceKey: 'plc_' + id, sourceRef: 't/plc_' + id})-[:AT]->(o)
"""


async def test_a_denominator_of_0_is_no_data_not_met(loaded: Graph) -> None:
    await loaded.write(FILE_SCHOOL)
    await sync_all(loaded)
    r = await _report(loaded, "140406")
    # 0 classes over the limit of 0 classes: no data (it used to read "met").
    classes = r["classes.overLimit"]
    assert (classes.numerator, classes.denominator) == (0, 0)
    assert classes.status is Status.NO_DATA and classes.meets_target is None
    special = r["funding.specialSchools"]  # no special school in the county
    assert (special.denominator, special.value) == (0, None)
    assert special.status is Status.NO_DATA and special.meets_target is None
    hollow = r["hollow.suspects"]  # no home-delivery pupil to check
    assert (hollow.numerator, hollow.denominator, hollow.status) == (0, 0, Status.NO_DATA)
    for key in ("homeDelivery.hours", "homeDelivery.frequency", "homeDelivery.visitLength",
                "enrolment.preschool", "enrolment.senior", "dropout.medianDays"):
        assert (r[key].status, r[key].meets_target) == (Status.NO_DATA, None), key
    # The figures that do have data keep their status.
    assert r["roster.schoolAge"].status is Status.NO_TARGET  # ch_z only
    assert r["enrolment.compulsory"].status is Status.NOT_MET  # 0 of 1
    assert r["placement.inclusion"].status is Status.MET  # 2 of 2
    assert r["transitions.stalled"].status is Status.MET  # 0 cases is an answer
    # A school without a type is not a special school: its pupils are funded (it was 0).
    others = r["funding.otherPupils"]
    assert (others.numerator, others.denominator, others.status) == (14000.0, 2, Status.MET)
    county = await _report(loaded)
    assert county["classes.overLimit"].status is Status.NOT_MET
    assert county["funding.specialSchools"].status is Status.MET
    assert county["enrolment.notEnrolled"].denominator == 7


async def test_a_region_without_a_roster_has_no_enrolment_data(graph: Graph) -> None:
    await graph.write("MERGE (:Region {code: '140406', name: '潞城区', level: 'COUNTY'})")
    r = await _report(graph, "140406")
    missing = r["enrolment.notEnrolled"]
    assert (missing.value, missing.status, missing.meets_target) == (0, Status.NO_DATA, None)
    assert {result.status for result in r.values()} <= {Status.NO_DATA, Status.NO_TARGET,
                                                         Status.MET}
    assert r["enrolment.compulsory"].status is Status.NO_DATA


# A county that sets its own figures (rules.py); the city around it keeps the defaults.
COUNTY_FIGURES = {
    "home_delivery_hours": 100, "visits_per_week": [1, 3], "hours_per_visit": [1.5, 4],
    "teaching_weeks": 36, "subsidy_per_visit_yuan": 60, "inclusion_per_class": 4,
    "funded_minimum_pupils": 80, "stalled_after_days": 45, "per_pupil_yuan": 10000,
    "hollow_window_days": {"HOME_DELIVERY": 21},
}


async def test_labels_read_the_figures_of_the_rules_in_force(loaded: Graph) -> None:
    book = RuleBook(RulesFile(regions={"140404": COUNTY_FIGURES}))
    r = await _report(loaded, book=book)
    d = {key: result.definition for key, result in r.items()}
    hours = d["homeDelivery.hours"]
    assert hours.english == "Home delivery: ≥ 100 hours"
    assert "at least 100 hours" in hours.numerator and "不少于 100 课时" in hours.numerator_zh
    assert d["homeDelivery.frequency"].english == "Home delivery: 1–3 visits a week"
    assert "(36 a year" in d["homeDelivery.frequency"].numerator
    assert d["homeDelivery.visitLength"].english == "Home delivery: 1.5–4 hours a visit"
    assert "× 60 yuan" in d["homeDelivery.subsidy"].numerator
    assert r["homeDelivery.subsidy"].value == 78 * 60.0  # the figure the label states
    assert d["classes.overLimit"].english == "Ordinary classes over 4 inclusion pupils"
    assert "超过 4 人" in d["classes.overLimit"].numerator_zh
    assert "max(pupils, 80)" in d["funding.specialSchools"].numerator
    assert "under 80 counted as 80" in (d["funding.specialSchools"].denominator or "")
    assert r["funding.specialSchools"].target == 10000.0  # the county's per-pupil figure
    assert "more than 45 days" in d["transitions.stalled"].numerator
    # The county's windows replace the default ones: only home delivery is checked there.
    assert "type (HOME_DELIVERY)" in d["hollow.suspects"].numerator
    assert "N: HOME_DELIVERY 21)" in d["hollow.suspects"].numerator
    texts = " ".join(f"{x.english} {x.numerator} {x.denominator} {x.note} {x.numerator_zh} "
                     f"{x.denominator_zh} {x.note_zh}" for x in d.values())
    for default in ("120", "1–2 visits", "2–4 hours", "35 a year", "× 50", "over 3",
                    "more than 3 REGULAR", "max(pupils, 100)", "30 days", "N: HOME_DELIVERY 30"):
        assert default not in texts, default
    city = await _report(loaded, "140400", book=book)  # the county's figures are its own
    assert city["homeDelivery.hours"].definition.english == "Home delivery: ≥ 120 hours"
    assert city["funding.specialSchools"].target == 7000.0


async def test_graphql_labels_read_the_region_figures(
    loaded: Graph, settings: Settings, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"regions": {"140404": {"home_delivery_hours": 100}}}))
    local = settings.model_copy(update={"indicator_rules": rules})
    data = await _graphql(loaded, local, _subject("supervisor", "EDU", "140400"))
    hours = next(i for i in data["indicators"] if i["key"] == "homeDelivery.hours")
    assert hours["english"] == "Home delivery: ≥ 100 hours"
    assert "at least 100 hours" in hours["definition"]
    assert "不少于 100 课时" in hours["definitionChinese"]


async def test_transitions(loaded: Graph) -> None:
    r = await _report(loaded)
    assert r["transitions.open"].children == ["ch_a"]
    completed = r["transitions.completed"]  # trn_c completed the day before the year began
    assert (completed.numerator, completed.children) == (1, ["ch_e"])
    assert [(i.id, i.values) for i in completed.items] == [("PRIMARY→JUNIOR",
                                                            {"transitions": 1})]
    stalled = r["transitions.stalled"]
    # ch_f ended 31 days before the as-of day: stalled; ch_g 30 days: not yet.
    assert stalled.children == ["ch_f", "ch_s"]
    pairs = {i.id: i.values["children"] for i in stalled.items if i.kind == "StagePair"}
    assert pairs == {"JUNIOR→JUNIOR": 1, "PRIMARY→JUNIOR": 1}
    assert stalled.meets_target is False
    book = RuleBook(RulesFile(regions={"140400": {"stalled_after_days": 29}}))
    r = await _report(loaded, book=book)
    assert r["transitions.stalled"].children == ["ch_f", "ch_g", "ch_s"]


async def test_dropout_cases(loaded: Graph) -> None:
    r = await _report(loaded)
    assert (r["dropout.open"].value, r["dropout.open"].children) == (1, ["ch_n"])
    assert r["dropout.closed"].children == ["ch_o", "ch_p"]
    assert r["dropout.medianDays"].value == 30.0  # 20 and 40 days


async def test_region_subtrees(loaded: Graph) -> None:
    county = await _report(loaded, "140404")
    city = await _report(loaded, "140400")
    province = await _report(loaded, "140000")
    other = await _report(loaded, "140406")
    assert city["roster.schoolAge"].value == county["roster.schoolAge"].value + 1  # ch_z
    assert province["roster.schoolAge"].value == city["roster.schoolAge"].value
    assert other["roster.schoolAge"].children == ["ch_z"]
    assert other["placement.compulsoryPupils"].value == 0


async def test_children_only_within_scope(loaded: Graph) -> None:
    outside = indicators.Visibility(conditions=("{c}.regionCode STARTS WITH $scope_region",),
                                    params={"scope_region": "140406"})
    r = await _report(loaded, visibility=outside)
    assert r["roster.schoolAge"].value == 10  # the figures do not change
    assert all(result.children == [] for result in r.values())
    assert all(not i.child for result in r.values() for i in result.items)
    nobody = await _report(loaded, visibility=indicators.Visibility(sees_children=False))
    assert nobody["enrolment.compulsory"].numerator == 6
    assert all(result.children == [] for result in nobody.values())


QUERY = """query ($region: String!, $year: Int!, $asOf: Date) {
  indicators(region: $region, year: $year, asOf: $asOf) {
    region regionName year from to census asOf
    indicators { key name english unit numerator numeratorUnit denominator value target targetOp
      meetsTarget
      status source definition definitionChinese childrenVisible childIds
      items { kind id label flagged values { key value } }
    }
  }
}"""


def _subject(role: str, department: str, region: str) -> Subject:
    return Subject(kind="client", id=f"test-{role}", department=department, region=region,
                   roles=frozenset({role}))


async def _graphql(graph: Graph, settings: Settings, subject: Subject,
                   region: str = "140404") -> dict[str, Any]:
    outcome = await execute(graph, settings, QUERY,
                            {"region": region, "year": YEAR, "asOf": AS_OF.isoformat()},
                            subject=subject)
    assert outcome.errors == []
    data: dict[str, Any] = outcome.data["indicators"]
    return data


async def test_graphql_supervisor_sees_children(loaded: Graph, settings: Settings) -> None:
    data = await _graphql(loaded, settings, _subject("supervisor", "EDU", "140400"))
    assert (data["from"], data["to"], data["census"]) == ("2025-09-01", "2026-08-31",
                                                          "2025-09-01")
    by_key = {i["key"]: i for i in data["indicators"]}
    assert set(by_key) == {d.key for d in DEFINITIONS}
    rate = by_key["enrolment.compulsory"]
    assert (rate["numerator"], rate["denominator"], rate["target"], rate["targetOp"]) == (
        6, 7, 0.97, ">=")
    assert rate["childIds"] == ["ch_n"] and rate["childrenVisible"] is True
    assert rate["source"] == "000 一(一); 001 一"


async def test_graphql_figures_role_gets_figures_only(loaded: Graph, settings: Settings) -> None:
    data = await _graphql(loaded, settings, _subject("figures", "FIN", "140400"))
    for item in data["indicators"]:
        assert item["childIds"] == [] and item["childrenVisible"] is False
        assert all(row["kind"] != "Child" for row in item["items"])
    by_key = {i["key"]: i for i in data["indicators"]}
    assert by_key["funding.specialSchools"]["numerator"] == 700000.0
    assert by_key["funding.specialSchools"]["numeratorUnit"] == "yuan"
    assert by_key["homeDelivery.subsidy"]["numeratorUnit"] == "count"  # visits
    assert by_key["classes.overLimit"]["items"][0]["id"] == "cls_2"  # classes are figures


async def test_graphql_other_county_sees_figures_not_children(
    loaded: Graph, settings: Settings
) -> None:
    data = await _graphql(loaded, settings, _subject("edu-officer", "EDU", "140406"))
    by_key = {i["key"]: i for i in data["indicators"]}
    assert by_key["roster.schoolAge"]["value"] == 10
    assert by_key["roster.schoolAge"]["childIds"] == []


async def test_graphql_hides_lists_of_fact_kinds_the_role_does_not_see(
    loaded: Graph, settings: Settings
) -> None:
    data = await _graphql(loaded, settings, _subject("health-officer", "HEALTH", "140404"))
    by_key = {i["key"]: i for i in data["indicators"]}
    assert by_key["dropout.open"]["childIds"] == []  # health does not see dropout cases
    assert by_key["enrolment.compulsory"]["childIds"] == ["ch_n"]


async def test_graphql_status_says_no_data(loaded: Graph, settings: Settings) -> None:
    subject = _subject("supervisor", "EDU", "140400")
    by_key = {i["key"]: i for i in (await _graphql(loaded, settings, subject, "140406"))[
        "indicators"]}
    classes = by_key["classes.overLimit"]
    assert (classes["status"], classes["meetsTarget"]) == ("NO_DATA", None)
    assert by_key["enrolment.compulsory"]["status"] == "NOT_MET"
    assert by_key["roster.schoolAge"]["status"] == "NO_TARGET"
    county = {i["key"]: i for i in (await _graphql(loaded, settings, subject))["indicators"]}
    assert (county["placement.homeDelivery"]["status"],
            county["placement.homeDelivery"]["meetsTarget"]) == ("MET", True)


FIGURES = ("key numerator denominator value target status meetsTarget childrenVisible")


@pytest.mark.parametrize("region", ["140404", "140400", "140000"])
async def test_figures_do_not_depend_on_the_lists(loaded: Graph, region: str) -> None:
    # A document that reads no list is computed without them (issue 14): the figures and the
    # rows that are not children stay the same.
    with_lists = await indicators.compute(loaded, region, YEAR, as_of=AS_OF)
    figures = await indicators.compute(loaded, region, YEAR, as_of=AS_OF,
                                       visibility=indicators.Visibility(sees_children=False))
    assert [r.definition.key for r in figures.results] == [
        r.definition.key for r in with_lists.results]
    for a, b in zip(with_lists.results, figures.results, strict=True):
        assert (a.numerator, a.denominator, a.value, a.status) == (
            b.numerator, b.denominator, b.value, b.status), a.definition.key
        assert [i for i in a.items if not i.child] == b.items, a.definition.key


@pytest.mark.parametrize(("ask", "fragments"), [
    ("indicators { " + FIGURES + " childIds }", ""),
    ("indicators { " + FIGURES + " behind: childIds }", ""),
    ("...Lists", "fragment Lists on IndicatorReport { indicators { " + FIGURES + " childIds } }"),
    ("... on IndicatorReport { indicators { ...Ids } }",
     "fragment Ids on Indicator { " + FIGURES + " childIds }"),
])
async def test_graphql_lists_are_read_however_the_document_asks(
    loaded: Graph, settings: Settings, ask: str, fragments: str
) -> None:
    document = (f"query ($region: String!, $year: Int!, $asOf: Date) {{ indicators(region: "
                f"$region, year: $year, asOf: $asOf) {{ {ask} }} }} {fragments}")
    figures_only = ("query ($region: String!, $year: Int!, $asOf: Date) { indicators(region: "
                    "$region, year: $year, asOf: $asOf) { indicators { " + FIGURES + " } } }")
    subject = _subject("supervisor", "EDU", "140400")
    variables = {"region": "140404", "year": YEAR, "asOf": AS_OF.isoformat()}
    listed = await execute(loaded, settings, document, variables, subject=subject)
    plain = await execute(loaded, settings, figures_only, variables, subject=subject)
    assert listed.errors == [] and plain.errors == []
    by_key = {i["key"]: i for i in listed.data["indicators"]["indicators"]}
    ids = by_key["enrolment.compulsory"].get("childIds", by_key["enrolment.compulsory"].get(
        "behind"))
    assert ids == ["ch_n"]
    assert [{k: v for k, v in i.items() if k in FIGURES.split()}
            for i in listed.data["indicators"]["indicators"]] == plain.data["indicators"][
                "indicators"]


async def test_graphql_computes_only_the_indicators_asked(
    loaded: Graph, settings: Settings
) -> None:
    document = (f'query ($keys: [String!]) {{ indicators(region: "140404", year: {YEAR}, '
                f'asOf: "{AS_OF}", keys: $keys) {{ indicators {{ key childIds }} }} }}')
    subject = _subject("supervisor", "EDU", "140400")
    one = await execute(loaded, settings, document, {"keys": ["enrolment.compulsory"]},
                        subject=subject)
    assert one.errors == [] and one.round_trips == 1
    assert one.data["indicators"]["indicators"] == [
        {"key": "enrolment.compulsory", "childIds": ["ch_n"]}]
    wrong = await execute(loaded, settings, document, {"keys": ["enrolment.nope"]},
                          subject=subject)
    assert wrong.codes == ["BAD_USER_INPUT"]
    assert "enrolment.nope" in wrong.errors[0]["message"]
    many = await execute(loaded, settings, document, {"keys": [f"x{n}" * 500 for n in range(50)]},
                         subject=subject)
    assert many.codes == ["BAD_USER_INPUT"] and len(many.errors[0]["message"]) < 300


async def test_the_audit_names_only_the_lists_read(
    loaded: Graph, audit_settings: Settings  # noqa: F811
) -> None:
    # A supervisor reading the figures discloses no child; opening one list discloses, and the
    # audit names, that list's children and no other (the console's page did both in one).
    where = f'region: "140404", year: {YEAR}, asOf: "{AS_OF}"'
    figures = f"{{ indicators({where}) {{ indicators {{ key numerator }} }} }}"
    one_list = (f'{{ indicators({where}, keys: ["enrolment.compulsory"]) '
                "{ indicators { key childIds } } }")
    supervisor = await register(loaded, "EDU", "140400", ["supervisor"])
    async with serve(audit_settings) as (client, app):
        token = await token_for(client, supervisor)
        for query in (figures, one_list):
            response = await gql(client, token, query, purpose="SUPERVISION")
            assert response.status_code == 200 and "errors" not in response.json()
        reads = await events(loaded, app, kind="graphql")
    assert [sorted(e.get("children") or []) for e in reads] == [[], ["ch_n"]]


async def test_graphql_rejects_unknown_region(graph: Graph, settings: Settings) -> None:
    outcome = await execute(graph, settings, QUERY, {"region": "999999", "year": 2025})
    assert outcome.codes == ["BAD_USER_INPUT"]


async def test_one_query_per_family(loaded: Graph, settings: Settings) -> None:
    # One per family, except those sharing the census-day passes: two for the four of them.
    outcome = await execute(loaded, settings, QUERY,
                            {"region": "140404", "year": YEAR, "asOf": AS_OF.isoformat()})
    assert outcome.errors == []
    assert outcome.round_trips == indicators.ROUND_TRIPS == len(indicators.FAMILIES) - 2
    for cypher, _ in outcome.queries:
        assert "140404" not in cypher and "2025" not in cypher  # values travel as parameters


def test_docs_page_is_generated_from_the_registry() -> None:
    page = Path(__file__).parent.parent / "docs" / "indicators.md"
    assert page.read_text(encoding="utf-8") == markdown() + "\n", (
        "docs/indicators.md is stale: run `python -m hub.indicators.registry > "
        "docs/indicators.md`"
    )


def test_every_definition_cites_a_source() -> None:
    for d in DEFINITIONS:
        assert d.source and d.chinese and d.english
        # Chinese beside every English text (the workbook and GraphQL show both).
        assert d.numerator_zh and d.children_zh, d.key
        assert (d.denominator is None) == (d.denominator_zh is None), d.key
        assert bool(d.note) == bool(d.note_zh), d.key
        assert (d.op is None) == (d.target is None) or d.unit == "yuan", d.key


def test_school_year_ages_and_days() -> None:
    year = indicators.SchoolYear(2025)
    assert (year.start.isoformat(), year.end.isoformat()) == ("2025-09-01", "2026-08-31")
    earliest, latest = year.born(6, 14)
    assert (earliest.isoformat(), latest.isoformat()) == ("2010-09-01", "2019-08-31")



def test_a_past_year_is_taken_on_its_last_teaching_day() -> None:
    year = indicators.SchoolYear(2025)
    # In the summer holiday and after it: the last teaching day (15 July), not 31 August.
    for today in (dt.date(2026, 8, 1), dt.date(2026, 8, 31), dt.date(2027, 3, 1)):
        assert indicators.default_as_of(year, today) == dt.date(2026, 7, 15), today
    assert indicators.default_as_of(year, dt.date(2026, 3, 1)) == dt.date(2026, 3, 1)
    assert indicators.default_as_of(year, dt.date(2026, 7, 15)) == dt.date(2026, 7, 15)
    book = RuleBook(RulesFile(regions={
        "140400": {"spring_term_ends": "07-10"},
        "140404": {"last_teaching_days": {2025: dt.date(2026, 7, 3)}},
    }))
    today = dt.date(2026, 8, 15)
    assert indicators.default_as_of(year, today, book.for_region("140400")) == dt.date(
        2026, 7, 10)
    assert indicators.default_as_of(year, today, book.for_region("140404")) == dt.date(
        2026, 7, 3)  # the county's exact day wins; other years follow the city's 07-10
    assert book.for_region("140404").last_teaching_day(indicators.SchoolYear(2024)) == dt.date(
        2025, 7, 10)


@pytest.mark.parametrize("overrides", [
    {"spring_term_ends": "09-01"}, {"spring_term_ends": "7-15"}, {"spring_term_ends": "02-30"},
    {"last_teaching_days": {2025: "2025-07-15"}},
])
def test_term_dates_are_checked(overrides: dict[str, Any]) -> None:
    with pytest.raises(indicators.RulesError):
        RuleBook(RulesFile(regions={"140404": overrides}))


async def test_report_of_a_past_year_defaults_to_its_last_teaching_day(
    loaded: Graph, settings: Settings, tmp_path: Path
) -> None:
    book = RuleBook(RulesFile(regions={"140404": {"spring_term_ends": "07-08"}}))
    report = await indicators.compute(loaded, "140404", 2024)  # 2024-09..2025-08: over
    assert report.as_of == dt.date(2025, 7, 15)
    report = await indicators.compute(loaded, "140404", 2024, book=book)
    assert report.as_of == dt.date(2025, 7, 8)
    outcome = await execute(loaded, settings, "{ indicators(region: \"140404\", year: 2024) "
                            "{ asOf } }")
    assert outcome.errors == [] and outcome.data["indicators"]["asOf"] == "2025-07-15"
    rules = tmp_path / "rules.yaml"
    rules.write_text('regions:\n  "140404":\n    last_teaching_days: {2024: 2025-07-04}\n')
    local = settings.model_copy(update={"indicator_rules": rules})
    outcome = await execute(loaded, local, "{ indicators(region: \"140404\", year: 2024) "
                            "{ asOf } }")
    assert outcome.errors == [] and outcome.data["indicators"]["asOf"] == "2025-07-04"


def test_graphql_fields_are_described(settings: Settings) -> None:
    from schema.api import build_schema

    schema = build_schema(settings)._schema
    for name in ("indicators", "stalledTransitions", "openDropoutCases"):
        field = schema.query_type.fields[name]  # type: ignore[union-attr]
        assert field.description, name
        assert all(arg.description for arg in field.args.values()), name
    status = schema.type_map["IndicatorStatus"]
    assert status.description and all(
        v.description for v in status.values.values())  # type: ignore[attr-defined]
    for type_name in ("IndicatorReport", "Indicator", "IndicatorItem", "NamedValue"):
        named = schema.type_map[type_name]
        assert named.description, type_name
        assert all(f.description for f in named.fields.values()), type_name  # type: ignore[attr-defined]


@pytest.mark.parametrize("region", ["140404", "140400", "140000"])
async def test_a_family_alone_reads_as_in_the_shared_pass(loaded: Graph, region: str) -> None:
    # The census-day pass sends the parts asked for: each family's figures, children and rows
    # are the same whether it is computed alone or beside the others (issue 14).
    together = await indicators.compute(loaded, region, YEAR, as_of=AS_OF)
    every = {r.definition.key: r for r in together.results}
    for family in indicators.FAMILIES:
        alone = await indicators.compute(loaded, region, YEAR, as_of=AS_OF, families=(family,))
        assert alone.results, family
        for r in alone.results:
            assert r == every[r.definition.key], r.definition.key


# Placements around a census day (1 September 2025): open or ended, before, on or after it, and
# ended because the pupil left the roll, last listed before the census day or on it.
CENSUS = dt.date(2025, 9, 1)
AROUND = [
    ("open_before", dt.date(2024, 9, 1), None, None, None),
    ("open_on", CENSUS, None, None, None),
    ("open_after", dt.date(2025, 9, 2), None, None, None),
    ("ended_before", dt.date(2023, 9, 1), dt.date(2025, 6, 30), "TRANSFERRED", None),
    ("ended_on", dt.date(2023, 9, 1), CENSUS, "GRADUATED", None),
    ("ended_after", dt.date(2023, 9, 1), dt.date(2025, 9, 2), "TRANSFERRED", None),
    ("left_listed_before", dt.date(2023, 9, 1), dt.date(2025, 9, 10), "LEFT_ROLL",
     dt.date(2025, 6, 20)),
    ("left_listed_on", dt.date(2023, 9, 1), dt.date(2025, 9, 10), "LEFT_ROLL", CENSUS),
    ("left_before", dt.date(2023, 9, 1), dt.date(2025, 3, 10), "LEFT_ROLL",
     dt.date(2025, 1, 20)),
]


async def test_the_census_seek_finds_what_holds_status_says(graph: Graph) -> None:
    # holding_status (open placements by their label, ended ones by the end day's index) finds
    # the placements that holds_status, tested on every placement, says held school status.
    await graph.write(
        "UNWIND $rows AS row CREATE (c:Child {id: 'ch_' + row.id, regionCode: '140404'}) "
        "CREATE (c)-[:HAS_FACT]->(:Fact:Placement {id: row.id, date: row.date, "
        "endDate: row.endDate, endReason: row.reason, listedOn: row.listedOn, "
        "type: 'REGULAR_CLASS', stage: 'PRIMARY'})",
        {"rows": [{"id": i, "date": d, "endDate": e, "reason": r, "listedOn": listed}
                  for i, d, e, r, listed in AROUND]})
    await sync_all(graph)  # written raw: the pointers and the open-placement labels
    for day in (dt.date(2025, 3, 1), CENSUS, dt.date(2025, 9, 5), dt.date(2025, 9, 10)):
        params = {"day": day, "leftRoll": LEFT_ROLL}
        tested = await graph.run("MATCH (p:Placement) WHERE " + holds_status("p", "$day")
                                 + " RETURN p.id AS id ORDER BY id", params)
        sought = await graph.run("CALL () { " + holding_status("p", "$day") + " } "
                                 "RETURN p.id AS id ORDER BY id", params)
        assert sought == tested, day
    on_census = await graph.run("CALL () { " + holding_status("p", "$day") + " } "
                                "RETURN p.id AS id ORDER BY id",
                                {"day": CENSUS, "leftRoll": LEFT_ROLL})
    assert [r["id"] for r in on_census] == ["ended_after", "left_listed_on", "open_before",
                                            "open_on"]
