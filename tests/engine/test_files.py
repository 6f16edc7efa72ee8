"""Which files cross, pure: the route's policy (size, types, a public project), a comment's
files by privacy, files newly attached to an issue, and the signed links to served files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from syncd.attachment_settings import FilePolicy
from syncd.engine.actions import ActionKind, LinkView
from syncd.engine.file_copy import read_token, token
from syncd.engine.files import from_issue, from_ticket_comment, refused_note
from syncd.engine.history_link import Signer, Verdict
from syncd.engine.planner import Rules, Situation, plan
from syncd.model import Change, ChangeKind, Comment, FileRef, Issue, LinkState, Ref
from syncd.settings import Route, Target
from syncd.templates import Templates

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
TICKET = Ref.ticket("helpdesk", "101")
ISSUE = Ref.issue("tracker", "WID-7")
SHOT = FileRef(id="9", name="screen.png", content_type="image/png", size=4000, url="u")


def rules(**policy: Any) -> Rules:
    route = Route(
        name="r",
        target=Target(connector="tracker", project="WID"),
        attachments=FilePolicy(**policy),
    )
    return Rules(routes=(route,), templates=Templates(), attachments=FilePolicy(max_size=2000000))


def link(state: LinkState = LinkState.ACTIVE) -> LinkView:
    return LinkView(id=5, ticket=TICKET, issue=ISSUE, route="r", mode="pending", state=state)


def comment(body: str, *, public: bool, files: tuple[FileRef, ...] | None = (SHOT,)) -> Comment:
    return Comment(
        ref=Ref.comment("helpdesk", "77"), parent=TICKET, body=body, public=public, files=files
    )


def test_the_policy_refuses_by_size_extension_and_content_type() -> None:
    p = FilePolicy(max_size="1KB", extensions=[".PNG", "log"], content_types=["image/*"])
    assert p.refusal(SHOT.model_copy(update={"size": 900})) is None
    assert p.refusal(SHOT) == "larger than 1.0KB"
    assert p.refusal(SHOT.model_copy(update={"size": None}), size=1001) == "larger than 1.0KB"
    small = SHOT.model_copy(update={"size": 10})
    assert p.refusal(small.model_copy(update={"name": "a.exe"})) == "type .exe is not allowed"
    log = small.model_copy(update={"name": "a.log", "content_type": "text/plain"})
    assert p.refusal(log) == "content type text/plain is not allowed"
    assert FilePolicy(enabled=False).refusal(small) == "files do not cross on this route"
    with pytest.raises(ValidationError):
        FilePolicy(max_size=0)


def test_a_route_overrides_only_the_keys_it_gives() -> None:
    root = FilePolicy(max_size="5MB", extensions=["png"], public_projects=True)
    merged = root.within(FilePolicy(max_size="1MB"))
    assert merged.max_size == 1_000_000 and merged.extensions == ["png"]
    assert merged.public_projects is True and merged.link_ttl == timedelta(days=7)
    assert rules(max_size="1MB").files_of("r").max_size == 1_000_000
    assert rules().files_of("r").max_size == 2_000_000  # the root's
    assert rules().files_of(None).max_size == 2_000_000


def test_a_customers_files_cross_an_internal_notes_only_with_the_note() -> None:
    r = rules()
    (public,) = from_ticket_comment(link(), comment("hi", public=True), r, note_copied=False)
    assert public.kind == ActionKind.COPY_FILES and public.public and public.target == ISSUE
    assert public.files == (SHOT,) and public.source == Ref.comment("helpdesk", "77")
    assert public.key == "files:helpdesk:comment:77:tracker:issue:WID-7"
    note = comment("private", public=False)
    assert from_ticket_comment(link(), note, r, note_copied=False) == []
    (copied,) = from_ticket_comment(link(), note, r, note_copied=True)
    assert copied.public is False
    assert (
        from_ticket_comment(link(), comment("x", public=True, files=()), r, note_copied=False) == []
    )
    assert (
        from_ticket_comment(
            link(LinkState.DETACHED), comment("x", public=True), r, note_copied=False
        )
        == []
    )
    assert (
        from_ticket_comment(
            link(), comment("x", public=True), rules(enabled=False), note_copied=False
        )
        == []
    )


def test_the_planner_copies_a_new_comments_files_even_when_its_text_stays() -> None:
    r = rules()
    unknown = comment("see attached", public=True, files=None)  # a webhook that names none
    s = Situation(
        change=Change(kind=ChangeKind.COMMENT, ref=TICKET, comment=unknown), links=(link(),)
    )
    (only,) = plan(s, r)  # the route copies no public replies: only the files go
    assert only.kind == ActionKind.COPY_FILES and only.files is None
    note = comment("/dev look at this", public=False)
    s = Situation(change=Change(kind=ChangeKind.COMMENT, ref=TICKET, comment=note), links=(link(),))
    kinds = [a.kind for a in plan(s, r)]
    assert kinds == [ActionKind.ADD_COMMENT, ActionKind.COPY_FILES]
    edited = Situation(
        change=Change(kind=ChangeKind.COMMENT, ref=TICKET, comment=note),
        links=(link(),),
        comment_is_new=False,
    )
    assert all(a.kind != ActionKind.COPY_FILES for a in plan(edited, r))


def test_new_files_on_an_issue_reach_its_tickets_but_not_syncds_own() -> None:
    before = Issue.model_validate({"ref": ISSUE.model_dump(), "files": [SHOT.model_dump()]})
    mine = FileRef(id="11", name="back.png", by_syncd=True)
    dev = FileRef(id="12", name="plan.txt")
    after = before.model_copy(update={"files": (SHOT, mine, dev)})
    (a,) = from_issue([link()], before, after, rules())
    assert a.target == TICKET and a.files == (dev,) and a.public is False
    assert from_issue([link(LinkState.RESOLVED)], before, after, rules()) == []
    # a snapshot kept before files were read: nothing looks new
    old = Issue.model_validate({"ref": ISSUE.model_dump()})
    assert from_issue([link()], old, after, rules()) == []


def test_the_refused_note_names_each_file_and_why() -> None:
    refused = [{"name": "big.log", "reason": "larger than 20.0MB", "direction": "from"}]
    (note,) = refused_note(link(), TICKET, refused, rules(), "k")
    assert note.public is False and note.target == TICKET and note.key == "files-refused:k"
    assert "big.log: larger than 20.0MB" in (note.body or "")
    assert refused_note(link(), TICKET, [], rules(), "k") == []


def test_file_links_are_signed_per_file_and_expire() -> None:
    signer = Signer(b"s" * 32, "https://syncd.example.com")
    name = token(Ref.comment("helpdesk", "77"), SHOT)
    assert read_token(name) == ("helpdesk", SHOT)
    url = signer.file_url(5, name, NOW + timedelta(days=1))
    exp, sig = url.split("exp=")[1].split("&sig=")
    assert url.startswith(f"https://syncd.example.com/files/5/{name}?")
    assert signer.check_file(5, name, exp, sig, NOW) == Verdict.OK
    assert signer.check_file(5, name, exp, sig, NOW + timedelta(days=2)) == Verdict.EXPIRED
    other = token(Ref.comment("helpdesk", "77"), SHOT.model_copy(update={"id": "10"}))
    assert signer.check_file(5, other, exp, sig, NOW) == Verdict.FORGED
    assert signer.check_file(6, name, exp, sig, NOW) == Verdict.FORGED
    assert signer.check(5, exp, sig, NOW) == Verdict.FORGED  # not a history page's signature
