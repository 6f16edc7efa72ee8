"""docs/connectors.md cannot rot: every path and module name it gives exists.

A path with ``<system>`` must exist for every system under ``connectors/`` (so the page also
keeps the same-file-names rule); the example system ``acme`` is not looked for.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "connectors.md"
SYSTEMS = sorted(p.name for p in (ROOT / "connectors").iterdir() if (p / "__init__.py").is_file())
# parts a system may go without, each for a reason the doc gives: an emulator where the tests
# run against the vendor's real server only, webhooks where the vendor sends none
WITHOUT_EMULATOR = {"redmine"}
WITHOUT_WEBHOOKS = {"redmine", "email"}
# systems whose vendor runs inside another's server, emulated by that system's emulator: their
# own emulator/ holds only __init__.py and actor.py (Jira Service Management is part of Jira)
EMULATED_BY = {"jsm": "jira"}
OWN_EMULATOR_FILES = ("/emulator/__init__.py", "/emulator/actor.py")


def _systems_for(path: str) -> list[str]:
    if "/emulator" in path:
        shared = not path.endswith(OWN_EMULATOR_FILES) and path.endswith(".py")
        return [
            s for s in SYSTEMS if s not in WITHOUT_EMULATOR and not (shared and s in EMULATED_BY)
        ]
    if path.endswith("/webhooks.py"):
        return [s for s in SYSTEMS if s not in WITHOUT_WEBHOOKS]
    return SYSTEMS


CODE = re.compile(r"`([^`\n]+)`")
PATH = re.compile(r"^[\w.<>-]+(/[\w.<>-]*)+$|^[\w-]+\.(toml|md)$")
MODULE = re.compile(r"^(syncd|connectors|tests)(\.\w+)+$")


def _spans() -> list[str]:
    return [m.group(1).strip() for m in CODE.finditer(DOC.read_text())]


def _paths() -> list[str]:
    return sorted({s for s in _spans() if PATH.match(s) and "acme" not in s})


def _modules() -> list[str]:
    return sorted({s for s in _spans() if MODULE.match(s) and "acme" not in s})


def test_the_doc_names_paths_and_modules() -> None:
    assert len(_paths()) >= 20 and len(_modules()) >= 20
    assert SYSTEMS, "no connector packages found"


@pytest.mark.parametrize("path", _paths())
def test_path_exists(path: str) -> None:
    for system in _systems_for(path) if "<system>" in path else [""]:
        concrete = path.replace("<system>", system)
        assert (ROOT / concrete).exists(), f"docs/connectors.md names {concrete}: not found"


def _resolve(name: str) -> object:
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            found = getattr(found, attr)
        return found
    raise ModuleNotFoundError(name)


@pytest.mark.parametrize("name", _modules())
def test_module_exists(name: str) -> None:
    try:
        _resolve(name)
    except (ModuleNotFoundError, AttributeError) as exc:
        pytest.fail(f"docs/connectors.md names {name}: {exc}")


def test_every_emulator_is_laid_out_alike() -> None:
    names = {"__init__.py", "app.py", "routes.py", "state.py", "records.py", "render.py"}
    for system in _systems_for("/emulator"):
        have = {p.name for p in (ROOT / "connectors" / system / "emulator").glob("*.py")}
        if system in EMULATED_BY:
            assert have == {"__init__.py", "actor.py"}, f"{system}: {sorted(have)}"
            host = ROOT / "connectors" / EMULATED_BY[system] / "emulator"
            assert names <= {p.name for p in host.glob("*.py")}, system
            continue
        assert names | {"actor.py"} <= have, f"{system}: {sorted(names - have)} missing"
        assert not list((ROOT / "connectors" / system).glob("emulator_*.py")), system


def test_the_systems_without_a_part_really_go_without() -> None:
    from syncd import registry

    for system in WITHOUT_EMULATOR:
        assert registry.spec(system).emulator_kit is None, system
        assert not (ROOT / "connectors" / system / "emulator").exists(), system
    for system in WITHOUT_WEBHOOKS:
        assert not (ROOT / "connectors" / system / "webhooks.py").exists(), system
