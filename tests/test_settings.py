"""Configuration: YAML plus environment, typed connectors, readable errors, `config check`."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncd.cli import app
from syncd.errors import ConfigError
from syncd.settings import load

GOOD = """
connectors:
  zendesk:
    kind: zendesk
    base_url: https://acme.zendesk.example
    email: syncd@acme.example
    api_token_file: {token_file}
  github:
    kind: github
    base_url: https://api.github.example
routes:
  - name: widgets
    match: {{tags: [escalate]}}
    target: {{connector: github, project: acme/widgets}}
"""


@pytest.fixture
def good(tmp_path: Path) -> Path:
    token = tmp_path / "zd-token"
    token.write_text("zd-secret-value\n")
    path = tmp_path / "syncd.yaml"
    path.write_text(GOOD.format(token_file=token))
    return path


def test_good_config_with_secret_from_env_and_file(
    good: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNCD_CONNECTORS__GITHUB__TOKEN", "gh-secret-value")
    monkeypatch.setenv("SYNCD_SERVER__PORT", "9123")
    s = load(good)
    assert s.server.port == 9123
    gh = s.connector("github")
    assert gh.secret("token") == "gh-secret-value"
    assert "gh-secret-value" not in repr(gh) and "gh-secret-value" not in str(gh.model_dump())
    assert s.connector("zendesk").secret("api_token") == "zd-secret-value"


def _problems(text: str, tmp_path: Path) -> list[tuple[str, str, str]]:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load(path)
    assert all(p[0] == str(path) for p in err.value.problems)
    return err.value.problems


def test_errors_name_file_key_and_reason(tmp_path: Path) -> None:
    problems = _problems(
        """
connectors:
  gh: {kind: github, base_url: https://x, bogus_key: 1}
  what: {kind: nosuch, base_url: y}
  nokind: {base_url: z}
routes:
  - name: r
    mode: sideways
    target: {connector: gh, project: a/b}
""",
        tmp_path,
    )
    keys = {k for _, k, _ in problems}
    assert "routes.0.mode" in keys


def test_connector_and_route_problems(tmp_path: Path) -> None:
    problems = _problems(
        """
connectors:
  gh: {kind: github, base_url: https://x, bogus_key: 1}
  what: {kind: nosuch, base_url: y}
  nokind: {base_url: z}
routes:
  - name: r
    target: {connector: missing, project: a/b}
  - name: r
    target: {connector: gh, project: a/b}
    templates: {handoff: "{{ ticket.subject"}
""",
        tmp_path,
    )
    text = "\n".join(f"{k}: {m}" for _, k, m in problems)
    assert "connectors.gh.bogus_key" in text
    assert "connectors.what.kind: unknown connector kind 'nosuch'" in text
    assert "connectors.nokind.kind: missing" in text
    assert "routes.0(r).target.connector: no connector named 'missing'" in text
    assert "routes.1(r).templates.handoff: template error" in text
    assert "route name 'r' is used twice" in text


def test_not_yaml(tmp_path: Path) -> None:
    (problem,) = _problems("connectors: [unclosed\n", tmp_path)
    assert "not valid YAML" in problem[2]


def test_config_check_command(good: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["config", "check", str(good)])
    assert ok.exit_code == 0, ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("routes:\n  - name: r\n    target: {connector: nope, project: x}\n")
    res = runner.invoke(app, ["config", "check", str(bad)])
    assert res.exit_code == 2
    assert "routes.0(r).target.connector" in res.output and str(bad) in res.output
