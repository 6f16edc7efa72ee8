"""What reaches the trackers' stores, field by field: actions made by the planners, performed
through the real connectors against the emulators, public and private projects side by side."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from syncd import registry
from syncd.connector import Connector
from syncd.engine.actions import Action, ActionKind, LinkView
from syncd.engine.escalate import draft_for
from syncd.engine.execute import perform
from syncd.engine.health import Health
from syncd.engine.impact import plan_impact
from syncd.engine.planner import Rules, Situation, plan
from syncd.engine.runner import Runner
from syncd.errors import TransientError
from syncd.model import Change, ChangeKind, Comment, Issue, Priority, Ref, Ticket, TicketStatus
from syncd.settings import Route
from syncd.store import outbox
from syncd.store.repository import Store
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


@pytest.mark.parametrize("route", list(TARGETS))
def test_escalation_title_body_and_link_back(world: World, route: str) -> None:
    issue, redacted = escalate(world, route, f"e-{route}")
    texts = " ".join(stored_texts(world, issue))
    public = TARGETS[route][2]
    for secret in SECRETS:
        assert (secret in texts) is not public, (route, secret)
    if not public:
        assert redacted is None
        return
    assert "redacted" in texts and "help.example/tickets/e-" in texts  # the link back stays
    assert redacted is not None and redacted.public is True
    assert redacted.project == TARGETS[route][1]
    assert dict(redacted.counts) == {
        "card": 1,
        "email": 1,
        "phone": 1,
        "pattern:account number": 1,
    }
    assert {"draft.title", "draft.body"} <= set(redacted.fields)


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


@pytest.mark.parametrize("route", ["gh-public", "cloud-public", "dc-public", "gh-private"])
def test_support_comment_copy_and_its_edit(world: World, route: str) -> None:
    key = f"c-{route}"
    issue, _ = escalate(world, route, key)
    link = linked(world, route, issue, key)
    reply = Comment(
        ref=Ref.comment("zendesk", f"{key}-1"),
        parent=link.ticket,
        author="Ada",
        body=f"Still broken, write to {EMAIL}",
        public=True,
    )
    change = Change(kind=ChangeKind.COMMENT, ref=link.ticket, comment=reply)
    (copy,) = plan(Situation(change=change, links=(link,)), world.rules)
    assert copy.kind == ActionKind.ADD_COMMENT
    made = run(world, copy).result
    edited_reply = reply.model_copy(update={"body": f"Now call {PHONE}"})
    change = Change(kind=ChangeKind.COMMENT, ref=link.ticket, comment=edited_reply)
    situation = Situation(
        change=change, links=(link,), comment_is_new=False, comment_copies=(made.ref,)
    )
    (edit,) = plan(situation, world.rules)
    assert edit.kind == ActionKind.EDIT_COMMENT
    run(world, edit)
    bodies = [c.body for c in world.actors[issue.ref.connector].comments(issue.ref)]
    assert len(bodies) == 1
    public = TARGETS[route][2]
    assert ("Now call" in bodies[0]) and ((PHONE in bodies[0]) is not public)
    assert ("redacted" in bodies[0]) is public


@pytest.mark.parametrize("route", ["gh-public", "cloud-public", "gh-private"])
def test_impact_summary(world: World, route: str) -> None:
    key = f"i-{route}"
    issue, _ = escalate(world, route, key)
    # two tickets: a summary is due; one customer's organization is named after an address
    orgs = ["Acme", f"Ada Lovelace ({EMAIL})"]
    links = [
        LinkView(
            **{
                **linked(world, route, issue, f"{key}-{n}").__dict__,
                "id": n + 1,
                "ticket_snapshot": ticket(f"{key}-{n}", org),
            }
        )
        for n, org in enumerate(orgs)
    ]
    summary = plan_impact(issue.ref, links, world.rules, "stamp")[0]
    assert summary.kind == ActionKind.UPSERT_COMMENT and EMAIL in (summary.body or "")
    run(world, summary)
    again = run(world, summary.model_copy(update={"key": summary.key + ":again"}))
    bodies = [c.body for c in world.actors[issue.ref.connector].comments(issue.ref)]
    assert len(bodies) == 1 and again.result is not None
    public = TARGETS[route][2]
    assert (EMAIL in bodies[0]) is not public and "Support impact" in bodies[0]


def test_helpdesk_writes_keep_the_customers_words(world: World) -> None:
    t = world.actors["zendesk"].create_ticket("Help", "Please", tags=["x"])
    note = Action(
        kind=ActionKind.UPDATE_TICKET,
        key="hd-note",
        lane=str(t),
        target=t,
        body=f"The customer wrote from {EMAIL}",
        route="gh-public",
    )
    assert run(world, note).redacted is None
    assert any(EMAIL in c.body for c in world.actors["zendesk"].comments(t))


def test_the_visibility_is_read_only_when_something_would_be_redacted(world: World) -> None:
    issue, _ = escalate(world, "gh-public", "v-1")
    control = world.emulators["github"].control
    fresh = registry.spec("github").factory(
        "github",
        world.connectors["github"].settings.model_dump(),
        None,  # type: ignore[attr-defined]
    )
    conns = {**world.connectors, "github": fresh}

    def comment(body: str, n: int) -> Action:
        return Action(
            kind=ActionKind.ADD_COMMENT,
            key=f"v-{n}",
            lane="zendesk:ticket:v-1",
            target=issue.ref,
            body=body,
            route="gh-public",
        )

    before = control.total("GET /repos/acme/widgets")
    perform(comment("version 4.2.1 crashes", 1), conns, 1)
    assert control.total("GET /repos/acme/widgets") == before
    perform(comment(f"mail {EMAIL}", 2), conns, 1)
    perform(comment(f"mail {EMAIL}", 3), conns, 1)
    assert control.total("GET /repos/acme/widgets") == before + 1  # then cached
    fresh.close()


def test_a_visibility_read_that_fails_for_now_fails_the_write(world: World) -> None:
    issue, _ = escalate(world, "gh-public", "f-1")
    fresh = registry.spec("github").factory(
        "github",
        world.connectors["github"].settings.model_dump(),
        None,  # type: ignore[attr-defined]
    )
    emu = world.emulators["github"]
    emu.control.faults.add("status", status=503, path=r"^/repos/acme/widgets$", times=5)
    action = Action(kind=ActionKind.ADD_COMMENT, key="f-1", lane="l", target=issue.ref, body=EMAIL)
    try:
        with pytest.raises(TransientError):
            perform(action, {**world.connectors, "github": fresh}, 1)
        assert not any(EMAIL in c.body for c in world.actors["github"].comments(issue.ref))
    finally:
        emu.control.faults.clear()
        fresh.close()


@pytest.mark.parametrize("connector", ["jira", "jira-dc"])
def test_jira_that_will_not_say_counts_as_public(
    world: World, connector: str, caplog: pytest.LogCaptureFixture
) -> None:
    emu = world.emulators[connector]
    spec = registry.spec("jira")
    settings = world.connectors[connector].settings.model_dump()  # type: ignore[attr-defined]
    fresh = spec.factory(connector, settings, None)
    emu.set_admin("syncd-bot", False)
    route = "cloud-private" if connector == "jira" else "dc-private"
    try:
        with caplog.at_level(logging.WARNING):
            issue, redacted = escalate(
                World(
                    world.emulators,
                    world.actors,
                    {**world.connectors, connector: fresh},
                    world.rules,
                ),
                route,
                f"n-{connector}",
            )
        assert redacted is not None and redacted.public is True
        assert EMAIL not in " ".join(stored_texts(world, issue))
        assert "Administer Projects" in caplog.text and "OPS" in caplog.text
    finally:
        emu.set_admin("syncd-bot", True)
        fresh.close()


@pytest.mark.parametrize("legacy", [False, True], ids=["link", "row-queued-before-the-gate"])
def test_the_runner_applies_the_links_route_to_an_action_without_one(
    world: World, tmp_path: Path, legacy: bool
) -> None:
    issue, _ = escalate(world, "gh-public", f"r-{legacy}")
    store = Store.open(f"sqlite:///{tmp_path / 'syncd.db'}")
    runner = Runner(store, world.connectors, world.rules, Health(list(world.connectors)))
    try:
        with store.tx() as tx:
            link = store.create_link(
                tx,
                ticket_ref="zendesk:ticket:r",
                issue_ref=str(issue.ref),
                route="gh-public",
                mode="pending",
            )
            # only the route's own pattern finds something: redacted only if the route is known
            row = Action(
                kind=ActionKind.ADD_COMMENT,
                key=f"r-{legacy}",
                lane="zendesk:ticket:r",
                target=issue.ref,
                link_id=link.id,
                body="Customer account ACCT-4471 is affected",
            ).row()
            if legacy:
                row |= {"redact": "auto", "patterns": ["nothing-like-it"]}
            outbox.add(tx, [row])
        assert runner.drain() == 1
        bodies = [c.body for c in world.actors["github"].comments(issue.ref)]
        assert any("Customer account [redacted]" in b for b in bodies), bodies
        assert "redacted" in {r.event for r in store.audit_since(0, 10)}
    finally:
        runner.close()
        store.close()
