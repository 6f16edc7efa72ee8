"""deploy/syncd.service and its PostgreSQL drop-in, checked by systemd's own parser
(``systemd-analyze verify`` and ``security --offline``, Debian's systemd), and the exit codes
of ``syncd run`` that its restart policy counts on."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from syncd.testing.server import free_port

from .conftest import DEPLOY, need, on_path, run

UNIT = DEPLOY / "syncd.service"
DROP_IN = DEPLOY / "systemd" / "postgresql.conf"
SYSTEM_UNITS = Path("/usr/lib/systemd/system")  # the targets the unit is ordered against
EXPOSURE_AT_MOST = 2.0  # systemd-analyze security: 0 is fully locked down, 10 is not at all


def _keys(path: Path) -> dict[str, list[str]]:
    """``Section.Key`` -> every value given, in order (systemd allows a key more than once)."""
    keys: dict[str, list[str]] = {}
    section = ""
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        keys.setdefault(f"{section}.{key.strip()}", []).append(value.strip())
    return keys


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A file system root with the unit, its drop-in, the system's units and stand-ins for
    the installed ``/opt/syncd/bin/syncd`` and the system's ``/bin/kill`` (ExecReload)."""
    if not SYSTEM_UNITS.is_dir():
        need(None, f"systemd's own units ({SYSTEM_UNITS})")
    units = tmp_path / "etc/systemd/system"
    (units / "syncd.service.d").mkdir(parents=True)
    shutil.copy(UNIT, units / "syncd.service")
    shutil.copy(DROP_IN, units / "syncd.service.d" / "postgresql.conf")
    shutil.copytree(SYSTEM_UNITS, tmp_path / "usr/lib/systemd/system", symlinks=True)
    exe = tmp_path / "opt/syncd/bin/syncd"
    exe.parent.mkdir(parents=True)
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    kill = tmp_path / "bin/kill"
    kill.parent.mkdir(parents=True)
    kill.write_text("#!/bin/sh\n")
    kill.chmod(0o755)
    return tmp_path


def test_systemd_accepts_the_unit_and_its_drop_in_without_a_warning(root: Path) -> None:
    analyze = on_path("systemd-analyze")
    res = run(analyze, "verify", f"--root={root}", "--man=no", "--generators=no", "syncd.service")
    # unknown keys and values systemd cannot parse are only warnings: none may appear
    assert res.stderr.strip() == "", res.stderr


def test_a_mistyped_key_is_caught(root: Path) -> None:
    """The check above would see a broken unit: systemd warns about it on stderr."""
    analyze = on_path("systemd-analyze")
    unit = root / "etc/systemd/system/syncd.service"
    unit.write_text(unit.read_text().replace("RestartPreventExitStatus=2", "RestartPrevent=2"))
    res = run(analyze, "verify", f"--root={root}", "--man=no", "--generators=no", "syncd.service")
    assert "Unknown key 'RestartPrevent'" in res.stderr


def test_the_service_is_locked_down(root: Path) -> None:
    analyze = on_path("systemd-analyze")
    res = run(analyze, "security", "--offline=true", f"--root={root}", "syncd.service")
    found = re.search(r"Overall exposure level for syncd.service: ([0-9.]+)", res.stdout)
    assert found, res.stdout
    assert float(found[1]) <= EXPOSURE_AT_MOST, res.stdout


def test_user_state_config_and_restart_policy() -> None:
    keys = _keys(UNIT)
    assert keys["Service.DynamicUser"] == ["yes"]
    assert keys["Service.User"] == ["syncd"]
    assert keys["Service.StateDirectory"] == ["syncd"]
    assert keys["Service.ConfigurationDirectory"] == ["syncd"]
    assert keys["Service.Environment"] == ["SYNCD_CONFIG=%E/syncd/syncd.yaml"]
    assert keys["Service.ExecStart"] == ["/opt/syncd/bin/syncd run"]
    assert keys["Service.Restart"] == ["on-failure"]
    assert keys["Service.RestartPreventExitStatus"] == ["2"]
    # RestartPreventExitStatus= sees only the main process: migrations run inside `syncd run`
    assert "Service.ExecStartPre" not in keys


def test_the_postgresql_drop_in_orders_and_pulls_in_postgresql() -> None:
    keys = _keys(DROP_IN)
    assert keys == {"Unit.After": ["postgresql.service"], "Unit.Wants": ["postgresql.service"]}


def _run(config: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "syncd.cli", "run", "-c", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


UNREADABLE_SECRET = """
connectors:
  github: {kind: github, token_file: /nonexistent/token, webhook_secret: s}
routes:
  - {name: r, match: {tags: [escalate]}, target: {connector: github, project: a/b}}
"""


@pytest.mark.parametrize(
    "text",
    ["store: [not, a, mapping", "server: {port: 8080, colour: blue}", UNREADABLE_SECRET],
    ids=["not-yaml", "unknown-key", "unreadable-secret-file"],
)
def test_run_exits_2_on_a_config_error_so_systemd_does_not_restart_it(
    tmp_path: Path, text: str
) -> None:
    config = tmp_path / "syncd.yaml"
    config.write_text(text)
    res = _run(config, tmp_path)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "error" in res.stderr and "Traceback" not in res.stderr


def test_run_exits_1_while_the_database_does_not_answer_so_systemd_retries(
    tmp_path: Path,
) -> None:
    closed = free_port()  # nothing listens there
    config = tmp_path / "syncd.yaml"
    config.write_text(f"store: {{url: 'postgresql+psycopg://syncd@127.0.0.1:{closed}/syncd'}}\n")
    res = _run(config, tmp_path)
    assert res.returncode == 1, res.stdout + res.stderr
