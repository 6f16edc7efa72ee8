"""The outgoing-text gate's reach: every kind of action and every text field of an action and
its draft is redacted toward a public tracker, unless listed as verbatim here on purpose.

A field or kind added later fails these tests until it is either covered (the default: the
gate redacts every text it finds) or listed below with its reason."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from enum import Enum
from typing import Any

import pytest
from pydantic import BaseModel

from connectors.zendesk import factory as zendesk
from syncd.engine.actions import Action, ActionKind
from syncd.engine.gate import QUIET, VERBATIM, carries_text, outgoing
from syncd.engine.redact import MASK
from syncd.model import FileRef, Frozen, IssueDraft, Ref
from syncd.workflow import Privacy

PII = "ada@customer.example +44 20 7946 0958 4111 1111 1111 1111"
SECRETS = ("ada@customer.example", "7946", "4111")
PUBLIC = Privacy(public=True)
PROJECT = Ref.project("github", "acme/widgets")
ISSUE = Ref.issue("github", "acme/widgets#7")

# reviewed one by one: each is an identifier or a name from the config, never prose
EXPECTED_VERBATIM = {
    Action: {
        "key": "the idempotency key syncd finds its writes by",
        "lane": "a ticket ref, local",
        "route": "a route name from the config",
        "status": "the engine's status vocabulary",
        "status_over": "the engine's status vocabulary",
        "link_state": "the engine's link states, local",
        "tier": "a support tier name from the config",
        "marker": "the key of a comment kept in place",
        "message": "a template name, local",
        "add_tags": "label names from the config and the engine",
        "remove_tags": "label names from the config and the engine",
    },
    IssueDraft: {
        "labels": "label names from the route",
        "issue_type": "an issue type the tracker must know",
        "components": "component names the tracker must know",
        "assignee": "an account the tracker must know",
        "origin_url": "the link back to the ticket",
    },
    FileRef: {
        "id": "the vendor's id of a file, read back by it",
        "url": "where the connector reads the file from",
        "content_type": "a media type the tracker stores the file under",
    },
}
EXPECTED_QUIET = {
    ActionKind.VERIFY_ISSUE,
    ActionKind.RELINK,
    ActionKind.LINK_ISSUE,
    ActionKind.SEARCH_DUPLICATES,
    ActionKind.SET_LINK,
    ActionKind.DELETE_COMMENT,
    ActionKind.CATCH_UP,
    ActionKind.SHARE_HISTORY,  # a read: its text is written later, by an UPSERT_COMMENT
}


def test_the_verbatim_fields_and_quiet_kinds_are_the_reviewed_ones() -> None:
    assert {m: set(f) for m, f in VERBATIM.items()} == {
        m: set(f) for m, f in EXPECTED_VERBATIM.items()
    }
    assert set(QUIET) == EXPECTED_QUIET


def _fill(annotation: Any, where: str) -> Any:
    """A value of ``annotation`` full of personal data wherever it can hold text."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        real = [a for a in args if a is not type(None)]
        return _fill(real[0], where)
    if annotation is str:
        return f"{where}: {PII}"
    if annotation in (int, bool):
        return 1 if annotation is int else True
    if annotation is Ref:
        return ISSUE
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _model(annotation)
    if isinstance(annotation, type) and issubclass(annotation, str):  # a StrEnum
        return next(iter(annotation))  # type: ignore[call-overload]
    if origin in (tuple, frozenset, list, set):
        return origin([_fill(args[0], where)])
    if origin is dict:
        return {"field": _fill(args[1], where)}
    pytest.fail(f"{where}: no rule to fill a {annotation!r}; teach the gate tests this type")


def _model(cls: type[BaseModel], **given: Any) -> Any:
    hints = typing.get_type_hints(cls)
    values = {
        name: _fill(hints[name], f"{cls.__name__}.{name}")
        for name in cls.model_fields
        if name not in given
    }
    if issubclass(cls, Action):  # every field at once: more than any one kind takes
        return cls.model_construct(**(values | given))
    return cls.model_validate(values | given)


def _texts(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every text in ``value`` with the path of its field."""
    if isinstance(value, Ref | Enum):
        return
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _texts(getattr(value, name), f"{type(value).__name__}.{name}")
    elif isinstance(value, tuple | list | frozenset | set):
        for v in value:
            yield from _texts(v, path)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _texts(v, path)


def _verbatim(path: str) -> bool:
    model, _, name = path.partition(".")
    return any(m.__name__ == model and name in fields for m, fields in EXPECTED_VERBATIM.items())


def test_every_text_field_of_an_action_and_its_draft_is_redacted() -> None:
    action = _model(Action, kind=ActionKind.CREATE_ISSUE, target=PROJECT)
    out, redacted = outgoing(action, {}, PUBLIC)
    assert redacted is not None
    checked = 0
    for path, text in _texts(out):
        if _verbatim(path):
            assert text == f"{path}: {PII}", f"{path} is verbatim but was changed"
            continue
        checked += 1
        assert not any(s in text for s in SECRETS), f"{path} reached the tracker: {text!r}"
        assert MASK in text
    assert checked >= 6  # body, reason, source..., draft title, body, origin_title, fields
    assert {"draft.title", "draft.body", "draft.origin_title", "body"} <= set(redacted.fields)


@pytest.mark.parametrize("kind", list(ActionKind))
def test_every_kind_that_writes_passes_the_gate(kind: ActionKind) -> None:
    draft = IssueDraft(title=f"Crash for {PII}", body=f"Call {PII}")
    # every field at once, whatever the kind takes: the gate must not depend on the kind
    action = Action.model_construct(
        kind=kind, key="k", lane="zendesk:ticket:1", target=ISSUE, draft=draft
    )
    action = action.model_copy(update={"body": f"note: {PII}"})
    out, redacted = outgoing(action, {}, PUBLIC)
    if kind in EXPECTED_QUIET:
        assert out is action and redacted is None
        return
    assert redacted is not None and redacted.counts == {"card": 1, "email": 1, "phone": 1}
    assert out.body == f"note: {MASK} {MASK} {MASK}"
    assert out.draft is not None and not any(s in out.draft.title for s in SECRETS)


class Attachment(Frozen):
    """What an attachment will look like: a file name (text) and its bytes."""

    filename: str
    content: bytes


class DraftWithFiles(IssueDraft):
    attachments: tuple[Attachment, ...] = ()


class ActionWithFiles(Action):
    attachments: tuple[Attachment, ...] = ()


def test_a_field_added_later_is_redacted_without_being_named() -> None:
    files = (Attachment(filename="ada@customer.example (call).txt", content=b"ada@x.example"),)
    draft = DraftWithFiles(title="t", body="b", attachments=files)
    action = ActionWithFiles.model_construct(
        kind=ActionKind.ADD_COMMENT, key="k", lane="l", target=ISSUE, attachments=files
    )
    out, _ = outgoing(action, {}, PUBLIC)
    assert isinstance(out, ActionWithFiles)
    assert out.attachments[0].filename == f"{MASK} (call).txt"
    assert out.attachments[0].content == b"ada@x.example"  # bytes are not scanned
    out2, _ = outgoing(
        Action.model_construct(
            kind=ActionKind.CREATE_ISSUE, key="k", lane="l", target=PROJECT, draft=draft
        ),
        {},
        PUBLIC,
    )
    assert isinstance(out2.draft, DraftWithFiles)
    assert out2.draft.attachments[0].filename == f"{MASK} (call).txt"
    assert out2.key == "k"  # the subclass keeps its parent's verbatim fields


def test_writes_to_a_helpdesk_are_never_redacted() -> None:
    conn = zendesk(
        "zendesk",
        {"kind": "zendesk", "base_url": "http://127.0.0.1:9", "email": "a@b.c", "api_token": "t"},
    )
    ticket = Ref.ticket("zendesk", 1)
    writes = [
        Action(kind=ActionKind.UPDATE_TICKET, key="k", lane="l", target=ticket, body=PII),
        Action(kind=ActionKind.ADD_COMMENT, key="k", lane="l", target=ticket, body=PII),
        Action(
            kind=ActionKind.EDIT_COMMENT,
            key="k",
            lane="l",
            target=Ref.comment("zendesk", 7),
            parent=ticket,
            body=PII,
        ),
    ]
    for a in writes:
        assert outgoing(a, {"zendesk": conn}, Privacy(redact="always")) == (a, None)
    conn.close()


@pytest.mark.parametrize(
    "privacy,redacted",
    [
        (Privacy(public=True), True),
        (Privacy(public=False), False),
        (Privacy(redact="always", public=False), True),
        (Privacy(redact="never", public=True), False),
    ],
)
def test_the_route_decides_over_the_tracker(privacy: Privacy, redacted: bool) -> None:
    a = Action(kind=ActionKind.ADD_COMMENT, key="k", lane="l", target=ISSUE, body=PII)
    out, report = outgoing(a, {}, privacy)
    assert (report is not None) is redacted
    assert (out.body != PII) is redacted


def test_a_tracker_syncd_does_not_know_counts_as_public() -> None:
    a = Action(kind=ActionKind.ADD_COMMENT, key="k", lane="l", target=ISSUE, body=PII)
    out, report = outgoing(a, {}, Privacy())
    assert report is not None and report.public is True and out.body == f"{MASK} {MASK} {MASK}"


def test_nothing_to_redact_leaves_the_action_alone() -> None:
    a = Action(kind=ActionKind.ADD_COMMENT, key="k", lane="l", target=ISSUE, body="version 4.2")
    assert outgoing(a, {}, PUBLIC) == (a, None)


def test_only_actions_with_text_need_the_routes_rules() -> None:
    label = Action(
        kind=ActionKind.UPDATE_ISSUE, key="k", lane="l", target=ISSUE, add_tags=("impact:1",)
    )
    assert not carries_text(label)
    assert carries_text(label.model_copy(update={"body": "x"}))
    assert carries_text(_model(Action, kind=ActionKind.CREATE_ISSUE, target=PROJECT))
