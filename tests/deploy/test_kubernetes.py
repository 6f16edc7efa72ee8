"""deploy/kubernetes: each kustomization rendered offline by ``kubectl kustomize`` (the kubectl
./dev pins), every rendered object checked against the Kubernetes API schemas by
kubernetes-validate (strict: no unknown field), and what the schemas cannot see."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from syncd.settings import load

from .conftest import (
    DEPLOY,
    KUBERNETES_VERSIONS,
    check_api,
    check_replicas_on_postgres,
    kustomize,
)

KUSTOMIZE = DEPLOY / "kubernetes"
BASE = KUSTOMIZE / "base"
POSTGRES = KUSTOMIZE / "overlays" / "postgres"
UID = 10001  # the user of deploy/Dockerfile


@pytest.fixture(scope="module")
def base() -> dict[str, dict[str, Any]]:
    return {d["kind"]: d for d in kustomize(BASE)}


@pytest.fixture(scope="module")
def postgres() -> dict[str, dict[str, Any]]:
    return {d["kind"]: d for d in kustomize(POSTGRES)}


def _pod(objects: dict[str, dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = objects["Deployment"]["spec"]["template"]["spec"]
    return spec


def _container(objects: dict[str, dict[str, Any]]) -> dict[str, Any]:
    (container,) = _pod(objects)["containers"]
    return container


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("path", [BASE, POSTGRES], ids=["base", "overlay-postgres"])
def test_every_object_is_valid_for_the_kubernetes_api(path: Path, version: str) -> None:
    check_api(kustomize(path), version)


def test_the_validation_would_catch_a_mistake(base: dict[str, dict[str, Any]]) -> None:
    broken = yaml.safe_load(yaml.safe_dump(base["Deployment"]))
    broken["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGett"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[-1], strict=True)


def test_base_one_replica_on_a_volume(base: dict[str, dict[str, Any]]) -> None:
    assert set(base) == {
        "ServiceAccount",
        "ConfigMap",
        "Service",
        "PersistentVolumeClaim",
        "Deployment",
    }
    deployment = base["Deployment"]["spec"]
    assert deployment["replicas"] == 1 and deployment["strategy"] == {"type": "Recreate"}
    volumes = {v["name"]: v for v in _pod(base)["volumes"]}
    claim = base["PersistentVolumeClaim"]["metadata"]["name"]
    assert volumes["data"]["persistentVolumeClaim"] == {"claimName": claim}
    mounts = {m["name"]: m["mountPath"] for m in _container(base)["volumeMounts"]}
    assert mounts["data"] == "/var/lib/syncd"


def test_probes_and_port(base: dict[str, dict[str, Any]]) -> None:
    container = _container(base)
    assert container["ports"] == [{"name": "http", "containerPort": 8080}]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    service = base["Service"]["spec"]
    assert service["ports"][0]["targetPort"] == "http"
    assert service["selector"] == base["Deployment"]["spec"]["selector"]["matchLabels"]


def test_non_root_locked_down_with_resources(base: dict[str, dict[str, Any]]) -> None:
    pod = _pod(base)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == UID == pod["securityContext"]["fsGroup"]
    assert pod["automountServiceAccountToken"] is False
    container = _container(base)
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert "memory" in container["resources"]["limits"]


def test_the_config_map_is_a_valid_config_reading_the_secret(
    base: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    config_map = base["ConfigMap"]
    volumes = {v["name"]: v for v in _pod(base)["volumes"]}
    assert volumes["config"]["configMap"]["name"] == config_map["metadata"]["name"]
    assert volumes["secrets"]["secret"]["secretName"] == "syncd-secrets"
    mounts = {m["name"]: m["mountPath"] for m in _container(base)["volumeMounts"]}
    assert mounts["config"] == "/etc/syncd"  # SYNCD_CONFIG of the image: /etc/syncd/syncd.yaml
    path = tmp_path / "syncd.yaml"
    path.write_text(config_map["data"]["syncd.yaml"])
    settings = load(path, read_files=False)  # the secret files are in the container
    assert settings.store.url == "sqlite:////var/lib/syncd/syncd.db"
    assert settings.server.port == 8080 and settings.server.host == "0.0.0.0"
    for conf in settings.connectors.values():
        for field in type(conf).model_fields:
            value = getattr(conf, field)
            if field.endswith("_file") and value is not None:
                assert str(value).startswith(mounts["secrets"] + "/"), (field, value)


def test_the_postgres_overlay_three_replicas_no_volume_claim_a_budget(
    postgres: dict[str, dict[str, Any]],
) -> None:
    assert "PersistentVolumeClaim" not in postgres
    deployment = postgres["Deployment"]["spec"]
    assert deployment["replicas"] == 3
    volumes = {v["name"]: v for v in _pod(postgres)["volumes"]}
    assert "persistentVolumeClaim" not in volumes["data"]
    env = {e["name"]: e for e in _container(postgres)["env"]}
    assert env["SYNCD_STORE__URL"]["valueFrom"] == {
        "secretKeyRef": {"name": "syncd-store", "key": "url"}
    }
    budget = postgres["PodDisruptionBudget"]["spec"]
    assert budget["selector"]["matchLabels"] == deployment["template"]["metadata"]["labels"]


def test_the_postgres_overlay_rolls_drains_and_bounds_its_connections(
    postgres: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    check_replicas_on_postgres(list(postgres.values()), tmp_path)


def test_the_check_of_the_drain_would_catch_a_short_grace_period(
    postgres: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    broken = yaml.safe_load(yaml.safe_dump(postgres))
    broken["Deployment"]["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = 30
    with pytest.raises(AssertionError):
        check_replicas_on_postgres(list(broken.values()), tmp_path)


def test_the_overlay_config_is_the_base_config_with_the_replicas_settings(
    base: dict[str, dict[str, Any]], postgres: dict[str, dict[str, Any]]
) -> None:
    base_config = yaml.safe_load(base["ConfigMap"]["data"]["syncd.yaml"])
    config = yaml.safe_load(postgres["ConfigMap"]["data"]["syncd.yaml"])
    assert set(config.pop("cluster")) == {"drain_delay"}
    assert config.pop("store") == {"pool_size": 4, "max_overflow": 4}  # the URL: a Secret
    assert config["server"].pop("shutdown_grace") == 10
    del base_config["store"]
    assert config == base_config
