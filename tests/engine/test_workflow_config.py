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
        ({"privacy": {"patterns": ["("]}}, "routes.0.privacy.patterns", "bad pattern"),
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
    settings = load(EXAMPLE)
    runner = CliRunner()
    for route in settings.routes:
        for name in ("handoff", "issue_body", "impact_summary", "redirect", "sla_at_risk"):
            res = runner.invoke(
                app, ["templates", "render", name, "--route", route.name, "-c", str(EXAMPLE)]
            )
            assert res.exit_code == 0, res.output
    bad = runner.invoke(app, ["templates", "render", "nope", "-c", str(EXAMPLE)])
    assert bad.exit_code == 2


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
