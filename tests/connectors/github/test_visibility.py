"""A repository's visibility: public, private or internal, read once a minute, and what an
answer without it means."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.github.emulator import GitHubEmulator
from connectors.github.mapping import repo_is_public
from syncd.model import Ref
from tests.connectors.github.conftest import connect


@pytest.mark.parametrize(
    "raw,public",
    [
        ({"private": False, "visibility": "public"}, True),
        ({"private": True, "visibility": "private"}, False),
        ({"private": True, "visibility": "internal"}, False),  # an enterprise's members only
        ({"private": True}, False),  # servers that do not send visibility
        ({"private": False}, True),
        ({}, True),  # nothing said: assume the worst, redact
        (None, True),
    ],
)
def test_which_repositories_are_public(raw: Any, public: bool) -> None:
    assert repo_is_public(raw) is public


def test_private_repositories_of_the_emulator(emu: GitHubEmulator, base_url: str) -> None:
    emu.add_repo("acme/hidden")
    emu.set_private("acme/hidden")
    conn = connect(base_url)
    try:
        assert conn.is_public("acme/hidden") is False
        assert conn.is_public("acme/widgets") is True
        assert conn.project_of(Ref.issue("gh", "acme/hidden#3")) == "acme/hidden"
        assert conn.project_of(Ref.comment("gh", "acme/hidden#comment-9")) == "acme/hidden"
        with pytest.raises(ValueError):
            conn.project_of(Ref.issue("gh", "7"))
    finally:
        conn.close()
