"""``syncd connectors test`` as an admin runs it: a table (or ``--json``) of what each connector
has and lacks, the exit codes, a closed port as one row, and no secret in the output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectors.github.emulator import GitHubEmulator
from connectors.github.emulator import build as build_github
from connectors.zendesk.emulator import ZendeskEmulator
from connectors.zendesk.emulator import build as build_zendesk
from syncd.testing.server import ServerThread, free_port

SYNCD = [sys.executable, "-m", "syncd.cli"]
PUBLIC = "http://127.0.0.1:8080"
GH_TOKEN = "ghp_Sup3rS3cretTokenValue0000000000000"
GH_HOOK_SECRET = "hook-secret-Zq81xv"
ZD_FIELD = 360012345678


@pytest.fixture(scope="module")
def vendors() -> Iterator[tuple[ZendeskEmulator, str, GitHubEmulator, str]]:
    zd = build_zendesk(incremental_limit=10_000)
    zd.admin.add_field(ZD_FIELD, "Developer issue")
    zd.admin.register(f"{PUBLIC}/webhooks/zendesk")
    gh = build_github(webhook_secret=GH_HOOK_SECRET, tokens={GH_TOKEN: "syncd-bot"})
    gh.add_repo("acme/widgets")
    gh.admin.add_hook("acme/widgets", f"{PUBLIC}/webhooks/github")
    with ServerThread(zd.app) as zd_srv, ServerThread(gh.app) as gh_srv:
        yield zd, zd_srv.url, gh, gh_srv.url


def config(tmp_path: Path, vendors: Any, **extra: Any) -> Path:
    _, zd_url, _, gh_url = vendors
    (tmp_path / "gh-token").write_text(GH_TOKEN + "\n")
    conf: dict[str, Any] = {
        "server": {"public_url": PUBLIC},
        "connectors": {
            "zendesk": {
                "kind": "zendesk",
                "base_url": zd_url,
                "email": "syncd@example.com",
                "custom_fields": {"dev_issue": ZD_FIELD, "plan": 360000000001},
            },
            "github": {
                "kind": "github",
                "base_url": gh_url,
                "token_file": str(tmp_path / "gh-token"),
            },
            "closed": {
                "kind": "github",
                "base_url": f"http://127.0.0.1:{free_port()}",
                "token": "unused-but-secret-value",
                "webhooks": False,
            },
        },
        "linking": {"field": "dev_issue"},
        "routes": [
            {
                "name": "widgets",
                "helpdesk": "zendesk",
                "match": {"tags": ["escalate"]},
                "target": {"connector": "github", "project": "acme/widgets"},
            }
        ],
        **extra,
    }
    path = tmp_path / "syncd.yaml"
    path.write_text(yaml.safe_dump(conf, sort_keys=False))
    return path


def syncd(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    env |= {
        "SYNCD_CONNECTORS__ZENDESK__API_TOKEN": "syncd-token",
        "SYNCD_CONNECTORS__ZENDESK__WEBHOOK_SECRET": ZendeskEmulator(None).secret,
        "SYNCD_CONNECTORS__GITHUB__WEBHOOK_SECRET": GH_HOOK_SECRET,
        "COLUMNS": "240",
    }
    return subprocess.run(
        [*SYNCD, "connectors", "test", *args], capture_output=True, text=True, timeout=120, env=env
    )


SECRETS = (GH_TOKEN, GH_HOOK_SECRET, "syncd-token", "unused-but-secret-value")


def no_secret_in(res: subprocess.CompletedProcess[str]) -> None:
    for secret in (*SECRETS, ZendeskEmulator(None).secret):
        assert secret not in res.stdout + res.stderr, secret


def table_rows(out: str) -> list[list[str]]:
    """The table's rows, each cell's wrapped lines joined again."""
    rows: list[list[str]] = []
    for line in out.splitlines():
        if not line.startswith("│"):
            continue
        cells = [c.strip() for c in line.strip("│").split("│")]
        if cells[1] or not rows:
            rows.append(cells)
        else:
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
    return rows


def test_table_with_what_is_missing_and_how_to_fix_it(tmp_path: Path, vendors: Any) -> None:
    res = syncd("-c", str(config(tmp_path, vendors)))
    assert res.returncode == 1, res.stdout + res.stderr
    header = res.stdout.splitlines()[1]
    for title in ("connector", "check", "result", "detail", "what to do"):
        assert title in header
    rows = {(r[1], r[2]): r for r in table_rows(res.stdout)}
    plan = rows[("field plan", "missing")]
    assert plan[3] == "Zendesk has no ticket field 360000000001 (custom_fields.plan)"
    assert "Admin Center → Objects and rules → Tickets → Fields" in plan[4]
    assert ("field dev_issue", "ok") in rows and ("acme/widgets: webhook", "ok") in rows
    reach = rows[("reach", "missing")]  # the closed port: one row, the others still checked
    assert reach[0].startswith("closed") and reach[3].endswith(": connection refused")
    last = res.stdout.splitlines()[-1]
    assert last.startswith("10 checks: 8 ok, 2 missing;"), last
    assert "Traceback" not in res.stderr
    no_secret_in(res)


def test_json_for_scripts(tmp_path: Path, vendors: Any) -> None:
    res = syncd("-c", str(config(tmp_path, vendors)), "--json")
    assert res.returncode == 1, res.stderr
    doc = json.loads(res.stdout)
    assert doc["exit_code"] == 1
    by_name = {c["name"]: c for c in doc["connectors"]}
    assert list(by_name) == ["zendesk", "github", "closed"]
    rows = {f["check"]: f for f in by_name["zendesk"]["findings"]}
    assert rows["field plan"]["status"] == "missing" and rows["field plan"]["fix"]
    assert rows["field dev_issue"]["status"] == "ok"
    assert rows["webhook"]["status"] == "ok"
    assert all(f["status"] == "ok" for f in by_name["github"]["findings"])
    (closed,) = by_name["closed"]["findings"]
    assert closed["check"] == "reach" and closed["detail"].endswith("connection refused")
    assert doc["summary"]["missing"] == 2
    no_secret_in(res)


def test_names_pick_connectors_and_all_ok_exits_0(tmp_path: Path, vendors: Any) -> None:
    res = syncd("-c", str(config(tmp_path, vendors)), "github", "--json")
    assert res.returncode == 0, res.stdout + res.stderr
    doc = json.loads(res.stdout)
    assert [c["name"] for c in doc["connectors"]] == ["github"] and doc["exit_code"] == 0
    table = syncd("-c", str(config(tmp_path, vendors)), "github")
    assert table.returncode == 0 and "nothing syncd needs is missing" in table.stdout


def test_config_errors_exit_2(tmp_path: Path, vendors: Any) -> None:
    path = config(tmp_path, vendors)
    unknown = syncd("-c", str(path), "nope")
    assert unknown.returncode == 2 and "no connector named 'nope'" in unknown.stderr
    (tmp_path / "gh-token").unlink()
    unreadable = syncd("-c", str(path))
    assert unreadable.returncode == 2 and "token_file" in unreadable.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("connectors: [\n")
    assert syncd("-c", str(broken)).returncode == 2
    for res in (unknown, unreadable):
        assert "Traceback" not in res.stderr
        no_secret_in(res)


def test_without_public_url_the_webhook_rows_say_how_to_set_it(
    tmp_path: Path, vendors: Any
) -> None:
    res = syncd("-c", str(config(tmp_path, vendors, server={})), "zendesk", "--json")
    (zd,) = json.loads(res.stdout)["connectors"]
    hook = next(f for f in zd["findings"] if f["check"] == "webhook")
    assert hook["status"] == "could not tell" and "server.public_url" in hook["fix"]
