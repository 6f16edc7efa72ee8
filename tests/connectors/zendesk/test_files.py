"""Zendesk files over the emulator: uploads in Zendesk's shape and limit, a comment that
attaches them (found again by its key), content read back within a limit, and credentials
kept from hosts outside the account."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connectors.zendesk.emulator import ZendeskEmulator
from connectors.zendesk.emulator.uploads import MAX_BYTES
from syncd.connector import Capability
from syncd.connector_files import Attachments, Upload
from syncd.errors import FileTooLarge
from syncd.model import FileRef, Ref
from syncd.testing.server import ServerThread

from .conftest import ZendeskHarness
from .test_emulator_schema import check, example

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


@pytest.fixture
def bot(served: tuple[ZendeskEmulator, str]) -> Iterator[httpx.Client]:
    _, url = served
    auth = ("syncd@example.com/token", "syncd-token")
    with httpx.Client(base_url=url, auth=auth, timeout=30) as client:
        yield client


def upload(client: httpx.Client, name: str, content: bytes, **params: str) -> httpx.Response:
    return client.post(
        "/api/v2/uploads.json",
        params={"filename": name, **params},
        content=content,
        headers={"Content-Type": "image/png"},
    )


@pytest.mark.vendor_samples
def test_an_upload_answers_in_zendesks_shape(bot: httpx.Client) -> None:
    first = upload(bot, "crash.png", PNG)
    assert first.status_code == 201
    check(first.json(), "/api/v2/uploads", "post", "201")
    body = first.json()["upload"]
    assert set(example("AttachmentUploadResponseExample")["upload"]) == set(body)
    assert set(example("AttachmentUploadResponseExample")["upload"]["attachment"]) <= set(
        body["attachment"]
    )
    assert body["attachment"]["size"] == len(PNG) and body["attachment"]["file_name"] == "crash.png"
    second = upload(bot, "log.txt", b"x", token=body["token"]).json()["upload"]
    assert second["token"] == body["token"] and len(second["attachments"]) == 2
    assert bot.get(body["attachment"]["content_url"]).content == PNG


def test_uploads_are_refused_past_50_mb_or_without_a_name(bot: httpx.Client) -> None:
    assert upload(bot, "big.bin", b"\0" * (MAX_BYTES + 1)).status_code == 413
    nameless = bot.post("/api/v2/uploads.json", content=b"x")
    assert nameless.status_code == 422


def test_files_attach_with_a_comment_found_by_its_key(harness: ZendeskHarness) -> None:
    conn = harness.connector
    assert Capability.ATTACHMENTS in conn.capabilities and isinstance(conn, Attachments)
    ticket = harness.human_create("With files")
    files = [Upload("crash.png", "image/png", PNG), Upload("notes.txt", "text/plain", b"hi")]
    made = conn.add_files(ticket, files, body="From the developers", public=False, key="k-1")
    assert made.marker == "k-1" and not made.public and made.by_syncd
    assert [f.name for f in made.files or ()] == ["crash.png", "notes.txt"]
    assert all(f.by_syncd for f in made.files or ())
    again = conn.find_comment(ticket, "k-1")
    assert again is not None and [f.size for f in again.files or ()] == [len(PNG), 2]
    shot = (made.files or ())[0]
    assert conn.read_file(shot, 10_000) == PNG
    with pytest.raises(FileTooLarge):
        conn.read_file(shot, 100)


def test_the_credentials_never_go_to_another_host(harness: ZendeskHarness) -> None:
    seen: list[str | None] = []

    async def file(request: Request) -> Response:
        seen.append(request.headers.get("authorization"))
        return Response(b"elsewhere", media_type="text/plain")

    app = Starlette(routes=[Route("/f", file)])
    with ServerThread(app) as other:
        elsewhere = other.url.replace("127.0.0.1", "localhost")
        ref = FileRef(id="1", name="f.txt", url=f"{elsewhere}/f")
        assert harness.connector.read_file(ref, 100) == b"elsewhere"
    assert seen == [None]


def test_a_webhook_comment_leaves_its_files_to_be_read(harness: ZendeskHarness) -> None:
    ticket: Ref = harness.human_create("Webhook files")
    harness.emu.add_comment(int(ticket.key), "see file", files=(("a.png", PNG),))
    found = harness.last_webhook()
    assert found is not None
    result: Any = harness.connector.parse_webhook(*found)
    comments = [c.comment for c in result.changes if c.comment is not None]
    assert comments and comments[-1].files is None
    listed = [c for c in harness.connector.comments(ticket) if c.files]
    assert [f.name for f in listed[-1].files or ()] == ["a.png"]
