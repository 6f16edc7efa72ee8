"""Connector discovery through the ``syncd.connectors`` entry-point group.

Specs load lazily: a connector that fails to import only matters when a config uses it.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import EntryPoint, entry_points

from syncd.connector import ConnectorSpec, IssueReference
from syncd.errors import ConfigError


@cache
def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group="syncd.connectors")}


def kinds() -> list[str]:
    """The connector kinds installed."""
    return sorted(_entry_points())


@cache
def spec(kind: str) -> ConnectorSpec:
    """The spec of one connector kind, or a ConfigError naming the known kinds."""
    eps = _entry_points()
    if kind not in eps:
        names = ", ".join(sorted(eps)) or "none installed"
        raise ConfigError([("", "kind", f"unknown connector kind {kind!r} (known: {names})")])
    try:
        loaded = eps[kind].load()
    except (ImportError, AttributeError) as exc:
        raise ConfigError([("", "kind", f"connector kind {kind!r} failed to load: {exc}")]) from exc
    if not isinstance(loaded, ConnectorSpec):
        raise TypeError(f"entry point {kind} is not a ConnectorSpec")
    return loaded


def references() -> dict[str, IssueReference]:
    """How agents point at issues, per installed tracker kind that says."""
    out: dict[str, IssueReference] = {}
    for kind in kinds():
        try:
            read = spec(kind).issue_reference
        except ConfigError:
            continue  # a connector that fails to load matters only when a config uses it
        if read is not None:
            out[kind] = read
    return out
