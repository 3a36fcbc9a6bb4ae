"""The services' rules that need no database: inputs, organisation kinds, idempotency keys."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from hub.errors import BadUserInput, Forbidden
from hub.services import PlaceChild, RecordServiceSession
from hub.services.common import OrganisationKind, check_department, new_fact, today
from hub.services.idempotency import fingerprint, scoped_key
from hub.services.placements import check_organisation
from hub.subject import SYSTEM, Subject
from hub.vocabulary import PlacementType

EDU = Subject(kind="client", id="edu-1", department="EDU", region="140404")
HEALTH = Subject(kind="client", id="health-1", department="HEALTH", region="140404")

ORDINARY = OrganisationKind(frozenset({"Organisation", "School"}), "PRIMARY")
SPECIAL = OrganisationKind(frozenset({"Organisation", "School"}), "SPECIAL")
WELFARE = OrganisationKind(frozenset({"Organisation", "WelfareInstitution"}), None)
CENTRE = OrganisationKind(frozenset({"Organisation", "ResourceCenter"}), None)

FITS = {
    PlacementType.REGULAR_CLASS: {ORDINARY},
    PlacementType.SPECIAL_CLASS: {ORDINARY},
    PlacementType.SPECIAL_SCHOOL: {SPECIAL},
    PlacementType.HOME_DELIVERY: {ORDINARY, SPECIAL, WELFARE},
    PlacementType.REMOTE: {ORDINARY, SPECIAL, WELFARE},
    PlacementType.WELFARE_CLASS: {WELFARE},
}


@pytest.mark.parametrize("placement_type", list(PlacementType))
@pytest.mark.parametrize("organisation", [ORDINARY, SPECIAL, WELFARE, CENTRE])
def test_placement_types_and_organisations(
    placement_type: PlacementType, organisation: OrganisationKind
) -> None:
    if organisation in FITS[placement_type]:
        check_organisation(placement_type, organisation)
    else:
        with pytest.raises(BadUserInput) as raised:
            check_organisation(placement_type, organisation)
        assert raised.value.field == "organisationId"


def test_inputs_name_the_graphql_field() -> None:
    values = {"childId": "ch_1", "organisationId": "sch_1", "placementType": "REGULAR_CLASS",
              "stage": "PRIMARY", "startDate": "2025-09-01"}
    assert PlaceChild.model_validate(values).start_date == dt.date(2025, 9, 1)
    for wrong in ({"placementType": "BOARDING"}, {"startDate": "2024-02-30"},
                  {"childId": " "}, {"studentNumber": "G 1"}):
        with pytest.raises(ValidationError) as raised:
            PlaceChild.model_validate(values | wrong)
        assert raised.value.errors()[0]["loc"] == (next(iter(wrong)),)


def test_session_hours_and_dates() -> None:
    values = {"childId": "ch_1", "kind": "HOME_DELIVERY", "date": "2025-01-02", "hours": 2,
              "organisationId": "sch_1"}
    assert RecordServiceSession.model_validate(values).content == ()
    for wrong in ({"hours": 0}, {"hours": 8.01}, {"hours": float("nan")},
                  {"date": (today() + dt.timedelta(days=1)).isoformat()}):
        with pytest.raises(ValidationError) as raised:
            RecordServiceSession.model_validate(values | wrong)
        assert raised.value.errors()[0]["loc"] == (next(iter(wrong)),)


def test_departments_record_their_own_facts() -> None:
    assert check_department(EDU, "Placement").prefix == "plc"
    assert check_department(SYSTEM, "Placement").prefix == "plc"
    with pytest.raises(Forbidden):
        check_department(HEALTH, "Placement")


def test_new_fact_provenance() -> None:
    fact_id, props = new_fact(check_department(EDU, "Plan"), EDU, dt.date(2025, 1, 2))
    assert fact_id.startswith("pln_") and len(fact_id) == 20
    assert props == {"id": fact_id, "date": dt.date(2025, 1, 2), "recordedBy": "EDU",
                     "recordedIn": "140404", "source": "api", "sourceKey": fact_id,
                     "sourceRef": "api/" + fact_id}
    assert new_fact(check_department(EDU, "Plan"), EDU, dt.date(2025, 1, 2))[0] != fact_id


def test_idempotency_keys_are_scoped_and_fingerprinted() -> None:
    assert scoped_key(EDU, "placeChild", "k") == "edu-1:placeChild:k"
    with pytest.raises(BadUserInput):
        scoped_key(EDU, "placeChild", "")
    with pytest.raises(BadUserInput):
        scoped_key(EDU, "placeChild", "x" * 201)
    assert fingerprint("a", {"x": 1, "y": 2}) == fingerprint("a", {"y": 2, "x": 1})
    assert fingerprint("a", {"x": 1}) != fingerprint("b", {"x": 1})
    assert fingerprint("a", {"x": 1}) != fingerprint("a", {"x": 2})
