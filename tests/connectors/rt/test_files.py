"""Request Tracker files, against the real RT 5 and the emulator alike: a customer's file on a
reply is listed with its comment and read back byte for byte, and syncd attaches files to a
comment in one REST2 call (``Attachments`` in base64), found again by its key."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from syncd.connector import Capability
from syncd.connector_files import Attachments, Upload
from syncd.errors import FileTooLarge

from .harness import RTHarness, RTTarget
from .shapes import sentence, shape

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def test_a_customers_file_is_listed_and_read_back(harness: RTHarness) -> None:
    conn = harness.connector
    assert Capability.ATTACHMENTS in conn.capabilities and isinstance(conn, Attachments)
    ticket = harness.human_create("files from the customer")
    sent = harness.human.post(
        f"/ticket/{ticket.key}/correspond",
        json={
            "Content": "screenshot attached",
            "ContentType": "text/plain",
            "Attachments": [
                {
                    "FileName": "screen.png",
                    "FileType": "image/png",
                    "FileContent": base64.b64encode(PNG).decode(),
                }
            ],
        },
    )
    assert sent.status_code == 201, sent.text
    (with_file,) = [c for c in conn.comments(ticket) if c.files]
    assert with_file.body == "screenshot attached" and with_file.public
    (shot,) = with_file.files or ()
    assert shot.name == "screen.png" and shot.content_type == "image/png"
    assert with_file.attachments == ("screen.png",) and not shot.by_syncd
    assert conn.read_file(shot, 10_000) == PNG
    with pytest.raises(FileTooLarge):
        conn.read_file(shot, 100)


def test_syncd_attaches_files_to_a_comment_found_by_its_key(harness: RTHarness) -> None:
    conn = harness.connector
    ticket = harness.human_create("files from the developers")
    files = [Upload("plan.txt", "text/plain", b"step 1\n"), Upload("shot.png", "image/png", PNG)]
    made = conn.add_files(ticket, files, body="Files from the issue", public=False, key="rt-f1")
    assert made.marker == "rt-f1" and not made.public and made.by_syncd
    found = conn.find_comment(ticket, "rt-f1")
    assert found is not None and found.ref == made.ref
    (listed,) = [c for c in conn.comments(ticket) if c.ref == made.ref]
    assert [f.name for f in listed.files or ()] == ["plan.txt", "shot.png"]
    assert all(f.by_syncd for f in listed.files or ())
    by_name = {f.name: f for f in listed.files or ()}
    assert conn.read_file(by_name["shot.png"], 10_000) == PNG
    assert conn.read_file(by_name["plan.txt"], 100) == b"step 1\n"


def test_an_attachment_without_its_content_is_refused(harness: RTHarness) -> None:
    ticket = harness.human_create("bad attachment")
    bad = harness.human.post(
        f"/ticket/{ticket.key}/comment",
        json={"Content": "x", "ContentType": "text/plain", "Attachments": [{"FileName": "a"}]},
    )
    assert bad.status_code == 400
    assert "FileType is a required field for each attachment in Attachments" in bad.text


def _file_session(target: RTTarget) -> dict[str, Any]:
    """A reply with a file, its transaction's attachments and the file itself, as answered."""
    out: dict[str, Any] = {}
    with target.agent() as agent:
        made = agent.post(
            "/ticket",
            json={
                "Queue": "General",
                "Subject": "shapes",
                "Content": "x",
                "ContentType": "text/plain",
            },
        )
        tid = made.json()["id"]
        sent = agent.post(
            f"/ticket/{tid}/correspond",
            json={
                "Content": "see file",
                "ContentType": "text/plain",
                "Attachments": [
                    {
                        "FileName": "a.png",
                        "FileType": "image/png",
                        "FileContent": base64.b64encode(PNG).decode(),
                    }
                ],
            },
        )
        out["correspond"] = (sent.status_code, [sentence(m) for m in sent.json()])
        txn = sent.headers["Location"].rsplit("/", 1)[-1]
        listed = agent.get(
            f"/transaction/{txn}/attachments",
            params={"fields": "Content,ContentType,Filename,TransactionId", "per_page": 100},
        ).json()
        files = [a for a in listed["items"] if a.get("Filename")]
        out["file_item"] = shape({k: v for k, v in files[0].items() if k != "Content"})
        full = agent.get(f"/attachment/{files[0]['id']}").json()
        out["file"] = sorted(full)
        out["content"] = base64.b64decode(full["Content"])
        bad = agent.post(
            f"/ticket/{tid}/comment",
            json={"Content": "x", "ContentType": "text/plain", "Attachments": [{"FileName": "a"}]},
        )
        out["refused"] = (bad.status_code, sentence(bad.json()["message"]))
    return out


def test_the_emulator_answers_files_as_the_real_rt_does(
    rt_real: RTTarget, rt_emulator: RTTarget
) -> None:
    real, emulated = _file_session(rt_real), _file_session(rt_emulator)
    assert real["content"] == emulated["content"] == PNG
    for part in ("correspond", "file_item", "refused"):
        assert emulated[part] == real[part], part
    assert real["file"] == emulated["file"]
