"""Jira's comments and changes against both flavours of the emulator: internal comments,
comment paging, polling pages without repeats, and webhooks for syncd's own writes."""

from __future__ import annotations

from connectors.jira import webhooks
from syncd.model import ChangeKind, IssueDraft, Priority
from tests.connectors.contract import drain_pages
from tests.connectors.jira.conftest import Served, new_key

# -- comments -----------------------------------------------------------------------------


def test_internal_comments_stay_internal(served: Served) -> None:
    conn = served.connector(service_management=True)
    made = conn.create_issue("WID", IssueDraft(title="t", body="b"), key=new_key())
    internal = conn.add_comment(made.ref, "secret *note*", public=False, key="k-int")
    public = conn.add_comment(made.ref, "hello", public=True, key="k-pub")
    stored = {c["id"]: c for c in served.emu.issue(made.ref.key).comments}
    raw_internal = stored[internal.ref.key.split("/")[1]]
    assert raw_internal["visibility"] == {"type": "role", "value": "Developers"}
    assert raw_internal["properties"]["sd.public.comment"] == {"internal": True}
    assert stored[public.ref.key.split("/")[1]]["visibility"] is None
    assert not internal.public and public.public and internal.by_syncd
    edited = conn.edit_comment(internal.ref, made.ref, "still secret")
    assert not edited.public and edited.marker == "k-int" and edited.body == "still secret"
    # a developer's JSM-internal comment and a group-restricted one read as internal
    served.emu.human_comment(made.ref.key, "jsm internal", internal=True)
    served.emu.human_comment(
        made.ref.key, "group", visibility={"type": "group", "value": "developers"}
    )
    by_body = {c.body: c for c in conn.comments(made.ref)}
    assert not by_body["jsm internal"].public and not by_body["group"].public
    assert not by_body["group"].by_syncd


def test_comment_paging(served: Served) -> None:
    conn = served.connector()
    made = conn.create_issue("WID", IssueDraft(title="t", body="b"), key=new_key())
    for n in range(105):
        served.emu.store.issues[served.emu.issue(made.ref.key).id].comments.append(
            {
                "id": str(900000 + n),
                "author": "bob",
                "update_author": "bob",
                "body": f"c{n}"
                if served.flavour == "datacenter"
                else {
                    "type": "doc",
                    "version": 1,
                    "content": [
                        {"type": "paragraph", "content": [{"type": "text", "text": f"c{n}"}]}
                    ],
                },
                "created": served.emu.store.now(),
                "updated": served.emu.store.now(),
                "visibility": None,
                "properties": {},
            }
        )
    assert [c.body for c in conn.comments(made.ref)][-1] == "c104"


# -- changes ------------------------------------------------------------------------------


def test_poll_pages_and_overlap_never_repeat(served: Served) -> None:
    before = dict(served.emu.control.requests)  # the emulator is shared: count this test's own
    conn = served.connector(poll_page_size=2)
    _, cursor, _ = drain_pages(conn, None)
    _, cursor, _ = drain_pages(conn, cursor)  # absorb whatever earlier tests left in the window
    refs = [
        served.connector()
        .create_issue("WID", IssueDraft(title=f"p{n}", body="b"), key=new_key())
        .ref
        for n in range(5)
    ]
    served.emu.human_comment(refs[0].key, "polled comment")
    changes, cursor, pages = drain_pages(conn, cursor)
    upserts = [c.ref for c in changes if c.kind == ChangeKind.UPSERT]
    assert set(refs) <= set(upserts) and len(upserts) == len(set(upserts))
    assert pages >= 3
    assert any(c.kind == ChangeKind.COMMENT and c.comment.body == "polled comment" for c in changes)
    again, _, _ = drain_pages(conn, cursor)
    assert again == []
    requests = {k: n - before.get(k, 0) for k, n in served.emu.control.requests.items()}
    requests = {k: n for k, n in requests.items() if n}
    if served.flavour == "cloud":
        assert requests["POST /rest/api/{n}/search/jql"] > 0
        assert not any(k.endswith("/search") for k in requests)  # removed on Cloud
    else:
        assert requests["GET /rest/api/{n}/search"] > 0


def test_webhooks_fire_for_syncd_writes_and_human_priority(served: Served) -> None:
    conn = served.connector()
    made = conn.create_issue("WID", IssueDraft(title="t", body="b"), key=new_key())
    events = [e for e, _, _ in served.emu.control.webhooks.captured[-3:]]
    assert "jira:issue_created" in events
    served.emu.human_priority(made.ref.key, "Highest")
    _, headers, body = served.emu.control.webhooks.captured[-1]
    conn.verify_webhook(headers, body)
    change = conn.parse_webhook(headers, body).changes[0]
    assert change.kind == ChangeKind.UPSERT and change.issue.priority == Priority.URGENT
    assert change.actor in ("alice", "5b10a2844c20165700ede21g")
    conn.add_comment(made.ref, "from syncd", public=True, key=new_key())
    comment_events = [
        conn.parse_webhook(h, b) for e, h, b in served.emu.control.webhooks.captured[-2:]
    ]
    mine = [c.comment for r in comment_events for c in r.changes if c.kind == ChangeKind.COMMENT]
    assert mine and all(c.by_syncd and c.body == "from syncd" for c in mine)
    if served.flavour == "cloud":
        assert webhooks.IDENTIFIER in {k.lower() for k in headers}
