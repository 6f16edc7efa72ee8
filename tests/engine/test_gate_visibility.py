"""How the gate learns whether a project is public: the visibility read once and cached, a read
that fails for now failing the write, a Jira that will not say counting as public, and the
runner applying the link's route to an action queued without one."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from syncd import registry
from syncd.engine.actions import Action, ActionKind
from syncd.engine.execute import perform
from syncd.engine.health import Health
from syncd.engine.runner import Runner
from syncd.errors import TransientError
from syncd.store import outbox
from syncd.store.repository import Store
from tests.engine import gate_writes_kit
from tests.engine.gate_writes_kit import EMAIL, World, escalate, stored_texts

world = gate_writes_kit.world  # the emulators and connectors, started once for this module


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
