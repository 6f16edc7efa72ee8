"""deploy/helm/syncd: linted and rendered offline by the pinned helm, every rendered object
checked against the Kubernetes API schemas, and the pod it deploys compared with the one of
deploy/kubernetes, so that the two ways to install syncd do not drift apart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import (
    DEPLOY,
    KUBERNETES_VERSIONS,
    check_api,
    check_replicas_on_postgres,
    helm_template,
    kustomize,
    pinned,
    run,
)

CHART = DEPLOY / "helm" / "syncd"
POSTGRES_VALUES = CHART / "values-postgres.yaml"
KUSTOMIZE = DEPLOY / "kubernetes"
# the same installation twice: (chart values, kustomization)
PAIRS = {
    "sqlite": ((), KUSTOMIZE / "base"),
    "postgres": ((POSTGRES_VALUES,), KUSTOMIZE / "overlays" / "postgres"),
}


def _by_kind(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["kind"]: o for o in objects}


@pytest.mark.parametrize("values", [(), (POSTGRES_VALUES,)], ids=["sqlite", "postgres"])
def test_helm_lint_finds_nothing(values: tuple[Path, ...]) -> None:
    args = [a for v in values for a in ("--values", str(v))]
    res = run(pinned("helm"), "lint", "--strict", CHART, *args)
    assert "0 chart(s) failed" in res.stdout
    assert "[WARNING]" not in res.stdout and "[ERROR]" not in res.stdout, res.stdout


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("values", [(), (POSTGRES_VALUES,)], ids=["sqlite", "postgres"])
def test_every_object_is_valid_for_the_kubernetes_api(
    values: tuple[Path, ...], version: str
) -> None:
    check_api(helm_template(CHART, *values), version)


def test_the_postgres_values_roll_drain_and_bound_connections(tmp_path: Path) -> None:
    check_replicas_on_postgres(helm_template(CHART, POSTGRES_VALUES), tmp_path)


@pytest.mark.parametrize(
    ("values", "refusal"),
    [
        ("terminationGracePeriodSeconds: 35\n", "must be longer than"),
        ("readinessProbe: {periodSeconds: 10}\n", "must be within config.cluster.drain_delay"),
        ("config: {cluster: {drain_delay: 30}}\n", "must be longer than"),
    ],
    ids=["grace", "readiness", "drain"],
)
def test_a_drain_the_pod_cannot_finish_is_refused(
    tmp_path: Path, values: str, refusal: str
) -> None:
    mine = tmp_path / "values.yaml"
    mine.write_text(values)
    args = ("--values", POSTGRES_VALUES, "--values", mine)
    res = run(pinned("helm"), "template", "syncd", CHART, *args, check=False)
    assert res.returncode != 0
    assert refusal in res.stderr


def test_several_replicas_on_sqlite_are_refused(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("replicaCount: 2\n")
    res = run(pinned("helm"), "template", "syncd", CHART, "--values", values, check=False)
    assert res.returncode != 0
    assert "several replicas need PostgreSQL" in res.stderr


@pytest.mark.parametrize("name", PAIRS)
def test_the_chart_deploys_the_pod_of_the_kustomization(name: str) -> None:
    values, kustomization = PAIRS[name]
    chart, kust = _by_kind(helm_template(CHART, *values)), _by_kind(kustomize(kustomization))
    assert set(chart) == set(kust)
    chart_deploy, kust_deploy = chart["Deployment"]["spec"], kust["Deployment"]["spec"]
    for key in ("replicas", "strategy"):
        assert chart_deploy[key] == kust_deploy[key], key
    chart_pod, kust_pod = chart_deploy["template"]["spec"], kust_deploy["template"]["spec"]
    for key in (
        "securityContext",
        "automountServiceAccountToken",
        "terminationGracePeriodSeconds",
    ):
        assert chart_pod[key] == kust_pod[key], key
    (chart_c,), (kust_c,) = chart_pod["containers"], kust_pod["containers"]
    for key in (
        "args",
        "ports",
        "startupProbe",
        "livenessProbe",
        "readinessProbe",
        "resources",
        "securityContext",
        "volumeMounts",
    ):
        assert chart_c[key] == kust_c[key], key
    assert chart_c.get("lifecycle") == kust_c.get("lifecycle")
    assert [e["name"] for e in chart_c.get("env", [])] == [e["name"] for e in kust_c.get("env", [])]
    chart_volumes = {v["name"]: set(v) for v in chart_pod["volumes"]}
    assert chart_volumes == {v["name"]: set(v) for v in kust_pod["volumes"]}
    config = yaml.safe_load(chart["ConfigMap"]["data"]["syncd.yaml"])
    assert config == yaml.safe_load(kust["ConfigMap"]["data"]["syncd.yaml"])
    if "PodDisruptionBudget" in kust:
        budget = chart["PodDisruptionBudget"]["spec"]["maxUnavailable"]
        assert budget == kust["PodDisruptionBudget"]["spec"]["maxUnavailable"]
    chart_spread = chart_pod.get("topologySpreadConstraints")
    assert (chart_spread is None) == (kust_pod.get("topologySpreadConstraints") is None)
