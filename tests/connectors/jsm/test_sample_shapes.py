"""Atlassian's published service desk API examples map to what syncd reads, and the emulated
Jira's service desk answers (both flavours) validate against Atlassian's OpenAPI description
(its schemas forbid properties they do not name). Marked ``vendor_samples``: skipped, with
the reason, when the samples are absent."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema
import pytest

from connectors.jsm import mapping
from tests.connectors.jsm.conftest import SAMPLES, Served
from tests.connectors.jsm.test_contract import Harness

OPENAPI = SAMPLES / "openapi" / "service-management.request-subset.json"
EXAMPLES = SAMPLES / "openapi" / "examples"

pytestmark = pytest.mark.vendor_samples


@pytest.fixture(autouse=True)
def _jsm_samples() -> None:
    """The samples may predate the JSM folder: say so rather than fail."""
    if not OPENAPI.is_file():
        pytest.skip(f"no Jira Service Management description at {OPENAPI}")


def example(name: str) -> Any:
    return json.loads((EXAMPLES / f"{name}.json").read_text())


@cache
def _spec() -> dict[str, Any]:
    return dict(json.loads(OPENAPI.read_text()))


def validate(instance: Any, schema_name: str) -> None:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": _spec()["components"]}
    jsonschema.validate(instance, schema)


def test_the_examples_validate_against_their_own_description() -> None:
    # the check below is only as good as the schemas: Atlassian's examples pass them
    validate(example("getCustomerRequestByIdOrKey.200"), "CustomerRequestDTO")
    validate(example("getRequestComments.200"), "PagedDTOCommentDTO")
    validate(example("getSlaInformation.200"), "PagedDTOSlaInformationDTO")
    validate(example("getCustomerTransitions.200"), "PagedDTOCustomerTransitionDTO")


def test_sla_example_maps() -> None:
    slas = [mapping.sla_from_raw(s) for s in example("getSlaInformation.200")["values"]]
    first = slas[0]
    assert first.name == "Time To First Response" and first.id == "10030"
    assert first.ongoing is not None and first.ongoing.goal_ms == 14_400_000
    assert first.ongoing.remaining_ms == 8_760_000 and not first.ongoing.paused
    assert len(first.completed) == 2 and first.completed[1].breached and first.breached
    assert first.completed[0].stop is not None and first.completed[0].remaining_ms == 13_980_000
    assert not first.met  # a cycle runs


def test_request_example_dates_and_people_map() -> None:
    request = example("getCustomerRequestByIdOrKey.200")
    created = mapping.date_of(request["createdDate"])
    assert created is not None and int(created.timestamp() * 1000) == 1444290120000
    assert mapping.participant_name(request["reporter"]) == "Fred F. User"
    people = example("getRequestParticipants.200")["values"]
    assert [mapping.participant_name(u) for u in people] == ["Fred F. User"]


@pytest.mark.parametrize("flavour", ["cloud", "datacenter"])
def test_emulated_answers_validate(flavour: str, request: pytest.FixtureRequest) -> None:
    served: Served = request.getfixturevalue(f"jsm_{flavour}")
    h = Harness(served)
    ref = h.human_create("Shapes", "one *bold* word")
    agent, customer = h.agent, h.customer
    validate(agent.get("info").json(), "SoftwareInfoDTO")
    validate(agent.get("servicedesk").json(), "PagedDTOServiceDeskDTO")
    validate(agent.get("servicedesk/1").json(), "ServiceDeskDTO")
    validate(agent.get("servicedesk/1/requesttype").json(), "PagedDTORequestTypeDTO")
    created = customer.post(
        "request",
        json={
            "serviceDeskId": "1",
            "requestTypeId": "11",
            "requestFieldValues": {"summary": "made", "description": "d"},
        },
    )
    assert created.status_code == 201
    validate(created.json(), "CustomerRequestDTO")
    got = agent.get(f"request/{ref.key}?expand=requestType,serviceDesk,participant,sla").json()
    validate(got, "CustomerRequestDTO")
    validate(customer.get("request").json(), "PagedDTOCustomerRequestDTO")
    comment = agent.post(f"request/{ref.key}/comment", json={"body": "hi", "public": False})
    assert comment.status_code == 201
    validate(comment.json(), "CommentDTO")
    validate(agent.get(f"request/{ref.key}/comment").json(), "PagedDTOCommentDTO")
    validate(agent.get(f"request/{ref.key}/comment/{comment.json()['id']}").json(), "CommentDTO")
    validate(agent.get(f"request/{ref.key}/participant").json(), "PagedDTOUserDTO")
    validate(agent.get(f"request/{ref.key}/transition").json(), "PagedDTOCustomerTransitionDTO")
    slas = agent.get(f"request/{ref.key}/sla").json()
    validate(slas, "PagedDTOSlaInformationDTO")
    validate(agent.get(f"request/{ref.key}/sla/1").json(), "SlaInformationDTO")
    missing = agent.get("request/HELP-99999")
    assert missing.status_code == 404
    validate(missing.json(), "ErrorResponse")
    moved = agent.post(
        f"request/{ref.key}/transition",
        json=example("performCustomerTransition.request") | {"id": "901"},
    )
    assert moved.status_code == 204
    assert (
        "fixed the problem" in agent.get(f"request/{ref.key}/comment").json()["values"][-1]["body"]
    )


def test_sla_example_maps_to_the_cores_goals() -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime(2015, 10, 11, 12, 0, 30, tzinfo=UTC)
    slas = [mapping.sla_from_raw(s) for s in example("getSlaInformation.200")["values"]]
    goals = [mapping.neutral_sla(s, now) for s in slas]
    first = goals[0]
    assert first is not None and first.name == "Time To First Response"
    assert first.goal == timedelta(hours=4) and not first.breached and not first.completed
    # the running cycle names no breach time: it breaches when its remaining time runs out
    assert first.breach_at == datetime(2015, 10, 11, 14, 26, tzinfo=UTC)
    assert first.breached is False  # an earlier cycle breached; the promise now running not


@pytest.mark.parametrize("flavour", ["cloud", "datacenter"])
def test_emulated_sla_set_by_a_test_validates(flavour: str, request: pytest.FixtureRequest) -> None:
    from datetime import UTC, datetime, timedelta

    served: Served = request.getfixturevalue(f"jsm_{flavour}")
    h = Harness(served)
    ref = h.human_create("SLA shapes")
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    served.emu.servicedesk.set_sla(ref.key, "Time to resolution", goal=timedelta(hours=2))
    served.emu.servicedesk.set_sla(ref.key, "time to first response", breach_at=soon)
    slas = h.agent.get(f"request/{ref.key}/sla").json()
    validate(slas, "PagedDTOSlaInformationDTO")
    by = {s["name"]: s["ongoingCycle"] for s in slas["values"]}
    assert by["Time to resolution"]["goalDuration"]["millis"] == 7_200_000
    assert by["Time to first response"]["breachTime"]["epochMillis"] == soon.timestamp() * 1000
    served.emu.servicedesk.set_sla(ref.key, "Time to resolution", paused=True)
    paused = h.agent.get(f"request/{ref.key}/sla/2").json()
    validate(paused, "SlaInformationDTO")
    assert paused["ongoingCycle"]["paused"] and "breachTime" not in paused["ongoingCycle"]
    with pytest.raises(KeyError, match="no SLA metric"):
        served.emu.servicedesk.set_sla(ref.key, "Time to lunch", paused=True)
