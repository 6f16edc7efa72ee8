"""Jira deliveries read as JSM ticket changes: the payloads Jira Cloud and Server/DC really
sent (``vendor-samples/jira/webhooks``, marked ``vendor_samples``) parse for a service
project, comments whose visibility the delivery states are taken as they come, the others
have the request read again; hostile deliveries are refused with the field named (built in
Jira's documented shape, so a plain clone runs them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connectors.jira.settings import DEFAULT_PRIORITIES
from connectors.jsm import webhooks
from connectors.jsm.settings import DEFAULT_STATUSES
from syncd.errors import WebhookError
from syncd.model import ChangeKind, Ref, TicketStatus
from tests.conftest import sample_files
from tests.payloads import jira_comment, jira_event


def ctx(*projects: str) -> webhooks.Context:
    return webhooks.Context(
        connector="jsm",
        base_url="https://acme.atlassian.net",
        projects=frozenset(projects or ("WID",)),
        statuses=DEFAULT_STATUSES,
        priorities=DEFAULT_PRIORITIES,
        bot=("syncd-bot",),
    )


def parse(doc: dict[str, Any], context: webhooks.Context | None = None) -> Any:
    return webhooks.parse(context or ctx(), {}, json.dumps(doc).encode())


@pytest.mark.vendor_samples
@pytest.mark.parametrize("path", sample_files("jira/webhooks", "webhook-*.json"))
def test_every_captured_delivery_reads_as_ticket_changes(path: Path) -> None:
    doc = json.loads(path.read_text())
    key = (doc.get("issue") or {}).get("key")
    project = key.rsplit("-", 1)[0] if key else "NONE"
    result = parse(doc, ctx(project))
    for change in result.changes:
        assert change.ref.kind.value == "ticket" and change.ref.key == key
        if change.kind == ChangeKind.UPSERT:
            assert change.ticket is not None and change.ticket.url.endswith(f"/browse/{key}")
        if change.kind == ChangeKind.COMMENT:
            # only a delivery that says whether the customer sees it is taken as it comes
            assert "jsdPublic" in doc["comment"] and change.comment is not None
            assert change.comment.public is (doc["comment"]["jsdPublic"] is True)
    if doc["webhookEvent"].startswith("comment_") and key and "jsdPublic" not in doc["comment"]:
        assert [c.kind for c in result.changes] == [ChangeKind.TOUCHED]
    # another project's issue is none of this connector's business
    assert parse(doc, ctx("HELP")).changes == [] or key is None


def test_a_request_snapshot_with_its_customer() -> None:
    doc = jira_event("jira:issue_created", "issue_created")
    fields = doc["issue"]["fields"]
    fields["reporter"] = {"accountId": "qm:1", "displayName": "Ada Lovelace"}
    fields["status"] = {"name": "Waiting for customer", "statusCategory": {"key": "indeterminate"}}
    (change,) = parse(doc).changes
    assert change.kind == ChangeKind.UPSERT and change.ticket is not None
    assert change.ticket.status == TicketStatus.PENDING
    assert change.ticket.requester == "Ada Lovelace" and "requester" not in change.partial
    del fields["reporter"]
    (partial,) = parse(doc).changes
    assert "requester" in partial.partial


def test_internal_and_public_comments_of_cloud() -> None:
    internal = {**jira_comment("dev note"), "jsdPublic": False}
    doc = jira_event("comment_created", None, comment=internal)
    (change,) = parse(doc).changes
    assert change.kind == ChangeKind.COMMENT and change.comment is not None
    assert not change.comment.public and change.comment.parent == Ref.ticket("jsm", "WID-7")
    public = jira_event("comment_created", None, comment=jira_comment("thanks"))
    assert parse(public).changes[0].comment.public


def test_a_comment_without_visibility_has_the_request_read_again() -> None:
    comment = jira_comment("who sees me?")
    del comment["jsdPublic"]
    doc = jira_event("jira:issue_updated", "issue_commented", comment=comment)
    kinds = [c.kind for c in parse(doc).changes]
    assert kinds == [ChangeKind.UPSERT, ChangeKind.TOUCHED]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.pop("comment"), "comment"),
        (lambda d: d["issue"].update(key="not a key"), "issue.key"),
        (lambda d: d["comment"].update(jsdPublic="yes"), "comment.jsdPublic"),
        (lambda d: d["issue"]["fields"].update(reporter=["ada"]), "issue.fields.reporter"),
    ],
)
def test_hostile_deliveries_are_refused_with_the_field_named(change: Any, field: str) -> None:
    doc = jira_event("comment_created", None, comment=jira_comment())
    change(doc)
    with pytest.raises(WebhookError) as err:
        parse(doc)
    assert err.value.status == 400 and field in err.value.reason


def test_a_forged_signature_is_refused() -> None:
    body = json.dumps(jira_event()).encode()
    good = {"X-Hub-Signature": webhooks.sign("s3cret", body)}
    webhooks.verify("s3cret", good, body)
    for headers in ({}, {"X-Hub-Signature": webhooks.sign("other", body)}):
        with pytest.raises(WebhookError) as err:
            webhooks.verify("s3cret", headers, body)
        assert err.value.status == 401
