"""Mapped fields, planned: value maps and transforms (with hypothesis where a property
holds for any value), each direction, the ownership rule for conflicts, sets (tags, labels),
a link just made, templates that name mapped fields, and the notes for refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from syncd.engine.actions import Action, ActionKind, LinkView
from syncd.engine.fieldmap import MESSAGE, TransformError, convert, mapped, same
from syncd.engine.fieldplan import plan_field_refused
from syncd.engine.planner import Rules, Situation, plan, plan_linked
from syncd.field_settings import FieldMap
from syncd.model import Change, ChangeKind, Issue, LinkState, Ref, Ticket
from syncd.settings import Match, Route, Target
from syncd.templates import Templates, day

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
TICKET = Ref.ticket("helpdesk", "101")
ISSUE = Ref.issue("tracker", "WID-7")
text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=","), max_size=12)


def rules(*maps: dict[str, Any], **route: Any) -> Rules:
    r = Route(
        name="widgets",
        match=Match(tags=["escalate"]),
        target=Target(connector="tracker", project="WID"),
        fields=[FieldMap.model_validate(m) for m in maps],
        **route,
    )
    return Rules(routes=(r,), templates=Templates(), capabilities={})


def ticket(at: datetime = T0, tags: frozenset[str] = frozenset(), **fields: str) -> Ticket:
    return Ticket(ref=TICKET, updated_at=at, tags=tags, fields=fields, organization="Acme")


def issue(at: datetime = T0, **fields: Any) -> Issue:
    extra = {k: fields.pop(k) for k in ("milestone", "labels", "dates") if k in fields}
    return Issue(ref=ISSUE, updated_at=at, fields=fields, **extra)


def link(t: Ticket | None, i: Issue | None, state: LinkState = LinkState.ACTIVE) -> LinkView:
    return LinkView(
        id=1,
        ticket=TICKET,
        issue=ISSUE,
        route="widgets",
        mode="pending",
        state=state,
        ticket_snapshot=t,
        issue_snapshot=i,
    )


def ticket_changed(r: Rules, before: Ticket, after: Ticket, i: Issue) -> list[Action]:
    s = Situation(
        change=Change(kind=ChangeKind.UPSERT, ref=TICKET, ticket=after),
        delta=frozenset({"fields", "tags"}),
        before=before,
        links=(link(before, i),),
        seq=3,
    )
    return [a for a in plan(s, r) if a.message in (MESSAGE, "field_refused")]


def issue_changed(r: Rules, before: Issue, after: Issue, t: Ticket) -> list[Action]:
    s = Situation(
        change=Change(kind=ChangeKind.UPSERT, ref=ISSUE, issue=after),
        delta=frozenset({"fields", "milestone", "labels"}),
        before=before,
        links=(link(t, before),),
        seq=4,
    )
    return [a for a in plan(s, r) if a.message in (MESSAGE, "field_refused")]


# -- value maps and transforms ------------------------------------------------------------


@given(value=text)
def test_without_map_or_transform_a_value_crosses_as_it_is(value: str) -> None:
    m = FieldMap(ticket="Version", issue="versions")
    assert convert(m, value, "to_issue") == value and convert(m, value, "to_ticket") == value


@given(pairs=st.dictionaries(text.filter(bool), text.filter(bool), min_size=1, max_size=6))
def test_a_value_map_read_backwards_returns_to_its_first_key(pairs: dict[str, str]) -> None:
    m = FieldMap(ticket="Impact", issue="Customer Impact", values=pairs)
    for key, value in pairs.items():
        assert convert(m, key, "to_issue") == value
        back = convert(m, value, "to_ticket")
        assert back is not None and pairs[back] == value  # the first key for that value


def test_unmapped_values_cross_unless_the_map_is_closed() -> None:
    m = FieldMap(ticket="Impact", issue="Customer Impact", values={"low": "Low"})
    assert convert(m, "medium", "to_issue") == "medium"
    closed = m.model_copy(update={"pass_unmapped": False})
    assert convert(closed, "medium", "to_issue") is None
    assert convert(closed, "", "to_issue") == ""  # an emptied field still empties


@given(value=text)
def test_transform_runs_after_the_map_in_a_sandbox(value: str) -> None:
    m = FieldMap(
        ticket="Version",
        issue="versions",
        values={"latest": "2.4"},
        transform="'v' ~ value if direction == 'to_issue' else value | replace('v', '', 1)",
    )
    expected = "v" + ("2.4" if value == "latest" else value) if value else ""
    assert convert(m, value, "to_issue") == expected
    assert convert(m, "v" + value, "to_ticket") is not None


def test_an_empty_value_stays_empty_whatever_the_transform() -> None:
    m = FieldMap(ticket="Version", issue="versions", transform="'v' ~ value")
    assert convert(m, "", "to_issue") == "" and convert(m, "2", "to_issue") == "v2"


def test_transform_sees_the_records_and_the_due_date() -> None:
    m = FieldMap(ticket="Due", issue="fixVersions", transform="value ~ ' (' ~ due ~ ')'")
    assert convert(m, "2.4", "to_ticket", due="2027-01-14") == "2.4 (2027-01-14)"


def test_a_transform_that_fails_says_which_mapping_and_value() -> None:
    m = FieldMap(ticket="Points", issue="Story Points", transform="value | int // 0")
    with pytest.raises(TransformError, match="'Points' failed on '3'"):
        convert(m, "3", "to_issue")
    sandboxed = FieldMap(ticket="X", issue="Y", transform="value.__class__.__mro__")
    with pytest.raises(TransformError):
        convert(sandboxed, "3", "to_issue")


def test_config_is_checked_when_it_loads() -> None:
    with pytest.raises(ValidationError, match="not a jinja2 expression"):
        FieldMap(ticket="X", issue="Y", transform="value |")
    with pytest.raises(ValidationError, match="read-only on the ticket"):
        FieldMap(ticket="organization", issue="Customer")
    with pytest.raises(ValidationError, match="labels is a set"):
        FieldMap(ticket="Severity", issue="labels", direction="to_issue")
    assert FieldMap(ticket="field:organization", issue="Customer").ticket_custom
    with pytest.raises(ValidationError, match="named twice"):
        rules({"ticket": "A", "issue": "x"}, {"ticket": "A", "issue": "y"})


@given(a=st.lists(text.filter(lambda v: v.strip() == v and bool(v)), max_size=4))
def test_lists_compare_without_order(a: list[str]) -> None:
    assert same(", ".join(a), ",".join(reversed(a)))


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
