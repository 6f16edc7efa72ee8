"""``config/example.yaml`` explains every key the settings models have, and checks clean.

A key counts as explained when the example sets it (in any connector instance of its kind,
any route, any calendar) or names it in a comment (``# pat_file: ...``), the way the example
shows alternatives that cannot be set together. A new settings field fails this test until
the example says what it is.
"""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel
from typer.testing import CliRunner

from syncd import registry
from syncd.cli import app
from syncd.settings import Settings, load

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "example.yaml"
INTERNAL = {"source", "warnings"}  # set by syncd itself, never in a file


def _nested(annotation: Any) -> tuple[str, type[BaseModel]] | None:
    """Whether a field holds a model directly, as dict values or as list items."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "model", annotation
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            found = _nested(arg)
            if found:
                return found
    if origin is dict and args:
        found = _nested(args[-1])
        return ("dict", found[1]) if found else None
    if origin is list and args:
        found = _nested(args[0])
        return ("list", found[1]) if found else None
    return None


def _missing(
    model: type[BaseModel], nodes: list[dict[str, Any]], prefix: str, text: str
) -> list[str]:
    out: list[str] = []
    for name, field in model.model_fields.items():
        if name in INTERNAL:
            continue
        present = [n for n in nodes if name in n]
        if not present and not re.search(rf"#.*\b{re.escape(name)}:", text):
            out.append(prefix + name)
        sub = _nested(field.annotation)
        if sub is None:
            continue
        kind, inner = sub
        below: list[dict[str, Any]] = []
        for n in present:
            value = n[name]
            if kind == "model" and isinstance(value, dict):
                below.append(value)
            elif kind == "dict" and isinstance(value, dict):
                below += [v for v in value.values() if isinstance(v, dict)]
            elif kind == "list" and isinstance(value, list):
                below += [v for v in value if isinstance(v, dict)]
        if below:  # a key only named in a comment has its parts explained where it is set
            out += _missing(inner, below, f"{prefix}{name}.", text)
    return out


def test_every_settings_key_is_in_the_example() -> None:
    text = EXAMPLE.read_text()
    data = yaml.safe_load(text)
    missing = _missing(Settings, [data], "", text)
    instances = data.get("connectors") or {}
    for kind in registry.kinds():
        of_kind = [c for c in instances.values() if c.get("kind") == kind]
        if not of_kind:
            missing.append(f"connectors.<{kind}> (no instance of this kind)")
            continue
        missing += _missing(registry.spec(kind).settings, of_kind, f"connectors.<{kind}>.", text)
    assert not missing, "keys the example does not explain:\n" + "\n".join(missing)


def test_the_store_path_in_the_example_is_absolute() -> None:
    url = yaml.safe_load(EXAMPLE.read_text())["store"]["url"]
    assert url.startswith("sqlite:////"), url  # sqlite:/// + /var/lib/...: an absolute path


@pytest.fixture
def secret_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The example's secret files, as a deployment would mount them, at paths of this test."""
    data = yaml.safe_load(EXAMPLE.read_text())
    for name, conf in data["connectors"].items():
        for key in conf:
            if key.endswith("_file"):
                path = tmp_path / f"{name}-{key}"
                path.write_text("s3cret-value\n")
                monkeypatch.setenv(f"SYNCD_CONNECTORS__{name.upper()}__{key.upper()}", str(path))


def test_the_example_checks_clean_once_its_secret_files_exist(secret_files: None) -> None:
    settings = load(EXAMPLE)
    assert settings.warnings == []
    res = CliRunner().invoke(app, ["config", "check", str(EXAMPLE)])
    assert res.exit_code == 0, res.output
    assert "ok" in res.output


def test_the_example_without_its_secret_files_names_each_one() -> None:
    res = CliRunner().invoke(app, ["config", "check", str(EXAMPLE)])
    assert res.exit_code == 2
    files = [p for p in re.findall(r"cannot read (\S+):", res.output)]
    wanted = [
        str(conf[key])
        for conf in yaml.safe_load(EXAMPLE.read_text())["connectors"].values()
        for key in conf
        if key.endswith("_file")
    ]
    assert sorted(files) == sorted(wanted)
    assert "Traceback" not in res.output
