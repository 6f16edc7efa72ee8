"""Whether a Jira project is public, read from its permission scheme, on both flavours: the
emulator's endpoints, the connector's answer, its cache, and what it does when Jira refuses."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.jira.visibility import grants_anyone
from syncd.connector import Capability, Visibility
from syncd.model import Ref
from tests.connectors.jira.conftest import Served


@pytest.fixture
def public_wid(served: Served) -> Iterator[Served]:
    """WID open to anyone, OPS not; as seeded again afterwards."""
    served.emu.set_public("WID")
    yield served
    served.emu.set_public("WID", False)
    served.emu.set_admin("syncd-bot", True)


def grant(permission: str, **holder: Any) -> dict[str, Any]:
    return {"permission": permission, "holder": holder}


@pytest.mark.parametrize(
    "grants,public",
    [
        ([grant("BROWSE_PROJECTS", type="anyone")], True),
        ([grant("BROWSE", type="anyone")], True),  # the permission's name before Jira 7
        ([grant("BROWSE_PROJECTS", type="group")], True),  # "Group: Anyone" of older servers
        ([grant("BROWSE_PROJECTS", type="applicationRole")], False),  # logged-in users
        ([grant("BROWSE_PROJECTS", type="group", parameter="jira-users")], False),
        ([grant("ADD_COMMENTS", type="anyone")], False),
        ([], False),
    ],
)
def test_which_grants_make_a_project_public(grants: list[dict[str, Any]], public: bool) -> None:
    assert grants_anyone({"id": 1, "permissions": grants}) is public


def test_the_emulator_answers_in_jiras_shapes(public_wid: Served) -> None:
    served = public_wid
    with served.human("bob") as bob, served.human("alice") as alice:
        assigned = bob.get("project/WID/permissionscheme")
        assert assigned.status_code == 200
        body = assigned.json()
        assert {"id", "self", "name", "expand"} <= set(body) and "permissions" not in body
        scheme = bob.get(f"permissionscheme/{body['id']}", params={"expand": "permissions"})
        grants = scheme.json()["permissions"]
        assert all({"id", "self", "holder", "permission"} <= set(g) for g in grants)
        assert grants_anyone(scheme.json())
        private = bob.get("project/OPS/permissionscheme", params={"expand": "permissions"})
        assert not grants_anyone(private.json())
        # reading a project's scheme takes Administer Projects; any account reads a scheme
        assert alice.get("project/WID/permissionscheme").status_code == 403
        assert alice.get(f"permissionscheme/{body['id']}").status_code == 200
        assert bob.get("project/NOPE/permissionscheme").status_code == 404
        assert bob.get("permissionscheme/4242").status_code == 404


def test_the_connector_reads_the_scheme_once_a_minute(public_wid: Served) -> None:
    conn = public_wid.connector()
    assert Capability.VISIBILITY in conn.capabilities and isinstance(conn, Visibility)
    control = public_wid.emu.control
    before = control.total()
    assert conn.is_public("WID") is True
    assert conn.is_public("OPS") is False
    assert control.total() - before == 4  # the project's scheme, then its grants, twice
    for _ in range(3):
        assert conn.is_public("WID") and not conn.is_public("OPS")
    assert control.total() - before == 4
    conn.close()


def test_a_refused_read_counts_as_public_and_says_so_once(
    public_wid: Served, caplog: pytest.LogCaptureFixture
) -> None:
    public_wid.emu.set_admin("syncd-bot", False)
    conn = public_wid.connector()
    with caplog.at_level(logging.WARNING, logger="connectors.jira.visibility"):
        assert conn.is_public("OPS") is True  # fail safe: redact
        assert conn.is_public("OPS") is True
    warnings = [r for r in caplog.records if "OPS" in r.getMessage()]
    assert len(warnings) == 1 and "privacy.public" in warnings[0].getMessage()
    conn.close()


def test_the_project_of_an_issue(served: Served) -> None:
    conn = served.connector()
    assert conn.project_of(Ref.issue("jira", "WID-12")) == "WID"
    assert conn.project_of(Ref.issue("jira", "MY_PROJ2-7")) == "MY_PROJ2"
    with pytest.raises(ValueError):
        conn.project_of(Ref.comment("jira", "10001/10002"))
    conn.close()
