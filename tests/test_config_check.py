"""``syncd config check`` finds everything ``syncd run`` would refuse, in one pass, and
warns about a secret written into the file itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from syncd.cli import app
from syncd.errors import ConfigError
from syncd.settings import parse

ZD = {
    "kind": "zendesk",
    "base_url": "https://acme.zendesk.com",
    "email": "bot@acme.example",
    "api_token_file": "/nonexistent/zendesk-token",
}
GH = {"kind": "github", "token_file": "/nonexistent/github-token"}


def _problems(raw: dict[str, Any], **kw: Any) -> dict[str, str]:
    with pytest.raises(ConfigError) as err:
        parse(raw, "syncd.yaml", **kw)
    return {key: msg for _, key, msg in err.value.problems}


def test_every_problem_in_one_pass() -> None:
    """Problems of the keys' own types, of references across keys and of unreadable
    files come out together, not one kind per run."""
    raw = {
        "server": {"shutdown_grace": -5},
        "engine": {"batch": 0},
        "connectors": {"zendesk": ZD, "github": GH},
        "linking": {"field": "dev_issue", "route": "widgets"},
        "routes": [
            {"name": "broken", "target": {"connector": "github"}, "mode": "sometimes"},
            {
                "name": "widgets",
                "helpdesk": "github",
                "match": {"tags": ["escalate"]},
                "target": {"connector": "zendesk", "project": "x"},
            },
        ],
    }
    found = _problems(raw)
    assert "greater than or equal to 0" in found["server.shutdown_grace"]
    assert "greater than or equal to 1" in found["engine.batch"]
    assert "routes.0.mode" in found  # the broken route's own problem ...
    assert "not a helpdesk" in found["routes.1(widgets).helpdesk"]  # ... and the others'
    assert "not a tracker" in found["routes.1(widgets).target.connector"]
    assert "custom_fields" in found["linking.field"]
    assert "cannot read /nonexistent/zendesk-token" in found["connectors.zendesk.api_token_file"]
    assert "cannot read" in found["connectors.github.token_file"]
    assert "linking.route" not in found  # the route exists (with problems of its own)


def test_a_route_that_has_problems_is_not_reported_missing_elsewhere() -> None:
    raw = {
        "connectors": {"github": {"kind": "github", "token": "t"}},
        "linking": {"route": "broken"},
        "routes": [{"name": "broken", "target": {"connector": "github"}, "mode": "x"}],
    }
    found = _problems(raw)
    assert "routes.0.mode" in found and "linking.route" not in found


def test_a_field_named_by_the_workflow_needs_its_id_on_zendesk() -> None:
    zd = {**ZD, "api_token": "t"} | {"api_token_file": None}
    raw = {
        "connectors": {"zendesk": zd, "github": {"kind": "github", "token": "t"}},
        "tiers": {"customer_tier_field": "plan"},
        "routes": [
            {
                "name": "r",
                "match": {"fields": {"product": "widgets"}},
                "target": {"connector": "github", "project": "a/b"},
            }
        ],
    }
    found = _problems(raw)
    assert "custom_fields" in found["tiers.customer_tier_field"]
    assert "custom_fields" in found["routes.0(r).match.fields.product"]
    zd["custom_fields"] = {"plan": 1, "product": 2}
    assert parse(raw)  # named with their ids: fine


def test_mapped_fields_must_exist_on_each_side_as_far_as_the_config_tells() -> None:
    zd = {**ZD, "api_token": "t"} | {"api_token_file": None}
    maps = [
        {"ticket": "Fix version", "issue": "milestone", "direction": "to_ticket"},
        {"ticket": "organization", "issue": "fixVersions", "direction": "to_issue"},
    ]
    raw = {
        "connectors": {"zendesk": zd, "github": {"kind": "github", "token": "t"}},
        "routes": [
            {
                "name": "r",
                "match": {"tags": ["escalate"]},
                "target": {"connector": "github", "project": "a/b"},
                "fields": maps,
            }
        ],
    }
    found = _problems(raw)
    assert "custom_fields" in found["routes.0(r).fields.0.ticket"]
    assert "no issue field 'fixVersions'" in found["routes.0(r).fields.1.issue"]
    assert "routes.0(r).fields.1.ticket" not in found  # organization: no custom field
    zd["custom_fields"] = {"Fix version": 3}
    maps[1]["issue"] = "assignee"
    assert parse(raw)


def test_files_are_read_only_when_asked() -> None:
    raw = {"connectors": {"github": GH}}
    assert "connectors.github.token_file" in _problems(raw)
    assert parse(raw, read_files=False)


def test_a_secret_in_the_file_is_a_warning_with_where_to_put_it(tmp_path: Path) -> None:
    conf = {
        "connectors": {"github": {"kind": "github", "token": "ghp_inline"}},
        "dashboard": {"token": "dash-inline"},
    }
    path = tmp_path / "syncd.yaml"
    path.write_text(yaml.safe_dump(conf))
    res = CliRunner().invoke(app, ["config", "check", str(path)])
    assert res.exit_code == 0, res.output
    assert "warning" in res.output
    assert "connectors.github.token" in res.output
    assert "SYNCD_CONNECTORS__GITHUB__TOKEN" in res.output and "token_file" in res.output
    assert "SYNCD_DASHBOARD__TOKEN" in res.output
    assert "ghp_inline" not in res.output and "dash-inline" not in res.output
    strict = CliRunner().invoke(app, ["config", "check", "--strict", str(path)])
    assert strict.exit_code == 2


def test_a_secret_from_the_environment_is_no_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNCD_CONNECTORS__GITHUB__TOKEN", "from-env")
    path = tmp_path / "syncd.yaml"
    path.write_text(yaml.safe_dump({"connectors": {"github": {"kind": "github"}}}))
    res = CliRunner().invoke(app, ["config", "check", str(path)])
    assert res.exit_code == 0, res.output
    assert "warning" not in res.output
