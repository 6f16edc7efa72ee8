"""What ops see of the replicas: ``/api/status``, ``/metrics``, the dashboard's health page
and ``syncd cluster status`` show each replica, who leads each role and the claims each
replica holds. On SQLite the one process leads everything."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from syncd.cli import app
from syncd.store import cluster, outbox
from syncd.testing.sandbox import Sandbox

ROLES = ["jobs", "poll:github", "poll:zendesk"]


@pytest.mark.postgres
def test_replicas_leaders_and_claims_are_shown(tmp_path: Path, pg_url: str) -> None:
    extra = {"store": {"url": pg_url}, "cluster": {"replica_id": "me"}}
    with Sandbox(folder=tmp_path, webhooks=False, poll_interval=3600.0, extra=extra) as sb:
        assert sb.service is not None
        store = sb.service.store
        with store.tx() as tx:  # a claim of a replica that is gone, shown as held by it
            outbox.add(tx, [{"key": "k", "lane": "L", "kind": "add_comment"}])
            outbox.claim(tx, outbox.due(tx, 1), lease=3600.0, by="gone")
            cluster.join(tx, "gone", "run", "elsewhere", 7)
            cluster.leave(tx, "gone", "run")
        status = httpx.get(f"{sb.url}/api/status", timeout=10).json()["cluster"]
        assert status["replica"] == "me" and status["leads"] == ROLES
        alive = {r["id"]: r["alive"] for r in status["replicas"]}
        assert alive == {"gone": False, "me": True}
        assert {r["role"]: r["holder"] for r in status["leaders"]} == dict.fromkeys(ROLES, "me")
        assert status["claims"]["gone"] == {"inbox": 0, "outbox": 1}

        text = httpx.get(f"{sb.url}/metrics", timeout=10).text
        assert 'syncd_leader{replica="me",role="poll:zendesk"} 1.0' in text
        assert 'syncd_replica_up{replica="me",state="up"} 1.0' in text
        assert 'syncd_replica_up{replica="gone",state="down"} 0.0' in text
        assert 'syncd_claims{queue="outbox",replica="gone"} 1.0' in text

        page = httpx.get(f"{sb.url}/dashboard/health", timeout=10).text
        assert 'data-replica="me"' in page and 'data-replica="gone"' in page
        assert "poll:github" in page

        conf = ["-c", str(sb.folder / "syncd.yaml")]
        shown = CliRunner().invoke(app, ["cluster", "status", *conf, "--json"])
        assert shown.exit_code == 0, shown.output
        snap = json.loads(shown.output)
        assert {r["id"] for r in snap["replicas"]} == {"me", "gone"}
        table = CliRunner().invoke(app, ["cluster", "status", *conf])
        assert table.exit_code == 0 and "poll:zendesk" in table.output, table.output


def test_on_sqlite_the_one_process_leads_everything(tmp_path: Path) -> None:
    extra = {"cluster": {"replica_id": "solo"}}
    with Sandbox(folder=tmp_path, webhooks=False, poll_interval=3600.0, extra=extra) as sb:
        status = httpx.get(f"{sb.url}/api/status", timeout=10).json()["cluster"]
        assert status["leads"] == ROLES
        assert [r["id"] for r in status["replicas"]] == ["solo"]
        assert httpx.get(f"{sb.url}/readyz", timeout=10).status_code == 200
