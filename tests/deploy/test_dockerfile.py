"""deploy/Dockerfile, checked without a Docker engine (none runs on the test machines): its
instructions are parsed and checked against the repository, and the image's command and
health check are run here as the image runs them, on loopback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from syncd.settings import ServerSettings
from syncd.testing.server import free_port

from .conftest import DEPLOY, ROOT

DOCKERFILE = DEPLOY / "Dockerfile"
UID = "10001"


def _instructions(text: str) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) in order; continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#") or (not line and not pending):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, args = (pending + line).partition(" ")
        out.append((keyword.upper(), " ".join(args.split())))
        pending = ""
    return out


def _stages() -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for keyword, args in _instructions(DOCKERFILE.read_text()):
        if keyword == "FROM":
            stages.append([])
        stages[-1].append((keyword, args))
    return stages


def _one(stage: list[tuple[str, str]], keyword: str) -> str:
    found = [args for k, args in stage if k == keyword]
    assert len(found) == 1, f"{keyword}: {found}"
    return found[0]


def _env(stage: list[tuple[str, str]]) -> dict[str, str]:
    pairs = " ".join(args for k, args in stage if k == "ENV").split()
    return dict(pair.split("=", 1) for pair in pairs)


def test_a_build_stage_and_a_runtime_stage_on_one_pinned_base() -> None:
    build, final = _stages()
    base = _one(build, "FROM").split()[0]
    assert _one(final, "FROM") == base
    name, _, tag = base.partition(":")
    assert name == "python" and tag and tag != "latest"


def test_what_the_build_copies_exists_and_is_not_ignored() -> None:
    build, _ = _stages()
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    for args in (a for k, a in build if k == "COPY"):
        for source in args.split()[:-1]:
            assert (ROOT / source).exists(), source
            assert f"!{source}" in ignore or f"!{source}/" in ignore, source
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '".[postgres]"' in _one(build, "RUN") and "\npostgres = [" in pyproject


def test_the_service_runs_as_a_fixed_non_root_user() -> None:
    _, final = _stages()
    setup = _one(final, "RUN")
    assert f"groupadd --system --gid {UID} syncd" in setup
    assert f"useradd --system --uid {UID} --gid syncd" in setup
    assert _one(final, "USER") == f"{UID}:{UID}"
    assert "install -d -o syncd -g syncd -m 0750 /var/lib/syncd" in setup


def test_store_volume_config_path_and_port() -> None:
    _, final = _stages()
    assert json.loads(_one(final, "VOLUME")) == ["/var/lib/syncd"]
    assert _one(final, "WORKDIR") == "/var/lib/syncd"
    env = _env(final)
    assert env["SYNCD_CONFIG"] == "/etc/syncd/syncd.yaml"
    assert env["SYNCD_SERVER__HOST"] == "0.0.0.0"
    assert "SYNCD_STORE__URL" not in env  # it would override the store of the config file
    assert _one(final, "EXPOSE") == str(ServerSettings().port)


def test_exec_form_command_and_health_check() -> None:
    _, final = _stages()
    assert json.loads(_one(final, "ENTRYPOINT")) == ["syncd"]
    assert json.loads(_one(final, "CMD")) == ["run"]
    options, _, command = _one(final, "HEALTHCHECK").partition(" CMD ")
    assert json.loads(command) == ["syncd", "health"]
    assert "--timeout=10s" in options and "--start-period=" in options


def test_the_images_command_and_health_check_follow_the_configured_port(
    tmp_path: Path,
) -> None:
    """``syncd run`` as the image starts it (its ENV, its working directory standing for the
    volume), and the HEALTHCHECK command, with the port moved by SYNCD_SERVER__PORT."""
    _, final = _stages()
    bin_dir = Path(sys.executable).parent
    entry = json.loads(_one(final, "ENTRYPOINT")) + json.loads(_one(final, "CMD"))
    entry[0] = str(bin_dir / entry[0])
    check = json.loads(_one(final, "HEALTHCHECK").partition(" CMD ")[2])
    check[0] = str(bin_dir / check[0])
    config = tmp_path / "syncd.yaml"
    config.write_text(f"server: {{port: {free_port()}}}\n")  # the file's port, not used
    port = free_port()
    env = {
        **os.environ,
        **_env(final),
        "SYNCD_CONFIG": str(config),  # /etc/syncd/syncd.yaml in the image
        "SYNCD_SERVER__HOST": "127.0.0.1",  # tests listen on loopback only
        "SYNCD_SERVER__PORT": str(port),
    }
    proc = subprocess.Popen(entry, cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            res = subprocess.run(check, env=env, capture_output=True, text=True, timeout=30)
            if res.returncode == 0 or time.monotonic() > deadline or proc.poll() is not None:
                break
            time.sleep(0.5)
        assert res.returncode == 0, res.stdout + res.stderr
        assert f"127.0.0.1:{port}/healthz: ok" in res.stdout
        # the compose file's health check: ready too (no connector to fail)
        ready = subprocess.run([*check, "--ready"], env=env, capture_output=True, timeout=30)
        assert ready.returncode == 0, ready
        # the default store lands in the working directory: the image's volume
        assert (tmp_path / "syncd.db").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
