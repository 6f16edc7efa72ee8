"""A user's mistake gets one clear line and an exit code, never a traceback; commands that
read a store never create one; every option says what it is for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
import typer.main
import yaml

from syncd.cli import app

SYNCD = [sys.executable, "-m", "syncd.cli"]
GITHUB = {"kind": "github", "token": "t"}


def _run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SYNCD_")}
    return subprocess.run(
        [*SYNCD, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env=environ | (env or {}),
    )


def _config(tmp_path: Path, **extra: object) -> Path:
    conf = {
        "store": {"url": f"sqlite:///{tmp_path / 'store.db'}"},
        "connectors": {
            "zendesk": {
                "kind": "zendesk",
                "base_url": "http://127.0.0.1:9",
                "email": "bot@example.com",
                "api_token_file": str(tmp_path / "missing-token"),
            },
            "github": GITHUB,
        },
        "routes": [
            {
                "name": "r",
                "match": {"tags": ["escalate"]},
                "target": {"connector": "github", "project": "a/b"},
            }
        ],
        **extra,
    }
    path = tmp_path / "syncd.yaml"
    path.write_text(yaml.safe_dump(conf))
    return path


def _one_clear_line(res: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    assert res.returncode == code, res.stdout + res.stderr
    assert "Traceback" not in res.stderr + res.stdout
    assert text in res.stderr, res.stderr


def test_routes_explain_needs_the_helpdesk_secret(tmp_path: Path) -> None:
    res = _run("routes", "explain", "zendesk:9", "-c", str(_config(tmp_path)), cwd=tmp_path)
    _one_clear_line(res, 2, "connectors.zendesk.api_token_file: cannot read")


def test_routes_explain_from_a_file_needs_no_secret_but_good_json(tmp_path: Path) -> None:
    conf = str(_config(tmp_path))
    bad = tmp_path / "t.json"
    bad.write_text("{not json")
    _one_clear_line(
        _run("routes", "explain", "zendesk:9", "-c", conf, "--from-file", str(bad), cwd=tmp_path),
        2,
        "is not JSON",
    )
    bad.write_text('{"tags": "escalate"}')
    _one_clear_line(
        _run("routes", "explain", "zendesk:9", "-c", conf, "--from-file", str(bad), cwd=tmp_path),
        2,
        "tags",
    )
    good = tmp_path / "ok.json"
    good.write_text('{"subject": "Crash", "tags": ["escalate"]}')
    res = _run("routes", "explain", "zendesk:9", "-c", conf, "--from-file", str(good), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "MATCH r" in res.stdout


def test_a_missing_config_file_is_one_line(tmp_path: Path) -> None:
    _one_clear_line(_run("links", "-c", "nope.yaml", cwd=tmp_path), 2, "nope.yaml")
    _one_clear_line(_run("run", "-c", "nope.yaml", cwd=tmp_path), 2, "cannot read")


@pytest.mark.parametrize("command", [["links"], ["replay", "--list"], ["replay"]])
def test_reading_a_store_never_creates_one(tmp_path: Path, command: list[str]) -> None:
    res = _run(*command, cwd=tmp_path)
    _one_clear_line(res, 2, "no store at")
    assert list(tmp_path.iterdir()) == []  # no ./syncd.db left behind


def test_replaying_an_unknown_dead_letter_says_so(tmp_path: Path) -> None:
    conf = str(_config(tmp_path))
    assert _run("db", "upgrade", "-c", conf, cwd=tmp_path).returncode == 0
    _one_clear_line(
        _run("replay", "--id", "99", "-c", conf, cwd=tmp_path),
        1,
        "no dead letter waiting with id 99",
    )
    res = _run("replay", "-c", conf, cwd=tmp_path)
    assert res.returncode == 0 and "0 dead letters" in res.stdout


def test_every_option_and_argument_has_a_help_text() -> None:
    root = typer.main.get_command(app)
    missing = []

    def walk(cmd: click.Command, path: str) -> None:
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(sub, f"{path} {name}")
            return
        assert cmd.help, f"{path}: no help text"
        for param in cmd.params:
            if param.name == "help":
                continue
            if not getattr(param, "help", None):
                missing.append(f"{path} {param.name}")

    walk(root, "syncd")
    assert not missing, missing
