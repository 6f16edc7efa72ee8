"""Mapped fields, planned: each direction, the ownership rule for conflicts, sets (tags,
labels), a link just made, templates that name mapped fields, and the notes for refusals."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from syncd.engine.actions import Action, ActionKind
from syncd.engine.fieldmap import MESSAGE, mapped
from syncd.engine.fieldplan import plan_field_refused
from syncd.engine.planner import plan_linked
from syncd.templates import day
from tests.engine.field_map_kit import (
    ISSUE,
    T0,
    TICKET,
    issue,
    issue_changed,
    link,
    rules,
    ticket,
    ticket_changed,
)

# -- directions and ownership -------------------------------------------------------------


def test_a_ticket_field_reaches_the_issue_by_the_map() -> None:
    r = rules({"ticket": "Impact", "issue": "Customer Impact", "values": {"high": "High"}})
    (a,) = ticket_changed(
        r, ticket(Impact="low"), ticket(Impact="high"), issue(**{"Customer Impact": "Low"})
    )
    assert a.kind == ActionKind.UPDATE_ISSUE and a.target == ISSUE
    assert a.fields == {"Customer Impact": "High"} and a.route == "widgets"


def test_an_issue_field_reaches_the_ticket_read_backwards() -> None:
    r = rules({"ticket": "Impact", "issue": "Customer Impact", "values": {"high": "High"}})
    (a,) = issue_changed(
        r,
        issue(**{"Customer Impact": "Low"}),
        issue(**{"Customer Impact": "High"}),
        ticket(Impact="low"),
    )
    assert a.kind == ActionKind.UPDATE_TICKET and a.fields == {"Impact": "high"}


def test_one_way_mappings_do_not_cross_back() -> None:
    up = rules({"ticket": "Version", "issue": "versions", "direction": "to_issue"})
    assert (
        issue_changed(up, issue(versions="2.3"), issue(versions="2.4"), ticket(Version="2.3")) == []
    )
    down = rules({"ticket": "Fix", "issue": "fixVersions", "direction": "to_ticket"})
    assert ticket_changed(down, ticket(Fix="1"), ticket(Fix="2"), issue(fixVersions="1")) == []
    (a,) = issue_changed(down, issue(fixVersions=""), issue(fixVersions="2.4"), ticket())
    assert a.fields == {"Fix": "2.4"}


def test_a_one_way_mapping_writes_even_when_the_other_side_changed_later() -> None:
    r = rules({"ticket": "Version", "issue": "versions", "direction": "to_issue"})
    later_issue = issue(at=T0 + timedelta(hours=1), versions="2.3")
    (a,) = ticket_changed(r, ticket(Version="2.3"), ticket(Version="2.4"), later_issue)
    assert a.fields == {"versions": "2.4"}


@pytest.mark.parametrize(
    ("lead", "ticket_at", "issue_writes", "ticket_writes"),
    [
        ("both", T0 + timedelta(minutes=5), True, False),  # the ticket's change is later
        ("both", T0 - timedelta(minutes=5), False, True),  # the issue's change is later
        ("support", T0 - timedelta(minutes=5), True, False),
        ("dev", T0 + timedelta(minutes=5), False, True),
    ],
)
def test_conflicts_follow_the_routes_ownership(
    lead: str, ticket_at: datetime, issue_writes: bool, ticket_writes: bool
) -> None:
    r = rules({"ticket": "Impact", "issue": "Customer Impact"}, ownership={"Impact": lead})
    t, i = ticket(ticket_at, Impact="High"), issue(T0, **{"Customer Impact": "Low"})
    # both sides now differ: the ticket's change and the issue's change each ask to cross
    to_issue = ticket_changed(r, ticket(Impact="Medium"), t, i)
    to_ticket = issue_changed(r, issue(**{"Customer Impact": "Medium"}), i, t)
    assert bool(to_issue) is issue_writes and bool(to_ticket) is ticket_writes


def test_sides_that_agree_through_a_many_to_one_map_do_not_bounce() -> None:
    r = rules({"ticket": "Plan", "issue": "Tier", "values": {"gold": "paid", "silver": "paid"}})
    # the ticket says silver; the issue says paid: in agreement, nothing crosses either way
    assert ticket_changed(r, ticket(Plan="gold"), ticket(Plan="silver"), issue(Tier="paid")) == []
    assert issue_changed(r, issue(Tier="free"), issue(Tier="paid"), ticket(Plan="silver")) == []


def test_fields_a_tracker_did_not_read_are_left_alone() -> None:
    r = rules({"ticket": "Fix", "issue": "fixVersions"})
    assert issue_changed(r, issue(), issue(), ticket(Fix="2.4")) == []


def test_tags_and_labels_cross_as_one_value_of_a_set() -> None:
    sev = {"S1": "severity-1", "S2": "severity-2"}
    r = rules({"ticket": "Severity", "issue": "labels", "values": sev})
    (a,) = ticket_changed(
        r,
        ticket(Severity="S1"),
        ticket(Severity="S2"),
        issue(labels=frozenset({"severity-1", "x"})),
    )
    assert a.add_tags == ("severity-2",) and a.remove_tags == ("severity-1",) and not a.fields
    back = rules({"ticket": "tags", "issue": "Team", "values": {"team-a": "A", "team-b": "B"}})
    (b,) = issue_changed(back, issue(Team="A"), issue(Team="B"), ticket(tags=frozenset({"team-a"})))
    assert b.add_tags == ("team-b",) and b.remove_tags == ("team-a",)


def test_organization_and_tier_are_read_for_the_issue() -> None:
    r = rules({"ticket": "organization", "issue": "Customer", "direction": "to_issue"})
    (a,) = ticket_changed(r, ticket(), ticket(x="1"), issue(Customer=""))
    assert a.fields == {"Customer": "Acme"}


def test_a_failing_transform_is_told_to_the_agent_not_written() -> None:
    r = rules({"ticket": "Points", "issue": "Story Points", "transform": "value | int // 0"})
    (note,) = ticket_changed(
        r, ticket(Points="1"), ticket(Points="3"), issue(**{"Story Points": "1"})
    )
    assert note.kind == ActionKind.UPDATE_TICKET and not note.public and not note.fields
    assert note.body is not None and "'Points' failed on '3'" in note.body


def test_a_link_just_made_fills_each_sides_empty_fields_only() -> None:
    r = rules(
        {"ticket": "Version", "issue": "versions"},
        {"ticket": "Fix", "issue": "fixVersions"},
        {"ticket": "Impact", "issue": "Customer Impact"},
    )
    t = ticket(Version="2.3", Impact="High")
    i = issue(
        at=T0 + timedelta(hours=1), versions="", fixVersions="2.4", **{"Customer Impact": "Low"}
    )
    made = [a for a in plan_linked(link(t, i), r) if a.message == MESSAGE]
    by_kind = {a.kind: a for a in made}
    assert by_kind[ActionKind.UPDATE_ISSUE].fields == {"versions": "2.3"}  # later issue or not
    assert by_kind[ActionKind.UPDATE_TICKET].fields == {"Fix": "2.4"}  # Impact differs: kept


def test_a_link_just_made_tells_the_agent_of_issue_fields_the_tracker_did_not_read() -> None:
    r = rules({"ticket": "Fix", "issue": "Fix Verison", "direction": "to_ticket"})
    (note,) = [a for a in plan_linked(link(ticket(), issue()), r) if a.message == "field_refused"]
    assert not note.public and note.body is not None and "'Fix Verison'" in note.body
    read = rules({"ticket": "Fix", "issue": "fixVersions", "direction": "to_ticket"})
    made = plan_linked(link(ticket(), issue(fixVersions="")), read)
    assert not [a for a in made if a.message == "field_refused"]


def test_redirected_links_and_routes_without_sync_map_nothing() -> None:
    r = rules({"ticket": "Impact", "issue": "Customer Impact"}, sync=False)
    assert (
        ticket_changed(r, ticket(Impact="a"), ticket(Impact="b"), issue(**{"Customer Impact": "a"}))
        == []
    )


# -- templates and refusals ---------------------------------------------------------------


def test_templates_name_mapped_fields_with_their_dates() -> None:
    r = rules({"ticket": "Fix version", "issue": "fixVersions", "direction": "to_ticket"})
    route = r.routes[0]
    i = issue(fixVersions="2.4", dates={"fixVersions": "2027-01-14"})
    seen = mapped(route, ticket(), i, r.tiers)
    assert seen["Fix version"] == {
        "ticket": "",
        "issue": "2.4",
        "value": "2.4",
        "due": "2027-01-14",
    }
    body = r.templates.render(
        "progress",
        {"progress": "planned for {{ f.value }} ({{ f.due | day('%-d %b') }})"},
        f=seen["Fix version"],
    )
    assert body == "planned for 2.4 (14 Jan)"
    assert day("2027-01-14T08:00:00Z") == "14 Jan 2027" and day("soon") == "soon"


def test_a_refused_field_write_is_told_to_the_agent() -> None:
    r = rules({"ticket": "Severity", "issue": "Severity"})
    failed = Action(
        kind=ActionKind.UPDATE_ISSUE,
        key="fields:1:to-issue:x:y",
        lane=str(TICKET),
        target=ISSUE,
        link_id=1,
        fields={"Severity": "S1"},
        message=MESSAGE,
    )
    (note,) = plan_field_refused(link(ticket(), issue()), failed, "no field named 'Severity'", r)
    assert note.kind == ActionKind.UPDATE_TICKET and not note.public and note.target == TICKET
    assert note.body is not None and "Severity = 'S1'" in note.body
    assert "no field named 'Severity'" in note.body and "issue" in note.body
    other = failed.model_copy(update={"message": "support_priority", "fields": {}})
    assert plan_field_refused(link(ticket(), issue()), other, "x", r) == []
