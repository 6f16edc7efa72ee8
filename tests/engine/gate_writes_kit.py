"""The gate's test world: the GitHub, Jira (cloud and data center) and Zendesk emulators with
the real connectors, public and private projects side by side, one route to each, and the
helpers that escalate a ticket and read back what the trackers stored."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from syncd import registry
from syncd.connector import Connector
from syncd.engine.actions import Action, ActionKind, LinkView
from syncd.engine.escalate import draft_for
from syncd.engine.execute import perform
from syncd.engine.planner import Rules
from syncd.model import Issue, Priority, Ref, Ticket, TicketStatus
from syncd.settings import Route
from syncd.templates import Templates
from syncd.testing.server import ServerThread

EMAIL, PHONE, CARD = "ada@customer.example", "+44 20 7946 0958", "4111 1111 1111 1111"
SECRETS = (EMAIL, PHONE, CARD, "ACCT-4471")
SUBJECT = f"Export fails for {EMAIL}"
DESCRIPTION = f"Call me on {PHONE}; paid with {CARD}; account ACCT-4471."
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

TARGETS = {  # route -> (connector, project, public)
    "gh-public": ("github", "acme/widgets", True),
    "gh-private": ("github", "acme/secret", False),
    "cloud-public": ("jira", "WID", True),
    "cloud-private": ("jira", "OPS", False),
    "dc-public": ("jira-dc", "WID", True),
    "dc-private": ("jira-dc", "OPS", False),
}


@dataclass
class World:
    emulators: dict[str, Any]
    actors: dict[str, Any]
    connectors: dict[str, Connector]
    rules: Rules


def _serve(kind: str, name: str, servers: list[ServerThread], **kw: Any) -> tuple[Any, Any, Any]:
    spec = registry.spec("jira" if kind == "jira-dc" else kind)
    kit = spec.emulator_kit
    assert kit is not None
    emu = kit.build(**kw)
    server = ServerThread(emu.app).start()
    servers.append(server)
    conf = kit.config(server.url, None)
    if kind == "jira-dc":
        conf = conf | {"flavour": "datacenter", "pat": "bot-token"}
        conf = {k: v for k, v in conf.items() if k not in ("email", "api_token")}
    return emu, kit.actor(emu, name, server.url), spec.factory(name, conf, None)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    servers: list[ServerThread] = []
    emus, actors, conns = {}, {}, {}
    for name, kind, kw in (
        ("github", "github", {}),
        ("jira", "jira", {}),
        ("jira-dc", "jira-dc", {"flavour": "datacenter"}),
        ("zendesk", "zendesk", {}),
    ):
        emus[name], actors[name], conns[name] = _serve(kind, name, servers, **kw)
    for repo in ("acme/widgets", "acme/secret"):
        actors["github"].ensure_project(repo)
    emus["github"].set_private("acme/secret")
    emus["jira"].set_public("WID")
    emus["jira-dc"].set_public("WID")
    routes = tuple(
        Route.model_validate(
            {
                "name": name,
                "target": {"connector": conn, "project": project},
                "copy_public_replies": True,
                "privacy": {"patterns": [{"account number": r"ACCT-\d+"}]},
            }
        )
        for name, (conn, project, _) in TARGETS.items()
    )
    caps = {n: c.capabilities for n, c in conns.items()}
    rules = Rules(routes=routes, templates=Templates(), capabilities=caps)
    yield World(emus, actors, conns, rules)
    for conn in conns.values():
        conn.close()
    for server in servers:
        server.stop()


def run(world: World, action: Action, attempt: int = 1) -> Any:
    privacy = world.rules.privacy_of(action.route)
    return perform(action, world.connectors, attempt, privacy=privacy)


def ticket(key: str, organization: str | None = None) -> Ticket:
    return Ticket(
        ref=Ref.ticket("zendesk", key),
        subject=SUBJECT,
        description=DESCRIPTION,
        status=TicketStatus.OPEN,
        priority=Priority.NORMAL,
        organization=organization,
        url=f"https://help.example/tickets/{key}",
        created_at=T0,
        updated_at=T0,
    )


def escalate(world: World, route: str, key: str) -> tuple[Issue, Any]:
    r = world.rules.route(route)
    assert r is not None and r.target.connector is not None
    action = Action(
        kind=ActionKind.CREATE_ISSUE,
        key=f"create:{route}:{key}",
        lane=f"zendesk:ticket:{key}",
        target=Ref.project(r.target.connector, r.target.project),
        parent=Ref.ticket("zendesk", key),
        route=route,
        draft=draft_for(ticket(key), r, world.rules),
    )
    done = run(world, action)
    assert isinstance(done.result, Issue)
    return done.result, done.redacted


def stored_texts(world: World, issue: Issue) -> list[str]:
    """Title, description, remote links and comments as the emulator keeps them."""
    conn = issue.ref.connector
    if conn == "github":
        stored = world.actors[conn].issue(issue.ref)
        texts = [stored.title, stored.body]
    else:
        raw = world.emulators[conn].issue(issue.ref.key)
        texts = [raw.summary, str(raw.description)]
        texts += [str(link["object"]) for link in raw.remotelinks]
    return texts + [c.body for c in world.actors[conn].comments(issue.ref)]


def linked(world: World, route: str, issue: Issue, key: str) -> LinkView:
    return LinkView(
        id=1,
        ticket=Ref.ticket("zendesk", key),
        issue=issue.ref,
        route=route,
        mode="pending",
        state="active",
        ticket_snapshot=ticket(key),
        issue_snapshot=issue,
    )
