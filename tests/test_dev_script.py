"""``./dev``, the quick start's script, explains itself."""

from __future__ import annotations

import subprocess
from pathlib import Path

DEV = Path(__file__).resolve().parents[1] / "dev"


def _dev(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(DEV), *args], capture_output=True, text=True, timeout=30)


def test_no_argument_prints_the_help() -> None:
    for args in ((), ("help",), ("--help",)):
        res = _dev(*args)
        assert res.returncode == 0
        assert res.stdout.startswith("usage: ./dev <command>")
        assert "demo" in res.stdout and "test" in res.stdout
        assert "set -euo" not in res.stdout and "#" not in res.stdout  # no shell code


def test_an_unknown_command_is_refused_with_the_help() -> None:
    res = _dev("tset")
    assert res.returncode == 2
    assert "unknown command: tset" in res.stderr and "usage:" in res.stderr
