"""Jira attachments over the emulator, Cloud and Data Center: the multipart endpoint with
Jira's XSRF header and size limit, answers in the shape of Jira's own, files read back, a
retry that attaches nothing twice, and new attachments seen in webhooks."""

from __future__ import annotations

import json

import httpx
import pytest

from connectors.jira import webhooks
from connectors.jira.emulator.attachments import MAX_BYTES
from connectors.jira.files import files_from_raw
from connectors.jira.webhooks import Context
from syncd.connector import Capability
from syncd.connector_files import Attachments, Upload
from syncd.errors import FileTooLarge
from syncd.model import ChangeKind, FileRef, Ref

from .conftest import SAMPLES, Served

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def attach_as_human(
    served: Served, key: str, name: str, content: bytes, **headers: str
) -> httpx.Response:
    with served.human() as h:
        return h.post(
            f"issue/{key}/attachments",
            files={"file": (name, content, "image/png")},
            headers=headers,
        )


def test_the_endpoint_wants_the_xsrf_header_and_keeps_the_size_limit(served: Served) -> None:
    key = served.emu.human_create("Attach here")
    assert attach_as_human(served, key, "a.png", PNG).status_code == 403
    ok = attach_as_human(served, key, "a.png", PNG, **{"X-Atlassian-Token": "no-check"})
    assert ok.status_code == 200 and [a["filename"] for a in ok.json()] == ["a.png"]
    big = b"\0" * (MAX_BYTES + 1)
    huge = attach_as_human(served, key, "b.bin", big, **{"X-Atlassian-Token": "no-check"})
    assert huge.status_code == 413


@pytest.mark.vendor_samples
def test_an_attachment_has_the_shape_of_jiras(served: Served) -> None:
    sample = json.loads((SAMPLES / "rest-server-v2" / "attachment" / "valid.json").read_text())
    key = served.emu.human_create("Shape")
    (made,) = attach_as_human(
        served, key, "snipe.png", PNG, **{"X-Atlassian-Token": "no-check"}
    ).json()
    assert set(sample) <= set(made)
    assert made["size"] == len(PNG) and made["mimeType"] == "image/png"
    with served.human() as h:
        assert h.get(f"attachment/{made['id']}").json()["content"] == made["content"]
        fields = h.get(f"issue/{key}", params={"fields": "attachment"}).json()["fields"]
        assert [a["id"] for a in fields["attachment"]] == [made["id"]]
        assert h.get(made["content"]).content == PNG


def test_files_attach_then_a_comment_names_them(served: Served) -> None:
    conn = served.connector()
    assert Capability.ATTACHMENTS in conn.capabilities and isinstance(conn, Attachments)
    key = served.emu.human_create("Files from support")
    issue = Ref.issue("jira", key)
    files = [Upload("screen.png", "image/png", PNG), Upload("log.txt", "text/plain", b"log")]
    made = conn.add_files(issue, files, body="Files from the ticket", public=False, key="f-1")
    assert made.marker == "f-1" and not made.public
    seen = conn.get_issue(issue).files
    assert [f.name for f in seen] == ["screen.png", "log.txt"] and all(f.by_syncd for f in seen)
    assert conn.read_file(seen[0], 10_000) == PNG
    with pytest.raises(FileTooLarge):
        conn.read_file(seen[0], 10)
    # a retry after a crash between the files and the comment attaches nothing again
    conn.add_files(issue, files, body="Files from the ticket", public=False, key="f-2")
    assert len(conn.get_issue(issue).files) == 2


def test_a_developers_attachment_arrives_in_the_webhook(served: Served) -> None:
    conn = served.connector()
    key = served.emu.human_create("Developer files")
    served.emu.files.attach("alice", key, [("plan.txt", "text/plain", b"step 1")], "2")
    _, headers, body = served.emu.control.webhooks.captured[-1]
    result = conn.parse_webhook(headers, body)
    (change,) = [c for c in result.changes if c.kind == ChangeKind.UPSERT]
    assert change.issue is not None and "files" not in change.partial
    (plan,) = change.issue.files
    assert plan.name == "plan.txt" and plan.size == 6 and not plan.by_syncd


@pytest.mark.vendor_samples
def test_jiras_own_attachment_and_webhook_samples_map() -> None:
    raw = json.loads((SAMPLES / "rest-server-v2" / "attachment" / "valid.json").read_text())
    (shot,) = files_from_raw([raw], bot=("someone-else",))
    assert shot == FileRef(
        id="10031",
        name="snipe.png",
        content_type="image/png",
        size=31020,
        url="http://localhost:8090/jira/secure/attachment/10031/snipe.png",
    )
    assert files_from_raw([raw], bot=("admin",))[0].by_syncd  # a Server account by name
    hook = (SAMPLES / "webhooks" / "webhook-issue-updated-attachments.json").read_bytes()
    ctx = Context(connector="jira", base_url="https://jira.example.com", priorities={})
    (change,) = [c for c in webhooks.parse(ctx, {}, hook).changes if c.issue is not None]
    assert change.issue is not None and change.issue.files == () and "files" not in change.partial
