"""A stale leader is fenced: a replica that still believes it leads a connector's poll, after
another replica took the role over, reads a page but stores neither its changes nor its
cursor. The daemon runs in process on PostgreSQL, its poll driven by the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncd import metrics
from syncd.daemon.poller import poll_role
from syncd.store import cluster
from syncd.store.cluster import Fence
from syncd.testing.sandbox import Sandbox

pytestmark = pytest.mark.postgres


def _polls(outcome: str) -> float:
    labels = {"connector": "zendesk", "outcome": outcome}
    return metrics.REGISTRY.get_sample_value("syncd_polls_total", labels) or 0.0


def test_a_stale_leader_stores_no_page(tmp_path: Path, pg_url: str) -> None:
    extra = {"store": {"url": pg_url}, "cluster": {"replica_id": "me"}}
    with Sandbox(folder=tmp_path, webhooks=False, poll_interval=3600.0, extra=extra) as sb:
        assert sb.service is not None
        service, store, poller = sb.service, sb.service.store, sb.service.poller
        role = poll_role("zendesk")
        mine = service.cluster.fence(role)
        assert mine is not None  # alone, this replica leads every role
        sb.wait("the first poll", lambda: store.cursor("zendesk") is not None)
        before = store.cursor("zendesk")
        sb.helpdesk.create_ticket("fenced", "It breaks.", tags=["escalate"])
        with store.tx() as tx:  # another replica takes the role (this one missed a beat)
            cluster.resign(tx, role, "me")
            token = cluster.lead(tx, role, "other", 600.0)
        assert token is not None and token > mine.token
        poller.leader = lambda _: mine  # it still believes it leads, with its old token
        fenced = _polls("fenced")
        asked = sb.sides["zendesk"].emulator.control.total("GET")
        assert poller.poll("zendesk") == 0
        assert sb.sides["zendesk"].emulator.control.total("GET") > asked  # it did read
        assert store.cursor("zendesk") == before  # but stored nothing
        assert store.depth()["inbox"] == 0
        assert _polls("fenced") == fenced + 1
        assert service.cluster.fence(role) is not None  # its next beat has not come yet...
        service.cluster.beat()
        assert service.cluster.fence(role) is None  # ...and when it does, it stops leading
        # the leader's poll, with the current token, stores the page
        poller.leader = lambda r: Fence(r, "other", token)
        assert poller.poll("zendesk") >= 1
        assert store.cursor("zendesk") != before
