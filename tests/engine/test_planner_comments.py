"""The planner on comments: a developer's comment, edit or delete reaching the ticket (by the
helpdesk's capabilities), and which agent notes go to the issue."""

from __future__ import annotations

import pytest

from syncd.connector import Capability
from syncd.engine.actions import ActionKind
from syncd.engine.devside import plan_edit_refused
from syncd.engine.planner import plan
from syncd.model import ChangeKind, Ref
from tests.engine.planner_kit import ISSUE, TICKET, comment_on, link, rules


def test_developer_comment_becomes_internal_note() -> None:
    (a,) = plan(comment_on(ISSUE, "Found the bug", public=True), rules())
    assert a.kind == ActionKind.ADD_COMMENT and a.target == TICKET and not a.public
    assert "Found the bug" in (a.body or "") and a.source is not None


def test_developer_edit_without_edit_capability_adds_note() -> None:
    copy = Ref.comment("zendesk", "555")
    (a,) = plan(comment_on(ISSUE, "v2", public=True, new=False, copies=(copy,)), rules())
    assert a.kind == ActionKind.ADD_COMMENT and "edited" in (a.body or "")


def test_developer_edit_with_edit_capability_edits_copy() -> None:
    copy = Ref.comment("zendesk", "555")
    r = rules(frozenset({Capability.COMMENT_EDIT, Capability.COMMENT_DELETE}))
    (a,) = plan(comment_on(ISSUE, "v2", public=True, new=False, copies=(copy,)), r)
    assert a.kind == ActionKind.EDIT_COMMENT and a.target == copy and "v2" in (a.body or "")
    (d,) = plan(
        comment_on(ISSUE, "", public=True, kind=ChangeKind.COMMENT_DELETED, copies=(copy,)), r
    )
    assert d.kind == ActionKind.DELETE_COMMENT and d.target == copy


def test_an_edited_reply_to_the_customer_is_told_to_the_agent_not_rewritten() -> None:
    # the customer has the reply (by e-mail): rewriting it in the internal note's form would
    # show them the issue's link and the developer's name, and some helpdesks edit notes only
    copy = Ref.comment("zendesk", "555")
    r = rules(frozenset({Capability.COMMENT_EDIT, Capability.COMMENT_DELETE}))
    edited = comment_on(ISSUE, "/customer Fixed in 4.3", public=True, new=False, copies=(copy,))
    (a,) = plan(edited, r)
    assert a.kind == ActionKind.ADD_COMMENT and not a.public and a.target == TICKET
    assert "edited" in (a.body or "") and "Fixed in 4.3" in (a.body or "")


def test_an_edit_the_helpdesk_refuses_reaches_the_agent_as_a_note() -> None:
    copy = Ref.comment("zendesk", "555")
    r = rules(frozenset({Capability.COMMENT_EDIT}))
    (edit,) = plan(comment_on(ISSUE, "v2", public=True, new=False, copies=(copy,)), r)
    (note,) = plan_edit_refused(link(), edit, "PermanentError: notes only", r)
    assert note.kind == ActionKind.ADD_COMMENT and note.target == TICKET and not note.public
    assert "v2" in (note.body or "") and "notes only" in (note.body or "")
    assert plan_edit_refused(link(), note, "any", r) == []  # only an edit of a ticket's copy


def test_developer_delete_without_capability_adds_note() -> None:
    copy = Ref.comment("zendesk", "555")
    (a,) = plan(
        comment_on(ISSUE, "", public=True, kind=ChangeKind.COMMENT_DELETED, copies=(copy,)), rules()
    )
    assert a.kind == ActionKind.ADD_COMMENT and "deleted" in (a.body or "")


def test_agent_note_with_prefix_goes_to_issue() -> None:
    (a,) = plan(comment_on(TICKET, "/dev logs attached, see line 4", public=False), rules())
    assert a.kind == ActionKind.ADD_COMMENT and a.target == ISSUE
    assert not a.public  # an internal note never becomes public on the tracker
    assert "logs attached, see line 4" in (a.body or "") and "/dev" not in (a.body or "")


@pytest.mark.parametrize(
    "body,public",
    [
        ("just a private thought", False),
        ("/dev but public", True),
        ("Dear customer, thanks", True),
    ],
)
def test_other_ticket_comments_stay(body: str, public: bool) -> None:
    assert plan(comment_on(TICKET, body, public=public), rules()) == []
