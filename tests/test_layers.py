"""The house's rules on imports and names, checked on the source: the core names no vendor
(outside the demo), and layers point one way (the engine and the store never reach up into
the daemon or the command line)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from syncd import registry

CORE = Path(__file__).resolve().parents[1] / "syncd"
DEMO = ("demo",)  # the demo plays named vendors on purpose
VENDORS = re.compile(
    r"zendesk|github|gitlab|\bjira\b|request tracker|redmine|freshdesk|service management",
    re.IGNORECASE,
)
# module prefix -> modules it must not import
UPWARD = {
    "syncd.engine": ("syncd.daemon", "syncd.cli", "syncd.dashboard"),
    "syncd.store": ("syncd.engine", "syncd.daemon", "syncd.cli", "syncd.dashboard"),
    "syncd.model": ("syncd.engine", "syncd.store", "syncd.daemon", "syncd.cli"),
    "syncd.connector": ("syncd.engine", "syncd.store", "syncd.daemon", "syncd.cli"),
    **{
        f"syncd.connector_{part}": ("syncd.engine", "syncd.store", "syncd.daemon", "syncd.cli")
        for part in ("contract", "settings", "optional", "diagnose", "spec", "kit", "sla", "files")
    },
}


def _core_files() -> list[Path]:
    return [
        p
        for p in CORE.rglob("*")
        if p.is_file()
        and p.suffix in (".py", ".j2", ".html", ".js", ".css")
        and p.relative_to(CORE).parts[0] not in DEMO
    ]


# kinds that name a protocol, not a vendor, and are words the core uses in their own sense
# (e-mail addresses are redacted; the standard library's email package parses dates)
PROTOCOLS = {"email"}


def test_the_core_names_no_vendor() -> None:
    kinds = "|".join(re.escape(k) for k in registry.kinds() if len(k) > 2 and k not in PROTOCOLS)
    named = re.compile(rf"{VENDORS.pattern}|\b(?:{kinds})\b", re.IGNORECASE)
    found = [
        f"{p.relative_to(CORE.parent)}:{n}: {line.strip()}"
        for p in _core_files()
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if named.search(line)
    ]
    assert not found, "\n".join(found)


def _module(path: Path) -> str:
    rel = path.relative_to(CORE.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def test_layers_point_one_way() -> None:
    wrong = []
    for path in CORE.rglob("*.py"):
        module = _module(path)
        banned = next(
            (
                b
                for prefix, b in UPWARD.items()
                if module == prefix or module.startswith(prefix + ".")
            ),
            (),
        )
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            wrong += [
                f"{module} imports {n}"
                for n in names
                if any(n == b or n.startswith(b + ".") for b in banned)
            ]
    assert not wrong, "\n".join(wrong)
