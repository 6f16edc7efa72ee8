"""Workflow config: readable errors for bad templates and inconsistent keys; previews."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from syncd.cli import app
from syncd.errors import ConfigError
from syncd.settings import load, parse

EXAMPLE = Path(__file__).parent.parent.parent / "config" / "example.yaml"
GH = {"kind": "github", "base_url": "http://127.0.0.1:1", "token": "t"}


def config(**route: Any) -> dict[str, Any]:
    base = {"name": "r", "target": {"connector": "github", "project": "a/b"}}
    return {"connectors": {"github": GH}, "routes": [base | route]}


@pytest.mark.parametrize(
    "route,key,message",
    [
        (
            {"templates": {"handoff": "{{ ticket.subject"}},
            "routes.0(r).templates.handoff",
            "template error",
        ),
        ({"templates": {"nope": "x"}}, "routes.0(r).templates.nope", "unknown template name"),
        ({"target": {"connector": None}}, "routes.0(r).target.connector", "mode redirect"),
        ({"sla": {"calendar": "office"}}, "routes.0(r).sla.calendar", "no calendar named"),
        ({"sla": {"default": {"resolve": "soon"}}}, "routes.0.sla.default.resolve", "duration"),
        ({"privacy": {"patterns": ["ok", "("]}}, "routes.0.privacy.patterns.1", "bad pattern"),
        ({"privacy": {"patterns": [{"id": "x*"}]}}, "routes.0.privacy.patterns.0", "empty text"),
        ({"privacy": {"public": "maybe"}}, "routes.0.privacy.public", "auto"),
    ],
)
def test_problems_name_the_key(route: dict[str, Any], key: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse(config(**route))
    assert any(k == key and message in m for _, k, m in err.value.problems), err.value.problems


def test_calendar_and_linking_are_checked() -> None:
    raw = config() | {"calendars": {"x": {"timezone": "Mars/Olympus"}}, "linking": {"route": "z"}}
    with pytest.raises(ConfigError) as err:
        parse(raw)
    keys = {k for _, k, _ in err.value.problems}
    assert "calendars.x.timezone" in keys


def test_example_config_loads_and_every_template_renders_per_route() -> None:
    settings = load(EXAMPLE, read_files=False)
    runner = CliRunner()
    for route in settings.routes:
        for name in ("handoff", "issue_body", "impact_summary", "redirect", "sla_at_risk"):
            res = runner.invoke(
                app, ["templates", "render", name, "--route", route.name, "-c", str(EXAMPLE)]
            )
            assert res.exit_code == 0, res.output
    bad = runner.invoke(app, ["templates", "render", "nope", "-c", str(EXAMPLE)])
    assert bad.exit_code == 2


def test_template_preview_uses_the_routes_own_sla() -> None:
    settings = load(EXAMPLE, read_files=False)
    with_sla = next(r for r in settings.routes if r.name == "widgets")  # 40 business hours
    assert with_sla.sla is not None
    res = CliRunner().invoke(
        app, ["templates", "render", "issue_body", "--route", with_sla.name, "-c", str(EXAMPLE)]
    )
    assert res.exit_code == 0, res.output
    # the example's 40 business hours from the sample's Monday 09:00: five 8-hour days
    assert "**SLA** (business): acknowledge within 4h" in res.output, res.output
    assert "2026-12-01 17:00" not in res.output and "(by 2026-11-30 09:00 UTC)" in res.output


def test_routes_explain_from_a_file(tmp_path: Path) -> None:
    f = tmp_path / "t.json"
    f.write_text('{"subject": "Crash", "tags": ["escalate"], "group": "Escalations"}')
    res = CliRunner().invoke(
        app, ["routes", "explain", "zendesk:9", "-c", str(EXAMPLE), "--from-file", str(f)]
    )
    assert res.exit_code == 0, res.output
    assert "support tier='L2'" in res.output
    assert "no    vendor-redirect: missing tags ['vendor']" in res.output
    assert "MATCH widgets" in res.output
