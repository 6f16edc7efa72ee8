"""What a comment costs in requests: one write; the repository's visibility is read once."""

from __future__ import annotations

from connectors.github import create
from connectors.github.emulator import build
from syncd.model import Ref
from syncd.testing.server import ServerThread


def test_comments_reuse_the_visibility_read() -> None:
    emu = build()
    emu.add_repo("acme/widgets")
    number = emu.create_issue_as("dev-alice", "acme/widgets", "Crash")
    with ServerThread(emu.app) as srv:
        conn = create(
            "gh",
            {
                "kind": "github",
                "base_url": srv.url,
                "token": "syncd-token",
                "bot_login": "syncd-bot",
            },
        )
        issue = Ref.issue("gh", f"acme/widgets#{number}")
        assert conn.is_public("acme/widgets")
        before = emu.control.total()
        for n in range(3):
            assert conn.is_public("acme/widgets")
            conn.add_comment(issue, f"note {n}", public=True, key=f"k-{n}")
        assert emu.control.total() - before == 3
        conn.close()
